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
//! 7. `w(p, q) = w(q, p)`: the window is symmetric and `D` is symmetric, so for small windows
//!    the weights of the forward half of the taps (`dy > 0`, or `dy = 0` and `dx > 0`) are
//!    computed once per pixel by [`weigh_row`] into a ring of weight rows, and [`filter_row`]
//!    loads the weight of a backward tap `-o` at `p` from where pixel `p - o` stored its forward
//!    tap `o`. The weight is computed from the same operands either way (`(-d)² = d²` exactly),
//!    so the result is bit for bit the one of computing every weight in place (which the
//!    kernel still does for large windows, whose weight ring would not fit in cache); the sums
//!    run over the taps in the same order in both, the forward taps first.
//! 8. Where the ISA has registers to spare (AVX-512), [`weigh_row`] also takes the sums over
//!    the forward taps as it weighs them, and [`filter_row`] starts from those and adds the
//!    backward taps only: the forward taps' neighbours are then loaded once, not twice. The
//!    sums are the same operations in the same order, so the bits do not change.
//! 9. While it filters a row, the kernel asks the memory system for the tile's next input row
//!    and next output row, a few cache lines per block of columns (see
//!    [`RowInput::prefetching`]): on frames larger than the caches, rows then arrive while the
//!    kernel computes instead of stalling the conversions in and out.
//!
//! # Error bound
//! With weights off by a relative `ε_w ≤ 2.5e-7` (the exponential) plus the rounding of the
//! argument (a few ulps of `|x|`, which costs `ln 2·|x|·2^-24` relative on a weight `2^x`;
//! `2^x·|x| ≤ 0.54`), each tap moves the result by at most about `1e-7` of the window's range,
//! so for windows up to 81 taps the `f32` result lies within `1e-5 × (max - min)` of the window
//! plus half an ulp of the result, from the exact value. The oracle tests hold this bound.

use std::marker::PhantomData;

use crate::backend::LANE_MULTIPLE;
use crate::lanes::Lanes;
use crate::weights::exp2;

/// A tap as the kernel sees it: where its neighbours start in the ring, its spatial term, and
/// where its weights are when they were computed ahead (see [`weigh_row`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct TapAt {
    /// Index in the ring of the neighbour of column 0, channel 0.
    pub at: usize,
    /// `-α·|o|²·log2(e)`.
    pub log2_spatial: f32,
    /// Index in the weight ring of this tap's weight at column 0, when weights are shared;
    /// when weighing, where in its row of weights the weight of column 0 goes.
    pub weight_at: usize,
}

/// What one row of the kernel reads.
pub(crate) struct RowInput<'a> {
    ring: &'a [f32],
    plane: usize,
    centre: usize,
    taps: &'a [TapAt],
    neg_log2_beta: f32,
    columns: usize,
    channels: usize,
    /// Weights computed ahead by [`weigh_row`], read at each tap's `weight_at`; `None` to
    /// compute them in place.
    weights: Option<&'a [f32]>,
    /// With shared weights, empty or the sums over the forward taps that [`weigh_row`] left:
    /// `Σ w` from `sums[0]` and `Σ w·d` of channel `c` from `sums[(c + 1)·sums_stride]`,
    /// column 0 at index 0. With them, the kernel's `taps` are the backward ones only.
    sums: &'a [f32],
    sums_stride: usize,
    /// The rows the caller reads and writes next, asked for a share per block of columns (see
    /// [`RowInput::prefetching`]).
    next_read: Prefetch<'a>,
    next_write: Prefetch<'a>,
}

/// A row of samples to bring into cache while the kernel computes.
#[derive(Clone, Copy)]
pub(crate) struct Prefetch<'a> {
    at: *const u8,
    len: usize,
    row: PhantomData<&'a [u8]>,
}

