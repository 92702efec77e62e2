//! The exported C functions: the only code that turns C's pointers into Rust references.
//!
//! Each filter call checks everything it can (NULL pointers, enum values, geometry, alignment,
//! overlap) before it makes a slice, and runs inside `catch_unwind`, so that neither bad input
//! nor a bug in the library unwinds into the host. The functions without a status cannot panic.

use std::ffi::{c_char, c_int};
use std::panic::{self, AssertUnwindSafe};
use std::slice;

use bilateral::{ImageView, ImageViewMut, Sample};

use crate::extent::Extent;
use crate::{BilateralParams, BilateralStatus, pool};

/// Filters an image of 8-bit samples from `src` into `dst`.
///
/// Row `y` of an image starts `y * stride_bytes` bytes after its first sample and holds
/// `width * channels` interleaved samples; with 2 or 4 channels the last is alpha. Strides are
/// in bytes, at least `width * channels * sizeof(sample)` and a multiple of `sizeof(sample)`;
/// the two images may have different strides. The last row needs no padding.
///
/// Returns `BILATERAL_STATUS_OK`, or the status of the first check that failed; then `dst` is
/// untouched, except after `BILATERAL_STATUS_INVALID_SAMPLE` or `BILATERAL_STATUS_PANIC`. The
/// result is the same bytes for any strides, thread count and backend choice that runs, and
/// the same as the Rust library's `bilateral::filter_into`.
///
/// # Safety
/// - `src` must be NULL or valid for reads of its span, the
///   `(height - 1) * src_stride_bytes + width * channels * sizeof(sample)` bytes from `src`,
///   which nothing may write during the call.
/// - `dst` must be NULL or valid for reads and writes of its span, computed likewise, which
///   nothing else may read or write during the call. Its row padding is left as it was.
/// - The two spans must not overlap (not even in row padding): an overlap is refused with
///   `BILATERAL_STATUS_OVERLAP`, so filtering in place is not possible.
/// - `params` must be NULL or point to a readable `BilateralParams` (which is not modified).
/// - NULL pointers, geometry, strides, alignment and parameter values are checked; the rest of
///   this contract cannot be and is the caller's. Calls may run at the same time on several
///   threads.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bilateral_filter_u8(
    src: *const u8,
    src_stride_bytes: usize,
    dst: *mut u8,
    dst_stride_bytes: usize,
    width: usize,
    height: usize,
    channels: usize,
    params: *const BilateralParams,
) -> BilateralStatus {
    // SAFETY: the caller keeps the contract above, which is `filter`'s.
    unsafe {
        filter(
            src,
            src_stride_bytes,
            dst,
            dst_stride_bytes,
            width,
            height,
            channels,
            params,
        )
    }
}

/// Filters an image of 16-bit samples (0 to 65535; `sigma_range` and `beta` in those units)
/// from `src` into `dst`, as `bilateral_filter_u8` does. Both pointers must be aligned to 2
/// bytes, else `BILATERAL_STATUS_MISALIGNED`.
///
/// # Safety
/// As for `bilateral_filter_u8`, with `sizeof(sample)` = 2.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bilateral_filter_u16(
    src: *const u16,
    src_stride_bytes: usize,
    dst: *mut u16,
    dst_stride_bytes: usize,
    width: usize,
    height: usize,
    channels: usize,
    params: *const BilateralParams,
) -> BilateralStatus {
    // SAFETY: the caller keeps the contract of `bilateral_filter_u8`, which is `filter`'s.
    unsafe {
        filter(
            src,
            src_stride_bytes,
            dst,
            dst_stride_bytes,
            width,
            height,
            channels,
            params,
        )
    }
}

/// Filters an image of 32-bit float samples from `src` into `dst`, as `bilateral_filter_u8`
/// does. Both pointers must be aligned to 4 bytes, else `BILATERAL_STATUS_MISALIGNED`. Every
/// sample must be finite and within +/-2^60, else `BILATERAL_STATUS_INVALID_SAMPLE`, after which
/// `dst` may hold partial results.
///
/// # Safety
/// As for `bilateral_filter_u8`, with `sizeof(sample)` = 4.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bilateral_filter_f32(
    src: *const f32,
    src_stride_bytes: usize,
    dst: *mut f32,
    dst_stride_bytes: usize,
    width: usize,
    height: usize,
    channels: usize,
    params: *const BilateralParams,
) -> BilateralStatus {
    // SAFETY: the caller keeps the contract of `bilateral_filter_u8`, which is `filter`'s.
    unsafe {
        filter(
            src,
            src_stride_bytes,
            dst,
            dst_stride_bytes,
            width,
            height,
            channels,
            params,
        )
    }
}

