//! Runs the built `bilateral` binary on small files in temporary directories.

use std::ffi::OsStr;
use std::fs;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use bilateral::{Backend, Border, ColorDistance, NanPolicy, Params, Window};
use bilateral_cli::formats::{self, EncodeOptions, Format};
use bilateral_cli::{Image, SampleType, Samples};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data");

fn bilateral<S: AsRef<OsStr>>(args: impl IntoIterator<Item = S>) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bilateral"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// `bilateral filter ARGS...`
fn filter<S: AsRef<OsStr>>(args: impl IntoIterator<Item = S>) -> Output {
    let mut argv = vec![OsStr::new("filter").to_os_string()];
    argv.extend(args.into_iter().map(|a| a.as_ref().to_os_string()));
    bilateral(argv)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[track_caller]
fn assert_status(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        stdout(out),
        stderr(out)
    );
}

/// A small test picture with edges, a ramp and some texture, in any type and channel count.
fn picture(t: SampleType, channels: usize, width: usize, height: usize) -> Image {
    let mut v = Vec::with_capacity(width * height * channels);
    for y in 0..height {
        for x in 0..width {
            for c in 0..channels {
                let edge = if x * 2 > width { 0.5 } else { 0.1 };
                let ramp = (x + y + 3 * c) as f32 / (width + height + 12) as f32 * 0.3;
                let texture = ((x * 7 + y * 13 + c * 5) % 11) as f32 / 11.0 * 0.15;
                v.push(edge + ramp + texture);
            }
        }
    }
    Image {
        width,
        height,
        channels,
        samples: Samples::F32(v),
    }
    .convert(t)
}

fn write_image(path: &Path, img: &Image) {
    let mut buf = Cursor::new(Vec::new());
    formats::encode(
        img,
        Format::from_path(path).unwrap(),
        &EncodeOptions::default(),
        &mut buf,
    )
    .unwrap();
    fs::write(path, buf.into_inner()).unwrap();
}

fn read_image(path: &Path) -> Image {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    formats::decode(&bytes, Format::from_path(path).unwrap()).unwrap()
}

/// The bytes the binary should write for `img` filtered with `params`.
fn expected_bytes(img: &Image, params: &Params, to: SampleType, format: Format) -> Vec<u8> {
    let out = img.filter(params).unwrap().convert(to);
    let mut buf = Cursor::new(Vec::new());
    formats::encode(&out, format, &EncodeOptions::default(), &mut buf).unwrap();
    buf.into_inner()
}

/// Files in `dir`, sorted, to show that nothing else (a temporary file) was left there.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn every_format_round_trips_with_its_type_and_channels() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &[SampleType], &[usize])] = &[
        ("png", &[SampleType::U8, SampleType::U16], &[1, 2, 3, 4]),
        ("jpg", &[SampleType::U8], &[1, 3]),
        (
            "tif",
            &[SampleType::U8, SampleType::U16, SampleType::F32],
            &[1, 2, 3, 4],
        ),
        (
            "npy",
            &[SampleType::U8, SampleType::U16, SampleType::F32],
            &[1, 2, 3, 4],
        ),
    ];
    for &(ext, types, channel_counts) in cases {
        let format = Format::from_extension(ext).unwrap();
        for &t in types {
            for &channels in channel_counts {
                let input = dir.path().join(format!("in-{t}-{channels}.{ext}"));
                let output = dir.path().join(format!("out-{t}-{channels}.{ext}"));
                write_image(&input, &picture(t, channels, 19, 11));
                let out = filter([&input, &output]);
                assert_status(&out, 0);
                assert!(stderr(&out).is_empty(), "{}", stderr(&out));
                let img = read_image(&input);
                let back = read_image(&output);
                assert_eq!(
                    (back.width, back.height, back.channels, back.sample_type()),
                    (19, 11, channels, t),
                    "{ext} {t} {channels}"
                );
                assert_eq!(
                    fs::read(&output).unwrap(),
                    expected_bytes(&img, &Params::new(), t, format),
                    "{ext} {t} {channels}: differs from the library's result"
                );
            }
        }
    }
}

#[test]
fn npy_headers_are_what_numpy_expects() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.npy");
    write_image(&input, &picture(SampleType::U16, 3, 5, 4));
    let output = dir.path().join("out.npy");
    assert_status(&filter([&input, &output]), 0);
    let bytes = fs::read(&output).unwrap();
    assert!(bytes.starts_with(b"\x93NUMPY\x01\x00"));
    let header_len = usize::from(u16::from_le_bytes([bytes[8], bytes[9]]));
    assert_eq!((10 + header_len) % 64, 0);
    let header = std::str::from_utf8(&bytes[10..10 + header_len]).unwrap();
    assert!(
        header.starts_with("{'descr': '<u2', 'fortran_order': False, 'shape': (4, 5, 3), }"),
        "{header}"
    );
    assert!(header.ends_with('\n'));
    assert_eq!(bytes.len(), 10 + header_len + 4 * 5 * 3 * 2);
}

