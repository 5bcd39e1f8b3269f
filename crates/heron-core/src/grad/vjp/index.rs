//! VJP rules of movement, slicing, concatenation, gathers, scatters,
//! dynamic slices and sorts: each the transpose of its data movement.

use super::helpers::*;
use crate::array::apply;
use crate::{Array, Result};
use heron_ir::{Axes, AxisSlice, BinaryOp, DType, Op, ScatterMode, Shape, SliceSpec, Value};

pub(super) fn permute_back(ct: &Array, perm: &[usize]) -> Result<Array> {
    let mut inv = vec![0; perm.len()];
    for (i, &p) in perm.iter().enumerate() {
        inv[p] = i;
    }
    apply(Op::Permute(Axes::from_slice(&inv)), &[ct])
}

pub(super) fn slice_back(ct: &Array, x: &Array, spec: &SliceSpec) -> Result<Array> {
    let z = zeros(x.shape_ref(), ct.dtype())?;
    apply(Op::SetSlice(spec.clone()), &[&z, ct])
}

pub(super) fn set_slice(spec: &SliceSpec, x: &Array, v: &Array, ct: &Array) -> Result<Cts> {
    if !x.dtype().is_float() {
        return Ok(vec![None, None]);
    }
    let zero = lit(0.0, ct.dtype());
    let gx = apply(Op::SetSlice(spec.clone()), &[ct, &zero])?;
    let gv = if v.dtype().is_float() {
        let region = apply(Op::Slice(spec.clone()), &[ct])?;
        Some(cast_to(&unbroadcast(&region, v.shape_ref())?, v.dtype())?)
    } else {
        None
    };
    Ok(vec![Some(gx), gv])
}

/// `take` along axis 0 (rows of `x` by `idx`).
pub(super) fn take0(x: &Array, idx: &Array) -> Result<Array> {
    apply(Op::Take { axis: 0 }, &[x, idx])
}

/// Moves `axis` of `x` to the front.
pub(super) fn axis_first(x: &Array, axis: usize) -> Result<(Array, Vec<usize>)> {
    let mut perm = vec![axis];
    perm.extend((0..x.ndim()).filter(|&a| a != axis));
    Ok((apply(Op::Permute(Axes::from_slice(&perm)), &[x])?, perm))
}

/// The transpose of `take`: `ct` scatter-added into zeros of `x`'s shape
/// (duplicate indices accumulate).
pub(super) fn take_back(ct: &Array, x: &Array, idx: &Array, axis: usize) -> Result<Array> {
    let xs = x.shape_ref();
    let m = idx.size();
    let rest: Vec<usize> = (0..xs.rank())
        .filter(|&a| a != axis)
        .map(|a| xs[a])
        .collect();
    // ct is x.shape[..axis] + idx.shape + x.shape[axis+1..]: flatten the
    // index axes to one and move it to the front.
    let mut flat = xs[..axis].to_vec();
    flat.push(m);
    flat.extend_from_slice(&xs[axis + 1..]);
    let (rows, _) = axis_first(&reshape(ct, &Shape::new(&flat))?, axis)?;
    let (zero, perm) = axis_first(&zeros(xs, ct.dtype())?, axis)?;
    let mut first = vec![xs[axis]];
    first.extend_from_slice(&rest);
    let zero = reshape(&zero, &Shape::new(&first))?;
    let idx = reshape(idx, &Shape::new(&[m]))?;
    let g = apply(
        Op::Scatter {
            mode: ScatterMode::Add,
        },
        &[&zero, &idx, &rows],
    )?;
    permute_back(&g, &perm)
}

/// `axis` moved last and the other axes flattened: `[rows, n]`, with the
/// permutation used.
pub(super) fn rows_last(x: &Array, axis: usize) -> Result<(Array, Vec<usize>)> {
    let mut perm: Vec<usize> = (0..x.ndim()).filter(|&a| a != axis).collect();
    perm.push(axis);
    let moved = apply(Op::Permute(Axes::from_slice(&perm)), &[x])?;
    let n = x.shape()[axis];
    let rows = x.size().checked_div(n).unwrap_or(0);
    Ok((reshape(&moved, &Shape::new(&[rows, n]))?, perm))
}

