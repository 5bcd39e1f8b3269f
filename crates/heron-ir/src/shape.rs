//! Shapes, NumPy broadcasting and axis normalisation.

use crate::{DType, Error, Result};
use smallvec::SmallVec;
use std::fmt;
use std::ops::Deref;

/// The extents of an array, outermost axis first (row-major).
#[derive(Clone, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Shape(pub SmallVec<[usize; 4]>);

impl Shape {
    /// A shape from its extents.
    pub fn new(dims: &[usize]) -> Shape {
        Shape(SmallVec::from_slice(dims))
    }

    /// The shape of a 0-d array.
    pub fn scalar() -> Shape {
        Shape(SmallVec::new())
    }

    /// Number of axes.
    pub fn rank(&self) -> usize {
        self.0.len()
    }

    /// Number of elements (1 for a 0-d shape). Panics when the count does
    /// not fit in `usize`: every shape that reaches a buffer or a graph has
    /// been checked by [`Shape::try_len`] first, so this cannot happen there.
    pub fn size(&self) -> usize {
        self.checked_size()
            .unwrap_or_else(|| panic!("shape {self} has more elements than a usize can count"))
    }

    /// Number of elements, or `None` when the product overflows `usize`.
    #[inline]
    pub fn checked_size(&self) -> Option<usize> {
        self.0.iter().try_fold(1usize, |n, &d| n.checked_mul(d))
    }

    /// The element count of an array of this shape and `dtype`, or an error
    /// naming `op` when its bytes could not be addressed (more than
    /// `isize::MAX`, the most any Rust allocation may hold).
    pub fn try_len(&self, op: &str, dtype: DType) -> Result<usize> {
        match self.addressable_len(dtype) {
            Some(len) => Ok(len),
            None => Err(self.too_large(op, dtype)),
        }
    }

    /// The element count of an array of this shape and `dtype` when its
    /// bytes fit in `isize::MAX`.
    #[inline]
    pub fn addressable_len(&self, dtype: DType) -> Option<usize> {
        let len = self.checked_size()?;
        let bytes = len.checked_mul(dtype.size())?;
        (bytes <= isize::MAX as usize).then_some(len)
    }

    #[cold]
    fn too_large(&self, op: &str, dtype: DType) -> Error {
        Error::invalid(
            op,
            format!("an array of shape {self} and dtype {dtype} is too large to address"),
        )
    }

    /// Row-major strides, in elements.
    pub fn strides(&self) -> SmallVec<[usize; 4]> {
        let mut strides = SmallVec::from_elem(0, self.rank());
        let mut acc = 1;
        for axis in (0..self.rank()).rev() {
            strides[axis] = acc;
            acc *= self.0[axis];
        }
        strides
    }

    /// The NumPy broadcast of two shapes, or `None` when they are incompatible.
    pub fn broadcast(a: &Shape, b: &Shape) -> Option<Shape> {
        let rank = a.rank().max(b.rank());
        let mut out = SmallVec::from_elem(0, rank);
        for i in 0..rank {
            let da = if i < rank - a.rank() {
                1
            } else {
                a.0[i - (rank - a.rank())]
            };
            let db = if i < rank - b.rank() {
                1
            } else {
                b.0[i - (rank - b.rank())]
            };
            out[i] = match (da, db) {
                (x, y) if x == y => x,
                (1, y) => y,
                (x, 1) => x,
                _ => return None,
            };
        }
        Some(Shape(out))
    }

    /// True when `self` broadcasts to `target` (NumPy rules, `self` on the left of `target`).
    pub fn broadcasts_to(&self, target: &Shape) -> bool {
        self.rank() <= target.rank()
            && self
                .0
                .iter()
                .rev()
                .zip(target.0.iter().rev())
                .all(|(&s, &t)| s == t || s == 1)
    }

    /// Strides (in elements) for reading an array of shape `self` while iterating
    /// over `target`: broadcast axes get stride 0, missing leading axes too.
    pub fn broadcast_strides(&self, target: &Shape) -> SmallVec<[isize; 4]> {
        debug_assert!(self.broadcasts_to(target));
        let own = self.strides();
        let offset = target.rank() - self.rank();
        (0..target.rank())
            .map(|axis| {
                if axis < offset || self.0[axis - offset] == 1 {
                    0
                } else {
                    own[axis - offset] as isize
                }
            })
            .collect()
    }
}

/// Turns a possibly negative axis into an index below `rank`, NumPy style.
pub fn normalize_axis(axis: isize, rank: usize) -> Option<usize> {
    let r = rank as isize;
    let a = if axis < 0 { axis + r } else { axis };
    (0..r).contains(&a).then_some(a as usize)
}

impl Deref for Shape {
    type Target = [usize];
    fn deref(&self) -> &[usize] {
        &self.0
    }
}

impl From<&[usize]> for Shape {
    fn from(dims: &[usize]) -> Shape {
        Shape::new(dims)
    }
}

impl<const N: usize> From<[usize; N]> for Shape {
    fn from(dims: [usize; N]) -> Shape {
        Shape::new(&dims)
    }
}

impl From<Vec<usize>> for Shape {
    fn from(dims: Vec<usize>) -> Shape {
        Shape(SmallVec::from_vec(dims))
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", &self.0[..])
    }
}

impl fmt::Debug for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", &self.0[..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting_follows_numpy() {
        let b = |x: &[usize], y: &[usize]| Shape::broadcast(&Shape::new(x), &Shape::new(y));
        assert_eq!(b(&[2, 3], &[3]), Some(Shape::new(&[2, 3])));
        assert_eq!(b(&[4, 1], &[1, 5]), Some(Shape::new(&[4, 5])));
        assert_eq!(b(&[], &[3]), Some(Shape::new(&[3])));
        assert_eq!(b(&[0, 1], &[3]), Some(Shape::new(&[0, 3])));
        assert_eq!(b(&[2, 3], &[4]), None);
        assert_eq!(
            Shape::new(&[3, 1]).broadcast_strides(&Shape::new(&[2, 3, 4]))[..],
            [0, 1, 0]
        );
        assert_eq!(normalize_axis(-1, 3), Some(2));
        assert_eq!(normalize_axis(3, 3), None);
    }
}
