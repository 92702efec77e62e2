//! Helpers shared by the tests: the C functions called as C would call them, sample types,
//! a seeded generator. The tests' only `unsafe` is here.
#![allow(dead_code)]

use std::ffi::{CStr, c_int};

use bilateral::Sample;
use bilateral_capi::{
    BILATERAL_SAMPLE_F32, BILATERAL_SAMPLE_U8, BILATERAL_SAMPLE_U16, BilateralGuide,
    BilateralParams, BilateralStatus, bilateral_filter_f32, bilateral_filter_guided_f32,
    bilateral_filter_guided_u8, bilateral_filter_guided_u16, bilateral_filter_u8,
    bilateral_filter_u16, bilateral_status_message, bilateral_upsample_f32, bilateral_upsample_u8,
    bilateral_upsample_u16, bilateral_version,
};

/// A sample type with its C filter function.
pub trait CSample: Sample {
    /// `bilateral_filter_u8`, `_u16` or `_f32`.
    ///
    /// # Safety
    /// That function's contract.
    unsafe fn c_filter(
        src: *const Self,
        src_stride_bytes: usize,
        dst: *mut Self,
        dst_stride_bytes: usize,
        width: usize,
        height: usize,
        channels: usize,
        params: *const BilateralParams,
    ) -> BilateralStatus;
    /// `bilateral_filter_guided_u8`, `_u16` or `_f32`.
    ///
    /// # Safety
    /// That function's contract.
    // The C signature, argument for argument.
    #[allow(clippy::too_many_arguments)]
    unsafe fn c_filter_guided(
        src: *const Self,
        src_stride_bytes: usize,
        dst: *mut Self,
        dst_stride_bytes: usize,
        width: usize,
        height: usize,
        channels: usize,
        guide: *const BilateralGuide,
        params: *const BilateralParams,
    ) -> BilateralStatus;
    /// `bilateral_upsample_u8`, `_u16` or `_f32`.
    ///
    /// # Safety
    /// That function's contract.
    // The C signature, argument for argument.
    #[allow(clippy::too_many_arguments)]
    unsafe fn c_upsample(
        low: *const Self,
        low_stride_bytes: usize,
        width: usize,
        height: usize,
        channels: usize,
        dst: *mut Self,
        dst_stride_bytes: usize,
        guide: *const BilateralGuide,
        params: *const BilateralParams,
    ) -> BilateralStatus;
    /// `BILATERAL_SAMPLE_*` of the type.
    const SAMPLE_TYPE: u32;
    /// A sample from 32 random bits, anywhere in the type's range (in 0..1 for f32).
    fn random(bits: u32) -> Self;
    /// Its bits, so that f32 results compare exactly.
    fn bits(self) -> u32;
}

impl CSample for u8 {
    unsafe fn c_filter(
        src: *const u8,
        ss: usize,
        dst: *mut u8,
        ds: usize,
        w: usize,
        h: usize,
        c: usize,
        p: *const BilateralParams,
    ) -> BilateralStatus {
        // SAFETY: forwarded from the caller.
        unsafe { bilateral_filter_u8(src, ss, dst, ds, w, h, c, p) }
    }
    unsafe fn c_filter_guided(
        src: *const u8,
        ss: usize,
        dst: *mut u8,
        ds: usize,
        w: usize,
        h: usize,
        c: usize,
        g: *const BilateralGuide,
        p: *const BilateralParams,
    ) -> BilateralStatus {
        // SAFETY: forwarded from the caller.
        unsafe { bilateral_filter_guided_u8(src, ss, dst, ds, w, h, c, g, p) }
    }
    unsafe fn c_upsample(
        low: *const u8,
        ls: usize,
        w: usize,
        h: usize,
        c: usize,
        dst: *mut u8,
        ds: usize,
        g: *const BilateralGuide,
        p: *const BilateralParams,
    ) -> BilateralStatus {
        // SAFETY: forwarded from the caller.
        unsafe { bilateral_upsample_u8(low, ls, w, h, c, dst, ds, g, p) }
    }
    const SAMPLE_TYPE: u32 = BILATERAL_SAMPLE_U8;
    fn random(bits: u32) -> u8 {
        (bits >> 24) as u8
    }
    fn bits(self) -> u32 {
        self.into()
    }
}

