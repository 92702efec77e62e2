//! The one error type: a variant per precondition the library checks at its boundary.
#![forbid(unsafe_code)]

use crate::Backend;

/// Why a filter call was refused. Nothing is written to the output of a refused call except
/// where a variant says so.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The spatial sigma must be finite and greater than zero.
    #[error("sigma_space must be finite and > 0, got {0}")]
    InvalidSigmaSpace(f64),
    /// The range sigma must be finite and greater than zero.
    #[error("sigma_range must be finite and > 0, got {0}")]
    InvalidSigmaRange(f64),
    /// The spatial coefficient α must be finite and at least zero.
    #[error("alpha must be finite and >= 0, got {0}")]
    InvalidAlpha(f64),
    /// The range coefficient β must be finite and at least zero.
    #[error("beta must be finite and >= 0, got {0}")]
    InvalidBeta(f64),
    /// The radius is larger than [`MAX_RADIUS`](crate::MAX_RADIUS).
    #[error("radius {radius} is larger than the maximum {max}")]
    RadiusTooLarge {
        /// The radius asked for.
        radius: usize,
        /// The largest radius supported.
        max: usize,
    },
    /// The value of a constant border must be finite and within
    /// ±[`MAX_SAMPLE_MAGNITUDE`](crate::MAX_SAMPLE_MAGNITUDE), like a sample.
    #[error("the constant border value must be finite and within ±2^60, got {0}")]
    InvalidBorderValue(f64),
    /// The fast mode's tolerance must be finite and greater than zero.
    #[error("tolerance must be finite and > 0, got {0}")]
    InvalidTolerance(f64),
    /// Tiles must hold at least one row.
    #[error("the tile height must be at least 1")]
    ZeroTileHeight,
    /// An image needs at least one row and one column.
    #[error("the image is empty ({width}x{height})")]
    EmptyImage {
        /// Width in pixels.
        width: usize,
        /// Height in pixels.
        height: usize,
    },
    /// Only 1, 2, 3 and 4 channels are supported.
    #[error("{0} channels are not supported (1 to 4 are)")]
    UnsupportedChannels(usize),
    /// A row stride, in elements, must hold at least `width * channels` samples.
    #[error("row stride {stride} is smaller than width * channels = {min}")]
    StrideTooSmall {
        /// The stride given, in samples.
        stride: usize,
        /// The smallest valid stride.
        min: usize,
    },
    /// The buffer ends before the last sample of the last row.
    #[error("buffer holds {len} samples but the geometry needs {needed}")]
    BufferTooShort {
        /// Samples in the buffer.
        len: usize,
        /// Samples the geometry needs: `(height - 1) * stride + width * channels`.
        needed: usize,
    },
    /// The geometry's sample count does not fit in `usize`.
    #[error("image geometry overflows the address space")]
    GeometryOverflow,
    /// Source and destination differ in width, height or channels.
    #[error(
        "source is {src_width}x{src_height}x{src_channels} but destination is {dst_width}x{dst_height}x{dst_channels}"
    )]
    SizeMismatch {
        /// Source width.
        src_width: usize,
        /// Source height.
        src_height: usize,
        /// Source channels.
        src_channels: usize,
        /// Destination width.
        dst_width: usize,
        /// Destination height.
        dst_height: usize,
        /// Destination channels.
        dst_channels: usize,
    },
    /// A floating-point sample is NaN, infinite or larger in magnitude than
    /// [`MAX_SAMPLE_MAGNITUDE`](crate::MAX_SAMPLE_MAGNITUDE). The position is the first such
    /// sample in row-major order. The destination may have been partly written.
    #[error(
        "sample at x={x}, y={y}, channel {channel} is {value}, not a finite value within ±2^60"
    )]
    InvalidSample {
        /// Column of the sample.
        x: usize,
        /// Row of the sample.
        y: usize,
        /// Channel of the sample.
        channel: usize,
        /// Its value.
        value: f32,
    },
    /// A guide's width and height must be the image's.
    #[error("the guide is {guide_width}x{guide_height} but the image is {width}x{height}")]
    GuideSizeMismatch {
        /// Image width.
        width: usize,
        /// Image height.
        height: usize,
        /// Guide width.
        guide_width: usize,
        /// Guide height.
        guide_height: usize,
    },
    /// Under the per-channel distance each filtered channel of a guide weighs the image's
    /// channel of the same index: both need as many, unless the guide has one.
    #[error(
        "per-channel distance: the guide has {guide_channels} filtered channels but the image {channels} (a guide needs as many, or one)"
    )]
    GuideChannelsMismatch {
        /// Filtered channels of the image.
        channels: usize,
        /// Filtered channels of the guide.
        guide_channels: usize,
    },
    /// An upsampling guide's width and height must be the same integer multiple (at least 1)
    /// of the low-resolution image's.
    #[error(
        "the guide is {guide_width}x{guide_height}, not the same integer multiple of the {width}x{height} image in both directions"
    )]
    UpsampleScale {
        /// Low-resolution width.
        width: usize,
        /// Low-resolution height.
        height: usize,
        /// Guide width.
        guide_width: usize,
        /// Guide height.
        guide_height: usize,
    },
    /// A floating-point guide sample is NaN, infinite or larger in magnitude than
    /// [`MAX_SAMPLE_MAGNITUDE`](crate::MAX_SAMPLE_MAGNITUDE): the first such in row-major
    /// order. Nothing was written.
    #[error(
        "guide sample at x={x}, y={y}, channel {channel} is {value}, not a finite value within ±2^60"
    )]
    InvalidGuideSample {
        /// Column of the sample.
        x: usize,
        /// Row of the sample.
        y: usize,
        /// Channel of the sample.
        channel: usize,
        /// Its value.
        value: f32,
    },
    /// A sample equals the no-data value under [`NanPolicy::Reject`](crate::NanPolicy): the
    /// first such in row-major order. The destination may have been partly written.
    #[error(
        "sample at x={x}, y={y}, channel {channel} is the no-data value {value} and the NaN policy is reject"
    )]
    MissingSample {
        /// Column of the sample.
        x: usize,
        /// Row of the sample.
        y: usize,
        /// Channel of the sample.
        channel: usize,
        /// Its value.
        value: f32,
    },
    /// Integer samples cannot be NaN, so neither can their no-data value.
    #[error("a no-data value of NaN for {sample} samples: integers are never NaN")]
    NanNodata {
        /// The sample type.
        sample: &'static str,
    },
    /// The no-data value must be a value the samples can hold: an integer of the type's range,
    /// or a finite `f32`.
    #[error("the no-data value {value} is not a {sample} sample")]
    NodataOutOfRange {
        /// The value asked for.
        value: f64,
        /// The sample type.
        sample: &'static str,
    },
    /// A NaN policy's name is `reject`, `skip` or `fill`.
    #[error("{0:?} is not a NaN policy (reject, skip or fill)")]
    UnknownNanPolicy(String),
    /// The skip and fill policies and the no-data value apply to [`filter`](crate::filter),
    /// not yet to a guided filter or to upsampling.
    #[error(
        "the skip and fill NaN policies and no-data values apply to filter only, not with a guide"
    )]
    MissingWithGuide,
    /// The observer of [`filter_into_with_progress`](crate::filter_into_with_progress) asked
    /// the call to stop after `rows_done` of `rows` rows (of every pass). `dst` is partly
    /// written: some rows hold the last pass's results, the others what they held before or,
    /// with several iterations, an earlier pass's. Discard it.
    #[error("stopped after {rows_done} of {rows} rows: the output is partly written")]
    Stopped {
        /// Rows done when the call stopped.
        rows_done: u64,
        /// Rows of every pass.
        rows: u64,
    },
    /// A `DynamicImage` variant this crate does not filter.
    #[error("colour type {0} is not supported")]
    UnsupportedColorType(String),
    /// The backend asked for is not supported by this CPU or build.
    #[error("backend {wanted} is not available on this CPU (available: {available})")]
    BackendUnavailable {
        /// The backend asked for.
        wanted: Backend,
        /// What this CPU supports, comma separated.
        available: String,
    },
}

impl Error {
    /// The error for a refused sample at `(x, y)`: [`Error::MissingSample`] where it is the
    /// no-data value (`is_nodata`), else [`Error::InvalidSample`].
    pub(crate) fn refused_sample(
        (x, y, channel): (usize, usize, usize),
        value: f32,
        is_nodata: bool,
    ) -> Error {
        if is_nodata {
            Error::MissingSample {
                x,
                y,
                channel,
                value,
            }
        } else {
            Error::InvalidSample {
                x,
                y,
                channel,
                value,
            }
        }
    }
}
