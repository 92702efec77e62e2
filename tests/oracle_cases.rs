//! One table of cases, every backend the CPU has times every weight mode, each compared with
//! the f64 oracle.
//!
//! Sizes go around the widest vector (16 lanes: 1 to 3 widths + 1) and around the tile height;
//! radii 0 to 5; every window, colour distance, border, sample type and channel count. The
//! weight modes also give the same bits as each other (the kernel's tricks 7 and 8).
//! f32: within `1e-5 × window range + 2^-24 × |value|` of the oracle. u8/u16: at most 1 from
//! the oracle rounded, and equal on at least 99.9% of samples.

mod common;

use bilateral::oracle::reference;
use bilateral::{
    Backend, Border, ColorDistance, ImageView, Layout, Params, Sample, WeightMode, Window,
};
use common::{
    Diff, FromUnit, Rng, as_samples, backends, backends_and_modes, compare, picture, same_bits,
};

const WIDTHS: [usize; 14] = [1, 2, 3, 7, 15, 16, 17, 31, 32, 33, 47, 48, 49, 5];
const HEIGHTS: [(usize, usize); 7] = [(1, 32), (2, 1), (3, 2), (5, 4), (7, 3), (33, 32), (17, 8)];
const BORDERS: [Border; 4] = [
    Border::Reflect101,
    Border::Replicate,
    Border::Reflect,
    Border::Constant(0.25),
];
const WINDOWS: [Window; 2] = [Window::Square, Window::Disc];
const DISTANCES: [ColorDistance; 3] = [
    ColorDistance::Joint,
    ColorDistance::L1,
    ColorDistance::PerChannel,
];

fn run_table<T: Sample + FromUnit>(full_scale: f64) -> Diff {
    let mut total = Diff::default();
    let mut rng = Rng::new(7);
    let mut case = 0;
    for channels in 1..=4 {
        for distance in DISTANCES {
            for border in BORDERS {
                for window in WINDOWS {
                    for radius in 0..=5 {
                        case += 1;
                        let w = WIDTHS[case % WIDTHS.len()];
                        let (h, tile) = HEIGHTS[case % HEIGHTS.len()];
                        let img: Vec<T> = as_samples(&picture(w, h, channels, &mut rng));
                        let border = match border {
                            Border::Constant(v) => {
                                Border::Constant((f64::from(v) * full_scale) as f32)
                            }
                            b => b,
                        };
                        let params = Params::new()
                            .radius(radius)
                            .sigma_space(0.8 + case as f64 % 3.0)
                            .sigma_range(full_scale * [0.05, 0.15, 0.4][case % 3])
                            .window(window)
                            .distance(distance)
                            .border(border)
                            .filter_alpha(case % 2 == 0)
                            .tile_height(tile);
                        let layout = Layout::packed(w, h, channels);
                        let src = ImageView::new(&img, layout).unwrap();
                        let exact = reference(src, &params).unwrap();
                        // Each backend's first mode, to which its other modes must agree.
                        let mut first: Option<(Backend, WeightMode, Vec<T>)> = None;
                        for (backend, mode) in backends_and_modes() {
                            let p = params.clone().backend(backend).weight_mode(mode);
                            let got = bilateral::filter(src, &p).unwrap();
                            let d = compare(&got, &exact);
                            let case = format!(
                                "{w}x{h}x{channels} r={radius} {window:?} {distance:?} {border:?}"
                            );
                            assert!(
                                d.max_int <= 1.0 && d.max_ratio <= 1.0,
                                "{backend} {mode} {case}: {d:?}"
                            );
                            match &first {
                                Some((b, m, bits)) if *b == backend => assert!(
                                    same_bits(bits, &got),
                                    "{backend}: {mode} differs from {m}, {case}"
                                ),
                                _ => first = Some((backend, mode, got)),
                            }
                            total.add(d);
                        }
                    }
                }
            }
        }
    }
    total
}

fn check_integer(total: Diff) {
    eprintln!("{total:?}");
    assert!(
        total.unequal * 1000 <= total.samples,
        "{} of {} samples differ from the rounded oracle",
        total.unequal,
        total.samples
    );
}

#[test]
fn u8_matches_oracle() {
    check_integer(run_table::<u8>(255.0));
}

#[test]
fn u16_matches_oracle() {
    check_integer(run_table::<u16>(65535.0));
}

#[test]
fn f32_matches_oracle() {
    let total = run_table::<f32>(3.0);
    eprintln!("{total:?}");
}

/// α = 0 and β = 0 are valid extremes: all taps alike, and a Gaussian blur.
#[test]
fn zero_alpha_and_zero_beta_match_oracle() {
    let mut rng = Rng::new(11);
    let img: Vec<f32> = as_samples(&picture(37, 21, 3, &mut rng));
    let src = ImageView::new(&img, Layout::packed(37, 21, 3)).unwrap();
    for params in [
        Params::new().alpha(0.0).sigma_range(0.5),
        Params::new().beta(0.0).radius(3),
    ] {
        let exact = reference(src, &params).unwrap();
        for backend in backends() {
            let got = bilateral::filter(src, &params.clone().backend(backend)).unwrap();
            let d = compare(&got, &exact);
            assert!(d.max_ratio <= 1.0, "{backend} {params:?}: {d:?}");
        }
    }
}

/// Several passes, integer samples rounded between them as the oracle does.
#[test]
fn iterations_match_oracle() {
    let mut rng = Rng::new(5);
    let img: Vec<u8> = as_samples(&picture(33, 19, 1, &mut rng));
    let src = ImageView::new(&img, Layout::packed(33, 19, 1)).unwrap();
    for n in 0..=3 {
        let params = Params::new().iterations(n).sigma_range(30.0);
        let exact = reference(src, &params).unwrap();
        for backend in backends() {
            let got = bilateral::filter(src, &params.clone().backend(backend)).unwrap();
            let d = compare(&got, &exact);
            assert!(
                d.max_int <= 1.0 && d.unequal * 100 <= d.samples,
                "{backend} n={n}: {d:?}"
            );
        }
    }
}
