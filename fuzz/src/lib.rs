//! The fuzz targets' logic, as a library so that the targets stay one line each and the
//! regression test (`tests/regressions.rs`) can replay saved inputs on the stable toolchain,
//! without libFuzzer or a sanitizer.
//!
//! - [`differential`]: every backend the CPU has against the `f64` oracle, within the
//!   documented bound.
//! - [`fast`]: the fast mode on random small images and parameters, every backend, within
//!   its tolerance of the `f64` oracle.
//! - [`params`]: arbitrary parameters, geometry and samples; every refusal must be an `Err`
//!   that names a real violation, every success must have had valid inputs.
//! - [`decode`]: arbitrary bytes through the CLI's file readers; an image or an error, never a
//!   panic, and what is read can be written back.
//! - [`model`]: what `differential` and `params` both model: sample types, the spatial and
//!   range parameters, window taps, a sample's bits.

pub mod decode;
pub mod differential;
pub mod fast;
pub mod model;
pub mod params;

use arbitrary::{Arbitrary, Result, Unstructured};

#[path = "../../tests/common/rng.rs"]
mod rng;
/// The main crate's test generator (xorshift64*, `tests/common/rng.rs`), included by path so
/// that its tests and the fuzz targets share one generator.
pub use rng::Rng;

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

/// Decodes `data` as libfuzzer-sys does and runs the case; inputs too short to decode are
/// skipped.
pub(crate) fn run_decoded<'a, C: Arbitrary<'a>>(data: &'a [u8], run: fn(&C)) {
    if let Ok(case) = C::arbitrary_take_rest(Unstructured::new(data)) {
        run(&case);
    }
}
