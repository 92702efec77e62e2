//! The AVX2 backend: eight lanes in `__m256` with AVX2 and FMA, x86-64, and what it compiles.
//! Only used inside `#[target_feature(enable = "avx2,fma")]` code on CPUs that have both (see
//! [`crate::backend`]).

use super::entry_points::{Settings, entry_points};

use crate::lanes::Lanes;
use crate::weights::EXP2_TABLE;
use core::arch::x86_64::*;

#[derive(Clone, Copy)]
pub(crate) struct Avx2(__m256);

// SAFETY (all methods): the trait's contract is that AVX2 and FMA are available; each body is
// one or two intrinsics of those features on register values or on the caller's pointer.
impl Lanes for Avx2 {
    const N: usize = 8;
    const TABLE_BITS: u32 = 3;
    #[inline(always)]
    unsafe fn splat(x: f32) -> Self {
        // SAFETY: AVX is available (trait contract).
        Avx2(unsafe { _mm256_set1_ps(x) })
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees 8 readable f32 at p; loadu needs no alignment.
        Avx2(unsafe { _mm256_loadu_ps(p) })
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: the caller guarantees 8 writable f32 at p; storeu needs no alignment.
        unsafe { _mm256_storeu_ps(p, self.0) }
    }
    #[inline(always)]
    unsafe fn add(self, b: Self) -> Self {
        // SAFETY: AVX is available (trait contract).
        Avx2(unsafe { _mm256_add_ps(self.0, b.0) })
    }
    #[inline(always)]
    unsafe fn sub(self, b: Self) -> Self {
        // SAFETY: AVX is available (trait contract).
        Avx2(unsafe { _mm256_sub_ps(self.0, b.0) })
    }
    #[inline(always)]
    unsafe fn mul(self, b: Self) -> Self {
        // SAFETY: AVX is available (trait contract).
        Avx2(unsafe { _mm256_mul_ps(self.0, b.0) })
    }
    #[inline(always)]
    unsafe fn div(self, b: Self) -> Self {
        // SAFETY: AVX is available (trait contract).
        Avx2(unsafe { _mm256_div_ps(self.0, b.0) })
    }
    #[inline(always)]
    unsafe fn mul_add(self, b: Self, c: Self) -> Self {
        // SAFETY: FMA is available (trait contract).
        Avx2(unsafe { _mm256_fmadd_ps(self.0, b.0, c.0) })
    }
    #[inline(always)]
    unsafe fn abs(self) -> Self {
        // SAFETY: AVX is available (trait contract).
        Avx2(unsafe { _mm256_andnot_ps(_mm256_set1_ps(-0.0), self.0) })
    }
    #[inline(always)]
    unsafe fn exp2_table(e: Self) -> Self {
        // Every fourth entry of the 32: 2^(j/8).
        const TABLE: [f32; 8] = {
            let mut table = [0.0; 8];
            let mut j = 0;
            while j < 8 {
                table[j] = EXP2_TABLE[4 * j];
                j += 1;
            }
            table
        };
        // SAFETY: AVX2 is available (trait contract); the table is 8 readable f32, and
        // vpermps reads only the low 3 bits of each index.
        Avx2(unsafe {
            _mm256_permutevar8x32_ps(_mm256_loadu_ps(TABLE.as_ptr()), _mm256_castps_si256(e.0))
        })
    }
    #[inline(always)]
    unsafe fn scale_exp2(self, _t: Self, e: Self, x: Self, limit: Self) -> Self {
        // SAFETY: AVX2 is available (trait contract). The step is the one the trait describes;
        // _CMP_GE_OQ is false for NaN.
        Avx2(unsafe {
            let step = _mm256_and_si256(
                _mm256_slli_epi32::<{ 23 - Self::TABLE_BITS as i32 }>(_mm256_castps_si256(e.0)),
                _mm256_set1_epi32(0xff80_0000_u32 as i32),
            );
            let scaled = _mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(self.0), step));
            _mm256_and_ps(scaled, _mm256_cmp_ps::<_CMP_GE_OQ>(x.0, limit.0))
        })
    }
}

// Four vectors for one channel fill the pipes better than two; with several channels four
// spill, and so do the accumulators of the forward sums: see BENCHMARKS.md.
entry_points!(
    Avx2,
    Settings {
        unroll_gray: 4,
        unroll_colour: 2,
        keeps_sums: false,
        weights_in_step: true,
        taps_per_sweep: 24,
        blocks: true,
    },
    "avx2,fma"
);
