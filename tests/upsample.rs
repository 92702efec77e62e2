//! Joint bilateral upsampling: against the f64 definition (`oracle::reference_upsample`) for
//! every pair of sample types tried, channel counts, scales 1 to 4, windows, distances and
//! borders; at scale 1, the joint filter; the same bytes for any thread count; bad guides; and
//! what it is for: a depth map with sharp object edges, upsampled 4x under its colour image,
//! is far closer to the truth at the edges than bicubic interpolation.

mod common;

use bilateral::oracle::{reference_upsample, store_as};
use bilateral::{
    Border, ColorDistance, Error, ImageView, ImageViewMut, Layout, Params, Sample, Window,
};
use common::{FromUnit, Rng, as_samples, picture};

/// The largest error of `got` against the definition: integers in units (after the
/// definition's rounding), floats relative to the low image's span.
fn worst<T: Sample>(got: &[T], exact: &[f64], span: f64) -> f64 {
    got.iter()
        .zip(exact)
        .map(|(g, &e)| {
            if T::IS_FLOAT {
                (g.to_f64() - e).abs() / span
            } else {
                (g.to_f64() - store_as::<T>(e)).abs()
            }
        })
        .fold(0.0, f64::max)
}

fn table<T: Sample + FromUnit, G: Sample + FromUnit>(guide_scale: f64) {
    let mut rng = Rng::new(21);
    let mut case = 0usize;
    for channels in 1..=4 {
        for guide_channels in [1, 3, 4] {
            for distance in [
                ColorDistance::Joint,
                ColorDistance::L1,
                ColorDistance::PerChannel,
            ] {
                case += 1;
                let filter_alpha = case.is_multiple_of(2);
                let filtered = |c: usize| {
                    if c.is_multiple_of(2) && !filter_alpha {
                        c - 1
                    } else {
                        c
                    }
                };
                if distance == ColorDistance::PerChannel
                    && filtered(guide_channels) > 1
                    && filtered(guide_channels) != filtered(channels)
                {
                    continue;
                }
                let s = 1 + case % 4;
                let (w, h) = (3 + case % 9, 2 + case % 5);
                let low: Vec<T> = as_samples(&picture(w, h, channels, &mut rng));
                let guide: Vec<G> = as_samples(&picture(w * s, h * s, guide_channels, &mut rng));
                let border = [
                    Border::Reflect101,
                    Border::Replicate,
                    Border::Reflect,
                    Border::Constant(0.2),
                ][case % 4];
                let params = Params::new()
                    .radius(1 + case % 3)
                    .sigma_space(0.7 + (case % 3) as f64)
                    .sigma_range(guide_scale * [0.05, 0.15, 0.4][case % 3])
                    .window([Window::Square, Window::Disc][case % 2])
                    .distance(distance)
                    .border(border)
                    .filter_alpha(filter_alpha);
                let lv = ImageView::new(&low, Layout::packed(w, h, channels)).unwrap();
                let gv =
                    ImageView::new(&guide, Layout::packed(w * s, h * s, guide_channels)).unwrap();
                let got = bilateral::upsample(lv, gv, &params).unwrap();
                let exact = reference_upsample(lv, gv, &params).unwrap();
                let err = worst(&got, &exact, 3.0);
                let bound = if T::IS_FLOAT { 1e-5 } else { 1.0 };
                assert!(
                    err <= bound,
                    "{w}x{h}x{channels} x{s} guide x{guide_channels} {distance:?} {border:?}: {err}"
                );
            }
        }
    }
}

#[test]
fn u8_under_u8_matches_the_definition() {
    table::<u8, u8>(255.0);
}

#[test]
fn u16_under_f32_matches_the_definition() {
    table::<u16, f32>(1.0);
}

#[test]
fn f32_under_u8_matches_the_definition() {
    table::<f32, u8>(255.0);
}

#[test]
fn f32_under_u16_matches_the_definition() {
    table::<f32, u16>(65535.0);
}

