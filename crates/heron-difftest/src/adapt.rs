//! Making operands fit an op: broadcasting, casting, picking reshapes and
//! slices from the program's codes. The same decisions on both paths (they
//! depend on shapes and dtypes only), so every program is well-typed.

use crate::class::Class;
use crate::program::{Binary, SliceCode};
use heron::ops::SliceElem;
use heron::{Array, DType};

/// `shape` after broadcasting `a` with `b`, if they broadcast.
pub(crate) fn broadcast(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    let at = |s: &[usize], i: usize| {
        if i + s.len() >= n {
            s[i + s.len() - n]
        } else {
            1
        }
    };
    (0..n)
        .map(|i| match (at(a, i), at(b, i)) {
            (x, y) if x == y => Some(x),
            (1, y) => Some(y),
            (x, 1) => Some(x),
            _ => None,
        })
        .collect()
}

/// `x` as `dtype`, broadcast to `shape`; when its shape does not broadcast,
/// its first element (zeros for an empty `x`). The class survives only an
/// exact `x` or no change at all.
pub(crate) fn fit(x: &Array, class: Class, shape: &[usize], dtype: DType) -> (Array, Class) {
    if x.shape() == shape && x.dtype() == dtype {
        return (x.clone(), class);
    }
    let class = class.join(&Class::Exact);
    let x = x.astype(dtype);
    if broadcast(x.shape(), shape).as_deref() == Some(shape) {
        return (x.broadcast_to(shape), class);
    }
    if x.size() == 0 {
        return (heron::zeros(shape, dtype), class);
    }
    (first(&x).broadcast_to(shape), class)
}

/// The first element of `x` (non-empty) as a 0-d array.
pub(crate) fn first(x: &Array) -> Array {
    if x.size() == 0 {
        return heron::zeros(&[], x.dtype());
    }
    x.flatten().slice([SliceElem::Index(0)])
}

pub(crate) fn at_least_1d(x: &Array) -> Array {
    if x.ndim() == 0 {
        x.reshape(&[1])
    } else {
        x.clone()
    }
}

/// Bools as i32 for the arithmetic ops (bool `+` and `*` are logical in heron).
pub(crate) fn no_bool(x: Array, op: Binary) -> Array {
    let logical = matches!(
        op,
        Binary::And | Binary::Or | Binary::Xor | Binary::Eq | Binary::Ne
    );
    if x.dtype() == DType::Bool && !logical {
        x.astype(DType::I32)
    } else {
        x
    }
}

/// A reshape picked by `code`: flatten, a new axis, squeeze, or two axes.
pub(crate) fn reshape(x: &Array, code: u8) -> Array {
    let n = x.size();
    match code % 4 {
        0 => x.flatten(),
        1 => x.expand_dims((code / 4) as isize % (x.ndim() as isize + 1)),
        2 => x.squeeze(),
        _ => {
            let divisors: Vec<usize> = (1..=n.min(64)).filter(|&d| n.is_multiple_of(d)).collect();
            if divisors.is_empty() {
                return x.flatten();
            }
            let d = divisors[(code / 4) as usize % divisors.len()];
            x.reshape(&[d as isize, (n / d) as isize])
        }
    }
}

/// The slice `code` describes on an array of `shape`: per axis a range
/// with a step, or (step code 5) one index, which drops the axis.
pub(crate) fn slice_elems(code: &SliceCode, shape: &[usize]) -> Vec<SliceElem> {
    code.0
        .iter()
        .zip(shape)
        .map(|(&(a, b, step), &dim)| {
            if dim == 0 {
                return SliceElem::FULL;
            }
            let (a, b) = (a as usize, b as usize);
            if step == 5 {
                return SliceElem::Index(
                    (a % dim) as isize - if b % 2 == 1 { dim as isize } else { 0 },
                );
            }
            if step > 0 {
                let start = a % (dim + 1);
                let end = start + b % (dim - start + 1);
                SliceElem::Range {
                    start: Some(start as isize),
                    end: Some(end as isize),
                    inclusive: false,
                    step: step as isize,
                }
            } else {
                SliceElem::Range {
                    start: Some((a % dim) as isize),
                    end: None,
                    inclusive: false,
                    step: step as isize,
                }
            }
        })
        .collect()
}
