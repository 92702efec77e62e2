//! The portable backend: eight lanes in `wide::f32x8`, SSE2 on x86-64 in a default build, NEON
//! on aarch64, whatever `wide` picks at compile time elsewhere; and what it compiles.

use super::entry_points::{Settings, entry_points};

use crate::lanes::Lanes;
use wide::{f32x8, i32x8};

impl Lanes for f32x8 {
    const N: usize = 8;
    const TABLE_BITS: u32 = 0;
    #[inline(always)]
    unsafe fn splat(x: f32) -> Self {
        f32x8::splat(x)
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees 8 readable f32 at p; f32x8 is plain old data.
        unsafe { p.cast::<f32x8>().read_unaligned() }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: the caller guarantees 8 writable f32 at p.
        unsafe { p.cast::<f32x8>().write_unaligned(self) }
    }
    #[inline(always)]
    unsafe fn add(self, b: Self) -> Self {
        self + b
    }
    #[inline(always)]
    unsafe fn sub(self, b: Self) -> Self {
        self - b
    }
    #[inline(always)]
    unsafe fn mul(self, b: Self) -> Self {
        self * b
    }
    #[inline(always)]
    unsafe fn div(self, b: Self) -> Self {
        self / b
    }
    #[inline(always)]
    unsafe fn mul_add(self, b: Self, c: Self) -> Self {
        f32x8::mul_add(self, b, c)
    }
    #[inline(always)]
    unsafe fn abs(self) -> Self {
        f32x8::abs(self)
    }
    #[inline(always)]
    unsafe fn scale_exp2(self, _t: Self, e: Self, x: Self, limit: Self) -> Self {
        let bits: i32x8 = wide::bytemuck::cast(self);
        // With no table (TABLE_BITS = 0) the shift alone leaves floor(t) in the exponent field.
        let k: i32x8 = wide::bytemuck::cast(e);
        let scaled: f32x8 = wide::bytemuck::cast(bits + (k << 23));
        scaled & x.simd_ge(limit)
    }
}

// Four vectors for one channel were slower than two. With several channels, two vectors spill
// SSE2's 16 registers, so x86-64 takes one; NEON's 32 are not measured here and keep two: see
// BENCHMARKS.md.
entry_points!(
    f32x8,
    Settings {
        unroll_gray: 2,
        unroll_colour: if cfg!(target_arch = "x86_64") { 1 } else { 2 },
        keeps_sums: false,
        weights_in_step: true,
        taps_per_sweep: 24,
        blocks: true,
    }
);
