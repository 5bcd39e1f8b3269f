//! The matrix products behind `matmul`, on strided operands: f32 and f64
//! through the `gemm` crate (blocked, packed, AVX2/AVX-512 chosen at run
//! time), integers and bools by a row-times-matrix loop (exact, so any
//! order gives the same result).
//!
//! A large product is cut into blocks of rows (of columns when the result
//! is wider than tall: every row block would pack the whole right operand)
//! whose size depends only on the product's shape, and the blocks are
//! shared between the calling thread and rayon's pool (`share.rs`: the
//! caller never sleeps waiting for a busy core), or run one after the
//! other from a rayon worker: each block is one gemm call on one
//! thread, so the result is the same bits on any number of threads. This
//! measured faster than gemm's own rayon parallelism on the MLP-sized
//! product and level with it on 1024³ (docs/PERFORMANCE.md).
//!
//! This is `eval`'s own `matmul`: eager mode, constant folding and compiled
//! plans all run it, so for floats its definition is gemm's product within
//! the precision contract's dot-product bound (not one fixed order of
//! summation); the loop references it is tested against are in
//! `eval/tests/linalg.rs` and the workspace's `tests/matmul.rs`.
//!
//! Operands are slices with element strides, so a transposed or broadcast
//! operand needs no copy. Every offset a product reads is checked against
//! its slice before any work starts: a bad stride is an error, never an
//! out-of-bounds read.

use super::elem::Elem;
use super::num::Num;
use crate::matmul_dims::{MatMulDims, matmul_dims};
use crate::{Buffer, Error, Result, Shape, Value};
use smallvec::SmallVec;

/// `a @ b` (same dtype, aligned shapes, checked by `infer`) as a value of `shape`.
pub(super) fn matmul(a: &Value, b: &Value, shape: &Shape) -> Result<Value> {
    let dims = matmul_dims(&a.shape, &b.shape)?;
    let dtype = a.dtype();
    let mut buf = Buffer::for_overwrite(dtype, shape.size());
    let (a_strides, b_strides) = (dims.a_batch_strides(), dims.b_batch_strides());
    super::elem::with_elem!(dtype, T => {
        let lhs = MatRef::contiguous(a.as_slice::<T>(), &a_strides, dims.k);
        let rhs = MatRef::contiguous(b.as_slice::<T>(), &b_strides, dims.n);
        product::<T>(&dims, &lhs, &rhs, buf.as_mut_slice())?;
    });
    Ok(Value::new(shape.clone(), buf))
}

/// Products of at least this many multiply-adds (`m·k·n`), of 64 rows or
/// more, run as blocks of rows on rayon's pool; smaller ones run on the
/// calling thread, where waking the pool would cost more than it saves.
pub const PARALLEL_MACS: usize = 1 << 21;

/// A parallel product has one block of rows per this many rows (at least
/// two blocks, at most eight).
pub const BLOCK_ROWS: usize = 64;

/// A stack of matrices in a slice: matrix `b` (a batch index) element
/// `(i, j)` is `data[offset + Σ batch[t]·b[t] + i·rs + j·cs]`.
#[derive(Clone, Debug)]
pub struct MatRef<'a, T> {
    /// The memory.
    pub data: &'a [T],
    /// The first element of the first matrix.
    pub offset: usize,
    /// Element strides of the batch axes (0 for a broadcast axis).
    pub batch: SmallVec<[usize; 4]>,
    /// Element stride between rows.
    pub rs: usize,
    /// Element stride between columns.
    pub cs: usize,
}

