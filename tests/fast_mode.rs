//! The fast mode (`Params::tolerance`) against the oracle: every result within the tolerance
//! of the exact definition, on photos and adversarial images, every backend.

mod common;

use bilateral::oracle::{reference, within_tolerance};
use bilateral::{ImageView, Layout, Method, Params, Sample};
use common::{backends, photo};

/// The share recomputed, worst over every backend and tolerance of `taus` (the oracle run
/// once for all); panics where a result is not within its tolerance of the oracle's.
fn check_each<T: Sample>(img: &[T], layout: Layout, params: &Params, taus: &[f64]) -> f64 {
    let src = ImageView::new(img, layout).unwrap();
    let exact = reference(src, params).unwrap();
    let mut share = 0.0f64;
    for (backend, &tau) in backends()
        .into_iter()
        .flat_map(|b| taus.iter().map(move |t| (b, t)))
    {
        let p = params
            .clone()
            .backend(backend)
            .tolerance(tau)
            .always_fast(true);
        let mut out = vec![T::ZERO; img.len()];
        let dst = bilateral::ImageViewMut::new(
            &mut out,
            Layout::packed(layout.width, layout.height, layout.channels),
        )
        .unwrap();
        let report = bilateral::filter_into_with_report(src, dst, &p).unwrap();
        assert!(
            matches!(report.passes[0], Method::Fast { .. }),
            "{backend}: {report:?}"
        );
        share = share.max(report.recomputed_share());
        for (i, g) in out.iter().enumerate() {
            let (g, e) = (g.to_f64(), exact.values[i]);
            let ok = within_tolerance::<T>(g, e, tau);
            assert!(
                ok,
                "{backend} {params:?} τ {tau}: sample {i} is {g}, exact {e}"
            );
        }
    }
    share
}

fn check<T: Sample>(img: &[T], layout: Layout, params: &Params, tau: f64) -> f64 {
    check_each(img, layout, params, &[tau])
}

fn gray(name: &str, x0: usize, y0: usize, w: usize, h: usize) -> Vec<u8> {
    let img = photo(name);
    let mut out = Vec::with_capacity(w * h);
    for y in y0..y0 + h {
        for x in x0..x0 + w {
            let p = img.get_pixel(x as u32, y as u32).0;
            out.push(
                ((u32::from(p[0]) * 77 + u32::from(p[1]) * 150 + u32::from(p[2]) * 29) >> 8) as u8,
            );
        }
    }
    out
}

#[test]
fn photo_crops_hold_the_tolerance() {
    let (w, h) = (100, 70);
    let img = gray("astronaut.png", 200, 120, w, h);
    for sigma_s in [2.0, 3.0, 5.0] {
        for sigma_r in [5.0, 25.0, 50.0] {
            let r = (3.0f64 * sigma_s) as usize;
            let p = Params::new()
                .radius(r)
                .sigma_space(sigma_s)
                .sigma_range(sigma_r);
            let share = check_each(&img, Layout::packed(w, h, 1), &p, &[0.5, 0.05]);
            eprintln!(
                "σs {sigma_s} σr {sigma_r} τ 0.5, 0.05: recomputed {:.3}%",
                100.0 * share
            );
        }
    }
}

/// Images that stress the certificate: edges, impulses, ramps, checkerboards of contrast
/// about `σr`, flat; in 0..255 levels.
fn adversarial(kind: usize, w: usize, h: usize, sigma_r: f64, rng: &mut common::Rng) -> Vec<f64> {
    (0..w * h)
        .map(|i| {
            let (x, y) = (i % w, i / w);
            match kind {
                0 => {
                    if x * 2 + y / 3 > w {
                        230.0
                    } else {
                        20.0
                    }
                }
                1 => {
                    if rng.unit() < 0.03 {
                        255.0 * rng.unit().round()
                    } else {
                        100.0 + 3.0 * rng.unit()
                    }
                }
                2 => (x * 255 / w.max(2)) as f64 * 0.7 + (y * 60 / h) as f64,
                3 => {
                    120.0
                        + if (x / 2 + y / 2) % 2 == 0 {
                            sigma_r
                        } else {
                            -sigma_r
                        }
                }
                _ => 77.0,
            }
        })
        .map(|v: f64| v.clamp(0.0, 255.0))
        .collect()
}

