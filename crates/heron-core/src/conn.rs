//! Connectivity builders: random sparse projections as [`Csr`] matrices
//! (rows = pre-synaptic neurons, columns = post-synaptic ones, weight 1.0;
//! set weights with `with_weight`/`with_weights`).
//!
//! Both are deterministic functions of the key: row `r` draws from its own
//! Threefry-2x32 stream (key `fold_in(key, r)`, counter `0, 1, 2, …`), so the matrix is the same on every machine and for any
//! number of threads. Rows are built in parallel, in blocks, on rayon's
//! pool, and never through a dense `n_pre × n_post` array:
//!
//! - [`fixed_prob`]: each pair with probability `p`, by geometric skipping
//!   (the gap to the next connection is `⌊ln u / ln(1 − p)⌋` for a uniform
//!   `u = (w + 1)/2³²` in (0, 1] from the next 32-bit word `w` of the row's
//!   stream, `ln` from `libm`, so the same bits everywhere): work
//!   proportional to the connections made, not to `n_post`.
//! - [`fixed_post_num`]: `num` distinct targets per row, uniformly, by
//!   Floyd's algorithm (`num` draws, a bit set per block of rows), sorted.

use crate::random::Key;
use crate::sparse::Csr;
use heron_ir::sparse::{CsrMatrix, Weights};
use heron_ir::threefry::{fold_in, threefry2x32, threefry2x32_lanes};
use heron_ir::{Buffer, DType, Error, Result, Shape, Value};
use rayon::prelude::*;

/// Rows built per parallel task.
const ROWS_PER_TASK: usize = 256;

/// The random stream of one row: block `c` of Threefry-2x32 under the
/// row's key hashes the counter `(hi, c)`; its two words are used in order.
struct Stream {
    key: [u32; 2],
    counter: u32,
    hi: u32,
}

impl Stream {
    fn new(key: [u32; 2], row: usize) -> Stream {
        Stream {
            key: fold_in(key, row as u32),
            counter: 0,
            hi: 0,
        }
    }

    /// The next block's two words.
    fn block(&mut self) -> [u32; 2] {
        let w = threefry2x32(self.key, [self.hi, self.counter]);
        self.counter = self.counter.wrapping_add(1);
        if self.counter == 0 {
            self.hi += 1;
        }
        w
    }

    /// The next eight words (four blocks, hashed side by side), in stream
    /// order: the words eight calls of a one-word reader would give.
    fn next_8(&mut self) -> [u32; 8] {
        let c = ((self.hi as u64) << 32) | self.counter as u64;
        let at = |j: usize| c.wrapping_add(j as u64);
        let (a, b) = threefry2x32_lanes(
            self.key,
            std::array::from_fn::<u32, 4, _>(|j| (at(j) >> 32) as u32),
            std::array::from_fn::<u32, 4, _>(|j| at(j) as u32),
        );
        let next = at(4);
        (self.hi, self.counter) = ((next >> 32) as u32, next as u32);
        std::array::from_fn(|k| if k % 2 == 0 { a[k / 2] } else { b[k / 2] })
    }

    /// The next 64 random bits (one whole block).
    fn next_u64(&mut self) -> u64 {
        let [a, b] = self.block();
        ((a as u64) << 32) | b as u64
    }

    /// A uniform integer in `0..m` (`m ≥ 1`; bias below `m / 2⁶⁴`).
    fn below(&mut self, m: usize) -> usize {
        ((self.next_u64() as u128 * m as u128) >> 64) as usize
    }
}

/// Each of the `n_pre × n_post` pairs connected with probability `p`
/// (rows = pre). Panics on `p` outside [0, 1] or sizes that do not fit i32
/// indices (see [`try_fixed_prob`]).
pub fn fixed_prob(n_pre: usize, n_post: usize, p: f64, key: &Key) -> Csr {
    try_fixed_prob(n_pre, n_post, p, key).unwrap_or_else(|e| panic!("{e}"))
}

/// [`fixed_prob`] returning an error instead of panicking.
pub fn try_fixed_prob(n_pre: usize, n_post: usize, p: f64, key: &Key) -> Result<Csr> {
    if !(0.0..=1.0).contains(&p) {
        return Err(Error::invalid(
            "fixed_prob",
            format!("p must be in [0, 1], got {p}"),
        ));
    }
    check_sizes("fixed_prob", n_pre, n_post)?;
    let key = key.data();
    // ln(1 - p); -inf for p = 1 (every gap 0), 0 for p = 0 (no connection).
    let log_q = libm::log1p(-p);
    // Room for the expected row length and a few standard deviations.
    let mean = n_post as f64 * p;
    let hint = (mean + 4.0 * mean.sqrt() + 4.0).min(n_post as f64) as usize;
    build("fixed_prob", n_pre, n_post, hint, move |row, _bits, out| {
        if p == 0.0 {
            return;
        }
        let mut s = Stream::new(key, row);
        // The gaps of the next eight words, computed together (their
        // logarithms overlap in the pipeline); those past the row's end
        // are not used.
        let mut gaps = [0.0f64; 8];
        let mut at = gaps.len();
        let mut j = 0usize;
        loop {
            if p < 1.0 {
                if at == gaps.len() {
                    for (g, w) in gaps.iter_mut().zip(s.next_8()) {
                        // ≥ 0: truncation below is the floor.
                        *g = libm::log(uniform_open0(w)) / log_q;
                    }
                    at = 0;
                }
                let gap = gaps[at];
                at += 1;
                if gap >= (n_post - j) as f64 {
                    break;
                }
                j += gap as usize;
            }
            if j >= n_post {
                break;
            }
            out.push(j as i32);
            j += 1;
        }
    })
}