/// At scale 1 the samples stand at the output pixels and the guide's means are the guide: the
/// joint filter, to within the rounding of their sums.
#[test]
fn scale_one_is_the_joint_filter() {
    let mut rng = Rng::new(2);
    let (w, h) = (41, 23);
    let img: Vec<f32> = as_samples(&picture(w, h, 3, &mut rng));
    let guide: Vec<u8> = as_samples(&picture(w, h, 1, &mut rng));
    let iv = ImageView::new(&img, Layout::packed(w, h, 3)).unwrap();
    let gv = ImageView::new(&guide, Layout::packed(w, h, 1)).unwrap();
    let params = Params::new().radius(3).sigma_space(2.0).sigma_range(30.0);
    let up = bilateral::upsample(iv, gv, &params).unwrap();
    let joint = bilateral::filter_guided(iv, gv, &params).unwrap();
    let err = up
        .iter()
        .zip(&joint)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(err < 1e-5, "{err}");
}

#[test]
fn threads_give_identical_bytes() {
    let mut rng = Rng::new(8);
    let (w, h, s) = (19, 13, 3);
    let low: Vec<u16> = as_samples(&picture(w, h, 1, &mut rng));
    let guide: Vec<u8> = as_samples(&picture(w * s, h * s, 3, &mut rng));
    let lv = ImageView::new(&low, Layout::packed(w, h, 1)).unwrap();
    let gv = ImageView::new(&guide, Layout::packed(w * s, h * s, 3)).unwrap();
    let params = Params::new().radius(2).sigma_space(1.0).sigma_range(20.0);
    let mut first = None;
    for threads in [1, 2, 5] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let got = pool.install(|| bilateral::upsample(lv, gv, &params).unwrap());
        match &first {
            None => first = Some(got),
            Some(f) => assert_eq!(f, &got, "{threads} threads"),
        }
    }
}

#[test]
fn bad_guides_are_refused_before_anything_is_written() {
    let low = vec![10u8; 6 * 4];
    let lv = ImageView::new(&low, Layout::packed(6, 4, 1)).unwrap();
    let params = Params::new();
    let mut out = vec![7u8; 12 * 8];
    let mut run = |guide: &[f32], layout: Layout, dst: Layout| {
        let gv = ImageView::new(guide, layout).unwrap();
        bilateral::upsample_into(lv, gv, ImageViewMut::new(&mut out, dst).unwrap(), &params)
    };
    let odd = vec![0.5f32; 13 * 8];
    assert_eq!(
        run(&odd, Layout::packed(13, 8, 1), Layout::packed(12, 8, 1)),
        Err(Error::UpsampleScale {
            width: 6,
            height: 4,
            guide_width: 13,
            guide_height: 8
        })
    );
    let uneven = vec![0.5f32; 12 * 12];
    assert!(matches!(
        run(&uneven, Layout::packed(12, 12, 1), Layout::packed(12, 8, 1)),
        Err(Error::UpsampleScale { .. })
    ));
    let mut nan = vec![0.5f32; 12 * 8];
    nan[12 * 3 + 4] = f32::NAN;
    assert!(matches!(
        run(&nan, Layout::packed(12, 8, 1), Layout::packed(12, 8, 1)),
        Err(Error::InvalidGuideSample { x: 4, y: 3, .. })
    ));
    let good = vec![0.5f32; 12 * 8];
    assert!(matches!(
        run(&good, Layout::packed(12, 8, 1), Layout::packed(12, 7, 1)),
        Err(Error::SizeMismatch { .. })
    ));
    assert!(out.iter().all(|&v| v == 7), "nothing written");
}

