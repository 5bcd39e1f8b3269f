//! The old path of the scheduler's entry points: scheduling lives in
//! `crate::schedule`, one file per step; these names stay for callers that
//! reach it as `passes::fuse`.

pub use crate::schedule::{fuse, fuse_loop_body, reshape_blocks, schedule, schedule_loop_body};
