//! The parameter struct C fills in, its named constants, and its translation into
//! [`bilateral::Params`].
//!
//! Every field that chooses among options is a plain `uint32_t` with `BILATERAL_*` constants
//! rather than a C enum: C lets any integer into an enum field, and reading an undeclared
//! discriminant into a Rust enum would be undefined behaviour. Values are checked here instead.
#![forbid(unsafe_code)]

use std::ffi::{c_int, c_void};

use bilateral::{Backend, Border, ColorDistance, NanPolicy, Params, Window};

use crate::BilateralStatus;

/// `spatial_mode`: weigh distance by `sigma_space` (the default).
pub const BILATERAL_SPATIAL_SIGMA: u32 = 0;
/// `spatial_mode`: weigh distance by `alpha`.
pub const BILATERAL_SPATIAL_ALPHA: u32 = 1;

/// `range_mode`: weigh differences by `sigma_range` (the default).
pub const BILATERAL_RANGE_SIGMA: u32 = 0;
/// `range_mode`: weigh differences by `beta`.
pub const BILATERAL_RANGE_BETA: u32 = 1;

/// `window`: every offset with `|dx| <= r` and `|dy| <= r` (the default).
pub const BILATERAL_WINDOW_SQUARE: u32 = 0;
/// `window`: offsets with `dx^2 + dy^2 <= r^2`, as OpenCV.
pub const BILATERAL_WINDOW_DISC: u32 = 1;

/// `distance`: Euclidean distance over the colour channels (the default).
pub const BILATERAL_DISTANCE_JOINT: u32 = 0;
/// `distance`: sum of absolute differences, as OpenCV.
pub const BILATERAL_DISTANCE_L1: u32 = 1;
/// `distance`: each channel filtered on its own, as a gray image.
pub const BILATERAL_DISTANCE_PER_CHANNEL: u32 = 2;

/// `border`: `dcb|abcd|cba`, mirror without repeating the edge (the default, OpenCV's).
pub const BILATERAL_BORDER_REFLECT101: u32 = 0;
/// `border`: `aaa|abcd|ddd`, the edge sample repeated.
pub const BILATERAL_BORDER_REPLICATE: u32 = 1;
/// `border`: `cba|abcd|dcb`, mirror repeating the edge.
pub const BILATERAL_BORDER_REFLECT: u32 = 2;
/// `border`: `vvv|abcd|vvv`, the constant `border_value` for every channel.
pub const BILATERAL_BORDER_CONSTANT: u32 = 3;

/// `backend`: the fastest this CPU has (the default).
pub const BILATERAL_BACKEND_AUTO: u32 = 0;
/// `backend`: one pixel at a time in plain f32, on every CPU.
pub const BILATERAL_BACKEND_SCALAR: u32 = 1;
/// `backend`: eight lanes in the ISA the library was built for (SSE2, NEON), on every CPU.
pub const BILATERAL_BACKEND_PORTABLE: u32 = 2;
/// `backend`: eight lanes with AVX2 and FMA, x86-64.
pub const BILATERAL_BACKEND_AVX2: u32 = 3;
/// `backend`: sixteen lanes with AVX-512F, x86-64.
pub const BILATERAL_BACKEND_AVX512: u32 = 4;

/// `nan_policy`: a missing sample (NaN, or the no-data value) fails the call with
/// `BILATERAL_STATUS_INVALID_SAMPLE` or `BILATERAL_STATUS_MISSING_SAMPLE` (the default).
pub const BILATERAL_NAN_REJECT: u32 = 0;
/// `nan_policy`: a missing neighbour weighs nothing; a missing pixel stays missing (NaN for
/// f32, the no-data value for integers).
pub const BILATERAL_NAN_SKIP: u32 = 1;
/// `nan_policy`: a missing neighbour weighs nothing; a missing pixel takes the mean of its
/// valid neighbours under the spatial weights alone (missing if none is valid).
pub const BILATERAL_NAN_FILL: u32 = 2;

