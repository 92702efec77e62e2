//! The joint (guided) filter: against the f64 oracle for every pair of sample types and
//! channel counts, every backend, window, distance and border, at sizes around the vector
//! widths and the tile heights; with the image as its own guide, byte for byte the filter;
//! the same bytes for any thread count and tile height; and the guide's errors.
//!
//! Bounds as for the filter (see `oracle_cases.rs`): f32 within `1e-5 × window range +
//! 2^-24 × |value|` of the oracle; u8/u16 at most 1 from the oracle rounded, equal on at
//! least 99.9% of samples.

mod common;

use bilateral::oracle::reference_guided;
use bilateral::{
    Border, ColorDistance, Error, ExactBecause, ImageView, ImageViewMut, Layout, Method, Params,
    Sample, Window,
};
use common::{
    Diff, FromUnit, Rng, as_samples, backends, backends_and_modes, compare, picture, same_bits,
};

const WIDTHS: [usize; 9] = [1, 3, 15, 16, 17, 31, 33, 48, 49];
const HEIGHTS: [(usize, usize); 5] = [(1, 32), (3, 2), (5, 4), (17, 8), (33, 32)];
const BORDERS: [Border; 4] = [
    Border::Reflect101,
    Border::Replicate,
    Border::Reflect,
    Border::Constant(0.25),
];
const DISTANCES: [ColorDistance; 3] = [
    ColorDistance::Joint,
    ColorDistance::L1,
    ColorDistance::PerChannel,
];

/// A guide unlike the image: its own picture, flipped, with a step across the middle, so
/// that the weights follow edges the image does not have.
fn guide_picture(w: usize, h: usize, channels: usize, rng: &mut Rng) -> Vec<f64> {
    let base = picture(w, h, channels, rng);
    let mut v = Vec::with_capacity(base.len());
    for y in 0..h {
        for x in 0..w {
            for c in 0..channels {
                let flipped = base[((h - 1 - y) * w + (w - 1 - x)) * channels + c];
                let step = if y * 2 > h { 0.3 } else { 0.0 };
                v.push((flipped * 0.7 + step).clamp(0.0, 1.0));
            }
        }
    }
    v
}

/// The constant border's value in the guide type's units: `Border::Constant(v)` pads both
/// images with `v`, so the tests keep it within both types' ranges.
fn border_for(border: Border, full_scale: f64) -> Border {
    match border {
        Border::Constant(v) => Border::Constant((f64::from(v) * full_scale) as f32),
        b => b,
    }
}

/// The filtered channels of an image of `channels` under `filter_alpha`.
fn filtered(channels: usize, filter_alpha: bool) -> usize {
    if channels.is_multiple_of(2) && !filter_alpha {
        channels - 1
    } else {
        channels
    }
}

