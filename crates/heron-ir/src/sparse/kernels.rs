//! The sparse products on typed slices: the definition `eval` uses and the
//! routines compiled code calls (on whole outputs, or on a range of output
//! rows or columns per thread). Every output element is summed in one fixed
//! order, whatever range it is computed in, so a split computation gives the
//! bits of the whole one:
//!
//! - `matvec`: `y[r] = Σ w[k]·x[indices[k]]` over the row's entries in
//!   storage order, from `0.0`;
//! - `vecmat`: `y[c] = Σ x[r]·w[k]` over the entries in column `c`, rows in
//!   ascending order, from `0.0` (the order of a dense `x @ A`);
//! - `event_vecmat`: `y[c] = Σ w[k]` over the entries in column `c` of the
//!   rows `r` with `s[r]`, rows in ascending order, from `0.0`.

use super::{CsrMatrix, Weights};
use std::ops::Range;

/// The entries of row `r` as a storage range.
fn row(m: &CsrMatrix, r: usize) -> Range<usize> {
    let p = m.indptr();
    p[r] as usize..p[r + 1] as usize
}

/// The entries of row `r` whose column is in `cols` (rows sorted), or all of
/// the row's entries when `cols` covers every column.
fn row_in(m: &CsrMatrix, r: usize, cols: &Range<usize>) -> Range<usize> {
    let k = row(m, r);
    if cols.start == 0 && cols.end >= m.n_cols() {
        return k;
    }
    let idx = &m.indices()[k.clone()];
    let lo = idx.partition_point(|&c| (c as usize) < cols.start);
    let hi = idx.partition_point(|&c| (c as usize) < cols.end);
    k.start + lo..k.start + hi
}

/// `y = A·x` for the rows in `rows`: `y[i]` is row `rows.start + i`.
/// `x` has `n_cols` elements, `y` `rows.len()`.
pub fn matvec_rows(m: &CsrMatrix, x: &[f32], rows: Range<usize>, y: &mut [f32]) {
    assert_eq!(x.len(), m.n_cols(), "csr_matvec: operand length");
    assert_eq!(y.len(), rows.len(), "csr_matvec: result length");
    let idx = m.indices();
    for (out, r) in y.iter_mut().zip(rows) {
        let mut acc = 0.0f32;
        match m.weights() {
            Weights::Uniform(w) => {
                for k in row(m, r) {
                    acc += w * x[idx[k] as usize];
                }
            }
            Weights::PerEntry(ws) => {
                let ws = ws.as_slice::<f32>();
                for k in row(m, r) {
                    acc += ws[k] * x[idx[k] as usize];
                }
            }
        }
        *out = acc;
    }
}

/// `y = xᵀ·A` for the columns in `cols`: `y[j]` is column `cols.start + j`.
/// A range short of all columns needs sorted rows (`rows_sorted`).
pub fn vecmat_cols(m: &CsrMatrix, x: &[f32], cols: Range<usize>, y: &mut [f32]) {
    assert_eq!(x.len(), m.n_rows(), "csr_vecmat: operand length");
    accumulate(m, cols, y, x.iter().copied().enumerate());
}

/// `y = sᵀ·A` (`s` as 0/1) for the columns in `cols`, visiting only the
/// rows where `s` holds. A range short of all columns needs sorted rows.
pub fn event_vecmat_cols(m: &CsrMatrix, s: &[bool], cols: Range<usize>, y: &mut [f32]) {
    assert_eq!(s.len(), m.n_rows(), "csr_event_vecmat: operand length");
    let mut active = Vec::new();
    active_rows(s, &mut active);
    event_vecmat_active(m, &active, cols, y);
}

/// The positions where `s` holds, ascending, into `out` (cleared first).
/// Skips eight entries at a time where none is set, so a sparse spike
/// vector costs about one load per eight neurons.
pub fn active_rows(s: &[bool], out: &mut Vec<u32>) {
    out.clear();
    // SAFETY: a `bool` is one byte holding 0 or 1, a valid `u8`.
    let bytes = unsafe { std::slice::from_raw_parts(s.as_ptr() as *const u8, s.len()) };
    let words = s.chunks_exact(8);
    let tail = words.remainder();
    for (w, chunk) in words.enumerate() {
        let at = w * 8;
        let word: [u8; 8] = bytes[at..at + 8].try_into().expect("eight bytes");
        if u64::from_ne_bytes(word) == 0 {
            continue;
        }
        for (j, &b) in chunk.iter().enumerate() {
            if b {
                out.push((w * 8 + j) as u32);
            }
        }
    }
    let base = s.len() - tail.len();
    out.extend(
        (0..tail.len())
            .filter(|&j| tail[j])
            .map(|j| (base + j) as u32),
    );
}

