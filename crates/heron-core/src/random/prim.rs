//! The few array primitives the samplers are written in: thin wrappers over
//! [`apply`] with raw `heron_ir` ops, so every sampler records the same graph
//! when traced inside `jit` as it evaluates eagerly outside.

use crate::array::{Array, apply, or_panic};
use heron_ir::{Axes, BinaryOp, DType, Element, Op, Scalar, Shape, UnaryOp, Value};

/// A 0-d constant of `x`'s dtype.
pub(crate) fn lit<T: Element>(x: T) -> Array {
    Array::from_value(Value::scalar(x.to_scalar()))
}

/// A 0-d constant of `dtype` holding `x` (cast with `astype` semantics).
pub(crate) fn lit_as(x: f64, dtype: DType) -> Array {
    Array::from_value(Value::scalar(Scalar::F64(x).cast(dtype)))
}

/// `a <op> b`, broadcast; both operands already of one dtype.
pub(crate) fn bin(op: BinaryOp, a: &Array, b: &Array) -> Array {
    or_panic(apply(Op::Binary(op), &[a, b]))
}

/// `op(a)`, element-wise.
pub(crate) fn un(op: UnaryOp, a: &Array) -> Array {
    or_panic(apply(Op::Unary(op), &[a]))
}

/// `a.astype(dtype)`.
pub(crate) fn cast(a: &Array, dtype: DType) -> Array {
    if a.dtype() == dtype {
        return a.clone();
    }
    or_panic(apply(Op::Cast(dtype), &[a]))
}

/// `where(cond, a, b)`.
pub(crate) fn select(cond: &Array, a: &Array, b: &Array) -> Array {
    or_panic(apply(Op::Select, &[cond, a, b]))
}

/// `a.reshape(shape)`.
pub(crate) fn reshape(a: &Array, shape: &[usize]) -> Array {
    if a.shape() == shape {
        return a.clone();
    }
    or_panic(apply(Op::Reshape(Shape::new(shape)), &[a]))
}

/// The elements `start..start + len` of a 1-d array.
pub(crate) fn slice1(a: &Array, start: usize, len: usize) -> Array {
    let spec = [heron_ir::AxisSlice {
        start,
        step: 1,
        len,
    }];
    or_panic(apply(Op::Slice(spec.into_iter().collect()), &[a]))
}

/// The sub-arrays `start..start + len` along axis 0 (the axis is kept).
pub(crate) fn rows(a: &Array, start: usize, len: usize) -> Array {
    let mut spec: heron_ir::SliceSpec = a
        .shape()
        .iter()
        .map(|&n| heron_ir::AxisSlice {
            start: 0,
            step: 1,
            len: n,
        })
        .collect();
    spec[0] = heron_ir::AxisSlice {
        start,
        step: 1,
        len,
    };
    or_panic(apply(Op::Slice(spec), &[a]))
}

/// Joins arrays along `axis`.
pub(crate) fn concat(parts: &[&Array], axis: usize) -> Array {
    or_panic(apply(Op::Concat { axis }, parts))
}

/// Gathers `x` at `indices` along `axis`.
pub(crate) fn take(x: &Array, indices: &Array, axis: usize) -> Array {
    or_panic(apply(Op::Take { axis }, &[x, indices]))
}

/// The stable ascending sort order of `a` along `axis` (i32 indices).
pub(crate) fn argsort(a: &Array, axis: usize) -> Array {
    or_panic(apply(Op::Argsort { axis }, &[a]))
}

/// The sum over `axis`.
pub(crate) fn sum_axis(a: &Array, axis: usize) -> Array {
    let axes: Axes = [axis].into_iter().collect();
    or_panic(apply(
        Op::Reduce {
            op: heron_ir::ReduceOp::Sum,
            axes,
        },
        &[a],
    ))
}

/// The cumulative sum along `axis`.
pub(crate) fn cumsum(a: &Array, axis: usize) -> Array {
    or_panic(apply(Op::Cumsum { axis }, &[a]))
}

/// `0, 1, .., n-1` as i32.
pub(crate) fn iota_i32(n: usize) -> Array {
    let data: Vec<i32> = (0..n as i32).collect();
    Array::from_vec(data, &[n])
}
