//! Indexing with NumPy's semantics: the `s!` macro and [`SliceElem`], `slice`,
//! `set` (assignment into a slice, copy-on-write), `take` (gather along an
//! axis) and `iter` (the sub-arrays along axis 0).
//!
//! `s![0..2, 1]` is `x[0:2, 1]`, `s![.., -1]` is `x[:, -1]`, `s![..;2]` is
//! `x[::2]`, `s![..;-1]` is `x[::-1]` and `s![5..1;-2]` is `x[5:1:-2]`. An
//! integer index drops its axis; missing trailing entries mean full axes.

use super::operand::{Operand, array_of};
use super::reduce::axis_of;
use crate::array::{Array, apply, or_panic};
use heron_ir::{AxisSlice, Error, Op, Result, Shape, SliceSpec};
use std::ops::{Range, RangeFrom, RangeFull, RangeInclusive, RangeTo, RangeToInclusive};

/// One entry of an index expression: an integer (drops the axis) or a range
/// with a step. Usually written with the [`s!`](crate::s) macro.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SliceElem {
    /// `x[i]`: one element of the axis, which is removed (negative counts from the end).
    Index(isize),
    /// `x[start:end:step]` (`end` inclusive when `inclusive`); missing bounds
    /// mean the whole axis in the direction of `step`.
    Range {
        /// First index (negative counts from the end).
        start: Option<isize>,
        /// End index (negative counts from the end).
        end: Option<isize>,
        /// True for `a..=b`.
        inclusive: bool,
        /// Distance between the elements taken; negative walks backwards.
        step: isize,
    },
}

impl SliceElem {
    /// The whole axis (`..`).
    pub const FULL: SliceElem = SliceElem::Range {
        start: None,
        end: None,
        inclusive: false,
        step: 1,
    };

    /// The same range taken every `step` elements (ignored on an index).
    pub fn with_step(self, step: impl SliceStep) -> SliceElem {
        match self {
            SliceElem::Range {
                start,
                end,
                inclusive,
                ..
            } => SliceElem::Range {
                start,
                end,
                inclusive,
                step: step.to_isize(),
            },
            index => index,
        }
    }
}

/// An integer type usable as a slice step.
pub trait SliceStep {
    /// The step as an `isize`.
    fn to_isize(self) -> isize;
}

/// A Rust range usable in `s!` with a step (`a..b;2`).
pub trait IntoSliceRange {
    /// The range as a `SliceElem::Range` with step 1.
    fn into_range(self) -> SliceElem;
}

fn range(start: Option<isize>, end: Option<isize>, inclusive: bool) -> SliceElem {
    SliceElem::Range {
        start,
        end,
        inclusive,
        step: 1,
    }
}

macro_rules! slice_conversions {
    ($($t:ty)*) => {$(
        impl SliceStep for $t {
            fn to_isize(self) -> isize {
                self as isize
            }
        }
        impl From<$t> for SliceElem {
            fn from(i: $t) -> SliceElem {
                SliceElem::Index(i as isize)
            }
        }
        impl IntoSliceRange for Range<$t> {
            fn into_range(self) -> SliceElem {
                range(Some(self.start as isize), Some(self.end as isize), false)
            }
        }
        impl IntoSliceRange for RangeFrom<$t> {
            fn into_range(self) -> SliceElem {
                range(Some(self.start as isize), None, false)
            }
        }
        impl IntoSliceRange for RangeTo<$t> {
            fn into_range(self) -> SliceElem {
                range(None, Some(self.end as isize), false)
            }
        }
        impl IntoSliceRange for RangeInclusive<$t> {
            fn into_range(self) -> SliceElem {
                range(Some(*self.start() as isize), Some(*self.end() as isize), true)
            }
        }
        impl IntoSliceRange for RangeToInclusive<$t> {
            fn into_range(self) -> SliceElem {
                range(None, Some(self.end as isize), true)
            }
        }
        impl From<Range<$t>> for SliceElem {
            fn from(r: Range<$t>) -> SliceElem {
                r.into_range()
            }
        }
        impl From<RangeFrom<$t>> for SliceElem {
            fn from(r: RangeFrom<$t>) -> SliceElem {
                r.into_range()
            }
        }
        impl From<RangeTo<$t>> for SliceElem {
            fn from(r: RangeTo<$t>) -> SliceElem {
                r.into_range()
            }
        }
        impl From<RangeInclusive<$t>> for SliceElem {
            fn from(r: RangeInclusive<$t>) -> SliceElem {
                r.into_range()
            }
        }
        impl From<RangeToInclusive<$t>> for SliceElem {
            fn from(r: RangeToInclusive<$t>) -> SliceElem {
                r.into_range()
            }
        }
    )*};
}

