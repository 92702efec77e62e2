//! Real photographs (tests/data, licences in its README), every backend and weight mode against
//! the oracle, and the halo property a chunked caller relies on.

mod common;

use bilateral::oracle::reference;
use bilateral::{ColorDistance, ImageView, Layout, Params, Sample, Window};
use common::{Diff, backends_and_modes, compare, photo};

const PHOTOS: [&str; 4] = ["astronaut.png", "camera.png", "chelsea.png", "coffee.png"];

fn check<T: Sample>(img: &[T], layout: Layout, params: &Params) -> Diff {
    let src = ImageView::new(img, layout).unwrap();
    let exact = reference(src, params).unwrap();
    let mut total = Diff::default();
    for (backend, mode) in backends_and_modes() {
        let p = params.clone().backend(backend).weight_mode(mode);
        let got = bilateral::filter(src, &p).unwrap();
        let d = compare(&got, &exact);
        assert!(
            d.max_int <= 1.0 && d.max_ratio <= 1.0,
            "{backend} {mode} {params:?}: {d:?}"
        );
        assert!(
            d.unequal * 1000 <= d.samples,
            "{backend} {mode} {params:?}: {d:?}"
        );
        total.add(d);
    }
    total
}

#[test]
fn photos_match_oracle_in_every_type() {
    for name in PHOTOS {
        let rgb = photo(name);
        let (w, h) = (rgb.width() as usize, rgb.height() as usize);
        let layout = Layout::packed(w, h, 3);
        let u8s = rgb.into_raw();
        let u16s: Vec<u16> = u8s.iter().map(|&v| u16::from(v) * 257).collect();
        let f32s: Vec<f32> = u8s.iter().map(|&v| f32::from(v) / 255.0).collect();
        for distance in [ColorDistance::Joint, ColorDistance::L1] {
            let p = Params::new().radius(2).sigma_space(2.0).distance(distance);
            let d8 = check(&u8s, layout, &p.clone().sigma_range(30.0));
            let d16 = check(&u16s, layout, &p.clone().sigma_range(30.0 * 257.0));
            let d32 = check(&f32s, layout, &p.clone().sigma_range(30.0 / 255.0));
            eprintln!("{name} {distance:?}: u8 {d8:?}\n  u16 {d16:?}\n  f32 {d32:?}");
        }
    }
}

/// Filtering overlapping bands with an `r`-row halo and keeping their inner rows gives the same
/// bytes as filtering the whole image.
#[test]
fn bands_with_a_halo_equal_the_whole_image() {
    let rgb = photo("coffee.png");
    let (w, h) = (rgb.width() as usize, rgb.height() as usize);
    let img = rgb.into_raw();
    let row = w * 3;
    for r in [1, 2, 4] {
        let p = Params::new().radius(r).sigma_range(25.0);
        let whole =
            bilateral::filter(ImageView::new(&img, Layout::packed(w, h, 3)).unwrap(), &p).unwrap();
        for band in [1, 7, 50, 133] {
            let mut y0 = 0;
            while y0 < h {
                let y1 = (y0 + band).min(h);
                let (a, b) = (y0.saturating_sub(r), (y1 + r).min(h));
                let src =
                    ImageView::new(&img[a * row..b * row], Layout::packed(w, b - a, 3)).unwrap();
                let out = bilateral::filter(src, &p).unwrap();
                assert_eq!(
                    out[(y0 - a) * row..(y1 - a) * row],
                    whole[y0 * row..y1 * row],
                    "r={r} band {y0}..{y1}"
                );
                y0 = y1;
            }
        }
    }
}

/// Every thread count and tile height gives the same bytes, on every backend, weight mode and
/// sample type.
#[test]
fn threads_and_tile_heights_give_identical_bytes() {
    let rgb = photo("astronaut.png");
    let (w, h) = (rgb.width() as usize, rgb.height() as usize);
    let layout = Layout::packed(w, h, 3);
    let u8s = rgb.into_raw();
    let f32s: Vec<f32> = u8s.iter().map(|&v| f32::from(v) / 255.0).collect();
    for (backend, mode) in backends_and_modes() {
        let p8 = Params::new()
            .sigma_range(30.0)
            .backend(backend)
            .weight_mode(mode);
        let p32 = Params::new()
            .sigma_range(0.12)
            .backend(backend)
            .weight_mode(mode);
        let run = |threads: usize, tile: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let a = bilateral::filter(
                    ImageView::new(&u8s, layout).unwrap(),
                    &p8.clone().tile_height(tile),
                );
                let b = bilateral::filter(
                    ImageView::new(&f32s, layout).unwrap(),
                    &p32.clone().tile_height(tile),
                );
                (
                    a.unwrap(),
                    b.unwrap().iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                )
            })
        };
        let reference = run(1, 32);
        for (threads, tile) in [(2, 32), (3, 1), (3, 7), (16, 5), (16, 1000), (1, 511)] {
            assert!(
                run(threads, tile) == reference,
                "{backend} {mode}: {threads} threads, tile {tile}"
            );
        }
    }
}

/// Windows so large that a whole row's shared weights would pass the tile's budget, so that
/// blocks of columns share them: every backend and mode against the oracle on a band of a
/// photo, in u8 and f32.
#[test]
fn large_windows_match_oracle() {
    let rgb = photo("astronaut.png");
    let (w, h) = (rgb.width() as usize, 40);
    let layout = Layout::packed(w, h, 3);
    let u8s = rgb.into_raw()[..w * h * 3].to_vec();
    let f32s: Vec<f32> = u8s.iter().map(|&v| f32::from(v) / 255.0).collect();
    for (r, window) in [(12, Window::Disc), (9, Window::Square)] {
        let p = Params::new()
            .radius(r)
            .sigma_space(r as f64 / 2.0)
            .window(window)
            .distance(ColorDistance::L1);
        let d8 = check(&u8s, layout, &p.clone().sigma_range(30.0));
        let d32 = check(&f32s, layout, &p.clone().sigma_range(30.0 / 255.0));
        eprintln!("r = {r} {window:?}: u8 {d8:?}\n  f32 {d32:?}");
    }
}
