//! `Csr`: a static sparse matrix (compressed sparse rows, `f32` weights)
//! and its products with arrays: `matvec` (`A·x`), `vecmat` (`xᵀ·A`, pre
//! activity to post input) and `event_vecmat` (`sᵀ·A` for a bool spike
//! vector, visiting only the spiking rows). The matrix is data of the graph
//! (`heron_ir::sparse::CsrMatrix`, shared through an `Arc`): inside `jit`
//! the products compile to native steps that read it in place, and a cache
//! entry holds the same matrix, never a copy.
//!
//! Connectivity builders are in `crate::conn`.

#[cfg(test)]
mod tests;

use crate::array::{Array, Repr, apply, or_panic};
use heron_ir::sparse::{CsrMatrix, Weights};
use heron_ir::{DType, Error, Op, Result};

/// A sparse `f32` matrix in compressed sparse row form, rows = pre-synaptic
/// neurons, columns = post-synaptic ones. Immutable; cheap to clone (the
/// structure is shared); `Send + Sync`.
#[derive(Clone)]
pub struct Csr {
    mat: CsrMatrix,
    /// The matrix's row pointers as an array (the same buffer).
    indptr: Array,
    /// The matrix's column indices as an array (the same buffer).
    indices: Array,
}

/// The concrete value of `a`, or an error naming `what` when `a` is traced.
fn concrete<'a>(a: &'a Array, what: &str) -> Result<&'a heron_ir::Value> {
    match &a.repr {
        Repr::Concrete(v) => Ok(v),
        Repr::Traced(_) => Err(Error::invalid(
            "csr",
            format!(
                "{what} must be a concrete array (a sparse matrix is static data), got a traced one"
            ),
        )),
    }
}

impl Csr {
    /// A matrix from its row pointers (`i32[n_rows + 1]`), column indices
    /// (`i32[nnz]`) and column count; every stored weight is 1.0. Panics on
    /// a bad structure (see [`Csr::try_new`]).
    pub fn new(indptr: Array, indices: Array, n_cols: usize) -> Csr {
        or_panic(Csr::try_new(indptr, indices, n_cols))
    }

    /// [`Csr::new`] returning an error for a bad structure: arrays that are
    /// not 1-d i32 or are traced, an `indptr` that is empty, does not start
    /// at 0, decreases or does not end at `nnz`, an index outside
    /// `0..n_cols`.
    pub fn try_new(indptr: Array, indices: Array, n_cols: usize) -> Result<Csr> {
        let p = concrete(&indptr, "indptr")?.clone();
        let i = concrete(&indices, "indices")?.clone();
        Ok(Csr::from_matrix(CsrMatrix::new(
            p,
            i,
            n_cols,
            Weights::Uniform(1.0),
        )?))
    }

    /// Wraps a checked matrix.
    pub fn from_matrix(mat: CsrMatrix) -> Csr {
        Csr {
            indptr: Array::from_value(mat.indptr_value().clone()),
            indices: Array::from_value(mat.indices_value().clone()),
            mat,
        }
    }

    /// The same structure with every stored weight `w`.
    pub fn with_weight(self, w: f32) -> Csr {
        or_panic(
            self.mat
                .with_weights(Weights::Uniform(w))
                .map(Csr::from_matrix),
        )
    }

    /// The same structure with one weight per stored entry (`[nnz]`, cast to
    /// f32). Panics when the length is not `nnz` or the array is traced.
    pub fn with_weights(self, w: Array) -> Csr {
        or_panic(self.try_with_weights(w))
    }

    /// [`Csr::with_weights`] returning an error instead of panicking.
    pub fn try_with_weights(self, w: Array) -> Result<Csr> {
        let w = if w.dtype() == DType::F32 {
            w
        } else {
            w.try_astype(DType::F32)?
        };
        let w = concrete(&w, "weights")?.clone();
        Ok(Csr::from_matrix(
            self.mat.with_weights(Weights::PerEntry(w))?,
        ))
    }

    /// The matrices side by side, `[A | B | …]`: the same rows, the columns
    /// of each part after those of the parts before it (two projections
    /// from one population to two others become one). Weights are kept: a
    /// uniform weight shared by every part stays uniform, other weights
    /// become per entry. Panics when the row counts differ.
    pub fn hstack(parts: &[&Csr]) -> Csr {
        or_panic(Csr::try_hstack(parts))
    }

