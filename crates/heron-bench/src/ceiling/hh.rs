//! W3's ceilings: the Hodgkin–Huxley population stepped with SIMD
//! intrinsics and the vector form of `polyexp::exp` (the inline exp heron's
//! kernels use too, so the comparison is at equal accuracy), step-outer or
//! neuron-outer (register tiles of `TILE` vectors), on one thread or on
//! rayon's pool. Every lane does `models::hh::neuron_step`'s operations in its order,
//! so the results are bit-identical to the scalar loop with `polyexp::exp`.

use super::simd::{Simd, exp};
use super::{Form, Plan, Width};
use crate::models::hh::{C, DT, EK, EL, ENA, GK, GL, GNA, V_TH, neuron_step};
use crate::polyexp;
use rayon::prelude::*;
use std::arch::x86_64::{__m128, __m256, __m512};

/// Vectors per register tile: the step's six exps already give independent
/// chains, so two vectors keep the units busy without spilling the state.
pub const TILE: usize = 2;

/// Neurons per rayon task (a multiple of every width's tile).
const CHUNK: usize = 1 << 12;

/// The state of a slice of neurons and their input current.
pub struct Neurons<'a> {
    /// Membrane potentials.
    pub v: &'a mut [f32],
    /// Sodium activation.
    pub m: &'a mut [f32],
    /// Sodium inactivation.
    pub h: &'a mut [f32],
    /// Potassium activation.
    pub n: &'a mut [f32],
    /// Spike counts.
    pub count: &'a mut [f32],
    /// Input currents.
    pub i: &'a [f32],
}

