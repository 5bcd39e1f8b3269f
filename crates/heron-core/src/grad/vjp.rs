//! The vector-Jacobian product of every non-control op, one function per op
//! family, all next to each other.
//!
//! A rule takes the op, the primal values of its operands, its primal
//! result and the cotangent of that result, and returns one cotangent per
//! operand (`None` where no gradient flows: integer and bool operands,
//! indices, keys, predicates). Every rule is written with ordinary array
//! operations through [`apply`], so a gradient computes eagerly on concrete
//! arrays and records ordinary nodes inside a trace, where they go through
//! the same passes and fusion as any other code. Cotangents keep the dtype
//! of the value they belong to. Control ops (`loop`, `while`, `cond`) have
//! their rules in `grad::control`.

use crate::array::apply;
use crate::{Array, Error, Result};
use heron_ir::{
    Axes, AxisSlice, BinaryOp, DType, Op, ReduceOp, Scalar, ScatterMode, Shape, SliceSpec, UnaryOp,
    Value,
};

/// Cotangents of a node's operands, `None` where no gradient flows.
pub(crate) type Cts = Vec<Option<Array>>;

/// The cotangents of the operands of `op` (not a control op), given the
/// operands `ins`, the result `out` and its cotangent `ct`.
pub(crate) fn rule(op: &Op, ins: &[Array], out: &Array, ct: &Array) -> Result<Cts> {
    match op {
        Op::Unary(u) => Ok(vec![unary(*u, &ins[0], out, ct)?]),
        Op::Binary(b) => binary(*b, &ins[0], &ins[1], out, ct),
        Op::Select => select(ins, ct),
        Op::Cast(_) => Ok(vec![cast(&ins[0], ct)?]),
        Op::BroadcastTo(_) => Ok(vec![Some(unbroadcast(ct, ins[0].shape_ref())?)]),
        Op::Reshape(s) if s == ins[0].shape_ref() => Ok(vec![None]), // stop_gradient
        Op::Reshape(_) => Ok(vec![Some(reshape(ct, ins[0].shape_ref())?)]),
        Op::Permute(perm) => Ok(vec![Some(permute_back(ct, perm)?)]),
        Op::Slice(spec) => Ok(vec![Some(slice_back(ct, &ins[0], spec)?)]),
        Op::SetSlice(spec) => set_slice(spec, &ins[0], &ins[1], ct),
        Op::Take { axis } => Ok(vec![Some(take_back(ct, &ins[0], &ins[1], *axis)?), None]),
        Op::TakeAlongAxis { axis } => Ok(vec![
            Some(take_along_back(ct, &ins[0], &ins[1], *axis)?),
            None,
        ]),
        Op::Scatter { mode } => scatter(*mode, ins, ct),
        Op::SegmentSum { .. } => Ok(vec![Some(take0(ct, &ins[1])?), None]),
        Op::DynamicSlice { .. } => dynamic_slice(ins, ct),
        Op::DynamicUpdateSlice => dynamic_update_slice(ins, ct),
        Op::Concat { axis } => concat(ins, ct, *axis),
        Op::Reduce { op, axes } => Ok(vec![reduce(*op, axes, &ins[0], out, ct)?]),
        Op::Cumsum { axis } => Ok(vec![cumsum(&ins[0], ct, *axis)?]),
        Op::Sort { axis } => Ok(vec![Some(sort(&ins[0], ct, *axis)?)]),
        Op::MatMul => matmul(&ins[0], &ins[1], ct),
        // Integer results (indices, random bits): nothing flows back.
        Op::ArgReduce { .. } | Op::Argsort { .. } | Op::RandomBits { .. } => {
            Ok(vec![None; ins.len()])
        }
        Op::Param(_) | Op::Const(_) => Ok(Vec::new()),
        Op::Loop { .. } | Op::While { .. } | Op::Cond { .. } | Op::Project(_) => Err(
            Error::invalid("grad", "control ops are differentiated by grad::control"),
        ),
    }
}

// ---- helpers ---------------------------------------------------------------

/// A 0-d constant of `dtype` holding `v`.
pub(crate) fn lit(v: f64, dtype: DType) -> Array {
    Array::from_value(Value::scalar(Scalar::F64(v).cast(dtype)))
}

