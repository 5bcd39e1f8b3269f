//! Element-wise math, as methods (`a.exp()`) and as free functions
//! (`hn::exp(&a)`): the unary functions, `pow maximum minimum arctan2
//! hypot logaddexp`,
//! `clip`, `where_` and `astype`. Float-only functions compute integer and
//! bool operands in f32, as JAX does.

use super::arith::binary;
use super::operand::{Operand, promote};
use crate::array::{Array, apply, or_panic};
use heron_ir::{BinaryOp, DType, Op, Result, UnaryOp};

pub use super::arith::{floor_divide, try_floor_divide};
pub use super::logic::{logical_and, logical_not, logical_or, logical_xor};

super::receiver::array_methods! {
    /// The array converted to `dtype` (floats to integers truncate toward
    /// zero, anything to bool is `!= 0`). A no-op when the dtype already matches.
    pub fn astype(&self, dtype: DType) -> Array {
        or_panic(self.try_astype(dtype))
    }

    /// `astype` returning an error instead of panicking.
    pub fn try_astype(&self, dtype: DType) -> Result<Array> {
        if self.dtype() == dtype {
            return Ok(self.clone());
        }
        apply(Op::Cast(dtype), &[self])
    }

    /// Applies the element-wise `op`, converting integer and bool operands of
    /// float-only ops to f32 first.
    pub fn try_unary(&self, op: UnaryOp) -> Result<Array> {
        if op.float_only() && !self.dtype().is_float() {
            let x = self.try_astype(self.dtype().to_float())?;
            return apply(Op::Unary(op), &[&x]);
        }
        apply(Op::Unary(op), &[self])
    }

    /// `self ** exponent`, element-wise with promotion.
    pub fn pow(&self, exponent: impl Operand) -> Array {
        or_panic(binary(BinaryOp::Pow, self, exponent))
    }

    /// `self ** n` for a static integer `n`, as JAX's `integer_pow` (what
    /// `x ** 3` means in JAX): multiplications by binary exponentiation, then
    /// a reciprocal for negative `n` (integers: an error for negative `n`).
    /// Faster than `pow` and fused like any arithmetic.
    pub fn powi(&self, n: i32) -> Array {
        or_panic(self.try_powi(n))
    }

    /// `powi` returning an error instead of panicking.
    pub fn try_powi(&self, n: i32) -> Result<Array> {
        if n < 0 && !self.dtype().is_float() {
            return Err(heron_ir::Error::invalid(
                "powi",
                format!("integers cannot be raised to the negative power {n}"),
            ));
        }
        let mut result: Option<Array> = None;
        let mut base = self.clone();
        let mut k = n.unsigned_abs();
        while k > 0 {
            if k & 1 == 1 {
                result = Some(match result {
                    None => base.clone(),
                    Some(r) => binary(BinaryOp::Mul, &r, &base)?,
                });
            }
            k >>= 1;
            if k > 0 {
                base = binary(BinaryOp::Mul, &base, &base)?;
            }
        }
        let positive = match result {
            Some(r) => r,
            None => crate::creation::ones_like(self),
        };
        if n < 0 {
            positive.try_unary(UnaryOp::Reciprocal)
        } else {
            Ok(positive)
        }
    }

    /// Element-wise maximum with promotion (NaN-propagating).
    pub fn maximum(&self, other: impl Operand) -> Array {
        or_panic(binary(BinaryOp::Max, self, other))
    }

    /// Element-wise minimum with promotion (NaN-propagating).
    pub fn minimum(&self, other: impl Operand) -> Array {
        or_panic(binary(BinaryOp::Min, self, other))
    }

    /// Element-wise `atan2(self, other)` in a float type.
    pub fn arctan2(&self, other: impl Operand) -> Array {
        or_panic(binary(BinaryOp::Atan2, self, other))
    }

    /// Element-wise `sqrt(self² + other²)` in a float type, without undue
    /// overflow (`inf` when either is infinite, even if the other is NaN).
    pub fn hypot(&self, other: impl Operand) -> Array {
        or_panic(binary(BinaryOp::Hypot, self, other))
    }

    /// Element-wise `log(e^self + e^other)` in a float type, without
    /// overflow (`logaddexp(-inf, -inf) = -inf`).
    pub fn logaddexp(&self, other: impl Operand) -> Array {
        or_panic(binary(BinaryOp::Logaddexp, self, other))
    }

    /// Limits every element to `[lo, hi]` (`minimum(maximum(x, lo), hi)`, as NumPy).
    pub fn clip(&self, lo: impl Operand, hi: impl Operand) -> Array {
        or_panic(self.try_clip(lo, hi))
    }

    /// `clip` returning an error instead of panicking.
    pub fn try_clip(&self, lo: impl Operand, hi: impl Operand) -> Result<Array> {
        let low = binary(BinaryOp::Max, self, lo)?;
        binary(BinaryOp::Min, low, hi)
    }
}

/// `x ** exponent`, element-wise with promotion.
pub fn pow(x: impl Operand, exponent: impl Operand) -> Array {
    or_panic(binary(BinaryOp::Pow, x, exponent))
}

