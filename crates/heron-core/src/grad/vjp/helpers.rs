//! The small array operations the VJP rules are written with (each one
//! `apply`), and the reshaping of cotangents: `unbroadcast`, `reshape`
//! that never records the `stop_gradient` marker, reversals.

use crate::array::apply;
use crate::{Array, Result};
use heron_ir::{
    Axes, AxisSlice, BinaryOp, DType, Op, ReduceOp, Scalar, Shape, SliceSpec, UnaryOp, Value,
};

/// Cotangents of a node's operands, `None` where no gradient flows.
pub(crate) type Cts = Vec<Option<Array>>;

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

pub(crate) fn div(a: &Array, b: &Array) -> Result<Array> {
    bin(BinaryOp::Div, a, b)
}

pub(crate) fn sub(a: &Array, b: &Array) -> Result<Array> {
    bin(BinaryOp::Sub, a, b)
}

pub(crate) fn neg(x: &Array) -> Result<Array> {
    un(UnaryOp::Neg, x)
}

pub(crate) fn select_(c: &Array, a: &Array, b: &Array) -> Result<Array> {
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

pub(crate) fn broadcast(x: &Array, shape: &Shape) -> Result<Array> {
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

pub(crate) fn sum_axes(x: &Array, axes: &[usize]) -> Result<Array> {
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
pub(crate) fn expand(ct: &Array, axes: &[usize], shape: &Shape) -> Result<Array> {
    let kept: Vec<usize> = (0..shape.rank())
        .map(|a| if axes.contains(&a) { 1 } else { shape[a] })
        .collect();
    broadcast(&reshape(ct, &Shape::new(&kept))?, shape)
}

/// Reverses `x` along `axis` (a slice with step -1).
pub(crate) fn flip(x: &Array, axis: usize) -> Result<Array> {
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