#[test]
fn adversarial_images_hold_the_tolerance_in_every_type() {
    let mut rng = common::Rng::new(13);
    let (w, h) = (45, 38);
    let layout = Layout::packed(w, h, 1);
    for kind in 0..5 {
        for sigma_s in [2.0, 3.0, 5.0, 10.0] {
            for sigma_r in [5.0, 25.0, 50.0] {
                let levels = adversarial(kind, w, h, sigma_r, &mut rng);
                let r = (3.0f64 * sigma_s) as usize;
                let p = Params::new().radius(r).sigma_space(sigma_s);
                let u8s: Vec<u8> = levels.iter().map(|&v| v.round() as u8).collect();
                let u16s: Vec<u16> = levels.iter().map(|&v| (v * 257.0).round() as u16).collect();
                let f32s: Vec<f32> = levels.iter().map(|&v| (v / 255.0) as f32).collect();
                let taus = [0.5, 0.05];
                let scaled = |k: f64| taus.map(|t| t * k);
                let s8 = check_each(&u8s, layout, &p.clone().sigma_range(sigma_r), &taus);
                let s16 = check_each(
                    &u16s,
                    layout,
                    &p.clone().sigma_range(sigma_r * 257.0),
                    &scaled(257.0),
                );
                let s32 = check_each(
                    &f32s,
                    layout,
                    &p.clone().sigma_range(sigma_r / 255.0),
                    &scaled(1.0 / 255.0),
                );
                eprintln!(
                    "kind {kind} σs {sigma_s} σr {sigma_r} τ 0.5, 0.05 levels: recomputed u8 {s8:.4} u16 {s16:.4} f32 {s32:.4}"
                );
            }
        }
    }
}

#[test]
fn every_border_and_per_channel_colour_hold_the_tolerance() {
    let rgb = photo("coffee.png");
    let (w, h) = (61, 47);
    let mut img = Vec::with_capacity(w * h * 4);
    for y in 0..h {
        for x in 0..w {
            let p = rgb.get_pixel(100 + x as u32, 80 + y as u32).0;
            img.extend([p[0], p[1], p[2], (x * 4) as u8]);
        }
    }
    for border in [
        bilateral::Border::Reflect101,
        bilateral::Border::Replicate,
        bilateral::Border::Reflect,
        bilateral::Border::Constant(300.0),
    ] {
        for (channels, filter_alpha) in [(4, false), (4, true), (3, false)] {
            let src: Vec<u8> = img
                .chunks_exact(4)
                .flat_map(|p| p[..channels].to_vec())
                .collect();
            let p = Params::new()
                .radius(7)
                .sigma_space(2.5)
                .sigma_range(20.0)
                .border(border)
                .filter_alpha(filter_alpha)
                .distance(bilateral::ColorDistance::PerChannel);
            let share = check(&src, Layout::packed(w, h, channels), &p, 0.5);
            eprintln!("{border} {channels} channels, alpha filtered {filter_alpha}: {share:.4}");
        }
    }
}

#[test]
fn threads_and_tile_heights_give_identical_bytes() {
    let img = gray("camera.png", 0, 0, 300, 170);
    let layout = Layout::packed(300, 170, 1);
    let src = ImageView::new(&img, layout).unwrap();
    for backend in backends() {
        let p = Params::new()
            .radius(9)
            .sigma_space(3.0)
            .sigma_range(15.0)
            .backend(backend)
            .tolerance(0.5)
            .always_fast(true);
        let mut runs = Vec::new();
        for (threads, tile) in [(1, 32), (2, 1), (3, 7), (2, 100), (1, 1000)] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let out = pool
                .install(|| bilateral::filter(src, &p.clone().tile_height(tile)))
                .unwrap();
            runs.push(out);
        }
        assert!(runs.windows(2).all(|w| w[0] == w[1]), "{backend}");
    }
}

