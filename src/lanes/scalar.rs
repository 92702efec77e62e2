//! One lane in a plain `f32`: the shipped scalar path, for every CPU.

use super::Lanes;

impl Lanes for f32 {
    const N: usize = 1;
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
    unsafe fn scale_exp2(self, e: Self, x: Self, limit: Self) -> Self {
        if x >= limit {
            f32::from_bits(self.to_bits().wrapping_add(e.to_bits() << 23))
        } else {
            0.0
        }
    }
}
