//! The exported C functions: the only code that turns C's pointers into Rust references.
//!
//! Each filter call checks everything it can (NULL pointers, enum values, geometry, alignment,
//! overlap) before it makes a slice, and runs inside `catch_unwind`, so that neither bad input
//! nor a bug in the library unwinds into the host. The functions without a status cannot panic.

use std::ffi::{c_char, c_int, c_void};
use std::panic::{self, AssertUnwindSafe};
use std::slice;

use bilateral::{Flow, ImageView, ImageViewMut, Progress, Sample};

use crate::extent::Extent;
use crate::{
    BILATERAL_SAMPLE_F32, BILATERAL_SAMPLE_U8, BILATERAL_SAMPLE_U16, BilateralGuide,
    BilateralParams, BilateralStatus, pool,
};

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

/// The joint (cross) bilateral filter of an 8-bit image from `src` into `dst`: the range
/// weights from `guide` (the image's width and height, its own sample type and 1 to 4
/// channels; `sigma_range` and `beta` in the guide's units, the distance over its channels).
/// As `bilateral_filter_u8` otherwise; the guide is checked before anything is written
/// (`BILATERAL_STATUS_GUIDE_SIZE`, `_GUIDE_CHANNELS`, `_INVALID_GUIDE_SAMPLE`; a guide
/// overlapping `dst` is `BILATERAL_STATUS_OVERLAP`, a bad `sample_type`
/// `BILATERAL_STATUS_INVALID_ENUM`). The tolerance does not apply (the exact filter runs).
///
/// # Safety
/// As for `bilateral_filter_u8`; `guide` must be NULL or point to a readable `BilateralGuide`
/// whose `data` is NULL or valid for reads of its span (computed as for `src`, with its own
/// stride, width, height, channels and sample size), which nothing writes during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bilateral_filter_guided_u8(
    src: *const u8,
    src_stride_bytes: usize,
    dst: *mut u8,
    dst_stride_bytes: usize,
    width: usize,
    height: usize,
    channels: usize,
    guide: *const BilateralGuide,
    params: *const BilateralParams,
) -> BilateralStatus {
    let image = Image::new(src, src_stride_bytes, width, height, channels);
    let dst = Image::new(dst, dst_stride_bytes, width, height, channels);
    // SAFETY: the caller keeps the contract above, which is `run`'s.
    unsafe { run(image, dst, Some(guide), Op::Guided, params) }
}

/// `bilateral_filter_guided_u8` for 16-bit images.
///
/// # Safety
/// As for `bilateral_filter_guided_u8`, with `sizeof(sample)` = 2.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bilateral_filter_guided_u16(
    src: *const u16,
    src_stride_bytes: usize,
    dst: *mut u16,
    dst_stride_bytes: usize,
    width: usize,
    height: usize,
    channels: usize,
    guide: *const BilateralGuide,
    params: *const BilateralParams,
) -> BilateralStatus {
    let image = Image::new(src, src_stride_bytes, width, height, channels);
    let dst = Image::new(dst, dst_stride_bytes, width, height, channels);
    // SAFETY: as in `bilateral_filter_guided_u8`.
    unsafe { run(image, dst, Some(guide), Op::Guided, params) }
}

/// `bilateral_filter_guided_u8` for f32 images.
///
/// # Safety
/// As for `bilateral_filter_guided_u8`, with `sizeof(sample)` = 4.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bilateral_filter_guided_f32(
    src: *const f32,
    src_stride_bytes: usize,
    dst: *mut f32,
    dst_stride_bytes: usize,
    width: usize,
    height: usize,
    channels: usize,
    guide: *const BilateralGuide,
    params: *const BilateralParams,
) -> BilateralStatus {
    let image = Image::new(src, src_stride_bytes, width, height, channels);
    let dst = Image::new(dst, dst_stride_bytes, width, height, channels);
    // SAFETY: as in `bilateral_filter_guided_u8`.
    unsafe { run(image, dst, Some(guide), Op::Guided, params) }
}