impl CSample for u16 {
    unsafe fn c_filter(
        src: *const u16,
        ss: usize,
        dst: *mut u16,
        ds: usize,
        w: usize,
        h: usize,
        c: usize,
        p: *const BilateralParams,
    ) -> BilateralStatus {
        // SAFETY: forwarded from the caller.
        unsafe { bilateral_filter_u16(src, ss, dst, ds, w, h, c, p) }
    }
    unsafe fn c_filter_guided(
        src: *const u16,
        ss: usize,
        dst: *mut u16,
        ds: usize,
        w: usize,
        h: usize,
        c: usize,
        g: *const BilateralGuide,
        p: *const BilateralParams,
    ) -> BilateralStatus {
        // SAFETY: forwarded from the caller.
        unsafe { bilateral_filter_guided_u16(src, ss, dst, ds, w, h, c, g, p) }
    }
    unsafe fn c_upsample(
        low: *const u16,
        ls: usize,
        w: usize,
        h: usize,
        c: usize,
        dst: *mut u16,
        ds: usize,
        g: *const BilateralGuide,
        p: *const BilateralParams,
    ) -> BilateralStatus {
        // SAFETY: forwarded from the caller.
        unsafe { bilateral_upsample_u16(low, ls, w, h, c, dst, ds, g, p) }
    }
    const SAMPLE_TYPE: u32 = BILATERAL_SAMPLE_U16;
    fn random(bits: u32) -> u16 {
        (bits >> 16) as u16
    }
    fn bits(self) -> u32 {
        self.into()
    }
}

impl CSample for f32 {
    unsafe fn c_filter(
        src: *const f32,
        ss: usize,
        dst: *mut f32,
        ds: usize,
        w: usize,
        h: usize,
        c: usize,
        p: *const BilateralParams,
    ) -> BilateralStatus {
        // SAFETY: forwarded from the caller.
        unsafe { bilateral_filter_f32(src, ss, dst, ds, w, h, c, p) }
    }
    unsafe fn c_filter_guided(
        src: *const f32,
        ss: usize,
        dst: *mut f32,
        ds: usize,
        w: usize,
        h: usize,
        c: usize,
        g: *const BilateralGuide,
        p: *const BilateralParams,
    ) -> BilateralStatus {
        // SAFETY: forwarded from the caller.
        unsafe { bilateral_filter_guided_f32(src, ss, dst, ds, w, h, c, g, p) }
    }
    unsafe fn c_upsample(
        low: *const f32,
        ls: usize,
        w: usize,
        h: usize,
        c: usize,
        dst: *mut f32,
        ds: usize,
        g: *const BilateralGuide,
        p: *const BilateralParams,
    ) -> BilateralStatus {
        // SAFETY: forwarded from the caller.
        unsafe { bilateral_upsample_f32(low, ls, w, h, c, dst, ds, g, p) }
    }
    const SAMPLE_TYPE: u32 = BILATERAL_SAMPLE_F32;
    fn random(bits: u32) -> f32 {
        (bits >> 8) as f32 / (1 << 24) as f32
    }
    fn bits(self) -> u32 {
        self.to_bits()
    }
}

/// An image in a `Vec` with `pad` samples of padding after each row.
#[derive(Debug, Clone, PartialEq)]
pub struct Image<T> {
    pub data: Vec<T>,
    pub width: usize,
    pub height: usize,
    pub channels: usize,
    /// Samples from one row to the next.
    pub stride: usize,
}

impl<T: CSample> Image<T> {
    /// Every sample, padding included, set to `fill`.
    pub fn filled(width: usize, height: usize, channels: usize, pad: usize, fill: T) -> Self {
        let stride = width * channels + pad;
        Image {
            data: vec![fill; stride * height],
            width,
            height,
            channels,
            stride,
        }
    }

    /// Random samples in the image, `fill` in the padding.
    pub fn random(
        width: usize,
        height: usize,
        channels: usize,
        pad: usize,
        fill: T,
        rng: &mut Rng,
    ) -> Self {
        let mut img = Self::filled(width, height, channels, pad, fill);
        for row in img.data.chunks_mut(img.stride) {
            for s in &mut row[..width * channels] {
                *s = T::random(rng.next_u32());
            }
        }
        img
    }