impl<'a, T> MatRef<'a, T> {
    /// Row-major matrices of rows of `row` elements, stacked with `batch` strides.
    pub fn contiguous(data: &'a [T], batch: &[usize], row: usize) -> MatRef<'a, T> {
        MatRef {
            data,
            offset: 0,
            batch: batch.into(),
            rs: row,
            cs: 1,
        }
    }

    /// Checks that every element of `rows × cols` matrices over a batch of
    /// `extents` lies inside `data`.
    fn check(&self, extents: &[usize], rows: usize, cols: usize) -> Result<()> {
        if rows == 0 || cols == 0 || extents.contains(&0) {
            return Ok(());
        }
        let bad = || Error::invalid("matmul", "an operand's strides reach outside its buffer");
        if self.batch.len() != extents.len() {
            return Err(bad());
        }
        let mut last = Some(self.offset);
        for (&e, &s) in extents.iter().zip(&self.batch) {
            last = last.and_then(|l| l.checked_add((e - 1).checked_mul(s)?));
        }
        last = last.and_then(|l| l.checked_add((rows - 1).checked_mul(self.rs)?));
        last = last.and_then(|l| l.checked_add((cols - 1).checked_mul(self.cs)?));
        match last {
            Some(l) if l < self.data.len() => Ok(()),
            _ => Err(bad()),
        }
    }
}

/// An element type with a matrix product of one `m×k` by `k×n` pair.
pub trait Dot: Elem {
    /// `out = a · b` (row-major `out`, `m × n`), `a` from `a_off` with
    /// strides `(a_rs, a_cs)`, `b` likewise, on the calling thread.
    /// The caller has checked every offset against the slices.
    fn product_one(
        dims: (usize, usize, usize),
        a: (&[Self], usize, usize, usize),
        b: (&[Self], usize, usize, usize),
        out: &mut [Self],
    );

