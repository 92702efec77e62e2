//! The C example, `examples/filter.c`, compiled by the system C compiler against the committed
//! header and this package's static library, then run on shipped photos written as PGM, PPM and
//! PFM: its output is the Rust library's, byte for byte. The example loads images with padded
//! rows and filters them into packed ones, through the u8, u16 and f32 calls, and reports its
//! errors with `bilateral_status_message`.
// The link flags are Linux's.
#![cfg(target_os = "linux")]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use bilateral::{ImageView, Layout, Params, Sample};
use bilateral_capi::BilateralStatus;

/// The example's executable, built once per run of this test binary.
fn example() -> &'static Path {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        // Before the tests that link this package's library, cargo builds it with all its
        // crate types, the static one included, next to the test executables. (The copy in
        // target/<profile>/ is refreshed only by `cargo build`, so it may be stale or absent.)
        let exe = std::env::current_exe().expect("the test executable's path");
        let deps = exe.parent().expect("the test executable is in a directory");
        let lib = deps.join("libbilateral_capi.a");
        assert!(
            lib.is_file(),
            "{} is missing: run the tests with `cargo test`, which builds it",
            lib.display()
        );
        let out_exe = deps.join("capi-example-filter");
        let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_owned());
        let out = Command::new(&cc)
            .args(["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror"])
            .arg(manifest.join("examples/filter.c"))
            .arg("-I")
            .arg(manifest.join("include"))
            .arg(&lib)
            .args(["-lpthread", "-ldl", "-lm", "-o"])
            .arg(&out_exe)
            .output()
            .unwrap_or_else(|e| panic!("cannot run the C compiler {cc:?}: {e}"));
        assert!(
            out.status.success(),
            "{cc} failed to build the example:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out_exe
    })
}

/// A PGM, PPM or PFM file: its header, then `body`.
fn netpbm(magic: &str, width: usize, height: usize, last_field: &str, body: &[u8]) -> Vec<u8> {
    let mut file =
        format!("{magic}\n# made by the capi tests\n{width} {height}\n{last_field}\n").into_bytes();
    file.extend_from_slice(body);
    file
}

/// The body of a file the example wrote, after checking its header.
fn body<'a>(file: &'a [u8], header: &str) -> &'a [u8] {
    assert!(
        file.starts_with(header.as_bytes()),
        "the output's header is not {header:?}: {:?}",
        String::from_utf8_lossy(&file[..header.len().min(file.len())])
    );
    &file[header.len()..]
}

/// Runs the example on `input`, named `name`, with `args` after the two paths: its exit status
/// and messages, and the file it wrote, if any.
fn run(name: &str, input: &[u8], args: &[&str]) -> (Output, Option<Vec<u8>>) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (src, dst) = (
        dir.path().join(name),
        dir.path().join(format!("out-{name}")),
    );
    std::fs::write(&src, input).expect("write the input");
    let out = Command::new(example())
        .arg(&src)
        .arg(&dst)
        .args(args)
        .output()
        .expect("the example runs");
    (out, std::fs::read(dst).ok())
}

#[track_caller]
fn assert_success(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "the example failed: {stderr}");
    stderr
}

/// The library's result on a packed image.
fn rust_filter<T: Sample>(
    samples: &[T],
    width: usize,
    height: usize,
    channels: usize,
    params: &Params,
) -> Vec<T> {
    let view =
        ImageView::new(samples, Layout::packed(width, height, channels)).expect("a valid view");
    bilateral::filter(view, params).expect("valid parameters")
}

#[test]
fn gray_u8_with_the_defaults_and_the_version() {
    let img = common::photo("camera.png").to_luma8();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let (out, file) = run("camera.pgm", &netpbm("P5", w, h, "255", img.as_raw()), &[]);
    let stderr = assert_success(&out);
    assert!(
        stderr.contains(&format!("bilateral {}:", env!("CARGO_PKG_VERSION"))),
        "the example prints the version: {stderr}"
    );
    let want = rust_filter(img.as_raw(), w, h, 1, &Params::new());
    let file = file.expect("an output file");
    assert!(body(&file, &format!("P5\n{w} {h}\n255\n")) == want.as_slice());
}

#[test]
fn rgb_u8_with_sigmas_on_padded_rows() {
    let img = common::photo("chelsea.png").to_rgb8();
    // 451 pixels: 1353 bytes a row, padded to 1408 by the example.
    let (w, h) = (img.width() as usize, img.height() as usize);
    let (out, file) = run(
        "chelsea.ppm",
        &netpbm("P6", w, h, "255", img.as_raw()),
        &["3", "2", "30"],
    );
    assert_success(&out);
    let params = Params::new().radius(3).sigma_space(2.0).sigma_range(30.0);
    let want = rust_filter(img.as_raw(), w, h, 3, &params);
    let file = file.expect("an output file");
    assert!(body(&file, &format!("P6\n{w} {h}\n255\n")) == want.as_slice());
}

#[test]
fn rgb_u16() {
    let img = common::photo("coffee.png").to_rgb8();
    let (w, h) = (img.width() as usize, img.height() as usize);
    // Low bytes of their own, so that the 16 bits all matter.
    let samples: Vec<u16> = (img.as_raw().iter().enumerate())
        .map(|(i, &v)| u16::from(v) << 8 | (i * 37 % 256) as u16)
        .collect();
    let big_endian: Vec<u8> = samples.iter().flat_map(|s| s.to_be_bytes()).collect();
    let (out, file) = run(
        "coffee.ppm",
        &netpbm("P6", w, h, "65535", &big_endian),
        &["2", "1.5", "6425"],
    );
    assert_success(&out);
    let params = Params::new().radius(2).sigma_space(1.5).sigma_range(6425.0);
    let want: Vec<u8> = rust_filter(&samples, w, h, 3, &params)
        .iter()
        .flat_map(|s| s.to_be_bytes())
        .collect();
    let file = file.expect("an output file");
    assert!(body(&file, &format!("P6\n{w} {h}\n65535\n")) == want.as_slice());
}

#[test]
fn gray_f32_with_the_defaults() {
    let img = common::photo("chelsea.png").to_luma8();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let samples: Vec<f32> = img.as_raw().iter().map(|&v| f32::from(v) / 255.0).collect();
    let little_endian: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    let (out, file) = run(
        "chelsea.pfm",
        &netpbm("Pf", w, h, "-1.0", &little_endian),
        &[],
    );
    assert_success(&out);
    let want: Vec<u8> = rust_filter(&samples, w, h, 1, &Params::new())
        .iter()
        .flat_map(|s| s.to_le_bytes())
        .collect();
    let file = file.expect("an output file");
    assert!(body(&file, &format!("Pf\n{w} {h}\n-1.0\n")) == want.as_slice());
}

#[test]
fn an_error_status_and_its_message() {
    let (out, file) = run(
        "tiny.pgm",
        &netpbm("P5", 2, 2, "255", &[1, 2, 3, 4]),
        &["2", "1.5", "-1"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let status = BilateralStatus::InvalidParameter;
    let expected = format!(
        "status {}: {}",
        status as i32,
        status.message().to_str().expect("UTF-8")
    );
    assert!(stderr.contains(&expected), "{stderr}");
    assert!(file.is_none(), "no output after an error");
}