#[test]
fn output_type_converts_after_filtering() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.png");
    let img = picture(SampleType::U8, 3, 23, 9);
    write_image(&input, &img);
    let params = Params::new().sigma_range(40.0);
    for (t, ext) in [
        (SampleType::F32, "tif"),
        (SampleType::U16, "png"),
        (SampleType::F32, "npy"),
    ] {
        let output = dir.path().join(format!("out-{t}.{ext}"));
        let out = filter([
            input.as_os_str(),
            output.as_os_str(),
            "--sigma-range".as_ref(),
            "40".as_ref(),
            "--output-type".as_ref(),
            t.name().as_ref(),
        ]);
        assert_status(&out, 0);
        assert_eq!(
            fs::read(&output).unwrap(),
            expected_bytes(&img, &params, t, Format::from_extension(ext).unwrap())
        );
    }
    // f32 -> u16 PNG, the fix the error below names.
    let f32_in = dir.path().join("out-f32.tif");
    let png = dir.path().join("from-f32.png");
    assert_status(
        &filter([
            f32_in.as_os_str(),
            png.as_os_str(),
            "--output-type".as_ref(),
            "u16".as_ref(),
        ]),
        0,
    );
    assert_eq!(read_image(&png).sample_type(), SampleType::U16);
}

#[test]
fn outputs_that_cannot_hold_the_result_are_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let f32_in = dir.path().join("in.tif");
    write_image(&f32_in, &picture(SampleType::F32, 1, 8, 8));
    let rgba = dir.path().join("rgba.png");
    write_image(&rgba, &picture(SampleType::U8, 4, 8, 8));
    let u16_in = dir.path().join("u16.png");
    write_image(&u16_in, &picture(SampleType::U16, 3, 8, 8));
    for (input, output, hint) in [
        (&f32_in, "out.png", "--output-type u16"),
        (&rgba, "out.jpg", "alpha"),
        (&u16_in, "out.jpg", "--output-type u8"),
    ] {
        let output = dir.path().join(output);
        let out = filter([input, &output]);
        assert_status(&out, 1);
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains(hint) && err.contains(&*input.to_string_lossy()),
            "{err}"
        );
        assert!(!output.exists());
    }
    // Known before any file is read: a usage error.
    let out = filter([
        f32_in.as_os_str(),
        dir.path().join("x.png").as_os_str(),
        "--output-type".as_ref(),
        "f32".as_ref(),
    ]);
    assert_status(&out, 2);
    assert_eq!(listing(dir.path()), ["in.tif", "rgba.png", "u16.png"]);
}

#[test]
fn output_equals_the_library_for_real_photos_and_options() {
    let dir = tempfile::tempdir().unwrap();
    let camera = Path::new(DATA).join("camera.png");
    let astronaut = Path::new(DATA).join("astronaut.png");
    let cases: Vec<(&Path, Vec<&str>, Params)> = vec![
        (
            &camera,
            vec![
                "-r",
                "3",
                "--sigma-space",
                "2.5",
                "--sigma-range",
                "30",
                "--window",
                "disc",
                "--border",
                "constant:7",
                "--iterations",
                "2",
            ],
            Params::new()
                .radius(3)
                .sigma_space(2.5)
                .sigma_range(30.0)
                .window(Window::Disc)
                .border(Border::Constant(7.0))
                .iterations(2),
        ),
        (
            &astronaut,
            vec![
                "--preset",
                "opencv",
                "-d",
                "7",
                "--sigma-color",
                "40",
                "--sigma-space",
                "5",
                "--border",
                "replicate",
            ],
            Params::opencv(7, 40.0, 5.0).border(Border::Replicate),
        ),
        (
            &astronaut,
            vec![
                "--color",
                "per-channel",
                "--alpha",
                "0.1",
                "--beta",
                "0.002",
                "-t",
                "1",
            ],
            Params::new()
                .distance(ColorDistance::PerChannel)
                .alpha(0.1)
                .beta(0.002),
        ),
    ];
    for (i, (input, args, params)) in cases.into_iter().enumerate() {
        let output = dir.path().join(format!("out{i}.png"));
        let mut argv: Vec<&OsStr> = vec![input.as_os_str(), output.as_os_str()];
        argv.extend(args.iter().map(OsStr::new));
        assert_status(&filter(argv), 0);
        let img = read_image(input);
        let t = img.sample_type();
        assert_eq!(
            fs::read(&output).unwrap(),
            expected_bytes(&img, &params, t, Format::Png),
            "case {i}: {args:?}"
        );
    }
}

