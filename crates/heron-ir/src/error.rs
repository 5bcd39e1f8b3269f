//! heron's one error type, shared by every layer (re-exported as `heron::Error`).

use crate::{DType, Shape};

/// Everything that can go wrong in heron, with the operation and the shapes
/// or dtypes involved.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Two shapes that NumPy broadcasting cannot combine.
    #[error("{op}: cannot broadcast {lhs} with {rhs}")]
    Broadcast {
        /// The operation.
        op: String,
        /// Left operand's shape.
        lhs: Shape,
        /// Right operand's shape.
        rhs: Shape,
    },
    /// An operand whose dtype the operation does not accept.
    #[error("{op}: unsupported dtype {dtype}")]
    DType {
        /// The operation.
        op: String,
        /// The offending dtype.
        dtype: DType,
    },
    /// Operands that do not fit the operation (shapes, axes, indices, sizes).
    #[error("{op}: {msg}")]
    Invalid {
        /// The operation.
        op: String,
        /// What is wrong, naming shapes and values.
        msg: String,
    },
    /// A Variable used wrongly (a `set` that changes shape or dtype, ...).
    #[error("variable: {0}")]
    Variable(String),
    /// A failure while tracing a function for `jit`.
    #[error("trace: {0}")]
    Trace(String),
    /// A failure while compiling a graph to native code.
    #[error("compile: {0}")]
    Compile(String),
    /// A failure of the compile cache on disk.
    #[error("cache: {0}")]
    Cache(String),
}

impl Error {
    /// An `Invalid` error for `op`.
    pub fn invalid(op: impl Into<String>, msg: impl Into<String>) -> Error {
        Error::Invalid {
            op: op.into(),
            msg: msg.into(),
        }
    }

    /// A `DType` error for `op`.
    pub fn dtype(op: impl Into<String>, dtype: DType) -> Error {
        Error::DType {
            op: op.into(),
            dtype,
        }
    }
}

/// `Result` with heron's `Error`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
