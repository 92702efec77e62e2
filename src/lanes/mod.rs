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

/// Adding then subtracting it rounds an `f32` of magnitude below `2^22` to an integer, and
/// leaves that integer in the low mantissa bits of the sum.
const ROUND_MAGIC: f32 = 12_582_912.0;

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
    /// `(k, e)`: `k = round(x)` (to nearest, ties to even) for `|x| < 2^22`, and `e`, the form
    /// of `k` that [`Lanes::scale_exp2`] takes. By default `e = x + 1.5·2^23`, which holds `k`
    /// in its low mantissa bits, and `k = e - 1.5·2^23`: both steps are exact in that range.
    #[inline(always)]
    unsafe fn round_for_exp2(self) -> (Self, Self) {
        // SAFETY: forwarded from the caller.
        unsafe {
            let e = self.add(Self::splat(ROUND_MAGIC));
            (e.sub(Self::splat(ROUND_MAGIC)), e)
        }
    }
    /// `self·2^k` where `x ≥ limit`, else `+0.0` (and `+0.0` where `x` is NaN), `k` being
    /// given as the `e` of [`Lanes::round_for_exp2`]. Exact when the result is normal.
    unsafe fn scale_exp2(self, e: Self, x: Self, limit: Self) -> Self;
}
