//! Gathers and scatters with run-time indices, the operations that connect
//! neurons: `take_along_axis` (NumPy's), `a.at(&idx).add(&v)` /
//! `.set(&v)` (JAX's `a.at[idx]`), `segment_sum` (`jax.ops.segment_sum`) and
//! the dynamic slices of `jax.lax` (`dynamic_slice`, `dynamic_update_slice`:
//! a ring buffer of synaptic delays). `take` is in `index.rs`.
//!
//! Indices are traced values inside `jit`. Negative indices count from the
//! end (not segment ids); an index out of range is an error (`try_call`
//! returns it and no Variable changes); dynamic slice starts are resolved as
//! JAX resolves them (negative ones count from the end once, then clamped
//! so the block fits) and never fail.

use super::operand::{Operand, array_of};
use super::reduce::axis_of;
use crate::array::{Array, apply, or_panic};
use crate::variable::Variable;
use heron_ir::{Error, Op, Result, ScatterMode, Shape};
use std::marker::PhantomData;

/// `x[idx]` being updated, as JAX's `x.at[idx]`: made by [`Array::at`] (or
/// `Variable::at`), for as long as the array is borrowed; `add` and `set`
/// return the updated copy and leave the array as it was.
#[derive(Clone, Debug)]
pub struct At<'a> {
    /// The array (a cheap handle: its value, not a copy of the data).
    array: Array,
    indices: Array,
    borrow: PhantomData<&'a Array>,
}

impl Array {
    /// The rows `indices` of axis 0 (integers, any shape; negative count
    /// from the end), for a functional update: `a.at(&idx).add(&vals)` is
    /// JAX's `a.at[idx].add(vals)`.
    pub fn at(&self, indices: impl Operand) -> At<'_> {
        At {
            array: self.clone(),
            indices: array_of(indices),
            borrow: PhantomData,
        }
    }
}

impl Variable {
    /// `Array::at` applied to the Variable's value (a traced read inside
    /// `jit`): `v.set(v.at(&idx).add(&x))` updates rows of `v`.
    pub fn at(&self, indices: impl Operand) -> At<'_> {
        At {
            array: self.value(),
            indices: array_of(indices),
            borrow: PhantomData,
        }
    }
}

impl At<'_> {
    /// A copy of the array with `values` (broadcast to `indices.shape +
    /// shape[1..]`, cast to the array's dtype) added to the indexed rows;
    /// duplicate indices accumulate, in row-major order of the indices (so
    /// results are the same on every run). Panics on an index out of range.
    pub fn add(&self, values: impl Operand) -> Array {
        or_panic(self.try_add(values))
    }

    /// `add` returning an error instead of panicking.
    pub fn try_add(&self, values: impl Operand) -> Result<Array> {
        self.scatter(ScatterMode::Add, values)
    }

    /// A copy of the array whose indexed rows hold `values` (broadcast to
    /// `indices.shape + shape[1..]`, cast to the array's dtype). Of duplicate
    /// indices the last one in row-major order wins (JAX leaves it
    /// unspecified). Panics on an index out of range.
    pub fn set(&self, values: impl Operand) -> Array {
        or_panic(self.try_set(values))
    }

    /// `set` returning an error instead of panicking.
    pub fn try_set(&self, values: impl Operand) -> Result<Array> {
        self.scatter(ScatterMode::Set, values)
    }

    fn scatter(&self, mode: ScatterMode, values: impl Operand) -> Result<Array> {
        let (x, idx) = (&self.array, &self.indices);
        let name = match mode {
            ScatterMode::Add => "at.add",
            ScatterMode::Set => "at.set",
        };
        if x.ndim() == 0 {
            return Err(Error::invalid(name, "cannot index axis 0 of a 0-d array"));
        }
        if !idx.dtype().is_int() {
            return Err(Error::invalid(
                name,
                format!("indices must be integers, not {}", idx.dtype()),
            ));
        }
        let mut dims = idx.shape().to_vec();
        dims.extend_from_slice(&x.shape()[1..]);
        let values = values.into_operand().to_array(x.dtype())?;
        let values = broadcast(name, values, &dims)?;
        apply(Op::Scatter { mode }, &[x, idx, &values])
    }
}

/// `x` broadcast to `dims` (NumPy rules), or `op`'s error.
fn broadcast(op: &str, x: Array, dims: &[usize]) -> Result<Array> {
    if x.shape() == dims {
        return Ok(x);
    }
    let target = Shape::new(dims);
    if !x.shape_ref().broadcasts_to(&target) {
        return Err(Error::Broadcast {
            op: op.into(),
            lhs: x.shape_ref().clone(),
            rhs: target,
        });
    }
    apply(Op::BroadcastTo(target), &[&x])
}

/// NumPy's `take_along_axis`: `indices` (integers, the array's rank) pick
/// elements along `axis` (negative counts from the end); the other axes
/// broadcast against each other, and the result has their broadcast shape
/// with the indices' extent on `axis`. Panics on an index out of range.
pub fn take_along_axis(a: impl Operand, indices: impl Operand, axis: isize) -> Array {
    or_panic(try_take_along_axis(a, indices, axis))
}