    /// The library's view of it.
    pub fn layout(&self) -> bilateral::Layout {
        bilateral::Layout {
            width: self.width,
            height: self.height,
            stride: self.stride,
            channels: self.channels,
        }
    }

    pub fn stride_bytes(&self) -> usize {
        self.stride * size_of::<T>()
    }

    /// Every sample's bits, padding included.
    pub fn bits(&self) -> Vec<u32> {
        self.data.iter().map(|s| s.bits()).collect()
    }
}

/// Filters `src` into `dst` through the C function for `T`.
pub fn c_filter<T: CSample>(
    src: &Image<T>,
    dst: &mut Image<T>,
    params: &BilateralParams,
) -> BilateralStatus {
    assert_eq!(
        (src.width, src.height, src.channels),
        (dst.width, dst.height, dst.channels)
    );
    // SAFETY: each pointer comes from a live Vec of `stride * height` samples, more than its
    // geometry spans; `dst` is borrowed mutably, so the two are distinct and nothing else
    // touches them; `params` is a reference.
    unsafe {
        T::c_filter(
            src.data.as_ptr(),
            src.stride_bytes(),
            dst.data.as_mut_ptr(),
            dst.stride_bytes(),
            src.width,
            src.height,
            src.channels,
            params,
        )
    }
}

/// Filters `src` into `dst` with the Rust library.
pub fn rust_filter<T: CSample>(
    src: &Image<T>,
    dst: &mut Image<T>,
    params: &bilateral::Params,
) -> Result<(), bilateral::Error> {
    let (src_layout, dst_layout) = (src.layout(), dst.layout());
    bilateral::filter_into(
        bilateral::ImageView::new(&src.data, src_layout)?,
        bilateral::ImageViewMut::new(&mut dst.data, dst_layout)?,
        params,
    )
}

/// `bilateral_status_message(status)` as a Rust string.
pub fn message(status: c_int) -> String {
    // SAFETY: the function returns a NUL-terminated string in static storage.
    unsafe { CStr::from_ptr(bilateral_status_message(status)) }
        .to_str()
        .expect("messages are UTF-8")
        .to_owned()
}

/// `bilateral_version()` as a Rust string.
pub fn version() -> String {
    // SAFETY: the function returns a NUL-terminated string in static storage.
    unsafe { CStr::from_ptr(bilateral_version()) }
        .to_str()
        .expect("the version is UTF-8")
        .to_owned()
}

#[path = "../../../tests/common/rng.rs"]
mod rng;
pub use rng::Rng;

/// Loads one of the repository's shipped photos.
pub fn photo(name: &str) -> image::DynamicImage {
    let path = format!("{}/../tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    image::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `img` as a C guide.
pub fn as_guide<G: CSample>(img: &Image<G>) -> BilateralGuide {
    BilateralGuide {
        data: img.data.as_ptr().cast(),
        stride_bytes: img.stride_bytes(),
        sample_type: G::SAMPLE_TYPE,
        width: img.width,
        height: img.height,
        channels: img.channels,
    }
}

/// The joint filter of `src` under `guide` into `dst` through the C function for `T`.
pub fn c_filter_guided<T: CSample>(
    src: &Image<T>,
    guide: &BilateralGuide,
    dst: &mut Image<T>,
    params: &BilateralParams,
) -> BilateralStatus {
    // SAFETY: as in `c_filter`; the guide's data is a live Vec the caller holds for the call,
    // as `as_guide` made it (or NULL, which is checked).
    unsafe {
        T::c_filter_guided(
            src.data.as_ptr(),
            src.stride_bytes(),
            dst.data.as_mut_ptr(),
            dst.stride_bytes(),
            src.width,
            src.height,
            src.channels,
            guide,
            params,
        )
    }
}

/// Upsampling of `low` under `guide` into `dst` through the C function for `T`.
pub fn c_upsample<T: CSample>(
    low: &Image<T>,
    guide: &BilateralGuide,
    dst: &mut Image<T>,
    params: &BilateralParams,
) -> BilateralStatus {
    // SAFETY: as in `c_filter_guided`; `dst` spans the guide's size as the caller made it.
    unsafe {
        T::c_upsample(
            low.data.as_ptr(),
            low.stride_bytes(),
            low.width,
            low.height,
            low.channels,
            dst.data.as_mut_ptr(),
            dst.stride_bytes(),
            guide,
            params,
        )
    }
}