/// The library's default parameters: radius 2, `sigma_space` 1.5, `sigma_range` a tenth of
/// the sample type's full scale, square window, joint colour distance, reflect-101 border,
/// alpha kept, one iteration, all cores, the fastest backend.
#[unsafe(no_mangle)]
pub extern "C" fn bilateral_params_default() -> BilateralParams {
    BilateralParams::default()
}

/// OpenCV's `cv::bilateralFilter(src, dst, d, sigmaColor, sigmaSpace)`: radius `d / 2`, or
/// `round(1.5 * sigma_space)` (half to even) when `d <= 0`, at least 1; the disc window; the L1
/// colour distance; reflect-101 borders; `alpha` and `beta` from the sigmas. A sigma <= 1e-6 or
/// NaN gives radius 0, a copy, as in OpenCV 5; an infinite sigma weighs every tap alike. A
/// radius above 64 makes the filter calls return `BILATERAL_STATUS_RADIUS_TOO_LARGE`. The other
/// fields are the defaults.
#[unsafe(no_mangle)]
pub extern "C" fn bilateral_params_opencv(
    d: i32,
    sigma_color: f64,
    sigma_space: f64,
) -> BilateralParams {
    BilateralParams::opencv(d, sigma_color, sigma_space)
}

/// A one-line description of a status, in static storage: never NULL, never to be freed.
/// An `int` that is no `BilateralStatus` gives "unknown status".
#[unsafe(no_mangle)]
pub extern "C" fn bilateral_status_message(status: c_int) -> *const c_char {
    BilateralStatus::from_int(status)
        .map_or(c"unknown status", BilateralStatus::message)
        .as_ptr()
}

/// The library's version, such as "0.1.0", in static storage: never NULL, never to be freed.
#[unsafe(no_mangle)]
pub extern "C" fn bilateral_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The body of the three filter functions.
///
/// # Safety
/// The contract of [`bilateral_filter_u8`], for samples of type `T`.
unsafe fn filter<T: Sample>(
    src: *const T,
    src_stride_bytes: usize,
    dst: *mut T,
    dst_stride_bytes: usize,
    width: usize,
    height: usize,
    channels: usize,
    params: *const BilateralParams,
) -> BilateralStatus {
    guarded(|| {
        if src.is_null() || dst.is_null() || params.is_null() {
            return Err(BilateralStatus::NullPointer);
        }
        // SAFETY: not NULL (checked above) and readable (contract); `read_unaligned` asks for
        // no alignment, and every bit pattern is a valid value of each field.
        let c_params = unsafe { params.read_unaligned() };
        let rust_params = c_params.to_params()?;
        let src_extent = Extent::new(src, src_stride_bytes, width, height, channels)?;
        let dst_extent = Extent::new(dst.cast_const(), dst_stride_bytes, width, height, channels)?;
        if src_extent.overlaps(&dst_extent) {
            return Err(BilateralStatus::Overlap);
        }
        // SAFETY: `src` is not NULL, aligned for T and its span fits in `isize` (Extent::new);
        // the span is readable and not written during the call (contract), in particular not
        // through `dst`, whose span is disjoint (checked above).
        let src = unsafe { slice::from_raw_parts(src, src_extent.len) };
        // SAFETY: as for `src`; the span is readable and writable and no other reference to it
        // exists during the call (contract), `src` included (disjoint, checked above).
        let dst = unsafe { slice::from_raw_parts_mut(dst, dst_extent.len) };
        let to_status = |e: bilateral::Error| BilateralStatus::from(&e);
        let src = ImageView::new(src, src_extent.layout).map_err(to_status)?;
        let dst = ImageViewMut::new(dst, dst_extent.layout).map_err(to_status)?;
        let threads = usize::try_from(c_params.threads).unwrap_or(usize::MAX);
        pool::install(threads, || bilateral::filter_into(src, dst, &rust_params))
            .map_err(|_| BilateralStatus::ThreadPool)?
            .map_err(to_status)
    })
}

/// Runs `call` and turns a panic into [`BilateralStatus::Panic`]: unwinding into C would abort
/// the host. Unwind safety is asserted because after a panic nothing of this call is used
/// again but `dst`, whose contents the status already says are unspecified.
fn guarded(call: impl FnOnce() -> Result<(), BilateralStatus>) -> BilateralStatus {
    match panic::catch_unwind(AssertUnwindSafe(call)) {
        Ok(Ok(())) => BilateralStatus::Ok,
        Ok(Err(status)) => status,
        Err(_) => BilateralStatus::Panic,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_status() {
        assert_eq!(guarded(|| panic!("a bug")), BilateralStatus::Panic);
        assert_eq!(guarded(|| Ok(())), BilateralStatus::Ok);
        assert_eq!(
            guarded(|| Err(BilateralStatus::Overlap)),
            BilateralStatus::Overlap
        );
    }
}
