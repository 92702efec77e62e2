//! Bad input, one row per case: each gives its exact error variant, never a panic.

use bilateral::{Backend, Border, Error, ImageView, ImageViewMut, Layout, MAX_RADIUS, Params};

fn run_u8(data: &[u8], layout: Layout, params: &Params) -> Result<Vec<u8>, Error> {
    bilateral::filter(ImageView::new(data, layout)?, params)
}

#[test]
fn parameters_are_checked() {
    let img = vec![7u8; 64];
    let l = Layout::packed(8, 8, 1);
    let nan = f64::NAN;
    let inf = f64::INFINITY;
    let cases: Vec<(Params, Error)> = vec![
        (
            Params::new().sigma_space(nan),
            Error::InvalidSigmaSpace(nan),
        ),
        (
            Params::new().sigma_space(inf),
            Error::InvalidSigmaSpace(inf),
        ),
        (
            Params::new().sigma_space(-1.0),
            Error::InvalidSigmaSpace(-1.0),
        ),
        (
            Params::new().sigma_space(0.0),
            Error::InvalidSigmaSpace(0.0),
        ),
        (
            Params::new().sigma_range(nan),
            Error::InvalidSigmaRange(nan),
        ),
        (
            Params::new().sigma_range(-inf),
            Error::InvalidSigmaRange(-inf),
        ),
        (
            Params::new().sigma_range(-3.0),
            Error::InvalidSigmaRange(-3.0),
        ),
        (Params::new().alpha(nan), Error::InvalidAlpha(nan)),
        (Params::new().alpha(-0.5), Error::InvalidAlpha(-0.5)),
        (Params::new().alpha(inf), Error::InvalidAlpha(inf)),
        (Params::new().beta(nan), Error::InvalidBeta(nan)),
        (Params::new().beta(-1e-9), Error::InvalidBeta(-1e-9)),
        (Params::new().beta(inf), Error::InvalidBeta(inf)),
        (
            Params::new().radius(MAX_RADIUS + 1),
            Error::RadiusTooLarge {
                radius: MAX_RADIUS + 1,
                max: MAX_RADIUS,
            },
        ),
        (
            Params::new().border(Border::Constant(f32::NAN)),
            Error::InvalidBorderValue(f64::NAN),
        ),
        (Params::new().tile_height(0), Error::ZeroTileHeight),
        // Beyond ±2^60 a border's difference from a sample could overflow f32.
        (
            Params::new().border(Border::Constant(1e30)),
            Error::InvalidBorderValue(1e30f32 as f64),
        ),
    ];
    for (params, want) in cases {
        let got = run_u8(&img, l, &params).unwrap_err();
        // NaN != NaN: compare the messages, which carry the values.
        assert_eq!(got.to_string(), want.to_string(), "{params:?}");
        assert_eq!(std::mem::discriminant(&got), std::mem::discriminant(&want));
    }
}

#[test]
fn valid_extremes_are_accepted() {
    let img = vec![7u8; 4];
    let l = Layout::packed(2, 2, 1);
    for p in [
        Params::new().radius(0),
        Params::new().radius(MAX_RADIUS),
        Params::new().alpha(0.0).beta(0.0),
        Params::new().sigma_space(1e-300).sigma_range(1e300),
        Params::new().iterations(0),
        Params::new().tile_height(usize::MAX),
    ] {
        assert_eq!(run_u8(&img, l, &p).unwrap(), img, "{p:?}");
    }
    // Sigmas so small that 1/(2σ²) overflows weigh every neighbour 0: the image itself.
    let ramp = [0u8, 50, 100, 150];
    for p in [
        Params::new().sigma_space(1e-200),
        Params::new().sigma_range(1e-200),
    ] {
        assert_eq!(run_u8(&ramp, l, &p).unwrap(), ramp, "{p:?}");
        let exact = bilateral::oracle::reference(ImageView::new(&ramp, l).unwrap(), &p).unwrap();
        for (v, want) in exact.values.iter().zip([0.0, 50.0, 100.0, 150.0]) {
            assert!((v - want).abs() < 1e-9, "{p:?}: {v} vs {want}");
        }
    }
    // A 1x1 image with a radius far beyond it.
    assert_eq!(
        run_u8(&[9], Layout::packed(1, 1, 1), &Params::new().radius(40)).unwrap(),
        [9]
    );
}

#[test]
fn geometry_is_checked() {
    let buf = [0u8; 100];
    let with_stride = |w, h, stride, c| Layout {
        width: w,
        height: h,
        stride,
        channels: c,
    };
    let cases = [
        (
            Layout::packed(0, 4, 1),
            Error::EmptyImage {
                width: 0,
                height: 4,
            },
        ),
        (
            Layout::packed(4, 0, 1),
            Error::EmptyImage {
                width: 4,
                height: 0,
            },
        ),
        (Layout::packed(4, 4, 0), Error::UnsupportedChannels(0)),
        (Layout::packed(4, 4, 5), Error::UnsupportedChannels(5)),
        (
            with_stride(10, 2, 9, 1),
            Error::StrideTooSmall { stride: 9, min: 10 },
        ),
        (
            with_stride(4, 2, 7, 2),
            Error::StrideTooSmall { stride: 7, min: 8 },
        ),
        (
            Layout::packed(11, 10, 1),
            Error::BufferTooShort {
                len: 100,
                needed: 110,
            },
        ),
        (
            with_stride(4, 9, 13, 1),
            Error::BufferTooShort {
                len: 100,
                needed: 108,
            },
        ),
        (
            with_stride(usize::MAX / 2 + 1, 3, usize::MAX, 2),
            Error::GeometryOverflow,
        ),
    ];
    for (layout, want) in cases {
        assert_eq!(
            ImageView::new(&buf, layout).unwrap_err(),
            want,
            "{layout:?}"
        );
    }
    // The last row needs no padding to the full stride: (9 - 1) * 12 + 4 = 100 fits.
    assert!(ImageView::new(&buf, with_stride(4, 9, 12, 1)).is_ok());
}

