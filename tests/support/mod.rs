//! Helpers shared by the integration tests.

use heron::{Array, DType};

/// The elements of `a` as raw bits, whatever its dtype, for exact
/// comparison (floats by their bit patterns, so NaNs and signed zeros count).
pub fn bits(a: &Array) -> Vec<u64> {
    match a.dtype() {
        DType::Bool => a.to_vec::<bool>().into_iter().map(u64::from).collect(),
        DType::I32 => a
            .to_vec::<i32>()
            .into_iter()
            .map(|x| x as u32 as u64)
            .collect(),
        DType::I64 => a.to_vec::<i64>().into_iter().map(|x| x as u64).collect(),
        DType::U32 => a.to_vec::<u32>().into_iter().map(u64::from).collect(),
        DType::F32 => a
            .to_vec::<f32>()
            .into_iter()
            .map(|x| u64::from(x.to_bits()))
            .collect(),
        DType::F64 => a.to_vec::<f64>().into_iter().map(f64::to_bits).collect(),
    }
}
