//! Criterion benches of the workloads W1–W7, one group per workload.

fn main() {}
