//! `random_bits`: Threefry-2x32 bits from a u32[2] key, bit-compatible with JAX.

use crate::{DType, Error, Result, Shape, Value};

/// The random bits of `shape` and `dtype` (U32, or I64 for 64-bit draws)
/// drawn with the u32[2] `key`.
pub(super) fn random_bits(key: &Value, shape: &Shape, dtype: DType) -> Result<Value> {
    match key.as_slice::<u32>() {
        &[k0, k1] => Ok(Value::new(
            shape.clone(),
            crate::threefry::random_bits([k0, k1], shape, dtype),
        )),
        _ => Err(Error::invalid(
            "random_bits",
            format!("key must be u32[2], got {}{}", key.dtype(), key.shape),
        )),
    }
}
