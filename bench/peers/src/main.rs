//! Times the bilateral filters of `imageproc` and `libblur` beside this crate's on the same
//! frames, with this crate set to each peer's own semantics, and prints one JSON object per
//! case and line.
//!
//! ```text
//! bilateral-peers --gray GRAY.npy --rgb RGB.npy [--runs N] [--threads 1,2]
//! ```
//!
//! The frames are u8 `.npy` files (`bench/compare.py` writes them); f32 frames are u8 / 255,
//! as in `bilateral bench`. Every case is a 5x5 window (radius 2) with σs = 1.5 and
//! σr = 25 (25/255 for f32), each library with its own window, distance and border:
//!
//! - `imageproc::filter::bilateral_filter` (0.27): gray and RGB, u8 and f32; the 25-tap square,
//!   Euclidean colour distance, edge pixels replicated, colour weights from a fast `exp`
//!   approximation (about 4% error), results truncated; one thread, as it has no parallel
//!   form. This crate: `Window::Square`, `ColorDistance::Joint`, `Border::Replicate`.
//! - `libblur::bilateral_filter` (0.24): u8 only, gray and RGB; the 25-tap square, each channel
//!   weighed by its own difference, reflect-101, weights from lookup tables;
//!   `ThreadingPolicy::Fixed(threads)`. This crate: `Window::Square`,
//!   `ColorDistance::PerChannel`, `Border::Reflect101`.
//!
//! Each case is one warm-up run and `--runs` timed runs; the keys are those of
//! `bilateral bench --json` where they mean the same (`format`, `width`, `height`, `threads`,
//! `runs`, `median_s`, `min_s`, `mpix_s`) plus `library` (who ran) and `semantics` (whose
//! semantics: `imageproc` or `libblur`).

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Instant;

use bilateral::{Border, ColorDistance, Layout, Params, ImageView, ImageViewMut, Sample, Window};
use bilateral_cli::{Format, Image, SampleType, Samples};
use image::{ImageBuffer, Luma, Rgb};
use imageproc::filter::bilateral::{GaussianEuclideanColorDistance, bilateral_filter};
use libblur::{
    BilateralBlurParams, BlurImage, BlurImageMut, EdgeMode, EdgeMode2D, FastBlurChannels, Scalar,
    ThreadingPolicy,
};

const RADIUS: usize = 2;
const SIGMA_SPACE: f32 = 1.5;
/// In u8 units.
const SIGMA_RANGE: f32 = 25.0;

struct Args {
    gray: PathBuf,
    rgb: PathBuf,
    runs: usize,
    threads: Vec<usize>,
}

fn args() -> Result<Args, String> {
    let usage = "usage: bilateral-peers --gray GRAY.npy --rgb RGB.npy [--runs N] [--threads 1,2]";
    let mut args = std::env::args().skip(1);
    let (mut gray, mut rgb, mut runs, mut threads) = (None, None, 3, vec![1, 2]);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .ok_or(format!("{flag} needs a value; {usage}"))?;
        match flag.as_str() {
            "--gray" => gray = Some(value.into()),
            "--rgb" => rgb = Some(value.into()),
            "--runs" => {
                runs = value
                    .parse()
                    .map_err(|_| format!("--runs {value:?}: {usage}"))?
            }
            "--threads" => {
                threads = value
                    .split(',')
                    .map(|n| n.parse::<NonZeroUsize>().map(NonZeroUsize::get))
                    .collect::<Result<_, _>>()
                    .map_err(|_| format!("--threads {value:?}: {usage}"))?;
            }
            _ => return Err(format!("unknown option {flag:?}; {usage}")),
        }
    }
    match (gray, rgb) {
        (Some(gray), Some(rgb)) if runs > 0 => Ok(Args {
            gray,
            rgb,
            runs,
            threads,
        }),
        _ => Err(usage.to_string()),
    }
}

fn read(path: &PathBuf) -> Result<Image, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    bilateral_cli::decode(&bytes, Format::Npy).map_err(|e| format!("{}: {e:#}", path.display()))
}

/// Seconds of each of `runs` timed calls, after one warm-up call.
fn time(runs: usize, mut f: impl FnMut()) -> Vec<f64> {
    f();
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .collect()
}

/// One line of output.
fn report(library: &str, semantics: &str, frame: &Image, threads: usize, times: &[f64]) {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    let layout = if frame.channels == 1 { "gray" } else { "rgb" };
    let line = serde_json::json!({
        "library": library,
        "semantics": semantics,
        "format": format!("{layout}-{}", frame.sample_type()),
        "width": frame.width,
        "height": frame.height,
        "threads": threads,
        "runs": n,
        "median_s": median,
        "min_s": sorted[0],
        "mpix_s": (frame.width * frame.height) as f64 / median / 1e6,
    });
    println!("{line}");
}

/// σr in the frame's units.
fn sigma_range(frame: &Image) -> f32 {
    match frame.sample_type() {
        SampleType::F32 => SIGMA_RANGE / 255.0,
        _ => SIGMA_RANGE,
    }
}