/// Told after each tile of rows how many rows of every pass are `done` of `total`, with the
/// `user` pointer of the parameters; returning nonzero asks the call to stop, which it then
/// does once the tiles under way are done, with `BILATERAL_STATUS_STOPPED`. It is called from
/// the worker threads, possibly several at once, and must be safe to call so.
pub type BilateralProgress =
    Option<unsafe extern "C" fn(user: *mut c_void, done: u64, total: u64) -> c_int>;

/// A guide's sample type (`BilateralGuide::sample_type`): 8-bit.
pub const BILATERAL_SAMPLE_U8: u32 = 0;
/// 16-bit.
pub const BILATERAL_SAMPLE_U16: u32 = 1;
/// 32-bit float.
pub const BILATERAL_SAMPLE_F32: u32 = 2;

/// The guide image of a joint filter or of upsampling: its own sample type and channel count
/// (1 to 4), rows `stride_bytes` apart as for the image (aligned to its sample size). For
/// `bilateral_filter_guided_*` its width and height are the image's; for `bilateral_upsample_*`
/// the same integer multiple of the low image's.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct BilateralGuide {
    /// The first sample.
    pub data: *const std::ffi::c_void,
    /// Bytes from one row to the next.
    pub stride_bytes: usize,
    /// `BILATERAL_SAMPLE_U8`, `BILATERAL_SAMPLE_U16` or `BILATERAL_SAMPLE_F32`.
    pub sample_type: u32,
    /// Pixels per row.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// Samples per pixel, 1 to 4; with 2 or 4 the last is alpha, left out of the distance
    /// unless `filter_alpha` is set.
    pub channels: usize,
}

/// Parameters of the bilateral filter. Start from `bilateral_params_default()` or
/// `bilateral_params_opencv()` and change the fields you need: a struct filled in by hand
/// misses the defaults.
///
/// Weights are `w(p,q) = exp(-alpha * |p-q|^2 - beta * D(I(p), I(q))^2)` with
/// `alpha = 1 / (2 * sigma_space^2)` and `beta = 1 / (2 * sigma_range^2)`. `|p-q|` is in pixels; `D`,
/// `sigma_range` and `beta` are in the sample's own units: 0-255 for u8, 0-65535 for u16, the
/// stored values for f32.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct BilateralParams {
    /// Window radius: the window spans `2 * radius + 1` pixels each way. 0 copies the image; at
    /// most 64. Default 2.
    pub radius: u32,
    /// `BILATERAL_SPATIAL_SIGMA` (default) uses `sigma_space`, `BILATERAL_SPATIAL_ALPHA` uses
    /// `alpha`.
    pub spatial_mode: u32,
    /// Spatial sigma in pixels, finite and > 0. Default 1.5.
    pub sigma_space: f64,
    /// Spatial coefficient per squared pixel, finite and >= 0; 0 weighs all taps alike.
    /// Default 0, used only with `BILATERAL_SPATIAL_ALPHA`.
    pub alpha: f64,
    /// `BILATERAL_RANGE_SIGMA` (default) uses `sigma_range`, `BILATERAL_RANGE_BETA` uses
    /// `beta`.
    pub range_mode: u32,
    /// Range sigma in sample units, finite and > 0; 0 (the default) means a tenth of the
    /// sample type's full scale: 25.5 for u8, 6553.5 for u16, 0.1 for f32.
    pub sigma_range: f64,
    /// Range coefficient per squared sample unit, finite and >= 0; 0 is a Gaussian blur.
    /// Default 0, used only with `BILATERAL_RANGE_BETA`.
    pub beta: f64,
    /// `BILATERAL_WINDOW_SQUARE` (default) or `BILATERAL_WINDOW_DISC`.
    pub window: u32,
    /// `BILATERAL_DISTANCE_JOINT` (default), `BILATERAL_DISTANCE_L1` or
    /// `BILATERAL_DISTANCE_PER_CHANNEL`. One-channel images are alike under all three.
    pub distance: u32,
    /// `BILATERAL_BORDER_REFLECT101` (default), `BILATERAL_BORDER_REPLICATE`,
    /// `BILATERAL_BORDER_REFLECT` or `BILATERAL_BORDER_CONSTANT`.
    pub border: u32,
    /// The value beyond the edges under `BILATERAL_BORDER_CONSTANT`, in sample units, finite
    /// and within +/-2^60. Default 0.
    pub border_value: f32,
    /// With 2 or 4 channels the last is alpha: 0 (default) copies it, any other value filters
    /// it as one more colour channel.
    pub filter_alpha: u32,
    /// Passes, each on the previous one's output (integers rounded between passes); 0 copies.
    /// Default 1.
    pub iterations: u32,
    /// Worker threads; 0 (default) uses rayon's global pool, one thread per core unless
    /// `RAYON_NUM_THREADS` says otherwise. The result does not depend on it.
    pub threads: u32,
    /// `BILATERAL_BACKEND_AUTO` (default) or a `BILATERAL_BACKEND_*` to force; one this CPU
    /// lacks makes calls fail with `BILATERAL_STATUS_BACKEND_UNAVAILABLE`.
    pub backend: u32,
    /// 0 (default): the exact filter. Above 0: the fast mode is allowed, every result within
    /// this of the exact filter's in the sample's units before rounding (0.5 keeps integers
    /// within 1); it runs where it is faster (large square windows, one channel or
    /// `BILATERAL_DISTANCE_PER_CHANNEL`). Negative, NaN or infinite:
    /// `BILATERAL_STATUS_INVALID_PARAMETER`. The result does not depend on the threads.
    pub tolerance: f64,
    /// What becomes of missing samples: `BILATERAL_NAN_REJECT` (default), `BILATERAL_NAN_SKIP`
    /// or `BILATERAL_NAN_FILL`. A pixel is missing when any filtered channel is NaN or the
    /// no-data value; infinite samples fail under every policy. Not with a guide
    /// (`BILATERAL_STATUS_MISSING_WITH_GUIDE`).
    pub nan_policy: u32,
    /// 0 (default): only NaN is missing. Any other value: so is `nodata`.
    pub use_nodata: u32,
    /// The no-data value, in sample units: for u8 and u16 an integer of their range, for f32
    /// any finite value, else `BILATERAL_STATUS_INVALID_NODATA`. Default 0, used only with
    /// `use_nodata`.
    pub nodata: f64,
    /// NULL (default), or a function told of the rows done that can stop the call (see
    /// `BilateralProgress`). Called by `bilateral_filter_*` and `bilateral_filter_guided_*`,
    /// not by upsampling.
    pub progress: BilateralProgress,
    /// Passed to `progress` as it is. Default NULL.
    pub progress_user: *mut c_void,
}

