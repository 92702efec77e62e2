//! Saved fuzz inputs, replayed through the targets' logic on the stable toolchain without
//! libFuzzer or a sanitizer (pseudo-random inputs are in `random_inputs.rs`).
//!
//! `regressions/<target>/*`: inputs that once failed and are fixed; each must pass. See
//! `fuzz/README.md`.

use std::path::{Path, PathBuf};

use bilateral::{Border, ColorDistance, Layout, Window};
use bilateral_fuzz::differential::{self, Case, Image, Style};
use bilateral_fuzz::model::{Range, SampleType, Spatial};
use bilateral_fuzz::params;

fn files(target: &str, sub: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("regressions")
        .join(target)
        .join(sub);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.is_file()
                && p.file_name()
                    .is_some_and(|n| n != ".gitkeep" && n != "README.md")
        })
        .collect();
    files.sort();
    files
}

fn replay(target: &str, run: fn(&[u8])) {
    for f in files(target, "") {
        eprintln!("{target}: replaying {}", f.display());
        run(&std::fs::read(&f).unwrap());
    }
}

#[test]
fn differential_regressions() {
    replay("differential", differential::run_bytes);
}

#[test]
fn fast_regressions() {
    replay("fast", bilateral_fuzz::fast::run_bytes);
}

#[test]
fn params_regressions() {
    replay("params", bilateral_fuzz::params::run_bytes);
}

#[test]
fn decode_regressions() {
    replay("decode", bilateral_fuzz::decode::run_bytes);
}

/// A 4x1 gray `f32` ramp, radius 1, square window, reflect-101: the base of the cases below.
fn small_case() -> Case {
    Case {
        image: Image {
            ty: SampleType::F32,
            width: 4,
            height: 1,
            channels: 1,
            lo: 0.0,
            hi: 3.0,
            style: Style::Gradient,
            seed: 1,
            bytes: Vec::new(),
            src_pad: 0,
            dst_pad: 0,
        },
        guide: None,
        radius: 1,
        spatial: Spatial::Sigma(1.5),
        range: Range::Default,
        window: Window::Square,
        distance: ColorDistance::Joint,
        border: Border::Reflect101,
        filter_alpha: false,
        iterations: 1,
        tile_height: 32,
        other_tile_height: 1,
    }
}

#[test]
fn small_case_passes() {
    differential::run(&small_case());
}

/// Fixed `huge-constant-border` (README, Findings): a border at the largest valid magnitude
/// with β = 0 (a Gaussian blur) keeps its taps' weights; beyond ±2^60 the library refuses it.
#[test]
fn huge_constant_border_passes() {
    let case = Case {
        range: Range::Beta(0.0),
        border: Border::Constant(bilateral::MAX_SAMPLE_MAGNITUDE),
        ..small_case()
    };
    differential::run(&case);
}

/// Fixed `oracle-overflowing-sigma` (README, Findings): σ = 1e-200 gives α or β = f64::MAX,
/// and the oracle and the filter both return the image.
#[test]
fn overflowing_sigma_passes() {
    for case in [
        Case {
            spatial: Spatial::Sigma(1e-200),
            ..small_case()
        },
        Case {
            range: Range::Sigma(1e-200),
            ..small_case()
        },
    ] {
        differential::run(&case);
    }
}

/// Fixed `kept-alpha-unchecked` (README, Findings): a NaN in the kept alpha channel of a
/// 1x1 two-channel `f32` image is refused with `InvalidSample`, as radius 0 and the oracle do.
#[test]
fn kept_alpha_unchecked_passes() {
    let geometry = params::Geometry {
        layout: Layout::packed(1, 1, 2),
        len: 2,
    };
    let case = params::Case {
        ty: SampleType::F32,
        base: params::Base::New,
        ops: Vec::new(),
        src: geometry,
        dst: geometry,
        seed: 0,
        samples: params::Samples::Clean(vec![(1, f32::NAN)]),
    };
    params::run(&case);
}

/// Found by `differential` (README, Findings: subnormal results): a 0..1e-3 image whose first
/// pass gives values near 1e-42, so the second pass's exact values are subnormal and
/// `2^-24·|exact|` is below half an ulp. Must pass with the half ulp floored at 2^-150.
#[test]
fn subnormal_results_pass() {
    differential::run(&Case {
        image: Image {
            ty: SampleType::F32,
            width: 44,
            height: 44,
            channels: 3,
            lo: 0.0,
            hi: 0.001,
            style: Style::Steps {
                levels: 4,
                block: 12,
            },
            seed: 107,
            bytes: Vec::new(),
            src_pad: 5,
            dst_pad: 5,
        },
        guide: None,
        radius: 2,
        spatial: Spatial::Sigma(1.2589254117941673),
        range: Range::Sigma(3.1622776601683796e-6),
        window: Window::Disc,
        distance: ColorDistance::PerChannel,
        // Found with a border of 2.7e26; borders are now limited to ±2^60 like samples.
        border: Border::Constant(bilateral::MAX_SAMPLE_MAGNITUDE),
        filter_alpha: true,
        iterations: 2,
        tile_height: 28,
        other_tile_height: 28,
    });
}