slice_conversions!(i32 i64 isize usize u32);

impl IntoSliceRange for RangeFull {
    fn into_range(self) -> SliceElem {
        SliceElem::FULL
    }
}

impl From<RangeFull> for SliceElem {
    fn from(_: RangeFull) -> SliceElem {
        SliceElem::FULL
    }
}

/// Builds an index expression for [`Array::slice`] and [`Array::set`] with
/// NumPy's meaning: `s![0..2, 1]`, `s![.., -1]`, `s![..;2]`, `s![..;-1]`,
/// `s![1..=3, 2..;2]`. Entries are integers (the axis is dropped) or ranges
/// with an optional `;step`.
#[macro_export]
macro_rules! s {
    (@parse [$($acc:expr),*]) => {
        [$($acc),*]
    };
    (@parse [$($acc:expr),*] $e:expr ; $step:expr) => {
        $crate::s!(@parse [$($acc,)* $crate::s!(@range $e; $step)])
    };
    (@parse [$($acc:expr),*] $e:expr ; $step:expr , $($rest:tt)*) => {
        $crate::s!(@parse [$($acc,)* $crate::s!(@range $e; $step)] $($rest)*)
    };
    (@parse [$($acc:expr),*] $e:expr) => {
        $crate::s!(@parse [$($acc,)* $crate::s!(@elem $e)])
    };
    (@parse [$($acc:expr),*] $e:expr , $($rest:tt)*) => {
        $crate::s!(@parse [$($acc,)* $crate::s!(@elem $e)] $($rest)*)
    };
    // `5..1` is an empty Rust range but a meaningful slice (with a negative
    // step, or an empty selection as in NumPy): Clippy's lint does not apply.
    (@range $e:expr; $step:expr) => {{
        #[allow(clippy::reversed_empty_ranges)]
        let range = $crate::IntoSliceRange::into_range($e);
        range.with_step($step)
    }};
    (@elem $e:expr) => {{
        #[allow(clippy::reversed_empty_ranges)]
        let elem = <$crate::SliceElem as ::core::convert::From<_>>::from($e);
        elem
    }};
    ($($t:tt)*) => {
        $crate::s!(@parse [] $($t)*)
    };
}

/// An index expression resolved against a shape: the strided slice over every
/// axis, and which axes an integer index drops.
struct Resolved {
    spec: SliceSpec,
    dropped: Vec<bool>,
}

impl Resolved {
    /// The shape of the sliced region with every axis kept.
    fn region(&self) -> Shape {
        self.spec.iter().map(|s| s.len).collect::<Vec<_>>().into()
    }

    /// The shape of the result of `slice` (integer-indexed axes removed).
    fn result(&self) -> Shape {
        self.spec
            .iter()
            .zip(&self.dropped)
            .filter(|(_, d)| !**d)
            .map(|(s, _)| s.len)
            .collect::<Vec<_>>()
            .into()
    }

    fn is_identity(&self, shape: &Shape) -> bool {
        !self.dropped.iter().any(|&d| d)
            && self
                .spec
                .iter()
                .zip(shape.iter())
                .all(|(s, &n)| s.step == 1 && s.start == 0 && s.len == n)
    }
}

fn resolve(op: &str, shape: &Shape, index: &[SliceElem]) -> Result<Resolved> {
    if index.len() > shape.rank() {
        return Err(Error::invalid(
            op,
            format!("too many indices ({}) for shape {shape}", index.len()),
        ));
    }
    let mut spec = SliceSpec::new();
    let mut dropped = Vec::with_capacity(shape.rank());
    for (axis, &n) in shape.iter().enumerate() {
        let elem = index.get(axis).copied().unwrap_or(SliceElem::FULL);
        let n = n as isize;
        match elem {
            SliceElem::Index(i) => {
                let at = if i < 0 { i + n } else { i };
                if !(0..n).contains(&at) {
                    return Err(Error::invalid(
                        op,
                        format!("index {i} is out of bounds for axis {axis} with size {n}"),
                    ));
                }
                spec.push(AxisSlice {
                    start: at as usize,
                    step: 1,
                    len: 1,
                });
                dropped.push(true);
            }
            SliceElem::Range {
                start,
                end,
                inclusive,
                step,
            } => {
                if step == 0 {
                    return Err(Error::invalid(
                        op,
                        format!("axis {axis}: slice step cannot be zero"),
                    ));
                }
                spec.push(resolve_range(n, start, end, inclusive, step));
                dropped.push(false);
            }
        }
    }
    Ok(Resolved { spec, dropped })
}

