//! `random_bits`: Threefry-2x32 bits from a u32[2] key, bit-compatible with
//! JAX under either setting of `jax_threefry_partitionable`.

use crate::{DType, Error, Result, Shape, Value};

/// The random bits of `shape` and `dtype` (U32, or I64 for 64-bit draws)
/// drawn with the u32[2] `key`, under the partitionable counter scheme or
/// the older one (see `threefry`).
pub(super) fn random_bits(
    key: &Value,
    shape: &Shape,
    dtype: DType,
    partitionable: bool,
) -> Result<Value> {
    let &[k0, k1] = key.as_slice::<u32>() else {
        return Err(Error::invalid(
            "random_bits",
            format!("key must be u32[2], got {}{}", key.dtype(), key.shape()),
        ));
    };
    let buf = if partitionable {
        crate::threefry::random_bits([k0, k1], shape, dtype)
    } else {
        crate::threefry::random_bits_original([k0, k1], shape, dtype)?
    };
    Ok(Value::new(shape.clone(), buf))
}
