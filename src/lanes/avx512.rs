//! Sixteen lanes in `__m512` with AVX-512F. Only used inside `#[target_feature(enable =
//! "avx512f")]` code on CPUs that have it (see [`crate::backend`]).

use super::Lanes;
use core::arch::x86_64::*;

#[derive(Clone, Copy)]
pub(crate) struct Avx512(__m512);

// SAFETY (all methods): the trait's contract is that AVX-512F is available; each body is
// one or two intrinsics of those features on register values or on the caller's pointer.
impl Lanes for Avx512 {
    const N: usize = 16;
    #[inline(always)]
    unsafe fn splat(x: f32) -> Self {
        // SAFETY: AVX-512F is available (trait contract).
        Avx512(unsafe { _mm512_set1_ps(x) })
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees 16 readable f32 at p; loadu needs no alignment.
        Avx512(unsafe { _mm512_loadu_ps(p) })
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: the caller guarantees 16 writable f32 at p; storeu needs no alignment.
        unsafe { _mm512_storeu_ps(p, self.0) }
    }
    #[inline(always)]
    unsafe fn add(self, b: Self) -> Self {
        // SAFETY: AVX-512F is available (trait contract).
        Avx512(unsafe { _mm512_add_ps(self.0, b.0) })
    }
    #[inline(always)]
    unsafe fn sub(self, b: Self) -> Self {
        // SAFETY: AVX-512F is available (trait contract).
        Avx512(unsafe { _mm512_sub_ps(self.0, b.0) })
    }
    #[inline(always)]
    unsafe fn mul(self, b: Self) -> Self {
        // SAFETY: AVX-512F is available (trait contract).
        Avx512(unsafe { _mm512_mul_ps(self.0, b.0) })
    }
    #[inline(always)]
    unsafe fn div(self, b: Self) -> Self {
        // SAFETY: AVX-512F is available (trait contract).
        Avx512(unsafe { _mm512_div_ps(self.0, b.0) })
    }
    #[inline(always)]
    unsafe fn mul_add(self, b: Self, c: Self) -> Self {
        // SAFETY: AVX-512F is available (trait contract).
        Avx512(unsafe { _mm512_fmadd_ps(self.0, b.0, c.0) })
    }
    #[inline(always)]
    unsafe fn abs(self) -> Self {
        // SAFETY: AVX-512F is available (trait contract).
        Avx512(unsafe { _mm512_abs_ps(self.0) })
    }
    #[inline(always)]
    unsafe fn round_for_exp2(self) -> (Self, Self) {
        // SAFETY: AVX-512F is available (trait contract). Rounds to nearest, ties to even,
        // without raising exceptions.
        let k = unsafe {
            _mm512_roundscale_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(self.0)
        };
        (Avx512(k), Avx512(k))
    }
    #[inline(always)]
    unsafe fn scale_exp2(self, e: Self, x: Self, limit: Self) -> Self {
        // SAFETY: AVX-512F is available (trait contract). _CMP_GE_OQ is false for NaN; the
        // lanes it keeps are scaled by 2^e, e being round(x) itself.
        Avx512(unsafe {
            _mm512_maskz_scalef_ps(_mm512_cmp_ps_mask::<_CMP_GE_OQ>(x.0, limit.0), self.0, e.0)
        })
    }
}
