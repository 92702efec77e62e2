//! Missing samples: NaN, or a no-data value, under the skip and fill policies.
//!
//! A pixel is missing when any of its filtered channels is NaN or equals the no-data value.
//! The kernel knows nothing of this: as a row enters the tile's ring, every filtered channel
//! of a missing pixel becomes [`MISSING`], `2^100`. Valid samples lie within `±2^60`, so the
//! difference between a missing and a valid pixel is about `2^100`, its square overflows to
//! `+∞`, the exponent of the weight is `-∞` (or NaN where `β` rounds to 0) and the weight is
//! exactly `+0.0` (the exponential's contract, see [`crate::weights`]). That tap then adds
//! `0` to `Σ w` and `0·2^100 = 0` to `Σ w·d`: a valid pixel's sums are bit for bit those over
//! its valid neighbours alone, on every backend and in every weight mode, since weights shared
//! between the two pixels of a pair are computed from the same operands. Two missing pixels
//! differ by 0 and weigh each other, which only the sums of missing centres see; those
//! results are replaced as the row is stored ([`Missing::patch`]): the missing marker under
//! skip, the mean of the valid neighbours under the spatial weights alone under fill.
#![forbid(unsafe_code)]

use std::fmt;
use std::str::FromStr;

use crate::sample::is_valid_value;
use crate::{Error, Sample};

/// What becomes of missing samples (NaN, or the no-data value: see
/// [`Params::nodata`](crate::Params::nodata)). A pixel is missing when any of its filtered
/// channels is; a kept alpha channel is copied whatever it holds, except that it must not be
/// infinite. Infinite samples, and finite ones beyond ±2^60, are an error under every policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[non_exhaustive]
pub enum NanPolicy {
    /// A missing sample is an error: [`Error::InvalidSample`] for a NaN,
    /// [`Error::MissingSample`] for the no-data value.
    #[default]
    Reject,
    /// A missing neighbour weighs nothing; a missing centre stays missing (NaN for `f32`, the
    /// no-data value for integers), as xarray-spatial, WhiteboxTools and ITK do.
    Skip,
    /// A missing neighbour weighs nothing; a missing centre takes the mean of its valid
    /// neighbours under the spatial weights alone, as OpenCV's own `f32` code does. A window
    /// with no valid sample gives the missing marker.
    Fill,
}

impl NanPolicy {
    /// Every policy.
    pub const ALL: [NanPolicy; 3] = [NanPolicy::Reject, NanPolicy::Skip, NanPolicy::Fill];

    fn name(self) -> &'static str {
        match self {
            NanPolicy::Reject => "reject",
            NanPolicy::Skip => "skip",
            NanPolicy::Fill => "fill",
        }
    }
}

impl fmt::Display for NanPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for NanPolicy {
    type Err = Error;
    /// `reject`, `skip` or `fill`; anything else is [`Error::UnknownNanPolicy`].
    fn from_str(s: &str) -> Result<Self, Error> {
        NanPolicy::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| Error::UnknownNanPolicy(s.to_owned()))
    }
}

/// What a missing pixel's filtered channels hold in the ring (see the module documentation).
pub(crate) const MISSING: f32 = (1u128 << 100) as f32;

/// The policy and the no-data value of a call, checked for the sample type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Missing {
    pub policy: NanPolicy,
    /// The no-data value as the samples hold it; `None` for NaN or none given.
    pub nodata: Option<f32>,
}

/// The spatial weight `2^s` of one tap, where the fill of a missing centre reads it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FillTap {
    /// Offset in the ring from the centre's index.
    pub offset: isize,
    /// `2^log2_spatial`.
    pub weight: f64,
}

