//! Static sparse matrices in CSR form (`CsrMatrix`), held by the sparse
//! product ops (`Op::CsrMatVec`, `Op::CsrVecMat`, `Op::CsrEventVecMat`)
//! as data of the graph, and the typed routines that define those ops.
//!
//! A matrix is shared through an `Arc`: cloning an op, a graph or a cache
//! entry never copies it. Equality is by content (a pointer comparison
//! first), and hashing uses a content fingerprint computed once, when the
//! matrix is built, so two graphs holding equal matrices compare and hash
//! equal, as graphs holding equal constants do.
//!
//! The products are defined in `kernels.rs` with a fixed summation order
//! (entries of a row in storage order for `matvec`; rows in ascending order
//! into each output element for `vecmat` and `event_vecmat`), so the
//! interpreter and compiled code give the same bits.

pub mod kernels;

use crate::{Buffer, DType, Error, Op, Result, Shape, Value};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// The weights of a CSR matrix's stored entries.
#[derive(Clone, Debug)]
pub enum Weights {
    /// Every stored entry has this weight.
    Uniform(f32),
    /// One weight per stored entry, in storage order (an `f32[nnz]` value,
    /// shared, not copied).
    PerEntry(Value),
}

/// A sparse `f32` matrix in compressed sparse row form: row `r` stores the
/// entries `indptr[r]..indptr[r + 1]`, at columns `indices[k]` with weights
/// `weights[k]` (or the uniform weight). Immutable and shared (`Arc`).
#[derive(Clone)]
pub struct CsrMatrix(Arc<CsrData>);

struct CsrData {
    n_rows: usize,
    n_cols: usize,
    /// `i32[n_rows + 1]`.
    indptr: Value,
    /// `i32[nnz]`.
    indices: Value,
    weights: Weights,
    /// True when the columns of every row are strictly increasing.
    sorted: bool,
    /// A 64-bit fingerprint of the content, for `Hash` and printing.
    fingerprint: u64,
    /// The fingerprint's state after the structure, before the weights.
    structure: u64,
}

impl CsrMatrix {
    /// Checks and wraps a CSR structure (1-d `i32` values, shared, not
    /// copied; `PerEntry` weights a 1-d `f32` value): `indptr` has `n_rows + 1` entries,
    /// starts at 0, never decreases and ends at `indices.len()`; every
    /// index is in `0..n_cols`; `PerEntry` weights have one per index; the
    /// number of stored entries fits an i32. The error names `csr` and what
    /// is wrong.
    pub fn new(
        indptr: Value,
        indices: Value,
        n_cols: usize,
        weights: Weights,
    ) -> Result<CsrMatrix> {
        let bad = |msg: String| Err(Error::invalid("csr", msg));
        for (name, v, want) in [
            ("indptr", &indptr, DType::I32),
            ("indices", &indices, DType::I32),
        ]
        .into_iter()
        .chain(match &weights {
            Weights::PerEntry(w) => Some(("weights", w, DType::F32)),
            Weights::Uniform(_) => None,
        }) {
            if v.dtype() != want || v.shape().rank() != 1 {
                return bad(format!(
                    "{name} must be a 1-d {want} array, got {}",
                    crate::type_text(v.shape(), v.dtype())
                ));
            }
        }
        let (p, idx) = (indptr.as_slice::<i32>(), indices.as_slice::<i32>());
        if p.is_empty() {
            return bad("indptr must have n_rows + 1 entries, got an empty array".into());
        }
        if n_cols > i32::MAX as usize {
            return bad(format!("n_cols {n_cols} does not fit an i32 index"));
        }
        if p[0] != 0 {
            return bad(format!("indptr must start at 0, starts at {}", p[0]));
        }
        if let Some(r) = p.windows(2).position(|w| w[1] < w[0]) {
            return bad(format!(
                "indptr decreases at row {r}: {} then {}",
                p[r],
                p[r + 1]
            ));
        }
        let last = *p.last().expect("checked non-empty");
        if last as usize != idx.len() {
            return bad(format!(
                "indptr ends at {last} but there are {} indices",
                idx.len()
            ));
        }
        if let Some(k) = idx.iter().position(|&c| c < 0 || c as usize >= n_cols) {
            return bad(format!(
                "index {} at entry {k} is out of range for {n_cols} columns",
                idx[k]
            ));
        }
        if let Weights::PerEntry(w) = &weights
            && w.shape().size() != idx.len()
        {
            return bad(format!(
                "{} weights for {} stored entries",
                w.shape().size(),
                idx.len()
            ));
        }
        let n_rows = p.len() - 1;
        let sorted = p.windows(2).all(|w| {
            idx[w[0] as usize..w[1] as usize]
                .windows(2)
                .all(|q| q[0] < q[1])
        });
        let structure = structure_hash(n_rows, n_cols, p, idx);
        Ok(CsrMatrix(Arc::new(CsrData {
            n_rows,
            n_cols,
            indptr,
            indices,
            fingerprint: fingerprint(structure, &weights),
            weights,
            sorted,
            structure,
        })))
    }

