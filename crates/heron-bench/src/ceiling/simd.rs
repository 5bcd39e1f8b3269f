//! The f32 vector operations the ceiling kernels are written with, one trait
//! implemented for the 128-, 256- and 512-bit x86-64 vector types, so each
//! kernel is written once and instantiated per width inside a
//! `#[target_feature]` entry point.
//!
//! Every method is a `#[target_feature]` function: the 128-bit ones use
//! SSE2 only (baseline on x86-64), the wider ones AVX2 or AVX-512F, which is
//! why every method is `unsafe` — callers must have detected the width
//! (`Width::assert_available`) first. The methods are inlined into the
//! `#[target_feature]` entry points, whose features include theirs.

use crate::polyexp::{HI, LN2_HI, LN2_LO, LO, LOG2E, P, ROUNDER};
use std::arch::x86_64::*;

/// An f32 vector of `LANES` lanes and its comparison mask.
///
/// Every method is unsafe for one reason: it executes instructions of the
/// implementing width, which the CPU must have. Pointer methods also need
/// `LANES` valid f32s at the pointer.
pub(crate) trait Simd: Copy {
    /// The result of a comparison.
    type Mask: Copy;
    /// f32 lanes per vector.
    const LANES: usize;
    /// Every lane `x`.
    unsafe fn splat(x: f32) -> Self;
    /// `LANES` f32s from `p` (unaligned).
    unsafe fn load(p: *const f32) -> Self;
    /// Stores the lanes at `p` (unaligned).
    unsafe fn store(self, p: *mut f32);
    /// Lane-wise `a + b`.
    unsafe fn add(self, b: Self) -> Self;
    /// Lane-wise `a - b`.
    unsafe fn sub(self, b: Self) -> Self;
    /// Lane-wise `a * b`.
    unsafe fn mul(self, b: Self) -> Self;
    /// Lane-wise `a / b` (IEEE division).
    unsafe fn div(self, b: Self) -> Self;
    /// Lane-wise `-a` (sign flip, as Rust's `-x`).
    unsafe fn neg(self) -> Self;
    /// Lane-wise `b < a ? b : a`, i.e. `min` with a NaN in `a` kept.
    unsafe fn min_keep_nan(self, b: Self) -> Self;
    /// Lane-wise `b > a ? b : a`, i.e. `max` with a NaN in `a` kept.
    unsafe fn max_keep_nan(self, b: Self) -> Self;
    /// Lane-wise `a >= b` (false on NaN).
    unsafe fn ge(self, b: Self) -> Self::Mask;
    /// Lane-wise `a < b` (false on NaN).
    unsafe fn lt(self, b: Self) -> Self::Mask;
    /// Lane-wise `m1 && m2`.
    unsafe fn and(m1: Self::Mask, m2: Self::Mask) -> Self::Mask;
    /// Lane-wise `m ? a : b`.
    unsafe fn select(m: Self::Mask, a: Self, b: Self) -> Self;
    /// Bit `j` set when lane `j` of `m` is true.
    unsafe fn bits(m: Self::Mask) -> u32;
    /// `2^n` per lane, where `t` holds `n` in its low mantissa bits as
    /// `polyexp::exp` leaves it (`t = x·log2 e + 1.5·2^23`).
    unsafe fn pow2_from_rounded(t: Self) -> Self;
}

/// `polyexp::exp` on a vector: the same operations in the same order, so
/// each lane equals the scalar function's result bit for bit.
///
/// # Safety
/// The CPU must have `S`'s width.
#[inline(always)]
pub(crate) unsafe fn exp<S: Simd>(x: S) -> S {
    // SAFETY: the caller guarantees the CPU runs `S`'s instructions; no pointers.
    unsafe {
        // f32::clamp keeps a NaN; `min_keep_nan`/`max_keep_nan` with the
        // argument first do too.
        let x = x.min_keep_nan(S::splat(HI)).max_keep_nan(S::splat(LO));
        let rounder = S::splat(ROUNDER);
        let t = x.mul(S::splat(LOG2E)).add(rounder);
        let n = t.sub(rounder);
        let r = x.sub(n.mul(S::splat(LN2_HI))).sub(n.mul(S::splat(LN2_LO)));
        let mut p = S::splat(P[0]);
        for &c in &P[1..] {
            p = p.mul(r).add(S::splat(c));
        }
        let y = p.mul(r).mul(r).add(r).add(S::splat(1.0));
        y.mul(S::pow2_from_rounded(t))
    }
}

