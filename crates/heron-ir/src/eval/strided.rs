//! Strided iteration: walking an n-d index space in row-major order while
//! tracking the element offset of each of several operands. Broadcasting
//! (stride 0), transposes (permuted strides) and slices (scaled strides, a
//! start offset, negative steps) are all expressed this way.

use crate::{Buffer, Element, Shape, Value};
use smallvec::SmallVec;

/// Strides in elements, possibly zero or negative.
pub(crate) type Strides = SmallVec<[isize; 4]>;

/// Calls `f` with the offsets of `N` operands for each index of `shape`, in
/// row-major order. Operand `k` starts at `base[k]` and moves by
/// `strides[k][axis]` along `axis`. Nothing is called for an empty shape;
/// once for a 0-d shape.
pub(crate) fn for_each_offset<const N: usize>(
    shape: &[usize],
    strides: [&[isize]; N],
    base: [usize; N],
    mut f: impl FnMut([usize; N]),
) {
    if shape.contains(&0) {
        return;
    }
    let rank = shape.len();
    let mut off = base.map(|b| b as isize);
    if rank == 0 {
        f(base);
        return;
    }
    let last = rank - 1;
    let inner_len = shape[last];
    let inner: [isize; N] = std::array::from_fn(|k| strides[k][last]);
    let mut index: SmallVec<[usize; 4]> = SmallVec::from_elem(0, rank);
    loop {
        let mut o = off;
        for _ in 0..inner_len {
            f(o.map(|x| x as usize));
            for k in 0..N {
                o[k] += inner[k];
            }
        }
        // Advance the odometer over the outer axes.
        let mut axis = last;
        loop {
            if axis == 0 {
                return;
            }
            axis -= 1;
            index[axis] += 1;
            for k in 0..N {
                off[k] += strides[k][axis];
            }
            if index[axis] < shape[axis] {
                break;
            }
            for k in 0..N {
                off[k] -= strides[k][axis] * shape[axis] as isize;
            }
            index[axis] = 0;
        }
    }
}

/// Strides for reading `value` broadcast to `target`.
pub(crate) fn broadcast_strides(value: &Shape, target: &Shape) -> Strides {
    value.broadcast_strides(target)
}

/// Row-major strides of `shape`, signed.
pub(crate) fn strides(shape: &Shape) -> Strides {
    shape.strides().iter().map(|&s| s as isize).collect()
}

/// A new value of `shape` whose elements are read from `src` at the offsets
/// `base + index · strides`.
pub(crate) fn gather<T: Element>(
    src: &[T],
    shape: &Shape,
    strides: &[isize],
    base: usize,
) -> Value {
    let mut buf = Buffer::zeroed(T::DTYPE, shape.size());
    let out = buf.as_mut_slice::<T>();
    let mut i = 0;
    for_each_offset(shape, [strides], [base], |[o]| {
        out[i] = src[o];
        i += 1;
    });
    Value::new(shape.clone(), buf)
}

/// `x.shape[..axis]`, `x.shape[axis]` and `x.shape[axis + 1..]` as element counts.
pub(crate) fn split_at_axis(shape: &Shape, axis: usize) -> (usize, usize, usize) {
    (
        shape[..axis].iter().product(),
        shape[axis],
        shape[axis + 1..].iter().product(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_rows_broadcasts_and_negative_steps() {
        // (shape, strides, base, offsets visited)
        type Case<'a> = (&'a [usize], &'a [isize], usize, &'a [usize]);
        let cases: &[Case] = &[
            (&[2, 3], &[3, 1], 0, &[0, 1, 2, 3, 4, 5]),
            (&[2, 3], &[1, 2], 0, &[0, 2, 4, 1, 3, 5]),
            (&[2, 2], &[0, 1], 0, &[0, 1, 0, 1]),
            (&[3], &[-2], 5, &[5, 3, 1]),
            (&[], &[], 4, &[4]),
            (&[2, 0, 3], &[0, 0, 0], 0, &[]),
            (&[2, 1, 2], &[-2, 7, 1], 2, &[2, 3, 0, 1]),
        ];
        for &(shape, strides, base, want) in cases {
            let mut got = Vec::new();
            for_each_offset(shape, [strides], [base], |[o]| got.push(o));
            assert_eq!(got, want, "shape {shape:?} strides {strides:?}");
        }
    }
}
