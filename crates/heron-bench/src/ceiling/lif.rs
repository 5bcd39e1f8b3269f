//! W2's ceilings: the LIF population stepped with SIMD intrinsics, in two
//! forms — step-outer (a sweep over every neuron per step) and neuron-outer
//! (register tiles of `TILE` vectors holding V, t_last and `I·R` for all
//! steps) — each on one thread or on rayon's pool. Every lane does
//! `models::lif::rust_step`'s operations in its order, so the results are bit-identical.

use super::simd::Simd;
use super::{Form, Plan, Width};
use crate::models::lif::{DT, R, TAU, V_RESET, V_REST, V_TH, rust_step, time};
use rayon::prelude::*;
use std::arch::x86_64::{__m128, __m256, __m512};

/// Vectors per register tile: 8 independent dependency chains hide the
/// latency of the step's division.
pub const TILE: usize = 8;

/// Neurons per rayon task (a multiple of every width's tile).
const CHUNK: usize = 1 << 14;

/// The state of a slice of neurons and their input current.
pub struct Neurons<'a> {
    /// Membrane potentials.
    pub v: &'a mut [f32],
    /// Times of the last spike.
    pub t_last: &'a mut [f32],
    /// Whether each neuron spiked in the last step.
    pub spike: &'a mut [bool],
    /// Input currents.
    pub i: &'a [f32],
}

impl Neurons<'_> {
    fn check_lengths(&self) {
        let n = self.v.len();
        assert!(
            self.t_last.len() == n && self.spike.len() == n && self.i.len() == n,
            "ceiling LIF: state and input lengths differ"
        );
    }

    /// Splits into rayon tasks of `CHUNK` neurons.
    fn par_chunks(&mut self) -> impl IndexedParallelIterator<Item = Neurons<'_>> {
        self.v
            .par_chunks_mut(CHUNK)
            .zip(self.t_last.par_chunks_mut(CHUNK))
            .zip(self.spike.par_chunks_mut(CHUNK))
            .zip(self.i.par_chunks(CHUNK))
            .map(|(((v, t_last), spike), i)| Neurons {
                v,
                t_last,
                spike,
                i,
            })
    }
}

/// `steps` steps in `plan`'s width and form.
pub fn run_plan(plan: &Plan, st: Neurons<'_>, steps: usize) {
    match plan.form {
        Form::StepOuter => step_outer(plan.width, st, steps, plan.parallel),
        Form::Tiled => tiled(plan.width, st, steps, plan.parallel),
    }
}

/// `steps` steps, each a sweep over every neuron (on rayon's pool when `parallel`).
///
/// Panics when the CPU lacks `width` or the slices' lengths differ.
pub fn step_outer(width: Width, mut st: Neurons<'_>, steps: usize, parallel: bool) {
    width.assert_available();
    st.check_lengths();
    for s in 0..steps {
        let t = time(s);
        if parallel {
            st.par_chunks().for_each(|mut c| sweep(width, &mut c, t));
        } else {
            sweep(width, &mut st, t);
        }
    }
}

/// `steps` steps run tile by tile, each tile's state in registers throughout
/// (tiles shared among rayon's threads when `parallel`).
///
/// Panics when the CPU lacks `width` or the slices' lengths differ.
pub fn tiled(width: Width, mut st: Neurons<'_>, steps: usize, parallel: bool) {
    width.assert_available();
    st.check_lengths();
    if parallel {
        st.par_chunks()
            .for_each(|mut c| tiles(width, &mut c, steps));
    } else {
        tiles(width, &mut st, steps);
    }
}

fn sweep(width: Width, st: &mut Neurons<'_>, t: f32) {
    // SAFETY: `step_outer` asserted that the CPU has `width` and that the
    // slices have equal lengths, which is all the entry points need.
    unsafe {
        match width {
            Width::Sse2 => sweep_sse2(st, t),
            Width::Avx2 => sweep_avx2(st, t),
            Width::Avx512 => sweep_avx512(st, t),
        }
    }
}

fn tiles(width: Width, st: &mut Neurons<'_>, steps: usize) {
    // SAFETY: `tiled` asserted that the CPU has `width` and that the slices
    // have equal lengths, which is all the entry points need.
    unsafe {
        match width {
            Width::Sse2 => tiles_sse2(st, steps),
            Width::Avx2 => tiles_avx2(st, steps),
            Width::Avx512 => tiles_avx512(st, steps),
        }
    }
}

