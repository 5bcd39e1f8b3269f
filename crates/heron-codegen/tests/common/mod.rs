//! Shared helpers of the differential tests: run a graph compiled and
//! through `eval`, compare the results, and generate test data.

#![allow(dead_code)]

use heron_codegen::{Executable, compile};
use heron_ir::{Buffer, DType, Graph, Op, ReduceOp, Scalar, Shape, Value, eval};

/// Every reduction op.
pub const REDUCE_OPS: [ReduceOp; 6] = ReduceOp::ALL;

/// Runs `graph` through the compiled path on `params` (fresh output buffers).
pub fn run_compiled(graph: &Graph, params: &[Value]) -> Vec<Value> {
    run_executable(&compile(graph).expect("compiles"), params)
}

/// Runs `exe` (compiled or loaded) on `params`, into fresh output buffers.
pub fn run_executable(exe: &Executable, params: &[Value]) -> Vec<Value> {
    let mut outs: Vec<Buffer> = exe
        .output_types()
        .iter()
        .map(|(s, d)| Buffer::zeroed(*d, s.size()))
        .collect();
    let ptrs: Vec<*const u8> = params.iter().map(|v| v.buf().as_ptr()).collect();
    let optrs: Vec<*mut u8> = outs.iter_mut().map(|b| b.as_mut_ptr()).collect();
    // SAFETY: params match the executable's parameter types (eval checks the
    // same values), outputs are fresh buffers of the output types.
    unsafe { exe.run(&ptrs, &optrs).expect("runs") };
    outs.into_iter()
        .zip(exe.output_types())
        .map(|(b, (s, _))| Value::new(s.clone(), b))
        .collect()
}

/// How close compiled floats must be to eval's.
#[derive(Clone, Copy, Debug)]
pub enum Tol {
    /// Same bits (any NaN matches any NaN).
    Exact,
    /// |a - b| <= rel * scale, for sums: `scale` is the sum of magnitudes.
    Rel(f64),
    /// Within this many ulps for f32 and for f64 (inline vector math).
    Ulp(u64, u64),
    /// Within this many ulps of `max(|eval|, 1)` for f32 and for f64.
    UlpOfOne(u64, u64),
}

/// The tolerance of `op` compiled against eval, from the precision
/// contract (`heron_ir::precision`): ulp bounds for the ops compiled to
/// inline vector math, exact for everything else.
pub fn math_tol(op: &Op) -> Tol {
    match heron_ir::precision::tolerance(op, DType::F64) {
        heron_ir::precision::Tol::Ulp { f32, f64 } => Tol::Ulp(f32.into(), f64.into()),
        heron_ir::precision::Tol::UlpOfOne { f32, f64 } => Tol::UlpOfOne(f32.into(), f64.into()),
        _ => Tol::Exact,
    }
}

/// Asserts two values are equal: same shape and dtype, same elements (bits
/// for floats, NaN matching NaN) or within `tol`.
pub fn assert_close(what: &str, got: &Value, want: &Value, tol: Tol, scale: &[f64]) {
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    assert_eq!(got.dtype(), want.dtype(), "{what}: dtype");
    for i in 0..got.buf().len() {
        let (g, w) = (got.buf().get(i), want.buf().get(i));
        let ok = match (g, w, tol) {
            (Scalar::F32(a), Scalar::F32(b), Tol::Exact) => {
                a.to_bits() == b.to_bits() || a.is_nan() && b.is_nan()
            }
            (Scalar::F64(a), Scalar::F64(b), Tol::Exact) => {
                a.to_bits() == b.to_bits() || a.is_nan() && b.is_nan()
            }
            (Scalar::F32(_) | Scalar::F64(_), _, Tol::Rel(r)) => {
                let (a, b) = (g.to_f64(), w.to_f64());
                let s = scale.get(i).copied().unwrap_or(1.0).max(b.abs()).max(1e-30);
                a == b || a.is_nan() && b.is_nan() || (a - b).abs() <= r * s
            }
            (Scalar::F32(a), Scalar::F32(b), Tol::Ulp(n, _)) => {
                a == b || a.is_nan() && b.is_nan() || heron_ir::ulps_f32(a, b) <= n
            }
            (Scalar::F64(a), Scalar::F64(b), Tol::Ulp(_, n)) => {
                a == b || a.is_nan() && b.is_nan() || heron_ir::ulps_f64(a, b) <= n
            }
            (Scalar::F32(_) | Scalar::F64(_), _, Tol::UlpOfOne(n32, n64)) => {
                let (a, b) = (g.to_f64(), w.to_f64());
                let (n, eps) = if got.dtype() == DType::F32 {
                    (n32, f64::from(f32::EPSILON))
                } else {
                    (n64, f64::EPSILON)
                };
                a == b
                    || a.is_nan() && b.is_nan()
                    || (a - b).abs() <= n as f64 * eps * b.abs().max(1.0)
            }
            _ => g == w,
        };
        assert!(ok, "{what}: element {i}: compiled {g:?}, eval {w:?}");
    }
}

/// Runs both paths and compares every output with `tol`.
pub fn check_with(graph: &Graph, params: &[Value], tol: Tol) {
    let want = eval(graph, params).expect("eval succeeds");
    let got = run_compiled(graph, params);
    for (j, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_close(
            &format!("output {j} of\n{}\n", graph.to_text()),
            g,
            w,
            tol,
            &[],
        );
    }
}

/// Runs both paths and compares every output exactly.
pub fn check(graph: &Graph, params: &[Value]) {
    check_with(graph, params, Tol::Exact)
}

/// A small deterministic generator (SplitMix64).
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E3779B97F4A7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
        z ^ (z >> 31)
    }

    /// One element of `dtype`; with `special`, sometimes an edge value
    /// (NaN, ±inf, ±0, extremes, -1).
    pub fn scalar(&mut self, dtype: DType, special: bool) -> Scalar {
        let r = self.next();
        let pick = (r >> 56) as u8;
        if special && pick < 40 {
            let k = (r % 8) as usize;
            let f = [
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                0.0,
                -0.0,
                1e30,
                -1.0,
                0.5,
            ][k];
            return match dtype {
                DType::Bool => Scalar::Bool(k.is_multiple_of(2)),
                DType::I32 => Scalar::I32([i32::MIN, i32::MAX, 0, -1, 1, -7, 7, 2][k]),
                DType::I64 => Scalar::I64([i64::MIN, i64::MAX, 0, -1, 1, -7, 7, 2][k]),
                DType::U32 => Scalar::U32([0, u32::MAX, 1, 2, 7, 3, 0x8000_0000, 5][k]),
                DType::F32 => Scalar::F32(f as f32),
                DType::F64 => Scalar::F64(f),
            };
        }
        let small = (r % 41) as i64 - 20;
        let frac = ((r >> 8) % 10_000) as f64 / 1000.0 - 5.0;
        match dtype {
            DType::Bool => Scalar::Bool(r & 1 == 1),
            DType::I32 => Scalar::I32(small as i32),
            DType::I64 => Scalar::I64(small),
            DType::U32 => Scalar::U32((r % 40) as u32),
            DType::F32 => Scalar::F32(frac as f32),
            DType::F64 => Scalar::F64(frac),
        }
    }

    /// A value of `shape` and `dtype`.
    pub fn value(&mut self, shape: &[usize], dtype: DType, special: bool) -> Value {
        let shape = Shape::new(shape);
        let mut buf = Buffer::zeroed(dtype, shape.size());
        for i in 0..shape.size() {
            buf.set(i, self.scalar(dtype, special));
        }
        Value::new(shape, buf)
    }
}