    /// The same structure with other weights (checked as in `new`; the
    /// structure, already checked, is shared and not checked again).
    pub fn with_weights(&self, weights: Weights) -> Result<CsrMatrix> {
        let d = &self.0;
        if let Weights::PerEntry(w) = &weights {
            if w.dtype() != DType::F32 || w.shape().rank() != 1 {
                return Err(Error::invalid(
                    "csr",
                    format!(
                        "weights must be a 1-d f32 array, got {}",
                        crate::type_text(w.shape(), w.dtype())
                    ),
                ));
            }
            if w.shape().size() != self.nnz() {
                return Err(Error::invalid(
                    "csr",
                    format!(
                        "{} weights for {} stored entries",
                        w.shape().size(),
                        self.nnz()
                    ),
                ));
            }
        }
        Ok(CsrMatrix(Arc::new(CsrData {
            n_rows: d.n_rows,
            n_cols: d.n_cols,
            indptr: d.indptr.clone(),
            indices: d.indices.clone(),
            fingerprint: fingerprint(d.structure, &weights),
            weights,
            sorted: d.sorted,
            structure: d.structure,
        })))
    }

    /// Rows.
    pub fn n_rows(&self) -> usize {
        self.0.n_rows
    }

    /// Columns.
    pub fn n_cols(&self) -> usize {
        self.0.n_cols
    }

    /// Stored entries.
    pub fn nnz(&self) -> usize {
        self.indices().len()
    }

    /// Row pointers (`n_rows + 1` entries).
    pub fn indptr(&self) -> &[i32] {
        self.0.indptr.as_slice()
    }

    /// Column of each stored entry.
    pub fn indices(&self) -> &[i32] {
        self.0.indices.as_slice()
    }

    /// The row pointers as a value (`i32[n_rows + 1]`, shared).
    pub fn indptr_value(&self) -> &Value {
        &self.0.indptr
    }

    /// The column indices as a value (`i32[nnz]`, shared).
    pub fn indices_value(&self) -> &Value {
        &self.0.indices
    }

    /// The weights.
    pub fn weights(&self) -> &Weights {
        &self.0.weights
    }

    /// True when the columns of every row are strictly increasing (what
    /// `conn` builds), which lets products split the columns between
    /// threads.
    pub fn rows_sorted(&self) -> bool {
        self.0.sorted
    }

    /// The content fingerprint (64 bits; equal matrices have equal ones).
    pub fn fingerprint(&self) -> u64 {
        self.0.fingerprint
    }

    /// True when both handles share one matrix.
    pub fn ptr_eq(&self, other: &CsrMatrix) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// Feeds the whole content (shape, structure, weights) to `f` as byte
    /// slices, for keys that must not rely on a 64-bit fingerprint (the
    /// disk cache's).
    pub fn content_bytes(&self, f: &mut dyn FnMut(&[u8])) {
        let d = &self.0;
        f(&(d.n_rows as u64).to_le_bytes());
        f(&(d.n_cols as u64).to_le_bytes());
        f(&(self.nnz() as u64).to_le_bytes());
        f(d.indptr.buf().bytes());
        f(d.indices.buf().bytes());
        match &d.weights {
            Weights::Uniform(w) => {
                f(b"uniform");
                f(&w.to_bits().to_le_bytes());
            }
            Weights::PerEntry(w) => {
                f(b"per-entry");
                f(w.buf().bytes());
            }
        }
    }

