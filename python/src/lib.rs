//! The `bilateral` Python module: the crate's filter on numpy arrays.
//!
//! - `options.rs`: Python arguments into a checked [`bilateral::Params`].
//! - `arrays.rs`: numpy arrays in and out (dtype dispatch, the zero-copy rule, `out=`), and the
//!   call with the GIL released.
//! - `pools.rs`: the rayon thread pools behind `threads=n`.
//!
//! The tests are Python (`tests/`): they compare with the command-line tool byte for byte.
#![forbid(unsafe_code)]

mod arrays;
mod options;
mod pools;

use pyo3::prelude::*;

/// Exact, SIMD, multi-threaded bilateral filter for numpy arrays.
///
/// filter(img, ..., guide=None)           the filter with every option of the Rust crate; with
///                                         a guide, the joint (cross) bilateral filter
/// upsample(low, guide, ...)               joint bilateral upsampling
/// opencv(img, d, sigma_color, sigma_space, guide=None)
///                                         cv2.bilateralFilter's semantics, or with a guide
///                                         cv2.ximgproc.jointBilateralFilter's
///
/// Images are numpy arrays of shape (H, W) or (H, W, C) with C = 1 to 4 and dtype uint8,
/// uint16 or float32; the result has the same shape and dtype. With C = 2 or 4 the last
/// channel is alpha, copied unless filter_alpha=True.
#[pymodule(name = "bilateral")]
mod module {
    use numpy::PyUntypedArray;
    use pyo3::prelude::*;

