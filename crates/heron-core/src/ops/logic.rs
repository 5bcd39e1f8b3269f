//! Logic and comparisons: `& | ^ !` on bool arrays (bitwise on integers),
//! `logical_and/or/xor/not`, and the comparisons `gt ge lt le eq ne`, which
//! return bool arrays. `Array` deliberately does not implement `PartialEq`:
//! `a.eq(b)` is element-wise.

use super::arith::binary;
use super::operand::Operand;
use crate::array::{Array, apply, or_panic};
use crate::variable::Variable;
use heron_ir::{BinaryOp, DType, Op, Result, UnaryOp};

super::receiver::array_methods! {
    /// Element-wise `self > other` (bool result).
    pub fn gt(&self, other: impl Operand) -> Array {
        or_panic(binary(BinaryOp::Gt, self, other))
    }

    /// Element-wise `self >= other` (bool result).
    pub fn ge(&self, other: impl Operand) -> Array {
        or_panic(binary(BinaryOp::Ge, self, other))
    }

    /// Element-wise `self < other` (bool result).
    pub fn lt(&self, other: impl Operand) -> Array {
        or_panic(binary(BinaryOp::Lt, self, other))
    }

    /// Element-wise `self <= other` (bool result).
    pub fn le(&self, other: impl Operand) -> Array {
        or_panic(binary(BinaryOp::Le, self, other))
    }

    /// Element-wise `self == other` (bool result; NaN is unequal to everything).
    pub fn eq(&self, other: impl Operand) -> Array {
        or_panic(binary(BinaryOp::Eq, self, other))
    }

    /// Element-wise `self != other` (bool result).
    pub fn ne(&self, other: impl Operand) -> Array {
        or_panic(binary(BinaryOp::Ne, self, other))
    }

    /// Element-wise comparison `op` returning an error instead of panicking.
    pub fn try_compare(&self, op: BinaryOp, other: impl Operand) -> Result<Array> {
        binary(op, self, other)
    }

    /// Logical not: `!x` for bool arrays, `x == 0` for numbers.
    pub fn logical_not(&self) -> Array {
        or_panic(self.try_logical_not())
    }

    /// `logical_not` returning an error instead of panicking.
    pub fn try_logical_not(&self) -> Result<Array> {
        let b = self.try_astype(DType::Bool)?;
        apply(Op::Unary(UnaryOp::Not), &[&b])
    }
}

/// Logical not of each element (`x == 0` for numbers).
pub fn logical_not(x: impl Operand) -> Array {
    x.into_operand().into_array().logical_not()
}

fn logical(op: BinaryOp, a: impl Operand, b: impl Operand) -> Result<Array> {
    let a = a.into_operand().into_array().try_astype(DType::Bool)?;
    let b = b.into_operand().into_array().try_astype(DType::Bool)?;
    apply(Op::Binary(op), &[&a, &b])
}

/// Element-wise logical and (operands are converted to bool first).
pub fn logical_and(a: impl Operand, b: impl Operand) -> Array {
    or_panic(logical(BinaryOp::And, a, b))
}

/// Element-wise logical or (operands are converted to bool first).
pub fn logical_or(a: impl Operand, b: impl Operand) -> Array {
    or_panic(logical(BinaryOp::Or, a, b))
}

/// Element-wise logical xor (operands are converted to bool first).
pub fn logical_xor(a: impl Operand, b: impl Operand) -> Array {
    or_panic(logical(BinaryOp::Xor, a, b))
}

macro_rules! bit_operators {
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
        bit_operators!(@scalars $trait $method $op; bool i32 i64 u32);
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
    )*};
}

bit_operators! {
    BitAnd bitand BitAndAssign bitand_assign And;
    BitOr bitor BitOrAssign bitor_assign Or;
    BitXor bitxor BitXorAssign bitxor_assign Xor;
}

impl std::ops::Not for Array {
    type Output = Array;
    fn not(self) -> Array {
        or_panic(apply(Op::Unary(UnaryOp::Not), &[&self]))
    }
}

impl std::ops::Not for &Array {
    type Output = Array;
    fn not(self) -> Array {
        or_panic(apply(Op::Unary(UnaryOp::Not), &[self]))
    }
}

impl std::ops::Not for &Variable {
    type Output = Array;
    fn not(self) -> Array {
        or_panic(apply(Op::Unary(UnaryOp::Not), &[&self.value()]))
    }
}
