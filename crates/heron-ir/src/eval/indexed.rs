//! `take_along_axis`, `scatter_add`/`scatter_set`, `dynamic_slice` and
//! `dynamic_update_slice` on `Value`s: each checks its indices, allocates its
//! result and runs the typed loop of `crate::indexed`.

use super::elem::with_elem;
use crate::indexed::{self, AxisSplit, IndexElem};
use crate::{Buffer, Result, ScatterMode, Shape, Value};

/// Dispatches on an index dtype (`i32`, `i64`, `u32`; `infer` admits no other).
macro_rules! with_index {
    ($dtype:expr, $t:ident => $body:expr) => {
        match $dtype {
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
            d => unreachable!("infer admits integer indices only, not {d}"),
        }
    };
}

pub(super) use with_index;

/// A start operand (a 0-d integer) as `i64`.
fn start_of(v: &Value) -> i64 {
    with_index!(v.dtype(), I => v.as_slice::<I>()[0].to_i64())
}

/// `take_along_axis`: see `Op::TakeAlongAxis`.
pub(super) fn take_along_axis(x: &Value, indices: &Value, axis: usize) -> Result<Value> {
    let split = AxisSplit::new(&x.shape, axis);
    let m = indices.shape[axis];
    let mut buf = Buffer::zeroed(x.dtype(), indices.shape.size());
    with_index!(indices.dtype(), I => {
        let idx = indices.as_slice::<I>();
        indexed::check("take_along_axis", axis, idx, split.len)?;
        with_elem!(x.dtype(), T => indexed::take_along(
            x.as_slice::<T>(),
            idx,
            split,
            m,
            buf.as_mut_slice::<T>(),
        ));
    });
    Ok(Value::new(indices.shape.clone(), buf))
}

/// `scatter_add`/`scatter_set`: see `Op::Scatter`.
pub(super) fn scatter(
    mode: ScatterMode,
    x: &Value,
    indices: &Value,
    values: &Value,
) -> Result<Value> {
    let n = x.shape[0];
    let inner = x.shape[1..].iter().product();
    with_index!(indices.dtype(), I => {
        let idx = indices.as_slice::<I>();
        indexed::check(mode.name(), 0, idx, n)?;
        let mut out = x.clone();
        with_elem!(x.dtype(), T => indexed::scatter(
            out.make_mut().as_mut_slice::<T>(),
            idx,
            values.as_slice::<T>(),
            n,
            inner,
            mode == ScatterMode::Add,
        ));
        Ok(out)
    })
}

/// `segment_sum`: see `Op::SegmentSum`.
pub(super) fn segment_sum(data: &Value, ids: &Value, shape: &Shape) -> Result<Value> {
    let inner = data.shape[1..].iter().product();
    let mut buf = Buffer::zeroed(data.dtype(), shape.size());
    with_index!(ids.dtype(), I => {
        let idx = ids.as_slice::<I>();
        indexed::check_segments(idx, shape[0])?;
        with_elem!(data.dtype(), T => indexed::scatter(
            buf.as_mut_slice::<T>(),
            idx,
            data.as_slice::<T>(),
            shape[0],
            inner,
            true,
        ));
    });
    Ok(Value::new(shape.clone(), buf))
}

/// `dynamic_slice`: see `Op::DynamicSlice`.
pub(super) fn dynamic_slice(x: &Value, starts: &[&Value], sizes: &Shape) -> Value {
    let at = indexed::clamped_starts(&x.shape, sizes, starts.iter().map(|s| start_of(s)));
    let mut buf = Buffer::zeroed(x.dtype(), sizes.size());
    with_elem!(x.dtype(), T => indexed::dynamic_slice(
        x.as_slice::<T>(),
        &x.shape,
        &at,
        sizes,
        buf.as_mut_slice::<T>(),
    ));
    Value::new(sizes.clone(), buf)
}

/// `dynamic_update_slice`: see `Op::DynamicUpdateSlice`.
pub(super) fn dynamic_update_slice(x: &Value, update: &Value, starts: &[&Value]) -> Value {
    let at = indexed::clamped_starts(&x.shape, &update.shape, starts.iter().map(|s| start_of(s)));
    let mut out = x.clone();
    with_elem!(x.dtype(), T => indexed::dynamic_update_slice(
        out.make_mut().as_mut_slice::<T>(),
        &x.shape,
        &at,
        &update.shape,
        update.as_slice::<T>(),
    ));
    out
}
