//! The small vector trait the kernel is written against. Each backend's file in
//! [`crate::backend`] implements it for its lane type.
//!
//! Every method is `unsafe` because the x86 implementations need CPU features: callers must
//! only use a type inside code compiled for, and running on, a CPU with its features (the
//! entry points in [`crate::backend`] guarantee it). The generic code is `#[inline(always)]`,
//! so it is compiled afresh inside each `#[target_feature]` entry point.

/// `N` lanes of `f32`.
pub(crate) trait Lanes: Copy {
    /// Lane count.
    const N: usize;
    /// `2^x` reads `2^(j/2^TABLE_BITS)` from a table of `2^TABLE_BITS` entries held in
    /// registers (see [`crate::weights`]): as many bits as one permute instruction indexes, 0
    /// where there is none.
    const TABLE_BITS: u32;
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
    /// `2^(j/2^TABLE_BITS)` in each lane, `j` being the low `TABLE_BITS` bits of the lane of
    /// `e` read as an integer; `1` when there is no table.
    #[inline(always)]
    unsafe fn exp2_table(e: Self) -> Self {
        debug_assert_eq!(Self::TABLE_BITS, 0);
        let _ = e;
        // SAFETY: forwarded from the caller.
        unsafe { Self::splat(1.0) }
    }
    /// `self·2^floor(t)` where `x ≥ limit`, else `+0.0` (and `+0.0` where `x` is NaN). `t` is
    /// a multiple of `2^-TABLE_BITS` and `e` the form [`crate::weights`] rounds it in, whose
    /// mantissa field holds `2^22 + i`, `i = t·2^TABLE_BITS` (`|i| < 2^22`), so that its low
    /// bits are those of `i` in two's complement: a
    /// backend scales by whichever it has an instruction for. From `e`, shifting its bits left
    /// by `23 - TABLE_BITS` puts `floor(i / 2^TABLE_BITS)` in the exponent field and drops the
    /// bits above, and masking with `0xff80_0000` drops the table index below: adding that to
    /// the bits of `self` scales it. Exact when the result is normal.
    unsafe fn scale_exp2(self, t: Self, e: Self, x: Self, limit: Self) -> Self;
}

/// `[e(0), …, e(n - 1)]`, with the index bound to `$u` in turn: `std::array::from_fn(|u| e)`
/// written out in the caller, with no closure. The kernels build their arrays of vectors with
/// it because a closure is a function of its own, compiled without the target features of
/// the entry point it is inlined into: where the inliner leaves it out of line (as it did
/// for `from_fn`'s and arrays' `map` in a default build), every intrinsic in it becomes a
/// call, and the AVX-512 kernel ran 25 times slower than with `-C target-cpu=native`.
macro_rules! each {
    ($n:expr, |$u:ident| $e:expr) => {{
        #[allow(unused_variables)]
        let $u = 0usize;
        let first = $e;
        let mut out = [first; $n];
        #[allow(unused_mut)]
        let mut $u = 1usize;
        while $u < $n {
            out[$u] = $e;
            $u += 1;
        }
        out
    }};
}

pub(crate) use each;
