//! Missing samples: the skip and fill policies against the f64 oracle with holes (random 1 to
//! 10%, blocks larger than the window, every pixel, the border rows and columns), on every
//! backend and weight mode, every border, sizes around the vector widths and tile heights;
//! the same bytes for any thread count and tile height; the typed errors.
//!
//! A missing centre must hold the missing marker (NaN for `f32`, the no-data value for
//! integers) exactly where the oracle gives NaN, and every other sample the filter's bound.

mod common;

use bilateral::oracle::reference;
use bilateral::{
    Border, ColorDistance, Error, ImageView, Layout, NanPolicy, Params, Sample, Window,
};
use common::{
    Diff, FromUnit, Rng, as_samples, backends, backends_and_modes, compare, picture, same_bits,
};

/// Where the holes go.
#[derive(Debug, Clone, Copy)]
enum Holes {
    /// Each pixel missing with this probability.
    Random(f64),
    /// A block larger than the window, off the centre.
    Block,
    /// Every pixel.
    All,
    /// The first and last row and column.
    Border,
}

const HOLES: [Holes; 6] = [
    Holes::Random(0.01),
    Holes::Random(0.05),
    Holes::Random(0.1),
    Holes::Block,
    Holes::All,
    Holes::Border,
];

fn is_hole(
    holes: Holes,
    (x, y): (usize, usize),
    (w, h): (usize, usize),
    r: usize,
    rng: &mut Rng,
) -> bool {
    match holes {
        Holes::Random(p) => rng.unit() < p,
        Holes::Block => {
            let side = 2 * r + 3;
            (w / 4..w / 4 + side).contains(&x) && (h / 4..h / 4 + side).contains(&y)
        }
        Holes::All => true,
        Holes::Border => x == 0 || y == 0 || x + 1 == w || y + 1 == h,
    }
}

/// A test picture of `T` with holes: one filtered channel of each missing pixel set to
/// `marker` (NaN or the no-data value), so that one missing channel is enough.
fn with_holes<T: Sample + FromUnit>(
    (w, h, channels, filtered): (usize, usize, usize, usize),
    holes: Holes,
    r: usize,
    marker: T,
    rng: &mut Rng,
) -> Vec<T> {
    let mut img: Vec<T> = as_samples(&picture(w, h, channels, rng));
    for y in 0..h {
        for x in 0..w {
            if is_hole(holes, (x, y), (w, h), r, rng) {
                let c = rng.below(filtered);
                img[(y * w + x) * channels + c] = marker;
            }
        }
    }
    img
}

/// Compares `got` with the oracle: the missing marker exactly where it is NaN, the bound
/// elsewhere.
fn compare_missing<T: Sample>(
    got: &[T],
    exact: &bilateral::oracle::Reference,
    marker: T,
    case: &str,
) -> Diff {
    let mut valid = exact.clone();
    let mut kept = Vec::new();
    for (i, (&e, g)) in exact.values.iter().zip(got).enumerate() {
        if e.is_nan() {
            assert!(
                g.to_f64().to_bits() == marker.to_f64().to_bits()
                    || (T::IS_FLOAT && g.to_f64().is_nan()),
                "{case}: sample {i} is {g:?}, not the missing marker"
            );
        } else {
            assert!(
                !g.to_f64().is_nan(),
                "{case}: sample {i} is NaN, expected {e}"
            );
            kept.push(i);
        }
    }
    let pick = |v: &[f64]| kept.iter().map(|&i| v[i]).collect::<Vec<_>>();
    valid.values = pick(&exact.values);
    valid.window_min = pick(&exact.window_min);
    valid.window_max = pick(&exact.window_max);
    let got: Vec<T> = kept.iter().map(|&i| got[i]).collect();
    compare(&got, &valid)
}

const WIDTHS: [usize; 7] = [1, 7, 15, 17, 33, 47, 49];
const HEIGHTS: [(usize, usize); 5] = [(1, 32), (5, 2), (9, 4), (17, 8), (33, 32)];

