//! The precision contract, in one place: how far compiled code may be from
//! `eval` per op and dtype, and how far inline vector math is from exact
//! results. `docs/ARCHITECTURE.md` ("Precision contract") and
//! `docs/VECTOR_MATH.md` state the same numbers in prose; every test that
//! compares with a tolerance (the differential checker, the backend's
//! tests, the vector-math sweeps, the golden-value tests) reads them here.
//!
//! Every op not listed as approximate is bit-exact: arithmetic, comparisons,
//! `where`, casts, integer and bitwise ops, rounding, movement, gathers,
//! sorts, cumulative sums, matrix products (run by `eval_op` itself),
//! `max`/`min`/`prod`/`any`/`all` reductions, integer sums and random bits.
//! The approximate ones are the transcendental functions
//! (`UnaryOp::is_transcendental`, `BinaryOp::is_transcendental`), `rsqrt`,
//! and float sums. Code compiled with fast math (`CompileOptions::fast_math`)
//! is bounded by [`fast_math_bound`] instead.

use crate::{BinaryOp, DType, Op, ReduceOp, UnaryOp};

/// How far a compiled result may be from `eval`'s, for one op whose
/// operands are the same on both paths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tol {
    /// The same bits (floats: any NaN matches any NaN; signed zeros count).
    Exact,
    /// Within this many ulp for f32 and for f64 results (inline vector
    /// math, plus eval's own rounding). Equal infinities and NaN against
    /// NaN only.
    Ulp {
        /// The bound for f32 results.
        f32: u32,
        /// The bound for f64 results.
        f64: u32,
    },
    /// Within this many ulp of `max(|eval|, 1)`, for f32 and f64 results:
    /// for ops whose results near zero come from cancellation
    /// (`logaddexp` of two operands in `(-1, 0)` whose sum is about 1),
    /// where relative accuracy is lost on both paths alike.
    UlpOfOne {
        /// The bound for f32 results.
        f32: u32,
        /// The bound for f64 results.
        f64: u32,
    },
    /// A float sum of `n` terms in another order: `|compiled − eval| ≤
    /// (⌈log₂ n⌉ + 2)·ε·Σ|x| + 2ε·|eval| + the dtype's smallest subnormal`,
    /// ε the dtype's unit roundoff ([`sum_bound`]). Unchecked where `Σ|x|`
    /// exceeds the dtype's range (an intermediate of eval's own sum may
    /// overflow there).
    Sum,
    /// A float matrix product, each element a dot product of `k` terms:
    /// compiled code reads a transposed, broadcast or sliced operand
    /// through strides, which may change gemm's order and blocking, so
    /// `|compiled − eval| ≤ 2·(k + 1)·ε·Σ|a·b| + 2ε·|eval| + the dtype's
    /// smallest subnormal` ([`dot_bound`]; both are within
    /// `(k + 1)·ε·Σ|a·b|` of the exact product). Same operands in the same
    /// layout give the same bits.
    Dot,
}

impl Tol {
    /// The ulp bound for results of `dtype` (0 for `Exact`, `None` for
    /// `Sum` and `Dot`).
    pub fn ulps(self, dtype: DType) -> Option<u64> {
        match self {
            Tol::Exact => Some(0),
            Tol::Ulp { f32, f64 } | Tol::UlpOfOne { f32, f64 } => {
                Some(u64::from(if dtype == DType::F32 { f32 } else { f64 }))
            }
            Tol::Sum | Tol::Dot => None,
        }
    }
}

/// The bounds of one approximate element-wise op.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bounds {
    /// Compiled against `eval`, in ulp, for f32 and f64 results.
    pub vs_eval: (u32, u32),
    /// Inline vector math against the exact result (the f64 reference for
    /// f32; libm for f64), in ulp, for f32 and f64: the measured maxima of
    /// `docs/VECTOR_MATH.md`, with and without FMA.
    pub vs_exact: (f64, f64),
    /// The bounds are in ulp of `max(|result|, 1)` rather than of the
    /// result ([`Tol::UlpOfOne`]).
    pub of_one: bool,
}

