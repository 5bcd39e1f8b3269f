//! Element types and JAX's type-promotion rules.

use std::fmt;

/// The element type of an array.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    /// Booleans, stored as one byte holding 0 or 1.
    Bool,
    /// 32-bit signed integers (the default integer type).
    I32,
    /// 64-bit signed integers.
    I64,
    /// 32-bit unsigned integers (random bits, keys).
    U32,
    /// 32-bit IEEE floats (the default float type).
    F32,
    /// 64-bit IEEE floats.
    F64,
}

/// The kind of a weakly typed Rust scalar (`2.0`, `1`, `true`) mixed with an array.
///
/// As in JAX, a weak scalar takes the array's type where the kinds agree
/// (`f32 array * 2.0` stays f32) and the default type of its kind otherwise
/// (`i32 array * 0.5` becomes f32).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WeakKind {
    /// `true` / `false`.
    Bool,
    /// An integer literal.
    Int,
    /// A float literal.
    Float,
}

impl DType {
    /// Every dtype, in promotion-lattice order.
    pub const ALL: [DType; 6] = [
        DType::Bool,
        DType::I32,
        DType::I64,
        DType::U32,
        DType::F32,
        DType::F64,
    ];

    /// Size of one element in bytes.
    pub fn size(self) -> usize {
        match self {
            DType::Bool => 1,
            DType::I32 | DType::U32 | DType::F32 => 4,
            DType::I64 | DType::F64 => 8,
        }
    }

    /// True for `F32` and `F64`.
    pub fn is_float(self) -> bool {
        matches!(self, DType::F32 | DType::F64)
    }

    /// True for the integer types (signed or unsigned), false for bool.
    pub fn is_int(self) -> bool {
        matches!(self, DType::I32 | DType::I64 | DType::U32)
    }

    /// True for signed integers and floats.
    pub fn is_signed(self) -> bool {
        matches!(self, DType::I32 | DType::I64 | DType::F32 | DType::F64)
    }

    /// True for `Bool`.
    pub fn is_bool(self) -> bool {
        self == DType::Bool
    }

    /// The short name used in printed graphs and messages (`f32`, `bool`, ...).
    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::I32 => "i32",
            DType::I64 => "i64",
            DType::U32 => "u32",
            DType::F32 => "f32",
            DType::F64 => "f64",
        }
    }

    /// The float type an operation on `self` computes in when it needs a float
    /// (`sqrt` of an i32 array is f32, as in JAX).
    pub fn to_float(self) -> DType {
        if self.is_float() { self } else { DType::F32 }
    }

    /// The result type of a binary operation on two arrays (JAX's lattice).
    ///
    /// bool ⊕ x → x; int ⊕ float → the float; same kind → the wider;
    /// u32 ⊕ signed int → i64.
    pub fn promote(a: DType, b: DType) -> DType {
        use DType::*;
        if a == b {
            return a;
        }
        match (a, b) {
            (Bool, x) | (x, Bool) => x,
            (F64, _) | (_, F64) => F64,
            (F32, _) | (_, F32) => F32,
            // Both are integers and differ.
            _ => I64,
        }
    }

    /// The result type of an array of type `self` combined with a weak scalar.
    pub fn promote_weak(self, kind: WeakKind) -> DType {
        match kind {
            WeakKind::Bool => self,
            WeakKind::Int => {
                if self.is_bool() {
                    DType::I32
                } else {
                    self
                }
            }
            WeakKind::Float => self.to_float(),
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promotion_follows_jax() {
        use DType::*;
        assert_eq!(DType::promote(I32, F32), F32);
        assert_eq!(DType::promote(F32, F64), F64);
        assert_eq!(DType::promote(U32, I32), I64);
        assert_eq!(DType::promote(Bool, U32), U32);
        assert_eq!(DType::promote(I32, I64), I64);
        assert_eq!(DType::promote(I64, F32), F32);
        assert_eq!(F32.promote_weak(WeakKind::Float), F32);
        assert_eq!(I32.promote_weak(WeakKind::Float), F32);
        assert_eq!(I32.promote_weak(WeakKind::Int), I32);
        assert_eq!(Bool.promote_weak(WeakKind::Int), I32);
        assert_eq!(U32.promote_weak(WeakKind::Int), U32);
        assert_eq!(F64.promote_weak(WeakKind::Int), F64);
    }
}
