//! W4 softmax's ceilings: each row's maximum, `exp(x - max)` with the vector
//! form of `polyexp::exp` and its sum, then the division, written with SIMD
//! intrinsics (`ACC` independent accumulators per reduction), row by row on
//! one thread or rows shared among rayon's threads. Each element's exp equals
//! the scalar `polyexp::exp`; the sum is taken in another order than
//! `w4::sum_lanes`, so results agree to rounding.

use super::Width;
use super::simd::{Simd, exp, max_lanes, sum_lanes};
use crate::polyexp;
use rayon::prelude::*;
use std::arch::x86_64::{__m128, __m256, __m512};

/// Independent vector accumulators per reduction (hides the add latency).
pub const ACC: usize = 4;

/// Softmax of each `cols`-long row of `data` into `out` (rows on rayon's
/// pool when `parallel`).
///
/// Panics when the CPU lacks `width`, the lengths differ, or `cols` is zero
/// or does not divide them.
pub fn rows(width: Width, out: &mut [f32], data: &[f32], cols: usize, parallel: bool) {
    width.assert_available();
    assert!(
        out.len() == data.len() && cols > 0 && data.len().is_multiple_of(cols),
        "ceiling softmax: {} outputs for {} inputs in rows of {cols}",
        out.len(),
        data.len()
    );
    if parallel {
        out.par_chunks_mut(cols)
            .zip(data.par_chunks(cols))
            .for_each(|(o, r)| row(width, o, r));
    } else {
        for (o, r) in out.chunks_exact_mut(cols).zip(data.chunks_exact(cols)) {
            row(width, o, r);
        }
    }
}

fn row(width: Width, out: &mut [f32], row: &[f32]) {
    // SAFETY: `rows` asserted that the CPU has `width`; `out` and `row` are
    // chunks of equal length, which is all the entry points need.
    unsafe {
        match width {
            Width::Sse2 => row_sse2(out, row),
            Width::Avx2 => row_avx2(out, row),
            Width::Avx512 => row_avx512(out, row),
        }
    }
}

#[target_feature(enable = "sse2")]
unsafe fn row_sse2(out: &mut [f32], row: &[f32]) {
    // SAFETY: SSE2 is baseline on x86-64 (this fn enables it, as the kernel's
    // methods require); the caller checked the lengths.
    unsafe { row_with::<__m128>(out, row) }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn row_avx2(out: &mut [f32], row: &[f32]) {
    // SAFETY: the caller detected AVX2 and FMA and checked the lengths.
    unsafe { row_with::<__m256>(out, row) }
}

#[target_feature(enable = "avx512f")]
unsafe fn row_avx512(out: &mut [f32], row: &[f32]) {
    // SAFETY: the caller detected AVX-512F and checked the lengths.
    unsafe { row_with::<__m512>(out, row) }
}

/// One row: max, exp and sum, divide; vectors first, then the scalar tail.
///
/// # Safety
/// The CPU has `S`'s width; `out` and `row` have equal lengths.
#[inline(always)]
unsafe fn row_with<S: Simd>(out: &mut [f32], row: &[f32]) {
    let l = S::LANES;
    let len = row.len();
    let blocked = len / (ACC * l) * (ACC * l);
    let full = len / l * l;
    let (x, o) = (row.as_ptr(), out.as_mut_ptr());
    // SAFETY: every access is at an offset `k` with `k + l ≤ full ≤ len`
    // into `row` or `out`, both `len` long; the width is the caller's guarantee.
    unsafe {
        let mut acc = [S::splat(f32::NEG_INFINITY); ACC];
        for base in (0..blocked).step_by(ACC * l) {
            for (j, a) in acc.iter_mut().enumerate() {
                *a = a.max_keep_nan(S::load(x.add(base + j * l)));
            }
        }
        for k in (blocked..full).step_by(l) {
            acc[0] = acc[0].max_keep_nan(S::load(x.add(k)));
        }
        // Plain loops rather than iterator closures, so the lane reductions
        // inline into this (target-feature) function.
        let mut m = f32::NEG_INFINITY;
        for &a in &acc {
            m = m.max(max_lanes(a));
        }
        for &v in &row[full..] {
            m = m.max(v);
        }
        let mv = S::splat(m);
        let mut acc = [S::splat(0.0); ACC];
        for base in (0..blocked).step_by(ACC * l) {
            for (j, a) in acc.iter_mut().enumerate() {
                let k = base + j * l;
                let e = exp(S::load(x.add(k)).sub(mv));
                e.store(o.add(k));
                *a = a.add(e);
            }
        }
        for k in (blocked..full).step_by(l) {
            let e = exp(S::load(x.add(k)).sub(mv));
            e.store(o.add(k));
            acc[0] = acc[0].add(e);
        }
        let mut s = 0.0f32;
        for &a in &acc {
            s += sum_lanes(a);
        }
        for (e, &v) in out[full..].iter_mut().zip(&row[full..]) {
            *e = polyexp::exp(v - m);
            s += *e;
        }
        // A fresh pointer: `out` was written through the slice just above.
        let o = out.as_mut_ptr();
        let sv = S::splat(s);
        for k in (0..full).step_by(l) {
            S::load(o.add(k)).div(sv).store(o.add(k));
        }
        for v in &mut out[full..] {
            *v /= s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::softmax::softmax_row;

    #[test]
    fn every_width_matches_the_scalar_rows_to_rounding() {
        for (rows_n, cols) in [(3, 1), (5, 7), (4, 67), (9, 300)] {
            let data: Vec<f32> = (0..rows_n * cols)
                .map(|k| ((k * 7919 % 1013) as f32 - 500.0) * 0.013)
                .collect();
            let mut want = vec![0.0f32; data.len()];
            for (o, r) in want.chunks_exact_mut(cols).zip(data.chunks_exact(cols)) {
                softmax_row(o, r, f32::exp);
            }
            for width in Width::ALL.into_iter().filter(|w| w.available()) {
                for parallel in [false, true] {
                    let mut got = vec![f32::NAN; data.len()];
                    rows(width, &mut got, &data, cols, parallel);
                    for (k, (g, w)) in got.iter().zip(&want).enumerate() {
                        assert!(
                            (g - w).abs() <= 2e-6 * w.abs() + 1e-12,
                            "{width:?} parallel={parallel} {rows_n}×{cols} [{k}]: {g} vs {w}"
                        );
                    }
                }
            }
        }
    }
}