fn run_table<T: Sample + FromUnit>(full_scale: f64, marker: T, nodata: Option<f64>) -> Diff {
    let mut total = Diff::default();
    let mut rng = Rng::new(23);
    let mut case = 0;
    for policy in [NanPolicy::Skip, NanPolicy::Fill] {
        for holes in HOLES {
            for channels in 1..=4 {
                for border in [
                    Border::Reflect101,
                    Border::Replicate,
                    Border::Reflect,
                    Border::Constant(0.25),
                ] {
                    case += 1;
                    let w = WIDTHS[case % WIDTHS.len()];
                    let (h, tile) = HEIGHTS[case % HEIGHTS.len()];
                    let radius = 1 + case % 4;
                    let filtered = if channels % 2 == 0 {
                        channels - 1
                    } else {
                        channels
                    };
                    let img =
                        with_holes((w, h, channels, filtered), holes, radius, marker, &mut rng);
                    let border = match border {
                        // Every other constant border is the no-data value: missing too.
                        Border::Constant(_) if case % 2 == 0 && nodata.is_some() => {
                            Border::Constant(nodata.unwrap() as f32)
                        }
                        Border::Constant(v) => Border::Constant((f64::from(v) * full_scale) as f32),
                        b => b,
                    };
                    let mut params = Params::new()
                        .radius(radius)
                        .sigma_space(0.8 + case as f64 % 3.0)
                        .sigma_range(full_scale * [0.05, 0.15, 0.4][case % 3])
                        .window([Window::Square, Window::Disc][case % 2])
                        .distance(
                            [
                                ColorDistance::Joint,
                                ColorDistance::L1,
                                ColorDistance::PerChannel,
                            ][case % 3],
                        )
                        .border(border)
                        .nan_policy(policy)
                        .iterations(1 + (case % 5 == 0) as u32)
                        .tile_height(tile);
                    if let Some(v) = nodata {
                        params = params.nodata(v);
                    }
                    let src = ImageView::new(&img, Layout::packed(w, h, channels)).unwrap();
                    let exact = reference(src, &params).unwrap();
                    // Each backend's first mode, to which its other modes must agree.
                    let mut first: Option<(bilateral::Backend, Vec<T>)> = None;
                    for (backend, mode) in backends_and_modes() {
                        let p = params.clone().backend(backend).weight_mode(mode);
                        let got = bilateral::filter(src, &p).unwrap();
                        let case = format!(
                            "{backend} {mode} {policy} {holes:?} {w}x{h}x{channels} r={radius} {border:?}"
                        );
                        let d = compare_missing(&got, &exact, marker, &case);
                        assert!(d.max_int <= 1.0 && d.max_ratio <= 1.0, "{case}: {d:?}");
                        match &first {
                            Some((b, bits)) if *b == backend => {
                                assert!(same_bits(bits, &got), "{case}: modes differ")
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

#[test]
fn u8_with_nodata_matches_the_oracle() {
    let total = run_table::<u8>(255.0, 0, Some(0.0));
    eprintln!("{total:?}");
    assert!(total.unequal * 1000 <= total.samples, "{total:?}");
}

#[test]
fn u16_with_nodata_matches_the_oracle() {
    let total = run_table::<u16>(65535.0, 65535, Some(65535.0));
    eprintln!("{total:?}");
    assert!(total.unequal * 1000 <= total.samples, "{total:?}");
}

#[test]
fn f32_with_nan_matches_the_oracle() {
    eprintln!("{:?}", run_table::<f32>(3.0, f32::NAN, None));
}

#[test]
fn f32_with_nodata_matches_the_oracle() {
    eprintln!("{:?}", run_table::<f32>(3.0, -9999.0, Some(-9999.0)));
}

/// Without a missing sample every policy gives reject's bytes.
#[test]
fn without_holes_every_policy_is_reject() {
    let mut rng = Rng::new(5);
    let img: Vec<f32> = as_samples(&picture(67, 19, 3, &mut rng));
    let src = ImageView::new(&img, Layout::packed(67, 19, 3)).unwrap();
    for backend in backends() {
        let p = Params::new().radius(3).sigma_range(0.3).backend(backend);
        let want = bilateral::filter(src, &p).unwrap();
        for policy in NanPolicy::ALL {
            let got = bilateral::filter(src, &p.clone().nan_policy(policy)).unwrap();
            assert!(same_bits(&want, &got), "{backend} {policy}");
        }
    }
}

/// The same bytes for any thread count and tile height, with holes.
#[test]
fn holes_give_the_same_bytes_for_any_threads_and_tiles() {
    let mut rng = Rng::new(9);
    let (w, h) = (83, 61);
    let img: Vec<f32> = with_holes((w, h, 3, 3), Holes::Random(0.05), 3, f32::NAN, &mut rng);
    let src = ImageView::new(&img, Layout::packed(w, h, 3)).unwrap();
    for policy in [NanPolicy::Skip, NanPolicy::Fill] {
        let p = Params::new().radius(3).sigma_range(0.3).nan_policy(policy);
        let want = bilateral::filter(src, &p.clone().tile_height(h)).unwrap();
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            for tile in [1, 4, 7, 32] {
                let got = pool
                    .install(|| bilateral::filter(src, &p.clone().tile_height(tile)))
                    .unwrap();
                assert!(
                    same_bits(&want, &got),
                    "{policy} {threads} threads, tile {tile}"
                );
            }
        }
    }
}

#[test]
fn bad_missing_values_are_typed_errors() {
    let img = [1u8, 2, 3, 4];
    let src = ImageView::new(&img, Layout::packed(2, 2, 1)).unwrap();
    let skip = Params::new().nan_policy(NanPolicy::Skip);
    assert_eq!(
        bilateral::filter(src, &skip.clone().nodata(f64::NAN)),
        Err(Error::NanNodata { sample: "u8" })
    );
    assert_eq!(
        bilateral::filter(src, &skip.clone().nodata(-9999.0)),
        Err(Error::NodataOutOfRange {
            value: -9999.0,
            sample: "u8"
        })
    );
    // Under reject the no-data value is an error, named.
    assert_eq!(
        bilateral::filter(src, &Params::new().nodata(3.0)),
        Err(Error::MissingSample {
            x: 0,
            y: 1,
            channel: 0,
            value: 3.0
        })
    );
    // Infinities stay errors under every policy.
    let f = [0.5f32, f32::NAN, f32::INFINITY, 0.25];
    let src = ImageView::new(&f, Layout::packed(2, 2, 1)).unwrap();
    for policy in NanPolicy::ALL {
        let got = bilateral::filter(src, &Params::new().nan_policy(policy));
        let (at_x, at_y) = if policy == NanPolicy::Reject {
            (1, 0)
        } else {
            (0, 1)
        };
        assert!(
            matches!(got, Err(Error::InvalidSample { x, y, .. }) if (x, y) == (at_x, at_y)),
            "{policy}: {got:?}"
        );
    }
    assert_eq!(
        "ignore".parse::<NanPolicy>(),
        Err(Error::UnknownNanPolicy("ignore".into()))
    );
    // With a guide, not yet.
    let g = [0.5f32; 4];
    let guide = ImageView::new(&g, Layout::packed(2, 2, 1)).unwrap();
    let f = [0.5f32; 4];
    let src = ImageView::new(&f, Layout::packed(2, 2, 1)).unwrap();
    assert_eq!(
        bilateral::filter_guided(src, guide, &Params::new().nan_policy(NanPolicy::Fill)),
        Err(Error::MissingWithGuide)
    );
}

/// A radius of 0 copies, with the missing marker at missing pixels (f32: NaN also where the
/// no-data value was).
#[test]
fn radius_zero_marks_missing_pixels() {
    let f = [0.5f32, -9999.0, f32::NAN, 0.25];
    let src = ImageView::new(&f, Layout::packed(2, 2, 1)).unwrap();
    let p = Params::new()
        .radius(0)
        .nan_policy(NanPolicy::Skip)
        .nodata(-9999.0);
    let got = bilateral::filter(src, &p).unwrap();
    assert_eq!(got[0], 0.5);
    assert!(got[1].is_nan() && got[2].is_nan());
    assert_eq!(got[3], 0.25);
}
