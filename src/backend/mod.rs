//! The backends, their detection, and the one place that picks the compiled kernels of one.
//!
//! Each backend is the generic kernel of [`crate::kernel`] instantiated with one lane type and,
//! on x86-64, compiled inside `#[target_feature]` functions, so a default `cargo build` (which
//! targets SSE2) still runs AVX2+FMA or AVX-512 code on CPUs that have them. Everything a
//! backend contributes is in its own file: its lane type (the [`Lanes`] implementation, with
//! its `2^x` table size), its settings ([`entry_points::Settings`]: unroll per channel count,
//! whether it keeps the forward sums, how it lays out the weights' work) and its entry points
//! (made by [`entry_points::entry_points`]).

use std::fmt;

use crate::Sample;
use crate::lanes::Lanes;

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
pub(crate) mod entry_points;
mod portable;
mod scalar;

pub(crate) use entry_points::Compiled;

/// A compiled variant of the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// One pixel at a time in plain `f32`. Every CPU.
    Scalar,
    /// Eight lanes with `wide`, in whatever ISA the build targets (SSE2 on a default x86-64
    /// build, NEON on aarch64). Every CPU.
    Portable,
    /// Eight lanes with AVX2 and FMA, x86-64.
    Avx2,
    /// Sixteen lanes with AVX-512F, x86-64.
    Avx512,
}

impl Backend {
    /// Every backend, slowest first.
    pub const ALL: [Backend; 4] = [
        Backend::Scalar,
        Backend::Portable,
        Backend::Avx2,
        Backend::Avx512,
    ];