/// Joint bilateral upsampling of an 8-bit image `low` (`width` x `height`, `channels`) under
/// `guide`, whose width and height are the same integer multiple of `low`'s, into `dst` of the
/// guide's width and height and `low`'s channels (rows `dst_stride_bytes` apart). `radius`,
/// `sigma_space` and `alpha` are in low-resolution pixels, `sigma_range` and `beta` in the
/// guide's units; see the library's `upsample` for where the samples stand. Everything is
/// checked before anything is written; another size is `BILATERAL_STATUS_UPSAMPLE_SCALE`.
/// `iterations` and `tolerance` do not apply.
///
/// # Safety
/// As for `bilateral_filter_guided_u8`, with `dst`'s span that of the guide's width and height.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bilateral_upsample_u8(
    low: *const u8,
    low_stride_bytes: usize,
    width: usize,
    height: usize,
    channels: usize,
    dst: *mut u8,
    dst_stride_bytes: usize,
    guide: *const BilateralGuide,
    params: *const BilateralParams,
) -> BilateralStatus {
    let image = Image::new(low, low_stride_bytes, width, height, channels);
    // SAFETY: as in `bilateral_filter_guided_u8`; `run` reads the guide's size for `dst`.
    unsafe {
        run(
            image,
            Image::sized_by_guide(dst, dst_stride_bytes, channels),
            Some(guide),
            Op::Upsample,
            params,
        )
    }
}

/// `bilateral_upsample_u8` for 16-bit images.
///
/// # Safety
/// As for `bilateral_upsample_u8`, with `sizeof(sample)` = 2.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bilateral_upsample_u16(
    low: *const u16,
    low_stride_bytes: usize,
    width: usize,
    height: usize,
    channels: usize,
    dst: *mut u16,
    dst_stride_bytes: usize,
    guide: *const BilateralGuide,
    params: *const BilateralParams,
) -> BilateralStatus {
    let image = Image::new(low, low_stride_bytes, width, height, channels);
    // SAFETY: as in `bilateral_upsample_u8`.
    unsafe {
        run(
            image,
            Image::sized_by_guide(dst, dst_stride_bytes, channels),
            Some(guide),
            Op::Upsample,
            params,
        )
    }
}