pub(crate) fn un(op: UnaryOp, x: &Array) -> Result<Array> {
    apply(Op::Unary(op), &[x])
}

pub(crate) fn bin(op: BinaryOp, a: &Array, b: &Array) -> Result<Array> {
    apply(Op::Binary(op), &[a, b])
}

pub(crate) fn add(a: &Array, b: &Array) -> Result<Array> {
    bin(BinaryOp::Add, a, b)
}

pub(crate) fn mul(a: &Array, b: &Array) -> Result<Array> {
    bin(BinaryOp::Mul, a, b)
}

fn div(a: &Array, b: &Array) -> Result<Array> {
    bin(BinaryOp::Div, a, b)
}

fn sub(a: &Array, b: &Array) -> Result<Array> {
    bin(BinaryOp::Sub, a, b)
}

fn neg(x: &Array) -> Result<Array> {
    un(UnaryOp::Neg, x)
}

fn select_(c: &Array, a: &Array, b: &Array) -> Result<Array> {
    apply(Op::Select, &[c, a, b])
}

pub(crate) fn cast_to(x: &Array, dtype: DType) -> Result<Array> {
    if x.dtype() == dtype {
        return Ok(x.clone());
    }
    apply(Op::Cast(dtype), &[x])
}

/// A zero array of `shape` and `dtype` (a broadcast scalar).
pub(crate) fn zeros(shape: &Shape, dtype: DType) -> Result<Array> {
    broadcast(&lit(0.0, dtype), shape)
}

fn broadcast(x: &Array, shape: &Shape) -> Result<Array> {
    if x.shape_ref() == shape {
        return Ok(x.clone());
    }
    apply(Op::BroadcastTo(shape.clone()), &[x])
}

/// Reshapes, never recording a reshape to the same shape (the marker of
/// `stop_gradient`).
pub(crate) fn reshape(x: &Array, shape: &Shape) -> Result<Array> {
    if x.shape_ref() == shape {
        return Ok(x.clone());
    }
    apply(Op::Reshape(shape.clone()), &[x])
}

fn sum_axes(x: &Array, axes: &[usize]) -> Result<Array> {
    if axes.is_empty() {
        return Ok(x.clone());
    }
    apply(
        Op::Reduce {
            op: ReduceOp::Sum,
            axes: Axes::from_slice(axes),
        },
        &[x],
    )
}

/// Sums `ct` over the axes along which an operand of `shape` was broadcast.
pub(crate) fn unbroadcast(ct: &Array, shape: &Shape) -> Result<Array> {
    let out = ct.shape_ref().clone();
    if &out == shape {
        return Ok(ct.clone());
    }
    let lead = out.rank() - shape.rank();
    let axes: Vec<usize> = (0..out.rank())
        .filter(|&a| a < lead || (shape[a - lead] == 1 && out[a] != 1))
        .collect();
    reshape(&sum_axes(ct, &axes)?, shape)
}

/// `ct` (of the reduced shape) broadcast back over the reduced `axes` of `shape`.
fn expand(ct: &Array, axes: &[usize], shape: &Shape) -> Result<Array> {
    let kept: Vec<usize> = (0..shape.rank())
        .map(|a| if axes.contains(&a) { 1 } else { shape[a] })
        .collect();
    broadcast(&reshape(ct, &Shape::new(&kept))?, shape)
}

/// Reverses `x` along `axis` (a slice with step -1).
fn flip(x: &Array, axis: usize) -> Result<Array> {
    let spec: SliceSpec = x
        .shape()
        .iter()
        .enumerate()
        .map(|(a, &n)| {
            if a == axis && n > 0 {
                AxisSlice {
                    start: n - 1,
                    step: -1,
                    len: n,
                }
            } else {
                AxisSlice {
                    start: 0,
                    step: 1,
                    len: n,
                }
            }
        })
        .collect();
    apply(Op::Slice(spec), &[x])
}

pub(crate) fn flip0(x: &Array) -> Result<Array> {
    flip(x, 0)
}

// ---- element-wise ----------------------------------------------------------

