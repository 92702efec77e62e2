//! `bilateral bench`: the kernel's throughput in memory, without file I/O.

use std::fs;
use std::io::Write;
use std::time::Instant;

use anyhow::{Context, Result};
use bilateral::{
    Backend, ExactBecause, ImageView, ImageViewMut, Layout, Method, NanPolicy, Params, Report,
    Sample,
};
use image::RgbImage;
use image::imageops::{self, FilterType};
use rayon::ThreadPool;

use crate::args::{BackendArg, BenchBackendArg, BenchCommand, BenchFormat, Size};
use crate::formats::{self, Format};
use crate::raster::{Image, Samples};
use crate::{EXIT_FAILED, EXIT_OK, Usage, check_params, report};

/// The photo frames are made from unless `--input` names one, built into the binary so that
/// `bench` runs anywhere.
const PHOTO: &[u8] = include_bytes!("../../tests/data/astronaut.png");
const PHOTO_NAME: &str = "astronaut.png";

const DEFAULT_FORMATS: [BenchFormat; 4] = [
    BenchFormat::GrayU8,
    BenchFormat::RgbU8,
    BenchFormat::GrayF32,
    BenchFormat::RgbF32,
];

/// Runs the command; returns the exit status.
pub fn run(cmd: &BenchCommand) -> Result<u8, Usage> {
    let params = cmd.filter.params(false).map_err(Usage)?;
    let backends = backends(&cmd.backend)?;
    let pools = pools(&cmd.threads)?;
    for &b in &backends {
        check_params(&params.clone().backend(b)).map_err(|e| Usage(e.to_string()))?;
    }
    let formats = if cmd.format.is_empty() {
        DEFAULT_FORMATS.to_vec()
    } else {
        dedup(cmd.format.clone())
    };
    let (path, source) = match &cmd.input {
        Some(path) => (path.as_path(), read(path)),
        None => (
            std::path::Path::new(PHOTO_NAME),
            formats::decode(PHOTO, Format::Png),
        ),
    };
    let rgb = match source.and_then(|img| resized(img, cmd.size)) {
        Ok(rgb) => rgb,
        Err(e) => {
            report(path, &e);
            return Ok(EXIT_FAILED);
        }
    };
    let name = path.display();
    let mut out = std::io::stdout().lock();
    let result = (|| -> Result<()> {
        if !cmd.json {
            writeln!(
                out,
                "{}x{} frame from {name}; radius {}, {} window, {} colour distance, {} border, \
                 {} iteration(s); median and min of {} run(s) after 1 warm-up",
                cmd.size.width,
                cmd.size.height,
                params.get_radius(),
                params.get_window(),
                params.get_distance(),
                params.get_border(),
                params.get_iterations(),
                cmd.runs,
            )?;
            if params.get_nan_policy() != NanPolicy::Reject || cmd.holes.is_some() {
                writeln!(
                    out,
                    "NaN policy {}, no-data value {}, {:.1}% of pixels missing",
                    params.get_nan_policy(),
                    params
                        .get_nodata()
                        .map_or_else(|| "none".to_string(), |v| v.to_string()),
                    100.0 * cmd.holes.unwrap_or(0.0),
                )?;
            }
            writeln!(
                out,
                "{:<9} {:<9} {:>7} {:>11} {:>11} {:>10}  method",
                "format", "backend", "threads", "median ms", "min ms", "Mpix/s"
            )?;
        }
        for &format in &formats {
            let mut frame = frame(&rgb, format);
            if let Some(share) = cmd.holes {
                punch_holes(&mut frame, share, params.get_nodata())
                    .with_context(|| format!("--holes on {}", format.name()))?;
            }
            for &backend in &backends {
                let p = params.clone().backend(backend);
                for pool in &pools {
                    let (times, report) = time(&frame, &p, pool, cmd.runs)
                        .with_context(|| format!("{} on {backend}", format.name()))?;
                    let case = Case {
                        format,
                        size: cmd.size,
                        params: &p,
                        backend,
                        threads: pool.current_num_threads(),
                        runs: cmd.runs,
                        holes: cmd.holes,
                        times,
                        report,
                    };
                    if cmd.json {
                        writeln!(out, "{}", case.json())?;
                    } else {
                        writeln!(out, "{}", case.row())?;
                    }
                    out.flush()?;
                }
            }
        }
        Ok(())
    })();
    match result {
        Ok(()) => Ok(EXIT_OK),
        Err(e) => {
            report(std::path::Path::new("bench"), &e);
            Ok(EXIT_FAILED)
        }
    }
}