    /// [`Csr::hstack`] returning an error instead of panicking.
    pub fn try_hstack(parts: &[&Csr]) -> Result<Csr> {
        let Some(first) = parts.first() else {
            return Err(Error::invalid("csr hstack", "needs at least one matrix"));
        };
        let rows = first.shape()[0];
        if let Some(p) = parts.iter().find(|p| p.shape()[0] != rows) {
            return Err(Error::invalid(
                "csr hstack",
                format!("row counts differ: {rows} and {}", p.shape()[0]),
            ));
        }
        let nnz: usize = parts.iter().map(|p| p.nnz()).sum();
        let n_cols: usize = parts.iter().map(|p| p.shape()[1]).sum();
        let uniform = first.weight().filter(|w| {
            parts
                .iter()
                .all(|p| p.weight().map(f32::to_bits) == Some(w.to_bits()))
        });
        let mut indptr = Vec::with_capacity(rows + 1);
        let mut indices = Vec::with_capacity(nnz);
        let mut weights = Vec::with_capacity(if uniform.is_some() { 0 } else { nnz });
        indptr.push(0i32);
        for r in 0..rows {
            let mut offset = 0;
            for p in parts {
                let m = &p.mat;
                let k = m.indptr()[r] as usize..m.indptr()[r + 1] as usize;
                indices.extend(m.indices()[k.clone()].iter().map(|&c| c + offset as i32));
                if uniform.is_none() {
                    weights.extend(k.map(|k| m.weight(k)));
                }
                offset += m.n_cols();
            }
            if indices.len() > i32::MAX as usize {
                return Err(Error::invalid(
                    "csr hstack",
                    "too many entries for i32 row pointers",
                ));
            }
            indptr.push(indices.len() as i32);
        }
        let v = |x: &[i32]| heron_ir::Value::from_slice(heron_ir::Shape::new(&[x.len()]), x);
        let w = match uniform {
            Some(w) => Weights::Uniform(w),
            None => Weights::PerEntry(heron_ir::Value::from_slice(
                heron_ir::Shape::new(&[nnz]),
                &weights,
            )),
        };
        Ok(Csr::from_matrix(CsrMatrix::new(
            v(&indptr),
            v(&indices),
            n_cols,
            w,
        )?))
    }

    /// `[n_rows, n_cols]`.
    pub fn shape(&self) -> [usize; 2] {
        [self.mat.n_rows(), self.mat.n_cols()]
    }

    /// The number of stored entries.
    pub fn nnz(&self) -> usize {
        self.mat.nnz()
    }

    /// The row pointers, `i32[n_rows + 1]` (shares the matrix's memory).
    pub fn indptr(&self) -> &Array {
        &self.indptr
    }

    /// The column indices, `i32[nnz]` (shares the matrix's memory).
    pub fn indices(&self) -> &Array {
        &self.indices
    }

    /// The per-entry weights (`f32[nnz]`), or `None` for a uniform weight.
    pub fn weights(&self) -> Option<Array> {
        match self.mat.weights() {
            Weights::PerEntry(w) => Some(Array::from_value(w.clone())),
            Weights::Uniform(_) => None,
        }
    }

    /// The uniform weight, or `None` for per-entry weights.
    pub fn weight(&self) -> Option<f32> {
        match self.mat.weights() {
            Weights::Uniform(w) => Some(*w),
            Weights::PerEntry(_) => None,
        }
    }

    /// The matrix as the IR holds it.
    pub fn matrix(&self) -> &CsrMatrix {
        &self.mat
    }

    /// The dense `f32[n_rows, n_cols]` matrix (duplicate entries add up).
    pub fn to_dense(&self) -> Array {
        Array::from_vec(self.mat.to_dense(), &self.shape())
    }

    /// `A·x`: `x` of shape `[n_cols]` (cast to f32) gives `f32[n_rows]`.
    /// Panics on a mismatched operand.
    pub fn matvec(&self, x: &Array) -> Array {
        or_panic(self.try_matvec(x))
    }

    /// [`Csr::matvec`] returning an error instead of panicking.
    pub fn try_matvec(&self, x: &Array) -> Result<Array> {
        apply(Op::CsrMatVec(self.mat.clone()), &[&as_f32(x)?])
    }

    /// `xᵀ·A`: `x` of shape `[n_rows]` (cast to f32) gives `f32[n_cols]`,
    /// the input each post-synaptic neuron receives from pre activity `x`.
    pub fn vecmat(&self, x: &Array) -> Array {
        or_panic(self.try_vecmat(x))
    }

    /// [`Csr::vecmat`] returning an error instead of panicking.
    pub fn try_vecmat(&self, x: &Array) -> Result<Array> {
        apply(Op::CsrVecMat(self.mat.clone()), &[&as_f32(x)?])
    }

    /// `sᵀ·A` for spikes `s` of shape `[n_rows]` (bool; other dtypes count
    /// as spiking where non-zero): the sum of the rows of the spiking
    /// neurons, `f32[n_cols]`. Work is proportional to the spikes' entries.
    pub fn event_vecmat(&self, s: &Array) -> Array {
        or_panic(self.try_event_vecmat(s))
    }

    /// [`Csr::event_vecmat`] returning an error instead of panicking.
    pub fn try_event_vecmat(&self, s: &Array) -> Result<Array> {
        let s = if s.dtype() == DType::Bool {
            s.clone()
        } else {
            s.try_astype(DType::Bool)?
        };
        apply(Op::CsrEventVecMat(self.mat.clone()), &[&s])
    }
}

/// `x` as f32 (a cast when it has another dtype).
fn as_f32(x: &Array) -> Result<Array> {
    if x.dtype() == DType::F32 {
        Ok(x.clone())
    } else {
        x.try_astype(DType::F32)
    }
}

impl std::fmt::Debug for Csr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Csr({})", self.mat)
    }
}
