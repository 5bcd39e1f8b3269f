//! heron's intermediate representation: element types, shapes, the closed op
//! set, graphs (an arena of typed nodes), shape/dtype inference, the text
//! printer, `eval` (the reference interpreter) and the optimisation passes.
//!
//! This crate knows nothing of Cranelift, Variables or tracing: it is the
//! vocabulary the other crates share.

mod buffer;
pub mod control;
mod dtype;
mod error;
pub mod eval;
mod graph;
pub mod indexed;
pub mod infer;
mod matmul_dims;
mod op;
mod op_facts;
pub mod options;
pub mod passes;
pub mod plan;
pub mod precision;
mod print;
mod scalar;
pub mod schedule;
mod shape;
pub mod share;
pub mod sparse;
pub mod threefry;
pub mod verify;

pub use buffer::{Buffer, Value};
pub use control::Body;
pub use dtype::{DType, WeakKind};
pub use error::{Error, Result};
pub use eval::{eval, eval_op};
pub use graph::{Graph, Inputs, Node, NodeId, OutputRole, ParamRole};
pub use infer::infer;
pub use op::{
    ArgOp, Axes, AxisSlice, BinaryOp, ConstId, Op, ReduceOp, ScatterMode, SliceSpec, UnaryOp,
};
pub use options::CompileOptions;
pub use print::type_text;
pub use scalar::{Element, Scalar, ulps_f32, ulps_f64};
pub use shape::{Shape, normalize_axis};