fn read(path: &std::path::Path) -> Result<Image> {
    let format = Format::from_path(path)?;
    let bytes = fs::read(path).context("cannot read")?;
    formats::decode(&bytes, format)
}

fn dedup<T: PartialEq>(items: Vec<T>) -> Vec<T> {
    let mut out = Vec::with_capacity(items.len());
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// The backends asked for, checked against the CPU; `auto` resolves to its pick.
fn backends(args: &[BenchBackendArg]) -> Result<Vec<Backend>, Usage> {
    let mut out = Vec::new();
    for arg in args {
        match arg {
            BenchBackendArg::All => out.extend(Backend::available()),
            BenchBackendArg::One(BackendArg::Auto) => out.push(Backend::detect()),
            BenchBackendArg::One(BackendArg::Fixed(b)) => {
                check_params(&Params::new().backend(*b)).map_err(|e| Usage(e.to_string()))?;
                out.push(*b);
            }
        }
    }
    if out.is_empty() {
        out.push(Backend::detect());
    }
    Ok(dedup(out))
}

/// One pool per thread count asked for; none means the default, all cores.
fn pools(threads: &[std::num::NonZeroUsize]) -> Result<Vec<ThreadPool>, Usage> {
    let counts: Vec<usize> = if threads.is_empty() {
        vec![0]
    } else {
        dedup(threads.iter().map(|n| n.get()).collect())
    };
    counts
        .into_iter()
        .map(|n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| Usage(format!("cannot start {n} threads: {e}")))
        })
        .collect()
}

/// The source as RGB u8 at the frame size: gray is spread to the three channels, alpha is
/// dropped, other types are converted as `--output-type u8` would.
fn resized(img: Image, size: Size) -> Result<RgbImage> {
    let (w, h, c) = (img.width, img.height, img.channels);
    let v = img.samples.into_u8();
    let rgb: Vec<u8> = v
        .chunks_exact(c)
        .flat_map(|p| match c {
            1 | 2 => [p[0]; 3],
            _ => [p[0], p[1], p[2]],
        })
        .collect();
    let src = match (u32::try_from(w), u32::try_from(h)) {
        (Ok(w), Ok(h)) => RgbImage::from_raw(w, h, rgb),
        _ => None,
    }
    .context("the picture is too large to resize")?;
    // parse_size keeps the frame within 2^28 pixels, so both sides fit in u32.
    Ok(imageops::resize(
        &src,
        size.width as u32,
        size.height as u32,
        FilterType::Triangle,
    ))
}

/// The frame in one format: gray is the photo's luma, u16 is u8 × 257, f32 is u8 / 255, and
/// alpha is opaque.
fn frame(rgb: &RgbImage, format: BenchFormat) -> Image {
    let (channels, t) = format.shape();
    let samples = match channels {
        1 => imageops::grayscale(rgb).into_raw(),
        3 => rgb.as_raw().clone(),
        _ => rgb.pixels().flat_map(|p| [p[0], p[1], p[2], 255]).collect(),
    };
    Image {
        width: rgb.width() as usize,
        height: rgb.height() as usize,
        channels,
        samples: Samples::U8(samples),
    }
    .convert(t)
}

