//! Gathers, scatters and dynamic slices as typed loops over slices: the one
//! implementation of `take_along_axis`, `scatter_add`/`scatter_set`,
//! `dynamic_slice` and `dynamic_update_slice` that `eval` runs on `Value`s
//! and the backend runs directly on its buffers (monomorphised per element
//! type, no allocation). Their shape and dtype rules are in `rules`.
//!
//! Every function that reads indices first checks them all (`check`), so a
//! bad index is an error before anything is written. The loops that follow
//! index slices with Rust's bounds checks: a caller that skipped the check
//! gets a panic, never an out-of-bounds access.

pub(crate) mod rules;

use crate::{Element, Error, Result};
use smallvec::SmallVec;

/// An element type indices may have (`i32`, `i64`, `u32`).
pub trait IndexElem: Element {
    /// The index as an `i64` (exact).
    fn to_i64(self) -> i64;
}

impl IndexElem for i32 {
    fn to_i64(self) -> i64 {
        self as i64
    }
}

impl IndexElem for i64 {
    fn to_i64(self) -> i64 {
        self
    }
}

impl IndexElem for u32 {
    fn to_i64(self) -> i64 {
        self as i64
    }
}

/// An element type a scatter can add: wrapping for integers, IEEE for
/// floats, `or` for bool.
pub trait ScatterElem: Element {
    /// `self + other` as `scatter_add` combines them.
    fn scatter_add(self, other: Self) -> Self;
}

impl ScatterElem for bool {
    fn scatter_add(self, other: bool) -> bool {
        self | other
    }
}

macro_rules! wrapping_add {
    ($($t:ty),*) => {$(
        impl ScatterElem for $t {
            fn scatter_add(self, other: $t) -> $t {
                self.wrapping_add(other)
            }
        }
    )*};
}
wrapping_add!(i32, i64, u32);

impl ScatterElem for f32 {
    fn scatter_add(self, other: f32) -> f32 {
        self + other
    }
}

impl ScatterElem for f64 {
    fn scatter_add(self, other: f64) -> f64 {
        self + other
    }
}

/// Index `i` of an axis of extent `n`, negative counting from the end, or
/// `op`'s error naming the index, the axis and its extent.
#[inline]
pub fn resolve(op: &str, axis: usize, i: i64, n: usize) -> Result<usize> {
    let j = if i < 0 { i.wrapping_add(n as i64) } else { i };
    if j < 0 || j >= n as i64 {
        return Err(Error::invalid(
            op,
            format!("index {i} is out of bounds for axis {axis} with size {n}"),
        ));
    }
    Ok(j as usize)
}

/// Checks that every index is valid on an axis of extent `n` (negative ones
/// counting from the end); the error names the first bad one in order.
pub fn check<I: IndexElem>(op: &str, axis: usize, indices: &[I], n: usize) -> Result<()> {
    let bound = n as i64;
    // One comparison per index on the common path; `resolve` builds the message.
    if indices.iter().all(|&i| {
        let i = i.to_i64();
        i < bound && i >= -bound
    }) {
        return Ok(());
    }
    for &i in indices {
        resolve(op, axis, i.to_i64(), n)?;
    }
    Ok(())
}

/// Checks segment ids: each in `[0, num_segments)` (a negative id does not
/// count from the end); the error names the first bad one.
pub fn check_segments<I: IndexElem>(ids: &[I], num_segments: usize) -> Result<()> {
    let bound = num_segments as i64;
    match ids
        .iter()
        .map(|&i| i.to_i64())
        .find(|&i| i < 0 || i >= bound)
    {
        None => Ok(()),
        Some(i) => Err(Error::invalid(
            "segment_sum",
            format!("segment id {i} is out of range for {num_segments} segments"),
        )),
    }
}

/// The index `i` (already checked) resolved on an axis of extent `n`.
#[inline]
fn wrap<I: IndexElem>(i: I, n: usize) -> usize {
    let i = i.to_i64();
    // `i + n` where `i` is negative, without a branch.
    (i + ((i >> 63) & n as i64)) as usize
}

/// A shape split around one axis: the product of the extents before it,
/// its extent, and the product after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AxisSplit {
    /// Extent of the axes before.
    pub outer: usize,
    /// The axis' extent.
    pub len: usize,
    /// Extent of the axes after.
    pub inner: usize,
}