#[test]
fn one_and_two_threads_give_identical_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let astronaut = Path::new(DATA).join("astronaut.png");
    let tif = dir.path().join("in.tif");
    write_image(&tif, &picture(SampleType::F32, 3, 97, 61));
    for input in [astronaut.as_path(), tif.as_path()] {
        let ext = input.extension().unwrap().to_str().unwrap();
        let outputs: Vec<PathBuf> = ["1", "2"]
            .iter()
            .map(|t| {
                let output = dir.path().join(format!("t{t}.{ext}"));
                let out = filter([
                    input.as_os_str(),
                    output.as_os_str(),
                    "--threads".as_ref(),
                    t.as_ref(),
                    "-r".as_ref(),
                    "4".as_ref(),
                ]);
                assert_status(&out, 0);
                output
            })
            .collect();
        assert_eq!(
            fs::read(&outputs[0]).unwrap(),
            fs::read(&outputs[1]).unwrap()
        );
    }
}

#[test]
fn a_batch_reports_the_corrupt_file_and_finishes_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("in");
    let outdir = dir.path().join("out");
    fs::create_dir(&inputs).unwrap();
    let good = [
        (inputs.join("a.png"), picture(SampleType::U8, 3, 30, 20)),
        (inputs.join("b.tif"), picture(SampleType::F32, 1, 17, 40)),
        (inputs.join("c.npy"), picture(SampleType::U16, 2, 9, 9)),
    ];
    for (p, img) in &good {
        write_image(p, img);
    }
    let corrupt = inputs.join("corrupt.png");
    let mut bytes = fs::read(&good[0].0).unwrap();
    bytes.truncate(bytes.len() / 2);
    bytes[20] ^= 0xff;
    fs::write(&corrupt, bytes).unwrap();

    for threads in ["1", "2"] {
        let _ = fs::remove_dir_all(&outdir);
        let out = filter([
            good[0].0.as_os_str(),
            corrupt.as_os_str(),
            good[1].0.as_os_str(),
            good[2].0.as_os_str(),
            "--out-dir".as_ref(),
            outdir.as_os_str(),
            "-t".as_ref(),
            threads.as_ref(),
        ]);
        assert_status(&out, 1);
        let err = stderr(&out);
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 2, "{err}");
        assert!(
            lines[0].starts_with(&format!("bilateral: error: {}: ", corrupt.display())),
            "{err}"
        );
        assert_eq!(lines[1], "bilateral: 1 of 4 inputs failed");
        assert!(stdout(&out).is_empty());
        assert_eq!(listing(&outdir), ["a.png", "b.tif", "c.npy"]);
        for (p, img) in &good {
            let output = outdir.join(p.file_name().unwrap());
            let format = Format::from_path(p).unwrap();
            assert_eq!(
                fs::read(&output).unwrap(),
                expected_bytes(img, &Params::new(), img.sample_type(), format)
            );
        }
    }

    // -q drops the summary, not the error.
    let out = filter([
        corrupt.as_os_str(),
        good[0].0.as_os_str(),
        "--out-dir".as_ref(),
        dir.path().join("quiet").as_os_str(),
        "-q".as_ref(),
    ]);
    assert_status(&out, 1);
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));

    // All good: exit 0, silent; --ext changes the outputs' format.
    let out = filter([
        good[0].0.as_os_str(),
        good[2].0.as_os_str(),
        "-o".as_ref(),
        dir.path().join("tiffs").as_os_str(),
        "--ext".as_ref(),
        "tiff".as_ref(),
    ]);
    assert_status(&out, 0);
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    assert_eq!(listing(&dir.path().join("tiffs")), ["a.tiff", "c.tiff"]);
    assert_eq!(read_image(&dir.path().join("tiffs/c.tiff")).channels, 2);
}

#[test]
fn existing_outputs_and_the_input_are_not_overwritten_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.png");
    let img = picture(SampleType::U8, 1, 16, 16);
    write_image(&input, &img);
    let output = dir.path().join("out.png");
    fs::write(&output, b"precious").unwrap();

    let out = filter([&input, &output]);
    assert_status(&out, 1);
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(fs::read(&output).unwrap(), b"precious");

    // The input, also by another spelling of its path.
    let original = fs::read(&input).unwrap();
    let other_spelling = dir.path().join(".").join("in.png");
    let out = filter([&input, &other_spelling]);
    assert_status(&out, 1);
    assert!(stderr(&out).contains("is the input"), "{}", stderr(&out));
    assert_eq!(fs::read(&input).unwrap(), original);

    // In a batch only the file whose output exists fails.
    let second = dir.path().join("second.png");
    write_image(&second, &img);
    let outdir = dir.path().join("batch");
    fs::create_dir(&outdir).unwrap();
    fs::write(outdir.join("in.png"), b"precious").unwrap();
    let out = filter([
        input.as_os_str(),
        second.as_os_str(),
        "--out-dir".as_ref(),
        outdir.as_os_str(),
    ]);
    assert_status(&out, 1);
    assert_eq!(fs::read(outdir.join("in.png")).unwrap(), b"precious");
    assert!(outdir.join("second.png").exists());

    let expected = expected_bytes(&img, &Params::new(), SampleType::U8, Format::Png);
    assert_status(
        &filter([input.as_os_str(), output.as_os_str(), "--force".as_ref()]),
        0,
    );
    assert_eq!(fs::read(&output).unwrap(), expected);
    assert_status(
        &filter([input.as_os_str(), input.as_os_str(), "-f".as_ref()]),
        0,
    );
    assert_eq!(fs::read(&input).unwrap(), expected);
    assert_eq!(
        listing(dir.path()),
        ["batch", "in.png", "out.png", "second.png"]
    );
}

