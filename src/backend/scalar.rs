//! The scalar backend: one lane in a plain `f32`, for every CPU, and what it compiles.

use super::entry_points::{Settings, entry_points};

use crate::lanes::Lanes;
use crate::weights::EXP2_TABLE;

impl Lanes for f32 {
    const N: usize = 1;
    const TABLE_BITS: u32 = 5;
    #[inline(always)]
    unsafe fn splat(x: f32) -> Self {
        x
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees one readable f32 at p.
        unsafe { p.read_unaligned() }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: the caller guarantees one writable f32 at p.
        unsafe { p.write_unaligned(self) }
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
        // Not f32::mul_add: without FMA hardware that is a slow library call.
        self * b + c
    }
    #[inline(always)]
    unsafe fn abs(self) -> Self {
        self.abs()
    }
    #[inline(always)]
    unsafe fn exp2_table(e: Self) -> Self {
        EXP2_TABLE[(e.to_bits() & 31) as usize]
    }
    #[inline(always)]
    unsafe fn scale_exp2(self, _t: Self, e: Self, x: Self, limit: Self) -> Self {
        if x >= limit {
            let step = (e.to_bits() << (23 - Self::TABLE_BITS)) & 0xff80_0000;
            f32::from_bits(self.to_bits().wrapping_add(step))
        } else {
            0.0
        }
    }
}

entry_points!(
    f32,
    Settings {
        unroll_gray: 2,
        unroll_colour: 4,
        keeps_sums: false,
        weights_in_step: true,
        taps_per_sweep: 24,
        blocks: true,
    }
);
