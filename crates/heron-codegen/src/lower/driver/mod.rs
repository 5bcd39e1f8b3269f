//! Cranelift code of the native loop drivers: one function per control step
//! runs the whole construct (the loop counter, the predicate and its test,
//! the calls of the sub-graphs' kernels, the pointer bumps of sliced
//! operands and stacked results, the swap of double-buffered carried state)
//! and, for a loop that temporal fusion applies to, a second function runs
//! every step on one chunk of elements before moving to the next, after a
//! third one (the prologue) has run the body's uniform steps (the key chain
//! of random draws) for every step, recording what the chunk loop reads.
//!
//! Both have the kernel signature `fn(frame, start, end)`. `frame` is a table
//! of 64-bit words laid out by [`Layout`] and filled once per run by
//! `run/frame.rs`: the step's buffers, every sub-graph's buffer slots and
//! kernel argument tables, the kernels' entry points, and a callback (with
//! its context) for the steps that are not native kernels (host steps,
//! copies, nested control steps). Generated code reaches all of them through
//! the frame, never through an absolute address. A callback that fails
//! returns non-zero, and the driver returns at once.

mod build;
mod builder;
mod step;
mod temporal;

pub(crate) use crate::run::layout::{Layout, n_carry};
pub(crate) use build::build_drivers;
pub(crate) use builder::DriverSpec;
pub(crate) use step::build_step_driver;
pub(crate) use temporal::{build_prologue, build_temporal_driver};