/// The sum of a vector's lanes, lane 0 first.
///
/// # Safety
/// The CPU must have `S`'s width.
#[inline(always)]
pub(crate) unsafe fn sum_lanes<S: Simd>(v: S) -> f32 {
    let mut buf = [0.0f32; 16];
    // SAFETY: `buf` holds 16 ≥ S::LANES f32s; the caller guarantees the width.
    unsafe { v.store(buf.as_mut_ptr()) };
    buf[..S::LANES].iter().sum()
}

/// The maximum of a vector's lanes.
///
/// # Safety
/// The CPU must have `S`'s width.
#[inline(always)]
pub(crate) unsafe fn max_lanes<S: Simd>(v: S) -> f32 {
    let mut buf = [0.0f32; 16];
    // SAFETY: `buf` holds 16 ≥ S::LANES f32s; the caller guarantees the width.
    unsafe { v.store(buf.as_mut_ptr()) };
    buf[..S::LANES]
        .iter()
        .copied()
        .fold(f32::NEG_INFINITY, f32::max)
}

const ROUNDER_BITS_LESS_BIAS: i32 = ROUNDER.to_bits() as i32 - 127;

impl Simd for __m128 {
    type Mask = __m128;
    const LANES: usize = 4;
    #[inline]
    #[target_feature(enable = "sse2")]
    unsafe fn splat(x: f32) -> Self {
        _mm_set1_ps(x)
    }
    #[inline]
    #[target_feature(enable = "sse2")]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees 4 readable f32s at `p`.
        unsafe { _mm_loadu_ps(p) }
    }
    #[inline]
    #[target_feature(enable = "sse2")]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: the caller guarantees 4 writable f32s at `p`.
        unsafe { _mm_storeu_ps(p, self) }
    }
    #[inline]
    #[target_feature(enable = "sse2")]
    unsafe fn add(self, b: Self) -> Self {
        _mm_add_ps(self, b)
    }
    #[inline]
    #[target_feature(enable = "sse2")]
    unsafe fn sub(self, b: Self) -> Self {
        _mm_sub_ps(self, b)
    }
    #[inline]
    #[target_feature(enable = "sse2")]
    unsafe fn mul(self, b: Self) -> Self {
        _mm_mul_ps(self, b)
    }
    #[inline]
    #[target_feature(enable = "sse2")]
    unsafe fn div(self, b: Self) -> Self {
        _mm_div_ps(self, b)
    }
    #[inline]
    #[target_feature(enable = "sse2")]
    unsafe fn neg(self) -> Self {
        _mm_xor_ps(self, _mm_set1_ps(-0.0))
    }
    #[inline]
    #[target_feature(enable = "sse2")]
    unsafe fn min_keep_nan(self, b: Self) -> Self {
        // minps returns its second operand unless the first is smaller.
        _mm_min_ps(b, self)
    }
    #[inline]
    #[target_feature(enable = "sse2")]
    unsafe fn max_keep_nan(self, b: Self) -> Self {
        _mm_max_ps(b, self)
    }
    #[inline]
    #[target_feature(enable = "sse2")]
    unsafe fn ge(self, b: Self) -> Self::Mask {
        _mm_cmpge_ps(self, b)
    }
    #[inline]
    #[target_feature(enable = "sse2")]
    unsafe fn lt(self, b: Self) -> Self::Mask {
        _mm_cmplt_ps(self, b)
    }
    #[inline]
    #[target_feature(enable = "sse2")]
    unsafe fn and(m1: Self::Mask, m2: Self::Mask) -> Self::Mask {
        _mm_and_ps(m1, m2)
    }
    #[inline]
    #[target_feature(enable = "sse2")]
    unsafe fn select(m: Self::Mask, a: Self, b: Self) -> Self {
        _mm_or_ps(_mm_and_ps(m, a), _mm_andnot_ps(m, b))
    }
    #[inline]
    #[target_feature(enable = "sse2")]
    unsafe fn bits(m: Self::Mask) -> u32 {
        _mm_movemask_ps(m) as u32
    }
    #[inline]
    #[target_feature(enable = "sse2")]
    unsafe fn pow2_from_rounded(t: Self) -> Self {
        let n = _mm_sub_epi32(_mm_castps_si128(t), _mm_set1_epi32(ROUNDER_BITS_LESS_BIAS));
        _mm_castsi128_ps(_mm_slli_epi32::<23>(n))
    }
}