/// Every file under `dir` with its bytes, to show that a failed run changed nothing.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path.clone());
            } else {
                files.push((path.clone(), fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

/// The bad-input table of the command line: one row per bad file or path, each with its exit
/// status and the words its one-line message must hold; no row may leave a file behind or
/// change one.
#[test]
fn bad_files_and_paths_fail_in_one_line_and_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name);
    let good = at("good.png");
    write_image(&good, &picture(SampleType::U8, 3, 40, 30));
    let full = fs::read(&good).unwrap();
    fs::write(at("truncated.png"), &full[..full.len() / 3]).unwrap();
    fs::write(at("empty.png"), b"").unwrap();
    fs::write(at("garbage.png"), b"not a PNG at all, just some text").unwrap();
    fs::write(at("picture.bmp"), &full).unwrap();
    let tiff = at("good.tif");
    write_image(&tiff, &picture(SampleType::U16, 1, 40, 30));
    let full_tiff = fs::read(&tiff).unwrap();
    fs::write(at("truncated.tif"), &full_tiff[..full_tiff.len() / 2]).unwrap();
    fs::write(at("png-bytes.tif"), &full).unwrap();
    fs::write(
        at("bad.npy"),
        b"\x93NUMPY\x01\x00\x3c\x00{'descr': '<i8', 'fortran_order': False, 'shape': (2, 2), }\n",
    )
    .unwrap();
    let npy = at("good.npy");
    write_image(&npy, &picture(SampleType::F32, 1, 4, 4));
    let full_npy = fs::read(&npy).unwrap();
    fs::write(at("truncated.npy"), &full_npy[..full_npy.len() - 5]).unwrap();
    for (name, bad) in [("nan.npy", f32::NAN), ("inf.npy", f32::INFINITY)] {
        let mut img = picture(SampleType::F32, 1, 4, 4);
        if let Samples::F32(v) = &mut img.samples {
            v[5] = bad;
        }
        write_image(&at(name), &img);
    }
    fs::write(at("existing.png"), b"precious").unwrap();
    fs::write(at("file"), b"").unwrap();
    let out = at("out.npy");
    let before = snapshot(dir.path());

    let rows: Vec<(PathBuf, PathBuf, &str)> = vec![
        (at("empty.png"), out.clone(), "empty"),
        (at("truncated.png"), out.clone(), "cannot decode PNG"),
        (at("garbage.png"), out.clone(), "cannot decode PNG"),
        (at("truncated.tif"), out.clone(), "cannot decode TIFF"),
        (at("png-bytes.tif"), out.clone(), "cannot decode TIFF"),
        (at("bad.npy"), out.clone(), "dtype"),
        (at("truncated.npy"), out.clone(), "NPY"),
        (at("picture.bmp"), out.clone(), "unknown extension"),
        (at("nan.npy"), out.clone(), "NaN"),
        (at("inf.npy"), out.clone(), "inf"),
        (at("missing.png"), out.clone(), "cannot read"),
        (good.clone(), at("file").join("out.png"), "Not a directory"),
        (good.clone(), good.clone(), "is the input; pass --force"),
        (
            good.clone(),
            dir.path().join(".").join("good.png"),
            "is the input",
        ),
        (good.clone(), at("existing.png"), "exists; pass --force"),
    ];
    for (input, output, what) in rows {
        let run = filter([&input, &output]);
        let row = format!("{} -> {}", input.display(), output.display());
        assert_status(&run, 1);
        let err = stderr(&run);
        assert_eq!(err.lines().count(), 1, "{row}: {err}");
        assert!(
            err.starts_with(&format!("bilateral: error: {}: ", input.display())),
            "{row}: {err}"
        );
        assert!(err.contains(what), "{row}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("backtrace"),
            "{row}: {err}"
        );
        assert!(
            snapshot(dir.path()) == before,
            "{row} changed the directory"
        );
    }

    let run = filter([
        good.as_os_str(),
        "--out-dir".as_ref(),
        at("file").join("sub").as_os_str(),
    ]);
    assert_status(&run, 1);
    assert!(
        stderr(&run).contains("cannot create the output directory"),
        "{}",
        stderr(&run)
    );
    assert!(snapshot(dir.path()) == before);
}

#[test]
fn usage_errors_exit_2_and_touch_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.png");
    write_image(&input, &picture(SampleType::U8, 1, 8, 8));
    let output = dir.path().join("out.png");
    let (i, o) = (input.to_str().unwrap(), output.to_str().unwrap());
    let other = dir.path().join("sub/in.png");
    fs::create_dir(dir.path().join("sub")).unwrap();
    fs::copy(&input, &other).unwrap();
    let other = other.to_str().unwrap();
    let outdir = dir.path().join("outdir");
    let outdir = outdir.to_str().unwrap();
    for (args, what) in [
        (
            vec![i, o, "--sigma-space", "-1"],
            "sigma_space must be finite and > 0",
        ),
        (
            vec![i, o, "--sigma-range", "0"],
            "sigma_range must be finite and > 0",
        ),
        (
            vec![i, o, "--sigma-range", "nan"],
            "sigma_range must be finite",
        ),
        (
            vec![i, o, "--sigma-space", "inf"],
            "sigma_space must be finite",
        ),
        (vec![i, o, "--alpha", "-1"], "alpha must be finite and >= 0"),
        (vec![i, o, "--beta", "-0.5"], "beta must be finite and >= 0"),
        (vec![i, o, "--beta", "inf"], "beta must be finite"),
        (vec![i, o, "--radius", "65"], "larger than the maximum 64"),
        (vec![i, o, "--border", "wrap"], "invalid value 'wrap'"),
        (vec![i, o, "--border", "constant:inf"], "must be finite"),
        (vec![i, o, "--window", "hexagon"], "invalid value 'hexagon'"),
        (vec![i, o, "--backend", "quantum"], "unknown backend"),
        (vec![i, o, "--threads", "0"], "invalid value '0'"),
        (vec![i, o, "--no-such-option"], "unexpected argument"),
        (
            vec![i, o, "--preset", "opencv", "-d", "5"],
            "needs -d, --sigma-color",
        ),
        (
            vec![i, o, "--preset", "opencv", "-r", "3"],
            "cannot be used with",
        ),
        (vec![i, o, "-d", "5"], "--preset"),
        (vec![i], "expected INPUT OUTPUT, got 1"),
        (vec![i, o, o], "expected INPUT OUTPUT, got 3"),
        (vec![i, "out.gif"], "unknown extension \"gif\""),
        (vec![i, other, "--out-dir", outdir], "would both be written"),
        (
            vec![i, "--out-dir", outdir, "--ext", "gif"],
            "unknown extension",
        ),
    ] {
        let mut argv = vec!["filter"];
        argv.extend(&args);
        let out = bilateral(&argv);
        assert_status(&out, 2);
        let err = stderr(&out);
        assert!(err.contains(what), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!output.exists() && !Path::new(outdir).exists(), "{args:?}");
    }
}

