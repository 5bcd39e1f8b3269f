//! The elements of arguments and Variables: a deterministic stream per
//! seed, small values mixed with edge values (NaN, ±inf, ±0, extremes).

use crate::program::Data;
use heron::{Array, DType};

/// SplitMix64: a small deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

const FLOAT_EDGES: [f64; 10] = [
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    0.0,
    -0.0,
    1e30,
    -1.0,
    0.5,
    1e-40,
    -3.5e38,
];
const INT_EDGES: [i64; 8] = [i64::MIN, i64::MAX, 0, -1, 1, -7, 7, 2];

/// The array `d` describes.
pub fn array(d: &Data) -> Array {
    let mut rng = Rng(d.seed);
    let n: usize = d.shape.iter().product();
    // Per element: an edge value (when `special`) or a small one.
    let mut draw = |_| {
        let r = rng.next();
        let edge = d.special && (r >> 56) < 40;
        (r, edge)
    };
    let shape = &d.shape;
    match d.dtype {
        DType::Bool => Array::from_vec((0..n).map(|i| draw(i).0 & 1 == 1).collect(), shape),
        DType::F32 | DType::F64 => {
            let xs: Vec<f64> = (0..n)
                .map(|i| match draw(i) {
                    (r, true) => FLOAT_EDGES[(r % 10) as usize],
                    (r, false) => ((r >> 8) % 10_000) as f64 / 1000.0 - 5.0,
                })
                .collect();
            if d.dtype == DType::F32 {
                Array::from_vec(xs.into_iter().map(|x| x as f32).collect(), shape)
            } else {
                Array::from_vec(xs, shape)
            }
        }
        DType::I32 | DType::I64 | DType::U32 => {
            let xs: Vec<i64> = (0..n)
                .map(|i| match draw(i) {
                    (r, true) => INT_EDGES[(r % 8) as usize],
                    (r, false) => (r % 41) as i64 - 20,
                })
                .collect();
            match d.dtype {
                DType::I32 => Array::from_vec(xs.into_iter().map(|x| x as i32).collect(), shape),
                DType::U32 => Array::from_vec(xs.into_iter().map(|x| x as u32).collect(), shape),
                _ => Array::from_vec(xs, shape),
            }
        }
    }
}
