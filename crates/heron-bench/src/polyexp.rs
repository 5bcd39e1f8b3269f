//! An inlinable, branch-free f32 `exp` for the hand-written loops: the
//! Cephes `expf` reduction and polynomial, written with operations that
//! vectorise on baseline x86-64 (SSE2), so a loop calling it compiles to
//! SIMD code where a loop calling `f32::exp` makes one libm call per element.
//! Relative error below 2e-7 for arguments in `[-87, 88]`; arguments outside
//! are clamped to that range (so it saturates instead of giving 0 or inf).

/// Adding and subtracting 1.5·2^23 rounds an f32 of magnitude below 2^22 to
/// the nearest integer, and leaves that integer in the low mantissa bits.
pub(crate) const ROUNDER: f32 = 12_582_912.0;
/// log2(e).
pub(crate) const LOG2E: f32 = std::f32::consts::LOG2_E;
/// ln 2 split in two so that `n · LN2_HI` is exact.
pub(crate) const LN2_HI: f32 = 0.693_359_4;
/// The rest of ln 2.
pub(crate) const LN2_LO: f32 = -2.121_944_4e-4;
/// Arguments are clamped to `[LO, HI]`.
pub(crate) const LO: f32 = -87.0;
/// Upper clamp.
pub(crate) const HI: f32 = 88.0;
/// The polynomial's coefficients, highest degree first (Horner order):
/// `e^r ≈ 1 + r + r²·(P[0]·r⁵ + … + P[5])`.
pub(crate) const P: [f32; 6] = [
    1.987_569_1e-4,
    1.398_199_9e-3,
    8.333_452e-3,
    4.166_579_6e-2,
    1.666_666_5e-1,
    5e-1,
];

/// `e^x` by range reduction `x = n·ln2 + r`, `|r| ≤ ln2/2`, a degree-6
/// polynomial for `e^r` and a scaling by `2^n` built from its bits.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    let x = x.clamp(LO, HI);
    let t = x * LOG2E + ROUNDER;
    let n = t - ROUNDER;
    let r = x - n * LN2_HI - n * LN2_LO;
    let mut p = P[0];
    for &c in &P[1..] {
        p = p * r + c;
    }
    let y = p * r * r + r + 1.0;
    // The integer n sits in t's low mantissa bits: t.to_bits() - ROUNDER.to_bits() == n.
    let n_int = t.to_bits().wrapping_sub(ROUNDER.to_bits());
    let scale = f32::from_bits(n_int.wrapping_add(127) << 23);
    y * scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_std_exp_to_two_tenths_of_a_microunit() {
        let mut worst = 0.0f64;
        let mut x = -87.0f32;
        while x <= 88.0 {
            let want = (x as f64).exp();
            let err = ((exp(x) as f64 - want) / want).abs();
            worst = worst.max(err);
            x += 0.013;
        }
        assert!(worst < 2e-7, "worst relative error {worst}");
        assert_eq!(exp(0.0), 1.0);
        assert!(exp(-1000.0) > 0.0 && exp(1000.0).is_finite());
    }
}
