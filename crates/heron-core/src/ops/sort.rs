//! Sorting along an axis: `sort` (ascending, NaN last, stable) and `argsort`
//! (the i32 indices that sort, ties in their original order).

use super::operand::{Operand, array_of};
use super::reduce::axis_of;
use crate::array::{Array, apply, or_panic};
use heron_ir::{Op, Result};

super::receiver::array_methods! {
    /// The elements sorted along `axis` (negative counts from the end),
    /// ascending, NaN last.
    pub fn sort(&self, axis: isize) -> Array {
        or_panic(self.try_sort(axis))
    }

    /// `sort` returning an error instead of panicking.
    pub fn try_sort(&self, axis: isize) -> Result<Array> {
        let axis = axis_of("sort", self, axis)?;
        apply(Op::Sort { axis }, &[self])
    }

    /// The indices (i32) that sort along `axis`; equal elements keep their order.
    pub fn argsort(&self, axis: isize) -> Array {
        or_panic(self.try_argsort(axis))
    }

    /// `argsort` returning an error instead of panicking.
    pub fn try_argsort(&self, axis: isize) -> Result<Array> {
        let axis = axis_of("argsort", self, axis)?;
        apply(Op::Argsort { axis }, &[self])
    }
}

/// `x` sorted along `axis`, ascending, NaN last.
pub fn sort(x: impl Operand, axis: isize) -> Array {
    array_of(x).sort(axis)
}

/// The indices (i32) that sort `x` along `axis`.
pub fn argsort(x: impl Operand, axis: isize) -> Array {
    array_of(x).argsort(axis)
}
