//! The small vector trait the kernel is written against, and one thin implementation per ISA.
//!
//! Every method is `unsafe` because the x86 implementations need CPU features: callers must
//! only use a type inside code compiled for, and running on, a CPU with its features (the
//! entry points in [`crate::backend`] guarantee it). The generic code is `#[inline(always)]`,
//! so it is compiled afresh inside each `#[target_feature]` entry point.

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512;
pub(crate) mod portable;
pub(crate) mod scalar;

/// `N` lanes of `f32`.
pub(crate) trait Lanes: Copy {
    /// Lane count.
    const N: usize;
    /// Every lane `x`.
    unsafe fn splat(x: f32) -> Self;
    /// `N` values from `p`, no alignment needed.
    unsafe fn load(p: *const f32) -> Self;
    /// Writes the lanes to `p`, no alignment needed.
    unsafe fn store(self, p: *mut f32);
    unsafe fn add(self, b: Self) -> Self;
    unsafe fn sub(self, b: Self) -> Self;
    unsafe fn mul(self, b: Self) -> Self;
    unsafe fn div(self, b: Self) -> Self;
    /// `self * b + c`, fused where the ISA has FMA.
    unsafe fn mul_add(self, b: Self, c: Self) -> Self;
    unsafe fn abs(self) -> Self;
    /// Adds `k << 23` to the bits of each lane, `k` being the integer held in the low mantissa
    /// bits of `shifted` (a value `k + 1.5·2^23`): multiplies by `2^k` when the result is normal.
    unsafe fn scale_exp2(self, shifted: Self) -> Self;
    /// `self` where `x ≥ limit`, else `+0.0` (and `+0.0` where `x` is NaN).
    unsafe fn zero_unless_ge(self, x: Self, limit: Self) -> Self;
}
