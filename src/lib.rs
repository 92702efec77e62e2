//! # bilateral
//!
//! The bilateral filter on the CPU, exact and fast: for each pixel `p` over a window of
//! offsets,
//!
//! ```text
//! out(p) = Σ_q w(p,q)·I(q) / Σ_q w(p,q),   w(p,q) = exp(-α·|p-q|² - β·D(I(p), I(q))²)
//! ```
//!
//! with `α = 1/(2σs²)` weighing distance and `β = 1/(2σr²)` weighing the difference of values
//! (in the sample's own units: see [`Params`]). Flat regions lose small noise while edges stay
//! sharp.
//!
//! ```
//! use bilateral::{Params, ImageView, Layout};
//! let (w, h) = (40, 30);
//! let img: Vec<u8> = (0..w * h).map(|i| if i % w < w / 2 { 20 } else { 200 } ^ (i % 3) as u8).collect();
//! let params = Params::new().radius(2).sigma_space(1.5).sigma_range(25.0);
//! let out = bilateral::filter(ImageView::new(&img, Layout::packed(w, h, 1))?, &params)?;
//! assert_eq!(out.len(), img.len());
//! # Ok::<(), bilateral::Error>(())
//! ```
//!
//! # Semantics
//! - Window: [`Window::Square`] (all `(2r+1)²` offsets) or [`Window::Disc`] (`dx²+dy² ≤ r²`).
//! - Colour distance: [`ColorDistance::Joint`] (Euclidean), [`ColorDistance::L1`],
//!   [`ColorDistance::PerChannel`].
//! - Borders: [`Border::Reflect101`], [`Border::Replicate`], [`Border::Reflect`],
//!   [`Border::Constant`]; images smaller than the window fold correctly.
//! - Samples `u8`, `u16`, `f32`, 1 to 4 channels; with 2 or 4 the last is alpha, kept unless
//!   [`Params::filter_alpha`]. Integer results round half up and clamp.
//! - `f32` samples must be finite and within ±2^60 ([`MAX_SAMPLE_MAGNITUDE`]), else
//!   [`Error::InvalidSample`] names the first bad one: a NaN never spreads silently, unless
//!   a [`NanPolicy`] says what it means (see below).
//! - Accuracy: `f32` results lie within `1e-5 × (max - min of the window)` plus half an ulp of
//!   the exact value; integer results equal the exact value rounded, or differ by one where the
//!   exact value is within that bound of a rounding boundary. The derivation is in
//!   `src/kernel.rs`.
//!
//! # Fast mode
//! [`Params::tolerance`] allows a fast mode for large windows whose error is guaranteed: each
//! result within the tolerance of the exact definition before rounding, by a cosine series
//! of the range kernel (cost `O(K·r)` per pixel instead of `O(r²)`), a certificate of each
//! pixel's error computed alongside it, and the exact filter for the pixels it cannot
//! certify. A cost model picks the faster method per call; [`filter_into_with_report`] says
//! which ran and how many samples were recomputed. Square windows, one channel or
//! [`ColorDistance::PerChannel`].
//!
//! # Guide images
//! [`filter_guided`] and [`filter_guided_into`] take the range weights from a guide image of
//! the same size, with its own sample type and channel count: the joint (cross) bilateral
//! filter. With the image as its own guide the result is [`filter`]'s, byte for byte.
//! [`upsample`] and [`upsample_into`] bring a low-resolution image (a depth map, say) to its
//! guide's resolution by joint bilateral upsampling.
//!
//! # Missing samples
//! [`Params::nan_policy`] chooses what becomes of NaN samples, and of the
//! [`Params::nodata`] value: an error ([`NanPolicy::Reject`], the default), a neighbour that
//! weighs nothing and a centre that stays missing ([`NanPolicy::Skip`]), or a neighbour that
//! weighs nothing and a centre that takes the mean of its valid neighbours under the spatial
//! weights ([`NanPolicy::Fill`], OpenCV's own `f32` code). Exact, on every backend, with the
//! same bytes for any thread count and tile height.
//!
//! # Progress and cancellation
//! [`filter_into_with_progress`] tells a [`Progress`] observer the rows done after each tile
//! of rows; answering [`Flow::Stop`] ends the call with [`Error::Stopped`].
//!
//! # Backends
//! One generic kernel, compiled for plain `f32`, for `wide` (SSE2/NEON), and on x86-64 for
//! AVX2+FMA and AVX-512 inside `#[target_feature]` functions chosen at run time, so a default
//! build uses the best the CPU has. [`Backend`] lets callers force one.
//!
//! # Threads and weight modes
//! Row tiles run on the current rayon pool; output is bit-identical for any thread count, tile
//! height and [`WeightMode`] (how the weights of each pair of pixels are shared).
//!
//! # Features
//! - `image` (default): [`filter_image`] and [`filter_dynamic`] for the `image` crate.
//! - `oracle`: the `oracle` module, the naive `f64` reference the tests compare against.
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

mod backend;
mod border;
mod convert;
mod error;
mod fast;
mod filter;
#[cfg(feature = "image")]
mod images;
mod kernel;
mod lanes;
mod missing;
mod params;
mod progress;
mod report;
mod sample;
mod tiles;
mod upsample;
mod view;
mod weights;

#[cfg(feature = "oracle")]
pub mod oracle;

pub use backend::Backend;
pub use error::Error;
pub use filter::{
    filter, filter_guided, filter_guided_into, filter_guided_into_with_progress, filter_into,
    filter_into_with_progress, filter_into_with_report,
};
#[cfg(feature = "image")]
pub use images::{filter_dynamic, filter_image};
pub use missing::NanPolicy;
pub use params::{
    Border, ColorDistance, DEFAULT_TILE_HEIGHT, MAX_RADIUS, Params, WeightMode, Window,
};
pub use progress::{Flow, Progress};
pub use report::{ExactBecause, Method, Report};
pub use sample::{MAX_SAMPLE_MAGNITUDE, Sample};
pub use upsample::{upsample, upsample_into};
pub use view::{ImageView, ImageViewMut, Layout};
pub use weights::EXP2_MAX_REL_ERROR;