/// Flat positions in a `[rows, n]` array of the per-row indices `idx`
/// (`[rows, k]`, negative ones counted from the end).
pub(super) fn flat_positions(idx: &Array, n: usize) -> Result<Array> {
    let rows = idx.shape()[0];
    let idx = cast_to(idx, DType::I64)?;
    let idx = select_(
        &bin(BinaryOp::Lt, &idx, &lit(0.0, DType::I64))?,
        &add(&idx, &lit(n as f64, DType::I64))?,
        &idx,
    )?;
    let offsets = Array::from_value(Value::from_slice(
        Shape::new(&[rows, 1]),
        &(0..rows).map(|r| (r * n) as i64).collect::<Vec<i64>>(),
    ));
    add(&idx, &offsets)
}

/// The transpose of `take_along_axis`: `ct` scatter-added, row by row, to
/// where each element was gathered from.
pub(super) fn take_along_back(ct: &Array, x: &Array, idx: &Array, axis: usize) -> Result<Array> {
    let (xm, perm) = rows_last(x, axis)?;
    let (im, _) = rows_last(idx, axis)?;
    let (cm, _) = rows_last(ct, axis)?;
    let n = x.shape()[axis];
    let flat = reshape(&flat_positions(&im, n)?, &Shape::new(&[im.size()]))?;
    let zero = zeros(&Shape::new(&[xm.size()]), ct.dtype())?;
    let vals = reshape(&cm, &Shape::new(&[cm.size()]))?;
    let g = apply(
        Op::Scatter {
            mode: ScatterMode::Add,
        },
        &[&zero, &flat, &vals],
    )?;
    let moved: Vec<usize> = perm.iter().map(|&a| x.shape()[a]).collect();
    let g = reshape(&g, &Shape::new(&moved))?;
    permute_back(&g, &perm)
}

/// `x.at[idx].add(values)` and `.set(values)`: for `set`, only the value
/// that wins (the last of duplicate indices) receives a gradient, and the
/// overwritten rows of `x` receive none.
pub(super) fn scatter(mode: ScatterMode, ins: &[Array], ct: &Array) -> Result<Cts> {
    let (x, idx, values) = (&ins[0], &ins[1], &ins[2]);
    if !x.dtype().is_float() {
        return Ok(vec![None, None, None]);
    }
    let flat_idx = reshape(idx, &Shape::new(&[idx.size()]))?;
    let rows_of = |a: &Array| -> Result<Array> {
        let g = take0(a, &flat_idx)?;
        reshape(&g, values.shape_ref())
    };
    match mode {
        ScatterMode::Add => Ok(vec![Some(ct.clone()), None, Some(rows_of(ct)?)]),
        ScatterMode::Set => {
            let zero = zeros(values.shape_ref(), ct.dtype())?;
            let gx = apply(Op::Scatter { mode }, &[ct, idx, &zero])?;
            // Which position of `idx` wrote each row: scatter the positions.
            let m = idx.size();
            let ids: Vec<i64> = (0..m as i64).collect();
            let ids = Array::from_value(Value::from_slice(Shape::new(&[m]), &ids));
            let none = broadcast(&lit(-1.0, DType::I64), &Shape::new(&[x.shape()[0]]))?;
            let winner = apply(Op::Scatter { mode }, &[&none, &flat_idx, &ids])?;
            let won = bin(BinaryOp::Eq, &take0(&winner, &flat_idx)?, &ids)?;
            let mut mask_shape = vec![m];
            mask_shape.extend(std::iter::repeat_n(1, x.ndim() - 1));
            let won = cast_to(&reshape(&won, &Shape::new(&mask_shape))?, ct.dtype())?;
            let mut rows_shape = vec![m];
            rows_shape.extend_from_slice(&x.shape()[1..]);
            let rows = reshape(&rows_of(ct)?, &Shape::new(&rows_shape))?;
            let gv = reshape(&mul(&rows, &won)?, values.shape_ref())?;
            Ok(vec![Some(gx), None, Some(gv)])
        }
    }
}

