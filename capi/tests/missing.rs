//! The NaN policy, the no-data value and the progress callback through the C ABI: the bytes
//! of the Rust library, the statuses of bad values, and a callback that stops the call.

mod common;

use std::ffi::{c_int, c_void};
use std::sync::atomic::{AtomicU64, Ordering};

use bilateral::{NanPolicy, Params};
use bilateral_capi::*;
use common::{Image, Rng, as_guide, c_filter, c_filter_guided, rust_filter};

#[test]
fn policies_and_nodata_give_the_librarys_bytes() {
    let mut rng = Rng::new(31);
    let mut img = Image::<f32>::random(45, 23, 3, 5, 0.0, &mut rng);
    for i in (0..img.data.len()).step_by(29) {
        img.data[i] = f32::NAN;
    }
    for (nan, policy) in [
        (BILATERAL_NAN_SKIP, NanPolicy::Skip),
        (BILATERAL_NAN_FILL, NanPolicy::Fill),
    ] {
        let c = BilateralParams {
            nan_policy: nan,
            ..bilateral_params_default()
        };
        let mut got = Image::<f32>::filled(45, 23, 3, 3, 7.0);
        assert_eq!(c_filter(&img, &mut got, &c), BilateralStatus::Ok);
        let mut want = Image::<f32>::filled(45, 23, 3, 3, 7.0);
        rust_filter(&img, &mut want, &Params::new().nan_policy(policy)).unwrap();
        assert_eq!(got.bits(), want.bits(), "{policy}");
    }
    let mut gray = Image::<u8>::random(40, 20, 1, 0, 0, &mut rng);
    gray.data[17] = 9;
    let c = BilateralParams {
        nan_policy: BILATERAL_NAN_FILL,
        use_nodata: 1,
        nodata: 9.0,
        ..bilateral_params_default()
    };
    let mut got = Image::<u8>::filled(40, 20, 1, 0, 0);
    assert_eq!(c_filter(&gray, &mut got, &c), BilateralStatus::Ok);
    let mut want = Image::<u8>::filled(40, 20, 1, 0, 0);
    let p = Params::new().nan_policy(NanPolicy::Fill).nodata(9.0);
    rust_filter(&gray, &mut want, &p).unwrap();
    assert_eq!(got.bits(), want.bits());
}

#[test]
fn bad_missing_values_have_their_statuses() {
    let img = Image::<u8>::filled(8, 8, 1, 0, 9);
    let mut dst = Image::<u8>::filled(8, 8, 1, 0, 0);
    let d = bilateral_params_default();
    for (params, status) in [
        (
            BilateralParams { nan_policy: 3, ..d },
            BilateralStatus::InvalidEnum,
        ),
        (
            BilateralParams {
                nan_policy: BILATERAL_NAN_SKIP,
                use_nodata: 1,
                nodata: f64::NAN,
                ..d
            },
            BilateralStatus::InvalidNodata,
        ),
        (
            BilateralParams {
                use_nodata: 1,
                nodata: 256.0,
                ..d
            },
            BilateralStatus::InvalidNodata,
        ),
        (
            BilateralParams {
                use_nodata: 1,
                nodata: 9.0,
                ..d
            },
            BilateralStatus::MissingSample,
        ),
    ] {
        assert_eq!(c_filter(&img, &mut dst, &params), status);
    }
}

/// Counts the rows it is told of in the `AtomicU64` behind `user`; asks to stop past half.
unsafe extern "C" fn stop_past_half(user: *mut c_void, done: u64, total: u64) -> c_int {
    // SAFETY: the tests pass a pointer to a live AtomicU64.
    let most = unsafe { &*user.cast::<AtomicU64>() };
    most.fetch_max(done, Ordering::Relaxed);
    c_int::from(2 * done >= total)
}

unsafe extern "C" fn go_on(user: *mut c_void, done: u64, _total: u64) -> c_int {
    // SAFETY: as in `stop_past_half`.
    unsafe { &*user.cast::<AtomicU64>() }.fetch_max(done, Ordering::Relaxed);
    0
}

#[test]
fn the_progress_callback_sees_every_row_and_can_stop() {
    let mut rng = Rng::new(5);
    let img = Image::<u16>::random(64, 300, 1, 0, 0, &mut rng);
    let most = AtomicU64::new(0);
    let user = std::ptr::from_ref(&most).cast_mut().cast::<c_void>();
    let d = bilateral_params_default();
    let mut got = Image::<u16>::filled(64, 300, 1, 0, 0);
    let go = BilateralParams {
        progress: Some(go_on),
        progress_user: user,
        iterations: 2,
        ..d
    };
    assert_eq!(c_filter(&img, &mut got, &go), BilateralStatus::Ok);
    assert_eq!(most.load(Ordering::Relaxed), 600);
    let mut want = Image::<u16>::filled(64, 300, 1, 0, 0);
    rust_filter(&img, &mut want, &Params::new().iterations(2)).unwrap();
    assert_eq!(got.bits(), want.bits());
    let stop = BilateralParams {
        progress: Some(stop_past_half),
        progress_user: user,
        threads: 1,
        ..d
    };
    assert_eq!(c_filter(&img, &mut got, &stop), BilateralStatus::Stopped);
    // The joint filter calls it too.
    let guide = Image::<u8>::random(64, 300, 3, 0, 0, &mut rng);
    most.store(0, Ordering::Relaxed);
    assert_eq!(
        c_filter_guided(&img, &as_guide(&guide), &mut got, &go),
        BilateralStatus::Ok
    );
    assert_eq!(most.load(Ordering::Relaxed), 600);
    assert_eq!(
        c_filter_guided(&img, &as_guide(&guide), &mut got, &stop),
        BilateralStatus::Stopped
    );
}