fn unary(u: UnaryOp, x: &Array, out: &Array, ct: &Array) -> Result<Option<Array>> {
    use UnaryOp::*;
    let d = x.dtype();
    if !d.is_float() || !out.dtype().is_float() {
        return Ok(None);
    }
    let c = |v: f64| lit(v, d);
    let g = match u {
        Neg => neg(ct)?,
        Abs => mul(ct, &un(Sign, x)?)?,
        Sqrt => div(&mul(ct, &c(0.5))?, out)?,
        Rsqrt => mul(ct, &div(&mul(out, &c(-0.5))?, x)?)?,
        Exp => mul(ct, out)?,
        Exp2 => mul(ct, &mul(out, &c(std::f64::consts::LN_2))?)?,
        Expm1 => mul(ct, &add(out, &c(1.0))?)?,
        Log => div(ct, x)?,
        Log2 => div(ct, &mul(x, &c(std::f64::consts::LN_2))?)?,
        Log1p => div(ct, &add(x, &c(1.0))?)?,
        Sin => mul(ct, &un(Cos, x)?)?,
        Cos => neg(&mul(ct, &un(Sin, x)?)?)?,
        Tan => mul(ct, &add(&c(1.0), &mul(out, out)?)?)?,
        Tanh => mul(ct, &sub(&c(1.0), &mul(out, out)?)?)?,
        Sinh => mul(ct, &un(Cosh, x)?)?,
        Cosh => mul(ct, &un(Sinh, x)?)?,
        Arcsin => mul(ct, &un(Rsqrt, &sub(&c(1.0), &mul(x, x)?)?)?)?,
        Arccos => neg(&mul(ct, &un(Rsqrt, &sub(&c(1.0), &mul(x, x)?)?)?)?)?,
        Arctan => div(ct, &add(&c(1.0), &mul(x, x)?)?)?,
        Sigmoid => mul(ct, &mul(out, &sub(&c(1.0), out)?)?)?,
        Square => mul(ct, &mul(x, &c(2.0))?)?,
        Reciprocal => neg(&mul(ct, &mul(out, out)?)?)?,
        // Piecewise constant: a zero gradient, as JAX.
        Sign | Floor | Ceil | Round | Trunc => zeros(x.shape_ref(), d)?,
        IsNan | IsInf | IsFinite | Not => return Ok(None),
    };
    Ok(Some(g))
}

fn binary(b: BinaryOp, x: &Array, y: &Array, out: &Array, ct: &Array) -> Result<Cts> {
    use BinaryOp::*;
    let d = x.dtype();
    if !d.is_float() || !out.dtype().is_float() {
        return Ok(vec![None, None]);
    }
    let c = |v: f64| lit(v, d);
    let (gx, gy) = match b {
        Add => (ct.clone(), ct.clone()),
        Sub => (ct.clone(), neg(ct)?),
        Mul => (mul(ct, y)?, mul(ct, x)?),
        Div => {
            let gx = div(ct, y)?;
            (gx.clone(), neg(&mul(&gx, &div(x, y)?)?)?)
        }
        // NumPy's remainder is x - floor(x / y) * y.
        Rem => (
            ct.clone(),
            neg(&mul(ct, &un(UnaryOp::Floor, &div(x, y)?)?)?)?,
        ),
        Pow => {
            // d/dx = y·x^(y-1) (0 where y == 0); d/dy = log(x)·x^y (0 where x == 0), as JAX.
            let zero = c(0.0);
            let dx = mul(y, &bin(Pow, x, &sub(y, &c(1.0))?)?)?;
            let dx = select_(&bin(Eq, y, &zero)?, &zero, &dx)?;
            let dy = mul(&un(UnaryOp::Log, x)?, out)?;
            let dy = select_(&bin(Eq, x, &zero)?, &zero, &dy)?;
            (mul(ct, &dx)?, mul(ct, &dy)?)
        }
        Max | Min => {
            // Ties split the cotangent evenly, as JAX's balanced rule.
            let (ix, iy) = (
                cast_to(&bin(Eq, x, out)?, d)?,
                cast_to(&bin(Eq, y, out)?, d)?,
            );
            let n = add(&ix, &iy)?;
            let n = select_(&bin(Eq, &n, &c(0.0))?, &c(1.0), &n)?;
            let share = div(ct, &n)?;
            (mul(&share, &ix)?, mul(&share, &iy)?)
        }
        Atan2 => {
            let r = add(&mul(x, x)?, &mul(y, y)?)?;
            (mul(ct, &div(y, &r)?)?, neg(&mul(ct, &div(x, &r)?)?)?)
        }
        And | Or | Xor | Eq | Ne | Lt | Le | Gt | Ge => return Ok(vec![None, None]),
    };
    Ok(vec![
        Some(unbroadcast(&gx, x.shape_ref())?),
        Some(unbroadcast(&gy, y.shape_ref())?),
    ])
}

