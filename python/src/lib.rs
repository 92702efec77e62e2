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
/// filter(img, ...)                       the filter with every option of the Rust crate
/// opencv(img, d, sigma_color, sigma_space)   cv2.bilateralFilter's semantics
///
/// Images are numpy arrays of shape (H, W) or (H, W, C) with C = 1 to 4 and dtype uint8,
/// uint16 or float32; the result has the same shape and dtype. With C = 2 or 4 the last
/// channel is alpha, copied unless filter_alpha=True.
#[pymodule(name = "bilateral")]
mod module {
    use numpy::PyUntypedArray;
    use pyo3::prelude::*;

    use crate::arrays;
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
    /// out: a C-contiguous, writeable array of img's dtype and shape, not sharing memory with
    ///     img; the result is written there and `out` is returned.
    /// threads: None runs on rayon's global pool (all cores); n runs on a pool of n threads.
    ///     The result does not depend on it.
    ///
    /// The GIL is released while the filter runs. Raises TypeError for an unsupported dtype or
    /// a non-array, ValueError for a bad shape, parameter, sample or `out`.
    #[pyfunction]
    #[pyo3(signature = (
        img, radius=2, sigma_space=None, sigma_range=None, *, alpha=None, beta=None,
        window="square", color="joint", border="reflect101", border_value=None,
        filter_alpha=false, iterations=1, tolerance=None, out=None, threads=None
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
        })?;
        arrays::filter(img, &params, out, &Pool::for_threads(threads)?)
    }

    /// cv2.bilateralFilter(img, d, sigma_color, sigma_space) semantics with this crate's
    /// exact arithmetic; returns a new array, or `out`.
    ///
    /// radius d // 2, or round(1.5 * sigma_space) when d <= 0 (at least 1, at most 64); the
    /// disc window; the L1 colour distance; a sigma <= 0 becomes 1, as in OpenCV. sigma_color
    /// is in the sample's units. Unlike OpenCV, uint16 and 4-channel images are accepted
    /// (alpha is kept).
    ///
    /// border: "reflect101" (OpenCV's BORDER_DEFAULT), "replicate", "reflect" or "constant"
    ///     with border_value; img, out and threads are as in filter().
    #[pyfunction]
    #[pyo3(signature = (
        img, d, sigma_color, sigma_space, *, border="reflect101", border_value=None, out=None,
        threads=None
    ))]
    // The Python signature is the interface; a struct would only move the list elsewhere.
    #[allow(clippy::too_many_arguments)]
    fn opencv<'py>(
        img: &Bound<'py, PyAny>,
        d: i32,
        sigma_color: f64,
        sigma_space: f64,
        border: &str,
        border_value: Option<f64>,
        out: Option<&Bound<'py, PyAny>>,
        threads: Option<i64>,
    ) -> PyResult<Bound<'py, PyUntypedArray>> {
        let params = bilateral::Params::opencv(d, sigma_color, sigma_space)
            .border(options::border(border, border_value)?);
        options::check(&params)?;
        arrays::filter(img, &params, out, &Pool::for_threads(threads)?)
    }
}