const fn b(vs_eval: (u32, u32), vs_exact: (f64, f64)) -> Bounds {
    Bounds {
        vs_eval,
        vs_exact,
        of_one: false,
    }
}

impl Bounds {
    /// These bounds, in ulp of `max(|result|, 1)`.
    const fn of_one(self) -> Bounds {
        Bounds {
            of_one: true,
            ..self
        }
    }

    /// The tolerance against eval.
    pub fn tol(self) -> Tol {
        let (f32, f64) = self.vs_eval;
        if self.of_one {
            Tol::UlpOfOne { f32, f64 }
        } else {
            Tol::Ulp { f32, f64 }
        }
    }

    /// The error of `got` against `want` in the units of these bounds:
    /// ulp of `want` (of `max(|want|, 1)` when `of_one`), ulp being
    /// `2^(exponent - 23)` for f32 and `2^(exponent - 52)` for f64;
    /// `INFINITY` for a wrong special value (NaN, infinity, sign of zero).
    pub fn error(self, got: f64, want: f64, dtype: DType) -> f64 {
        if got.is_nan() || want.is_nan() {
            return if got.is_nan() && want.is_nan() {
                0.0
            } else {
                f64::INFINITY
            };
        }
        if got.is_infinite() || want.is_infinite() {
            return if got == want { 0.0 } else { f64::INFINITY };
        }
        let (mant, min_exp) = if dtype == DType::F32 {
            (23.0, -126.0)
        } else {
            (52.0, -1022.0)
        };
        let scale = if self.of_one {
            want.abs().max(1.0)
        } else if want == 0.0 {
            return if got == 0.0 && got.is_sign_negative() == want.is_sign_negative() {
                0.0
            } else {
                f64::INFINITY
            };
        } else {
            want.abs()
        };
        let e = scale.log2().floor().max(min_exp);
        let u = 2f64.powf(e - mant);
        ((got / u) - (want / u)).abs()
    }
}

/// The argument range over which `sin`, `cos` and `tan` keep their bounds
/// (their range reduction degrades beyond it; compiled code then calls
/// libm, and `sin`/`cos` stay in `[-1, 1]`).
pub const TRIG_RANGE: f64 = 1e5;

/// The bounds of unary `op` on floats; `None` when it is bit-exact.
pub fn unary_bounds(op: UnaryOp) -> Option<Bounds> {
    use UnaryOp::*;
    Some(match op {
        Exp => b((2, 1), (1.0, 1.0)),
        Exp2 => b((2, 1), (1.1, 1.0)),
        Expm1 => b((2, 2), (1.5, 2.0)),
        Log => b((2, 1), (0.9, 1.0)),
        Log2 => b((3, 2), (1.6, 2.0)),
        Log10 => b((3, 2), (1.9, 2.0)),
        Log1p => b((2, 1), (0.8, 1.0)),
        Sin => b((2, 1), (0.8, 1.0)),
        Cos => b((2, 1), (0.8, 1.0)),
        Tan => b((3, 2), (2.1, 2.0)),
        Tanh => b((3, 3), (2.5, 3.0)),
        Sinh => b((3, 2), (1.6, 2.0)),
        Cosh => b((2, 2), (1.4, 2.0)),
        // eval's f32 sigmoid rounds three times itself; 2.33 ulp from the
        // exact result is the dense sweep's maximum (docs/VECTOR_MATH.md).
        Sigmoid => b((4, 2), (2.4, 2.0)),
        Arctan => b((3, 2), (1.8, 2.0)),
        Arcsin => b((3, 2), (2.1, 2.0)),
        Arccos => b((2, 1), (1.0, 1.0)),
        Arcsinh => b((3, 2), (1.8, 2.0)),
        Arccosh => b((3, 2), (2.0, 1.0)),
        Arctanh => b((3, 2), (1.7, 1.0)),
        Erf => b((4, 2), (2.8, 2.0)),
        // Two roundings, `1 / sqrt(x)`, in a different order.
        Rsqrt => b((2, 1), (1.5, 1.0)),
        _ => return None,
    })
}

