//! The operations of the public Array API, grouped by purpose. Every one
//! builds an `heron_ir::Op` and goes through [`apply`](crate::apply), so the
//! same code runs eagerly on concrete arrays and records nodes inside `jit`.
//! The read-only methods are defined once for `Array` and `Variable`
//! (`receiver`); free functions take any [`Operand`], `&Variable` included.

pub mod arith;
pub mod gather;
pub mod index;
pub mod linalg;
pub mod logic;
pub mod math;
pub mod operand;
pub(crate) mod receiver;
pub mod reduce;
pub mod shape;
pub mod sort;

pub use gather::{
    At, dynamic_slice, dynamic_update_slice, segment_sum, take_along_axis, try_dynamic_slice,
    try_dynamic_update_slice, try_segment_sum, try_take_along_axis,
};
pub use index::{AxisIter, IntoSliceRange, SliceElem};
pub use linalg::{dot, matmul, outer, try_dot, try_matmul};
pub use math::*;
pub use operand::{Operand, OperandValue, WeakScalar, array_of};
pub use reduce::{all, any, argmax, argmin, cumsum, max, mean, min, prod, std, sum, var};
pub use shape::{
    broadcast_to, concatenate, expand_dims, flatten, reshape, squeeze, stack, transpose,
    try_concatenate, try_stack,
};
pub use sort::{argsort, sort};

#[cfg(test)]
mod tests;