#[test]
fn an_unavailable_backend_is_a_usage_error_naming_the_available_ones() {
    let Some(missing) = Backend::ALL.into_iter().find(|b| !b.is_available()) else {
        eprintln!("every backend is available here: nothing to refuse");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.png");
    write_image(&input, &picture(SampleType::U8, 1, 8, 8));
    let available: Vec<&str> = Backend::available()
        .into_iter()
        .map(Backend::name)
        .collect();
    let output = dir.path().join("out.png");
    for argv in [
        vec![
            "filter",
            input.to_str().unwrap(),
            output.to_str().unwrap(),
            "--backend",
            missing.name(),
        ],
        vec!["bench", "--runs", "1", "--backend", missing.name()],
    ] {
        let out = bilateral(&argv);
        assert_status(&out, 2);
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(missing.name()), "{err}");
        assert!(err.contains(&available.join(", ")), "{err}");
        assert!(!output.exists());
    }
}

#[test]
fn every_backend_the_cpu_has_gives_the_same_bytes_as_the_library() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.npy");
    let img = picture(SampleType::U16, 3, 37, 21);
    write_image(&input, &img);
    for b in Backend::available() {
        let output = dir.path().join(format!("{b}.npy"));
        assert_status(
            &filter([
                input.as_os_str(),
                output.as_os_str(),
                "--backend".as_ref(),
                b.name().as_ref(),
            ]),
            0,
        );
        assert_eq!(
            fs::read(&output).unwrap(),
            expected_bytes(
                &img,
                &Params::new().backend(b),
                SampleType::U16,
                Format::Npy
            )
        );
    }
}