/// The stored entries the rows `active` hold: the work of an event product.
pub fn active_entries(m: &CsrMatrix, active: &[u32]) -> usize {
    let p = m.indptr();
    active
        .iter()
        .map(|&r| (p[r as usize + 1] - p[r as usize]) as usize)
        .sum()
}

/// `event_vecmat_cols` given the rows where the operand holds (`active`,
/// ascending, each below `n_rows`): `y[c - cols.start] = Σ w` over the
/// entries in column `c` of those rows, rows in ascending order, from
/// `0.0`. A range short of all columns needs sorted rows.
pub fn event_vecmat_active(m: &CsrMatrix, active: &[u32], cols: Range<usize>, y: &mut [f32]) {
    assert!(
        active.windows(2).all(|w| w[0] < w[1])
            && active.last().is_none_or(|&r| (r as usize) < m.n_rows()),
        "csr_event_vecmat: active rows out of order or range"
    );
    touch_rows(m, active);
    accumulate(m, cols, y, active.iter().map(|&r| (r as usize, 1.0)));
}

/// Reads one index per cache line of each of the rows `active` holds, all
/// before any is used: the rows of a spike list are scattered through a
/// matrix larger than the caches, and the accumulation (or a column
/// range's search in a row) would otherwise wait for each row's memory in
/// turn; independent loads let the processor fetch them at once.
fn touch_rows(m: &CsrMatrix, active: &[u32]) {
    let idx = m.indices();
    let mut acc = 0u32;
    for &r in active {
        for k in row(m, r as usize).step_by(16) {
            acc ^= idx[k] as u32;
        }
    }
    std::hint::black_box(acc);
}

/// `y[c - cols.start] = Σ x·w` over the entries in columns `cols` of the
/// rows `(r, x)` of `rows`, in the order given (ascending rows; an event
/// row, `x = 1`, adds `w` itself).
#[inline(always)]
fn accumulate(
    m: &CsrMatrix,
    cols: Range<usize>,
    y: &mut [f32],
    rows: impl Iterator<Item = (usize, f32)>,
) {
    assert_eq!(y.len(), cols.len(), "csr product: result length");
    assert!(
        m.rows_sorted() || (cols.start == 0 && cols.end >= m.n_cols()),
        "csr product: a column range needs sorted rows"
    );
    y.fill(0.0);
    let idx = m.indices();
    let base = cols.start;
    let event = |x: f32| x == 1.0;
    for (r, x) in rows {
        let ks = row_in(m, r, &cols);
        match m.weights() {
            Weights::Uniform(w) if event(x) => {
                for &c in &idx[ks] {
                    y[c as usize - base] += w;
                }
            }
            Weights::Uniform(w) => {
                let v = x * w;
                for &c in &idx[ks] {
                    y[c as usize - base] += v;
                }
            }
            Weights::PerEntry(ws) => {
                let ws = ws.as_slice::<f32>();
                for k in ks {
                    y[idx[k] as usize - base] += x * ws[k];
                }
            }
        }
    }
}

/// `y = A·x` over all rows.
pub fn matvec(m: &CsrMatrix, x: &[f32], y: &mut [f32]) {
    matvec_rows(m, x, 0..m.n_rows(), y)
}

/// `y = xᵀ·A` over all columns.
pub fn vecmat(m: &CsrMatrix, x: &[f32], y: &mut [f32]) {
    vecmat_cols(m, x, 0..m.n_cols(), y)
}

/// `y = sᵀ·A` over all columns.
pub fn event_vecmat(m: &CsrMatrix, s: &[bool], y: &mut [f32]) {
    event_vecmat_cols(m, s, 0..m.n_cols(), y)
}