/// The bounds of binary `op` on floats; `None` when it is bit-exact.
pub fn binary_bounds(op: BinaryOp) -> Option<Bounds> {
    Some(match op {
        BinaryOp::Pow => b((2, 2), (1.0, 2.0)),
        BinaryOp::Atan2 => b((3, 2), (2.5, 2.0)),
        BinaryOp::Hypot => b((3, 2), (2.0, 2.0)),
        // Near zero the result comes from cancellation (`max + log1p(..)`),
        // on both paths alike: bounded in ulp of `max(|result|, 1)`.
        BinaryOp::Logaddexp => b((3, 2), (0.9, 1.0)).of_one(),
        _ => return None,
    })
}

/// The contract of `op` producing a result of `dtype`: compiled against
/// `eval`. Non-float results are always exact.
pub fn tolerance(op: &Op, dtype: DType) -> Tol {
    if !dtype.is_float() {
        return Tol::Exact;
    }
    let ulp = |bounds: Option<Bounds>| bounds.map_or(Tol::Exact, Bounds::tol);
    match op {
        Op::Unary(u) => ulp(unary_bounds(*u)),
        Op::Binary(o) => ulp(binary_bounds(*o)),
        Op::Reduce {
            op: ReduceOp::Sum, ..
        } => Tol::Sum,
        Op::MatMul => Tol::Dot,
        _ => Tol::Exact,
    }
}

/// The largest ulp bound of any op, in either float type: what a test of
/// whole programs without sums (`tests/jit_differential.rs`) allows.
pub fn max_ulp() -> u64 {
    let unary = UnaryOp::ALL.into_iter().filter_map(unary_bounds);
    let binary = BinaryOp::ALL.into_iter().filter_map(binary_bounds);
    unary
        .chain(binary)
        .map(|b| u64::from(b.vs_eval.0.max(b.vs_eval.1)))
        .max()
        .unwrap_or(0)
}

/// The bound of heron's result (eager or compiled) against NumPy's for a
/// float element-wise op (the golden-value tests): the compiled-against-eval
/// bound plus eval's own distance from NumPy's libm (2 ulp in f32, 1 in
/// f64), in the same units; `None` for ops that are exact in both.
pub fn vs_numpy(op: &Op) -> Option<Bounds> {
    let bounds = match op {
        Op::Unary(u) => unary_bounds(*u)?,
        Op::Binary(b) => binary_bounds(*b)?,
        _ => return None,
    };
    let (f32, f64) = bounds.vs_eval;
    Some(Bounds {
        vs_eval: (f32 + 2, f64 + 1),
        ..bounds
    })
}

/// The [`Tol::Sum`] bound on `|compiled − eval|` for a sum of `n` terms of
/// absolute sum `abs_sum` whose eval result is `want`.
pub fn sum_bound(n: usize, abs_sum: f64, want: f64, dtype: DType) -> f64 {
    let eps = if dtype == DType::F32 {
        f64::from(f32::EPSILON) / 2.0
    } else {
        f64::EPSILON / 2.0
    };
    let log = (usize::BITS - n.max(1).leading_zeros()) as f64;
    (log + 2.0) * eps * abs_sum + 2.0 * eps * want.abs() + tiny(dtype)
}

/// The [`Tol::Dot`] bound on `|compiled − eval|` for a matrix product
/// element of `k` terms whose products' absolute values sum to `abs_sum`
/// and whose eval result is `want`.
pub fn dot_bound(k: usize, abs_sum: f64, want: f64, dtype: DType) -> f64 {
    let eps = if dtype == DType::F32 {
        f64::from(f32::EPSILON) / 2.0
    } else {
        f64::EPSILON / 2.0
    };
    2.0 * (k as f64 + 1.0) * eps * abs_sum + 2.0 * eps * want.abs() + tiny(dtype)
}

