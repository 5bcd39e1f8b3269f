//! Helpers heron's integration tests share, so each lives once: the guard
//! that serialises tests switching the process-wide Threefry scheme, readers
//! of the golden JSON fixtures, and bit views of arrays for exact
//! comparison. A dev-dependency only.

pub mod golden;
pub mod scheme;

use heron::Array;

/// The elements of an f32 array as their bit patterns (NaNs and signed
/// zeros compare exactly).
pub fn f32_bits(a: &Array) -> Vec<u32> {
    a.to_vec::<f32>().into_iter().map(f32::to_bits).collect()
}