impl Default for BilateralParams {
    /// The library's defaults, read from [`Params::new`].
    fn default() -> Self {
        let p = Params::new();
        BilateralParams {
            radius: p.get_radius() as u32,
            spatial_mode: BILATERAL_SPATIAL_SIGMA,
            sigma_space: p.get_sigma_space().expect("the default is a sigma"),
            alpha: 0.0,
            range_mode: BILATERAL_RANGE_SIGMA,
            sigma_range: 0.0,
            beta: 0.0,
            window: BILATERAL_WINDOW_SQUARE,
            distance: BILATERAL_DISTANCE_JOINT,
            border: BILATERAL_BORDER_REFLECT101,
            border_value: 0.0,
            filter_alpha: 0,
            iterations: 1,
            threads: 0,
            backend: BILATERAL_BACKEND_AUTO,
            tolerance: 0.0,
            nan_policy: BILATERAL_NAN_REJECT,
            use_nodata: 0,
            nodata: 0.0,
            progress: None,
            progress_user: std::ptr::null_mut(),
        }
    }
}

impl BilateralParams {
    /// OpenCV's `cv2.bilateralFilter(src, d, sigmaColor, sigmaSpace)`, as
    /// [`Params::opencv`]: its radius, and its α and β where it sets them (a sigma ≤ 1e-6
    /// gives radius 0, a copy, with the default sigmas).
    pub fn opencv(d: i32, sigma_color: f64, sigma_space: f64) -> Self {
        let p = Params::opencv(d, sigma_color, sigma_space);
        let mut c = BilateralParams {
            radius: u32::try_from(p.get_radius()).unwrap_or(u32::MAX),
            window: BILATERAL_WINDOW_DISC,
            distance: BILATERAL_DISTANCE_L1,
            border: BILATERAL_BORDER_REFLECT101,
            ..Self::default()
        };
        if let Some(alpha) = p.get_alpha() {
            c.spatial_mode = BILATERAL_SPATIAL_ALPHA;
            c.alpha = alpha;
        }
        if let Some(beta) = p.get_beta() {
            c.range_mode = BILATERAL_RANGE_BETA;
            c.beta = beta;
        }
        c
    }

