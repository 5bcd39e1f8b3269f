//! Tests of `eval`, one file per op family. Expected values were computed
//! with NumPy and are written in `show`'s text form (`f32[2] [1.0, NaN]`),
//! so each case is one line of a table.

mod elementwise;
mod graph;
mod linalg;
mod movement;
mod properties;
mod reduce;
mod sort;

use crate::infer::infer;
use crate::{DType, Element, Op, Result, Shape, Value, eval_op};

/// A value of `shape` holding `data`.
pub(super) fn val<T: Element>(shape: &[usize], data: &[T]) -> Value {
    Value::from_slice(Shape::new(shape), data)
}

/// `op` applied to `inputs`, typed by `infer` as a graph node would be.
pub(super) fn run(op: &Op, inputs: &[&Value]) -> Result<Value> {
    let types: Vec<(&Shape, DType)> = inputs.iter().map(|v| (&v.shape, v.dtype())).collect();
    let (shape, dtype) = infer(op, &types)?;
    eval_op(op, inputs, &shape, dtype)
}

/// A value as text: dtype, shape and the elements in row-major order
/// (floats as Rust's `Debug` prints them, so `-0.0` and `NaN` show).
pub(super) fn show(v: &Value) -> String {
    let elems: Vec<String> = (0..v.buf.len()).map(|i| v.buf.get(i).to_string()).collect();
    format!("{}{} [{}]", v.dtype(), v.shape, elems.join(", "))
}

/// Runs every `(op, expected)` case on `inputs`, then fails listing every
/// case whose result differs.
pub(super) fn check_all(inputs: &[&Value], cases: &[(Op, &str)]) {
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(op, want)| {
            let got = match run(op, inputs) {
                Ok(v) => show(&v),
                Err(e) => format!("error: {e}"),
            };
            (got != *want).then(|| format!("{op}:\n   got {got}\n  want {want}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} case(s) differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Checks one op on one set of inputs.
pub(super) fn check(op: Op, inputs: &[&Value], want: &str) {
    check_all(inputs, &[(op, want)]);
}

/// The error message `op` gives on `inputs`.
pub(super) fn error(op: &Op, inputs: &[&Value]) -> String {
    match run(op, inputs) {
        Ok(v) => panic!("{op} succeeded with {}", show(&v)),
        Err(e) => e.to_string(),
    }
}