/// This crate on `threads` threads with `params`.
fn ours(frame: &Image, params: &Params, threads: usize, runs: usize) -> Vec<f64> {
    fn go<T: Sample>(
        src: &[T],
        layout: Layout,
        p: &Params,
        pool: &rayon::ThreadPool,
        runs: usize,
    ) -> Vec<f64> {
        let mut dst = vec![T::ZERO; src.len()];
        pool.install(|| {
            time(runs, || {
                bilateral::filter_into(
                    ImageView::new(src, layout).unwrap(),
                    ImageViewMut::new(&mut dst, layout).unwrap(),
                    p,
                )
                .unwrap();
            })
        })
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool");
    let params = params.clone().sigma_range(f64::from(sigma_range(frame)));
    match &frame.samples {
        Samples::U8(v) => go(v, frame.layout(), &params, &pool, runs),
        Samples::U16(v) => go(v, frame.layout(), &params, &pool, runs),
        Samples::F32(v) => go(v, frame.layout(), &params, &pool, runs),
    }
}

/// imageproc on one thread.
fn imageproc(frame: &Image, runs: usize) -> Vec<f64> {
    let (w, h) = (frame.width as u32, frame.height as u32);
    let distance = || GaussianEuclideanColorDistance::new(sigma_range(frame));
    let r = RADIUS as u8;
    match (&frame.samples, frame.channels) {
        (Samples::U8(v), 1) => {
            let img = ImageBuffer::<Luma<u8>, _>::from_raw(w, h, v.clone()).unwrap();
            time(runs, || {
                drop(bilateral_filter(&img, r, SIGMA_SPACE, distance()))
            })
        }
        (Samples::U8(v), 3) => {
            let img = ImageBuffer::<Rgb<u8>, _>::from_raw(w, h, v.clone()).unwrap();
            time(runs, || {
                drop(bilateral_filter(&img, r, SIGMA_SPACE, distance()))
            })
        }
        (Samples::F32(v), 1) => {
            let img = ImageBuffer::<Luma<f32>, _>::from_raw(w, h, v.clone()).unwrap();
            time(runs, || {
                drop(bilateral_filter(&img, r, SIGMA_SPACE, distance()))
            })
        }
        (Samples::F32(v), 3) => {
            let img = ImageBuffer::<Rgb<f32>, _>::from_raw(w, h, v.clone()).unwrap();
            time(runs, || {
                drop(bilateral_filter(&img, r, SIGMA_SPACE, distance()))
            })
        }
        _ => unreachable!("the frames are gray or RGB, u8 or f32"),
    }
}

/// libblur on `threads` threads; u8 frames only.
fn libblur(frame: &Image, threads: usize, runs: usize) -> Vec<f64> {
    let Samples::U8(src) = &frame.samples else {
        unreachable!("libblur's bilateral filter takes u8 only")
    };
    let (w, h) = (frame.width as u32, frame.height as u32);
    let channels = match frame.channels {
        1 => FastBlurChannels::Plane,
        _ => FastBlurChannels::Channels3,
    };
    let mut dst = vec![0u8; src.len()];
    let params = BilateralBlurParams {
        kernel_size: 2 * RADIUS + 1,
        spatial_sigma: SIGMA_SPACE,
        // libblur takes differences in 0..1.
        range_sigma: SIGMA_RANGE / 255.0,
    };
    let policy = ThreadingPolicy::Fixed(NonZeroUsize::new(threads).unwrap());
    time(runs, || {
        libblur::bilateral_filter(
            &BlurImage::borrow(src, w, h, channels),
            &mut BlurImageMut::borrow(&mut dst, w, h, channels),
            params,
            EdgeMode2D::new(EdgeMode::Reflect101),
            Scalar::default(),
            policy,
        )
        .expect("libblur accepts the frame");
    })
}

fn main() {
    let args = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bilateral-peers: {e}");
            std::process::exit(2);
        }
    };
    let frames = match (read(&args.gray), read(&args.rgb)) {
        (Ok(g), Ok(c)) => [g, c],
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("bilateral-peers: {e}");
            std::process::exit(1);
        }
    };
    let square = Params::new()
        .radius(RADIUS)
        .sigma_space(f64::from(SIGMA_SPACE))
        .window(Window::Square);
    let as_imageproc = square
        .clone()
        .distance(ColorDistance::Joint)
        .border(Border::Replicate);
    let as_libblur = square
        .distance(ColorDistance::PerChannel)
        .border(Border::Reflect101);
    for t in [SampleType::U8, SampleType::F32] {
        for frame in &frames {
            let frame = frame.clone().convert(t);
            report(
                "imageproc",
                "imageproc",
                &frame,
                1,
                &imageproc(&frame, args.runs),
            );
            for &n in &args.threads {
                let times = ours(&frame, &as_imageproc, n, args.runs);
                report("bilateral", "imageproc", &frame, n, &times);
                if t == SampleType::U8 {
                    report(
                        "libblur",
                        "libblur",
                        &frame,
                        n,
                        &libblur(&frame, n, args.runs),
                    );
                    let times = ours(&frame, &as_libblur, n, args.runs);
                    report("bilateral", "libblur", &frame, n, &times);
                }
            }
        }
    }
}
