//! `Params::opencv` against OpenCV itself: `cv2.bilateralFilter` from the test virtualenv
//! (`.ci/venv`: opencv-python-headless, see `.ci/requirements.txt`) on real photos and random
//! images, gray and RGB, u8 and f32, d = 3, 5, 7, 9 with several sigmas, d ≤ 0, sigmas ≤ 1e-6,
//! infinite and NaN sigmas, and OpenCV's other borders.
//!
//! Each case is compared with both of OpenCV's paths: `default`, OpenCV as installed (on x86-64
//! the wheels hand the filter to Intel IPP), and `generic`, OpenCV's own code (IPP off).
//!
//! - u8: never more than 1 apart, and 1 apart on at most 1% of a case's samples, except where
//!   IPP truncates rather than rounds (one channel, radius 1 or 2: about half the samples). An
//!   image copied (a sigma ≤ 1e-6) is equal.
//! - f32: `|ours - cv| ≤ 5e-3 · max(|cv|, s)` with `s = min(σc, max - min of the input)`: a
//!   relative error, where values near zero are judged at the scale the filter resolves.
//!
//! `Params::opencv_joint` against `cv2.ximgproc.jointBilateralFilter` (opencv-contrib, in a
//! virtualenv of its own: `.ci/venv contrib`), on photos under their own clean colour or gray
//! versions and random images under other random ones, every pair of 1 and 3 channels, u8 and
//! f32, d = 3, 5, 7, 9, d ≤ 0, sigmas ≤ 0, a flat guide and OpenCV's other borders: u8 within
//! 1 (on at most 1% of samples), f32 within the same relative 5e-3.
//!
//! Python comes from `BILATERAL_PYTHON` and `BILATERAL_CONTRIB_PYTHON` (what `.ci/test`
//! sets), else from running `bash .ci/venv` (with `contrib`). Without Python and cv2 the tests
//! fail, saying why: they never pass without having compared. `cargo test -p bilateral-cli
//! --test opencv_parity -- --nocapture` prints the tables of differences.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;

use bilateral::{Border, Params};
use bilateral_cli::formats::{self, EncodeOptions, Format};
use bilateral_cli::{Image, SampleType, Samples};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// OpenCV's d values and sigmas, in u8 units (divided by 255 for f32 images in 0..1).
const DIAMETERS: [i32; 4] = [3, 5, 7, 9];
const SIGMA_COLOR: [f64; 3] = [10.0, 30.0, 75.0];
const SIGMA_SPACE: [f64; 3] = [1.0, 3.0, 10.0];

/// The largest f32 error allowed, relative (see the module documentation).
const F32_TOLERANCE: f64 = 5e-3;
/// The largest share of u8 samples allowed to be 1 apart, outside IPP's truncating cases.
const U8_OFF_BY_ONE: f64 = 0.01;

/// One input image, written once and used by many cases.
struct Input {
    /// Its file name in the exchange directory, also its name in reports.
    name: String,
    image: Image,
}