    use crate::arrays::{self, Op};
    use crate::options::{self, Choices};
    use crate::pools::Pool;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        m.add("MAX_RADIUS", bilateral::MAX_RADIUS)
    }

    /// Bilateral filter of a numpy image; returns a new array, or `out`.
    ///
    /// Each output pixel is sum(w * I(q)) / sum(w) over the window around it, with
    /// w = exp(-alpha * |p - q|^2 - beta * D(I(p), I(q))^2).
    ///
    /// img: (H, W) or (H, W, C) array, C = 1..4, of uint8, uint16 or float32. A C-contiguous
    ///     array is read in place; any other (a slice with steps, a transpose) is first copied
    ///     into one. float32 samples must be finite and within +-2**60.
    /// radius: the window spans 2*radius+1 pixels each way (0 to MAX_RADIUS = 64; 0 copies).
    /// sigma_space: spatial sigma in pixels, default 1.5; sets alpha = 1 / (2 sigma_space^2).
    /// sigma_range: range sigma in the sample's units: 0-255 for uint8, 0-65535 for uint16, as
    ///     stored for float32. Default: a tenth of full scale (25.5, 6553.5, 0.1).
    /// alpha, beta: the coefficients themselves, instead of sigma_space and sigma_range
    ///     (giving both for one term is an error). beta=0 is a Gaussian blur.
    /// window: "square" (all (2r+1)^2 offsets) or "disc" (dx^2 + dy^2 <= r^2).
    /// color: how pixel differences D are measured: "joint" (Euclidean over the colour
    ///     channels), "l1" (sum of absolute differences) or "per-channel" (each channel alone).
    /// border: "reflect101" (dcb|abcd|cba), "replicate" (aaa|abcd|ddd), "reflect"
    ///     (cba|abcd|dcb) or "constant" with border_value (default 0, in the sample's units);
    ///     "constant:V" is accepted too.
    /// filter_alpha: with 2 or 4 channels the last is alpha: copied unless this is True.
    /// iterations: apply the filter this many times (integers rounded between passes).
    /// tolerance: allow the fast mode: every result within this of the exact filter's, in the
    ///     sample's units, before rounding (0.5 keeps integers within 1). It runs where it is
    ///     faster (large windows; square window, one channel or color="per-channel"), else
    ///     the exact filter runs. Must be finite and > 0.
    /// guide: take the range weights from this (H, W) or (H, W, C) array instead (the joint or
    ///     cross bilateral filter): img's height and width, any supported dtype, C = 1..4;
    ///     sigma_range and beta are then in the guide's units and color measures the guide's
    ///     channels (with "per-channel", guide channel c weighs img channel c, or a one-channel
    ///     guide weighs all). Read in place when C-contiguous, as img is. With img as its own
    ///     guide the result is filter(img)'s, byte for byte; the fast mode does not take a
    ///     guide.
    /// nan: what becomes of missing samples (NaN, or the nodata value): "reject" raises
    ///     ValueError, "skip" weighs a missing neighbour 0 and leaves a missing pixel missing
    ///     (NaN for float32, nodata for integers), "fill" weighs a missing neighbour 0 and
    ///     gives a missing pixel the mean of its valid neighbours under the spatial weights
    ///     alone (missing if none is valid). A pixel is missing when any filtered channel is.
    ///     Infinities raise under every policy. Not with a guide.
    /// nodata: a value, in the sample's units, that marks a missing sample as NaN does: for
    ///     uint8 and uint16 an integer of their range, for float32 any finite value.
    /// out: a C-contiguous, writeable array of img's dtype and shape, not sharing memory with
    ///     img or guide; the result is written there and `out` is returned.
    /// threads: None runs on rayon's global pool (all cores); n runs on a pool of n threads.
    ///     The result does not depend on it.
    ///
    /// The GIL is released while the filter runs; Ctrl-C (SIGINT) in the main thread stops it
    /// within a tile of rows, with or without a guide, and raises KeyboardInterrupt (`out` is
    /// then partly written).
    /// Raises TypeError for an unsupported dtype or a non-array, ValueError for a bad shape,
    /// parameter, sample, guide or `out`.
    #[pyfunction]
    #[pyo3(signature = (
        img, radius=2, sigma_space=None, sigma_range=None, *, alpha=None, beta=None,
        window="square", color="joint", border="reflect101", border_value=None,
        filter_alpha=false, iterations=1, tolerance=None, nan="reject", nodata=None,
        guide=None, out=None, threads=None
    ))]
    // The Python signature is the interface; a struct would only move the list elsewhere.
    #[allow(clippy::too_many_arguments)]
    fn filter<'py>(
        img: &Bound<'py, PyAny>,
        radius: i64,
        sigma_space: Option<f64>,
        sigma_range: Option<f64>,
        alpha: Option<f64>,
        beta: Option<f64>,
        window: &str,
        color: &str,
        border: &str,
        border_value: Option<f64>,
        filter_alpha: bool,
        iterations: i64,
        tolerance: Option<f64>,
        nan: &str,
        nodata: Option<f64>,
        guide: Option<&Bound<'py, PyAny>>,
        out: Option<&Bound<'py, PyAny>>,
        threads: Option<i64>,
    ) -> PyResult<Bound<'py, PyUntypedArray>> {
        let params = options::params(Choices {
            radius,
            sigma_space,
            sigma_range,
            alpha,
            beta,
            window,
            color,
            border,
            border_value,
            filter_alpha,
            iterations,
            tolerance,
            nan,
            nodata,
        })?;
        let op = guide.map_or(Op::Filter, Op::Guided);
        arrays::filter(img, op, &params, out, &Pool::for_threads(threads)?)
    }

    /// Joint bilateral upsampling (Kopf et al. 2007): low brought to the height and width of
    /// guide, the same integer multiple s of low's; returns a new array, or `out`.
    ///
    /// Low sample (i, j) covers the guide's s x s block from (i*s, j*s) and stands at its
    /// centre; output pixel (x, y) sits at ((x + 0.5)/s - 0.5, (y + 0.5)/s - 0.5) in low
    /// pixels, its window centred on the sample that covers it, each tap weighed by
    /// exp(-alpha * d^2) with that fractional distance and exp(-beta * D^2) between the guide
    /// at the output pixel and the guide's mean over the block the sample covers.
    ///
    /// low: (h, w) or (h, w, C) array of uint8, uint16 or float32; guide: (s*h, s*w) or
    ///     (s*h, s*w, Cg), any of those dtypes. The result has the guide's height and width and
    ///     low's dtype and channels.
    /// radius, sigma_space, alpha: in low pixels; sigma_range, beta: in the guide's units;
    ///     window, color, border, border_value, filter_alpha, out and threads as in filter().
    ///     One exact pass: no iterations or tolerance.
    #[pyfunction]
    #[pyo3(signature = (
        low, guide, radius=2, sigma_space=None, sigma_range=None, *, alpha=None, beta=None,
        window="square", color="joint", border="reflect101", border_value=None,
        filter_alpha=false, out=None, threads=None
    ))]
    // The Python signature is the interface; a struct would only move the list elsewhere.
    #[allow(clippy::too_many_arguments)]
    fn upsample<'py>(
        low: &Bound<'py, PyAny>,
        guide: &Bound<'py, PyAny>,
        radius: i64,
        sigma_space: Option<f64>,
        sigma_range: Option<f64>,
        alpha: Option<f64>,
        beta: Option<f64>,
        window: &str,
        color: &str,
        border: &str,
        border_value: Option<f64>,
        filter_alpha: bool,
        out: Option<&Bound<'py, PyAny>>,
        threads: Option<i64>,
    ) -> PyResult<Bound<'py, PyUntypedArray>> {
        let params = options::params(Choices {
            radius,
            sigma_space,
            sigma_range,
            alpha,
            beta,
            window,
            color,
            border,
            border_value,
            filter_alpha,
            iterations: 1,
            tolerance: None,
            nan: "reject",
            nodata: None,
        })?;
        arrays::filter(
            low,
            Op::Upsample(guide),
            &params,
            out,
            &Pool::for_threads(threads)?,
        )
    }

    /// cv2.bilateralFilter(img, d, sigma_color, sigma_space) semantics with this crate's
    /// exact arithmetic; returns a new array, or `out`.
    ///
    /// radius d // 2, or round(1.5 * sigma_space) when d <= 0 (half to even, at least 1, at
    /// most 64); the disc window; the L1 colour distance; as in OpenCV 5, a sigma <= 1e-6
    /// copies the image. sigma_color is in the sample's units. Unlike OpenCV, uint16 and
    /// 4-channel images are accepted (alpha is kept).
    ///
    /// guide: with a guide, cv2.ximgproc.jointBilateralFilter(guide, img, d, sigma_color,
    ///     sigma_space) instead (OpenCV contrib): the same rules, except that a sigma <= 0
    ///     becomes 1 as there; sigma_color in the guide's units.
    /// border: "reflect101" (OpenCV's BORDER_DEFAULT), "replicate", "reflect" or "constant"
    ///     with border_value; img, nan, nodata, out and threads are as in filter(). With
    ///     nan="fill", float32 images with NaN holes get what OpenCV's own code (IPP off)
    ///     computes for them.
    #[pyfunction]
    #[pyo3(signature = (
        img, d, sigma_color, sigma_space, *, guide=None, border="reflect101", border_value=None,
        nan="reject", nodata=None, out=None, threads=None
    ))]
    // The Python signature is the interface; a struct would only move the list elsewhere.
    #[allow(clippy::too_many_arguments)]
    fn opencv<'py>(
        img: &Bound<'py, PyAny>,
        d: i32,
        sigma_color: f64,
        sigma_space: f64,
        guide: Option<&Bound<'py, PyAny>>,
        border: &str,
        border_value: Option<f64>,
        nan: &str,
        nodata: Option<f64>,
        out: Option<&Bound<'py, PyAny>>,
        threads: Option<i64>,
    ) -> PyResult<Bound<'py, PyUntypedArray>> {
        let preset = match guide {
            Some(_) => bilateral::Params::opencv_joint(d, sigma_color, sigma_space),
            None => bilateral::Params::opencv(d, sigma_color, sigma_space),
        };
        let mut params = preset
            .border(options::border(border, border_value)?)
            .nan_policy(options::nan_policy(nan)?);
        if let Some(v) = nodata {
            params = params.nodata(v);
        }
        options::check(&params)?;
        let op = guide.map_or(Op::Filter, Op::Guided);
        arrays::filter(img, op, &params, out, &Pool::for_threads(threads)?)
    }
}