/// Python's `slice.indices`, plus inclusive ends.
fn resolve_range(
    n: isize,
    start: Option<isize>,
    end: Option<isize>,
    inclusive: bool,
    step: isize,
) -> AxisSlice {
    let (lower, upper) = if step > 0 { (0, n) } else { (-1, n - 1) };
    let clamp = |i: isize| i.clamp(lower, upper);
    let from_end = |i: isize| if i < 0 { i + n } else { i };
    let start = match start {
        None if step > 0 => lower,
        None => upper,
        Some(s) => clamp(from_end(s)),
    };
    let stop = match end {
        None if step > 0 => upper,
        None => lower,
        Some(e) if inclusive => clamp(from_end(e) + step.signum()),
        Some(e) => clamp(from_end(e)),
    };
    let len = if step > 0 && stop > start {
        (stop - start + step - 1) / step
    } else if step < 0 && start > stop {
        (start - stop - step - 1) / -step
    } else {
        0
    };
    if len == 0 {
        AxisSlice {
            start: 0,
            step,
            len: 0,
        }
    } else {
        AxisSlice {
            start: start as usize,
            step,
            len: len as usize,
        }
    }
}

super::receiver::array_methods! {
    /// The sub-array selected by an index expression (`a.slice(s![0..2, 1])`).
    /// Panics when an index is out of bounds.
    pub fn slice(&self, index: impl AsRef<[SliceElem]>) -> Array {
        or_panic(self.try_slice(index))
    }

    /// `slice` returning an error instead of panicking.
    pub fn try_slice(&self, index: impl AsRef<[SliceElem]>) -> Result<Array> {
        let r = resolve("slice", self.shape_ref(), index.as_ref())?;
        if r.is_identity(self.shape_ref()) {
            return Ok(self.clone());
        }
        let sliced = apply(Op::Slice(r.spec.clone()), &[self])?;
        if r.dropped.iter().any(|&d| d) {
            apply(Op::Reshape(r.result()), &[&sliced])
        } else {
            Ok(sliced)
        }
    }

    /// Gathers along `axis` at `indices` (integers; negative count from the
    /// end): the result's shape is `shape[..axis] + indices.shape + shape[axis+1..]`.
    pub fn take(&self, indices: impl Operand, axis: isize) -> Array {
        or_panic(self.try_take(indices, axis))
    }

    /// `take` returning an error instead of panicking.
    pub fn try_take(&self, indices: impl Operand, axis: isize) -> Result<Array> {
        let axis = axis_of("take", self, axis)?;
        apply(Op::Take { axis }, &[self, &array_of(indices)])
    }

    /// The sub-arrays along axis 0, in order. Panics on a 0-d array.
    pub fn iter(&self) -> AxisIter {
        assert!(self.ndim() > 0, "iter: cannot iterate over a 0-d array");
        AxisIter {
            array: self.clone(),
            front: 0,
            back: self.shape()[0],
        }
    }
}

impl Array {
    /// Assigns `value` (an array or a scalar, broadcast to the selected region
    /// and cast to this array's dtype) to the region selected by `index`:
    /// `a.set(s![0..2], 10.0)`, `a.set(s![1, ..], &row)`. A buffer shared with
    /// other arrays is copied first; inside `jit` the array becomes a new
    /// traced value.
    pub fn set(&mut self, index: impl AsRef<[SliceElem]>, value: impl Operand) {
        or_panic(self.try_set(index, value))
    }

