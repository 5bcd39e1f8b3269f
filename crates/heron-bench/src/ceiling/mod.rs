//! The ceilings: hand-written SIMD loops that show how fast W2 (LIF), W3
//! (Hodgkin–Huxley) and W4's softmax can go on the machine the bench runs on,
//! so every run shows heron against them.
//!
//! Two vector widths, each checked against the case's reference like every
//! other variant:
//! - **128-bit** (SSE2 intrinsics, baseline on x86-64): the width of the
//!   vectors Cranelift emits, so what heron's generated code could reach;
//! - **the widest the CPU has** (AVX-512F, else AVX2 with FMA), chosen at run
//!   time with `is_x86_feature_detected!`: what an LLVM-compiled peer
//!   (Numba, XLA) can reach with the host's vectors.
//!
//! and two loop forms for the simulations:
//! - **step-outer**: one sweep over all neurons per step, loading and storing
//!   the state each step (Numba's `prange` loop; heron's chunked loop form);
//! - **neuron-outer** (register tiles): a tile of several independent vectors
//!   of neurons is loaded once, runs *all* steps in registers and is stored
//!   once.
//!
//! Every kernel does the scalar loop's operations in the scalar loop's order
//! with exact IEEE division and no FMA contraction, so the LIF and HH ceilings
//! are bit-identical to the scalar loops (`models::lif::rust_step`; `models::hh::neuron_step`
//! with `polyexp::exp`); softmax sums in another order. On other
//! architectures, or CPUs without a width, the variants are left out with a
//! note in the case.

#[cfg(target_arch = "x86_64")]
pub mod hh;
#[cfg(target_arch = "x86_64")]
pub mod lif;
#[cfg(target_arch = "x86_64")]
mod simd;
#[cfg(target_arch = "x86_64")]
pub mod softmax;

/// A loop form of the simulation ceilings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// One sweep over every neuron per step.
    StepOuter,
    /// Register tiles run through every step.
    Tiled,
}

/// One ceiling variant of a simulation: its name, width, form and whether it
/// runs on rayon's pool.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The variant's name (`ceiling sse2, tiles 8×4, rayon`).
    pub name: String,
    /// Vector width.
    pub width: Width,
    /// Loop form.
    pub form: Form,
    /// On rayon's pool (else on the calling thread).
    pub parallel: bool,
}

/// The simulation ceilings a case shows (each width shown × both forms × one
/// thread and rayon; `tile` vectors per register tile), and notes for those
/// left out.
pub fn simulation_plans(tile: usize) -> (Vec<Plan>, Vec<String>) {
    let (widths, notes) = Width::shown();
    let mut plans = Vec::new();
    for width in widths {
        for form in [Form::StepOuter, Form::Tiled] {
            for parallel in [false, true] {
                let shape = match form {
                    Form::StepOuter => "step-outer".to_string(),
                    Form::Tiled => format!("tiles {tile}×{}", width.lanes()),
                };
                let threads = if parallel { "rayon" } else { "1 thread" };
                plans.push(Plan {
                    name: format!("ceiling {}, {shape}, {threads}", width.label()),
                    width,
                    form,
                    parallel,
                });
            }
        }
    }
    (plans, notes)
}

/// The softmax ceilings a case shows (each width shown × one thread and
/// rayon; the form is `Form::StepOuter`, row by row), and notes for those
/// left out.
pub fn row_plans() -> (Vec<Plan>, Vec<String>) {
    let (widths, notes) = Width::shown();
    let mut plans = Vec::new();
    for width in widths {
        for parallel in [false, true] {
            let threads = if parallel { "rayon" } else { "1 thread" };
            plans.push(Plan {
                name: format!("ceiling {}, {threads}", width.label()),
                width,
                form: Form::StepOuter,
                parallel,
            });
        }
    }
    (plans, notes)
}

/// A vector width the ceiling kernels are compiled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Width {
    /// 128-bit SSE2 vectors (4 × f32): heron's width.
    Sse2,
    /// 256-bit AVX2 vectors (8 × f32), FMA enabled.
    Avx2,
    /// 512-bit AVX-512F vectors (16 × f32).
    Avx512,
}

impl Width {
    /// Every width, narrowest first.
    pub const ALL: [Width; 3] = [Width::Sse2, Width::Avx2, Width::Avx512];

    /// Whether this CPU runs this width's kernels (always false off x86-64).
    pub fn available(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            match self {
                Width::Sse2 => true,
                Width::Avx2 => {
                    std::arch::is_x86_feature_detected!("avx2")
                        && std::arch::is_x86_feature_detected!("fma")
                }
                Width::Avx512 => std::arch::is_x86_feature_detected!("avx512f"),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    }

    /// The widest width wider than 128 bits this CPU has, if any.
    pub fn widest() -> Option<Width> {
        [Width::Avx512, Width::Avx2]
            .into_iter()
            .find(|w| w.available())
    }

    /// f32 lanes per vector.
    pub fn lanes(self) -> usize {
        match self {
            Width::Sse2 => 4,
            Width::Avx2 => 8,
            Width::Avx512 => 16,
        }
    }

    /// The name used in variant names (`sse2`, `avx2`, `avx512`).
    pub fn label(self) -> &'static str {
        match self {
            Width::Sse2 => "sse2",
            Width::Avx2 => "avx2",
            Width::Avx512 => "avx512",
        }
    }

    /// The widths whose ceilings a case shows: 128-bit and the widest, and
    /// notes for those left out.
    pub fn shown() -> (Vec<Width>, Vec<String>) {
        let mut notes = Vec::new();
        if !Width::Sse2.available() {
            notes.push(
                "ceiling variants left out: the hand-written SIMD kernels are x86-64 only".into(),
            );
            return (Vec::new(), notes);
        }
        let mut widths = vec![Width::Sse2];
        match Width::widest() {
            Some(w) => widths.push(w),
            None => notes.push(
                "widest-vector ceiling variants left out: this CPU has neither AVX-512F nor AVX2+FMA"
                    .into(),
            ),
        }
        (widths, notes)
    }

    /// Panics unless this CPU runs this width: the kernels' entry points
    /// call it before running instructions of the width.
    pub(crate) fn assert_available(self) {
        assert!(
            self.available(),
            "ceiling kernel: this CPU lacks the {} instructions",
            self.label()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sse2_is_shown_on_x86_64_and_the_widest_is_wider() {
        let (widths, notes) = Width::shown();
        if cfg!(target_arch = "x86_64") {
            assert_eq!(widths[0], Width::Sse2);
            assert!(widths.iter().skip(1).all(|w| w.lanes() > 4));
            assert_eq!(widths.len() + notes.len(), 2, "{notes:?}");
            let (plans, _) = simulation_plans(8);
            assert_eq!(plans.len(), widths.len() * 4);
            assert_eq!(plans[3].name, "ceiling sse2, tiles 8×4, rayon");
            assert_eq!(row_plans().0[0].name, "ceiling sse2, 1 thread");
        } else {
            assert!(widths.is_empty() && notes.len() == 1);
        }
    }
}