impl Simd for __m256 {
    type Mask = __m256;
    const LANES: usize = 8;
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn splat(x: f32) -> Self {
        _mm256_set1_ps(x)
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees 8 readable f32s at `p`.
        unsafe { _mm256_loadu_ps(p) }
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: the caller guarantees 8 writable f32s at `p`.
        unsafe { _mm256_storeu_ps(p, self) }
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn add(self, b: Self) -> Self {
        _mm256_add_ps(self, b)
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn sub(self, b: Self) -> Self {
        _mm256_sub_ps(self, b)
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn mul(self, b: Self) -> Self {
        _mm256_mul_ps(self, b)
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn div(self, b: Self) -> Self {
        _mm256_div_ps(self, b)
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn neg(self) -> Self {
        _mm256_xor_ps(self, _mm256_set1_ps(-0.0))
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn min_keep_nan(self, b: Self) -> Self {
        _mm256_min_ps(b, self)
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn max_keep_nan(self, b: Self) -> Self {
        _mm256_max_ps(b, self)
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn ge(self, b: Self) -> Self::Mask {
        _mm256_cmp_ps::<_CMP_GE_OQ>(self, b)
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn lt(self, b: Self) -> Self::Mask {
        _mm256_cmp_ps::<_CMP_LT_OQ>(self, b)
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn and(m1: Self::Mask, m2: Self::Mask) -> Self::Mask {
        _mm256_and_ps(m1, m2)
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn select(m: Self::Mask, a: Self, b: Self) -> Self {
        _mm256_blendv_ps(b, a, m)
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn bits(m: Self::Mask) -> u32 {
        _mm256_movemask_ps(m) as u32
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn pow2_from_rounded(t: Self) -> Self {
        let n = _mm256_sub_epi32(
            _mm256_castps_si256(t),
            _mm256_set1_epi32(ROUNDER_BITS_LESS_BIAS),
        );
        _mm256_castsi256_ps(_mm256_slli_epi32::<23>(n))
    }
}

impl Simd for __m512 {
    type Mask = __mmask16;
    const LANES: usize = 16;
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn splat(x: f32) -> Self {
        _mm512_set1_ps(x)
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees 16 readable f32s at `p`.
        unsafe { _mm512_loadu_ps(p) }
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: the caller guarantees 16 writable f32s at `p`.
        unsafe { _mm512_storeu_ps(p, self) }
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn add(self, b: Self) -> Self {
        _mm512_add_ps(self, b)
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn sub(self, b: Self) -> Self {
        _mm512_sub_ps(self, b)
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn mul(self, b: Self) -> Self {
        _mm512_mul_ps(self, b)
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn div(self, b: Self) -> Self {
        _mm512_div_ps(self, b)
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn neg(self) -> Self {
        // AVX-512F has no float xor (that is AVX-512DQ): flip the sign bit as integers.
        _mm512_castsi512_ps(_mm512_xor_si512(
            _mm512_castps_si512(self),
            _mm512_set1_epi32(i32::MIN),
        ))
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn min_keep_nan(self, b: Self) -> Self {
        _mm512_min_ps(b, self)
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn max_keep_nan(self, b: Self) -> Self {
        _mm512_max_ps(b, self)
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn ge(self, b: Self) -> Self::Mask {
        _mm512_cmp_ps_mask::<_CMP_GE_OQ>(self, b)
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn lt(self, b: Self) -> Self::Mask {
        _mm512_cmp_ps_mask::<_CMP_LT_OQ>(self, b)
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn and(m1: Self::Mask, m2: Self::Mask) -> Self::Mask {
        m1 & m2
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn select(m: Self::Mask, a: Self, b: Self) -> Self {
        _mm512_mask_blend_ps(m, b, a)
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn bits(m: Self::Mask) -> u32 {
        m as u32
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn pow2_from_rounded(t: Self) -> Self {
        let n = _mm512_sub_epi32(
            _mm512_castps_si512(t),
            _mm512_set1_epi32(ROUNDER_BITS_LESS_BIAS),
        );
        _mm512_castsi512_ps(_mm512_slli_epi32::<23>(n))
    }
}