/// The fast-math bound on `|compiled − eval|` for a linear combination
/// `Σ cᵢ·xᵢ + c₀` that fast math reassociated (`passes::fast_math`: folded
/// and rounded coefficients, reciprocals of constant divisors, invariant
/// terms first, fused multiply-adds), where eval's tree has `ops`
/// operations and `abs_sum = Σ|cᵢ·xᵢ| + |c₀|` (exact coefficients):
/// `steps·(2·ops + 2)·ε·abs_sum + the dtype's smallest subnormal`. Each
/// of eval's operations and of the rebuilt ones (no more than eval's)
/// rounds once with an error of at most `ε·abs_sum`, and each folded
/// coefficient once more. For a state updated `steps` times by a
/// contracting combination (the coefficient of the state at most 1 in
/// magnitude, as in a leaky integrator), the per-step errors add up:
/// `abs_sum` is then the largest of any step. Only finite values are
/// covered; a value computed from a reassociated one (a comparison, a
/// threshold) has no bound.
pub fn fast_math_bound(ops: usize, steps: usize, abs_sum: f64, dtype: DType) -> f64 {
    let eps = if dtype == DType::F32 {
        f64::from(f32::EPSILON) / 2.0
    } else {
        f64::EPSILON / 2.0
    };
    steps.max(1) as f64 * (2.0 * ops as f64 + 2.0) * eps * abs_sum + tiny(dtype)
}

/// The smallest positive subnormal of a float dtype (the ulp of zero).
fn tiny(dtype: DType) -> f64 {
    if dtype == DType::F32 {
        f64::from(f32::from_bits(1))
    } else {
        f64::from_bits(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_results_are_always_exact() {
        assert_eq!(tolerance(&Op::Unary(UnaryOp::Exp), DType::I32), Tol::Exact);
        let sum = Op::Reduce {
            op: ReduceOp::Sum,
            axes: [0].into_iter().collect(),
        };
        assert_eq!(tolerance(&sum, DType::I64), Tol::Exact);
        assert_eq!(tolerance(&sum, DType::F32), Tol::Sum);
    }

    #[test]
    fn float_products_are_bounded_and_integer_ones_exact() {
        assert_eq!(tolerance(&Op::MatMul, DType::F32), Tol::Dot);
        assert_eq!(tolerance(&Op::MatMul, DType::F64), Tol::Dot);
        assert_eq!(tolerance(&Op::MatMul, DType::I32), Tol::Exact);
        // Linear in the number of terms.
        let (b8, b800) = (
            dot_bound(8, 1.0, 0.0, DType::F32),
            dot_bound(800, 1.0, 0.0, DType::F32),
        );
        assert!(b800 > 80.0 * b8 && b800 < 100.0 * b8);
    }

    #[test]
    fn arithmetic_is_exact_and_transcendentals_are_not() {
        assert_eq!(
            tolerance(&Op::Binary(BinaryOp::Div), DType::F32),
            Tol::Exact
        );
        assert_eq!(tolerance(&Op::Unary(UnaryOp::Sqrt), DType::F64), Tol::Exact);
        assert_eq!(
            tolerance(&Op::Unary(UnaryOp::Tanh), DType::F32),
            Tol::Ulp { f32: 3, f64: 3 }
        );
    }

    #[test]
    fn every_transcendental_op_has_bounds_and_no_other_does() {
        for op in UnaryOp::ALL {
            let approximate = op.is_transcendental() || op == UnaryOp::Rsqrt;
            assert_eq!(unary_bounds(op).is_some(), approximate, "{}", op.name());
        }
        for op in BinaryOp::ALL {
            assert_eq!(
                binary_bounds(op).is_some(),
                op.is_transcendental(),
                "{}",
                op.name()
            );
        }
    }

    #[test]
    fn sum_bound_grows_with_the_log_of_the_count() {
        let b8 = sum_bound(8, 1.0, 0.0, DType::F32);
        let b1024 = sum_bound(1024, 1.0, 0.0, DType::F32);
        assert!(b1024 > b8 && b1024 < 3.0 * b8);
        assert!(sum_bound(8, 1.0, 0.0, DType::F64) < b8 * 1e-8);
    }
}