impl Neurons<'_> {
    fn check_lengths(&self) {
        let len = self.v.len();
        let lens = [
            self.m.len(),
            self.h.len(),
            self.n.len(),
            self.count.len(),
            self.i.len(),
        ];
        assert!(
            lens.iter().all(|&l| l == len),
            "ceiling HH: state and input lengths differ"
        );
    }

    /// Splits into rayon tasks of `CHUNK` neurons.
    fn par_chunks(&mut self) -> impl IndexedParallelIterator<Item = Neurons<'_>> {
        self.v
            .par_chunks_mut(CHUNK)
            .zip(self.m.par_chunks_mut(CHUNK))
            .zip(self.h.par_chunks_mut(CHUNK))
            .zip(self.n.par_chunks_mut(CHUNK))
            .zip(self.count.par_chunks_mut(CHUNK))
            .zip(self.i.par_chunks(CHUNK))
            .map(|(((((v, m), h), n), count), i)| Neurons {
                v,
                m,
                h,
                n,
                count,
                i,
            })
    }

    /// The scalar loop over neurons `from..` for `steps` steps.
    fn scalar_tail(&mut self, from: usize, steps: usize) {
        for _ in 0..steps {
            for k in from..self.v.len() {
                neuron_step(
                    &mut self.v[k],
                    &mut self.m[k],
                    &mut self.h[k],
                    &mut self.n[k],
                    &mut self.count[k],
                    self.i[k],
                    polyexp::exp,
                );
            }
        }
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
    for _ in 0..steps {
        if parallel {
            st.par_chunks().for_each(|mut c| run(width, &mut c, 1, 1));
        } else {
            run(width, &mut st, 1, 1);
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
            .for_each(|mut c| run(width, &mut c, steps, TILE));
    } else {
        run(width, &mut st, steps, TILE);
    }
}

/// `steps` steps over `st` in tiles of `tile` vectors (1 or `TILE`).
fn run(width: Width, st: &mut Neurons<'_>, steps: usize, tile: usize) {
    // SAFETY: `step_outer` and `tiled` asserted that the CPU has `width` and
    // that the slices have equal lengths, which is all the entry points need.
    unsafe {
        match (width, tile) {
            (Width::Sse2, 1) => run_sse2::<1>(st, steps),
            (Width::Sse2, _) => run_sse2::<TILE>(st, steps),
            (Width::Avx2, 1) => run_avx2::<1>(st, steps),
            (Width::Avx2, _) => run_avx2::<TILE>(st, steps),
            (Width::Avx512, 1) => run_avx512::<1>(st, steps),
            (Width::Avx512, _) => run_avx512::<TILE>(st, steps),
        }
    }
}

#[target_feature(enable = "sse2")]
unsafe fn run_sse2<const T: usize>(st: &mut Neurons<'_>, steps: usize) {
    // SAFETY: SSE2 is baseline on x86-64 (this fn enables it, as the kernel's
    // methods require); the caller checked the lengths.
    unsafe { run_with::<__m128, T>(st, steps) }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn run_avx2<const T: usize>(st: &mut Neurons<'_>, steps: usize) {
    // SAFETY: the caller detected AVX2 and FMA and checked the lengths.
    unsafe { run_with::<__m256, T>(st, steps) }
}

#[target_feature(enable = "avx512f")]
unsafe fn run_avx512<const T: usize>(st: &mut Neurons<'_>, steps: usize) {
    // SAFETY: the caller detected AVX-512F and checked the lengths.
    unsafe { run_with::<__m512, T>(st, steps) }
}

/// One neuron-step per lane, `models::hh::neuron_step` operation by operation.
#[derive(Clone, Copy)]
struct Lanes<S> {
    v: S,
    m: S,
    h: S,
    n: S,
    count: S,
    i: S,
}

/// `-(x + a) / b`, the argument of each rate function's exp.
#[inline(always)]
unsafe fn arg<S: Simd>(x: S, a: f32, b: f32) -> S {
    // SAFETY: the caller guarantees `S`'s width; no pointers.
    unsafe { x.add(S::splat(a)).neg().div(S::splat(b)) }
}

/// `g + DT * (a * (1 - g) - b * g)`.
#[inline(always)]
unsafe fn gate<S: Simd>(g: S, a: S, b: S) -> S {
    // SAFETY: the caller guarantees `S`'s width; no pointers.
    unsafe {
        let d = a.mul(S::splat(1.0).sub(g)).sub(b.mul(g));
        g.add(S::splat(DT).mul(d))
    }
}

#[inline(always)]
unsafe fn step<S: Simd>(s: &mut Lanes<S>) {
    // SAFETY: the caller guarantees `S`'s width; no pointers.
    unsafe {
        let k = S::splat;
        let x = s.v;
        let one = k(1.0);
        let am = k(0.1)
            .mul(x.add(k(40.0)))
            .div(one.sub(exp(arg(x, 40.0, 10.0))));
        let bm = k(4.0).mul(exp(arg(x, 65.0, 18.0)));
        let ah = k(0.07).mul(exp(arg(x, 65.0, 20.0)));
        let bh = one.div(one.add(exp(arg(x, 35.0, 10.0))));
        let an = k(0.01)
            .mul(x.add(k(55.0)))
            .div(one.sub(exp(arg(x, 55.0, 10.0))));
        let bn = k(0.125).mul(exp(arg(x, 65.0, 80.0)));
        let (mm, hh, nn) = (s.m, s.h, s.n);
        let ina = k(GNA).mul(mm).mul(mm).mul(mm).mul(hh).mul(x.sub(k(ENA)));
        let ik = k(GK).mul(nn).mul(nn).mul(nn).mul(nn).mul(x.sub(k(EK)));
        let il = k(GL).mul(x.sub(k(EL)));
        let total = ina.neg().sub(ik).sub(il).add(s.i);
        let xn = x.add(k(DT).mul(total).div(k(C)));
        s.m = gate(mm, am, bm);
        s.h = gate(hh, ah, bh);
        s.n = gate(nn, an, bn);
        let crossed = S::and(xn.ge(k(V_TH)), x.lt(k(V_TH)));
        s.count = s.count.add(S::select(crossed, one, k(0.0)));
        s.v = xn;
    }
}

/// All steps over tiles of `T` vectors, then single vectors, then the scalar tail.
///
/// # Safety
/// The CPU has `S`'s width; the slices have equal lengths.
#[inline(always)]
unsafe fn run_with<S: Simd, const T: usize>(st: &mut Neurons<'_>, steps: usize) {
    let l = S::LANES;
    let len = st.v.len();
    let tiled = len / (T * l) * (T * l);
    let full = len / l * l;
    // SAFETY: the tiles cover [0, tiled) and the single vectors [tiled,
    // full), both within the slices; the width is the caller's guarantee.
    unsafe {
        for base in (0..tiled).step_by(T * l) {
            tile::<S, T>(st, base, steps);
        }
        for base in (tiled..full).step_by(l) {
            tile::<S, 1>(st, base, steps);
        }
    }
    st.scalar_tail(full, steps);
}

/// `T` vectors of neurons from `base` through all `steps` steps in registers.
///
/// # Safety
/// The CPU has `S`'s width; `base + T·LANES` ≤ the slices' (equal) lengths.
#[inline(always)]
unsafe fn tile<S: Simd, const T: usize>(st: &mut Neurons<'_>, base: usize, steps: usize) {
    let l = S::LANES;
    let ptrs = [
        st.v.as_mut_ptr(),
        st.m.as_mut_ptr(),
        st.h.as_mut_ptr(),
        st.n.as_mut_ptr(),
        st.count.as_mut_ptr(),
    ];
    let ip = st.i.as_ptr();
    // SAFETY: the caller guarantees the width and that lanes [base, base +
    // T·l) lie within every slice.
    unsafe {
        let at = |k: usize| base + k * l;
        let ld = |p: *mut f32, k: usize| S::load(p.add(at(k)));
        let mut ls: [Lanes<S>; T] = std::array::from_fn(|k| Lanes {
            v: ld(ptrs[0], k),
            m: ld(ptrs[1], k),
            h: ld(ptrs[2], k),
            n: ld(ptrs[3], k),
            count: ld(ptrs[4], k),
            i: S::load(ip.add(at(k))),
        });
        for _ in 0..steps {
            for s in ls.iter_mut() {
                step(s);
            }
        }
        for (k, s) in ls.iter().enumerate() {
            for (p, x) in ptrs.iter().zip([s.v, s.m, s.h, s.n, s.count]) {
                x.store(p.add(at(k)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type State = [Vec<f32>; 6];

    fn start(len: usize) -> State {
        let v = (0..len)
            .map(|k| -70.0 + (k * 53 % 97) as f32 * 0.1)
            .collect();
        let i = (0..len)
            .map(|k| 5.0 + (k * 29 % 89) as f32 * 0.11)
            .collect();
        [
            v,
            vec![0.05; len],
            vec![0.6; len],
            vec![0.32; len],
            vec![0.0; len],
            i,
        ]
    }

    fn neurons(s: &mut State) -> Neurons<'_> {
        let [v, m, h, n, count, i] = s;
        Neurons {
            v,
            m,
            h,
            n,
            count,
            i,
        }
    }

    type Kernel = fn(Width, Neurons<'_>, usize, bool);

    #[test]
    fn every_form_and_width_is_bit_identical_to_the_scalar_poly_loop() {
        for len in [1, 5, 39, 2 * CHUNK + 77] {
            let steps = 150;
            let mut want = start(len);
            neurons(&mut want).scalar_tail(0, steps);
            assert!(
                want[4].iter().any(|&c| c > 0.0) || len < 39,
                "no spikes at len = {len}"
            );
            for width in Width::ALL.into_iter().filter(|w| w.available()) {
                let forms: [(&str, Kernel); 2] = [("step-outer", step_outer), ("tiled", tiled)];
                for (form, kernel) in forms {
                    for parallel in [false, true] {
                        let mut got = start(len);
                        kernel(width, neurons(&mut got), steps, parallel);
                        for (k, (g, w)) in got.iter().zip(&want).enumerate() {
                            let bits =
                                |x: &[f32]| x.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                            assert_eq!(
                                bits(g),
                                bits(w),
                                "state {k}: {width:?} {form} parallel={parallel} len={len}"
                            );
                        }
                    }
                }
            }
        }
    }
}