#[test]
fn help_lists_every_option_with_defaults_and_exit_codes() {
    use clap::CommandFactory;
    let cli = bilateral_cli::args::Cli::command();
    for sub in ["filter", "bench"] {
        let out = bilateral([sub, "--help"]);
        assert_status(&out, 0);
        let help = stdout(&out);
        let spec = cli.find_subcommand(sub).unwrap();
        for arg in spec.get_arguments() {
            if let Some(long) = arg.get_long() {
                assert!(help.contains(&format!("--{long}")), "{sub}: --{long}");
            }
            if let Some(short) = arg.get_short() {
                assert!(help.contains(&format!("-{short}")), "{sub}: -{short}");
            }
        }
        for required in [
            "--radius",
            "--sigma-space",
            "--sigma-range",
            "--alpha",
            "--beta",
            "--window",
            "--color",
            "--border",
            "--filter-alpha",
            "--iterations",
            "--threads",
            "--backend",
            "--preset",
            "--sigma-color",
            "-d ",
        ] {
            assert!(help.contains(required), "{sub}: {required}");
        }
        for default in [
            "[default: 2",
            "[default: 1.5]",
            "10% of full scale",
            "[default: auto]",
        ] {
            assert!(help.contains(default), "{sub}: {default}");
        }
        assert!(help.contains("Exit status"), "{sub}");
    }
    let filter_help = stdout(&bilateral(["filter", "--help"]));
    for opt in [
        "--output-type",
        "--out-dir",
        "--ext",
        "--force",
        "--quiet",
        "-q",
    ] {
        assert!(filter_help.contains(opt), "{opt}");
    }
    let bench = stdout(&bilateral(["bench", "--help"]));
    for opt in [
        "--format",
        "--runs",
        "--json",
        "--input",
        "--size",
        "[default: 5]",
    ] {
        assert!(bench.contains(opt), "{opt}");
    }
    let top = stdout(&bilateral(["--help"]));
    for word in ["filter", "bench", "info", "Exit status", "0 ", "1 ", "2 "] {
        assert!(top.contains(word), "{word}");
    }
}

#[test]
fn bench_json_has_one_parsable_object_per_case() {
    let out = bilateral([
        "bench",
        "--size",
        "64x36",
        "--runs",
        "1",
        "--json",
        "--threads",
        "1,2",
        "--format",
        "gray-u8,rgba-f32,rgb-u16",
        "--backend",
        "all",
        "-r",
        "3",
        "--window",
        "disc",
    ]);
    assert_status(&out, 0);
    let text = stdout(&out);
    let backends: Vec<&str> = Backend::available()
        .into_iter()
        .map(Backend::name)
        .collect();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3 * 2 * backends.len(), "{text}");
    for line in lines {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        for key in [
            "format", "width", "height", "radius", "window", "color", "threads", "backend",
            "median_s", "min_s", "mpix_s",
        ] {
            assert!(v.get(key).is_some(), "{key} missing from {line}");
        }
        assert_eq!(
            (v["width"].as_u64(), v["height"].as_u64()),
            (Some(64), Some(36))
        );
        assert_eq!(
            (v["radius"].as_u64(), v["window"].as_str()),
            (Some(3), Some("disc"))
        );
        assert!(backends.contains(&v["backend"].as_str().unwrap()));
        assert!([1, 2].contains(&v["threads"].as_u64().unwrap()));
        assert!(v["min_s"].as_f64().unwrap() <= v["median_s"].as_f64().unwrap());
        assert!(v["mpix_s"].as_f64().unwrap() > 0.0);
    }
}

#[test]
fn bench_table_and_input_and_auto_backend() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.tif");
    write_image(&input, &picture(SampleType::F32, 1, 20, 10));
    let out = bilateral([
        "bench".as_ref(),
        "--input".as_ref(),
        input.as_os_str(),
        "--size".as_ref(),
        "48x32".as_ref(),
        "--runs".as_ref(),
        "2".as_ref(),
        "--preset".as_ref(),
        "opencv".as_ref(),
        "-d".as_ref(),
        "5".as_ref(),
        "--sigma-color".as_ref(),
        "0.2".as_ref(),
        "--sigma-space".as_ref(),
        "3".as_ref(),
    ]);
    assert_status(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("Mpix/s"), "{text}");
    // The four default formats, each with the backend auto resolves to.
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(Backend::detect().name()))
        .collect();
    assert_eq!(rows.len(), 4, "{text}");
    let out = bilateral([
        "bench".as_ref(),
        "--input".as_ref(),
        dir.path().join("nope.png").as_os_str(),
    ]);
    assert_status(&out, 1);
}

#[test]
fn info_names_the_version_features_and_auto_backend() {
    let out = bilateral(["info"]);
    assert_status(&out, 0);
    let text = stdout(&out);
    assert!(text.contains(env!("CARGO_PKG_VERSION")), "{text}");
    assert!(
        text.contains(&format!("backend auto picks: {}", Backend::detect())),
        "{text}"
    );
    #[cfg(target_arch = "x86_64")]
    assert!(text.contains("avx2") && text.contains("avx512f"), "{text}");
}

