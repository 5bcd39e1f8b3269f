//! heron: a JIT tracing compiler for NumPy-like array code.
//!
//! Arrays follow NumPy's semantics, Variables hold mutable state, and `jit`
//! traces a closure into a graph that is compiled into fused native loops.
//! Everything public is reachable from `heron::*`; `use heron::prelude::*`
//! brings in the names most programs use.
//!
//! ```
//! use heron as hn;
//! use heron::prelude::*;
//!
//! let a = hn::array(&[[0, 1, 2], [3, 4, 5]]);
//! let b = (&a * 2 + 1).sum_axis(0);
//! assert_eq!(b.to_vec::<i32>(), vec![8, 12, 16]);
//! let x = hn::linspace(0.0, 1.0, 5);
//! assert_eq!(hn::exp(&x).dtype(), DType::F32);
//! assert_eq!(a.slice(s![.., -1]).to_vec::<i32>(), vec![2, 5]);
//! ```

pub use heron_core::*;

/// The compile cache on disk: `heron::cache::set_dir`, and the entries the
/// `heron cache` command reads.
pub use heron_core::disk_cache as cache;

/// heron's intermediate representation (dtypes, ops, graphs, the interpreter).
pub use heron_ir as ir;

/// The names most programs use: `use heron::prelude::*`.
pub mod prelude {
    pub use heron_core::s;
    pub use heron_core::{
        Array, Collector, DType, Module, Parameter, Shape, TrainVar, VarKind, Variable, jit,
    };
}