/// `take_along_axis` returning an error instead of panicking.
pub fn try_take_along_axis(a: impl Operand, indices: impl Operand, axis: isize) -> Result<Array> {
    let op = "take_along_axis";
    let (x, idx) = (array_of(a), array_of(indices));
    if idx.ndim() != x.ndim() {
        return Err(Error::invalid(
            op,
            format!(
                "indices {} and array {} must have the same number of dimensions",
                idx.shape_ref(),
                x.shape_ref()
            ),
        ));
    }
    let axis = axis_of(op, &x, axis)?;
    if !idx.dtype().is_int() {
        return Err(Error::invalid(
            op,
            format!("indices must be integers, not {}", idx.dtype()),
        ));
    }
    let (xs, is) = (x.shape().to_vec(), idx.shape().to_vec());
    let mut common = Vec::with_capacity(xs.len());
    for d in 0..xs.len() {
        common.push(match (xs[d], is[d]) {
            _ if d == axis => 0,
            (a, b) if a == b || b == 1 => a,
            (1, b) => b,
            _ => {
                return Err(Error::Broadcast {
                    op: op.into(),
                    lhs: idx.shape_ref().clone(),
                    rhs: x.shape_ref().clone(),
                });
            }
        });
    }
    let with_axis = |n: usize| {
        let mut dims = common.clone();
        dims[axis] = n;
        dims
    };
    let x = broadcast(op, x, &with_axis(xs[axis]))?;
    let idx = broadcast(op, idx, &with_axis(is[axis]))?;
    apply(Op::TakeAlongAxis { axis }, &[&x, &idx])
}

/// `jax.ops.segment_sum`: row `p` of `data` (axis 0) is added to row
/// `segment_ids[p]` of a zero result of shape `[num_segments] +
/// data.shape[1..]`, in order of `p`. `segment_ids` holds one integer per
/// row; an id outside `[0, num_segments)` is an error (negative ones too).
pub fn segment_sum(data: impl Operand, segment_ids: impl Operand, num_segments: usize) -> Array {
    or_panic(try_segment_sum(data, segment_ids, num_segments))
}

/// `segment_sum` returning an error instead of panicking.
pub fn try_segment_sum(
    data: impl Operand,
    segment_ids: impl Operand,
    num_segments: usize,
) -> Result<Array> {
    let (data, ids) = (array_of(data), array_of(segment_ids));
    apply(Op::SegmentSum { num_segments }, &[&data, &ids])
}

/// A dynamic slice's starts, one per axis of `x`: 0-d integers (a
/// one-element 1-d array is taken as its element).
fn starts_of(op: &str, x: &Array, starts: &[&Array]) -> Result<Vec<Array>> {
    if starts.len() != x.ndim() {
        return Err(Error::invalid(
            op,
            format!(
                "{} start indices for an array of shape {} (one per axis)",
                starts.len(),
                x.shape_ref()
            ),
        ));
    }
    starts
        .iter()
        .map(|s| match s.shape() {
            [1] => apply(Op::Reshape(Shape::scalar()), &[s]),
            _ => Ok((*s).clone()),
        })
        .collect()
}

/// `jax.lax.dynamic_slice`: the block of extents `sizes` of `a` starting at
/// `starts` (one 0-d integer array per axis, traced inside `jit`), each
/// resolved as JAX does: a negative start counts from the end once, then
/// the start is clamped into `[0, a.shape[d] - sizes[d]]`, so the block
/// always fits and the call never fails.
pub fn dynamic_slice(a: impl Operand, starts: &[&Array], sizes: &[usize]) -> Array {
    or_panic(try_dynamic_slice(a, starts, sizes))
}

/// `dynamic_slice` returning an error instead of panicking.
pub fn try_dynamic_slice(a: impl Operand, starts: &[&Array], sizes: &[usize]) -> Result<Array> {
    let x = array_of(a);
    let starts = starts_of("dynamic_slice", &x, starts)?;
    let mut inputs = vec![&x];
    inputs.extend(starts.iter());
    let sizes = Shape::new(sizes);
    apply(Op::DynamicSlice { sizes }, &inputs)
}

/// `jax.lax.dynamic_update_slice`: a copy of `a` whose block at `starts`
/// (clamped as in [`dynamic_slice`]) holds `update` (cast to `a`'s dtype,
/// of `a`'s rank, extents at most `a`'s).
pub fn dynamic_update_slice(a: impl Operand, update: impl Operand, starts: &[&Array]) -> Array {
    or_panic(try_dynamic_update_slice(a, update, starts))
}

/// `dynamic_update_slice` returning an error instead of panicking.
pub fn try_dynamic_update_slice(
    a: impl Operand,
    update: impl Operand,
    starts: &[&Array],
) -> Result<Array> {
    let x = array_of(a);
    let update = update.into_operand().to_array(x.dtype())?;
    let starts = starts_of("dynamic_update_slice", &x, starts)?;
    let mut inputs = vec![&x, &update];
    inputs.extend(starts.iter());
    apply(Op::DynamicUpdateSlice, &inputs)
}
