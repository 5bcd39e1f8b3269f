//! `Operand`: what an array operation accepts on either side — an `Array`
//! (owned or borrowed), a `&Variable` (its current value; inside `jit` a
//! traced read) or a Rust scalar, which is weakly typed as in JAX — and the
//! promotion of operands to one dtype before an op is applied. Every free
//! function taking arrays takes `impl Operand` (or a slice of them), so
//! `hn::sum(&v)` and `hn::concatenate(&[&v, &w], 0)` accept Variables.

use crate::array::Array;
use crate::variable::Variable;
use heron_ir::{DType, Result, Scalar, Value, WeakKind};

/// An operand after conversion: an array, or a weakly typed scalar that takes
/// its dtype from the arrays it is combined with.
#[derive(Clone, Debug)]
pub enum OperandValue {
    /// An array (concrete or traced).
    Array(Array),
    /// A Rust scalar of the given kind (`2.0` is `Float`, `1` is `Int`).
    Weak(Scalar, WeakKind),
}

/// Something an array operation accepts as an operand: `Array`, `&Array`,
/// `&Variable`, or a Rust scalar (`bool, i32, i64, u32, f32, f64`).
pub trait Operand {
    /// Converts into an array or a weak scalar.
    fn into_operand(self) -> OperandValue;
}

/// A Rust scalar type usable as a weakly typed operand or a fill value.
pub trait WeakScalar: Copy {
    /// The kind of literal this type stands for.
    const KIND: WeakKind;
    /// The value as a `Scalar` of the Rust type's own dtype.
    fn to_scalar(self) -> Scalar;
}

macro_rules! weak_scalar {
    ($($t:ty => $variant:ident, $kind:ident;)*) => {$(
        impl WeakScalar for $t {
            const KIND: WeakKind = WeakKind::$kind;
            fn to_scalar(self) -> Scalar {
                Scalar::$variant(self)
            }
        }
        impl Operand for $t {
            fn into_operand(self) -> OperandValue {
                OperandValue::Weak(Scalar::$variant(self), WeakKind::$kind)
            }
        }
    )*};
}

weak_scalar! {
    bool => Bool, Bool;
    i32 => I32, Int;
    i64 => I64, Int;
    u32 => U32, Int;
    f32 => F32, Float;
    f64 => F64, Float;
}

impl Operand for Array {
    fn into_operand(self) -> OperandValue {
        OperandValue::Array(self)
    }
}

impl Operand for &Array {
    fn into_operand(self) -> OperandValue {
        OperandValue::Array(self.clone())
    }
}

impl Operand for &Variable {
    fn into_operand(self) -> OperandValue {
        OperandValue::Array(self.value())
    }
}

impl Operand for OperandValue {
    fn into_operand(self) -> OperandValue {
        self
    }
}

impl OperandValue {
    /// The dtype this operand has on its own (a weak scalar alone takes the
    /// default type of its kind: f32 for floats, i32 for integers).
    pub fn dtype(&self) -> DType {
        match self {
            OperandValue::Array(a) => a.dtype(),
            OperandValue::Weak(_, kind) => default_dtype(*kind),
        }
    }

    /// The operand as an array of `dtype` (a weak scalar becomes a 0-d array).
    pub fn to_array(&self, dtype: DType) -> Result<Array> {
        match self {
            OperandValue::Array(a) => a.try_astype(dtype),
            OperandValue::Weak(s, _) => Ok(Array::from_value(Value::scalar(s.cast(dtype)))),
        }
    }

    /// The operand as an array of its own dtype.
    pub fn into_array(self) -> Array {
        match self {
            OperandValue::Array(a) => a,
            OperandValue::Weak(s, kind) => {
                Array::from_value(Value::scalar(s.cast(default_dtype(kind))))
            }
        }
    }
}

/// The operand as an array of its own dtype (a weak scalar becomes a 0-d
/// array of its kind's default dtype): what free functions that take one
/// array (`hn::sum(&v)`, `hn::reshape(&a, ..)`) apply their method to.
pub fn array_of(x: impl Operand) -> Array {
    x.into_operand().into_array()
}

/// The dtype a weak scalar of `kind` takes when no array fixes it.
pub fn default_dtype(kind: WeakKind) -> DType {
    match kind {
        WeakKind::Bool => DType::Bool,
        WeakKind::Int => DType::I32,
        WeakKind::Float => DType::F32,
    }
}

/// The common dtype of `operands` under JAX's rules: arrays promote with
/// `DType::promote`, then each weak scalar with `DType::promote_weak`. With
/// no array at all, the weak scalars promote among their default types.
pub fn result_dtype(operands: &[&OperandValue]) -> DType {
    let strong = operands
        .iter()
        .filter_map(|o| match o {
            OperandValue::Array(a) => Some(a.dtype()),
            OperandValue::Weak(..) => None,
        })
        .reduce(DType::promote);
    match strong {
        Some(d) => operands.iter().fold(d, |d, o| match o {
            OperandValue::Weak(_, kind) => d.promote_weak(*kind),
            OperandValue::Array(_) => d,
        }),
        None => operands
            .iter()
            .map(|o| o.dtype())
            .reduce(DType::promote)
            .unwrap_or(DType::F32),
    }
}

/// Converts every operand to arrays of one dtype: `dtype` if given, else
/// their promoted type (`result_dtype`).
pub fn promote(operands: &[&OperandValue], dtype: Option<DType>) -> Result<Vec<Array>> {
    let dtype = dtype.unwrap_or_else(|| result_dtype(operands));
    operands.iter().map(|o| o.to_array(dtype)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arr(d: DType) -> OperandValue {
        OperandValue::Array(Array::from_value(Value::full(
            heron_ir::Shape::new(&[2]),
            d,
            Scalar::I32(1),
        )))
    }

    #[test]
    fn weak_scalars_follow_the_array() {
        use DType::*;
        let two = 2.0f64.into_operand();
        let one = 1i32.into_operand();
        assert_eq!(result_dtype(&[&arr(F32), &two]), F32);
        assert_eq!(result_dtype(&[&arr(I32), &one]), I32);
        assert_eq!(result_dtype(&[&arr(I32), &two]), F32);
        assert_eq!(result_dtype(&[&arr(U32), &arr(I32)]), I64);
        assert_eq!(result_dtype(&[&arr(Bool), &one]), I32);
        assert_eq!(result_dtype(&[&arr(F64), &one]), F64);
        assert_eq!(result_dtype(&[&one, &two]), F32);
        assert_eq!(result_dtype(&[&true.into_operand()]), Bool);
    }
}
