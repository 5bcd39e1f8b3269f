//! Recording spikes from a compiled loop without a `[steps, N]` bool array:
//! [`pack_spikes`] packs a step's spike vector into `u32` words (32 neurons
//! per word) with compiled array operations, so a `for_loop` that returns
//! it stacks `[steps, ⌈N/32⌉]` words (32 times smaller than the bool
//! raster, written in place by the loop); [`spike_events`] and
//! [`spike_counts`] read the recording back on the host.
//!
//! ```
//! use heron_core as hn;
//! let steps = hn::arange_i(0, 3, 1);
//! let packed = hn::for_loop(&steps, |i| {
//!     let s = hn::arange_i(0, 40, 1).eq(&i);      // neuron i spikes at step i
//!     hn::monitor::pack_spikes(&s)
//! });
//! assert_eq!(packed.shape(), &[3, 2]);
//! assert_eq!(hn::monitor::spike_events(&packed, 40), vec![(0, 0), (1, 1), (2, 2)]);
//! ```

use crate::array::{Array, or_panic};
use crate::ops::SliceElem;
use heron_ir::{DType, Error, Result};

/// Neurons per packed word.
pub const BITS: usize = 32;

/// The spikes `s` (`bool[N]`; other dtypes count where non-zero) packed
/// into `u32[⌈N/32⌉]`: neuron `n` is bit `n % 32` of word `n / 32`. Traces
/// and compiles like any array operation (a cast, a multiply and a sum).
pub fn pack_spikes(s: &Array) -> Array {
    or_panic(try_pack_spikes(s))
}

/// [`pack_spikes`] returning an error instead of panicking.
pub fn try_pack_spikes(s: &Array) -> Result<Array> {
    if s.ndim() != 1 {
        return Err(Error::invalid(
            "pack_spikes",
            format!("expects a 1-d spike vector, got shape {:?}", s.shape()),
        ));
    }
    let n = s.shape()[0];
    let words = n.div_ceil(BITS);
    let s = s.try_astype(DType::Bool)?.try_astype(DType::U32)?;
    let s = if n.is_multiple_of(BITS) {
        s
    } else {
        let mut padded = crate::zeros(&[words * BITS], DType::U32);
        let head = SliceElem::Range {
            start: Some(0),
            end: Some(n as isize),
            inclusive: false,
            step: 1,
        };
        padded.try_set([head], &s)?;
        padded
    };
    let weights: Vec<u32> = (0..BITS as u32).map(|b| 1u32 << b).collect();
    let weights = Array::from_vec(weights, &[BITS]);
    let words = (s.try_reshape(&[words as isize, BITS as isize])? * weights).sum_axis(1);
    if words.dtype() == DType::U32 {
        Ok(words)
    } else {
        words.try_astype(DType::U32)
    }
}

/// The `(step, neuron)` pairs of a recording (`u32[steps, ⌈n/32⌉]` from
/// [`pack_spikes`]) over `n` neurons, in step order then neuron order.
pub fn spike_events(packed: &Array, n: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    visit(packed, n, |t, i| out.push((t, i)));
    out
}

/// The number of spikes at each step of a recording, counting only neurons
/// in `neurons` (a range of `0..n`).
pub fn spike_counts(packed: &Array, n: usize, neurons: std::ops::Range<usize>) -> Vec<u32> {
    let steps = packed.shape().first().copied().unwrap_or(0);
    let mut out = vec![0u32; steps];
    visit(packed, n, |t, i| {
        if neurons.contains(&i) {
            out[t] += 1
        }
    });
    out
}

/// Calls `f(step, neuron)` for every recorded spike, in order.
fn visit(packed: &Array, n: usize, mut f: impl FnMut(usize, usize)) {
    let words = n.div_ceil(BITS);
    assert!(
        packed.ndim() == 2 && packed.shape()[1] == words && packed.dtype() == DType::U32,
        "spike_events: expects u32[steps, {words}] for {n} neurons, got {}{:?}",
        packed.dtype(),
        packed.shape()
    );
    let data = packed.to_vec::<u32>();
    for (t, row) in data.chunks(words.max(1)).enumerate() {
        for (w, &word) in row.iter().enumerate() {
            let mut bits = word;
            while bits != 0 {
                let b = bits.trailing_zeros() as usize;
                let i = w * BITS + b;
                if i < n {
                    f(t, i);
                }
                bits &= bits - 1;
            }
        }
    }
}
