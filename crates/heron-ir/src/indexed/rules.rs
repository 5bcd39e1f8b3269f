//! The shape and dtype rules (`infer`) of `take_along_axis`, `scatter_*`,
//! `dynamic_slice` and `dynamic_update_slice`.

use crate::{DType, Error, Op, Result, Shape};

type Operand<'a> = (&'a Shape, DType);

fn expect_arity(op: &str, inputs: &[Operand], n: usize) -> Result<()> {
    if inputs.len() == n {
        Ok(())
    } else {
        Err(Error::invalid(
            op,
            format!("expects {n} operands, got {}", inputs.len()),
        ))
    }
}

fn integer_indices(op: &str, what: &str, dtype: DType) -> Result<()> {
    if dtype.is_int() {
        Ok(())
    } else {
        Err(Error::invalid(
            op,
            format!("{what} must be integers, not {dtype}"),
        ))
    }
}

/// `take_along_axis[axis]`: `x` and `indices` of one rank with the same
/// extents but along `axis`; the result has the indices' shape.
pub(crate) fn take_along_axis(axis: usize, inputs: &[Operand]) -> Result<(Shape, DType)> {
    let op = "take_along_axis";
    expect_arity(op, inputs, 2)?;
    let ((xs, xd), (is, id)) = (inputs[0], inputs[1]);
    integer_indices(op, "indices", id)?;
    if axis >= xs.rank() {
        return Err(Error::invalid(
            op,
            format!("axis {axis} is out of bounds for shape {xs}"),
        ));
    }
    let same = is.rank() == xs.rank() && (0..xs.rank()).all(|d| d == axis || is[d] == xs[d]);
    if !same {
        return Err(Error::invalid(
            op,
            format!(
                "indices of shape {is} do not match the array's shape {xs} outside axis {axis}"
            ),
        ));
    }
    Ok((is.clone(), xd))
}

/// `scatter_add`/`scatter_set`: `x` of rank ≥ 1, integer indices, values of
/// `x`'s dtype and shape `indices.shape + x.shape[1..]`; the result is `x`'s type.
pub(crate) fn scatter(op: &str, inputs: &[Operand]) -> Result<(Shape, DType)> {
    expect_arity(op, inputs, 3)?;
    let ((xs, xd), (is, id), (vs, vd)) = (inputs[0], inputs[1], inputs[2]);
    integer_indices(op, "indices", id)?;
    if xs.rank() == 0 {
        return Err(Error::invalid(op, "cannot index axis 0 of a 0-d array"));
    }
    if vd != xd {
        return Err(Error::invalid(
            op,
            format!("values are {vd}, the array is {xd} (cast first)"),
        ));
    }
    let mut want = is.to_vec();
    want.extend_from_slice(&xs[1..]);
    if vs[..] != want[..] {
        return Err(Error::invalid(
            op,
            format!(
                "values have shape {vs}, expected {} (indices {is} + array {xs} without axis 0)",
                Shape::new(&want)
            ),
        ));
    }
    Ok((xs.clone(), xd))
}

/// `segment_sum[num_segments]`: `data` of rank ≥ 1 and 1-d integer ids,
/// one per row of `data`; the result is `[num_segments] + data.shape[1..]`.
pub(crate) fn segment_sum(num_segments: usize, inputs: &[Operand]) -> Result<(Shape, DType)> {
    let op = "segment_sum";
    expect_arity(op, inputs, 2)?;
    let ((ds, dd), (is, id)) = (inputs[0], inputs[1]);
    integer_indices(op, "segment ids", id)?;
    if ds.rank() == 0 || is.rank() != 1 || is[0] != ds[0] {
        return Err(Error::invalid(
            op,
            format!("segment ids of shape {is} do not give one id per row of data {ds}"),
        ));
    }
    let mut dims = ds.to_vec();
    dims[0] = num_segments;
    Ok((dims.into(), dd))
}

/// The starts of a dynamic slice: one 0-d integer per axis of `x`.
fn starts(op: &str, rank: usize, starts: &[Operand]) -> Result<()> {
    if starts.len() != rank {
        return Err(Error::invalid(
            op,
            format!(
                "expects {rank} start indices (one per axis), got {}",
                starts.len()
            ),
        ));
    }
    for (d, (s, t)) in starts.iter().enumerate() {
        if s.rank() != 0 || !t.is_int() {
            return Err(Error::invalid(
                op,
                format!("start index {d} must be a 0-d integer, not {t}{s}"),
            ));
        }
    }
    Ok(())
}

/// Extents of a block that must fit in `x`'s.
fn block_fits(op: &str, what: &str, xs: &Shape, sizes: &[usize]) -> Result<()> {
    let fits = sizes.len() == xs.rank() && sizes.iter().zip(xs.iter()).all(|(s, d)| s <= d);
    if fits {
        Ok(())
    } else {
        Err(Error::invalid(
            op,
            format!(
                "{what} {} do not fit in the array's shape {xs}",
                Shape::new(sizes)
            ),
        ))
    }
}

/// `dynamic_slice[sizes]`: `x`, then one start per axis; the result has
/// extents `sizes` (each at most `x`'s) and `x`'s dtype.
pub(crate) fn dynamic_slice(sizes: &Shape, inputs: &[Operand]) -> Result<(Shape, DType)> {
    let op = "dynamic_slice";
    let Some(((xs, xd), rest)) = inputs.split_first() else {
        return Err(Error::invalid(op, "expects an array operand"));
    };
    block_fits(op, "sizes", xs, sizes)?;
    starts(op, xs.rank(), rest)?;
    Ok((sizes.clone(), *xd))
}

/// `dynamic_update_slice`: `x`, an update of `x`'s dtype and rank with
/// extents at most `x`'s, then one start per axis; the result is `x`'s type.
pub(crate) fn dynamic_update_slice(inputs: &[Operand]) -> Result<(Shape, DType)> {
    let op = "dynamic_update_slice";
    if inputs.len() < 2 {
        return Err(Error::invalid(op, "expects an array and an update"));
    }
    let ((xs, xd), (us, ud)) = (inputs[0], inputs[1]);
    if ud != xd {
        return Err(Error::invalid(
            op,
            format!("the update is {ud}, the array is {xd} (cast first)"),
        ));
    }
    block_fits(op, "the update's extents", xs, us)?;
    starts(op, xs.rank(), &inputs[2..])?;
    Ok((xs.clone(), xd))
}

/// The rule of one of these ops, or `None` for every other op.
pub(crate) fn rule(op: &Op, inputs: &[Operand]) -> Option<Result<(Shape, DType)>> {
    Some(match op {
        Op::TakeAlongAxis { axis } => take_along_axis(*axis, inputs),
        Op::Scatter { mode } => scatter(mode.name(), inputs),
        Op::SegmentSum { num_segments } => segment_sum(*num_segments, inputs),
        Op::DynamicSlice { sizes } => dynamic_slice(sizes, inputs),
        Op::DynamicUpdateSlice => dynamic_update_slice(inputs),
        _ => return None,
    })
}