    /// Its name as the command line spells it.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Scalar => "scalar",
            Backend::Portable => "portable",
            Backend::Avx2 => "avx2",
            Backend::Avx512 => "avx512",
        }
    }

    /// Whether this CPU (and build) can run it.
    pub fn is_available(self) -> bool {
        match self {
            Backend::Scalar | Backend::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2 => {
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
            }
            #[cfg(target_arch = "x86_64")]
            Backend::Avx512 => std::arch::is_x86_feature_detected!("avx512f"),
            #[cfg(not(target_arch = "x86_64"))]
            Backend::Avx2 | Backend::Avx512 => false,
        }
    }

    /// The backends this CPU can run, slowest first.
    pub fn available() -> Vec<Backend> {
        Backend::ALL
            .into_iter()
            .filter(|b| b.is_available())
            .collect()
    }

    /// The fastest backend this CPU can run: what `auto` means.
    pub fn detect() -> Backend {
        *Backend::available()
            .last()
            .expect("the portable backend is always available")
    }

    /// Lanes per vector.
    pub fn lanes(self) -> usize {
        match self {
            Backend::Scalar => <f32 as Lanes>::N,
            Backend::Portable => <wide::f32x8 as Lanes>::N,
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2 => <avx2::Avx2 as Lanes>::N,
            #[cfg(target_arch = "x86_64")]
            Backend::Avx512 => <avx512::Avx512 as Lanes>::N,
            #[cfg(not(target_arch = "x86_64"))]
            Backend::Avx2 => 8,
            #[cfg(not(target_arch = "x86_64"))]
            Backend::Avx512 => 16,
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Backend {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Backend::ALL
            .into_iter()
            .find(|b| b.name() == s)
            .ok_or_else(|| format!("unknown backend {s:?}"))
    }
}

/// The kernels of `backend` for images of `channels` channels (1 to 4), of which `per_call`
/// colour channels are filtered together, under the L1 distance or the Euclidean one: the only
/// place that chooses code by backend.
///
/// # Panics
/// If `backend` is not available on this CPU, or a channel count is not 1 to 4.
pub(crate) fn compiled<T: Sample>(
    backend: Backend,
    channels: usize,
    per_call: usize,
    l1: bool,
) -> Compiled<T> {
    assert!(backend.is_available(), "backend {backend} is not available");
    // SAFETY: the backend's CPU features are available, asserted above.
    unsafe {
        match backend {
            Backend::Scalar => scalar::compiled(channels, per_call, l1),
            Backend::Portable => portable::compiled(channels, per_call, l1),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2 => avx2::compiled(channels, per_call, l1),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx512 => avx512::compiled(channels, per_call, l1),
            #[cfg(not(target_arch = "x86_64"))]
            Backend::Avx2 | Backend::Avx512 => unreachable!("checked available above"),
        }
    }
}

#[cfg(test)]
mod exp2_bound {
    //! The `2^x` approximation of [`crate::weights`] compiled on every backend the CPU has.
    use rayon::prelude::*;

    use super::{Backend, compiled};
    use crate::weights::{EXP2_MAX_REL_ERROR, EXP2_MIN};

    /// `2^x` of each of `xs` on `backend`.
    fn exp2_batch(backend: Backend, xs: &[f32], out: &mut [f32]) {
        compiled::<f32>(backend, 1, 1, false).exp2(xs, out);
    }

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
    fn exp2_bound_holds_on_every_f32_from_minus_one_and_a_half_to_zero() {
        for backend in Backend::available() {
            let e = worst(backend, -1.5, -0.0);
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

#[cfg(test)]
mod phase_bound {
    //! The fast mode's phase polynomial of [`crate::fast::kernel`] compiled on every backend
    //! the CPU has.
    use rayon::prelude::*;

    use super::{Backend, compiled};
    use crate::fast::kernel::PHASE_MAX_ERROR;

    /// The largest distance of the computed `e^(2πix)` from the true one, over every `f32`
    /// whose bits lie in `bits`, `step` apart.
    fn worst(backend: Backend, bits: std::ops::Range<u32>, step: usize) -> f64 {
        let chunk = 1 << 16;
        bits.clone()
            .step_by(chunk * step)
            .par_bridge()
            .map(|start| {
                let end = (start as u64 + (chunk * step) as u64).min(bits.end as u64) as u32;
                let mut fs: Vec<f32> = (start..end).step_by(step).map(f32::from_bits).collect();
                fs.resize(fs.len().div_ceil(16) * 16, 0.0);
                let (mut c, mut s) = (vec![0.0; fs.len()], vec![0.0; fs.len()]);
                compiled::<f32>(backend, 1, 1, false).phase(&fs, &mut c, &mut s);
                fs.iter()
                    .zip(c.iter().zip(&s))
                    .map(|(&f, (&c, &s))| {
                        let (ts, tc) = (2.0 * std::f64::consts::PI * f64::from(f)).sin_cos();
                        (f64::from(c) - tc).hypot(f64::from(s) - ts)
                    })
                    .fold(0.0, f64::max)
            })
            .reduce(|| 0.0, f64::max)
    }

    /// The reduction to `x = f - round(2f)/2` is exact and the polynomials are odd and even
    /// in `x`, so the error at any `f` of `[0, 1)` is the error at some `x` of `[0, 1/4]`:
    /// every `f32` there from `2^-16` up, and every 61st below (where the series is its first
    /// term to the last bit).
    #[test]
    fn phase_bound_holds_on_every_f32_of_a_quarter_period() {
        let (small, quarter) = ((2f32).powi(-16).to_bits(), 0.25f32.to_bits() + 1);
        for backend in Backend::available() {
            let e = worst(backend, small..quarter, 1).max(worst(backend, 0..small, 61));
            eprintln!("phase on {backend}: worst error {e:.3e}");
            assert!(e <= PHASE_MAX_ERROR, "{backend}: {e:e}");
        }
    }

    #[test]
    fn phases_of_other_quarters_are_those_of_the_reduced_argument() {
        for backend in Backend::available() {
            let fs: Vec<f32> = (0..64).map(|i| i as f32 / 64.0).collect();
            let (mut c, mut s) = (vec![0.0; 64], vec![0.0; 64]);
            compiled::<f32>(backend, 1, 1, false).phase(&fs, &mut c, &mut s);
            for (i, &f) in fs.iter().enumerate() {
                let (ts, tc) = (2.0 * std::f64::consts::PI * f64::from(f)).sin_cos();
                let e = (f64::from(c[i]) - tc).hypot(f64::from(s[i]) - ts);
                assert!(e <= PHASE_MAX_ERROR, "{backend} f {f}: {e:e}");
            }
        }
    }
}