impl AxisSplit {
    /// `dims` split around `axis`.
    pub fn new(dims: &[usize], axis: usize) -> AxisSplit {
        AxisSplit {
            outer: dims[..axis].iter().product(),
            len: dims[axis],
            inner: dims[axis + 1..].iter().product(),
        }
    }
}

/// `take` along an axis: `dst` holds rows `rows` (a row is `inner`
/// elements) of the result `[outer, indices.len(), inner]`; row `r` is row
/// `indices[r % k]` of block `r / k` of `src` (`[outer, n, inner]`, `k` the
/// number of indices). The indices must have been checked.
pub fn take_rows<T: Copy, I: IndexElem>(
    src: &[T],
    indices: &[I],
    x: AxisSplit,
    rows: std::ops::Range<usize>,
    dst: &mut [T],
) {
    let (k, inner) = (indices.len(), x.inner);
    if inner == 0 || k == 0 {
        return;
    }
    // Runs of rows within one outer block: no division per row.
    let (mut r, mut at) = (rows.start, 0);
    while r < rows.end {
        let (o, p0) = (r / k, r % k);
        let p1 = k.min(p0 + (rows.end - r));
        let block = &src[o * x.len * inner..(o + 1) * x.len * inner];
        let idx = &indices[p0..p1];
        let out = &mut dst[at..at + idx.len() * inner];
        if inner == 1 {
            for (d, &i) in out.iter_mut().zip(idx) {
                *d = block[wrap(i, x.len)];
            }
        } else {
            for (row, &i) in out.chunks_exact_mut(inner).zip(idx) {
                let from = wrap(i, x.len) * inner;
                row.copy_from_slice(&block[from..from + inner]);
            }
        }
        at += idx.len() * inner;
        r += idx.len();
    }
}

/// `take_along_axis`: `x` is `[outer, n, inner]`, `indices` and the result
/// `[outer, m, inner]`; `dst[o, j, i] = x[o, indices[o, j, i], i]`. `dst`
/// holds rows `rows` of the result (a row is `inner` elements, row `r` is
/// `(r / m, r % m)`). The indices must have been checked (on an axis of
/// extent `x.len`).
pub fn take_along_rows<T: Copy, I: IndexElem>(
    src: &[T],
    indices: &[I],
    x: AxisSplit,
    m: usize,
    rows: std::ops::Range<usize>,
    dst: &mut [T],
) {
    let inner = x.inner;
    if inner == 0 || m == 0 {
        return;
    }
    // Runs of rows within one outer block: no division per element.
    let (mut r, mut at) = (rows.start, 0);
    while r < rows.end {
        let (o, j0) = (r / m, r % m);
        let count = m.min(j0 + (rows.end - r)) - j0;
        let block = &src[o * x.len * inner..(o + 1) * x.len * inner];
        let idx = &indices[r * inner..(r + count) * inner];
        let out = &mut dst[at..at + count * inner];
        for (drow, irow) in out.chunks_exact_mut(inner).zip(idx.chunks_exact(inner)) {
            for (e, (d, &i)) in drow.iter_mut().zip(irow).enumerate() {
                *d = block[wrap(i, x.len) * inner + e];
            }
        }
        at += count * inner;
        r += count;
    }
}

/// `take_along_rows` over the whole result.
pub fn take_along<T: Copy, I: IndexElem>(
    src: &[T],
    indices: &[I],
    x: AxisSplit,
    m: usize,
    dst: &mut [T],
) {
    take_along_rows(src, indices, x, m, 0..x.outer * m, dst);
}

/// The scatter: `dst` (`[n, inner]`, already holding `x`) has row
/// `indices[p]` combined with row `p` of `values` (`[k, inner]`) for each
/// `p` in order: replaced when `add` is false, added to when true. The
/// indices must have been checked.
pub fn scatter<T: ScatterElem, I: IndexElem>(
    dst: &mut [T],
    indices: &[I],
    values: &[T],
    n: usize,
    inner: usize,
    add: bool,
) {
    match (inner, add) {
        (0, _) => {}
        (1, true) => {
            for (&i, &v) in indices.iter().zip(values) {
                let d = &mut dst[wrap(i, n)];
                *d = d.scatter_add(v);
            }
        }
        (1, false) => {
            for (&i, &v) in indices.iter().zip(values) {
                dst[wrap(i, n)] = v;
            }
        }
        _ => {
            for (&i, vals) in indices.iter().zip(values.chunks_exact(inner)) {
                let to = wrap(i, n) * inner;
                let row = &mut dst[to..to + inner];
                if add {
                    for (d, &v) in row.iter_mut().zip(vals) {
                        *d = d.scatter_add(v);
                    }
                } else {
                    row.copy_from_slice(vals);
                }
            }
        }
    }
}