    /// `product_one` into `m` rows of `n` elements starting `out_rs`
    /// elements apart (a block of columns of a wider result).
    ///
    /// # Safety
    /// As `product_one` for the operands; every `out + i·out_rs + j` for
    /// `i < m`, `j < n` is writable and no other thread touches those
    /// elements during the call.
    unsafe fn product_into(
        (m, k, n): (usize, usize, usize),
        a: (&[Self], usize, usize, usize),
        b: (&[Self], usize, usize, usize),
        out: *mut Self,
        out_rs: usize,
    ) {
        let mut part = vec![Self::default(); m * n];
        Self::product_one((m, k, n), a, b, &mut part);
        for (i, row) in part.chunks_exact(n.max(1)).enumerate().take(m) {
            // SAFETY: row `i` of the block is writable and ours (the
            // caller's promise), and `part` is a distinct allocation.
            unsafe { std::ptr::copy_nonoverlapping(row.as_ptr(), out.add(i * out_rs), n) };
        }
    }
}

macro_rules! gemm_dot {
    ($t:ty) => {
        impl Dot for $t {
            fn product_one(
                (m, k, n): (usize, usize, usize),
                a: (&[Self], usize, usize, usize),
                b: (&[Self], usize, usize, usize),
                out: &mut [Self],
            ) {
                debug_assert_eq!(out.len(), m * n);
                // SAFETY: `out` is a distinct, writable slice of exactly
                // `m·n` elements: rows of `n` elements, `n` apart.
                unsafe { Self::product_into((m, k, n), a, b, out.as_mut_ptr(), n) }
            }

            unsafe fn product_into(
                (m, k, n): (usize, usize, usize),
                (a, a_off, a_rs, a_cs): (&[Self], usize, usize, usize),
                (b, b_off, b_rs, b_cs): (&[Self], usize, usize, usize),
                out: *mut Self,
                out_rs: usize,
            ) {
                if m == 0 || n == 0 {
                    return;
                }
                if k == 0 {
                    for i in 0..m {
                        // SAFETY: row `i` of the block is writable and
                        // ours (the caller's promise).
                        unsafe { std::slice::from_raw_parts_mut(out.add(i * out_rs), n).fill(0.0) };
                    }
                    return;
                }
                // SAFETY: `product` checked that every element of the
                // `m×k` and `k×n` operands at these offsets and strides
                // lies inside `a` and `b`; the caller promises that the
                // `m` rows of `n` elements `out_rs` apart at `out` are
                // writable and touched by no one else (column stride 1,
                // row stride `out_rs`). `read_dst` is false, so gemm never
                // reads `out`'s old contents.
                unsafe {
                    gemm::gemm(
                        m,
                        n,
                        k,
                        out,
                        1,
                        out_rs as isize,
                        false,
                        a.as_ptr().add(a_off),
                        a_cs as isize,
                        a_rs as isize,
                        b.as_ptr().add(b_off),
                        b_cs as isize,
                        b_rs as isize,
                        0.0,
                        1.0,
                        false,
                        false,
                        false,
                        gemm::Parallelism::None,
                    )
                }
            }
        }
    };
}

gemm_dot!(f32);
gemm_dot!(f64);

/// `out = a · b` over the semiring (`zero`, `add`, `mul`), row by row: each
/// row of `out` accumulates `a[i, p] · b[p, ..]` for `p` in order.
fn rows_product<T: Copy>(
    (m, k, n): (usize, usize, usize),
    (a, a_off, a_rs, a_cs): (&[T], usize, usize, usize),
    (b, b_off, b_rs, b_cs): (&[T], usize, usize, usize),
    out: &mut [T],
    zero: T,
    add: impl Fn(T, T) -> T,
    mul: impl Fn(T, T) -> T,
) {
    out.fill(zero);
    if n == 0 {
        return;
    }
    for (i, row) in out.chunks_exact_mut(n).enumerate().take(m) {
        for p in 0..k {
            let x = a[a_off + i * a_rs + p * a_cs];
            let start = b_off + p * b_rs;
            if b_cs == 1 {
                for (o, &y) in row.iter_mut().zip(&b[start..start + n]) {
                    *o = add(*o, mul(x, y));
                }
            } else {
                for (j, o) in row.iter_mut().enumerate() {
                    *o = add(*o, mul(x, b[start + j * b_cs]));
                }
            }
        }
    }
}

macro_rules! int_dot {
    ($t:ty) => {
        impl Dot for $t {
            fn product_one(
                dims: (usize, usize, usize),
                a: (&[Self], usize, usize, usize),
                b: (&[Self], usize, usize, usize),
                out: &mut [Self],
            ) {
                rows_product(dims, a, b, out, 0, Num::add, Num::mul);
            }
        }
    };
}

int_dot!(i32);
int_dot!(i64);
int_dot!(u32);

impl Dot for bool {
    fn product_one(
        dims: (usize, usize, usize),
        a: (&[Self], usize, usize, usize),
        b: (&[Self], usize, usize, usize),
        out: &mut [Self],
    ) {
        rows_product(dims, a, b, out, false, |x, y| x | y, |x, y| x & y);
    }
}

/// True when the row blocks of a product of `macs` multiply-adds may spread
/// over rayon's pool: it is large, the pool has two threads or more, and
/// the caller is not one of the pool's workers (a worker that forks may wait on unrelated
/// work that needs a lock its caller holds; the codegen crate's `may_fork`
/// states the same rule).
fn may_parallelise(macs: usize) -> bool {
    macs >= PARALLEL_MACS
        && rayon::current_thread_index().is_none()
        && rayon::current_num_threads() >= 2
}

/// `out = a @ b` for every batch index of `dims` (`out` row-major:
/// `batch × m × n`). Fails, naming `matmul`, when an operand's strides reach
/// outside its slice or `out` has the wrong length.
pub fn product<T: Dot>(
    dims: &MatMulDims,
    a: &MatRef<'_, T>,
    b: &MatRef<'_, T>,
    out: &mut [T],
) -> Result<()> {
    let (m, k, n) = (dims.m, dims.k, dims.n);
    if out.len() != dims.batches() * m * n {
        return Err(Error::invalid(
            "matmul",
            format!(
                "result buffer holds {} elements, the product {}",
                out.len(),
                dims.batches() * m * n
            ),
        ));
    }
    a.check(&dims.batch, m, k)?;
    b.check(&dims.batch, k, n)?;
    if out.is_empty() {
        return Ok(());
    }
    // A batch of left operands stacked row after row, times one broadcast
    // right operand, is one product of all their rows.
    let m = if stacked_rows(&dims.batch, m, a, b) {
        m * dims.batches()
    } else {
        m
    };
    let mn = m * n;
    let macs = m.saturating_mul(k).saturating_mul(n);
    // Blocks of rows: a function of the shape alone (see the module doc).
    // Each block packs the whole right operand again, so there are few:
    // one per `BLOCK_ROWS` rows, at least two and at most eight (two
    // blocks of 64 rows for an MLP layer's 128).
    let rows = if macs >= PARALLEL_MACS && m >= 64 {
        let blocks = (m / BLOCK_ROWS).clamp(2, 8);
        m.div_ceil(blocks).next_multiple_of(16)
    } else {
        m
    };
    // A right operand larger than the left one is cut by columns instead
    // (each block then packs a slice of it and the whole left operand):
    // also a function of the shape alone.
    if rows < m && n > m && n >= 2 * COLUMN_BLOCK && dims.batches() == 1 {
        column_blocks(m, k, n, a, b, out, may_parallelise(macs));
        return Ok(());
    }
    let fork = rows < m && may_parallelise(macs);
    let extents: &[usize] = &dims.batch;
    let mut index: SmallVec<[usize; 4]> = SmallVec::from_elem(0, extents.len());
    for block in out.chunks_exact_mut(mn) {
        let at = |r: &MatRef<'_, T>| {
            r.offset
                + index
                    .iter()
                    .zip(&r.batch)
                    .map(|(i, s)| i * s)
                    .sum::<usize>()
        };
        let (a_off, b_off) = (at(a), at(b));
        let run = |(c, chunk): (usize, &mut [T])| {
            T::product_one(
                (chunk.len() / n, k, n),
                (a.data, a_off + c * rows * a.rs, a.rs, a.cs),
                (b.data, b_off, b.rs, b.cs),
                chunk,
            );
        };
        if fork {
            let (len, base) = (block.len(), SendPtr(block.as_mut_ptr()));
            let pieces = len.div_ceil(rows * n);
            crate::share::share_pieces(pieces, true, &|c| {
                let lo = c * rows * n;
                let hi = (lo + rows * n).min(len);
                // SAFETY: piece `c` is the `c`-th chunk of `rows * n`
                // elements of `block`, which `share_pieces` hands to exactly
                // one thread while `block` stays borrowed here: the chunks
                // are disjoint and in bounds.
                let chunk = unsafe { std::slice::from_raw_parts_mut(base.at(lo), hi - lo) };
                run((c, chunk));
            });
        } else {
            block.chunks_mut(rows * n).enumerate().for_each(run);
        }
        for axis in (0..extents.len()).rev() {
            index[axis] += 1;
            if index[axis] < extents[axis] {
                break;
            }
            index[axis] = 0;
        }
    }
    Ok(())
}

