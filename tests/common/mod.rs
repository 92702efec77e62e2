//! Helpers shared by the integration tests: a seeded generator, test images, comparisons.
#![allow(dead_code)]

use bilateral::oracle::{Reference, store_as};
use bilateral::{Backend, Sample, WeightMode};

mod rng;
pub use rng::Rng;

/// A test picture in 0..1: a gradient, a vertical edge, a bright disc and noise, so that
/// range weights span the whole of (0, 1].
pub fn picture(w: usize, h: usize, channels: usize, rng: &mut Rng) -> Vec<f64> {
    let mut v = Vec::with_capacity(w * h * channels);
    for y in 0..h {
        for x in 0..w {
            for c in 0..channels {
                let gradient = (x + 2 * y + 5 * c) as f64 / (w + 2 * h + 20) as f64;
                let edge = if x * 3 > w { 0.35 } else { 0.0 };
                let (dx, dy) = (x as f64 - w as f64 / 2.0, y as f64 - h as f64 / 3.0);
                let disc = if dx * dx + dy * dy < (w * w / 16) as f64 {
                    0.2
                } else {
                    0.0
                };
                let noise = 0.12 * (rng.unit() - 0.5);
                v.push((0.2 * gradient + edge + disc + noise + 0.1).clamp(0.0, 1.0));
            }
        }
    }
    v
}

/// A unit-range picture stored as `T` (full scale for integers, an offset range for `f32` so
/// that values are not all near zero).
pub fn as_samples<T: Sample + FromUnit>(unit: &[f64]) -> Vec<T> {
    unit.iter().map(|&u| T::from_unit(u)).collect()
}

pub trait FromUnit {
    fn from_unit(u: f64) -> Self;
}
impl FromUnit for u8 {
    fn from_unit(u: f64) -> Self {
        (u * 255.0).round() as u8
    }
}
impl FromUnit for u16 {
    fn from_unit(u: f64) -> Self {
        (u * 65535.0).round() as u16
    }
}
impl FromUnit for f32 {
    fn from_unit(u: f64) -> Self {
        (u * 3.0 - 1.0) as f32
    }
}

/// The backends to test, printing those this CPU lacks.
pub fn backends() -> Vec<Backend> {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        for b in Backend::ALL {
            if !b.is_available() {
                eprintln!("SKIPPED backend {b}: not available on this CPU");
            }
        }
    });
    Backend::available()
}

/// Every backend this CPU has, each with every weight mode; prints once what runs and which
/// backends this CPU lacks.
pub fn backends_and_modes() -> Vec<(Backend, WeightMode)> {
    let runs: Vec<_> = backends()
        .into_iter()
        .flat_map(|b| WeightMode::ALL.map(|m| (b, m)))
        .collect();
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let names: Vec<String> = runs.iter().map(|(b, m)| format!("{b} x {m}")).collect();
        eprintln!("RUNS {}", names.join(", "));
    });
    runs
}

/// Whether two results are the same bits.
pub fn same_bits<T: Sample>(a: &[T], b: &[T]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.to_f64().to_bits() == y.to_f64().to_bits())
}

/// How far a result is from the reference, for the library's documented bound.
#[derive(Debug, Default, Clone, Copy)]
pub struct Diff {
    /// Samples compared.
    pub samples: usize,
    /// Integer samples that differ from the rounded reference.
    pub unequal: usize,
    /// Largest integer difference from the rounded reference.
    pub max_int: f64,
    /// Largest f32 error divided by the bound `1e-5·range + ½ulp(value)`.
    pub max_ratio: f64,
}

impl Diff {
    pub fn add(&mut self, o: Diff) {
        self.samples += o.samples;
        self.unequal += o.unequal;
        self.max_int = self.max_int.max(o.max_int);
        self.max_ratio = self.max_ratio.max(o.max_ratio);
    }
}

/// Compares `got` with the reference under the documented bound.
pub fn compare<T: Sample>(got: &[T], reference: &Reference) -> Diff {
    let mut d = Diff {
        samples: got.len(),
        ..Diff::default()
    };
    for (i, g) in got.iter().enumerate() {
        let exact = reference.values[i];
        let g = g.to_f64();
        if T::IS_FLOAT {
            let range = reference.window_max[i] - reference.window_min[i];
            // Half an ulp of the exact value, which is 2^-150 below f32's normal range.
            let half_ulp = (exact.abs() * 2f64.powi(-24)).max(2f64.powi(-150));
            let bound = 1e-5 * range + half_ulp;
            let err = (g - exact).abs();
            let ratio = if err == 0.0 { 0.0 } else { err / bound };
            d.max_ratio = d.max_ratio.max(ratio);
        } else {
            let diff = (g - store_as::<T>(exact)).abs();
            d.max_int = d.max_int.max(diff);
            d.unequal += usize::from(diff != 0.0);
        }
    }
    d
}

/// Loads a shipped photo as RGB u8.
pub fn photo(name: &str) -> image::RgbImage {
    // Relative: cargo runs tests from the package root, and so can a copied test binary.
    let path = format!("tests/data/{name}");
    image::open(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .to_rgb8()
}
