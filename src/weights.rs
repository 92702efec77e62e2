//! The weights: the window's taps with their spatial factor, and the `2^x` approximation.
//!
//! # The exponential
//! Every weight is `exp(-α·|o|² - β·D²) = 2^x` with `x = s_o + b·D²`, where
//! `s_o = -α·|o|²·log2(e)` is computed once per tap and `b = -β·log2(e)` once per call, so a tap
//! costs one `2^x` of one merged argument. `x ≤ 0` always.
//!
//! `2^x` is computed as:
//! 1. Range reduction: `k = round(x)`, `f = x - k`, `f ∈ [-0.5, 0.5]`, both exact. AVX-512
//!    rounds with `vrndscaleps`; the other backends with the `1.5·2^23` trick (add, subtract),
//!    exact for `|x| < 2^22` (lanes beyond are dropped in step 4 anyway).
//! 2. `p(f) = 1 + f·(c1 + f·(c2 + f·(c3 + f·(c4 + f·c5))))`, a degree-5 polynomial fitted to
//!    minimise the maximum relative error of `2^f` on `[-0.5, 0.5]` with `p(0) = 1` exactly
//!    (so equal samples at offset 0 weigh exactly 1). Coefficients: [`EXP2_POLY`].
//! 3. `p(f)` is scaled by `2^k`, exact while the result is normal: AVX-512 with `vscalefps`,
//!    the others by adding `k` to the exponent bits.
//! 4. Lanes with `x < -125` are set to `+0.0`: their true weight is below `2^-125`, negligible
//!    against the centre tap's weight 1, and dropping them keeps every weight normal (no
//!    subnormal arithmetic, no garbage from the exponent trick). NaN and `-∞` also give 0.
//!
//! **Domain** `x ∈ [-125, 0]`; **maximum relative error** [`EXP2_MAX_REL_ERROR`] = 2.5e-7
//! (the polynomial's own error is 9.2e-8; the rest is `f32` rounding in Horner's scheme with or
//! without FMA). Because reduction and scaling are exact, the error at `x` is the error at
//! `f = x - round(x)`; the test `exp2_bound_holds_on_every_f32_in_the_reduced_range` checks
//! every `f32` in `[-0.5, 0.5]` on every backend the CPU has, which covers the whole domain.

use crate::Window;
use crate::lanes::Lanes;

/// Arguments below this give a weight of exactly 0.
pub(crate) const EXP2_MIN: f32 = -125.0;

/// The maximum relative error of the `2^x` approximation on `[-125, 0]`, all backends.
pub const EXP2_MAX_REL_ERROR: f64 = 2.5e-7;

/// `c1..c5` of `p(f) = 1 + c1·f + … + c5·f^5 ≈ 2^f` on `[-0.5, 0.5]`.
pub(crate) const EXP2_POLY: [f32; 5] = [
    f32::from_bits(0x3f31_7215),
    f32::from_bits(0x3e75_fcde),
    f32::from_bits(0x3d63_5ba9),
    f32::from_bits(0x3c1e_7544),
    f32::from_bits(0x3aad_dd0b),
];

/// `2^x` for `x ≤ 0`, as described in the module documentation.
///
/// # Safety
/// `V`'s CPU features must be available.
#[inline(always)]
pub(crate) unsafe fn exp2<V: Lanes>(x: V) -> V {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        let (k, e) = x.round_for_exp2();
        let f = x.sub(k);
        let [c1, c2, c3, c4, c5] = EXP2_POLY;
        let mut p = V::splat(c5).mul_add(f, V::splat(c4));
        p = p.mul_add(f, V::splat(c3));
        p = p.mul_add(f, V::splat(c2));
        p = p.mul_add(f, V::splat(c1));
        p = p.mul_add(f, V::splat(1.0));
        p.scale_exp2(e, x, V::splat(EXP2_MIN))
    }
}

/// One offset of the window with its spatial factor as a base-2 exponent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Tap {
    pub dx: isize,
    pub dy: isize,
    /// `-α·(dx² + dy²)·log2(e)`, in `f32`.
    pub log2_spatial: f32,
}