    /// The `f32` dense matrix, row-major (duplicate entries add up).
    pub fn to_dense(&self) -> Vec<f32> {
        let d = &self.0;
        let (p, idx) = (self.indptr(), self.indices());
        let mut out = vec![0.0f32; d.n_rows * d.n_cols];
        for r in 0..d.n_rows {
            for k in p[r] as usize..p[r + 1] as usize {
                out[r * d.n_cols + idx[k] as usize] += self.weight(k);
            }
        }
        out
    }

    /// The weight of stored entry `k`.
    pub fn weight(&self, k: usize) -> f32 {
        match &self.0.weights {
            Weights::Uniform(w) => *w,
            Weights::PerEntry(w) => w.as_slice::<f32>()[k],
        }
    }
}

/// `eval`'s rule for the sparse product ops (operands checked by `infer`).
pub(crate) fn eval(op: &Op, x: &Value, shape: &Shape) -> Value {
    let mut buf = Buffer::zeroed(DType::F32, shape.size());
    let y = buf.as_mut_slice::<f32>();
    match op {
        Op::CsrMatVec(m) => kernels::matvec(m, x.as_slice(), y),
        Op::CsrVecMat(m) => kernels::vecmat(m, x.as_slice(), y),
        Op::CsrEventVecMat(m) => kernels::event_vecmat(m, x.as_slice(), y),
        _ => unreachable!("not a sparse op: {op}"),
    }
    Value::new(shape.clone(), buf)
}

const K: u64 = 0x9E37_79B9_7F4A_7C15;

/// One step of the fingerprint: a multiply-rotate mix of word `w` into `h`.
fn mix(h: u64, w: u64) -> u64 {
    (h ^ w).wrapping_mul(K).rotate_left(29)
}

/// The fingerprint's state after the shape and structure.
fn structure_hash(n_rows: usize, n_cols: usize, indptr: &[i32], indices: &[i32]) -> u64 {
    let mut h = mix(mix(0x6373_7200, n_rows as u64), n_cols as u64);
    for &p in indptr {
        h = mix(h, p as u32 as u64);
    }
    for &c in indices {
        h = mix(h, c as u32 as u64);
    }
    h
}

/// A 64-bit content hash (a multiply-rotate mix per word; not
/// cryptographic: equality is decided by content): the structure's state
/// `h` followed by the weights.
fn fingerprint(mut h: u64, weights: &Weights) -> u64 {
    match weights {
        Weights::Uniform(w) => h = mix(mix(h, 1), w.to_bits() as u64),
        Weights::PerEntry(ws) => {
            h = mix(h, 2);
            for w in ws.as_slice::<f32>() {
                h = mix(h, w.to_bits() as u64);
            }
        }
    }
    h ^ (h >> 31)
}

impl PartialEq for CsrMatrix {
    fn eq(&self, other: &CsrMatrix) -> bool {
        if self.ptr_eq(other) {
            return true;
        }
        let (a, b) = (&self.0, &other.0);
        a.n_rows == b.n_rows
            && a.n_cols == b.n_cols
            && self.fingerprint() == other.fingerprint()
            && self.indptr() == other.indptr()
            && self.indices() == other.indices()
            && match (&a.weights, &b.weights) {
                (Weights::Uniform(x), Weights::Uniform(y)) => x.to_bits() == y.to_bits(),
                (Weights::PerEntry(x), Weights::PerEntry(y)) => x.buf().bytes() == y.buf().bytes(),
                _ => false,
            }
    }
}

impl Eq for CsrMatrix {}

impl Hash for CsrMatrix {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.fingerprint().hash(state);
    }
}

impl fmt::Debug for CsrMatrix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for CsrMatrix {
    /// `shape=(4,5),nnz=7,weight=0.6,id=00ab…` as printed in graph text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.0;
        write!(f, "shape=({},{}),nnz={}", d.n_rows, d.n_cols, self.nnz())?;
        match &d.weights {
            Weights::Uniform(w) => write!(f, ",weight={w}")?,
            Weights::PerEntry(_) => f.write_str(",weights")?,
        }
        write!(f, ",id={:016x}", self.fingerprint())
    }
}

#[cfg(test)]
mod tests;
