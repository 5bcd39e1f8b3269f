//! The precision contract: what compiled code promises relative to `eval`,
//! per op. `docs/ARCHITECTURE.md` ("Precision contract") states the same
//! table in prose; `tolerance` is its one implementation, and the checker
//! asks nothing else.

use heron_ir::{BinaryOp, DType, Op, ReduceOp, UnaryOp};

/// How far a compiled result may be from `eval`'s, for one op whose operands
/// are the same on both paths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tol {
    /// The same bits (floats: any NaN matches any NaN; signed zeros count).
    Exact,
    /// Within this many ulp for f32 and for f64 results (inline vector
    /// math, `docs/VECTOR_MATH.md`, plus eval's own rounding). Equal
    /// infinities and NaN against NaN only.
    Ulp {
        /// The bound for f32 results.
        f32: u32,
        /// The bound for f64 results.
        f64: u32,
    },
    /// A float sum of `n` terms in another order: `|compiled − eval| ≤
    /// (⌈log₂ n⌉ + 2)·ε·Σ|x| + 1 ulp of eval's result`, ε the dtype's unit
    /// roundoff (`sum_bound`). Unchecked where `Σ|x|` exceeds the dtype's
    /// range (an intermediate of eval's own sum may overflow there).
    Sum,
    /// A float matrix product, each element a dot product of `k` terms:
    /// compiled code reads a transposed, broadcast or sliced operand
    /// through strides, which may change gemm's order and blocking, so
    /// `|compiled − eval| ≤ 2·(k + 1)·ε·Σ|a·b| + 1 ulp of eval's result`
    /// (`dot_bound`; both are within `(k + 1)·ε·Σ|a·b|` of the exact
    /// product). Same operands in the same layout give the same bits.
    Dot,
}

/// The argument range over which `sin`, `cos` and `tan` keep their ulp
/// bound (their range reduction degrades beyond it, `docs/VECTOR_MATH.md`).
pub const TRIG_RANGE: f64 = 1e5;

/// The contract of `op` producing a result of `dtype`. Every op not listed
/// here as approximate is bit-exact: arithmetic, comparisons, `where`,
/// casts, integer and bitwise ops, rounding, movement, gathers, sorts,
/// cumulative sums and arg-reductions (eval's own routines), integer and
/// bool matrix products, sparse products (the typed routine `eval` runs, in
/// its summation order), `max`/`min`/`prod`/`any`/`all` reductions,
/// integer sums, and random bits.
pub fn tolerance(op: &Op, dtype: DType) -> Tol {
    if !dtype.is_float() {
        return Tol::Exact;
    }
    match op {
        Op::Unary(u) => unary(*u),
        Op::Binary(BinaryOp::Pow) => Tol::Ulp { f32: 2, f64: 2 },
        Op::Binary(BinaryOp::Atan2) => Tol::Ulp { f32: 3, f64: 2 },
        Op::Reduce {
            op: ReduceOp::Sum, ..
        } => Tol::Sum,
        Op::MatMul => Tol::Dot,
        _ => Tol::Exact,
    }
}

/// The unary ops compiled to inline vector math and their bounds.
fn unary(u: UnaryOp) -> Tol {
    use UnaryOp::*;
    let (f32, f64) = match u {
        Exp | Exp2 | Log | Log1p | Sin | Cos | Arccos => (2, 1),
        Expm1 | Cosh => (2, 2),
        Log2 | Tan | Sinh | Arctan | Arcsin => (3, 2),
        Tanh => (3, 3),
        // eval's f32 sigmoid rounds three times itself.
        Sigmoid => (4, 2),
        Rsqrt => (2, 1),
        _ => return Tol::Exact,
    };
    Tol::Ulp { f32, f64 }
}

/// The `Tol::Sum` bound on `|compiled − eval|` for a sum of `n` terms of
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

/// The `Tol::Dot` bound on `|compiled − eval|` for a matrix product
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
    fn sum_bound_grows_with_the_log_of_the_count() {
        let b8 = sum_bound(8, 1.0, 0.0, DType::F32);
        let b1024 = sum_bound(1024, 1.0, 0.0, DType::F32);
        assert!(b1024 > b8 && b1024 < 3.0 * b8);
        assert!(sum_bound(8, 1.0, 0.0, DType::F64) < b8 * 1e-8);
    }
}
