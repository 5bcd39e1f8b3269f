//! `sort` and `argsort` along one axis: ascending, NaN last, stable.

use super::elem::{Elem, with_elem};
use super::strided::split_at_axis;
use crate::{Buffer, DType, Shape, Value};

/// Calls `f(line, offset_of)` for every line of `shape` along `axis`, where
/// `offset_of(k)` is the flat offset of element `k` of the line.
fn for_each_line(shape: &Shape, axis: usize, mut f: impl FnMut(&dyn Fn(usize) -> usize)) {
    let (outer, n, inner) = split_at_axis(shape, axis);
    for o in 0..outer {
        for i in 0..inner {
            f(&|k| (o * n + k) * inner + i);
        }
    }
}

/// `x` sorted along `axis`.
pub(super) fn sort(x: &Value, axis: usize) -> Value {
    let mut out = x.clone();
    with_elem!(x.dtype(), T => sort_in_place(out.make_mut().as_mut_slice::<T>(), &x.shape, axis));
    out
}

/// Sorts `data` (of `shape`) along `axis` in place: ascending, NaN last, stable.
pub(super) fn sort_in_place<T: Elem>(data: &mut [T], shape: &Shape, axis: usize) {
    let n = shape[axis];
    let mut line: Vec<T> = Vec::with_capacity(n);
    for_each_line(shape, axis, |at| {
        line.clear();
        line.extend((0..n).map(|k| data[at(k)]));
        line.sort_by(T::sort_cmp);
        for (k, &v) in line.iter().enumerate() {
            data[at(k)] = v;
        }
    });
}

/// The i32 indices that sort `x` along `axis` (ties keep their order).
pub(super) fn argsort(x: &Value, axis: usize) -> Value {
    let mut buf = Buffer::zeroed(DType::I32, x.shape.size());
    with_elem!(x.dtype(), T => argsort_into(x.as_slice::<T>(), &x.shape, axis, buf.as_mut_slice()));
    Value::new(x.shape.clone(), buf)
}

/// Writes to `out` the i32 indices that sort `src` (of `shape`) along `axis`.
pub(super) fn argsort_into<T: Elem>(src: &[T], shape: &Shape, axis: usize, out: &mut [i32]) {
    let n = shape[axis];
    let mut order: Vec<usize> = Vec::with_capacity(n);
    for_each_line(shape, axis, |at| {
        order.clear();
        order.extend(0..n);
        order.sort_by(|&a, &b| src[at(a)].sort_cmp(&src[at(b)]));
        for (k, &j) in order.iter().enumerate() {
            out[at(k)] = j as i32;
        }
    });
}
