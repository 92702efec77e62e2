//! The status every filter call returns, its message, and how library errors map onto it.
#![forbid(unsafe_code)]

use std::ffi::{CStr, c_int};

use bilateral::Error;

/// What a filter call did. `BILATERAL_STATUS_OK` is 0; every other value is a refusal or a
/// failure, and `bilateral_status_message` describes it. The values are fixed: new ones are
/// only ever added at the end.
///
/// Unless a status says otherwise, a call that returns it has not written to `dst`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BilateralStatus {
    /// The call succeeded: `dst` holds the filtered image.
    Ok = 0,
    /// `src`, `dst` or `params` is NULL.
    NullPointer = 1,
    /// A field of the parameters that takes one of a set of constants (`spatial_mode`,
    /// `range_mode`, `window`, `distance`, `border`, `backend`) holds another value.
    InvalidEnum = 2,
    /// A sigma, alpha, beta or the constant border value is out of range: sigmas must be finite
    /// and > 0 (`sigma_range` may also be 0, its default), alpha and beta finite and >= 0, the
    /// border value finite and within +/-2^60.
    InvalidParameter = 3,
    /// The radius is larger than 64.
    RadiusTooLarge = 4,
    /// The width or the height is 0.
    EmptyImage = 5,
    /// The channel count is not 1, 2, 3 or 4.
    UnsupportedChannels = 6,
    /// A row stride is smaller than `width * channels * sizeof(sample)` or not a multiple of
    /// `sizeof(sample)`.
    BadStride = 7,
    /// `src` or `dst` is not aligned to the sample type (2 bytes for u16, 4 for f32).
    Misaligned = 8,
    /// An image's bytes, `(height - 1) * stride + width * channels * sizeof(sample)`, overflow
    /// `size_t`, exceed `PTRDIFF_MAX`, or run past the end of the address space.
    TooLarge = 9,
    /// The bytes of `src` and `dst` (from each one's first sample to its last, row padding
    /// included) intersect. Filtering in place is not supported.
    Overlap = 10,
    /// An f32 sample is NaN, infinite or larger in magnitude than 2^60. `dst` may have been
    /// partly written.
    InvalidSample = 11,
    /// The backend asked for is not supported by this CPU or build.
    BackendUnavailable = 12,
    /// The thread pool of `threads` threads could not be started.
    ThreadPool = 13,
    /// The library panicked: a bug, caught before it could reach the caller. `dst` may have
    /// been partly written.
    Panic = 14,
    /// The library returned an error this interface rules out before calling it: a bug.
    Internal = 15,
    /// The guide of a joint filter is not the image's width and height.
    GuideSize = 16,
    /// Under `BILATERAL_DISTANCE_PER_CHANNEL` a guide of several filtered channels needs as
    /// many as the image.
    GuideChannels = 17,
    /// An f32 guide sample is NaN, infinite or larger in magnitude than 2^60.
    InvalidGuideSample = 18,
    /// An upsampling guide's width and height are not the same integer multiple of the low
    /// image's, or `dst` is not the guide's width and height.
    UpsampleScale = 19,
    /// The progress callback asked the call to stop. `dst` is partly written.
    Stopped = 20,
    /// The no-data value is not a sample of the type: NaN for u8 or u16, not an integer of
    /// their range, or not a finite f32.
    InvalidNodata = 21,
    /// A sample is the no-data value and `nan_policy` is `BILATERAL_NAN_REJECT`. `dst` may
    /// have been partly written.
    MissingSample = 22,
    /// `nan_policy` skip or fill, or a no-data value, with a guide: not supported yet.
    MissingWithGuide = 23,
}

impl BilateralStatus {
    const ALL: [BilateralStatus; 24] = [
        BilateralStatus::Ok,
        BilateralStatus::NullPointer,
        BilateralStatus::InvalidEnum,
        BilateralStatus::InvalidParameter,
        BilateralStatus::RadiusTooLarge,
        BilateralStatus::EmptyImage,
        BilateralStatus::UnsupportedChannels,
        BilateralStatus::BadStride,
        BilateralStatus::Misaligned,
        BilateralStatus::TooLarge,
        BilateralStatus::Overlap,
        BilateralStatus::InvalidSample,
        BilateralStatus::BackendUnavailable,
        BilateralStatus::ThreadPool,
        BilateralStatus::Panic,
        BilateralStatus::Internal,
        BilateralStatus::GuideSize,
        BilateralStatus::GuideChannels,
        BilateralStatus::InvalidGuideSample,
        BilateralStatus::UpsampleScale,
        BilateralStatus::Stopped,
        BilateralStatus::InvalidNodata,
        BilateralStatus::MissingSample,
        BilateralStatus::MissingWithGuide,
    ];

    /// The status with this value, if there is one. C may pass any `int`, and turning an
    /// unknown one into the enum would be undefined behaviour.
    pub fn from_int(value: c_int) -> Option<BilateralStatus> {
        Self::ALL.into_iter().find(|s| *s as c_int == value)
    }

