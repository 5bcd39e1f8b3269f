//! NumPy-like printing of arrays.

use crate::array::{Array, Repr};
use std::fmt;

impl fmt::Debug for Array {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Concrete(v) => write!(f, "Array(dtype={}, shape={})", v.dtype(), v.shape),
            Repr::Traced(t) => write!(f, "Traced<{}{}>", t.dtype, t.shape),
        }
    }
}
