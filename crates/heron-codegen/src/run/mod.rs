//! Run time: what an `Executable` is and how it runs a plan over raw
//! buffers (kernel launches, row groups, control steps and their native
//! drivers' frames, the native host steps, the runtime helper table).

pub(crate) mod code;
pub(crate) mod control;
pub(crate) mod executable;
pub(crate) mod frame;
pub(crate) mod gather;
pub(crate) mod helpers;
pub(crate) mod host;
pub(crate) mod layout;
pub(crate) mod parallel;
pub mod profile;
pub(crate) mod region;
pub(crate) mod row_blocks;
pub(crate) mod sparse_step;
pub(crate) mod steps;
