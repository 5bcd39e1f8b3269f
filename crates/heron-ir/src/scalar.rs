//! Single typed values (`Scalar`) and the Rust element types arrays hold (`Element`).

use crate::DType;
use std::fmt;

/// One value of any dtype: fill values, folded constants, printed immediates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    /// A boolean.
    Bool(bool),
    /// A 32-bit signed integer.
    I32(i32),
    /// A 64-bit signed integer.
    I64(i64),
    /// A 32-bit unsigned integer.
    U32(u32),
    /// A 32-bit float.
    F32(f32),
    /// A 64-bit float.
    F64(f64),
}

impl Scalar {
    /// The dtype of this value.
    pub fn dtype(self) -> DType {
        match self {
            Scalar::Bool(_) => DType::Bool,
            Scalar::I32(_) => DType::I32,
            Scalar::I64(_) => DType::I64,
            Scalar::U32(_) => DType::U32,
            Scalar::F32(_) => DType::F32,
            Scalar::F64(_) => DType::F64,
        }
    }

    /// True when both are the same dtype and the same bits: unlike `==`,
    /// `0.0` and `-0.0` differ and a NaN is the same as itself. What a
    /// rewrite matching a constant, or code sharing one immediate for two,
    /// must compare.
    pub fn same_bits(self, other: Scalar) -> bool {
        match (self, other) {
            (Scalar::F32(a), Scalar::F32(b)) => a.to_bits() == b.to_bits(),
            (Scalar::F64(a), Scalar::F64(b)) => a.to_bits() == b.to_bits(),
            (a, b) => a == b,
        }
    }

    /// The value as f64 (exact for every dtype but i64 beyond 2^53).
    pub fn to_f64(self) -> f64 {
        match self {
            Scalar::Bool(b) => b as u8 as f64,
            Scalar::I32(x) => x as f64,
            Scalar::I64(x) => x as f64,
            Scalar::U32(x) => x as f64,
            Scalar::F32(x) => x as f64,
            Scalar::F64(x) => x,
        }
    }

    /// The value as i64 (floats truncate toward zero, saturating; NaN gives 0).
    pub fn to_i64(self) -> i64 {
        match self {
            Scalar::Bool(b) => b as i64,
            Scalar::I32(x) => x as i64,
            Scalar::I64(x) => x,
            Scalar::U32(x) => x as i64,
            Scalar::F32(x) => x as i64,
            Scalar::F64(x) => x as i64,
        }
    }

    /// Converts with `astype` semantics: floats to ints truncate toward zero,
    /// anything to bool is `!= 0`, ints wrap.
    pub fn cast(self, to: DType) -> Scalar {
        match to {
            DType::Bool => Scalar::Bool(match self {
                Scalar::Bool(b) => b,
                Scalar::F32(x) => x != 0.0,
                Scalar::F64(x) => x != 0.0,
                other => other.to_i64() != 0,
            }),
            DType::I32 => Scalar::I32(match self {
                Scalar::F32(x) => x as i32,
                Scalar::F64(x) => x as i32,
                other => other.to_i64() as i32,
            }),
            DType::I64 => Scalar::I64(self.to_i64()),
            DType::U32 => Scalar::U32(match self {
                Scalar::F32(x) => x as u32,
                Scalar::F64(x) => x as u32,
                other => other.to_i64() as u32,
            }),
            DType::F32 => Scalar::F32(match self {
                Scalar::F64(x) => x as f32,
                Scalar::I64(x) => x as f32,
                other => other.to_f64() as f32,
            }),
            DType::F64 => Scalar::F64(self.to_f64()),
        }
    }

    /// The zero of a dtype.
    pub fn zero(dtype: DType) -> Scalar {
        Scalar::I32(0).cast(dtype)
    }

    /// The one of a dtype.
    pub fn one(dtype: DType) -> Scalar {
        Scalar::I32(1).cast(dtype)
    }
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Bool(b) => write!(f, "{b}"),
            Scalar::I32(x) => write!(f, "{x}"),
            Scalar::I64(x) => write!(f, "{x}"),
            Scalar::U32(x) => write!(f, "{x}"),
            Scalar::F32(x) => write!(f, "{x:?}"),
            Scalar::F64(x) => write!(f, "{x:?}"),
        }
    }
}

mod sealed {
    pub trait Sealed {}
}

/// A Rust type that array buffers hold: `bool, i32, i64, u32, f32, f64`.
pub trait Element: Copy + Send + Sync + PartialEq + fmt::Debug + 'static + sealed::Sealed {
    /// The dtype of this element type.
    const DTYPE: DType;
    /// Wraps the value as a `Scalar`.
    fn to_scalar(self) -> Scalar;
    /// Takes the value out of a `Scalar` of the same dtype (cast first otherwise).
    fn from_scalar(s: Scalar) -> Self;
}

macro_rules! element {
    ($t:ty, $variant:ident) => {
        impl sealed::Sealed for $t {}
        impl Element for $t {
            const DTYPE: DType = DType::$variant;
            fn to_scalar(self) -> Scalar {
                Scalar::$variant(self)
            }
            fn from_scalar(s: Scalar) -> Self {
                match s.cast(DType::$variant) {
                    Scalar::$variant(x) => x,
                    _ => unreachable!("cast returns the requested dtype"),
                }
            }
        }
    };
}

element!(bool, Bool);
element!(i32, I32);
element!(i64, I64);
element!(u32, U32);
element!(f32, F32);
element!(f64, F64);

/// The distance in units in the last place between two f32 values: how many
/// representable values lie between them (0 between +0 and -0; 1 between
/// `f32::MAX` and infinity). The measure of every ulp bound in heron's
/// precision contract (`docs/ARCHITECTURE.md`).
pub fn ulps_f32(a: f32, b: f32) -> u64 {
    fn ordered(x: f32) -> i64 {
        let i = x.to_bits() as i32;
        i64::from(if i < 0 { i32::MIN.wrapping_sub(i) } else { i })
    }
    ordered(a).abs_diff(ordered(b))
}

/// [`ulps_f32`] for f64 values.
pub fn ulps_f64(a: f64, b: f64) -> u64 {
    fn ordered(x: f64) -> i128 {
        let i = x.to_bits() as i64;
        i128::from(if i < 0 { i64::MIN.wrapping_sub(i) } else { i })
    }
    ordered(a).abs_diff(ordered(b)).min(u128::from(u64::MAX)) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn casts_follow_numpy() {
        assert_eq!(Scalar::F32(-2.7).cast(DType::I32), Scalar::I32(-2));
        assert_eq!(Scalar::F64(0.5).cast(DType::Bool), Scalar::Bool(true));
        assert_eq!(Scalar::I32(-1).cast(DType::U32), Scalar::U32(u32::MAX));
        assert_eq!(Scalar::Bool(true).cast(DType::F32), Scalar::F32(1.0));
        assert_eq!(f32::from_scalar(Scalar::I32(3)), 3.0);
    }
}
