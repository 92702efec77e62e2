//! The inner loop: one output row of the filter, generic over the lane type.
//!
//! # The filter, plainly
//! ```text
//! for each pixel p:
//!     num = 0; den = 0
//!     for each offset o in the window:
//!         w = exp(-α·|o|² - β·D(I(p), I(p+o))²)
//!         num += w · I(p+o);  den += w
//!     out(p) = num / den
//! ```
//!
//! # What the real code adds
//! 1. Rows are converted to `f32`, split into one plane per channel and padded by the border
//!    rule before the kernel sees them (see [`crate::tiles`]): the loop has no bounds logic and
//!    every neighbour of `N` consecutive pixels is one unaligned load.
//! 2. `N` pixels at a time, one per lane; lanes never mix, so a pixel's result does not depend
//!    on which lane or tile computed it, nor on the thread count.
//! 3. One `2^x` per tap on a merged argument: the spatial factor and `log2(e)` are folded into
//!    a per-tap constant and the range factor (see [`crate::weights`]).
//! 4. The centre tap is not computed: its weight is exactly 1, so the sums start at 1 and 0.
//! 5. The sums hold `w·(I(q) - I(p))`, the differences already needed for `D`, and the result is
//!    `I(p) + Σ w·d / Σ w`: rounding error scales with the window's value range, not with the
//!    magnitude of the samples, and a flat window returns its value exactly. The kernel returns
//!    the mean difference; the centre is added as the result is stored (see
//!    [`Sample::offset_by`](crate::Sample::offset_by)), so integer results are exact even where
//!    `f32` cannot hold `c + q` to the last bit.
//! 6. Taps whose spatial factor alone underflows are dropped before the loop.
//!
//! # Error bound
//! With weights off by a relative `ε_w ≤ 2.5e-7` (the exponential) plus the rounding of the
//! argument (a few ulps of `|x|`, which costs `ln 2·|x|·2^-24` relative on a weight `2^x`;
//! `2^x·|x| ≤ 0.54`), each tap moves the result by at most about `1e-7` of the window's range,
//! so for windows up to 81 taps the `f32` result lies within `1e-5 × (max - min)` of the window
//! plus half an ulp of the result, from the exact value. The oracle tests hold this bound.

use crate::backend::LANE_MULTIPLE;
use crate::lanes::Lanes;
use crate::weights::exp2;

/// A tap as the kernel sees it: where its neighbours start in the ring, and its spatial term.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TapAt {
    /// Index in the ring of the neighbour of column 0, channel 0.
    pub at: usize,
    /// `-α·|o|²·log2(e)`.
    pub log2_spatial: f32,
}

/// What one output row reads.
pub(crate) struct RowInput<'a> {
    ring: &'a [f32],
    plane: usize,
    centre: usize,
    taps: &'a [TapAt],
    neg_log2_beta: f32,
    columns: usize,
    channels: usize,
}

impl<'a> RowInput<'a> {
    /// Checks once per row that every load of `channels` planes `plane` apart, `columns` wide,
    /// from `centre` and from each tap, stays inside `ring`; the kernel then loads unchecked.
    ///
    /// # Panics
    /// If a load would leave `ring`: a bug in the caller.
    pub(crate) fn new(
        ring: &'a [f32],
        plane: usize,
        channels: usize,
        centre: usize,
        taps: &'a [TapAt],
        neg_log2_beta: f32,
        columns: usize,
    ) -> Self {
        assert!(columns.is_multiple_of(LANE_MULTIPLE) && channels >= 1);
        let reach = (channels - 1) * plane + columns;
        let last = taps.iter().map(|t| t.at).fold(centre, usize::max);
        assert!(last + reach <= ring.len(), "row input out of bounds");
        RowInput {
            ring,
            plane,
            centre,
            taps,
            neg_log2_beta,
            columns,
            channels,
        }
    }

    /// Channel planes that may be read.
    pub(crate) fn channels(&self) -> usize {
        self.channels
    }
}

/// Vectors of pixels computed side by side: two independent dependency chains per tap keep the
/// FMA pipes busy where one chain would wait on the latency of the accumulating adds.
pub(crate) const UNROLL: usize = 2;

/// Filters one row: writes `NC` planes of `columns` results to `out`, plane after plane. Each
/// result is the weighted mean difference `Σ w·d / Σ w`; the caller adds the centre sample.
/// `L1` chooses the L1 colour distance over the Euclidean one (alike when `NC == 1`).
///
/// # Safety
/// `V`'s CPU features must be available, `V::N * UNROLL` must divide [`LANE_MULTIPLE`], and `row` must
/// have been built for at least `NC` channels.
///
/// # Panics
/// If `out` holds fewer than `NC * row.columns()` values.
#[inline(always)]
pub(crate) unsafe fn filter_row<V: Lanes, const NC: usize, const L1: bool>(
    row: &RowInput<'_>,
    out: &mut [f32],
) {
    debug_assert_eq!(row.columns % (V::N * UNROLL), 0);
    let columns = row.columns;
    let plane = row.plane;
    let out = &mut out[..NC * columns];
    let ring = row.ring.as_ptr();
    // SAFETY: V's features are available (contract). Every load below reads N values at
    // `base + c·plane + x` with base ∈ {centre, tap.at}, c < NC and x + N ≤ columns, which
    // RowInput::new proved to lie in the ring; stores go to out[c·columns + x .. + N], inside
    // the slice just cut to NC·columns.
    unsafe {
        let nb = V::splat(row.neg_log2_beta);
        let mut x0 = 0;
        while x0 < columns {
            let xs: [usize; UNROLL] = std::array::from_fn(|u| x0 + u * V::N);
            let centre: [[V; NC]; UNROLL] = std::array::from_fn(|u| {
                std::array::from_fn(|c| V::load(ring.add(row.centre + c * plane + xs[u])))
            });
            let mut sum_w = [V::splat(1.0); UNROLL];
            let mut sum_wd = [[V::splat(0.0); NC]; UNROLL];
            for tap in row.taps {
                let s = V::splat(tap.log2_spatial);
                for u in 0..UNROLL {
                    let d: [V; NC] = std::array::from_fn(|c| {
                        V::load(ring.add(tap.at + c * plane + xs[u])).sub(centre[u][c])
                    });
                    let dist2 = if L1 && NC > 1 {
                        let l1 = d[1..].iter().fold(d[0].abs(), |a, dc| a.add(dc.abs()));
                        l1.mul(l1)
                    } else {
                        d[1..]
                            .iter()
                            .fold(d[0].mul(d[0]), |a, dc| dc.mul_add(*dc, a))
                    };
                    let w = exp2(dist2.mul_add(nb, s));
                    sum_w[u] = sum_w[u].add(w);
                    for (acc, dc) in sum_wd[u].iter_mut().zip(d) {
                        *acc = w.mul_add(dc, *acc);
                    }
                }
            }
            for u in 0..UNROLL {
                for (c, wd) in sum_wd[u].iter().enumerate() {
                    wd.div(sum_w[u])
                        .store(out.as_mut_ptr().add(c * columns + xs[u]));
                }
            }
            x0 += V::N * UNROLL;
        }
    }
}
