//! Readers of the golden JSON fixtures (written by the Python scripts beside
//! them): a fixture is parsed once, and its lists read as typed vectors. A
//! malformed fixture is a broken test, so every reader panics with what it
//! expected.

pub use serde_json::Value as Json;

/// Parses a fixture's text (`include_str!` of the JSON file); `name` names
/// it in the panic message.
pub fn parse(name: &str, text: &str) -> Json {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{name} does not parse: {e}"))
}

/// A JSON list.
pub fn list(j: &Json) -> &[Json] {
    j.as_array().expect("a list")
}

/// A list of unsigned integers.
pub fn u64s(j: &Json) -> Vec<u64> {
    list(j)
        .iter()
        .map(|x| x.as_u64().expect("an unsigned integer"))
        .collect()
}

/// A list of 32-bit words.
pub fn u32s(j: &Json) -> Vec<u32> {
    u64s(j).into_iter().map(|x| x as u32).collect()
}

/// A list of 32-bit signed integers.
pub fn i32s(j: &Json) -> Vec<i32> {
    list(j)
        .iter()
        .map(|x| x.as_i64().expect("an integer") as i32)
        .collect()
}

/// A list of numbers.
pub fn f64s(j: &Json) -> Vec<f64> {
    list(j)
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect()
}

/// A shape.
pub fn dims(j: &Json) -> Vec<usize> {
    u64s(j).into_iter().map(|x| x as usize).collect()
}

/// A Threefry key: a list of two words.
pub fn key_of(j: &Json) -> [u32; 2] {
    let w = u32s(j);
    [w[0], w[1]]
}

/// A list of keys, flattened.
pub fn keys_flat(j: &Json) -> Vec<u32> {
    list(j).iter().flat_map(key_of).collect()
}