/// Every image and guide channel count, distance, border and window, one radius and size per
/// case, on every backend and weight mode, against the oracle.
fn run_table<T: Sample + FromUnit, G: Sample + FromUnit>(guide_scale: f64) -> Diff {
    let mut total = Diff::default();
    let mut rng = Rng::new(11);
    let mut case = 0usize;
    for channels in 1..=4 {
        for guide_channels in 1..=4 {
            for distance in DISTANCES {
                for (b, border) in BORDERS.into_iter().enumerate() {
                    case += 1;
                    let filter_alpha = case.is_multiple_of(3);
                    if distance == ColorDistance::PerChannel
                        && filtered(guide_channels, filter_alpha) > 1
                        && filtered(guide_channels, filter_alpha)
                            != filtered(channels, filter_alpha)
                    {
                        continue;
                    }
                    let w = WIDTHS[case % WIDTHS.len()];
                    let (h, tile) = HEIGHTS[case % HEIGHTS.len()];
                    let radius = [1, 2, 3, 5][(case + b) % 4];
                    let window = [Window::Square, Window::Disc][case % 2];
                    let img: Vec<T> = as_samples(&picture(w, h, channels, &mut rng));
                    let guide: Vec<G> = as_samples(&guide_picture(w, h, guide_channels, &mut rng));
                    // The constant border in [0, 0.25]: within both types' ranges.
                    let params = Params::new()
                        .radius(radius)
                        .sigma_space(0.8 + case as f64 % 3.0)
                        .sigma_range(guide_scale * [0.05, 0.15, 0.4][case % 3])
                        .window(window)
                        .distance(distance)
                        .border(border_for(border, guide_scale.min(1.0)))
                        .filter_alpha(filter_alpha)
                        .iterations(if case.is_multiple_of(5) { 2 } else { 1 })
                        .tile_height(tile);
                    let src = ImageView::new(&img, Layout::packed(w, h, channels)).unwrap();
                    let g = ImageView::new(&guide, Layout::packed(w, h, guide_channels)).unwrap();
                    let exact = reference_guided(src, g, &params).unwrap();
                    // Each backend's first mode, to which its other modes must agree.
                    let mut first: Option<(bilateral::Backend, Vec<T>)> = None;
                    for (backend, mode) in backends_and_modes() {
                        let p = params.clone().backend(backend).weight_mode(mode);
                        let got = bilateral::filter_guided(src, g, &p).unwrap();
                        let d = compare(&got, &exact);
                        let case = format!(
                            "{w}x{h}x{channels} guide x{guide_channels} r={radius} {window:?} \
                             {distance:?} {border:?} alpha {filter_alpha}"
                        );
                        assert!(
                            d.max_int <= 1.0 && d.max_ratio <= 1.0,
                            "{backend} {mode} {case}: {d:?}"
                        );
                        match &first {
                            Some((b, bits)) if *b == backend => {
                                assert!(same_bits(bits, &got), "{backend} {mode} {case}")
                            }
                            _ => first = Some((backend, got)),
                        }
                        total.add(d);
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
fn u8_image_u8_guide_matches_oracle() {
    check_integer(run_table::<u8, u8>(255.0));
}

#[test]
fn u16_image_f32_guide_matches_oracle() {
    check_integer(run_table::<u16, f32>(1.0));
}

#[test]
fn f32_image_u8_guide_matches_oracle() {
    let total = run_table::<f32, u8>(255.0);
    eprintln!("{total:?}");
}

#[test]
fn u8_image_u16_guide_matches_oracle() {
    check_integer(run_table::<u8, u16>(65535.0));
}

#[test]
fn f32_image_f32_guide_matches_oracle() {
    let total = run_table::<f32, f32>(1.0);
    eprintln!("{total:?}");
}

/// Windows so large that the guide's shared ring of weights does not fit, which weigh each
/// row's taps into a buffer before filtering it.
#[test]
fn large_windows_match_oracle() {
    let mut rng = Rng::new(5);
    let (w, h) = (45, 23);
    for (radius, channels, guide_channels) in [(17, 1, 3), (20, 3, 1), (16, 3, 3)] {
        let img: Vec<u8> = as_samples(&picture(w, h, channels, &mut rng));
        let guide: Vec<f32> = as_samples(&guide_picture(w, h, guide_channels, &mut rng));
        let params = Params::new()
            .radius(radius)
            .sigma_space(radius as f64 / 2.0)
            .sigma_range(0.3);
        let src = ImageView::new(&img, Layout::packed(w, h, channels)).unwrap();
        let g = ImageView::new(&guide, Layout::packed(w, h, guide_channels)).unwrap();
        let exact = reference_guided(src, g, &params).unwrap();
        for backend in backends() {
            let got = bilateral::filter_guided(src, g, &params.clone().backend(backend)).unwrap();
            let d = compare(&got, &exact);
            assert!(d.max_int <= 1.0, "{backend} r={radius}: {d:?}");
            check_integer(d);
        }
    }
}

/// With the image as its own guide, the joint filter is the filter, byte for byte, on every
/// backend and weight mode, for every type, channel count, distance and border. (One pass:
/// later passes keep the guide, where the filter's take their weights from the last result.)
#[test]
fn own_guide_gives_the_filters_bytes() {
    fn case<T: Sample + FromUnit>(scale: f64) {
        let mut rng = Rng::new(3);
        let mut n = 0usize;
        for channels in 1..=4 {
            for distance in DISTANCES {
                for border in BORDERS {
                    n += 1;
                    let (w, h) = (
                        WIDTHS[n % WIDTHS.len()] + 2,
                        HEIGHTS[n % HEIGHTS.len()].0 + 1,
                    );
                    let img: Vec<T> = as_samples(&picture(w, h, channels, &mut rng));
                    let layout = Layout::packed(w, h, channels);
                    let src = ImageView::new(&img, layout).unwrap();
                    for (backend, mode) in backends_and_modes() {
                        let params = Params::new()
                            .radius(1 + n % 4)
                            .sigma_space(1.5)
                            .sigma_range(scale * 0.2)
                            .window([Window::Square, Window::Disc][n % 2])
                            .distance(distance)
                            .border(border_for(border, scale.min(1.0)))
                            .filter_alpha(n.is_multiple_of(3))
                            .backend(backend)
                            .weight_mode(mode);
                        let alone = bilateral::filter(src, &params).unwrap();
                        let guided = bilateral::filter_guided(src, src, &params).unwrap();
                        assert!(
                            same_bits(&alone, &guided),
                            "{backend} {mode} {w}x{h}x{channels} {distance:?} {border:?}"
                        );
                    }
                }
            }
        }
    }
    case::<u8>(255.0);
    case::<u16>(65535.0);
    case::<f32>(1.0);
}

/// The same bytes for any thread count and tile height, the large windows' path included.
#[test]
fn threads_and_tile_heights_give_identical_bytes() {
    let mut rng = Rng::new(9);
    let (w, h) = (70, 41);
    let img: Vec<u16> = as_samples(&picture(w, h, 3, &mut rng));
    let guide: Vec<u8> = as_samples(&guide_picture(w, h, 1, &mut rng));
    let src = ImageView::new(&img, Layout::packed(w, h, 3)).unwrap();
    let g = ImageView::new(&guide, Layout::packed(w, h, 1)).unwrap();
    for radius in [2, 17] {
        let mut first: Option<Vec<u16>> = None;
        for threads in [1, 2, 3] {
            for tile in [1, 5, 64] {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                let params = Params::new()
                    .radius(radius)
                    .sigma_space(3.0)
                    .sigma_range(30.0)
                    .tile_height(tile);
                let got = pool.install(|| bilateral::filter_guided(src, g, &params).unwrap());
                match &first {
                    None => first = Some(got),
                    Some(f) => assert!(
                        same_bits(f, &got),
                        "r={radius} {threads} threads, tile {tile}"
                    ),
                }
            }
        }
    }
}

#[test]
fn bad_guides_are_refused_before_anything_is_written() {
    let (w, h) = (8, 6);
    let img = vec![100u8; w * h];
    let mut out = vec![7u8; w * h];
    let layout = Layout::packed(w, h, 1);
    let src = ImageView::new(&img, layout).unwrap();
    let params = Params::new().radius(1);
    let run = |guide: &[f32], gl: Layout, params: &Params, out: &mut Vec<u8>| {
        let g = ImageView::new(guide, gl).unwrap();
        bilateral::filter_guided_into(src, g, ImageViewMut::new(out, layout).unwrap(), params)
    };

    let small = vec![0.5f32; (w - 1) * h];
    assert_eq!(
        run(&small, Layout::packed(w - 1, h, 1), &params, &mut out),
        Err(Error::GuideSizeMismatch {
            width: w,
            height: h,
            guide_width: w - 1,
            guide_height: h
        })
    );
    let mut nan = vec![0.5f32; w * h * 3];
    nan[(2 * w + 5) * 3 + 1] = f32::NAN;
    let err = run(&nan, Layout::packed(w, h, 3), &params, &mut out).unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidGuideSample {
                x: 5,
                y: 2,
                channel: 1,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("guide sample at x=5, y=2"),
        "{err}"
    );
    // Per channel: a three-channel guide cannot weigh a one-channel image.
    let rgb = vec![0.5f32; w * h * 3];
    let per_channel = params.clone().distance(ColorDistance::PerChannel);
    assert_eq!(
        run(&rgb, Layout::packed(w, h, 3), &per_channel, &mut out),
        Err(Error::GuideChannelsMismatch {
            channels: 1,
            guide_channels: 3
        })
    );
    assert!(out.iter().all(|&v| v == 7), "nothing written");
    // A guide of 0 or 5 channels is no image at all.
    assert_eq!(
        ImageView::<f32>::new(&[], Layout::packed(w, h, 0)).map(drop),
        Err(Error::UnsupportedChannels(0))
    );
    let five = vec![0.5f32; w * h * 5];
    assert_eq!(
        ImageView::new(&five, Layout::packed(w, h, 5)).map(drop),
        Err(Error::UnsupportedChannels(5))
    );
}

/// A tolerance with a guide runs the exact filter and says why.
#[test]
fn the_fast_mode_declines_a_guide() {
    let (w, h) = (40, 30);
    let mut rng = Rng::new(1);
    let img: Vec<u8> = as_samples(&picture(w, h, 1, &mut rng));
    let layout = Layout::packed(w, h, 1);
    let src = ImageView::new(&img, layout).unwrap();
    let mut out = vec![0u8; w * h];
    let params = Params::new().radius(12).sigma_space(4.0).tolerance(0.5);
    let report = bilateral::filter_guided_into(
        src,
        src,
        ImageViewMut::new(&mut out, layout).unwrap(),
        &params,
    )
    .unwrap();
    assert_eq!(report.passes, vec![Method::Exact(ExactBecause::Guide)]);
    let exact = Params::new().radius(12).sigma_space(4.0);
    assert_eq!(out, bilateral::filter(src, &exact).unwrap());
}

/// The OpenCV joint preset: a flat float guide blurs with the square window (OpenCV calls
/// `GaussianBlur` there), any other guide with the disc; the oracle agrees.
#[test]
fn opencv_joint_blurs_under_a_flat_float_guide_with_the_square_window() {
    let (w, h) = (30, 20);
    let mut rng = Rng::new(4);
    let img: Vec<u8> = as_samples(&picture(w, h, 3, &mut rng));
    let src = ImageView::new(&img, Layout::packed(w, h, 3)).unwrap();
    let preset = Params::opencv_joint(5, 30.0, 2.0);
    let run = |guide: &[f32], params: &Params| {
        let g = ImageView::new(guide, Layout::packed(w, h, 1)).unwrap();
        (
            bilateral::filter_guided(src, g, params).unwrap(),
            reference_guided(src, g, params).unwrap(),
        )
    };
    // The same window, spatial weights and distance without the preset's rule: the disc.
    let disc = Params::opencv(5, 30.0, 2.0);
    let flat = vec![0.25f32; w * h];
    let (got, exact) = run(&flat, &preset);
    assert!(got == run(&flat, &disc.clone().window(Window::Square)).0);
    assert!(got != run(&flat, &disc).0);
    assert!(compare(&got, &exact).max_int <= 1.0);
    let mut almost = flat.clone();
    almost[17] = 0.2501;
    assert!(run(&almost, &preset).0 == run(&almost, &disc).0);
}
