//! Linear algebra: `matmul` and `dot` for 1-d, 2-d and batched operands
//! (NumPy's meaning: vector·vector is a 0-d result; the axes before the
//! last two are a batch, broadcast together), and `outer`. Operands promote
//! to one dtype first. f32 and f64 products run through the `gemm` crate,
//! eagerly and under `jit` alike.

use super::operand::{Operand, promote};
use crate::array::{Array, apply, or_panic};
use heron_ir::{Op, Result};

super::receiver::array_methods! {
    /// The matrix product with `other` (1-d, 2-d or batched operands).
    pub fn matmul(&self, other: impl Operand) -> Array {
        or_panic(self.try_matmul(other))
    }

    /// `matmul` returning an error instead of panicking.
    pub fn try_matmul(&self, other: impl Operand) -> Result<Array> {
        try_matmul(self, other)
    }

    /// NumPy's `dot`: `matmul` for 1-d, 2-d and batched operands, a product when one is 0-d.
    pub fn dot(&self, other: impl Operand) -> Array {
        or_panic(try_dot(self, other))
    }
}

/// The matrix product of `a` and `b` (1-d, 2-d or batched operands).
pub fn matmul(a: impl Operand, b: impl Operand) -> Array {
    or_panic(try_matmul(a, b))
}

/// `matmul` returning an error instead of panicking.
pub fn try_matmul(a: impl Operand, b: impl Operand) -> Result<Array> {
    let (a, b) = (a.into_operand(), b.into_operand());
    let xs = promote(&[&a, &b], None)?;
    apply(Op::MatMul, &[&xs[0], &xs[1]])
}

/// NumPy's `dot`: `matmul` for 1-d, 2-d and batched operands, a product when one is 0-d.
pub fn dot(a: impl Operand, b: impl Operand) -> Array {
    or_panic(try_dot(a, b))
}

/// `dot` returning an error instead of panicking.
pub fn try_dot(a: impl Operand, b: impl Operand) -> Result<Array> {
    let (a, b) = (a.into_operand().into_array(), b.into_operand().into_array());
    if a.ndim() == 0 || b.ndim() == 0 {
        return a.try_mul(&b);
    }
    try_matmul(&a, &b)
}

/// The outer product: `out[i, j] = a[i] * b[j]` over the flattened operands.
pub fn outer(a: impl Operand, b: impl Operand) -> Array {
    let (a, b) = (a.into_operand().into_array(), b.into_operand().into_array());
    let col = a.reshape(&[-1, 1]);
    let row = b.reshape(&[1, -1]);
    &col * &row
}
