//! The neuron models the simulation workloads run: each one's parameters
//! and scalar step, written once for the workloads (`workloads::w2`,
//! `workloads::w3`) and the SIMD ceilings (`ceiling::lif`, `ceiling::hh`)
//! that must compute the same operations in the same order.

pub mod hh;
pub mod lif;
