//! The shape rule of `matmul` (NumPy's `matmul`/`dot`): 1-d, 2-d and
//! batched operands, the leading axes broadcast. `infer` checks a node with
//! it; the products themselves (`eval/product.rs`: integers wrapping, bools
//! the logical or of ands) and the native steps read the `MatMulDims` it
//! gives.

use crate::{Error, Result, Shape};
use smallvec::SmallVec;

/// The shape of a matrix product: the broadcast leading (batch) axes, and
/// `m × k` times `k × n` per batch element. A 1-d left operand is one row
/// (`m = 1`, its axis dropped from the result), a 1-d right operand one
/// column (`n = 1`, likewise).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatMulDims {
    /// The broadcast batch axes.
    pub batch: Shape,
    /// Rows of the left operand.
    pub m: usize,
    /// The contracted extent.
    pub k: usize,
    /// Columns of the right operand.
    pub n: usize,
    /// The left operand is 1-d.
    pub a_vec: bool,
    /// The right operand is 1-d.
    pub b_vec: bool,
    /// The left operand's batch axes (its shape without the last two axes).
    pub a_batch: Shape,
    /// The right operand's batch axes.
    pub b_batch: Shape,
}

impl MatMulDims {
    /// The result's shape: `batch + [m] + [n]`, without the axes of 1-d operands.
    pub fn result_shape(&self) -> Shape {
        let mut dims: Vec<usize> = self.batch.to_vec();
        if !self.a_vec {
            dims.push(self.m);
        }
        if !self.b_vec {
            dims.push(self.n);
        }
        dims.into()
    }

    /// The number of products (the batch's size).
    pub fn batches(&self) -> usize {
        self.batch.size()
    }

    /// Element strides of the left operand's batch axes over `batch` (0 for
    /// a broadcast axis), when it is stored contiguously.
    pub fn a_batch_strides(&self) -> SmallVec<[usize; 4]> {
        batch_strides(&self.a_batch, self.m * self.k, &self.batch)
    }

    /// Element strides of the right operand's batch axes over `batch`.
    pub fn b_batch_strides(&self) -> SmallVec<[usize; 4]> {
        batch_strides(&self.b_batch, self.k * self.n, &self.batch)
    }
}

/// Strides of a contiguous stack of matrices of `matrix` elements each,
/// stacked as `own`, read while iterating over `batch` (broadcast axes 0).
fn batch_strides(own: &Shape, matrix: usize, batch: &Shape) -> SmallVec<[usize; 4]> {
    own.broadcast_strides(batch)
        .iter()
        .map(|&s| s as usize * matrix)
        .collect()
}

/// The shape of `a @ b`, or an error naming `matmul` when the operands are
/// 0-d, their inner extents differ or their batch axes do not broadcast.
pub fn matmul_dims(a: &Shape, b: &Shape) -> Result<MatMulDims> {
    if a.rank() == 0 || b.rank() == 0 {
        return Err(Error::invalid(
            "matmul",
            format!("operands must be at least 1-d, got {a} and {b} (use dot or *)"),
        ));
    }
    let mismatch = || Error::invalid("matmul", format!("shapes {a} and {b} are not aligned"));
    let (a_vec, b_vec) = (a.rank() == 1, b.rank() == 1);
    let (m, ka) = if a_vec {
        (1, a[0])
    } else {
        (a[a.rank() - 2], a[a.rank() - 1])
    };
    let (kb, n) = if b_vec {
        (b[0], 1)
    } else {
        (b[b.rank() - 2], b[b.rank() - 1])
    };
    if ka != kb {
        return Err(mismatch());
    }
    let a_batch: Shape = a[..a.rank().saturating_sub(2)].to_vec().into();
    let b_batch: Shape = b[..b.rank().saturating_sub(2)].to_vec().into();
    let batch = Shape::broadcast(&a_batch, &b_batch).ok_or_else(|| {
        Error::invalid(
            "matmul",
            format!("batch axes of {a} and {b} do not broadcast"),
        )
    })?;
    Ok(MatMulDims {
        batch,
        m,
        k: ka,
        n,
        a_vec,
        b_vec,
        a_batch,
        b_batch,
    })
}