#[test]
fn tolerance_runs_the_fast_mode_and_bench_reports_it() {
    let out = bilateral([
        "bench",
        "--size",
        "96x64",
        "--runs",
        "1",
        "--json",
        "--threads",
        "1",
        "--format",
        "gray-u8,rgb-u8",
        "-r",
        "12",
        "--sigma-space",
        "4",
        "--tolerance",
        "0.5",
    ]);
    assert_status(&out, 0);
    let text = stdout(&out);
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), Backend::available().len().min(1) * 2, "{text}");
    assert_eq!(lines[0]["mode"], "fast", "{text}");
    assert!(lines[0]["terms"].as_u64().unwrap() > 0);
    assert!((0.0..=1.0).contains(&lines[0]["recomputed_share"].as_f64().unwrap()));
    // Joint colour distance over RGB: the exact filter, and why.
    assert_eq!(lines[1]["mode"], "exact", "{text}");
    assert!(lines[1]["method"].as_str().unwrap().contains("per-channel"));
    let bad = bilateral(["bench", "--size", "8x8", "--runs", "1", "--tolerance", "-1"]);
    assert!(
        stderr(&bad).contains("tolerance must be finite and > 0"),
        "{}",
        stderr(&bad)
    );
    assert_ne!(bad.status.code(), Some(0));
}

#[test]
fn guide_gives_the_librarys_joint_filter_and_bad_guides_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let (input, guide, out) = (
        dir.path().join("in.png"),
        dir.path().join("guide.tif"),
        dir.path().join("out.png"),
    );
    let img = picture(SampleType::U8, 3, 37, 21);
    // A guide of another type and channel count, with an edge the image does not have.
    let mut g = picture(SampleType::F32, 1, 37, 21);
    if let Samples::F32(v) = &mut g.samples {
        v.reverse();
    }
    write_image(&input, &img);
    write_image(&guide, &g);
    let run = filter([
        input.as_os_str(),
        out.as_os_str(),
        OsStr::new("--guide"),
        guide.as_os_str(),
        OsStr::new("-r"),
        OsStr::new("3"),
        OsStr::new("--sigma-range"),
        OsStr::new("0.1"),
    ]);
    assert_status(&run, 0);
    let params = Params::new().radius(3).sigma_range(0.1);
    let expected = img.filter_guided(&read_image(&guide), &params).unwrap();
    assert_eq!(read_image(&out), expected);
    assert_ne!(read_image(&out), img.filter(&params).unwrap());
    // Another size: a clear error, and no output left behind.
    let small = dir.path().join("small.png");
    write_image(&small, &picture(SampleType::U8, 1, 36, 21));
    let out2 = dir.path().join("out2.png");
    let run = filter([
        input.as_os_str(),
        out2.as_os_str(),
        OsStr::new("--guide"),
        small.as_os_str(),
    ]);
    assert_status(&run, 1);
    assert!(
        stderr(&run).contains("the guide is 36x21 but the image is 37x21"),
        "{}",
        stderr(&run)
    );
    assert!(!out2.exists());
    // The guide is not overwritten without --force.
    let run = filter([
        input.as_os_str(),
        guide.as_os_str(),
        OsStr::new("--guide"),
        guide.as_os_str(),
    ]);
    assert_ne!(run.status.code(), Some(0));
    assert_eq!(read_image(&guide), g);
    // With a guide the OpenCV preset is contrib's joint filter: a sigma ≤ 0 is 1, no copy.
    let out3 = dir.path().join("out3.png");
    let run = filter([
        input.as_os_str(),
        out3.as_os_str(),
        OsStr::new("--guide"),
        guide.as_os_str(),
        OsStr::new("--preset"),
        OsStr::new("opencv"),
        OsStr::new("-d"),
        OsStr::new("5"),
        OsStr::new("--sigma-color"),
        OsStr::new("0"),
        OsStr::new("--sigma-space"),
        OsStr::new("3"),
    ]);
    assert_status(&run, 0);
    let joint = Params::opencv_joint(5, 0.0, 3.0);
    let expected = img.filter_guided(&read_image(&guide), &joint).unwrap();
    assert_eq!(read_image(&out3), expected);
    assert_ne!(read_image(&out3), img);
}

