//! Arithmetic operators: `+ - * / %` and unary `-` on `Array`, `&Array` and
//! `&Variable` with Rust scalars on either side, and the compound assignments
//! `+= -= *= /= %=` on `Array` (copy-on-write) and on `Variable` (through `set`).
//!
//! `/` is true division as in JAX: integer operands give a float result.
//! `%` is NumPy's remainder (the sign follows the divisor).

use super::operand::{Operand, promote, result_dtype};
use crate::array::{Array, apply, or_panic};
use crate::variable::Variable;
use heron_ir::{BinaryOp, DType, Error, Op, Result, UnaryOp};

/// Applies a binary element-wise op after promoting both operands to one
/// dtype (JAX's rules). Division and the float-only ops (`arctan2`,
/// `hypot`, `logaddexp`) compute in a float type; on
/// two bools, `+` is logical or and `*` logical and (NumPy's and JAX's
/// result).
pub fn binary(op: BinaryOp, lhs: impl Operand, rhs: impl Operand) -> Result<Array> {
    let (a, b) = (lhs.into_operand(), rhs.into_operand());
    let mut dtype = result_dtype(&[&a, &b]);
    let op = match (op, dtype) {
        (BinaryOp::Add, DType::Bool) => BinaryOp::Or,
        (BinaryOp::Mul, DType::Bool) => BinaryOp::And,
        _ => op,
    };
    if op == BinaryOp::Div || op.float_only() {
        dtype = dtype.to_float();
    }
    let xs = promote(&[&a, &b], Some(dtype))?;
    apply(Op::Binary(op), &[&xs[0], &xs[1]])
}

/// Floor division (`//` in NumPy): integer division rounding toward -inf for
/// integers, `floor(a / b)` for floats.
pub fn floor_divide(lhs: impl Operand, rhs: impl Operand) -> Array {
    or_panic(try_floor_divide(lhs, rhs))
}

/// `floor_divide` returning an error instead of panicking.
pub fn try_floor_divide(lhs: impl Operand, rhs: impl Operand) -> Result<Array> {
    let (a, b) = (lhs.into_operand(), rhs.into_operand());
    let xs = promote(&[&a, &b], None)?;
    let q = apply(Op::Binary(BinaryOp::Div), &[&xs[0], &xs[1]])?;
    if q.dtype().is_float() {
        apply(Op::Unary(UnaryOp::Floor), &[&q])
    } else {
        Ok(q)
    }
}

super::receiver::array_methods! {
    /// `self + other` with promotion; an error instead of a panic.
    pub fn try_add(&self, other: impl Operand) -> Result<Array> {
        binary(BinaryOp::Add, self, other)
    }

    /// `self - other` with promotion; an error instead of a panic.
    pub fn try_sub(&self, other: impl Operand) -> Result<Array> {
        binary(BinaryOp::Sub, self, other)
    }

    /// `self * other` with promotion; an error instead of a panic.
    pub fn try_mul(&self, other: impl Operand) -> Result<Array> {
        binary(BinaryOp::Mul, self, other)
    }

    /// `self / other` (true division); an error instead of a panic.
    pub fn try_div(&self, other: impl Operand) -> Result<Array> {
        binary(BinaryOp::Div, self, other)
    }

    /// `self % other` (NumPy remainder); an error instead of a panic.
    pub fn try_rem(&self, other: impl Operand) -> Result<Array> {
        binary(BinaryOp::Rem, self, other)
    }

    /// Floor division, as a method (see [`floor_divide`]).
    pub fn floor_divide(&self, other: impl Operand) -> Array {
        floor_divide(self, other)
    }
}

impl Array {
    /// Applies `op` with `rhs` and stores the result in `self`, which keeps its
    /// shape and dtype as NumPy's in-place operators do. The old buffer is not
    /// touched, so other arrays sharing it keep their values.
    pub(crate) fn assign_op(&mut self, op: BinaryOp, rhs: impl Operand) -> Result<()> {
        let result = binary(op, &*self, rhs)?;
        if result.shape() != self.shape() || result.dtype() != self.dtype() {
            return Err(Error::invalid(
                op.name(),
                format!(
                    "in-place result {}{} does not fit the left operand {}{}",
                    result.dtype(),
                    result.shape_ref(),
                    self.dtype(),
                    self.shape_ref()
                ),
            ));
        }
        *self = result;
        Ok(())
    }
}

macro_rules! binary_operators {
    ($($trait:ident $method:ident $assign:ident $assign_method:ident $op:ident;)*) => {$(
        impl<R: Operand> std::ops::$trait<R> for Array {
            type Output = Array;
            fn $method(self, rhs: R) -> Array {
                or_panic(binary(BinaryOp::$op, self, rhs))
            }
        }
        impl<R: Operand> std::ops::$trait<R> for &Array {
            type Output = Array;
            fn $method(self, rhs: R) -> Array {
                or_panic(binary(BinaryOp::$op, self, rhs))
            }
        }
        impl<R: Operand> std::ops::$trait<R> for &Variable {
            type Output = Array;
            fn $method(self, rhs: R) -> Array {
                or_panic(binary(BinaryOp::$op, self, rhs))
            }
        }
        impl<R: Operand> std::ops::$assign<R> for Array {
            fn $assign_method(&mut self, rhs: R) {
                or_panic(self.assign_op(BinaryOp::$op, rhs))
            }
        }
        impl<R: Operand> std::ops::$assign<R> for Variable {
            fn $assign_method(&mut self, rhs: R) {
                self.set(or_panic(binary(BinaryOp::$op, &*self, rhs)))
            }
        }
        binary_operators!(@scalars $trait $method $op; f32 f64 i32 i64 u32);
    )*};
    (@scalars $trait:ident $method:ident $op:ident; $($s:ty)*) => {$(
        impl std::ops::$trait<Array> for $s {
            type Output = Array;
            fn $method(self, rhs: Array) -> Array {
                or_panic(binary(BinaryOp::$op, self, rhs))
            }
        }
        impl std::ops::$trait<&Array> for $s {
            type Output = Array;
            fn $method(self, rhs: &Array) -> Array {
                or_panic(binary(BinaryOp::$op, self, rhs))
            }
        }
        impl std::ops::$trait<&Variable> for $s {
            type Output = Array;
            fn $method(self, rhs: &Variable) -> Array {
                or_panic(binary(BinaryOp::$op, self, rhs))
            }
        }
    )*};
}

binary_operators! {
    Add add AddAssign add_assign Add;
    Sub sub SubAssign sub_assign Sub;
    Mul mul MulAssign mul_assign Mul;
    Div div DivAssign div_assign Div;
    Rem rem RemAssign rem_assign Rem;
}

impl std::ops::Neg for Array {
    type Output = Array;
    fn neg(self) -> Array {
        or_panic(apply(Op::Unary(UnaryOp::Neg), &[&self]))
    }
}

impl std::ops::Neg for &Array {
    type Output = Array;
    fn neg(self) -> Array {
        or_panic(apply(Op::Unary(UnaryOp::Neg), &[self]))
    }
}

impl std::ops::Neg for &Variable {
    type Output = Array;
    fn neg(self) -> Array {
        or_panic(apply(Op::Unary(UnaryOp::Neg), &[&self.value()]))
    }
}
