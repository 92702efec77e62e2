//! The AVX-512 backend: sixteen lanes in `__m512` with AVX-512F, x86-64, and what it compiles.
//! Only used inside `#[target_feature(enable = "avx512f")]` code on CPUs that have it (see
//! [`crate::backend`]).

use super::entry_points::{Settings, entry_points};

use crate::lanes::Lanes;
use crate::weights::EXP2_TABLE;
use core::arch::x86_64::*;

#[derive(Clone, Copy)]
pub(crate) struct Avx512(__m512);

// SAFETY (all methods): the trait's contract is that AVX-512F is available; each body is
// one or two intrinsics of those features on register values or on the caller's pointer.
impl Lanes for Avx512 {
    const N: usize = 16;
    const TABLE_BITS: u32 = 5;
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
    unsafe fn exp2_table(e: Self) -> Self {
        let table = EXP2_TABLE.as_ptr();
        // SAFETY: AVX-512F is available (trait contract); the table is 32 readable f32, 16 in
        // each register, and vpermt2ps reads only the low 5 bits of each index.
        Avx512(unsafe {
            _mm512_permutex2var_ps(
                _mm512_loadu_ps(table),
                _mm512_castps_si512(e.0),
                _mm512_loadu_ps(table.add(16)),
            )
        })
    }
    #[inline(always)]
    unsafe fn scale_exp2(self, t: Self, _e: Self, x: Self, limit: Self) -> Self {
        // SAFETY: AVX-512F is available (trait contract). _CMP_GE_OQ is false for NaN; the
        // lanes it keeps are scaled by 2^floor(t).
        Avx512(unsafe {
            _mm512_maskz_scalef_ps(_mm512_cmp_ps_mask::<_CMP_GE_OQ>(x.0, limit.0), self.0, t.0)
        })
    }
}

// Four vectors for one channel were no faster than two; 32 registers hold the accumulators of
// the forward sums: see BENCHMARKS.md.
entry_points!(
    Avx512,
    Settings {
        unroll_gray: 2,
        unroll_colour: 2,
        keeps_sums: true,
        weights_in_step: false,
        taps_per_sweep: usize::MAX,
        blocks: false,
    },
    "avx512f"
);
