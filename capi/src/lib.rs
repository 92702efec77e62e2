//! # bilateral-capi
//!
//! The C ABI of the [`bilateral`] filter: stateless calls on caller-owned buffers of `uint8_t`,
//! `uint16_t` or `float` samples, with explicit width, height, channels and row strides in
//! bytes. Built as a shared and a static library; the header, `include/bilateral.h`, is
//! generated from this crate by cbindgen and committed (a test keeps it current).
//!
//! ```c
//! BilateralParams params = bilateral_params_default();
//! params.radius = 3;
//! params.sigma_range = 30.0;
//! BilateralStatus s = bilateral_filter_u8(src, src_stride, dst, dst_stride,
//!                                         width, height, 3, &params);
//! if (s != BILATERAL_STATUS_OK) fprintf(stderr, "%s\n", bilateral_status_message(s));
//! ```
//!
//! Every call checks its pointers, geometry, strides, alignment, parameter values and that
//! `src` and `dst` do not overlap, and returns a [`BilateralStatus`]; a panic is caught and
//! reported, never unwound into the host. The library has no overlap error: its safe API cannot
//! alias two slices, so the overlap check is this crate's own.
//!
//! `unsafe` lives in the `ffi` module alone; the Rust functions are exported for the tests,
//! which call them as C would.
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

mod extent;
mod ffi;
mod params;
mod pool;
mod status;

pub use ffi::{
    bilateral_filter_f32, bilateral_filter_guided_f32, bilateral_filter_guided_u8,
    bilateral_filter_guided_u16, bilateral_filter_u8, bilateral_filter_u16,
    bilateral_params_default, bilateral_params_opencv, bilateral_status_message,
    bilateral_upsample_f32, bilateral_upsample_u8, bilateral_upsample_u16, bilateral_version,
};
pub use params::*;
pub use status::BilateralStatus;
