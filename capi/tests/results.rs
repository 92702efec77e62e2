//! Calls through the C ABI give the bytes the Rust library gives: every sample type, channel
//! count and parameter field, on buffers whose padded rows have different byte strides.

mod common;

use bilateral::{Backend, Border, ColorDistance, Params, Window};
use bilateral_capi::*;
use common::{CSample, Image, Rng, c_filter, rust_filter};

/// The same parameters twice, through the C struct and through the library's builder, with
/// range parameters scaled to a sample type whose full scale is `fs`.
fn cases(fs: f32) -> Vec<(String, BilateralParams, Params)> {
    let fs = f64::from(fs);
    let d = bilateral_params_default();
    let mut cases = vec![
        ("defaults", d, Params::new()),
        (
            "sigmas",
            BilateralParams {
                radius: 3,
                sigma_space: 2.0,
                sigma_range: 0.12 * fs,
                ..d
            },
            Params::new()
                .radius(3)
                .sigma_space(2.0)
                .sigma_range(0.12 * fs),
        ),
        (
            "alpha and beta",
            BilateralParams {
                spatial_mode: BILATERAL_SPATIAL_ALPHA,
                alpha: 0.3,
                range_mode: BILATERAL_RANGE_BETA,
                beta: 20.0 / (fs * fs),
                ..d
            },
            Params::new().alpha(0.3).beta(20.0 / (fs * fs)),
        ),
        (
            "a Gaussian blur",
            BilateralParams {
                range_mode: BILATERAL_RANGE_BETA,
                beta: 0.0,
                ..d
            },
            Params::new().beta(0.0),
        ),
        (
            "disc, L1, replicate",
            BilateralParams {
                window: BILATERAL_WINDOW_DISC,
                distance: BILATERAL_DISTANCE_L1,
                border: BILATERAL_BORDER_REPLICATE,
                ..d
            },
            Params::new()
                .window(Window::Disc)
                .distance(ColorDistance::L1)
                .border(Border::Replicate),
        ),
        (
            "per channel, reflect, alpha filtered, two passes",
            BilateralParams {
                distance: BILATERAL_DISTANCE_PER_CHANNEL,
                border: BILATERAL_BORDER_REFLECT,
                filter_alpha: 7,
                iterations: 2,
                ..d
            },
            Params::new()
                .distance(ColorDistance::PerChannel)
                .border(Border::Reflect)
                .filter_alpha(true)
                .iterations(2),
        ),
        (
            "constant border",
            BilateralParams {
                radius: 4,
                border: BILATERAL_BORDER_CONSTANT,
                border_value: (0.3 * fs) as f32,
                ..d
            },
            Params::new()
                .radius(4)
                .border(Border::Constant((0.3 * fs) as f32)),
        ),
        (
            "radius 0 copies",
            BilateralParams { radius: 0, ..d },
            Params::new().radius(0),
        ),
        (
            "no passes copy",
            BilateralParams { iterations: 0, ..d },
            Params::new().iterations(0),
        ),
        (
            "OpenCV",
            bilateral_params_opencv(5, 0.2 * fs, 3.0),
            Params::opencv(5, 0.2 * fs, 3.0),
        ),
    ]
    .into_iter()
    .map(|(name, c, rust)| (name.to_owned(), c, rust))
    .collect::<Vec<_>>();
    for (constant, backend) in [
        (BILATERAL_BACKEND_SCALAR, Backend::Scalar),
        (BILATERAL_BACKEND_PORTABLE, Backend::Portable),
        (BILATERAL_BACKEND_AVX2, Backend::Avx2),
        (BILATERAL_BACKEND_AVX512, Backend::Avx512),
    ] {
        if backend.is_available() {
            cases.push((
                format!("backend {backend}"),
                BilateralParams {
                    backend: constant,
                    ..d
                },
                Params::new().backend(backend),
            ));
        } else {
            eprintln!("SKIPPED backend {backend}: not available on this CPU");
        }
    }
    cases
}

/// Every case on random images of a few sizes and every channel count, source and destination
/// rows padded differently: the C call's bytes, padding included, are the library's.
fn same_as_library<T: CSample>(seed: u64) {
    let mut rng = Rng::new(seed);
    let marker = T::random(0xA5A5_A5A5);
    for (width, height) in [(37, 23), (5, 3), (1, 1)] {
        for channels in 1..=4 {
            let src = Image::<T>::random(width, height, channels, 3, T::ZERO, &mut rng);
            for (name, c_params, rust_params) in cases(T::FULL_SCALE) {
                let mut want = Image::filled(width, height, channels, 5, marker);
                rust_filter(&src, &mut want, &rust_params).expect("valid parameters");
                let mut got = Image::filled(width, height, channels, 5, marker);
                let what = format!("{name}, {width}x{height}x{channels}");
                assert_eq!(
                    c_filter(&src, &mut got, &c_params),
                    BilateralStatus::Ok,
                    "{what}"
                );
                assert!(got.bits() == want.bits(), "{what}: the bytes differ");
            }
        }
    }
}

#[test]
fn u8_results_are_the_library_s() {
    same_as_library::<u8>(1);
}

#[test]
fn u16_results_are_the_library_s() {
    same_as_library::<u16>(2);
}

#[test]
fn f32_results_are_the_library_s() {
    same_as_library::<f32>(3);
}

/// A photo filtered on 1 and 3 threads and on the global pool: the same bytes.
fn threads_agree<T: CSample>(to_sample: impl Fn(u8) -> T) {
    let photo = common::photo("chelsea.png").to_rgb8();
    let (width, height) = (photo.width() as usize, photo.height() as usize);
    let src = Image {
        data: photo.into_raw().into_iter().map(to_sample).collect(),
        width,
        height,
        channels: 3,
        stride: width * 3,
    };
    let fs = f64::from(T::FULL_SCALE);
    let params = BilateralParams {
        radius: 3,
        sigma_range: 0.12 * fs,
        ..bilateral_params_default()
    };
    let mut want = Image::filled(width, height, 3, 0, T::ZERO);
    rust_filter(
        &src,
        &mut want,
        &Params::new().radius(3).sigma_range(0.12 * fs),
    )
    .expect("valid parameters");
    for threads in [1, 3, 0, 1] {
        let mut got = Image::filled(width, height, 3, 0, T::ZERO);
        let params = BilateralParams { threads, ..params };
        assert_eq!(c_filter(&src, &mut got, &params), BilateralStatus::Ok);
        assert!(
            got.bits() == want.bits(),
            "{threads} threads: the bytes differ"
        );
    }
}

#[test]
fn thread_counts_give_the_same_bytes_u8() {
    threads_agree(|v| v);
}

#[test]
fn thread_counts_give_the_same_bytes_f32() {
    threads_agree(|v| f32::from(v) / 255.0);
}