impl<'a> Prefetch<'a> {
    pub(crate) const NONE: Prefetch<'static> = Prefetch {
        at: std::ptr::null(),
        len: 0,
        row: PhantomData,
    };

    /// The bytes of `row`, from the start of the cache line it starts in, so that asking for
    /// lines 64 bytes apart reaches its last one too.
    pub(crate) fn new<T>(row: &'a [T]) -> Self {
        let at = row.as_ptr().cast::<u8>();
        let skew = at.addr() % 64;
        Prefetch {
            at: at.wrapping_sub(skew),
            len: size_of_val(row) + skew,
            row: PhantomData,
        }
    }

    /// Asks for the cache lines from `*cursor` up to byte `to` of the row and moves the cursor
    /// past them: a hint, with no effect on results. Rows to be written are asked for as if to
    /// be read: a write hint needs `prfchw`, a target feature Rust does not yet enable stably,
    /// and it measured no faster.
    /// Elsewhere than on x86-64 it asks for nothing: the portable backend's `wide` has no
    /// prefetch, and stable Rust has none for aarch64.
    #[inline(always)]
    fn ask(&self, cursor: &mut usize, to: usize) {
        #[cfg(target_arch = "x86_64")]
        {
            use core::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
            let to = to.min(self.len);
            while *cursor < to {
                // SAFETY: SSE is part of the x86-64 baseline, and a prefetch reads nothing and
                // cannot fault, whatever the address.
                unsafe { _mm_prefetch::<_MM_HINT_T0>(self.at.wrapping_add(*cursor).cast()) };
                *cursor += 64;
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = (self.at, cursor, to);
    }
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
            weights: None,
            sums: &[],
            sums_stride: 0,
            next_read: Prefetch::NONE,
            next_write: Prefetch::NONE,
        }
    }

    /// The same row, bringing `read` and `write` into cache a share at a time as it is
    /// filtered, so that the caller's next read and write of image rows find them there: the
    /// memory is fetched while the kernel computes rather than while the caller waits (8-12%
    /// on frames larger than the caches, 1-3% slower on frames inside them).
    pub(crate) fn prefetching(mut self, read: Prefetch<'a>, write: Prefetch<'a>) -> Self {
        self.next_read = read;
        self.next_write = write;
        self
    }

    /// The same row, filtered with the weights computed ahead in `weights`, read from each
    /// tap's `weight_at`, and starting from the sums over the forward taps in `sums` (planes
    /// `stride` apart) unless it is empty; checks that every load stays inside.
    ///
    /// # Panics
    /// If a load would leave `weights`: a bug in the caller.
    pub(crate) fn sharing(mut self, weights: &'a [f32], sums: &'a [f32], stride: usize) -> Self {
        let last = self.taps.iter().map(|t| t.weight_at).max().unwrap_or(0);
        assert!(
            last + self.columns <= weights.len(),
            "weights out of bounds"
        );
        assert!(
            sums.is_empty()
                || (stride >= self.columns && self.channels * stride + self.columns <= sums.len()),
            "sums out of bounds"
        );
        self.weights = Some(weights);
        self.sums = sums;
        self.sums_stride = stride;
        self
    }

    /// Channel planes that may be read.
    pub(crate) fn channels(&self) -> usize {
        self.channels
    }

    /// Whether the weights were computed ahead.
    pub(crate) fn shares_weights(&self) -> bool {
        self.weights.is_some()
    }

    /// Values one [`weigh_row`] call writing taps `stride` apart spans.
    pub(crate) fn weight_span(&self, stride: usize) -> usize {
        self.taps
            .iter()
            .enumerate()
            .map(|(k, t)| k * stride + t.weight_at + self.columns)
            .max()
            .unwrap_or(0)
    }
}

/// Vectors of pixels computed side by side unless a backend takes more (see
/// [`crate::backend`]): two independent dependency chains per tap keep the FMA pipes busy where
/// one chain would wait on the latency of the accumulating adds.
pub(crate) const UNROLL: usize = 2;

/// The differences `I(q) - I(p)` of `NC` channels at one tap, `N` pixels from column `x`.
///
/// # Safety
/// `V`'s features must be available; the loads must lie in the ring (see [`RowInput::new`]).
#[inline(always)]
unsafe fn differences<V: Lanes, const NC: usize>(
    row: &RowInput<'_>,
    at: usize,
    centre: &[V; NC],
    x: usize,
) -> [V; NC] {
    let ring = row.ring.as_ptr();
    // SAFETY: forwarded from the caller.
    std::array::from_fn(|c| unsafe { V::load(ring.add(at + c * row.plane + x)).sub(centre[c]) })
}

/// Adds one tap's weight `w` and weighted differences `w·d` to the sums. [`filter_row`] and
/// [`weigh_row`] both take their sums through it, so that sums over the forward taps taken
/// while weighing are bit for bit those the filter would take.
///
/// # Safety
/// `V`'s features must be available.
#[inline(always)]
unsafe fn accumulate<V: Lanes, const NC: usize>(
    sum_w: &mut V,
    sum_wd: &mut [V; NC],
    w: V,
    d: [V; NC],
) {
    // SAFETY: forwarded from the caller.
    unsafe {
        *sum_w = sum_w.add(w);
        for (acc, dc) in sum_wd.iter_mut().zip(d) {
            *acc = w.mul_add(dc, *acc);
        }
    }
}

