//! Movement ops: they only copy, repeat or reorder elements (`broadcast_to`,
//! `reshape`, `transpose`, strided `slice`, `set`, `take`, `concatenate`).

use super::elem::with_elem;
use super::elementwise::cast;
use super::indexed::with_index;
use super::strided::{Strides, broadcast_strides, for_each_offset, gather, strides};
use crate::indexed::{self, AxisSplit};
use crate::{Buffer, DType, Result, Shape, SliceSpec, Value};

/// `x` broadcast to `target` (NumPy rules, checked by `infer`).
pub(super) fn broadcast_to(x: &Value, target: &Shape) -> Value {
    if x.shape == *target {
        return x.clone();
    }
    let st = broadcast_strides(&x.shape, target);
    with_elem!(x.dtype(), T => gather(x.as_slice::<T>(), target, &st, 0))
}

/// The same elements viewed with another shape of the same size.
pub(super) fn reshape(x: &Value, target: &Shape) -> Value {
    x.reshaped(target.clone())
}

/// Axis `i` of the result is axis `perm[i]` of `x`.
pub(super) fn permute(x: &Value, perm: &[usize]) -> Value {
    let own = strides(&x.shape);
    let shape: Shape = perm.iter().map(|&p| x.shape[p]).collect::<Vec<_>>().into();
    let st: Strides = perm.iter().map(|&p| own[p]).collect();
    with_elem!(x.dtype(), T => gather(x.as_slice::<T>(), &shape, &st, 0))
}

/// The region a slice reads: its shape, strides into the operand and first offset.
fn region(x: &Shape, spec: &SliceSpec) -> (Shape, Strides, usize) {
    let own = x.strides();
    let shape: Shape = spec.iter().map(|s| s.len).collect::<Vec<_>>().into();
    let st: Strides = spec
        .iter()
        .zip(&own)
        .map(|(s, &o)| s.step * o as isize)
        .collect();
    // An empty region reads nothing, whatever its start.
    let base = if shape.size() == 0 {
        0
    } else {
        spec.iter().zip(&own).map(|(s, &o)| s.start * o).sum()
    };
    (shape, st, base)
}

/// The strided slice `spec` of `x`.
pub(super) fn slice(x: &Value, spec: &SliceSpec) -> Value {
    let (shape, st, base) = region(&x.shape, spec);
    with_elem!(x.dtype(), T => gather(x.as_slice::<T>(), &shape, &st, base))
}

/// A copy of `x` whose region `spec` holds `value` broadcast to the region's
/// shape and cast to `x`'s dtype.
pub(super) fn set_slice(x: &Value, value: &Value, spec: &SliceSpec) -> Value {
    let (shape, st, base) = region(&x.shape, spec);
    let value = cast(value, x.dtype());
    let vst = broadcast_strides(&value.shape, &shape);
    let mut out = x.clone();
    with_elem!(x.dtype(), T => {
        let src = value.as_slice::<T>();
        let dst = out.make_mut().as_mut_slice::<T>();
        for_each_offset(&shape, [&st, &vst], [base, 0], |[d, s]| dst[d] = src[s]);
    });
    out
}

/// Gathers `x` along `axis` at `indices` (negative indices count from the
/// end): every index checked first, then the rows copied by `take_rows`.
pub(super) fn take(x: &Value, indices: &Value, axis: usize, shape: &Shape) -> Result<Value> {
    let split = AxisSplit::new(&x.shape, axis);
    let mut buf = Buffer::zeroed(x.dtype(), shape.size());
    with_index!(indices.dtype(), I => {
        let idx = indices.as_slice::<I>();
        indexed::check("take", axis, idx, split.len)?;
        let rows = split.outer * idx.len();
        with_elem!(x.dtype(), T => indexed::take_rows(
            x.as_slice::<T>(),
            idx,
            split,
            0..rows,
            buf.as_mut_slice::<T>(),
        ));
    });
    Ok(Value::new(shape.clone(), buf))
}

/// Joins `parts` (same dtype, same shape but along `axis`) along `axis`.
pub(super) fn concat(parts: &[&Value], axis: usize, shape: &Shape, dtype: DType) -> Value {
    let mut buf = Buffer::zeroed(dtype, shape.size());
    with_elem!(dtype, T => {
        let srcs: Vec<(&[T], usize)> = parts
            .iter()
            .map(|p| (p.as_slice::<T>(), p.shape[axis..].iter().product()))
            .collect();
        concat_into(&srcs, shape[..axis].iter().product(), buf.as_mut_slice());
    });
    Value::new(shape.clone(), buf)
}

/// Joins `parts` (each a slice and the length of its runs: its extents from
/// the joined axis on multiplied) into `dst`: for each of the `outer`
/// leading indices, one run of every part in turn.
pub(super) fn concat_into<T: Copy>(parts: &[(&[T], usize)], outer: usize, dst: &mut [T]) {
    let mut at = 0;
    for o in 0..outer {
        for &(src, run) in parts {
            dst[at..at + run].copy_from_slice(&src[o * run..(o + 1) * run]);
            at += run;
        }
    }
}