    /// The library's parameters, or [`BilateralStatus::InvalidEnum`] if a choice field holds
    /// none of its constants. Values are left for the library to check.
    pub fn to_params(&self) -> Result<Params, BilateralStatus> {
        let invalid = BilateralStatus::InvalidEnum;
        let mut p = Params::new()
            .radius(usize::try_from(self.radius).unwrap_or(usize::MAX))
            .filter_alpha(self.filter_alpha != 0)
            .iterations(self.iterations);
        if self.tolerance != 0.0 {
            p = p.tolerance(self.tolerance);
        }
        p = match self.spatial_mode {
            BILATERAL_SPATIAL_SIGMA => p.sigma_space(self.sigma_space),
            BILATERAL_SPATIAL_ALPHA => p.alpha(self.alpha),
            _ => return Err(invalid),
        };
        p = match self.range_mode {
            BILATERAL_RANGE_SIGMA if self.sigma_range == 0.0 => p,
            BILATERAL_RANGE_SIGMA => p.sigma_range(self.sigma_range),
            BILATERAL_RANGE_BETA => p.beta(self.beta),
            _ => return Err(invalid),
        };
        p = p.window(match self.window {
            BILATERAL_WINDOW_SQUARE => Window::Square,
            BILATERAL_WINDOW_DISC => Window::Disc,
            _ => return Err(invalid),
        });
        p = p.distance(match self.distance {
            BILATERAL_DISTANCE_JOINT => ColorDistance::Joint,
            BILATERAL_DISTANCE_L1 => ColorDistance::L1,
            BILATERAL_DISTANCE_PER_CHANNEL => ColorDistance::PerChannel,
            _ => return Err(invalid),
        });
        p = p.border(match self.border {
            BILATERAL_BORDER_REFLECT101 => Border::Reflect101,
            BILATERAL_BORDER_REPLICATE => Border::Replicate,
            BILATERAL_BORDER_REFLECT => Border::Reflect,
            BILATERAL_BORDER_CONSTANT => Border::Constant(self.border_value),
            _ => return Err(invalid),
        });
        p = p.nan_policy(match self.nan_policy {
            BILATERAL_NAN_REJECT => NanPolicy::Reject,
            BILATERAL_NAN_SKIP => NanPolicy::Skip,
            BILATERAL_NAN_FILL => NanPolicy::Fill,
            _ => return Err(invalid),
        });
        if self.use_nodata != 0 {
            p = p.nodata(self.nodata);
        }
        let backend = match self.backend {
            BILATERAL_BACKEND_AUTO => None,
            BILATERAL_BACKEND_SCALAR => Some(Backend::Scalar),
            BILATERAL_BACKEND_PORTABLE => Some(Backend::Portable),
            BILATERAL_BACKEND_AVX2 => Some(Backend::Avx2),
            BILATERAL_BACKEND_AVX512 => Some(Backend::Avx512),
            _ => return Err(invalid),
        };
        Ok(match backend {
            Some(b) => p.backend(b),
            None => p,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_library_defaults() {
        assert_eq!(BilateralParams::default().to_params(), Ok(Params::new()));
        assert_eq!(
            BilateralParams::opencv(5, 75.0, 30.0).to_params(),
            Ok(Params::opencv(5, 75.0, 30.0))
        );
        for (d, color, space) in [
            (0, 20.0, 3.0),
            (-3, -1.0, 0.0),
            (9, f64::NAN, 200.0),
            (5, f64::INFINITY, 2.0),
            (0, 10.0, 1e12),
        ] {
            assert_eq!(
                BilateralParams::opencv(d, color, space).to_params(),
                Ok(Params::opencv(d, color, space)),
                "opencv({d}, {color}, {space})"
            );
        }
    }
}