/// A start index of a dynamic slice of extent `size` on an axis of `dim`,
/// as JAX resolves it (`lax.dynamic_slice`, `allow_negative_indices`): a
/// negative start counts from the end once (`start + dim`), then the start
/// is clamped into `[0, dim - size]` as XLA clamps it, so the block fits.
#[inline]
pub fn clamp_start(start: i64, dim: usize, size: usize) -> usize {
    let start = if start < 0 {
        start.saturating_add(dim as i64)
    } else {
        start
    };
    start.clamp(0, dim.saturating_sub(size) as i64) as usize
}

/// The offset of the first element of a block at `starts` in an array of
/// shape `dims`, and the array's row-major strides.
fn block_base(dims: &[usize], starts: &[usize]) -> (usize, SmallVec<[usize; 6]>) {
    let mut strides: SmallVec<[usize; 6]> = SmallVec::from_elem(1, dims.len());
    for d in (0..dims.len().saturating_sub(1)).rev() {
        strides[d] = strides[d + 1] * dims[d + 1];
    }
    let base = starts.iter().zip(&strides).map(|(s, t)| s * t).sum();
    (base, strides)
}

/// Calls `f(offset in the array, offset in the block, run)` for each run of
/// the block's last axis, in row-major order; `f` copies `run` elements.
fn for_each_run(
    dims: &[usize],
    sizes: &[usize],
    starts: &[usize],
    mut f: impl FnMut(usize, usize, usize),
) {
    if sizes.contains(&0) {
        return;
    }
    let rank = dims.len();
    if rank == 0 {
        f(0, 0, 1);
        return;
    }
    let (base, strides) = block_base(dims, starts);
    let run = sizes[rank - 1];
    let rows: usize = sizes[..rank - 1].iter().product();
    let mut index: SmallVec<[usize; 6]> = SmallVec::from_elem(0, rank - 1);
    let mut at = base;
    for r in 0..rows {
        f(at, r * run, run);
        // Next row of the block: an odometer over the leading axes.
        for d in (0..rank - 1).rev() {
            index[d] += 1;
            at += strides[d];
            if index[d] < sizes[d] {
                break;
            }
            at -= strides[d] * sizes[d];
            index[d] = 0;
        }
    }
}

/// `dynamic_slice`: copies the block of extents `sizes` at `starts`
/// (clamped already) of `src` (shape `dims`) into `dst`.
pub fn dynamic_slice<T: Copy>(
    src: &[T],
    dims: &[usize],
    starts: &[usize],
    sizes: &[usize],
    dst: &mut [T],
) {
    for_each_run(dims, sizes, starts, |a, b, run| {
        dst[b..b + run].copy_from_slice(&src[a..a + run])
    });
}

/// `dynamic_update_slice`: writes `update` (extents `sizes`) into the block
/// at `starts` (clamped already) of `dst` (shape `dims`, already holding
/// the operand).
pub fn dynamic_update_slice<T: Copy>(
    dst: &mut [T],
    dims: &[usize],
    starts: &[usize],
    sizes: &[usize],
    update: &[T],
) {
    for_each_run(dims, sizes, starts, |a, b, run| {
        dst[a..a + run].copy_from_slice(&update[b..b + run])
    });
}

/// The clamped starts of a dynamic slice of extents `sizes` in `dims`,
/// from the start operands read as `i64`.
pub fn clamped_starts(
    dims: &[usize],
    sizes: &[usize],
    starts: impl Iterator<Item = i64>,
) -> SmallVec<[usize; 6]> {
    starts
        .zip(dims.iter().zip(sizes))
        .map(|(s, (&d, &n))| clamp_start(s, d, n))
        .collect()
}

#[cfg(test)]
mod tests;