impl Missing {
    /// Checks `nodata` (in the sample's units) for sample type `T`: an integer of its range,
    /// or for `f32` any finite `f32` (NaN adds nothing: NaN is always missing).
    pub(crate) fn new<T: Sample>(policy: NanPolicy, nodata: Option<f64>) -> Result<Self, Error> {
        let nodata = match nodata {
            None => None,
            Some(v) if v.is_nan() && T::IS_FLOAT => None,
            Some(v) if v.is_nan() => return Err(Error::NanNodata { sample: T::NAME }),
            Some(v) => {
                let fits = if T::IS_FLOAT {
                    v.abs() <= f64::from(f32::MAX)
                } else {
                    v.fract() == 0.0 && (0.0..=f64::from(T::FULL_SCALE)).contains(&v)
                };
                if !fits {
                    return Err(Error::NodataOutOfRange {
                        value: v,
                        sample: T::NAME,
                    });
                }
                Some(v as f32)
            }
        };
        Ok(Missing { policy, nodata })
    }

    /// Whether anything differs from the default: reject, with NaN the only missing value.
    pub(crate) fn is_set(&self) -> bool {
        *self != Missing::default()
    }

    /// Whether missing samples are filtered around (skip or fill) rather than refused.
    pub(crate) fn is_allowed(&self) -> bool {
        self.policy != NanPolicy::Reject
    }

    /// Whether `v` is a missing sample.
    #[inline(always)]
    pub(crate) fn is_missing(&self, v: f32) -> bool {
        v.is_nan() || Some(v) == self.nodata
    }

    /// Whether a sample of a filtered channel is refused: infinite or beyond ±2^60 under
    /// every policy, missing under reject.
    #[inline(always)]
    pub(crate) fn refuses(&self, v: f32) -> bool {
        if self.is_missing(v) {
            !self.is_allowed()
        } else {
            !is_valid_value(v)
        }
    }

    /// Whether a kept alpha sample is refused: as [`Missing::refuses`] under reject,
    /// infinite or beyond ±2^60 otherwise (a NaN alpha is copied).
    pub(crate) fn refuses_alpha(&self, v: f32) -> bool {
        if self.is_allowed() {
            !v.is_nan() && !is_valid_value(v)
        } else {
            self.refuses(v)
        }
    }

    /// Copies a row of `channels`-sample pixels, of which `filtered` are filtered, as a
    /// radius of 0 filters it: under skip and fill, a missing pixel's filtered channels get
    /// the missing marker (NaN for `f32`, also where the no-data value was).
    pub(crate) fn copy_row<T: Sample>(
        &self,
        dst: &mut [T],
        src: &[T],
        channels: usize,
        filtered: usize,
    ) {
        dst.copy_from_slice(src);
        if !self.is_allowed() {
            return;
        }
        let marker = self.marker::<T>();
        for px in dst.chunks_exact_mut(channels) {
            if px[..filtered].iter().any(|s| self.is_missing(s.to_f32())) {
                px[..filtered].fill(marker);
            }
        }
    }

    /// What a missing centre's filtered channels hold in the output.
    fn marker<T: Sample>(&self) -> T {
        T::ZERO.offset_by(if T::IS_FLOAT {
            f32::NAN
        } else {
            self.nodata.unwrap_or(0.0)
        })
    }

    /// Marks the missing pixels of a ring slot of planes `padded` apart: every plane of a
    /// missing pixel becomes [`MISSING`]. `Err` if a sample is refused. Each loop is a plain
    /// pass over one plane, so that it vectorises; a slot with nothing missing or refused (one
    /// branch-free scan) is left as it is.
    pub(crate) fn mark(&self, slot: &mut [f32], padded: usize) -> Result<(), ()> {
        // NaN equals nothing: without a no-data value only the first test can hold.
        let nodata = self.nodata.unwrap_or(f32::NAN);
        let unusual = |v: f32| !is_valid_value(v) | (v == nodata);
        if !slot.iter().fold(false, |any, &v| any | unusual(v)) {
            return Ok(());
        }
        let refused = slot.iter().fold(false, |any, &v| any | self.refuses(v));
        if refused {
            return Err(());
        }
        let (first, rest) = slot.split_at_mut(padded);
        for v in first.iter_mut() {
            if self.is_missing(*v) {
                *v = MISSING;
            }
        }
        for plane in rest.chunks_exact(padded) {
            for (m, &v) in first.iter_mut().zip(plane) {
                if self.is_missing(v) {
                    *m = MISSING;
                }
            }
        }
        for plane in rest.chunks_exact_mut(padded) {
            for (v, &m) in plane.iter_mut().zip(first.iter()) {
                if m == MISSING {
                    *v = MISSING;
                }
            }
        }
        Ok(())
    }

