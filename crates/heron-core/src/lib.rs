//! heron's user-facing core: `Array` (concrete or traced), `Variable` and its
//! kinds, collections of variables, the tracing context, `jit` with its cache,
//! control flow and random numbers.

pub mod array;
mod display;
pub mod trace;
pub mod variable;

pub use array::{Array, apply};
pub use heron_ir::{DType, Error, Result, Scalar, Shape};
pub use variable::{Parameter, TrainVar, VarId, VarKind, Variable};