fn select(ins: &[Array], ct: &Array) -> Result<Cts> {
    let d = ins[1].dtype();
    if !d.is_float() {
        return Ok(vec![None, None, None]);
    }
    let zero = lit(0.0, d);
    let ga = select_(&ins[0], ct, &zero)?;
    let gb = select_(&ins[0], &zero, ct)?;
    Ok(vec![
        None,
        Some(unbroadcast(&ga, ins[1].shape_ref())?),
        Some(unbroadcast(&gb, ins[2].shape_ref())?),
    ])
}

/// No gradient flows into integers or bools, nor out of them.
fn cast(x: &Array, ct: &Array) -> Result<Option<Array>> {
    if !x.dtype().is_float() || !ct.dtype().is_float() {
        return Ok(None);
    }
    Ok(Some(cast_to(ct, x.dtype())?))
}

// ---- movement ----------------------------------------------------------------

fn permute_back(ct: &Array, perm: &[usize]) -> Result<Array> {
    let mut inv = vec![0; perm.len()];
    for (i, &p) in perm.iter().enumerate() {
        inv[p] = i;
    }
    apply(Op::Permute(Axes::from_slice(&inv)), &[ct])
}

fn slice_back(ct: &Array, x: &Array, spec: &SliceSpec) -> Result<Array> {
    let z = zeros(x.shape_ref(), ct.dtype())?;
    apply(Op::SetSlice(spec.clone()), &[&z, ct])
}

