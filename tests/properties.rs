//! Invariants of the filter, as property tests over random images and parameters, on every
//! backend the CPU has, in every weight mode.

mod common;

use bilateral::{Backend, Border, ColorDistance, ImageView, Layout, Params, WeightMode, Window};
use common::backends_and_modes;
use proptest::prelude::*;

fn window() -> impl Strategy<Value = Window> {
    prop_oneof![Just(Window::Square), Just(Window::Disc)]
}

fn distance() -> impl Strategy<Value = ColorDistance> {
    prop_oneof![
        Just(ColorDistance::Joint),
        Just(ColorDistance::L1),
        Just(ColorDistance::PerChannel)
    ]
}

fn border() -> impl Strategy<Value = Border> {
    prop_oneof![
        Just(Border::Reflect101),
        Just(Border::Replicate),
        Just(Border::Reflect),
        (0.0f32..255.0).prop_map(Border::Constant),
    ]
}

fn backend() -> impl Strategy<Value = (Backend, WeightMode)> {
    proptest::sample::select(backends_and_modes())
}

/// A random image: width, height, channels and samples.
fn image_u8() -> impl Strategy<Value = (usize, usize, usize, Vec<u8>)> {
    (1usize..40, 1usize..24, 1usize..=4).prop_flat_map(|(w, h, c)| {
        (
            Just(w),
            Just(h),
            Just(c),
            proptest::collection::vec(any::<u8>(), w * h * c),
        )
    })
}

fn params() -> impl Strategy<Value = Params> {
    (
        0usize..=4,
        0.3f64..5.0,
        2.0f64..200.0,
        window(),
        distance(),
        border(),
        any::<bool>(),
        backend(),
    )
        .prop_map(|(r, ss, sr, win, dist, b, fa, (be, mode))| {
            Params::new()
                .radius(r)
                .sigma_space(ss)
                .sigma_range(sr)
                .window(win)
                .distance(dist)
                .border(b)
                .filter_alpha(fa)
                .backend(be)
                .weight_mode(mode)
        })
}

fn run(img: &[u8], w: usize, h: usize, c: usize, p: &Params) -> Vec<u8> {
    bilateral::filter(ImageView::new(img, Layout::packed(w, h, c)).unwrap(), p).unwrap()
}

fn pool(n: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn flat_stays_flat(w in 1usize..40, h in 1usize..20, c in 1usize..=4, v in any::<u8>(), p in params()) {
        // A constant border of another value would rightly pull the edges.
        let p = p.border(Border::Replicate);
        let img = vec![v; w * h * c];
        prop_assert_eq!(run(&img, w, h, c, &p), img);
    }

    #[test]
    fn flat_f32_stays_exactly_flat(w in 1usize..40, h in 1usize..20, v in -1e6f32..1e6, (be, mode) in backend()) {
        let img = vec![v; w * h];
        let p = Params::new().backend(be).weight_mode(mode);
        let out = bilateral::filter(ImageView::new(&img, Layout::packed(w, h, 1)).unwrap(), &p).unwrap();
        prop_assert_eq!(out, img);
    }

    #[test]
    fn huge_beta_is_the_identity((w, h, c, img) in image_u8(), p in params()) {
        // Neighbours differ by at least 1, so exp(-1e6·D²) underflows to 0.
        let p = p.beta(1e6);
        prop_assert_eq!(run(&img, w, h, c, &p), img);
    }

    #[test]
    fn output_within_window_min_and_max((w, h, c, img) in image_u8(), p in params()) {
        let src = ImageView::new(&img, Layout::packed(w, h, c)).unwrap();
        let out = run(&img, w, h, c, &p);
        let r = bilateral::oracle::reference(src, &p).unwrap();
        // A constant border need not be an integer: the rounded result may then reach the
        // integers either side of the window's range (253.74 as the maximum allows 254).
        for (i, &o) in out.iter().enumerate() {
            let o = f64::from(o);
            let (lo, hi) = (r.window_min[i].floor(), r.window_max[i].ceil());
            prop_assert!(o >= lo && o <= hi, "sample {i}: {o} not in [{lo}, {hi}]");
        }
    }

    #[test]
    fn threads_and_tiles_do_not_change_a_byte((w, h, c, img) in image_u8(), p in params(), tile in 1usize..30, threads in 2usize..5) {
        let serial = pool(1).install(|| run(&img, w, h, c, &p));
        let parallel = pool(threads).install(|| run(&img, w, h, c, &p.clone().tile_height(tile)));
        prop_assert_eq!(serial, parallel);
    }

    #[test]
    fn zero_beta_is_a_gaussian_blur(w in 1usize..30, h in 1usize..20, seed in any::<u64>(), r in 1usize..4, ss in 0.5f64..3.0) {
        // β = 0: the result is Σ g(o)·I(p+o) / Σ g(o), whatever the samples.
        let mut rng = common::Rng::new(seed);
        let img: Vec<f32> = (0..w * h).map(|_| rng.unit() as f32).collect();
        let p = Params::new().radius(r).sigma_space(ss).beta(0.0).border(Border::Replicate);
        let out = bilateral::filter(ImageView::new(&img, Layout::packed(w, h, 1)).unwrap(), &p).unwrap();
        let alpha = 0.5 / (ss * ss);
        let (ri, wi, hi) = (r as isize, w as isize, h as isize);
        for y in 0..hi {
            for x in 0..wi {
                let (mut num, mut den) = (0.0, 0.0);
                for dy in -ri..=ri {
                    for dx in -ri..=ri {
                        let g = (-alpha * (dx * dx + dy * dy) as f64).exp();
                        let q = img[((y + dy).clamp(0, hi - 1) * wi + (x + dx).clamp(0, wi - 1)) as usize];
                        num += g * f64::from(q);
                        den += g;
                    }
                }
                let got = f64::from(out[(y * wi + x) as usize]);
                prop_assert!((got - num / den).abs() < 1e-5, "({x},{y}): {got} vs {}", num / den);
            }
        }
    }
}
