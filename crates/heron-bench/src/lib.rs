//! heron's benchmark workloads (W1–W7 of `BENCHMARKS.md`): inputs with fixed
//! seeds, the heron (jit and eager) versions, the references they are
//! measured against, result checks and the timing routine. The `heron bench`
//! command and the criterion benches both run these.
