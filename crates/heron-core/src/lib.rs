//! heron's user-facing core: `Array` (concrete or traced), `Variable` and its
//! kinds, collections of variables, the tracing context, `jit` with its cache,
//! control flow and random numbers.

pub mod array;
pub mod conn;
pub mod control;
pub mod creation;
pub mod disk_cache;
mod display;
pub mod grad;
pub mod jit;
pub mod module;
pub mod monitor;
pub mod ops;
pub mod optim;
pub mod profile;
pub mod random;
pub mod sparse;
pub mod surrogate;
pub mod trace;
pub mod variable;

pub use array::{Array, apply};
pub use control::{
    ForOperands, LoopBound, cond, for_loop, fori_loop, try_cond, try_for_loop, try_fori_loop,
    try_while_loop, while_loop,
};
pub use control::{set_temporal_fusion, temporal_fusion};
pub use creation::{
    ArrayData, arange, arange_i, array, eye, full, full_like, linspace, ones, ones_like, scalar,
    try_arange, try_array, try_full, try_ones, try_zeros, zeros, zeros_like,
};
pub use grad::{grad, grad_vars, stop_gradient, value_and_grad, value_and_grad_vars};
pub use heron_ir::{CompileOptions, DType, Error, Result, Scalar, Shape};
pub use jit::{
    Backend, CacheStats, Compiled, DEFAULT_CACHE_CAPACITY, Jit, JitOptions, Lowered, backend, jit,
    jit_named, jit_with, jit_with_options, use_backend,
};
pub use module::{Collector, Module};
pub use ops::*;
pub use variable::{Parameter, TrainVar, VarId, VarKind, Variable};