    /// One line saying what went wrong, in static storage.
    pub fn message(self) -> &'static CStr {
        match self {
            BilateralStatus::Ok => c"success",
            BilateralStatus::NullPointer => c"src, dst or params is NULL",
            BilateralStatus::InvalidEnum => {
                c"a parameter field holds a value that is none of its BILATERAL_* constants"
            }
            BilateralStatus::InvalidParameter => {
                c"a sigma, alpha, beta or the constant border value is out of range"
            }
            BilateralStatus::RadiusTooLarge => c"the radius is larger than 64",
            BilateralStatus::EmptyImage => c"the width or the height is 0",
            BilateralStatus::UnsupportedChannels => c"only 1, 2, 3 and 4 channels are supported",
            BilateralStatus::BadStride => {
                c"a row stride is smaller than a row or not a multiple of the sample size"
            }
            BilateralStatus::Misaligned => c"src or dst is not aligned to the sample size",
            BilateralStatus::TooLarge => c"the image's byte size overflows the address space",
            BilateralStatus::Overlap => c"the source and destination buffers overlap",
            BilateralStatus::InvalidSample => {
                c"an f32 sample is NaN, infinite or larger in magnitude than 2^60"
            }
            BilateralStatus::BackendUnavailable => {
                c"the backend asked for is not available on this CPU"
            }
            BilateralStatus::ThreadPool => c"the thread pool could not be started",
            BilateralStatus::Panic => c"internal error: the library panicked (a bug)",
            BilateralStatus::Internal => c"internal error: an unexpected library error (a bug)",
            BilateralStatus::GuideSize => c"the guide is not the image's width and height",
            BilateralStatus::GuideChannels => {
                c"per-channel distance: the guide needs as many filtered channels as the image, or one"
            }
            BilateralStatus::InvalidGuideSample => {
                c"an f32 guide sample is NaN, infinite or larger in magnitude than 2^60"
            }
            BilateralStatus::UpsampleScale => {
                c"the guide is not the same integer multiple of the low image in both directions, or dst is not the guide's size"
            }
            BilateralStatus::Stopped => {
                c"the progress callback stopped the call: dst is partly written"
            }
            BilateralStatus::InvalidNodata => {
                c"the no-data value is not a sample of the type (NaN or out of range for integers, not finite for f32)"
            }
            BilateralStatus::MissingSample => {
                c"a sample is the no-data value and the NaN policy is reject"
            }
            BilateralStatus::MissingWithGuide => {
                c"the skip and fill NaN policies and no-data values do not take a guide"
            }
        }
    }
}

impl From<&Error> for BilateralStatus {
    fn from(e: &Error) -> Self {
        match e {
            Error::InvalidSigmaSpace(_)
            | Error::InvalidSigmaRange(_)
            | Error::InvalidAlpha(_)
            | Error::InvalidBeta(_)
            | Error::InvalidBorderValue(_)
            | Error::InvalidTolerance(_) => BilateralStatus::InvalidParameter,
            Error::RadiusTooLarge { .. } => BilateralStatus::RadiusTooLarge,
            Error::EmptyImage { .. } => BilateralStatus::EmptyImage,
            Error::UnsupportedChannels(_) => BilateralStatus::UnsupportedChannels,
            Error::StrideTooSmall { .. } => BilateralStatus::BadStride,
            Error::GeometryOverflow => BilateralStatus::TooLarge,
            Error::InvalidSample { .. } => BilateralStatus::InvalidSample,
            Error::BackendUnavailable { .. } => BilateralStatus::BackendUnavailable,
            Error::GuideSizeMismatch { .. } => BilateralStatus::GuideSize,
            Error::GuideChannelsMismatch { .. } => BilateralStatus::GuideChannels,
            Error::InvalidGuideSample { .. } => BilateralStatus::InvalidGuideSample,
            Error::UpsampleScale { .. } => BilateralStatus::UpsampleScale,
            Error::Stopped { .. } => BilateralStatus::Stopped,
            Error::NanNodata { .. } | Error::NodataOutOfRange { .. } => {
                BilateralStatus::InvalidNodata
            }
            Error::MissingSample { .. } => BilateralStatus::MissingSample,
            Error::MissingWithGuide => BilateralStatus::MissingWithGuide,
            // The tile height is not settable from C, the slices are made exactly long enough
            // and both images share one shape; a DynamicImage never comes through here.
            _ => BilateralStatus::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_unknown_ones_are_refused() {
        for (i, s) in BilateralStatus::ALL.into_iter().enumerate() {
            assert_eq!(s as usize, i, "{s:?}: the values are contiguous from 0");
            assert_eq!(BilateralStatus::from_int(s as c_int), Some(s));
            assert!(!s.message().is_empty());
        }
        assert_eq!(BilateralStatus::from_int(-1), None);
        assert_eq!(BilateralStatus::from_int(24), None);
    }
}