/// One call of `cv2.bilateralFilter`.
struct Case {
    input: usize,
    d: i32,
    /// In the image's own units.
    sigma_color: f64,
    sigma_space: f64,
    /// OpenCV's name for the border and ours.
    border: (&'static str, Border),
    /// Whether OpenCV's own code is expected to agree too, not only the installed path.
    generic_agrees: bool,
}

const REFLECT_101: (&str, Border) = ("BORDER_REFLECT_101", Border::Reflect101);

/// A deterministic value in [0, 1) for index `i`: a SplitMix64 finaliser.
fn noise(i: usize, salt: u64) -> f64 {
    let mut z = (i as u64 ^ salt.rotate_left(32)).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
}

fn image(width: usize, height: usize, channels: usize, samples: Samples) -> Image {
    Image {
        width,
        height,
        channels,
        samples,
    }
}

/// The shipped photos as gray and RGB (camera.png is gray only), u8 and f32 in 0..1, and one
/// f32 copy in 0..255, the scale many OpenCV users filter floats at; each with the divisor
/// that turns sigmas in u8 units into its own.
fn photos() -> Vec<(String, Image, f64)> {
    let mut out = Vec::new();
    for name in ["astronaut", "camera", "chelsea", "coffee"] {
        let path = format!("{ROOT}/tests/data/{name}.png");
        let photo = image::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let (w, h) = (photo.width() as usize, photo.height() as usize);
        let mut layouts = vec![(
            "gray",
            image(w, h, 1, Samples::U8(photo.to_luma8().into_raw())),
        )];
        if photo.color().has_color() {
            layouts.push((
                "rgb",
                image(w, h, 3, Samples::U8(photo.to_rgb8().into_raw())),
            ));
        }
        for (layout, img) in layouts {
            if name == "astronaut" && layout == "rgb" {
                let scaled = img
                    .samples
                    .clone()
                    .into_u8()
                    .iter()
                    .map(|&v| f32::from(v))
                    .collect();
                out.push((
                    format!("{name}-{layout}-f32x255"),
                    image(w, h, 3, Samples::F32(scaled)),
                    1.0,
                ));
            }
            out.push((
                format!("{name}-{layout}-f32"),
                img.clone().convert(SampleType::F32),
                255.0,
            ));
            out.push((format!("{name}-{layout}-u8"), img, 1.0));
        }
    }
    out
}

/// Random images, of a size that is not a multiple of any vector width.
fn random(channels: usize, t: SampleType) -> Image {
    let (w, h) = (67, 45);
    let n = w * h * channels;
    let salt = (channels * 10 + t as usize) as u64;
    let samples = match t {
        SampleType::F32 => Samples::F32((0..n).map(|i| noise(i, salt) as f32).collect()),
        _ => Samples::U8((0..n).map(|i| (noise(i, salt) * 256.0) as u8).collect()),
    };
    image(w, h, channels, samples)
}

fn cases() -> (Vec<Input>, Vec<Case>) {
    let mut inputs = Vec::new();
    let mut cases = Vec::new();
    let mut add_input = |name: String, image: Image| {
        inputs.push(Input {
            name: format!("{name}.npy"),
            image,
        });
        inputs.len() - 1
    };
    // Photos: each d once, the sigmas turning over from one photo to the next.
    for (k, (name, img, unit)) in photos().into_iter().enumerate() {
        let input = add_input(name, img);
        for (j, &d) in DIAMETERS.iter().enumerate() {
            cases.push(Case {
                input,
                d,
                sigma_color: SIGMA_COLOR[(k + j) % 3] / unit,
                sigma_space: SIGMA_SPACE[(k + 2 * j) % 3],
                border: REFLECT_101,
                generic_agrees: true,
            });
        }
        if k == 0 {
            cases.push(Case {
                input,
                d: 7,
                sigma_color: 30.0 / unit,
                sigma_space: 3.0,
                border: ("BORDER_REPLICATE", Border::Replicate),
                generic_agrees: true,
            });
        }
    }
    // Random images: every d and sigma, then the corner cases.
    for channels in [1, 3] {
        for t in [SampleType::U8, SampleType::F32] {
            let unit = if t == SampleType::F32 { 255.0 } else { 1.0 };
            let input = add_input(format!("random-{channels}-{t}"), random(channels, t));
            let mut add =
                |d: i32, c: f64, s: f64, border: (&'static str, Border), generic_agrees| {
                    cases.push(Case {
                        input,
                        d,
                        sigma_color: c / unit,
                        sigma_space: s,
                        border,
                        generic_agrees,
                    })
                };
            for d in DIAMETERS {
                for c in SIGMA_COLOR {
                    for s in SIGMA_SPACE {
                        add(d, c, s, REFLECT_101, true);
                    }
                }
            }
            // d ≤ 0: radius cvRound(1.5·σs), half to even: 3, 4 (4.5), 2 (2.5), 1 (0.75).
            for (d, s) in [(0, 2.0), (-1, 3.0), (0, 5.0 / 3.0), (0, 0.5)] {
                add(d, 20.0, s, REFLECT_101, true);
            }
            // Sigmas at or below 1e-6 copy the image.
            for (d, c, s) in [
                (5, 0.0, 3.0),
                (5, 30.0, -1.0),
                (0, 30.0, 0.0),
                (7, 1e-6, 3.0),
            ] {
                add(d, c, s, REFLECT_101, true);
            }
            // Infinite sigmas: weights of 1; with d ≤ 0, cvRound overflows and the radius is 1.
            for (d, c, s) in [
                (5, f64::INFINITY, 3.0),
                (5, 30.0, f64::INFINITY),
                (0, 30.0, f64::INFINITY),
            ] {
                add(d, c, s, REFLECT_101, true);
            }
            // A NaN sigma: the IPP build copies, as this crate does; OpenCV's own code writes
            // garbage.
            add(5, f64::NAN, 3.0, REFLECT_101, false);
            for border in [
                ("BORDER_REPLICATE", Border::Replicate),
                ("BORDER_REFLECT", Border::Reflect),
                ("BORDER_CONSTANT", Border::Constant(0.0)),
            ] {
                add(5, 30.0, 3.0, border, true);
            }
        }
    }
    // A huge span against σc: OpenCV's own f32 code reads a 4096-bin table over the whole
    // span and parts from the exact filter (reported, not asserted); IPP agrees.
    let (w, h) = (80, 60);
    // Uniform noise of standard deviation 10 (a width of 20·√3).
    let mut v: Vec<f32> = (0..w * h)
        .map(|i| ((noise(i, 99) - 0.5) * 20.0 * 3f64.sqrt()) as f32)
        .collect();
    v[0] = 1e6;
    let input = add_input("outlier-gray-f32".into(), image(w, h, 1, Samples::F32(v)));
    cases.push(Case {
        input,
        d: 5,
        sigma_color: 10.0,
        sigma_space: 3.0,
        border: REFLECT_101,
        generic_agrees: false,
    });
    (inputs, cases)
}

/// The virtualenv's Python from `var`, else made by `bash .ci/venv ARGS`; a failure says what
/// is missing.
fn python(var: &str, args: &[&str], wants: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(var) {
        return p.into();
    }
    let out = Command::new("bash")
        .arg(format!("{ROOT}/.ci/venv"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("the OpenCV parity test needs bash to run .ci/venv: {e}"));
    assert!(
        out.status.success(),
        "the OpenCV parity test needs Python with {wants} and numpy, and `bash .ci/venv {}` \
         could not make them (it needs python3 with venv and pip, and PyPI). Set {var} to a \
         python that has them, or fix the error:\n{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

fn write_npy(path: &Path, img: &Image) {
    let mut file = File::create(path).unwrap();
    formats::encode(img, Format::Npy, &EncodeOptions::default(), &mut file).unwrap();
}

fn read_npy(path: &Path) -> Image {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bilateral_cli::decode(&bytes, Format::Npy).unwrap()
}

/// What OpenCV's output must be, for one case and path.
enum Expect {
    /// The image copied: equal samples.
    Equal,
    /// u8: at most 1 apart, on at most [`U8_OFF_BY_ONE`] of the samples unless IPP truncates
    /// (then on about half of them).
    WithinOne { ipp_truncates: bool },
    /// f32: `|ours - cv| ≤ F32_TOLERANCE · max(|cv|, scale)`.
    Relative { scale: f64 },
}

/// Differences over one group of cases, for the report.
#[derive(Default)]
struct Stats {
    cases: usize,
    samples: usize,
    max_abs: f64,
    /// u8: samples 1 apart.
    off_by_one: usize,
    /// f32: the worst relative error (see the module documentation).
    worst_rel: f64,
}

/// Compares one output, adding to `stats`; returns what is wrong with it, if anything.
fn compare(ours: &Image, cv: &Image, expect: &Expect, stats: &mut Stats) -> Option<String> {
    assert_eq!(
        (cv.width, cv.height, cv.channels),
        (ours.width, ours.height, ours.channels),
        "OpenCV's output has another shape"
    );
    let (a, b): (Vec<f64>, Vec<f64>) = match (&ours.samples, &cv.samples) {
        (Samples::U8(a), Samples::U8(b)) => (
            a.iter().map(|&v| f64::from(v)).collect(),
            b.iter().map(|&v| f64::from(v)).collect(),
        ),
        (Samples::F32(a), Samples::F32(b)) => (
            a.iter().map(|&v| f64::from(v)).collect(),
            b.iter().map(|&v| f64::from(v)).collect(),
        ),
        _ => panic!("OpenCV's output has another sample type"),
    };
    stats.cases += 1;
    stats.samples += a.len();
    let diffs: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x - y).collect();
    let max_abs = diffs.iter().fold(0f64, |m, d| m.max(d.abs()));
    stats.max_abs = stats.max_abs.max(max_abs);
    match *expect {
        Expect::Equal => (max_abs > 0.0).then(|| format!("a copy, yet {max_abs} apart")),
        Expect::WithinOne { ipp_truncates } => {
            let ones = diffs.iter().filter(|d| d.abs() == 1.0).count();
            stats.off_by_one += ones;
            let share = ones as f64 / a.len() as f64;
            if max_abs > 1.0 {
                Some(format!("{max_abs} apart"))
            } else {
                (share > U8_OFF_BY_ONE && !ipp_truncates)
                    .then(|| format!("{:.3}% of samples 1 apart", share * 100.0))
            }
        }
        Expect::Relative { scale } => {
            let worst = diffs
                .iter()
                .zip(&b)
                .fold(0f64, |m, (d, y)| m.max(d.abs() / y.abs().max(scale)));
            stats.worst_rel = stats.worst_rel.max(worst);
            (worst > F32_TOLERANCE).then(|| format!("relative error {worst:.3e}"))
        }
    }
}

/// `gray-u8`, `rgb-f32`, ...
fn format_name(img: &Image) -> String {
    let layout = if img.channels == 1 { "gray" } else { "rgb" };
    format!("{layout}-{}", img.sample_type())
}

/// The largest sample minus the smallest.
fn span(img: &Image) -> f64 {
    let v = img.clone().samples.into_f32();
    let (lo, hi) = v
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(l, h), &x| {
            (l.min(x), h.max(x))
        });
    f64::from(hi - lo)
}

#[test]
fn params_opencv_matches_cv2_bilateral_filter() {
    let (inputs, cases) = cases();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    for input in &inputs {
        write_npy(&dir.join(&input.name), &input.image);
    }
    let manifest: Vec<serde_json::Value> = cases
        .iter()
        .enumerate()
        .map(|(id, c)| {
            serde_json::json!({
                "id": id.to_string(),
                "input": inputs[c.input].name,
                "d": c.d,
                // As text: JSON has no infinity or NaN, Python's float() reads Rust's.
                "sigma_color": c.sigma_color.to_string(),
                "sigma_space": c.sigma_space.to_string(),
                "border": c.border.0,
            })
        })
        .collect();
    fs::write(
        dir.join("cases.json"),
        serde_json::to_string(&manifest).unwrap(),
    )
    .unwrap();

    let python = python("BILATERAL_PYTHON", &[], "opencv-python-headless");
    let script = format!("{ROOT}/tests/opencv/cv2_filter.py");
    let out = Command::new(&python)
        .arg(&script)
        .arg(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    assert!(
        out.status.success(),
        "{} {script} failed (is cv2 installed there? `bash .ci/venv` installs it):\n{}",
        python.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let meta: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap();
    let ipp = meta["ipp"].as_bool().unwrap();
    assert_eq!(meta["cases"], cases.len());

    let mut stats: BTreeMap<(&str, String, usize), Stats> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut notes = Vec::new();
    for (id, case) in cases.iter().enumerate() {
        let input = &inputs[case.input];
        let params =
            Params::opencv(case.d, case.sigma_color, case.sigma_space).border(case.border.1);
        let radius = params.get_radius();
        let ours = input
            .image
            .filter(&params)
            .unwrap_or_else(|e| panic!("{}: {e}", input.name));
        for path in ["default", "generic"] {
            let cv = read_npy(&dir.join(format!("{id}.{path}.npy")));
            let expect = if radius == 0 {
                Expect::Equal
            } else if cv.sample_type() == SampleType::U8 {
                Expect::WithinOne {
                    ipp_truncates: path == "default" && ipp && cv.channels == 1 && radius <= 2,
                }
            } else {
                Expect::Relative {
                    scale: case.sigma_color.min(span(&input.image)),
                }
            };
            // Where only IPP is expected to agree, the other path is reported, not held.
            let held = case.generic_agrees || (path == "default" && ipp);
            let mut unheld = Stats::default();
            let group = if held {
                stats.entry((path, format_name(&cv), radius)).or_default()
            } else {
                &mut unheld
            };
            let problem = compare(&ours, &cv, &expect, group);
            let describe = |p: &str| {
                format!(
                    "{path} {} d={} σc={} σs={} {}: {p}",
                    input.name, case.d, case.sigma_color, case.sigma_space, case.border.0
                )
            };
            match (problem, held) {
                (Some(p), true) => failures.push(describe(&p)),
                (p, false) => notes.push(describe(&format!(
                    "{} (max |Δ| {:.3e})",
                    p.as_deref().unwrap_or("agrees"),
                    unheld.max_abs
                ))),
                (None, true) => {}
            }
        }
    }

    let mut report = format!(
        "OpenCV {} (numpy {}), IPP {}; {} cases\n\
         path     format    radius  cases   samples   max|Δ|  u8 at ±1   f32 worst rel\n",
        meta["cv2"].as_str().unwrap(),
        meta["numpy"].as_str().unwrap(),
        if ipp { "on" } else { "absent" },
        cases.len()
    );
    for ((path, format, radius), s) in &stats {
        let ones = if format.ends_with("u8") {
            format!("{:.4}%", 100.0 * s.off_by_one as f64 / s.samples as f64)
        } else {
            "-".into()
        };
        let rel = if format.ends_with("f32") {
            format!("{:.2e}", s.worst_rel)
        } else {
            "-".into()
        };
        writeln!(
            report,
            "{path:<8} {format:<9} {radius:>6} {:>6} {:>9} {:>8.3e} {ones:>9} {rel:>15}",
            s.cases, s.samples, s.max_abs
        )
        .unwrap();
    }
    for n in &notes {
        writeln!(report, "not held: {n}").unwrap();
    }
    println!("{report}");
    assert!(
        failures.is_empty(),
        "{} of {} comparisons with OpenCV failed:\n{}\n\n{report}",
        failures.len(),
        2 * cases.len(),
        failures.join("\n")
    );
}

/// A photo with noise of ±`amplitude` levels (u8 units) added, clamped.
fn noisy(img: &Image, amplitude: f64, salt: u64) -> Image {
    let v: Vec<u8> = img
        .clone()
        .samples
        .into_u8()
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            (f64::from(x) + (noise(i, salt) - 0.5) * 2.0 * amplitude).clamp(0.0, 255.0) as u8
        })
        .collect();
    image(img.width, img.height, img.channels, Samples::U8(v))
}

/// One call of `cv2.ximgproc.jointBilateralFilter(guide, input, ...)`.
struct JointCase {
    input: usize,
    guide: usize,
    d: i32,
    sigma_color: f64,
    sigma_space: f64,
    border: (&'static str, Border),
}

fn joint_cases() -> (Vec<Input>, Vec<JointCase>) {
    let mut inputs = Vec::new();
    let mut cases = Vec::new();
    let mut add_input = |name: String, image: Image| {
        inputs.push(Input {
            name: format!("{name}.npy"),
            image,
        });
        inputs.len() - 1
    };
    // Photos with noise under their clean selves, colour and gray either way.
    let mut k = 0;
    for name in ["astronaut", "chelsea", "coffee"] {
        let path = format!("{ROOT}/tests/data/{name}.png");
        let photo = image::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let (w, h) = (photo.width() as usize, photo.height() as usize);
        let rgb = image(w, h, 3, Samples::U8(photo.to_rgb8().into_raw()));
        let gray = image(w, h, 1, Samples::U8(photo.to_luma8().into_raw()));
        for t in [SampleType::U8, SampleType::F32] {
            let unit = if t == SampleType::F32 { 255.0 } else { 1.0 };
            let clean = [
                add_input(format!("{name}-rgb-{t}"), rgb.clone().convert(t)),
                add_input(format!("{name}-gray-{t}"), gray.clone().convert(t)),
            ];
            let dirty = [
                add_input(
                    format!("{name}-rgb-noisy-{t}"),
                    noisy(&rgb, 20.0, 1).convert(t),
                ),
                add_input(
                    format!("{name}-gray-noisy-{t}"),
                    noisy(&gray, 20.0, 2).convert(t),
                ),
            ];
            for input in dirty {
                for guide in clean {
                    k += 1;
                    cases.push(JointCase {
                        input,
                        guide,
                        d: DIAMETERS[k % 4],
                        sigma_color: SIGMA_COLOR[k % 3] / unit,
                        sigma_space: SIGMA_SPACE[(k / 3) % 3],
                        border: REFLECT_101,
                    });
                }
            }
        }
    }
    // Random images under other random images: every pair of channel counts, d and sigma.
    for t in [SampleType::U8, SampleType::F32] {
        let unit = if t == SampleType::F32 { 255.0 } else { 1.0 };
        // Each channel count twice: as drawn, and reversed (another image of the same kind).
        let mut images = Vec::new();
        for c in [1, 3] {
            let a = random(c, t);
            let mut b = a.clone();
            match &mut b.samples {
                Samples::U8(v) => v.reverse(),
                Samples::F32(v) => v.reverse(),
                Samples::U16(v) => v.reverse(),
            }
            images.push(add_input(format!("joint-random-{c}-{t}"), a));
            images.push(add_input(format!("joint-random-{c}-{t}-reversed"), b));
        }
        // images: [1-channel a, 1-channel b, 3-channel a, 3-channel b]
        for (input, guide) in [(0, 1), (0, 3), (2, 1), (2, 3)] {
            let (input, guide) = (images[input], images[guide]);
            let mut add = |d: i32, c: f64, s: f64, border: (&'static str, Border)| {
                cases.push(JointCase {
                    input,
                    guide,
                    d,
                    sigma_color: c / unit,
                    sigma_space: s,
                    border,
                })
            };
            for d in DIAMETERS {
                for (c, s) in [(10.0, 3.0), (30.0, 1.0), (75.0, 10.0)] {
                    add(d, c, s, REFLECT_101);
                }
            }
            // d ≤ 0: radius cvRound(1.5·σs); sigmas ≤ 0 are 1.
            for (d, c, s) in [
                (0, 20.0, 2.0),
                (-1, 20.0, 5.0 / 3.0),
                (5, 0.0, 3.0),
                (0, 30.0, -1.0),
            ] {
                add(d, c, s, REFLECT_101);
            }
            for border in [
                ("BORDER_REPLICATE", Border::Replicate),
                ("BORDER_REFLECT", Border::Reflect),
                ("BORDER_CONSTANT", Border::Constant(0.0)),
            ] {
                add(5, 30.0, 3.0, border);
            }
        }
        // A flat guide: OpenCV's f32 path blurs with the square Gaussian, its u8 path with
        // the disc.
        let flat = match t {
            SampleType::F32 => Samples::F32(vec![0.5; 67 * 45]),
            _ => Samples::U8(vec![128; 67 * 45]),
        };
        let guide = add_input(format!("joint-flat-{t}"), image(67, 45, 1, flat));
        cases.push(JointCase {
            input: images[2],
            guide,
            d: 5,
            sigma_color: 30.0 / unit,
            sigma_space: 2.0,
            border: REFLECT_101,
        });
    }
    (inputs, cases)
}

#[test]
fn params_opencv_joint_matches_cv2_ximgproc_joint_bilateral_filter() {
    let (inputs, cases) = joint_cases();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    for input in &inputs {
        write_npy(&dir.join(&input.name), &input.image);
    }
    let manifest: Vec<serde_json::Value> = cases
        .iter()
        .enumerate()
        .map(|(id, c)| {
            serde_json::json!({
                "id": id.to_string(),
                "input": inputs[c.input].name,
                "guide": inputs[c.guide].name,
                "d": c.d,
                "sigma_color": c.sigma_color.to_string(),
                "sigma_space": c.sigma_space.to_string(),
                "border": c.border.0,
            })
        })
        .collect();
    fs::write(
        dir.join("cases.json"),
        serde_json::to_string(&manifest).unwrap(),
    )
    .unwrap();
    let python = python(
        "BILATERAL_CONTRIB_PYTHON",
        &["contrib"],
        "opencv-contrib-python-headless",
    );
    let script = format!("{ROOT}/tests/opencv/cv2_joint_filter.py");
    let out = Command::new(&python)
        .arg(&script)
        .arg(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    assert!(
        out.status.success(),
        "{} {script} failed (is opencv-contrib installed there? `bash .ci/venv contrib` \
         installs it):\n{}",
        python.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let meta: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap();
    assert_eq!(meta["cases"], cases.len());

    let mut stats: BTreeMap<(String, usize), Stats> = BTreeMap::new();
    let mut failures = Vec::new();
    for (id, case) in cases.iter().enumerate() {
        let (input, guide) = (&inputs[case.input], &inputs[case.guide]);
        let params =
            Params::opencv_joint(case.d, case.sigma_color, case.sigma_space).border(case.border.1);
        let radius = params.get_radius();
        let ours = input
            .image
            .filter_guided(&guide.image, &params)
            .unwrap_or_else(|e| panic!("{}: {e}", input.name));
        let cv = read_npy(&dir.join(format!("{id}.npy")));
        let expect = if cv.sample_type() == SampleType::U8 {
            Expect::WithinOne {
                ipp_truncates: false,
            }
        } else {
            Expect::Relative {
                scale: case.sigma_color.abs().min(span(&input.image)).max(1e-3),
            }
        };
        let group = format!(
            "{} under {}",
            format_name(&input.image),
            format_name(&guide.image)
        );
        let s = stats.entry((group, radius)).or_default();
        if let Some(p) = compare(&ours, &cv, &expect, s) {
            failures.push(format!(
                "{} under {} d={} σc={} σs={} {}: {p}",
                input.name, guide.name, case.d, case.sigma_color, case.sigma_space, case.border.0
            ));
        }
    }
    let mut report = format!(
        "OpenCV contrib {} (numpy {}); {} cases\n\
         image under guide    radius  cases   samples   max|Δ|  u8 at ±1   f32 worst rel\n",
        meta["cv2"].as_str().unwrap(),
        meta["numpy"].as_str().unwrap(),
        cases.len()
    );
    for ((group, radius), s) in &stats {
        let ones = if group.starts_with("gray-u8") || group.starts_with("rgb-u8") {
            format!("{:.4}%", 100.0 * s.off_by_one as f64 / s.samples as f64)
        } else {
            "-".into()
        };
        let rel = if group.contains("f32") {
            format!("{:.2e}", s.worst_rel)
        } else {
            "-".into()
        };
        writeln!(
            report,
            "{group:<20} {radius:>6} {:>6} {:>9} {:>8.3e} {ones:>9} {rel:>15}",
            s.cases, s.samples, s.max_abs
        )
        .unwrap();
    }
    println!("{report}");
    assert!(
        failures.is_empty(),
        "{} of {} comparisons with OpenCV contrib failed:\n{}\n\n{report}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