/// `bilateral_upsample_u8` for f32 images.
///
/// # Safety
/// As for `bilateral_upsample_u8`, with `sizeof(sample)` = 4.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bilateral_upsample_f32(
    low: *const f32,
    low_stride_bytes: usize,
    width: usize,
    height: usize,
    channels: usize,
    dst: *mut f32,
    dst_stride_bytes: usize,
    guide: *const BilateralGuide,
    params: *const BilateralParams,
) -> BilateralStatus {
    let image = Image::new(low, low_stride_bytes, width, height, channels);
    // SAFETY: as in `bilateral_upsample_u8`.
    unsafe {
        run(
            image,
            Image::sized_by_guide(dst, dst_stride_bytes, channels),
            Some(guide),
            Op::Upsample,
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

/// An image as a C caller passes it: where it starts, its row stride and geometry (for an
/// upsampling `dst`, the guide's width and height, read once the guide is checked).
#[derive(Clone, Copy)]
struct Image<P> {
    ptr: P,
    stride_bytes: usize,
    size: Option<(usize, usize)>,
    channels: usize,
}

impl<P> Image<P> {
    fn new(ptr: P, stride_bytes: usize, width: usize, height: usize, channels: usize) -> Self {
        Image {
            ptr,
            stride_bytes,
            size: Some((width, height)),
            channels,
        }
    }

    fn sized_by_guide(ptr: P, stride_bytes: usize, channels: usize) -> Self {
        Image {
            ptr,
            stride_bytes,
            size: None,
            channels,
        }
    }
}

/// What a call computes.
#[derive(Clone, Copy, PartialEq)]
enum Op {
    Filter,
    Guided,
    Upsample,
}

/// The body of the three filter functions.
///
/// # Safety
/// The contract of [`bilateral_filter_u8`], for samples of type `T`.
#[allow(clippy::too_many_arguments)]
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
    let image = Image::new(src, src_stride_bytes, width, height, channels);
    let dst = Image::new(dst, dst_stride_bytes, width, height, channels);
    // SAFETY: forwarded from the caller.
    unsafe { run(image, dst, None, Op::Filter, params) }
}

/// The body of every filter and upsampling function: `op` on `src` (under `guide`, when there
/// is one) into `dst`.
///
/// # Safety
/// The contract of [`bilateral_filter_guided_u8`] (of [`bilateral_filter_u8`] without a
/// guide), for samples of type `T`.
unsafe fn run<T: Sample>(
    src: Image<*const T>,
    dst: Image<*mut T>,
    guide: Option<*const BilateralGuide>,
    op: Op,
    params: *const BilateralParams,
) -> BilateralStatus {
    guarded(|| {
        if src.ptr.is_null() || dst.ptr.is_null() || params.is_null() {
            return Err(BilateralStatus::NullPointer);
        }
        // SAFETY: not NULL (checked above) and readable (contract); `read_unaligned` asks for
        // no alignment, and every bit pattern is a valid value of each field.
        let c_params = unsafe { params.read_unaligned() };
        let rust_params = c_params.to_params()?;
        let guide = match guide {
            None => None,
            Some(g) if g.is_null() => return Err(BilateralStatus::NullPointer),
            // SAFETY: not NULL and readable (contract); any bit pattern is a valid value of
            // each field (a pointer, integers).
            Some(g) => Some(unsafe { g.read_unaligned() }),
        };
        let (width, height) = src.size.expect("the source has a size");
        let src_extent = Extent::new(src.ptr, src.stride_bytes, width, height, src.channels)?;
        let (dst_width, dst_height) = match (dst.size, &guide) {
            (Some(size), _) => size,
            (None, Some(g)) => (g.width, g.height),
            (None, None) => unreachable!("upsampling has a guide"),
        };
        let dst_extent = Extent::new(
            dst.ptr.cast_const(),
            dst.stride_bytes,
            dst_width,
            dst_height,
            dst.channels,
        )?;
        if src_extent.overlaps(&dst_extent) {
            return Err(BilateralStatus::Overlap);
        }
        // SAFETY: `src` is not NULL, aligned for T and its span fits in `isize` (Extent::new);
        // the span is readable and not written during the call (contract), in particular not
        // through `dst`, whose span is disjoint (checked above).
        let src_slice = unsafe { slice::from_raw_parts(src.ptr, src_extent.len) };
        let to_status = |e: bilateral::Error| BilateralStatus::from(&e);
        let src_view = ImageView::new(src_slice, src_extent.layout).map_err(to_status)?;
        let threads = usize::try_from(c_params.threads).unwrap_or(usize::MAX);
        let observer = c_params.progress.map(|call| CProgress {
            call,
            user: c_params.progress_user,
        });
        let Some(g) = guide else {
            // SAFETY: as for `src`; the span is readable and writable and no other reference
            // to it exists during the call (contract), `src` included (disjoint, checked).
            let dst_slice = unsafe { slice::from_raw_parts_mut(dst.ptr, dst_extent.len) };
            let dst_view = ImageViewMut::new(dst_slice, dst_extent.layout).map_err(to_status)?;
            return pool::install(threads, || match &observer {
                Some(o) => {
                    bilateral::filter_into_with_progress(src_view, dst_view, &rust_params, o)
                        .map(drop)
                }
                None => bilateral::filter_into(src_view, dst_view, &rust_params),
            })
            .map_err(|_| BilateralStatus::ThreadPool)?
            .map_err(to_status);
        };
        if g.data.is_null() {
            return Err(BilateralStatus::NullPointer);
        }
        // SAFETY: the guide's contract is `src`'s, for its own sample type, and `dst`'s span
        // is checked against the guide's before `dst` is made a slice.
        unsafe {
            match g.sample_type {
                BILATERAL_SAMPLE_U8 => with_guide::<T, u8>(
                    src_view,
                    &g,
                    dst,
                    dst_extent,
                    op,
                    &rust_params,
                    threads,
                    observer.as_ref(),
                ),
                BILATERAL_SAMPLE_U16 => with_guide::<T, u16>(
                    src_view,
                    &g,
                    dst,
                    dst_extent,
                    op,
                    &rust_params,
                    threads,
                    observer.as_ref(),
                ),
                BILATERAL_SAMPLE_F32 => with_guide::<T, f32>(
                    src_view,
                    &g,
                    dst,
                    dst_extent,
                    op,
                    &rust_params,
                    threads,
                    observer.as_ref(),
                ),
                _ => Err(BilateralStatus::InvalidEnum),
            }
        }
    })
}

/// The guided half of [`run`], once the guide's sample type is known.
///
/// # Safety
/// `g.data` is not NULL and valid for reads of its span as `G`; `dst` valid for reads and
/// writes of `dst_extent`, which nothing else touches during the call.
unsafe fn with_guide<T: Sample, G: Sample>(
    src: ImageView<'_, T>,
    g: &BilateralGuide,
    dst: Image<*mut T>,
    dst_extent: Extent,
    op: Op,
    params: &bilateral::Params,
    threads: usize,
    observer: Option<&CProgress>,
) -> Result<(), BilateralStatus> {
    let data = g.data.cast::<G>();
    let extent = Extent::new(data, g.stride_bytes, g.width, g.height, g.channels)?;
    if extent.overlaps(&dst_extent) {
        return Err(BilateralStatus::Overlap);
    }
    let to_status = |e: bilateral::Error| BilateralStatus::from(&e);
    // SAFETY: not NULL, aligned for G and its span fits in `isize` (Extent::new); readable and
    // not written during the call (contract), in particular not through `dst`, disjoint
    // (checked above).
    let guide = unsafe { slice::from_raw_parts(data, extent.len) };
    let guide = ImageView::new(guide, extent.layout).map_err(to_status)?;
    // SAFETY: valid for reads and writes of its span and touched by nothing else (contract):
    // neither the source's nor the guide's span overlaps it (checked).
    let dst = unsafe { slice::from_raw_parts_mut(dst.ptr, dst_extent.len) };
    let dst = ImageViewMut::new(dst, dst_extent.layout).map_err(to_status)?;
    pool::install(threads, || match (op, observer) {
        (Op::Upsample, _) => bilateral::upsample_into(src, guide, dst, params),
        (_, Some(o)) => {
            bilateral::filter_guided_into_with_progress(src, guide, dst, params, o).map(drop)
        }
        (_, None) => bilateral::filter_guided_into(src, guide, dst, params).map(drop),
    })
    .map_err(|_| BilateralStatus::ThreadPool)?
    .map_err(to_status)
}

/// The parameters' progress callback as the library's observer.
struct CProgress {
    call: unsafe extern "C" fn(*mut c_void, u64, u64) -> c_int,
    user: *mut c_void,
}

// SAFETY: `BilateralProgress`'s contract, the caller's, is that the callback may be called
// from any thread, several at once, with its user pointer: sharing the pair is what it allows.
unsafe impl Sync for CProgress {}

impl Progress for CProgress {
    fn rows_done(&self, done: u64, total: u64) -> Flow {
        // SAFETY: a function of this signature, callable from any thread at any time during
        // the call with this user pointer (the contract of `BilateralProgress`).
        let stop = unsafe { (self.call)(self.user, done, total) };
        if stop != 0 {
            Flow::Stop
        } else {
            Flow::Continue
        }
    }
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