/// A uniform double in (0, 1] from the 32-bit word `w`: `(w + 1) / 2³²`.
fn uniform_open0(w: u32) -> f64 {
    (w as f64 + 1.0) * (1.0 / 4_294_967_296.0)
}

/// `num` distinct targets per pre neuron, uniformly among `n_post`, sorted
/// (rows = pre). Panics when `num > n_post` or sizes do not fit i32 indices
/// (see [`try_fixed_post_num`]).
pub fn fixed_post_num(n_pre: usize, n_post: usize, num: usize, key: &Key) -> Csr {
    try_fixed_post_num(n_pre, n_post, num, key).unwrap_or_else(|e| panic!("{e}"))
}

/// [`fixed_post_num`] returning an error instead of panicking.
pub fn try_fixed_post_num(n_pre: usize, n_post: usize, num: usize, key: &Key) -> Result<Csr> {
    if num > n_post {
        return Err(Error::invalid(
            "fixed_post_num",
            format!("{num} distinct targets out of {n_post} post neurons"),
        ));
    }
    check_sizes("fixed_post_num", n_pre, n_post)?;
    let key = key.data();
    build(
        "fixed_post_num",
        n_pre,
        n_post,
        num,
        move |row, bits, out| {
            let mut s = Stream::new(key, row);
            let start = out.len();
            // Floyd: for j in n - num .. n, take t in 0..=j, or j if t is taken.
            for j in n_post - num..n_post {
                let t = s.below(j + 1);
                let pick = if bits[t / 64] >> (t % 64) & 1 == 1 {
                    j
                } else {
                    t
                };
                bits[pick / 64] |= 1 << (pick % 64);
                out.push(pick as i32);
            }
            out[start..].sort_unstable();
            for &c in &out[start..] {
                bits[c as usize / 64] = 0;
            }
        },
    )
}

/// Sizes whose indices and row pointers fit i32.
fn check_sizes(op: &str, n_pre: usize, n_post: usize) -> Result<()> {
    if n_pre >= i32::MAX as usize || n_post >= i32::MAX as usize {
        return Err(Error::invalid(
            op,
            format!("{n_pre} x {n_post} does not fit i32 indices"),
        ));
    }
    Ok(())
}

/// Builds the matrix row by row: `row_fn(r, bits, out)` appends row `r`'s
/// columns (ascending) to `out`, with `bits` a zeroed bit set of `n_post`
/// bits it leaves zeroed. Blocks of rows run in parallel; their results are
/// joined in row order. `hint` is the expected row length (room reserved).
fn build(
    op: &str,
    n_pre: usize,
    n_post: usize,
    hint: usize,
    row_fn: impl Fn(usize, &mut [u64], &mut Vec<i32>) + Sync,
) -> Result<Csr> {
    let blocks: Vec<(Vec<i32>, Vec<i32>)> = (0..n_pre.div_ceil(ROWS_PER_TASK))
        .into_par_iter()
        .map(|b| {
            let rows = b * ROWS_PER_TASK..((b + 1) * ROWS_PER_TASK).min(n_pre);
            let mut bits = vec![0u64; n_post.div_ceil(64)];
            let mut lens = Vec::with_capacity(rows.len());
            let mut cols = Vec::with_capacity(rows.len() * hint);
            for r in rows {
                let before = cols.len();
                row_fn(r, &mut bits, &mut cols);
                lens.push((cols.len() - before) as i32);
            }
            (lens, cols)
        })
        .collect();
    let nnz: usize = blocks.iter().map(|b| b.1.len()).sum();
    if nnz > i32::MAX as usize {
        return Err(Error::invalid(
            op,
            format!("{nnz} connections do not fit i32 row pointers"),
        ));
    }
    let mut indptr = Vec::with_capacity(n_pre + 1);
    indptr.push(0i32);
    let mut indices = Buffer::for_overwrite(DType::I32, nnz);
    let out = indices.as_mut_slice::<i32>();
    let mut at = 0i32;
    for (lens, cols) in &blocks {
        for &l in lens {
            at += l;
            indptr.push(at);
        }
        out[(at as usize - cols.len())..at as usize].copy_from_slice(cols);
    }
    drop(blocks);
    Ok(Csr::from_matrix(CsrMatrix::new(
        Value::from_slice(Shape::new(&[n_pre + 1]), &indptr),
        Value::new(Shape::new(&[nnz]), indices),
        n_post,
        Weights::Uniform(1.0),
    )?))
}