/// The taps of the window other than the centre, row by row, leaving out those whose spatial
/// factor alone is below the exponential's range (their weight is 0 whatever the samples).
pub(crate) fn taps(radius: usize, window: Window, alpha: f64) -> Vec<Tap> {
    let r = radius as isize;
    let mut taps = Vec::new();
    for dy in -r..=r {
        for dx in -r..=r {
            let d2 = dx * dx + dy * dy;
            if d2 == 0 || (window == Window::Disc && d2 > r * r) {
                continue;
            }
            let log2_spatial = (-alpha * d2 as f64 * std::f64::consts::LOG2_E) as f32;
            if log2_spatial >= EXP2_MIN {
                taps.push(Tap {
                    dx,
                    dy,
                    log2_spatial,
                });
            }
        }
    }
    taps
}

/// `-β·log2(e)` in `f32`, kept finite so that a zero difference never meets an infinity.
pub(crate) fn neg_log2_beta(beta: f64) -> f32 {
    (-beta * std::f64::consts::LOG2_E).max(-f64::from(f32::MAX)) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taps_follow_the_window() {
        assert_eq!(taps(2, Window::Square, 0.1).len(), 24);
        assert_eq!(taps(2, Window::Disc, 0.1).len(), 12);
        assert_eq!(taps(3, Window::Disc, 0.1).len(), 28);
        assert_eq!(taps(0, Window::Square, 0.1).len(), 0);
        // α so large that only the centre is left.
        assert_eq!(taps(2, Window::Square, 1e6).len(), 0);
        let t = taps(1, Window::Square, 0.5);
        assert_eq!((t[0].dx, t[0].dy), (-1, -1));
        assert!((f64::from(t[0].log2_spatial) + std::f64::consts::LOG2_E).abs() < 1e-6);
    }

    #[test]
    fn huge_beta_stays_finite() {
        assert_eq!(neg_log2_beta(f64::MAX), -f32::MAX);
        assert_eq!(neg_log2_beta(0.0), 0.0);
    }
}

#[cfg(test)]
mod bound {
    use super::*;
    use crate::Backend;
    use crate::backend::exp2_batch;
    use rayon::prelude::*;

    /// Worst relative error of `2^x` over every `f32` between `lo` and `hi` (same sign).
    fn worst(backend: Backend, lo: f32, hi: f32) -> f64 {
        let (a, b) = (
            lo.to_bits().min(hi.to_bits()),
            lo.to_bits().max(hi.to_bits()),
        );
        let chunk = 1 << 16;
        (a..=b)
            .step_by(chunk)
            .par_bridge()
            .map(|start| {
                let end = (start as u64 + chunk as u64).min(b as u64 + 1) as u32;
                let mut xs: Vec<f32> = (start..end).map(f32::from_bits).collect();
                xs.resize(xs.len().div_ceil(16) * 16, 0.0);
                let mut out = vec![0.0; xs.len()];
                exp2_batch(backend, &xs, &mut out);
                xs.iter()
                    .zip(&out)
                    .map(|(&x, &y)| {
                        let exact = f64::from(x).exp2();
                        (f64::from(y) - exact).abs() / exact
                    })
                    .fold(0.0, f64::max)
            })
            .reduce(|| 0.0, f64::max)
    }

    #[test]
    fn exp2_bound_holds_on_every_f32_in_the_reduced_range() {
        for backend in Backend::available() {
            let e = worst(backend, -0.5, -0.0).max(worst(backend, 0.0, 0.5));
            eprintln!("exp2 on {backend}: worst relative error {e:.3e}");
            assert!(e <= EXP2_MAX_REL_ERROR, "{backend}: {e:e}");
        }
    }

    #[test]
    fn exp2_scaling_is_exact_and_the_tail_is_zero() {
        for backend in Backend::available() {
            let mut xs: Vec<f32> = (0..=125).map(|k| -(k as f32)).collect();
            xs.extend([
                -125.25,
                -125.5,
                -126.0,
                -200.0,
                -1e30,
                f32::NEG_INFINITY,
                f32::NAN,
                -0.3,
            ]);
            xs.resize(xs.len().div_ceil(16) * 16, 0.0);
            let mut out = vec![1.0; xs.len()];
            exp2_batch(backend, &xs, &mut out);
            for (&x, &y) in xs.iter().zip(&out) {
                if x >= EXP2_MIN && x == x.round() {
                    assert_eq!(f64::from(y), f64::from(x).exp2(), "{backend} 2^{x}");
                } else if x.is_nan() || x < EXP2_MIN {
                    assert_eq!(y.to_bits(), 0, "{backend} 2^{x} must be +0");
                } else {
                    assert!(y.is_normal());
                }
            }
        }
    }
}
