//! What a filter call did: which method each pass ran, and why the exact one where a
//! tolerance was given.
#![forbid(unsafe_code)]

use std::fmt;

/// Why a pass ran the exact filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExactBecause {
    /// No tolerance was given: the exact filter is the default.
    NoTolerance,
    /// The fast mode covers the square window only (the disc's spatial weights are not
    /// separable).
    Window,
    /// The fast mode covers one channel and [`ColorDistance::PerChannel`](crate::ColorDistance)
    /// only: the joint and L1 distances of several channels have no cosine series of the
    /// kind it uses.
    Distance,
    /// `β = 0`: the range weights are all 1, there is nothing to expand.
    FlatRange,
    /// The tolerance is below what the fast mode can certify for this image (the exact
    /// filter's own accuracy, or the `f32` rounding of the series).
    ToleranceTooSmall,
    /// The cost model found the exact filter faster for this window and image.
    Faster,
    /// The range weights come from a guide, which the fast mode does not take.
    Guide,
    /// A NaN policy or a no-data value is set: the fast mode has no missing samples.
    MissingSamples,
}

impl fmt::Display for ExactBecause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ExactBecause::NoTolerance => "no tolerance given",
            ExactBecause::Window => "the fast mode needs the square window",
            ExactBecause::Distance => "the fast mode needs one channel or the per-channel distance",
            ExactBecause::FlatRange => "beta is 0",
            ExactBecause::ToleranceTooSmall => "the tolerance is below what can be certified",
            ExactBecause::Faster => "the exact filter is faster here",
            ExactBecause::Guide => "the fast mode does not take a guide",
            ExactBecause::MissingSamples => "the fast mode does not take missing samples",
        })
    }
}

/// How one pass was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// The exact filter (the image was copied where the radius or the passes are 0).
    Exact(ExactBecause),
    /// The fast mode (see [`Params::tolerance`](crate::Params::tolerance)): a series of
    /// `terms` cosine terms, with the samples whose certificate failed filtered exactly.
    Fast {
        /// Terms of the range kernel's series.
        terms: usize,
        /// Samples (pixels × filtered channels) computed exactly because the series could
        /// not certify them.
        recomputed: u64,
    },
}

/// What a filter call did, pass by pass.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    /// One entry per pass, in order.
    pub passes: Vec<Method>,
    /// Samples each pass filtered: pixels × filtered channels.
    pub samples_per_pass: u64,
}

impl Report {
    /// Whether any pass ran the fast mode.
    pub fn used_fast_mode(&self) -> bool {
        self.passes.iter().any(|m| matches!(m, Method::Fast { .. }))
    }

    /// Samples computed exactly by the fast passes, over the samples they filtered (0 when
    /// no pass was fast).
    pub fn recomputed_share(&self) -> f64 {
        let (mut fast, mut recomputed) = (0u64, 0u64);
        for m in &self.passes {
            if let Method::Fast { recomputed: r, .. } = m {
                fast += 1;
                recomputed += r;
            }
        }
        if fast == 0 {
            0.0
        } else {
            recomputed as f64 / (fast * self.samples_per_pass.max(1)) as f64
        }
    }
}
