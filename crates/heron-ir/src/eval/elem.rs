//! The element types `eval` runs on: `Elem` (every dtype: `astype`
//! conversions, NaN-aware ordering) and `Bits` (bool and integers), and the
//! `with_*!` macros that turn a runtime `DType` into a static type once per
//! op so the loops underneath are monomorphic. Arithmetic is in `num`.

use crate::Element;
use std::cmp::Ordering;
use std::ops::{BitAnd, BitOr, BitXor, Not};

/// Dispatches on a `DType` with every element type: binds the type alias
/// `$t` to the matching Rust type and evaluates `$body`. Exported for the
/// backend's native steps, which run the same typed loops.
#[doc(hidden)]
#[macro_export]
macro_rules! with_elem {
    ($dtype:expr, $t:ident => $body:expr) => {
        match $dtype {
            $crate::DType::Bool => {
                type $t = bool;
                $body
            }
            $crate::DType::I32 => {
                type $t = i32;
                $body
            }
            $crate::DType::I64 => {
                type $t = i64;
                $body
            }
            $crate::DType::U32 => {
                type $t = u32;
                $body
            }
            $crate::DType::F32 => {
                type $t = f32;
                $body
            }
            $crate::DType::F64 => {
                type $t = f64;
                $body
            }
        }
    };
}

/// Dispatches on a numeric `DType` (every dtype but bool): binds `$t` and
/// evaluates `$body`, or evaluates `$bool` for `DType::Bool`.
macro_rules! with_num {
    ($dtype:expr, $t:ident => $body:expr, bool => $bool:expr) => {
        match $dtype {
            $crate::DType::Bool => $bool,
            $crate::DType::I32 => {
                type $t = i32;
                $body
            }
            $crate::DType::I64 => {
                type $t = i64;
                $body
            }
            $crate::DType::U32 => {
                type $t = u32;
                $body
            }
            $crate::DType::F32 => {
                type $t = f32;
                $body
            }
            $crate::DType::F64 => {
                type $t = f64;
                $body
            }
        }
    };
}

pub(crate) use crate::with_elem;
pub(crate) use with_num;

/// An element of any dtype: conversions with `astype` semantics, NaN-aware
/// ordering and NumPy's `maximum`/`minimum`.
pub(crate) trait Elem: Element + PartialOrd + Default {
    /// True for `f32` and `f64`.
    const IS_FLOAT: bool;
    /// The value as i64 (integers and bool only; exact).
    fn to_i64(self) -> i64;
    /// The value as f64 (exact for floats).
    fn to_f64(self) -> f64;
    /// From an i64, wrapping (`as`) for integers, `!= 0` for bool.
    fn from_i64(v: i64) -> Self;
    /// From an f64, truncating and saturating (`as`) for integers, `!= 0` for bool.
    fn from_f64(v: f64) -> Self;
    /// True for a NaN (never for integers and bool).
    fn is_nan(self) -> bool {
        false
    }

    /// Converts with `astype` semantics: float → int truncates toward zero
    /// (NaN → 0, saturating), anything → bool is `!= 0`, int → int wraps.
    #[inline]
    fn cast<U: Elem>(self) -> U {
        if Self::IS_FLOAT {
            U::from_f64(self.to_f64())
        } else {
            U::from_i64(self.to_i64())
        }
    }

    /// True for a non-zero value (NaN is non-zero).
    #[inline]
    fn nonzero(self) -> bool {
        self.cast::<bool>()
    }

    /// NumPy's `maximum`: NaN-propagating.
    #[inline]
    fn max_nan(self, other: Self) -> Self {
        if self.is_nan() || self > other {
            self
        } else {
            other
        }
    }

    /// NumPy's `minimum`: NaN-propagating.
    #[inline]
    fn min_nan(self, other: Self) -> Self {
        if self.is_nan() || self < other {
            self
        } else {
            other
        }
    }

    /// The combine of a `max` reduction: `max_nan`, except that on a tie
    /// of floats (equal, neither NaN) the result is the bitwise AND of the
    /// two values, so `+0` beats `-0` whichever comes first (IEEE 754-2019
    /// `maximum`). Commutative and associative, so the result does not
    /// depend on the order the elements are combined in.
    #[inline]
    fn max_fold(self, other: Self) -> Self {
        self.max_nan(other)
    }

    /// The combine of a `min` reduction: `min_nan`, except that on a tie of
    /// floats the result is the bitwise OR of the two values, so `-0` beats
    /// `+0` whichever comes first (IEEE 754-2019 `minimum`).
    #[inline]
    fn min_fold(self, other: Self) -> Self {
        self.min_nan(other)
    }

    /// A total order for sorting: ascending, NaN after everything, NaNs equal.
    #[inline]
    fn sort_cmp(&self, other: &Self) -> Ordering {
        match (self.is_nan(), other.is_nan()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => self.partial_cmp(other).unwrap_or(Ordering::Equal),
        }
    }
}

impl Elem for bool {
    const IS_FLOAT: bool = false;
    fn to_i64(self) -> i64 {
        self as i64
    }
    fn to_f64(self) -> f64 {
        self as u8 as f64
    }
    fn from_i64(v: i64) -> Self {
        v != 0
    }
    fn from_f64(v: f64) -> Self {
        v != 0.0
    }
}

macro_rules! int_elem {
    ($($t:ty),*) => {$(
        impl Elem for $t {
            const IS_FLOAT: bool = false;
            fn to_i64(self) -> i64 {
                self as i64
            }
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn from_i64(v: i64) -> Self {
                v as $t
            }
            fn from_f64(v: f64) -> Self {
                v as $t
            }
        }
    )*};
}
int_elem!(i32, i64, u32);

macro_rules! float_elem {
    ($($t:ty),*) => {$(
        impl Elem for $t {
            const IS_FLOAT: bool = true;
            fn to_i64(self) -> i64 {
                self as i64
            }
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn from_i64(v: i64) -> Self {
                v as $t
            }
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            fn max_fold(self, other: Self) -> Self {
                if self == other {
                    <$t>::from_bits(self.to_bits() & other.to_bits())
                } else {
                    self.max_nan(other)
                }
            }
            fn min_fold(self, other: Self) -> Self {
                if self == other {
                    <$t>::from_bits(self.to_bits() | other.to_bits())
                } else {
                    self.min_nan(other)
                }
            }
        }
    )*};
}
float_elem!(f32, f64);

/// Bool and the integers: logical / bitwise and, or, xor, not.
pub(crate) trait Bits:
    Elem + BitAnd<Output = Self> + BitOr<Output = Self> + BitXor<Output = Self> + Not<Output = Self>
{
}
impl Bits for bool {}
impl Bits for i32 {}
impl Bits for i64 {}
impl Bits for u32 {}