#[test]
fn source_and_destination_must_match() {
    let src = [1u8; 12];
    let mut dst = [0u8; 12];
    let err = bilateral::filter_into(
        ImageView::new(&src, Layout::packed(4, 3, 1)).unwrap(),
        ImageViewMut::new(&mut dst, Layout::packed(3, 4, 1)).unwrap(),
        &Params::new(),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::SizeMismatch {
                src_width: 4,
                dst_width: 3,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(dst, [0; 12], "nothing written on a refused call");
}

#[test]
fn strided_views_filter_like_packed_ones() {
    // A 5x3 RGB image inside rows of 20 samples, written into rows of 17.
    let (w, h) = (5, 3);
    let packed: Vec<u8> = (0..w * h * 3).map(|i| (i * 37 % 251) as u8).collect();
    let mut strided = vec![0u8; 20 * h];
    for y in 0..h {
        strided[y * 20..y * 20 + w * 3].copy_from_slice(&packed[y * w * 3..(y + 1) * w * 3]);
    }
    let mut out = vec![0u8; 17 * (h - 1) + w * 3];
    let p = Params::new().sigma_range(40.0);
    bilateral::filter_into(
        ImageView::new(
            &strided,
            Layout {
                width: w,
                height: h,
                stride: 20,
                channels: 3,
            },
        )
        .unwrap(),
        ImageViewMut::new(
            &mut out,
            Layout {
                width: w,
                height: h,
                stride: 17,
                channels: 3,
            },
        )
        .unwrap(),
        &p,
    )
    .unwrap();
    let want = bilateral::filter(
        ImageView::new(&packed, Layout::packed(w, h, 3)).unwrap(),
        &p,
    )
    .unwrap();
    for y in 0..h {
        assert_eq!(
            out[y * 17..y * 17 + w * 3],
            want[y * w * 3..(y + 1) * w * 3]
        );
    }
}

/// Policy: f32 samples must be finite and within ±2^60; the first bad one in row-major order is
/// named, whichever tile or thread met it, so a NaN never spreads silently through a window.
#[test]
fn invalid_samples_are_named() {
    let cases = [
        (f32::NAN, (3, 2, 0)),
        (f32::INFINITY, (0, 0, 2)),
        (f32::NEG_INFINITY, (39, 41, 1)),
        (2e18, (17, 9, 2)),
    ];
    for (bad, (x, y, c)) in cases {
        let (w, h) = (40, 42);
        let mut img = vec![0.5f32; w * h * 3];
        img[(y * w + x) * 3 + c] = bad;
        // A second bad sample later in row-major order must not be the one reported.
        img[w * h * 3 - 1] = f32::NAN;
        if (x, y, c) == (39, 41, 1) {
            img[w * h * 3 - 1] = 0.5;
        }
        for backend in Backend::available() {
            for radius in [0, 2] {
                let p = Params::new().radius(radius).backend(backend).tile_height(3);
                let err =
                    bilateral::filter(ImageView::new(&img, Layout::packed(w, h, 3)).unwrap(), &p)
                        .unwrap_err();
                match err {
                    Error::InvalidSample {
                        x: ex,
                        y: ey,
                        channel,
                        value,
                    } => {
                        assert_eq!((ex, ey, channel), (x, y, c), "{backend} r={radius}");
                        assert_eq!(value.to_bits(), bad.to_bits());
                    }
                    other => panic!("{backend}: {other}"),
                }
            }
        }
    }
    // A kept alpha channel is checked too, though it is only copied.
    for radius in [0, 2] {
        let img = [0.0f32, 0.5, 0.25, f32::NAN];
        let err = bilateral::filter(
            ImageView::new(&img, Layout::packed(2, 1, 2)).unwrap(),
            &Params::new().radius(radius),
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidSample {
                    x: 1,
                    y: 0,
                    channel: 1,
                    ..
                }
            ),
            "r={radius}: {err}"
        );
    }
    // The largest magnitude allowed passes.
    let img = [
        bilateral::MAX_SAMPLE_MAGNITUDE,
        -bilateral::MAX_SAMPLE_MAGNITUDE,
        0.0,
        1.0,
    ];
    assert!(
        bilateral::filter(
            ImageView::new(&img, Layout::packed(2, 2, 1)).unwrap(),
            &Params::new()
        )
        .is_ok()
    );
}

#[test]
fn unavailable_backend_is_an_error() {
    for b in Backend::ALL.into_iter().filter(|b| !b.is_available()) {
        let err = run_u8(&[1; 4], Layout::packed(2, 2, 1), &Params::new().backend(b)).unwrap_err();
        assert!(matches!(err, Error::BackendUnavailable { wanted, .. } if wanted == b));
        assert!(err.to_string().contains("scalar, portable"), "{err}");
    }
}
