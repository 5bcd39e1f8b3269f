//! From a key to random words and uniform floats, as array operations: the
//! `RandomBits` op, key splitting for traced keys, and JAX's construction of
//! floats from the mantissa bits.
//!
//! JAX builds a float by or-ing the top mantissa bits of a word into the bit
//! pattern of 1.0, bitcasting, and subtracting 1. heron's op set has no
//! bitcast, so the same value is computed arithmetically: for f32,
//! `(bits >> 9) as f32 * 2^-23` (exact: the shifted word has 23 bits, and
//! `1 + m·2^-23 - 1 == m·2^-23` exactly); for f64 the 52 top bits of the
//! 64-bit word, `(bits >> 12) as f64 * 2^-52`. The shifts are floor
//! divisions (logical on u32; on the i64 bit pattern of a u64 word the
//! arithmetic shift is corrected by a non-negative remainder).

use super::prim::{bin, cast, concat, lit, reshape, slice1};
use crate::array::{Array, apply, or_panic};
use heron_ir::{BinaryOp, DType, Op, Shape};

/// True when `fma(u, span, lo)` equals `u * span + lo` in f32 for every `u`
/// that is a multiple of 2^-23 in `[0, 1)`: `span` is a power of two (the
/// product is exact, a normal float) and the exact sum needs at most 53
/// bits, so the f64 route rounds it once as well.
fn exact_f32_fma(lo: f32, span: f32) -> bool {
    let k = span.log2();
    if span <= 0.0 || k.fract() != 0.0 || !(-100.0..=100.0).contains(&k) || !lo.is_normal() {
        return false;
    }
    let k = k as i32;
    let lo_exp = lo.abs().log2().floor() as i32;
    let top = lo_exp.max(k) + 1;
    let bottom = (lo_exp - 23).min(k - 23);
    top - bottom <= 53
}

/// Random words of `shape` drawn with the `u32[2]` key array `key`: `U32`, or
/// `I64` holding the bit patterns of 64-bit words; under the process's
/// Threefry scheme.
pub(crate) fn random_bits(key: &Array, shape: &[usize], dtype: DType) -> Array {
    random_bits_with(key, shape, dtype, super::threefry_partitionable())
}

/// `random_bits` under the given scheme.
fn random_bits_with(key: &Array, shape: &[usize], dtype: DType, partitionable: bool) -> Array {
    let op = Op::RandomBits {
        shape: Shape::new(shape),
        dtype,
        partitionable,
    };
    or_panic(apply(op, &[key]))
}

/// Samples uniform on `[lo, hi)` of `dtype` (F32 or F64), bit for bit
/// `jax.random.uniform(key, shape, dtype, lo, hi)` as XLA computes it on a CPU
/// with fused multiply-add: `max(lo, fma(u, hi - lo, lo))`, `u` uniform on
/// `[0, 1)`. heron has no fused op, so the single rounding is reproduced: for
/// f32 in f64 (the product is exact there; the sum rounds twice only when
/// `lo` dwarfs `hi - lo` and then lands on an f32 tie with odds of about
/// 2^-29), for f64 with Dekker's exact product and Knuth's exact sum.
pub(crate) fn uniform_floats(
    key: &Array,
    shape: &[usize],
    dtype: DType,
    lo: f64,
    hi: f64,
) -> Array {
    match dtype {
        DType::F32 => {
            let (lo, span) = (lo as f32, hi as f32 - lo as f32);
            let bits = random_bits(key, shape, DType::U32);
            let mantissa = cast(&bin(BinaryOp::Div, &bits, &lit(1u32 << 9)), DType::F32);
            let unit = bin(BinaryOp::Mul, &mantissa, &lit(f32::EPSILON));
            let scaled = if lo == 0.0 {
                bin(BinaryOp::Mul, &unit, &lit(span))
            } else if span == 1.0 {
                bin(BinaryOp::Add, &unit, &lit(lo))
            } else if exact_f32_fma(lo, span) {
                // `u * span` is exact and `+ lo` rounds once: the fma itself,
                // in f32 (so kernels stay one element size and vectorise).
                bin(
                    BinaryOp::Add,
                    &bin(BinaryOp::Mul, &unit, &lit(span)),
                    &lit(lo),
                )
            } else {
                let wide = bin(BinaryOp::Mul, &cast(&unit, DType::F64), &lit(span as f64));
                cast(&bin(BinaryOp::Add, &wide, &lit(lo as f64)), DType::F32)
            };
            bin(BinaryOp::Max, &lit(lo), &scaled)
        }
        DType::F64 => {
            let span = hi - lo;
            let bits = random_bits(key, shape, DType::I64);
            let shifted = bin(BinaryOp::Div, &bits, &lit(1i64 << 12));
            let mantissa = bin(BinaryOp::Rem, &shifted, &lit(1i64 << 52));
            let scaled = if lo == 0.0 || span == 1.0 {
                let unit = bin(
                    BinaryOp::Mul,
                    &cast(&mantissa, DType::F64),
                    &lit(f64::EPSILON),
                );
                if lo == 0.0 {
                    bin(BinaryOp::Mul, &unit, &lit(span))
                } else {
                    bin(BinaryOp::Add, &unit, &lit(lo))
                }
            } else {
                fma_f64(&mantissa, span * f64::EPSILON, lo)
            };
            bin(BinaryOp::Max, &lit(lo), &scaled)
        }
        other => panic!("uniform: dtype must be f32 or f64, not {other}"),
    }
}

