//! The fuzz targets' logic, as a library so that the targets stay one line each and the
//! regression test (`tests/regressions.rs`) can replay saved inputs on the stable toolchain,
//! without libFuzzer or a sanitizer.
//!
//! - [`differential`]: every backend the CPU has against the `f64` oracle, within the
//!   documented bound.
//! - [`params`]: arbitrary parameters, geometry and samples; every refusal must be an `Err`
//!   that names a real violation, every success must have had valid inputs.
//! - [`decode`]: arbitrary bytes through the CLI's file readers; an image or an error, never a
//!   panic, and what is read can be written back.

pub mod decode;
pub mod differential;
pub mod params;

use arbitrary::{Result, Unstructured};

/// xorshift64*: deterministic, seedable, dependency-free (as in the crate's tests).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from any seed (zero included).
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// `10^(k/10)` for an arbitrary `k` in `lo..=hi`: a log-uniform positive value.
pub(crate) fn log_uniform(u: &mut Unstructured<'_>, lo: i32, hi: i32) -> Result<f64> {
    Ok(10f64.powf(f64::from(u.int_in_range(lo..=hi)?) / 10.0))
}

/// Names of the backends, comma separated, as `Error::BackendUnavailable` lists them.
pub(crate) fn backend_names(backends: &[bilateral::Backend]) -> String {
    backends
        .iter()
        .map(|b| b.name())
        .collect::<Vec<_>>()
        .join(", ")
}