/// The start of a product's result, shared by the threads that write its
/// disjoint blocks.
#[derive(Clone, Copy)]
struct SendPtr<T>(*mut T);

// SAFETY: each thread writes only the block of rows it was handed (see
// `product`), so sharing the base pointer races on nothing.
unsafe impl<T> Send for SendPtr<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for SendPtr<T> {}

impl<T> SendPtr<T> {
    /// The element `i` past the start.
    fn at(self, i: usize) -> *mut T {
        self.0.wrapping_add(i)
    }
}

/// The narrowest block of columns a product is cut into.
pub const COLUMN_BLOCK: usize = 64;

/// `out = a · b` for one `m×k` by `k×n` pair (no batch), as blocks of
/// columns of the result, each one gemm call on one thread writing its
/// columns of `out` in place. The blocks (two per
/// `2·COLUMN_BLOCK` columns, at most four) depend on `n` alone.
fn column_blocks<T: Dot>(
    m: usize,
    k: usize,
    n: usize,
    a: &MatRef<'_, T>,
    b: &MatRef<'_, T>,
    out: &mut [T],
    fork: bool,
) {
    let blocks = (n / (2 * COLUMN_BLOCK)).clamp(2, 4);
    let cols = n.div_ceil(blocks).next_multiple_of(16);
    let starts: SmallVec<[usize; 4]> = (0..n).step_by(cols).collect();
    debug_assert_eq!(out.len(), m * n);
    let base = SendPtr(out.as_mut_ptr());
    let run = |j0: usize| {
        // SAFETY: the block of columns `j0..j0 + w` of the `m × n`
        // row-major `out`, borrowed mutably for this call, is in bounds
        // and written by this block alone (the blocks' columns are
        // disjoint).
        unsafe {
            T::product_into(
                (m, k, cols.min(n - j0)),
                (a.data, a.offset, a.rs, a.cs),
                (b.data, b.offset + j0 * b.cs, b.rs, b.cs),
                base.at(j0),
                n,
            )
        };
    };
    if fork {
        crate::share::share_pieces(starts.len(), true, &|p| run(starts[p]));
    } else {
        starts.iter().for_each(|&j0| run(j0));
    }
}

/// True when every batch element of `b` is the same matrix and the left
/// operands of the batch `extents` follow each other row after row (the
/// rows of matrix `t + 1` continue those of matrix `t` at stride `a.rs`):
/// then the batch is one `(batch·m) × k` by `k × n` product.
fn stacked_rows<T>(extents: &[usize], m: usize, a: &MatRef<'_, T>, b: &MatRef<'_, T>) -> bool {
    if extents.is_empty() || b.batch.iter().any(|&s| s != 0) {
        return false;
    }
    let mut expected = m * a.rs;
    for (&e, &s) in extents.iter().zip(&a.batch).rev() {
        if e != 1 && s != expected {
            return false;
        }
        expected *= e;
    }
    true
}