#[test]
fn upsample_gives_the_librarys_result_and_refuses_bad_guides() {
    let dir = tempfile::tempdir().unwrap();
    let (low, guide, out) = (
        dir.path().join("depth.tif"),
        dir.path().join("colour.png"),
        dir.path().join("up.tif"),
    );
    let depth = picture(SampleType::F32, 1, 12, 9);
    let colour = picture(SampleType::U8, 3, 36, 27);
    write_image(&low, &depth);
    write_image(&guide, &colour);
    let run = bilateral([
        OsStr::new("upsample"),
        low.as_os_str(),
        guide.as_os_str(),
        out.as_os_str(),
        OsStr::new("-r"),
        OsStr::new("2"),
        OsStr::new("--sigma-space"),
        OsStr::new("1"),
        OsStr::new("--sigma-range"),
        OsStr::new("30"),
    ]);
    assert_status(&run, 0);
    let params = Params::new().radius(2).sigma_space(1.0).sigma_range(30.0);
    let expected = depth.upsample(&read_image(&guide), &params).unwrap();
    assert_eq!((expected.width, expected.height), (36, 27));
    assert_eq!(read_image(&out), expected);
    // Not an integer multiple: a clear error, no output.
    let odd = dir.path().join("odd.png");
    write_image(&odd, &picture(SampleType::U8, 3, 37, 27));
    let out2 = dir.path().join("up2.tif");
    let run = bilateral([
        OsStr::new("upsample"),
        low.as_os_str(),
        odd.as_os_str(),
        out2.as_os_str(),
    ]);
    assert_status(&run, 1);
    assert!(
        stderr(&run).contains("not the same integer multiple of the 12x9 image"),
        "{}",
        stderr(&run)
    );
    assert!(!out2.exists());
    let run = bilateral([
        OsStr::new("upsample"),
        low.as_os_str(),
        guide.as_os_str(),
        out2.as_os_str(),
        OsStr::new("--tolerance"),
        OsStr::new("0.5"),
    ]);
    assert_status(&run, 2);
}

/// `--nan` and `--nodata` reach the library: the binary writes what it computes, NaN holes
/// are refused without a policy, and bad values are usage errors naming them.
#[test]
fn missing_samples_follow_the_nan_policy() {
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name);
    let mut img = picture(SampleType::F32, 1, 40, 30);
    if let Samples::F32(v) = &mut img.samples {
        for i in (0..v.len()).step_by(17) {
            v[i] = f32::NAN;
        }
    }
    write_image(&at("holes.npy"), &img);
    let refused = filter([at("holes.npy"), at("refused.npy")]);
    assert_status(&refused, 1);
    assert!(stderr(&refused).contains("NaN"), "{}", stderr(&refused));
    assert!(!at("refused.npy").exists());
    for policy in [NanPolicy::Skip, NanPolicy::Fill] {
        let out = at(&format!("{policy}.npy"));
        let run = filter([
            at("holes.npy").into_os_string(),
            out.clone().into_os_string(),
            "--nan".into(),
            policy.to_string().into(),
        ]);
        assert_status(&run, 0);
        let params = Params::new().nan_policy(policy);
        assert_eq!(
            fs::read(&out).unwrap(),
            expected_bytes(&img, &params, SampleType::F32, Format::Npy)
        );
        let Samples::F32(got) = read_image(&out).samples else {
            panic!("f32 out")
        };
        let nans = got.iter().filter(|v| v.is_nan()).count();
        assert_eq!(nans == 0, policy == NanPolicy::Fill, "{policy}: {nans} NaN");
    }
    // An integer raster with a no-data value.
    let gray = picture(SampleType::U8, 1, 40, 30);
    write_image(&at("gray.png"), &gray);
    let run = filter([
        at("gray.png").into_os_string(),
        at("nodata.png").into_os_string(),
        "--nan".into(),
        "skip".into(),
        "--nodata".into(),
        "300".into(),
    ]);
    assert_status(&run, 2);
    assert!(stderr(&run).contains("300"), "{}", stderr(&run));
    assert!(!at("nodata.png").exists());
    let run = filter([
        at("gray.png").into_os_string(),
        at("nodata.png").into_os_string(),
        "--nan".into(),
        "discard".into(),
    ]);
    assert_status(&run, 2);
    assert!(stderr(&run).contains("discard"), "{}", stderr(&run));
}

/// Ctrl-C (SIGINT sent to the running process) stops a long filter: exit status 130, and
/// neither the output nor a temporary file is left.
#[cfg(unix)]
#[test]
fn an_interrupt_stops_the_filter_and_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.npy");
    write_image(&input, &picture(SampleType::F32, 1, 1500, 1500));
    let output = dir.path().join("out.npy");
    // The filter, and the joint filter guided by the input itself.
    for guide in [None, Some(&input)] {
        let start = std::time::Instant::now();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bilateral"));
        cmd.args([
            "filter",
            "-r",
            "40",
            "--sigma-space",
            "20",
            "--threads",
            "1",
        ])
        .arg(&input)
        .arg(&output)
        .stderr(std::process::Stdio::piped());
        if let Some(g) = guide {
            cmd.arg("--guide").arg(g);
        }
        let mut child = cmd.spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1500));
        assert!(
            child.try_wait().unwrap().is_none(),
            "the filter ended too soon"
        );
        let kill = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        let out = child.wait_with_output().unwrap();
        assert_status(&out, 130);
        assert!(stderr(&out).contains("interrupted"), "{}", stderr(&out));
        assert!(
            start.elapsed().as_secs() < 60,
            "it took {:?}",
            start.elapsed()
        );
        assert_eq!(listing(dir.path()), ["big.npy"], "guide {guide:?}");
    }
}