#[test]
fn the_call_reports_why_it_ran_exact() {
    let img = vec![7u8; 40 * 30 * 3];
    let layout = Layout::packed(40, 30, 3);
    let src = ImageView::new(&img, layout).unwrap();
    let run = |p: Params| {
        let mut out = vec![0u8; img.len()];
        let dst = bilateral::ImageViewMut::new(&mut out, layout).unwrap();
        bilateral::filter_into_with_report(src, dst, &p)
            .unwrap()
            .passes[0]
    };
    let big = Params::new().radius(20).sigma_space(7.0).sigma_range(25.0);
    use bilateral::ExactBecause as E;
    assert_eq!(run(big.clone()), Method::Exact(E::NoTolerance));
    assert_eq!(run(big.clone().tolerance(0.5)), Method::Exact(E::Distance));
    let per_channel = big
        .clone()
        .tolerance(0.5)
        .distance(bilateral::ColorDistance::PerChannel);
    assert!(matches!(run(per_channel.clone()), Method::Fast { .. }));
    assert_eq!(
        run(per_channel.clone().window(bilateral::Window::Disc)),
        Method::Exact(E::Window)
    );
    assert_eq!(
        run(per_channel.clone().beta(0.0)),
        Method::Exact(E::FlatRange)
    );
    assert_eq!(run(per_channel.clone().radius(1)), Method::Exact(E::Faster));
    // A tolerance at the rounding floor cannot be certified, even on a flat image.
    assert_eq!(
        run(per_channel.clone().tolerance(1e-30)),
        Method::Exact(E::ToleranceTooSmall)
    );
    let noisy: Vec<u8> = (0..img.len()).map(|i| (i * 7919 % 251) as u8).collect();
    let src = ImageView::new(&noisy, layout).unwrap();
    let mut out = vec![0u8; img.len()];
    let dst = bilateral::ImageViewMut::new(&mut out, layout).unwrap();
    let r = bilateral::filter_into_with_report(src, dst, &per_channel.tolerance(1e-4)).unwrap();
    assert_eq!(r.passes[0], Method::Exact(E::ToleranceTooSmall));
}

#[test]
fn iterations_run_the_fast_mode_each_pass() {
    let img = gray("astronaut.png", 50, 50, 64, 48);
    let layout = Layout::packed(64, 48, 1);
    let p = Params::new()
        .radius(6)
        .sigma_space(2.0)
        .sigma_range(25.0)
        .iterations(3);
    let src = ImageView::new(&img, layout).unwrap();
    let mut out = vec![0u8; img.len()];
    let dst = bilateral::ImageViewMut::new(&mut out, layout).unwrap();
    let r =
        bilateral::filter_into_with_report(src, dst, &p.clone().tolerance(0.5).always_fast(true))
            .unwrap();
    assert_eq!(r.passes.len(), 3);
    assert!(r.passes.iter().all(|m| matches!(m, Method::Fast { .. })));
    // Each pass is within 1 of the exact pass on the same input; three compound to 3 at most.
    let exact = bilateral::filter(src, &p).unwrap();
    assert!(out.iter().zip(&exact).all(|(a, b)| a.abs_diff(*b) <= 3));
}

#[test]
fn bad_tolerances_are_typed_errors() {
    let img = vec![0u8; 16];
    let src = ImageView::new(&img, Layout::packed(4, 4, 1)).unwrap();
    for t in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let e = bilateral::filter(src, &Params::new().tolerance(t)).unwrap_err();
        assert!(
            matches!(e, bilateral::Error::InvalidTolerance(v) if v.to_bits() == t.to_bits()),
            "{e}"
        );
    }
}