/// Makes `share` of the frame's pixels missing, the same ones on every run and format (a
/// hash of the pixel's index below `share`): NaN in the first channel of an f32 frame, the
/// no-data value in an integer one.
fn punch_holes(frame: &mut Image, share: f64, nodata: Option<f64>) -> Result<()> {
    let ch = frame.channels;
    let missing = |i: usize| {
        let mut z = (i as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64 > 1.0 - share
    };
    fn punch<T: Copy>(v: &mut [T], ch: usize, value: T, missing: impl Fn(usize) -> bool) {
        for (i, px) in v.chunks_exact_mut(ch).enumerate() {
            if missing(i) {
                px[0] = value;
            }
        }
    }
    let int = |v: Option<f64>| v.context("integer frames need --nodata for their holes");
    match &mut frame.samples {
        Samples::U8(v) => punch(v, ch, int(nodata)? as u8, missing),
        Samples::U16(v) => punch(v, ch, int(nodata)? as u16, missing),
        Samples::F32(v) => punch(v, ch, nodata.map_or(f32::NAN, |v| v as f32), missing),
    }
    Ok(())
}

/// Seconds of each timed run, after one warm-up, filtering into a buffer allocated once, and
/// what the last run did.
fn time(
    frame: &Image,
    params: &Params,
    pool: &ThreadPool,
    runs: u32,
) -> Result<(Vec<f64>, Report)> {
    fn go<T: Sample>(
        src: &[T],
        layout: Layout,
        params: &Params,
        pool: &ThreadPool,
        runs: u32,
    ) -> Result<(Vec<f64>, Report), bilateral::Error> {
        let mut dst = vec![T::ZERO; src.len()];
        pool.install(|| {
            let mut once = || -> Result<(f64, Report), bilateral::Error> {
                let start = Instant::now();
                let report = bilateral::filter_into_with_report(
                    ImageView::new(src, layout)?,
                    ImageViewMut::new(&mut dst, layout)?,
                    params,
                )?;
                Ok((start.elapsed().as_secs_f64(), report))
            };
            let (_, mut report) = once()?;
            let mut times = Vec::new();
            for _ in 0..runs {
                let (t, r) = once()?;
                times.push(t);
                report = r;
            }
            Ok((times, report))
        })
    }
    let layout = frame.layout();
    Ok(match &frame.samples {
        Samples::U8(v) => go(v, layout, params, pool, runs)?,
        Samples::U16(v) => go(v, layout, params, pool, runs)?,
        Samples::F32(v) => go(v, layout, params, pool, runs)?,
    })
}

/// One timed case.
struct Case<'a> {
    format: BenchFormat,
    size: Size,
    params: &'a Params,
    backend: Backend,
    threads: usize,
    runs: u32,
    holes: Option<f64>,
    times: Vec<f64>,
    report: Report,
}

impl Case<'_> {
    fn median(&self) -> f64 {
        let mut t = self.times.clone();
        t.sort_by(f64::total_cmp);
        let n = t.len();
        if n % 2 == 1 {
            t[n / 2]
        } else {
            (t[n / 2 - 1] + t[n / 2]) / 2.0
        }
    }

    fn min(&self) -> f64 {
        self.times.iter().copied().fold(f64::INFINITY, f64::min)
    }

    fn mpix_s(&self) -> f64 {
        (self.size.width * self.size.height) as f64 / self.median() / 1e6
    }

    /// How the first pass ran: `exact`, or `fast` with its terms and the share of samples
    /// recomputed exactly.
    fn method(&self) -> String {
        match self.report.passes.first() {
            Some(Method::Fast { terms, .. }) => format!(
                "fast: {terms} terms, {:.4}% exact",
                100.0 * self.report.recomputed_share()
            ),
            Some(Method::Exact(ExactBecause::NoTolerance)) | None => "exact".to_string(),
            Some(Method::Exact(because)) => format!("exact: {because}"),
            Some(_) => "other".to_string(),
        }
    }

    fn row(&self) -> String {
        format!(
            "{:<9} {:<9} {:>7} {:>11.3} {:>11.3} {:>10.1}  {}",
            self.format.name(),
            self.backend.name(),
            self.threads,
            self.median() * 1e3,
            self.min() * 1e3,
            self.mpix_s(),
            self.method()
        )
    }

    fn json(&self) -> serde_json::Value {
        let p = self.params;
        serde_json::json!({
            "format": self.format.name(),
            "width": self.size.width,
            "height": self.size.height,
            "radius": p.get_radius(),
            "window": p.get_window().to_string(),
            "color": p.get_distance().to_string(),
            "border": p.get_border().to_string(),
            "iterations": p.get_iterations(),
            "filter_alpha": p.get_filter_alpha(),
            "threads": self.threads,
            "backend": self.backend.name(),
            "runs": self.runs,
            "median_s": self.median(),
            "min_s": self.min(),
            "mpix_s": self.mpix_s(),
            "tolerance": p.get_tolerance(),
            "nan": p.get_nan_policy().to_string(),
            "nodata": p.get_nodata(),
            "holes": self.holes,
            "mode": if self.report.used_fast_mode() { "fast" } else { "exact" },
            "method": self.method(),
            "terms": match self.report.passes.first() {
                Some(Method::Fast { terms, .. }) => Some(*terms),
                _ => None,
            },
            "recomputed_share": self.report.recomputed_share(),
        })
    }
}