    /// `set` returning an error instead of panicking.
    pub fn try_set(&mut self, index: impl AsRef<[SliceElem]>, value: impl Operand) -> Result<()> {
        let r = resolve("set", self.shape_ref(), index.as_ref())?;
        let value = value.into_operand().to_array(self.dtype())?;
        let target = r.result();
        let vshape = value.shape_ref();
        // NumPy accepts a value with extra leading axes of extent 1.
        let extra = vshape.rank().saturating_sub(target.rank());
        if vshape[..extra].iter().any(|&d| d != 1)
            || !Shape::new(&vshape[extra..]).broadcasts_to(&target)
        {
            return Err(Error::Broadcast {
                op: "set".into(),
                lhs: vshape.clone(),
                rhs: target,
            });
        }
        // The value's extents, right-aligned on the kept axes, with 1 on the dropped ones.
        let kept = &vshape[extra..];
        let mut dims = vec![1usize; self.ndim()];
        let kept_axes: Vec<usize> = (0..self.ndim()).filter(|&a| !r.dropped[a]).collect();
        for (&axis, &d) in kept_axes[kept_axes.len() - kept.len()..].iter().zip(kept) {
            dims[axis] = d;
        }
        let value = if value.shape() == dims.as_slice() {
            value
        } else {
            apply(Op::Reshape(dims.into()), &[&value])?
        };
        debug_assert!(value.shape_ref().broadcasts_to(&r.region()));
        *self = apply(Op::SetSlice(r.spec), &[self, &value])?;
        Ok(())
    }
}

/// The sub-arrays of an array along axis 0 (see [`Array::iter`]).
pub struct AxisIter {
    array: Array,
    front: usize,
    back: usize,
}

impl Iterator for AxisIter {
    type Item = Array;

    fn next(&mut self) -> Option<Array> {
        if self.front == self.back {
            return None;
        }
        self.front += 1;
        Some(
            self.array
                .slice([SliceElem::Index(self.front as isize - 1)]),
        )
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.back - self.front;
        (n, Some(n))
    }
}

impl DoubleEndedIterator for AxisIter {
    fn next_back(&mut self) -> Option<Array> {
        if self.front == self.back {
            return None;
        }
        self.back -= 1;
        Some(self.array.slice([SliceElem::Index(self.back as isize)]))
    }
}

impl ExactSizeIterator for AxisIter {}

impl IntoIterator for &Array {
    type Item = Array;
    type IntoIter = AxisIter;

    fn into_iter(self) -> AxisIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(n: usize, e: SliceElem) -> AxisSlice {
        resolve("slice", &Shape::new(&[n]), &[e]).unwrap().spec[0]
    }

    fn ax(start: usize, step: isize, len: usize) -> AxisSlice {
        AxisSlice { start, step, len }
    }

    #[test]
    fn ranges_resolve_like_python_slices() {
        assert_eq!(resolved(5, s![1..3][0]), ax(1, 1, 2));
        assert_eq!(resolved(5, s![..;2][0]), ax(0, 2, 3));
        assert_eq!(resolved(5, s![..;-1][0]), ax(4, -1, 5));
        assert_eq!(resolved(5, s![-2..][0]), ax(3, 1, 2));
        assert_eq!(resolved(5, s![..-1][0]), ax(0, 1, 4));
        assert_eq!(resolved(5, s![1..=3][0]), ax(1, 1, 3));
        assert_eq!(resolved(5, s![4..1;-2][0]), ax(4, -2, 2));
        assert_eq!(resolved(5, s![3..=0;-1][0]), ax(3, -1, 4));
        assert_eq!(resolved(5, s![10..20][0]), ax(0, 1, 0));
        assert_eq!(resolved(5, s![-10..2][0]), ax(0, 1, 2));
        assert_eq!(resolved(5, s![3..1][0]), ax(0, 1, 0));
        assert_eq!(resolved(0, s![..;-1][0]), ax(0, -1, 0));
        assert_eq!(resolved(5, s![-1][0]), ax(4, 1, 1));
        assert_eq!(resolved(5, s![..=-1][0]), ax(0, 1, 5));
    }

    #[test]
    fn bad_indices_name_the_op() {
        let err = resolve("slice", &Shape::new(&[3]), &s![3]).err().unwrap();
        assert_eq!(
            err.to_string(),
            "slice: index 3 is out of bounds for axis 0 with size 3"
        );
        let err = resolve("slice", &Shape::new(&[3]), &s![0, 0])
            .err()
            .unwrap();
        assert_eq!(err.to_string(), "slice: too many indices (2) for shape [3]");
        let err = resolve("slice", &Shape::new(&[3]), &s![..;0])
            .err()
            .unwrap();
        assert_eq!(err.to_string(), "slice: axis 0: slice step cannot be zero");
    }
}