pub(super) fn dynamic_slice(ins: &[Array], ct: &Array) -> Result<Cts> {
    let x = &ins[0];
    if !x.dtype().is_float() {
        return Ok(vec![None; ins.len()]);
    }
    let zero = zeros(x.shape_ref(), ct.dtype())?;
    let mut ops: Vec<&Array> = vec![&zero, ct];
    ops.extend(&ins[1..]);
    let g = apply(Op::DynamicUpdateSlice, &ops)?;
    let mut out = vec![Some(g)];
    out.extend(std::iter::repeat_n(None, ins.len() - 1));
    Ok(out)
}

pub(super) fn dynamic_update_slice(ins: &[Array], ct: &Array) -> Result<Cts> {
    let (x, u) = (&ins[0], &ins[1]);
    if !x.dtype().is_float() {
        return Ok(vec![None; ins.len()]);
    }
    let zero = zeros(u.shape_ref(), ct.dtype())?;
    let mut ops: Vec<&Array> = vec![ct, &zero];
    ops.extend(&ins[2..]);
    let gx = apply(Op::DynamicUpdateSlice, &ops)?;
    let mut ops: Vec<&Array> = vec![ct];
    ops.extend(&ins[2..]);
    let gu = apply(
        Op::DynamicSlice {
            sizes: u.shape_ref().clone(),
        },
        &ops,
    )?;
    let mut out = vec![Some(gx), Some(gu)];
    out.extend(std::iter::repeat_n(None, ins.len() - 2));
    Ok(out)
}

pub(super) fn concat(ins: &[Array], ct: &Array, axis: usize) -> Result<Cts> {
    let mut at = 0;
    let mut out = Vec::with_capacity(ins.len());
    for x in ins {
        let len = x.shape()[axis];
        if !x.dtype().is_float() {
            out.push(None);
        } else {
            let spec: SliceSpec = ct
                .shape()
                .iter()
                .enumerate()
                .map(|(a, &n)| AxisSlice {
                    start: if a == axis { at } else { 0 },
                    step: 1,
                    len: if a == axis { len } else { n },
                })
                .collect();
            out.push(Some(apply(Op::Slice(spec), &[ct])?));
        }
        at += len;
    }
    Ok(out)
}

/// Sort's transpose: `ct` sent back to where each element came from (a
/// gather of `ct` by the inverse of the sorting permutation).
pub(super) fn sort(x: &Array, ct: &Array, axis: usize) -> Result<Array> {
    let shape = x.shape_ref();
    let rank = shape.rank();
    let n = shape[axis];
    // Move `axis` last and flatten the others into rows.
    let mut perm: Vec<usize> = (0..rank).filter(|&a| a != axis).collect();
    perm.push(axis);
    let moved = |a: &Array| apply(Op::Permute(Axes::from_slice(&perm)), &[a]);
    let xm = moved(x)?;
    let rows = x.size() / n.max(1);
    let order = apply(Op::Argsort { axis: rank - 1 }, &[&xm])?;
    let inverse = apply(Op::Argsort { axis: rank - 1 }, &[&order])?;
    let inverse = reshape(&inverse, &Shape::new(&[rows, n]))?;
    let offsets = Array::from_value(Value::from_slice(
        Shape::new(&[rows, 1]),
        &(0..rows).map(|r| (r * n) as i64).collect::<Vec<i64>>(),
    ));
    let flat = add(&cast_to(&inverse, DType::I64)?, &offsets)?;
    let ctm = reshape(&moved(ct)?, &Shape::new(&[rows * n]))?;
    let g = apply(Op::Take { axis: 0 }, &[&ctm, &flat])?;
    let g = reshape(&g, xm.shape_ref())?;
    permute_back(&g, &perm)
}