/// The weight `2^(s + b·D²)` of one tap from its differences `d`.
///
/// # Safety
/// `V`'s features must be available.
#[inline(always)]
unsafe fn weight<V: Lanes, const NC: usize, const L1: bool>(d: &[V; NC], nb: V, s: V) -> V {
    // SAFETY: forwarded from the caller.
    unsafe {
        let dist2 = if L1 && NC > 1 {
            let l1 = d[1..].iter().fold(d[0].abs(), |a, dc| a.add(dc.abs()));
            l1.mul(l1)
        } else {
            d[1..]
                .iter()
                .fold(d[0].mul(d[0]), |a, dc| dc.mul_add(*dc, a))
        };
        exp2(dist2.mul_add(nb, s))
    }
}

/// Filters one row: writes `NC` planes of `columns` results to `out`, plane after plane, `U`
/// vectors of pixels at a time. Each result is the weighted mean difference `Σ w·d / Σ w`; the
/// caller adds the centre sample.
/// `L1` chooses the L1 colour distance over the Euclidean one (alike when `NC == 1`).
/// `SHARED` loads the weights that `row` carries instead of computing them.
///
/// # Safety
/// `V`'s CPU features must be available, `V::N * U` must divide [`LANE_MULTIPLE`], `row`
/// must have been built for at least `NC` channels, and with weights exactly when `SHARED`.
///
/// # Panics
/// If `out` holds fewer than `NC * row.columns()` values.
#[inline(always)]
pub(crate) unsafe fn filter_row<
    V: Lanes,
    const NC: usize,
    const L1: bool,
    const SHARED: bool,
    const U: usize,
>(
    row: &RowInput<'_>,
    out: &mut [f32],
) {
    debug_assert_eq!(row.columns % (V::N * U), 0);
    debug_assert_eq!(row.weights.is_some(), SHARED);
    let columns = row.columns;
    let plane = row.plane;
    let out = &mut out[..NC * columns];
    let ring = row.ring.as_ptr();
    let weights = row.weights.unwrap_or_default().as_ptr();
    // SAFETY: V's features are available (contract). Every load below reads N values at
    // `base + c·plane + x` with base ∈ {centre, tap.at}, c < NC and x + N ≤ columns, which
    // RowInput::new proved to lie in the ring; weights are read only when SHARED, at
    // `tap.weight_at + x`, which RowInput::sharing proved to lie in the weights; stores go to
    // out[c·columns + x .. + N], inside the slice just cut to NC·columns.
    unsafe {
        let nb = V::splat(row.neg_log2_beta);
        // Bytes of the next rows to ask for per column filtered, and how far they were.
        let read_step = row.next_read.len.div_ceil(columns);
        let write_step = row.next_write.len.div_ceil(columns);
        let (mut read_at, mut write_at) = (0, 0);
        let mut x0 = 0;
        while x0 < columns {
            let x1 = x0 + V::N * U;
            row.next_read.ask(&mut read_at, x1 * read_step);
            row.next_write.ask(&mut write_at, x1 * write_step);
            let xs: [usize; U] = std::array::from_fn(|u| x0 + u * V::N);
            let centre: [[V; NC]; U] = std::array::from_fn(|u| {
                std::array::from_fn(|c| V::load(ring.add(row.centre + c * plane + xs[u])))
            });
            let (mut sum_w, mut sum_wd) = if SHARED && !row.sums.is_empty() {
                let sums = row.sums.as_ptr();
                let stride = row.sums_stride;
                (
                    std::array::from_fn(|u| V::load(sums.add(xs[u]))),
                    std::array::from_fn(|u| {
                        std::array::from_fn(|c| V::load(sums.add((c + 1) * stride + xs[u])))
                    }),
                )
            } else {
                ([V::splat(1.0); U], [[V::splat(0.0); NC]; U])
            };
            for tap in row.taps {
                let s = V::splat(tap.log2_spatial);
                for u in 0..U {
                    let d = differences(row, tap.at, &centre[u], xs[u]);
                    let w = if SHARED {
                        V::load(weights.add(tap.weight_at + xs[u]))
                    } else {
                        weight::<V, NC, L1>(&d, nb, s)
                    };
                    accumulate(&mut sum_w[u], &mut sum_wd[u], w, d);
                }
            }
            for u in 0..U {
                for (c, wd) in sum_wd[u].iter().enumerate() {
                    wd.div(sum_w[u])
                        .store(out.as_mut_ptr().add(c * columns + xs[u]));
                }
            }
            x0 += V::N * U;
        }
    }
}