/// `m * b + c` rounded once, for an i64 array `m` of integers below 2^52 and
/// constants `b`, `c`: Dekker's error-free product (both factors split into
/// 26-bit halves, `m` exactly by integer division) and Knuth's two-sum.
fn fma_f64(m: &Array, b: f64, c: f64) -> Array {
    let (mul, add, sub) = (BinaryOp::Mul, BinaryOp::Add, BinaryOp::Sub);
    let half = lit(1i64 << 26);
    let m_hi = bin(mul, &bin(BinaryOp::Div, m, &half), &half);
    let m_lo = bin(sub, m, &m_hi);
    let a = cast(m, DType::F64);
    let (a_hi, a_lo) = (cast(&m_hi, DType::F64), cast(&m_lo, DType::F64));
    // Veltkamp's split of the constant.
    let t = 134_217_729.0 * b;
    let b_hi = t - (t - b);
    let b_lo = b - b_hi;
    let p = bin(mul, &a, &lit(b));
    let e = bin(sub, &bin(mul, &a_hi, &lit(b_hi)), &p);
    let e = bin(add, &e, &bin(mul, &a_hi, &lit(b_lo)));
    let e = bin(add, &e, &bin(mul, &a_lo, &lit(b_hi)));
    let e = bin(add, &e, &bin(mul, &a_lo, &lit(b_lo)));
    let c = lit(c);
    let s = bin(add, &p, &c);
    let bb = bin(sub, &s, &p);
    let t = bin(add, &bin(sub, &p, &bin(sub, &s, &bb)), &bin(sub, &c, &bb));
    bin(add, &s, &bin(add, &t, &e))
}

/// `jax.random.split(key, n)` as array operations, under the process's
/// Threefry scheme: a `u32[n, 2]` array of keys. Both schemes hash the same
/// pairs of counters a 64-bit draw of `n` words does: the partitionable
/// scheme's key `i` is the high and low halves of word `i`; the older
/// scheme's keys are the `2n` high halves followed by the `2n` low halves,
/// taken two by two.
pub(crate) fn split_keys(key: &Array, n: usize) -> Array {
    let partitionable = super::threefry_partitionable();
    let (hi, lo) = halves(key, n, partitionable);
    if partitionable {
        concat(&[&reshape(&hi, &[n, 1]), &reshape(&lo, &[n, 1])], 1)
    } else {
        reshape(&concat(&[&hi, &lo], 0), &[n, 2])
    }
}

/// `jax.random.fold_in(key, d)` on a traced key: the pair of counter `d`
/// (the same in both schemes), through a partitionable draw of `d + 1` words.
pub(crate) fn fold_in(key: &Array, d: u32) -> Array {
    let n = d as usize + 1;
    let (hi, lo) = halves(key, n, true);
    concat(&[&slice1(&hi, n - 1, 1), &slice1(&lo, n - 1, 1)], 0)
}

/// The high and low u32 halves of a 64-bit draw of `n` words.
fn halves(key: &Array, n: usize, partitionable: bool) -> (Array, Array) {
    let words = random_bits_with(key, &[n], DType::I64, partitionable);
    let two32 = lit(1i64 << 32);
    let hi = cast(&bin(BinaryOp::Div, &words, &two32), DType::U32);
    let lo = cast(&bin(BinaryOp::Rem, &words, &two32), DType::U32);
    (hi, lo)
}

#[cfg(test)]
mod exact_fma_tests {
    use super::exact_f32_fma;

    /// The f64 route `uniform_floats` uses in general: exact product, one
    /// rounding of the sum in f64, then to f32.
    fn via_f64(u: f32, span: f32, lo: f32) -> f32 {
        (u as f64 * span as f64 + lo as f64) as f32
    }

    #[test]
    fn the_f32_route_is_taken_only_where_it_rounds_like_the_fma() {
        let normal_lo = (-1.0f32).next_up();
        assert!(exact_f32_fma(normal_lo, 2.0));
        assert!(exact_f32_fma(-3.0, 8.0));
        assert!(exact_f32_fma(100.0, 64.0));
        assert!(!exact_f32_fma(0.5, 3.0), "not a power of two");
        assert!(!exact_f32_fma(1e30, 2.0), "the sum needs more than 53 bits");
        assert!(!exact_f32_fma(-1.0, -2.0));
        let mut m: u32 = 12345;
        for (lo, span) in [
            (normal_lo, 2.0f32),
            (-3.0, 8.0),
            (100.0, 64.0),
            (-1e-3, 0.5),
        ] {
            if !exact_f32_fma(lo, span) {
                continue;
            }
            for _ in 0..100_000 {
                m = m.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let u = (m >> 9) as f32 * f32::EPSILON;
                assert_eq!(
                    (u * span + lo).to_bits(),
                    via_f64(u, span, lo).to_bits(),
                    "u = {u}, span = {span}, lo = {lo}"
                );
            }
        }
    }
}
