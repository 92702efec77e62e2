//! The guided calls, `bilateral_filter_guided_*` and `bilateral_upsample_*`: their bytes are the
//! library's for every pair of sample types, with padded rows; each guide error has its status
//! and leaves `dst` untouched.

mod common;

use std::ptr;

use bilateral::{ImageView, ImageViewMut, Params};
use bilateral_capi::*;
use common::{CSample, Image, Rng, as_guide, c_filter_guided, c_upsample};

fn params(full_scale: f32) -> (BilateralParams, Params) {
    let mut c = bilateral_params_default();
    c.radius = 3;
    c.sigma_range = f64::from(full_scale) * 0.2;
    c.window = BILATERAL_WINDOW_DISC;
    c.distance = BILATERAL_DISTANCE_L1;
    let rust = Params::new()
        .radius(3)
        .sigma_range(f64::from(full_scale) * 0.2)
        .window(bilateral::Window::Disc)
        .distance(bilateral::ColorDistance::L1);
    (c, rust)
}

fn same_as_library<T: CSample, G: CSample>(seed: u64) {
    let mut rng = Rng::new(seed);
    let marker = T::random(0x5A5A_5A5A);
    let (c_params, rust_params) = params(G::FULL_SCALE);
    for (w, h, channels, guide_channels) in [(37, 23, 3, 1), (5, 3, 1, 3), (17, 9, 4, 2)] {
        let src = Image::<T>::random(w, h, channels, 3, T::ZERO, &mut rng);
        let guide = Image::<G>::random(w, h, guide_channels, 2, G::ZERO, &mut rng);
        let mut want = Image::filled(w, h, channels, 5, marker);
        let want_layout = want.layout();
        bilateral::filter_guided_into(
            ImageView::new(&src.data, src.layout()).unwrap(),
            ImageView::new(&guide.data, guide.layout()).unwrap(),
            ImageViewMut::new(&mut want.data, want_layout).unwrap(),
            &rust_params,
        )
        .unwrap();
        let mut got = Image::filled(w, h, channels, 5, marker);
        assert_eq!(
            c_filter_guided(&src, &as_guide(&guide), &mut got, &c_params),
            BilateralStatus::Ok
        );
        assert!(got.bits() == want.bits(), "guided {w}x{h}x{channels}");
        // Upsampling 3x under a guide of 3w x 3h.
        let big = Image::<G>::random(3 * w, 3 * h, guide_channels, 1, G::ZERO, &mut rng);
        let mut want = Image::filled(3 * w, 3 * h, channels, 2, marker);
        let want_layout = want.layout();
        bilateral::upsample_into(
            ImageView::new(&src.data, src.layout()).unwrap(),
            ImageView::new(&big.data, big.layout()).unwrap(),
            ImageViewMut::new(&mut want.data, want_layout).unwrap(),
            &rust_params,
        )
        .unwrap();
        let mut got = Image::filled(3 * w, 3 * h, channels, 2, marker);
        assert_eq!(
            c_upsample(&src, &as_guide(&big), &mut got, &c_params),
            BilateralStatus::Ok
        );
        assert!(got.bits() == want.bits(), "upsample {w}x{h}x{channels}");
    }
}

#[test]
fn u8_under_each_guide_type_is_the_library_s() {
    same_as_library::<u8, u8>(1);
    same_as_library::<u8, u16>(2);
    same_as_library::<u8, f32>(3);
}

#[test]
fn u16_and_f32_under_each_guide_type_are_the_library_s() {
    same_as_library::<u16, f32>(4);
    same_as_library::<f32, u8>(5);
    same_as_library::<f32, f32>(6);
}

#[test]
fn guide_errors_have_their_status_and_write_nothing() {
    let mut rng = Rng::new(9);
    let src = Image::<u8>::random(8, 6, 1, 0, 0, &mut rng);
    let mut dst = Image::filled(8, 6, 1, 0, 7u8);
    let p = bilateral_params_default();
    let guide = Image::<f32>::random(8, 6, 3, 0, 0.0, &mut rng);
    let ok = as_guide(&guide);
    let check = |g: BilateralGuide, p: &BilateralParams, want, dst: &mut Image<u8>| {
        assert_eq!(c_filter_guided(&src, &g, dst, p), want, "{g:?}");
    };
    check(
        BilateralGuide { width: 7, ..ok },
        &p,
        BilateralStatus::GuideSize,
        &mut dst,
    );
    check(
        BilateralGuide {
            sample_type: 9,
            ..ok
        },
        &p,
        BilateralStatus::InvalidEnum,
        &mut dst,
    );
    check(
        BilateralGuide {
            data: ptr::null(),
            ..ok
        },
        &p,
        BilateralStatus::NullPointer,
        &mut dst,
    );
    check(
        BilateralGuide { channels: 5, ..ok },
        &p,
        BilateralStatus::UnsupportedChannels,
        &mut dst,
    );
    let mut per_channel = p;
    per_channel.distance = BILATERAL_DISTANCE_PER_CHANNEL;
    check(ok, &per_channel, BilateralStatus::GuideChannels, &mut dst);
    let mut nan = guide.clone();
    nan.data[4] = f32::NAN;
    check(
        as_guide(&nan),
        &p,
        BilateralStatus::InvalidGuideSample,
        &mut dst,
    );
    // A guide whose bytes are dst's.
    let alias = BilateralGuide {
        data: dst.data.as_ptr().cast(),
        stride_bytes: 8,
        sample_type: BILATERAL_SAMPLE_U8,
        width: 8,
        height: 6,
        channels: 1,
    };
    check(alias, &p, BilateralStatus::Overlap, &mut dst);
    assert!(dst.data.iter().all(|&v| v == 7), "nothing written");
    // A NULL guide pointer.
    // SAFETY: every pointer but the guide's is live; the guide's NULL is what is checked.
    let status = unsafe {
        bilateral_filter_guided_u8(
            src.data.as_ptr(),
            8,
            dst.data.as_mut_ptr(),
            8,
            8,
            6,
            1,
            ptr::null(),
            &p,
        )
    };
    assert_eq!(status, BilateralStatus::NullPointer);
    // Upsampling under a guide that is no integer multiple.
    let odd = Image::<u8>::random(17, 12, 1, 0, 0, &mut rng);
    let mut up = Image::filled(17, 12, 1, 0, 7u8);
    assert_eq!(
        c_upsample(&src, &as_guide(&odd), &mut up, &p),
        BilateralStatus::UpsampleScale
    );
    assert!(up.data.iter().all(|&v| v == 7), "nothing written");
}