/// Computes the weights of one row of pixels ahead: for each tap `k` of `row`, the weights of
/// `columns` pixels from the centre go to `out[k·stride + weight_at ..][..columns]`, the tap's
/// `weight_at` moving them within their row. Each weight is the one
/// [`filter_row`] would compute for that pixel and tap. Unless `sums` is empty, the sums
/// [`filter_row`] would have over these taps go there too: `Σ w` (from the centre's 1), then
/// `Σ w·d` for each channel, planes of `columns`.
///
/// # Safety
/// As for [`filter_row`] without weights.
///
/// # Panics
/// If `stride < columns + weight_at` for a tap, or `out` holds fewer than
/// [`RowInput::weight_span`] values.
#[inline(always)]
pub(crate) unsafe fn weigh_row<V: Lanes, const NC: usize, const L1: bool, const U: usize>(
    row: &RowInput<'_>,
    out: &mut [f32],
    stride: usize,
    sums: &mut [f32],
) {
    debug_assert_eq!(row.columns % (V::N * U), 0);
    let columns = row.columns;
    assert!(row.taps.iter().all(|t| t.weight_at + columns <= stride));
    let out = &mut out[..row.weight_span(stride)];
    // Two compiled loops rather than a flag tested inside one: with the flag, AVX2 keeps the
    // accumulators live and spills (RGB f32 12% slower).
    if sums.is_empty() {
        // SAFETY: forwarded from the caller.
        unsafe { weigh_columns::<V, NC, L1, false, U>(row, out, stride, sums) }
    } else {
        assert!(sums.len() >= (NC + 1) * columns);
        // SAFETY: forwarded from the caller; sums hold NC + 1 planes of `columns`.
        unsafe { weigh_columns::<V, NC, L1, true, U>(row, out, stride, sums) }
    }
}

/// [`weigh_row`]'s loop, keeping the sums exactly when `SUMS`.
///
/// # Safety
/// As for [`weigh_row`], `out` cut to the weight span, and with `SUMS` `sums` holding
/// `NC + 1` planes of `columns`.
#[inline(always)]
unsafe fn weigh_columns<
    V: Lanes,
    const NC: usize,
    const L1: bool,
    const SUMS: bool,
    const U: usize,
>(
    row: &RowInput<'_>,
    out: &mut [f32],
    stride: usize,
    sums: &mut [f32],
) {
    let columns = row.columns;
    let ring = row.ring.as_ptr();
    // SAFETY: V's features are available (contract); loads as in filter_row, which
    // RowInput::new proved to lie in the ring; stores go to out[k·stride + weight_at + x .. + N]
    // with k < taps and x + N ≤ columns, inside the slice just cut to the weight span, and
    // to sums[c·columns + x .. + N] with c ≤ NC, inside sums as asserted.
    unsafe {
        let nb = V::splat(row.neg_log2_beta);
        let mut x0 = 0;
        while x0 < columns {
            let xs: [usize; U] = std::array::from_fn(|u| x0 + u * V::N);
            let centre: [[V; NC]; U] = std::array::from_fn(|u| {
                std::array::from_fn(|c| V::load(ring.add(row.centre + c * row.plane + xs[u])))
            });
            let mut sum_w = [V::splat(1.0); U];
            let mut sum_wd = [[V::splat(0.0); NC]; U];
            for (k, tap) in row.taps.iter().enumerate() {
                let s = V::splat(tap.log2_spatial);
                for u in 0..U {
                    let d = differences(row, tap.at, &centre[u], xs[u]);
                    let w = weight::<V, NC, L1>(&d, nb, s);
                    w.store(out.as_mut_ptr().add(k * stride + tap.weight_at + xs[u]));
                    if SUMS {
                        accumulate(&mut sum_w[u], &mut sum_wd[u], w, d);
                    }
                }
            }
            if SUMS {
                for u in 0..U {
                    sum_w[u].store(sums.as_mut_ptr().add(xs[u]));
                    for (c, wd) in sum_wd[u].iter().enumerate() {
                        wd.store(sums.as_mut_ptr().add((c + 1) * columns + xs[u]));
                    }
                }
            }
            x0 += V::N * U;
        }
    }
}