/// A scene of objects at different depths: the depth map is piecewise constant with sharp
/// edges, the colour image shows the same objects in distinct colours with texture. The depth
/// map at a quarter of the resolution (the mean of each 4x4 block, as a sensor's would be),
/// upsampled 4x under the colour image, against bicubic interpolation of the same low map:
/// near the depth edges joint bilateral upsampling should be far closer to the truth.
#[test]
fn depth_upsampled_under_its_colour_image_beats_bicubic_at_the_edges() {
    let (w, h, s) = (160usize, 120usize, 4usize);
    // Objects: (centre x, centre y, radius or half-size, depth, colour).
    let depth_at = |x: usize, y: usize| -> (f32, [f32; 3]) {
        let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
        let disc = (fx - 55.0).powi(2) + (fy - 60.0).powi(2) < 30.0f32.powi(2);
        let square = (fx - 115.0).abs() < 25.0 && (fy - 45.0).abs() < 30.0;
        let bar = fy > 95.0 && fy < 108.0 && fx > 20.0;
        if bar {
            (0.2, [0.9, 0.8, 0.1])
        } else if disc {
            (0.45, [0.8, 0.15, 0.1])
        } else if square {
            (0.6, [0.1, 0.3, 0.85])
        } else {
            (0.95, [0.3, 0.6, 0.3])
        }
    };
    let mut rng = Rng::new(77);
    let mut depth = vec![0f32; w * h];
    let mut colour = vec![0f32; w * h * 3];
    for y in 0..h {
        for x in 0..w {
            let (d, c) = depth_at(x, y);
            depth[y * w + x] = d;
            for k in 0..3 {
                let texture = 0.04 * (rng.unit() as f32 - 0.5);
                colour[(y * w + x) * 3 + k] = (c[k] + texture).clamp(0.0, 1.0);
            }
        }
    }
    let (lw, lh) = (w / s, h / s);
    let mut low = vec![0f32; lw * lh];
    for j in 0..lh {
        for i in 0..lw {
            let mut sum = 0.0;
            for y in j * s..(j + 1) * s {
                for x in i * s..(i + 1) * s {
                    sum += depth[y * w + x];
                }
            }
            low[j * lw + i] = sum / (s * s) as f32;
        }
    }
    let lv = ImageView::new(&low, Layout::packed(lw, lh, 1)).unwrap();
    let gv = ImageView::new(&colour, Layout::packed(w, h, 3)).unwrap();
    let params = Params::new().radius(2).sigma_space(1.0).sigma_range(0.1);
    let joint = bilateral::upsample(lv, gv, &params).unwrap();
    let bicubic = image::imageops::resize(
        &image::ImageBuffer::<image::Luma<f32>, _>::from_raw(lw as u32, lh as u32, low.clone())
            .unwrap(),
        w as u32,
        h as u32,
        image::imageops::FilterType::CatmullRom,
    )
    .into_raw();
    // Pixels within 3 of a depth edge.
    let near_edge = |x: usize, y: usize| {
        let d = depth[y * w + x];
        (y.saturating_sub(3)..(y + 4).min(h))
            .any(|yy| (x.saturating_sub(3)..(x + 4).min(w)).any(|xx| depth[yy * w + xx] != d))
    };
    let (mut joint_err, mut bicubic_err, mut n) = (0.0f64, 0.0f64, 0usize);
    for y in 0..h {
        for x in 0..w {
            if near_edge(x, y) {
                let truth = f64::from(depth[y * w + x]);
                joint_err += (f64::from(joint[y * w + x]) - truth).abs();
                bicubic_err += (f64::from(bicubic[y * w + x]) - truth).abs();
                n += 1;
            }
        }
    }
    let (joint_err, bicubic_err) = (joint_err / n as f64, bicubic_err / n as f64);
    eprintln!(
        "mean |error| within 3 px of a depth edge over {n} pixels: joint bilateral \
         {joint_err:.4}, bicubic {bicubic_err:.4} ({:.1}x)",
        bicubic_err / joint_err
    );
    assert!(
        joint_err * 3.0 < bicubic_err,
        "joint {joint_err}, bicubic {bicubic_err}"
    );
}