    /// Replaces the results at the missing centres of one row: `dst` holds `columns` pixels of
    /// `channels` samples, of which `filtered` are filtered; `ring[centre + c·padded + x]` is
    /// channel `c` of the row's pixel `x`, and `taps` reach its neighbours. Under skip every
    /// filtered channel of a missing pixel gets the missing marker, under fill the mean of the
    /// valid neighbours under the spatial weights, or the marker where none is valid.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn patch<T: Sample>(
        &self,
        dst: &mut [T],
        (channels, filtered): (usize, usize),
        ring: &[f32],
        (centre, padded): (usize, usize),
        taps: &[FillTap],
    ) {
        let marker = self.marker::<T>();
        for (x, px) in dst.chunks_exact_mut(channels).enumerate() {
            let at = centre + x;
            if ring[at] != MISSING {
                continue;
            }
            let px = &mut px[..filtered];
            px.fill(marker);
            if self.policy != NanPolicy::Fill {
                continue;
            }
            let (mut num, mut den) = ([0.0f64; 4], 0.0f64);
            for t in taps {
                let q = at.wrapping_add_signed(t.offset);
                if ring[q] == MISSING {
                    continue;
                }
                den += t.weight;
                for (c, n) in num[..filtered].iter_mut().enumerate() {
                    *n += t.weight * f64::from(ring[q + c * padded]);
                }
            }
            if den > 0.0 {
                for (d, n) in px.iter_mut().zip(num) {
                    *d = T::ZERO.offset_by((n / den) as f32);
                }
            }
        }
    }
}

impl Default for Missing {
    fn default() -> Self {
        Missing {
            policy: NanPolicy::Reject,
            nodata: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_is_far_beyond_every_valid_sample() {
        let d = MISSING - crate::MAX_SAMPLE_MAGNITUDE;
        assert!(d.is_finite() && (d * d).is_infinite());
        assert_eq!(MISSING - MISSING, 0.0);
    }

    #[test]
    fn nodata_must_be_a_sample() {
        assert_eq!(
            Missing::new::<u8>(NanPolicy::Skip, Some(f64::NAN)),
            Err(Error::NanNodata { sample: "u8" })
        );
        for v in [256.0, -1.0, 2.5] {
            assert_eq!(
                Missing::new::<u8>(NanPolicy::Skip, Some(v)),
                Err(Error::NodataOutOfRange {
                    value: v,
                    sample: "u8"
                })
            );
        }
        assert!(Missing::new::<u16>(NanPolicy::Skip, Some(65535.0)).is_ok());
        assert!(Missing::new::<f32>(NanPolicy::Skip, Some(-3.4e38)).is_ok());
        assert!(Missing::new::<f32>(NanPolicy::Skip, Some(1e39)).is_err());
        assert_eq!(
            Missing::new::<f32>(NanPolicy::Fill, Some(f64::NAN)).map(|m| m.nodata),
            Ok(None)
        );
    }

    #[test]
    fn policies_read_their_names() {
        for p in NanPolicy::ALL {
            assert_eq!(p.to_string().parse::<NanPolicy>(), Ok(p));
        }
        assert_eq!(
            "drop".parse::<NanPolicy>(),
            Err(Error::UnknownNanPolicy("drop".into()))
        );
    }
}