#[target_feature(enable = "sse2")]
unsafe fn sweep_sse2(st: &mut Neurons<'_>, t: f32) {
    // SAFETY: SSE2 is baseline on x86-64 (this fn enables it, as the kernel's
    // methods require); the caller checked the lengths.
    unsafe { sweep_with::<__m128>(st, t) }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn sweep_avx2(st: &mut Neurons<'_>, t: f32) {
    // SAFETY: the caller detected AVX2 and FMA and checked the lengths.
    unsafe { sweep_with::<__m256>(st, t) }
}

#[target_feature(enable = "avx512f")]
unsafe fn sweep_avx512(st: &mut Neurons<'_>, t: f32) {
    // SAFETY: the caller detected AVX-512F and checked the lengths.
    unsafe { sweep_with::<__m512>(st, t) }
}

#[target_feature(enable = "sse2")]
unsafe fn tiles_sse2(st: &mut Neurons<'_>, steps: usize) {
    // SAFETY: SSE2 is baseline on x86-64 (this fn enables it, as the kernel's
    // methods require); the caller checked the lengths.
    unsafe { tiles_with::<__m128>(st, steps) }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn tiles_avx2(st: &mut Neurons<'_>, steps: usize) {
    // SAFETY: the caller detected AVX2 and FMA and checked the lengths.
    unsafe { tiles_with::<__m256>(st, steps) }
}

#[target_feature(enable = "avx512f")]
unsafe fn tiles_avx512(st: &mut Neurons<'_>, steps: usize) {
    // SAFETY: the caller detected AVX-512F and checked the lengths.
    unsafe { tiles_with::<__m512>(st, steps) }
}

/// The LIF update of one vector of neurons: `(V', fired)`, with `c = I·R`.
#[inline(always)]
unsafe fn update<S: Simd>(v: S, c: S) -> (S, S::Mask) {
    // SAFETY: the caller guarantees `S`'s width; no pointers.
    unsafe {
        // v + DT * (-(v - V_REST) + c) / TAU, operation by operation.
        let d = v.sub(S::splat(V_REST)).neg().add(c);
        let x = v.add(S::splat(DT).mul(d).div(S::splat(TAU)));
        let fired = x.ge(S::splat(V_TH));
        (S::select(fired, S::splat(V_RESET), x), fired)
    }
}

/// `SPREAD[b]` has byte `j` equal to bit `j` of `b`: eight mask bits as
/// eight `bool` bytes.
const SPREAD: [u64; 256] = {
    let mut table = [0u64; 256];
    let mut b = 0;
    while b < 256 {
        let mut j = 0;
        while j < 8 {
            table[b] |= ((b as u64 >> j) & 1) << (8 * j);
            j += 1;
        }
        b += 1;
    }
    table
};

/// Writes lane `j` of `m` to `out[j]` for each of `out`'s lanes (at most
/// 16), as one copy of 0/1 bytes rather than a store per lane.
#[inline(always)]
unsafe fn store_mask<S: Simd>(m: S::Mask, out: &mut [bool]) {
    // SAFETY: the caller guarantees `S`'s width; no pointers.
    let bits = unsafe { S::bits(m) } as usize;
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&SPREAD[bits & 0xff].to_le_bytes());
    bytes[8..].copy_from_slice(&SPREAD[(bits >> 8) & 0xff].to_le_bytes());
    let len = out.len().min(16);
    // SAFETY: `out` is `len` valid, exclusively borrowed bools, and every
    // byte written is 0 or 1, a valid bool.
    let out = unsafe { std::slice::from_raw_parts_mut(out.as_mut_ptr().cast::<u8>(), len) };
    out.copy_from_slice(&bytes[..len]);
}

/// One step over the whole slice: vectors, then the scalar tail.
///
/// # Safety
/// The CPU has `S`'s width; the slices have equal lengths.
#[inline(always)]
unsafe fn sweep_with<S: Simd>(st: &mut Neurons<'_>, t: f32) {
    let l = S::LANES;
    let full = st.v.len() / l * l;
    let (v, tl, i) = (st.v.as_mut_ptr(), st.t_last.as_mut_ptr(), st.i.as_ptr());
    // SAFETY: every pointer below is offset by `k + l ≤ full ≤ len` from the
    // start of a slice of length `len`; the width is the caller's guarantee.
    unsafe {
        let tv = S::splat(t);
        for k in (0..full).step_by(l) {
            let c = S::load(i.add(k)).mul(S::splat(R));
            let (x, fired) = update(S::load(v.add(k)), c);
            x.store(v.add(k));
            S::select(fired, tv, S::load(tl.add(k))).store(tl.add(k));
            store_mask::<S>(fired, &mut st.spike[k..k + l]);
        }
    }
    rust_step(
        &mut st.v[full..],
        &mut st.t_last[full..],
        &mut st.spike[full..],
        &st.i[full..],
        t,
    );
}

/// All steps tile by tile: tiles of `TILE` vectors, then single vectors, then
/// the scalar tail.
///
/// # Safety
/// The CPU has `S`'s width; the slices have equal lengths.
#[inline(always)]
unsafe fn tiles_with<S: Simd>(st: &mut Neurons<'_>, steps: usize) {
    if steps == 0 {
        return;
    }
    let l = S::LANES;
    let tiled = st.v.len() / (TILE * l) * (TILE * l);
    let full = st.v.len() / l * l;
    // SAFETY: the tiles cover [0, tiled) and the single vectors [tiled,
    // full), both within the slices; the width is the caller's guarantee.
    unsafe {
        for base in (0..tiled).step_by(TILE * l) {
            tile::<S, TILE>(st, base, steps);
        }
        for base in (tiled..full).step_by(l) {
            tile::<S, 1>(st, base, steps);
        }
    }
    let n = st.v.len();
    for s in 0..steps {
        rust_step(
            &mut st.v[full..n],
            &mut st.t_last[full..n],
            &mut st.spike[full..n],
            &st.i[full..n],
            time(s),
        );
    }
}

/// `T` vectors of neurons from `base` through all `steps` steps in registers.
///
/// # Safety
/// The CPU has `S`'s width; `base + T·LANES` ≤ the slices' (equal) lengths;
/// `steps` ≥ 1.
#[inline(always)]
unsafe fn tile<S: Simd, const T: usize>(st: &mut Neurons<'_>, base: usize, steps: usize) {
    let l = S::LANES;
    let (v, tl, i) = (st.v.as_mut_ptr(), st.t_last.as_mut_ptr(), st.i.as_ptr());
    // SAFETY: the caller guarantees the width and that lanes [base, base +
    // T·l) lie within every slice.
    unsafe {
        let at = |k: usize| base + k * l;
        let mut vs: [S; T] = std::array::from_fn(|k| S::load(v.add(at(k))));
        let mut ts: [S; T] = std::array::from_fn(|k| S::load(tl.add(at(k))));
        let cs: [S; T] = std::array::from_fn(|k| S::load(i.add(at(k))).mul(S::splat(R)));
        let mut fired: [S::Mask; T] = std::array::from_fn(|_| S::splat(0.0).lt(S::splat(0.0)));
        for s in 0..steps {
            let t = S::splat(time(s));
            for k in 0..T {
                let (x, f) = update(vs[k], cs[k]);
                vs[k] = x;
                ts[k] = S::select(f, t, ts[k]);
                fired[k] = f;
            }
        }
        for k in 0..T {
            vs[k].store(v.add(at(k)));
            ts[k].store(tl.add(at(k)));
            store_mask::<S>(fired[k], &mut st.spike[at(k)..at(k) + l]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::lif::{T_NEVER, V_REST};

    fn start(n: usize) -> (Vec<f32>, Vec<f32>, Vec<bool>, Vec<f32>) {
        // Currents around the threshold current (15) so that some neurons
        // spike, some several times, and some never.
        let i = (0..n).map(|k| 10.0 + (k * 37 % 101) as f32 * 0.3).collect();
        (vec![V_REST; n], vec![T_NEVER; n], vec![false; n], i)
    }

    type Kernel = fn(Width, Neurons<'_>, usize, bool);

    #[test]
    fn every_form_and_width_is_bit_identical_to_the_scalar_loop() {
        // Odd sizes: tile remainders, single-vector remainders and scalar tails.
        for n in [1, 7, 37, 200, 2 * CHUNK + 133] {
            let steps = 150;
            let (mut v, mut tl, mut sp, i) = start(n);
            for s in 0..steps {
                rust_step(&mut v, &mut tl, &mut sp, &i, time(s));
            }
            let spiked = tl.iter().filter(|&&t| t != T_NEVER).count();
            assert!(
                n < 37 || (spiked > 0 && spiked < n),
                "{spiked} of {n} neurons spiked"
            );
            for width in Width::ALL.into_iter().filter(|w| w.available()) {
                let forms: [(&str, Kernel); 2] = [("step-outer", step_outer), ("tiled", tiled)];
                for (form, kernel) in forms {
                    for parallel in [false, true] {
                        let (mut v2, mut tl2, mut sp2, i2) = start(n);
                        let st = Neurons {
                            v: &mut v2,
                            t_last: &mut tl2,
                            spike: &mut sp2,
                            i: &i2,
                        };
                        kernel(width, st, steps, parallel);
                        let what = format!("{width:?} {form} parallel={parallel} n={n}");
                        let bits = |x: &[f32]| x.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                        assert_eq!(bits(&v2), bits(&v), "V: {what}");
                        assert_eq!(bits(&tl2), bits(&tl), "t_last: {what}");
                        assert_eq!(sp2, sp, "spike: {what}");
                    }
                }
            }
        }
    }
}