fn set_slice(spec: &SliceSpec, x: &Array, v: &Array, ct: &Array) -> Result<Cts> {
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
fn take0(x: &Array, idx: &Array) -> Result<Array> {
    apply(Op::Take { axis: 0 }, &[x, idx])
}

/// Moves `axis` of `x` to the front.
fn axis_first(x: &Array, axis: usize) -> Result<(Array, Vec<usize>)> {
    let mut perm = vec![axis];
    perm.extend((0..x.ndim()).filter(|&a| a != axis));
    Ok((apply(Op::Permute(Axes::from_slice(&perm)), &[x])?, perm))
}

/// The transpose of `take`: `ct` scatter-added into zeros of `x`'s shape
/// (duplicate indices accumulate).
fn take_back(ct: &Array, x: &Array, idx: &Array, axis: usize) -> Result<Array> {
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
fn rows_last(x: &Array, axis: usize) -> Result<(Array, Vec<usize>)> {
    let mut perm: Vec<usize> = (0..x.ndim()).filter(|&a| a != axis).collect();
    perm.push(axis);
    let moved = apply(Op::Permute(Axes::from_slice(&perm)), &[x])?;
    let n = x.shape()[axis];
    let rows = x.size().checked_div(n).unwrap_or(0);
    Ok((reshape(&moved, &Shape::new(&[rows, n]))?, perm))
}

/// Flat positions in a `[rows, n]` array of the per-row indices `idx`
/// (`[rows, k]`, negative ones counted from the end).
fn flat_positions(idx: &Array, n: usize) -> Result<Array> {
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
fn take_along_back(ct: &Array, x: &Array, idx: &Array, axis: usize) -> Result<Array> {
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
fn scatter(mode: ScatterMode, ins: &[Array], ct: &Array) -> Result<Cts> {
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

fn dynamic_slice(ins: &[Array], ct: &Array) -> Result<Cts> {
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

fn dynamic_update_slice(ins: &[Array], ct: &Array) -> Result<Cts> {
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

fn concat(ins: &[Array], ct: &Array, axis: usize) -> Result<Cts> {
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

// ---- reductions and scans --------------------------------------------------

fn reduce(
    op: ReduceOp,
    axes: &[usize],
    x: &Array,
    out: &Array,
    ct: &Array,
) -> Result<Option<Array>> {
    let d = x.dtype();
    if !d.is_float() || !out.dtype().is_float() {
        return Ok(None);
    }
    let shape = x.shape_ref();
    let ctb = expand(ct, axes, shape)?;
    let g = match op {
        ReduceOp::Sum => ctb,
        ReduceOp::Prod => {
            // The product of the other elements, exact with zeros: with no
            // zero it is prod / x; at the single zero it is the product of
            // the rest; with two zeros or more it is 0 everywhere.
            let zero = lit(0.0, d);
            let is0 = bin(BinaryOp::Eq, x, &zero)?;
            let zeros_n = expand(&sum_axes(&cast_to(&is0, d)?, axes)?, axes, shape)?;
            let nz = select_(&is0, &lit(1.0, d), x)?;
            let p = apply(
                Op::Reduce {
                    op: ReduceOp::Prod,
                    axes: Axes::from_slice(axes),
                },
                &[&nz],
            )?;
            let p = expand(&p, axes, shape)?;
            let none = bin(BinaryOp::Eq, &zeros_n, &zero)?;
            let one = bin(BinaryOp::Eq, &zeros_n, &lit(1.0, d))?;
            let at_zero = select_(&one, &p, &zero)?;
            let others = select_(&is0, &at_zero, &zero)?;
            let g = select_(&none, &div(&p, &nz)?, &others)?;
            mul(&ctb, &g)?
        }
        ReduceOp::Max | ReduceOp::Min => {
            // Split evenly among the elements equal to the extremum (JAX).
            let hit = cast_to(&bin(BinaryOp::Eq, x, &expand(out, axes, shape)?)?, d)?;
            let count = expand(&sum_axes(&hit, axes)?, axes, shape)?;
            mul(&div(&ctb, &count)?, &hit)?
        }
        ReduceOp::Any | ReduceOp::All => return Ok(None),
    };
    Ok(Some(g))
}

fn cumsum(x: &Array, ct: &Array, axis: usize) -> Result<Option<Array>> {
    if !x.dtype().is_float() {
        return Ok(None);
    }
    let r = apply(Op::Cumsum { axis }, &[&flip(ct, axis)?])?;
    Ok(Some(flip(&r, axis)?))
}

/// Sort's transpose: `ct` sent back to where each element came from (a
/// gather of `ct` by the inverse of the sorting permutation).
fn sort(x: &Array, ct: &Array, axis: usize) -> Result<Array> {
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

/// NumPy's `matmul`: a 1-d operand is promoted to a row (`a`) or a column
/// (`b`), and leading (batch) axes broadcast; each cotangent is summed over
/// the batch axes its operand was broadcast along.
fn matmul(a: &Array, b: &Array, ct: &Array) -> Result<Cts> {
    if !a.dtype().is_float() {
        return Ok(vec![None, None]);
    }
    let shape_with = |x: &Array, pos: usize| {
        let mut s = x.shape().to_vec();
        s.insert(pos, 1);
        Shape::new(&s)
    };
    let pa = if a.ndim() == 1 {
        shape_with(a, 0)
    } else {
        a.shape_ref().clone()
    };
    let pb = if b.ndim() == 1 {
        shape_with(b, 1)
    } else {
        b.shape_ref().clone()
    };
    let (a2, b2) = (reshape(a, &pa)?, reshape(b, &pb)?);
    // The result with the promoted axes put back: [..., m, n].
    let mut out: Vec<usize> = ct.shape().to_vec();
    if a.ndim() == 1 {
        out.insert(out.len() - usize::from(b.ndim() != 1), 1);
    }
    if b.ndim() == 1 {
        out.push(1);
    }
    let ct2 = reshape(ct, &Shape::new(&out))?;
    let swap = |x: &Array| {
        let r = x.ndim();
        let mut perm: Vec<usize> = (0..r).collect();
        perm.swap(r - 2, r - 1);
        apply(Op::Permute(Axes::from_slice(&perm)), &[x])
    };
    let ga = apply(Op::MatMul, &[&ct2, &swap(&b2)?])?;
    let gb = apply(Op::MatMul, &[&swap(&a2)?, &ct2])?;
    let ga = reshape(&unbroadcast(&ga, &pa)?, a.shape_ref())?;
    let gb = reshape(&unbroadcast(&gb, &pb)?, b.shape_ref())?;
    Ok(vec![Some(ga), Some(gb)])
}