/// Element-wise maximum with promotion (NaN-propagating).
pub fn maximum(a: impl Operand, b: impl Operand) -> Array {
    or_panic(binary(BinaryOp::Max, a, b))
}

/// Element-wise minimum with promotion (NaN-propagating).
pub fn minimum(a: impl Operand, b: impl Operand) -> Array {
    or_panic(binary(BinaryOp::Min, a, b))
}

/// Element-wise `atan2(y, x)` in a float type.
pub fn arctan2(y: impl Operand, x: impl Operand) -> Array {
    or_panic(binary(BinaryOp::Atan2, y, x))
}

/// Element-wise `sqrt(x1² + x2²)` in a float type, without undue overflow.
pub fn hypot(x1: impl Operand, x2: impl Operand) -> Array {
    or_panic(binary(BinaryOp::Hypot, x1, x2))
}

/// Element-wise `log(e^x1 + e^x2)` in a float type, without overflow.
pub fn logaddexp(x1: impl Operand, x2: impl Operand) -> Array {
    or_panic(binary(BinaryOp::Logaddexp, x1, x2))
}

/// Limits every element of `x` to `[lo, hi]`.
pub fn clip(x: impl Operand, lo: impl Operand, hi: impl Operand) -> Array {
    x.into_operand().into_array().clip(lo, hi)
}

/// Picks `x` where `cond` is true and `y` elsewhere; the three broadcast
/// together, `x` and `y` promote to one dtype, a non-bool `cond` is
/// compared with zero.
pub fn where_(cond: impl Operand, x: impl Operand, y: impl Operand) -> Array {
    or_panic(try_where(cond, x, y))
}

/// `where_` returning an error instead of panicking.
pub fn try_where(cond: impl Operand, x: impl Operand, y: impl Operand) -> Result<Array> {
    let cond = cond.into_operand().into_array().try_astype(DType::Bool)?;
    let (x, y) = (x.into_operand(), y.into_operand());
    let xy = promote(&[&x, &y], None)?;
    apply(Op::Select, &[&cond, &xy[0], &xy[1]])
}

macro_rules! unary_functions {
    ($($name:ident $op:ident $doc:literal;)*) => {$(
        super::receiver::array_methods! {
            #[doc = $doc]
            pub fn $name(&self) -> Array {
                or_panic(self.try_unary(UnaryOp::$op))
            }
        }

        #[doc = $doc]
        pub fn $name(x: impl Operand) -> Array {
            or_panic(x.into_operand().into_array().try_unary(UnaryOp::$op))
        }
    )*};
}

unary_functions! {
    abs Abs "Absolute value of each element.";
    neg Neg "Negation of each element (wrapping for integers).";
    sign Sign "-1, 0 or 1 by the sign of each element (NaN stays NaN).";
    sqrt Sqrt "Square root of each element (in a float type).";
    rsqrt Rsqrt "`1 / sqrt(x)` of each element (in a float type).";
    exp Exp "`e^x` of each element (in a float type).";
    exp2 Exp2 "`2^x` of each element (in a float type).";
    expm1 Expm1 "`e^x - 1` of each element, accurate near 0 (in a float type).";
    log Log "Natural logarithm of each element (in a float type).";
    log2 Log2 "Base-2 logarithm of each element (in a float type).";
    log10 Log10 "Base-10 logarithm of each element (in a float type).";
    log1p Log1p "`ln(1 + x)` of each element, accurate near 0 (in a float type).";
    sin Sin "Sine of each element (in a float type).";
    cos Cos "Cosine of each element (in a float type).";
    tan Tan "Tangent of each element (in a float type).";
    tanh Tanh "Hyperbolic tangent of each element (in a float type).";
    sinh Sinh "Hyperbolic sine of each element (in a float type).";
    cosh Cosh "Hyperbolic cosine of each element (in a float type).";
    arcsin Arcsin "Inverse sine of each element (in a float type).";
    arccos Arccos "Inverse cosine of each element (in a float type).";
    arctan Arctan "Inverse tangent of each element (in a float type).";
    arcsinh Arcsinh "Inverse hyperbolic sine of each element (in a float type).";
    arccosh Arccosh "Inverse hyperbolic cosine of each element (in a float type; NaN below 1).";
    arctanh Arctanh "Inverse hyperbolic tangent of each element (in a float type; ±inf at ±1, NaN beyond).";
    erf Erf "The error function of each element (in a float type).";
    sigmoid Sigmoid "The logistic function `1 / (1 + e^-x)` of each element (in a float type).";
    floor Floor "Each element rounded toward -inf (integers are unchanged).";
    ceil Ceil "Each element rounded toward +inf (integers are unchanged).";
    round Round "Each element rounded half to even, as NumPy (integers are unchanged).";
    trunc Trunc "Each element rounded toward zero (integers are unchanged).";
    square Square "`x * x` of each element.";
    reciprocal Reciprocal "`1 / x` of each element (in a float type).";
    isnan IsNan "True where an element is NaN.";
    isinf IsInf "True where an element is +inf or -inf.";
    isfinite IsFinite "True where an element is neither NaN nor infinite.";
}
