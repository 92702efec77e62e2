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
//!    kernel still does for the largest windows, whose weight ring would not fit in cache
//!    even for narrow blocks of columns); the sums
//!    run over the taps in the same order in both, the forward taps first. [`filter_row`]
//!    reads its weights through a [`Weights`] mode: [`InPlace`] or [`Shared`].
//! 8. [`weigh_row`] can also take the sums over the forward taps as it weighs them
//!    ([`SumsMut`]), and [`filter_row`] start from those and add the backward taps only
//!    ([`FromSums`]): the forward taps' neighbours are then loaded once, not twice. The sums
//!    are the same operations in the same order, so the bits do not change. It pays where the
//!    ISA has registers for the extra accumulators (AVX-512 by default; any backend can be
//!    made to, see [`crate::WeightMode`]).
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

use crate::lanes::{Lanes, each};
use crate::weights::exp2;

/// Every row is computed over a multiple of this many columns: the kernel's contract with its
/// callers, so that any backend's vectors, unrolled as it unrolls them, tile a row exactly
/// (each backend checks at compile time that they divide it).
pub(crate) const LANE_MULTIPLE: usize = 32;

/// A tap as the kernel sees it: where its neighbours start in the ring, its spatial term, and
/// where its weights are when they are read or written a row of weights at a time (see
/// [`Shared`] and [`weigh_row`]).
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

/// What one row of the kernel reads: the ring of converted input rows and the taps into it.
pub(crate) struct RowInput<'a> {
    ring: &'a [f32],
    /// Distance in the ring between the rows of two channels filtered together.
    channel_stride: usize,
    centre: usize,
    taps: &'a [TapAt],
    neg_log2_beta: f32,
    columns: usize,
    channels: usize,
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
    /// Checks once per row that every load of `channels` rows `channel_stride` apart,
    /// `columns` wide, from `centre` and from each tap, stays inside `ring`; the kernel then
    /// loads unchecked.
    ///
    /// # Panics
    /// If a load would leave `ring`: a bug in the caller.
    pub(crate) fn new(
        ring: &'a [f32],
        channel_stride: usize,
        channels: usize,
        centre: usize,
        taps: &'a [TapAt],
        neg_log2_beta: f32,
        columns: usize,
    ) -> Self {
        assert!(columns.is_multiple_of(LANE_MULTIPLE) && channels >= 1);
        let reach = (channels - 1) * channel_stride + columns;
        let last = taps.iter().map(|t| t.at).fold(centre, usize::max);
        assert!(last + reach <= ring.len(), "row input out of bounds");
        RowInput {
            ring,
            channel_stride,
            centre,
            taps,
            neg_log2_beta,
            columns,
            channels,
            next_read: Prefetch::NONE,
            next_write: Prefetch::NONE,
        }
    }

    /// The same row, bringing `read` and `write` into cache a share at a time as it is
    /// filtered, so that the caller's next read and write of image rows find them there: the
    /// memory is fetched while the kernel computes rather than while the caller waits.
    pub(crate) fn prefetching(mut self, read: Prefetch<'a>, write: Prefetch<'a>) -> Self {
        self.next_read = read;
        self.next_write = write;
        self
    }

    /// Channel rows that may be read.
    pub(crate) fn channels(&self) -> usize {
        self.channels
    }

    /// Columns computed.
    pub(crate) fn columns(&self) -> usize {
        self.columns
    }
}

/// Where [`filter_row`] gets its taps' weights: the kernel's three weight modes, each a type
/// so that each compiles to its own loop. The tile chooses one per call.
///
/// - [`InPlace`]: every weight computed where it is used.
/// - [`Shared`]: read from a ring of weights computed ahead by [`weigh_row`] (trick 7).
/// - [`FromSums`]: as [`Shared`], starting from the sums over the forward taps that
///   [`weigh_row`] kept, with the row's taps the backward ones only (trick 8).
pub(crate) trait Weights: Copy {
    /// Whether the weights are read from rows of weights, one per tap, so that
    /// [`filter_row`] takes the taps a chunk at a time (its `SWEEP`).
    const SWEEPS: bool;

    /// Whether every load the mode makes for `row`'s taps over `NC` channels stays inside
    /// its buffers.
    fn covers(&self, row: &RowInput<'_>, channels: usize) -> bool;

    /// `Σ w` and `Σ w·d` per channel at each column of `xs` before the row's taps are added.
    ///
    /// # Safety
    /// `V`'s features must be available and `self.covers` the row, each `x + N ≤ columns`.
    unsafe fn start<V: Lanes, const NC: usize, const U: usize>(
        &self,
        xs: &[usize; U],
    ) -> ([V; U], [[V; NC]; U]);

    /// The weights of `tap` at each column of `xs`, whose differences are `d`, with the
    /// spatial term `s` and range factor `nb` splatted; computed, `STEP` says how (see
    /// [`weight_each`]).
    ///
    /// # Safety
    /// As for [`Weights::start`].
    unsafe fn weights<V: Lanes, const NC: usize, const L1: bool, const U: usize, const STEP: bool>(
        &self,
        tap: &TapAt,
        d: &[[V; NC]; U],
        nb: V,
        s: V,
        xs: &[usize; U],
    ) -> [V; U];
}

/// Every weight computed where it is used.
#[derive(Debug, Clone, Copy)]
pub(crate) struct InPlace;

/// Weights read from a ring computed ahead, each tap's at its `weight_at`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shared<'a> {
    pub ring: &'a [f32],
}

/// Weights read as [`Shared`] ones, starting from the sums over the forward taps.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FromSums<'a> {
    pub weights: Shared<'a>,
    pub sums: Sums<'a>,
}

/// The sums [`weigh_row`] keeps over a row's forward taps: `Σ w` of column `x` at `x` and
/// `Σ w·d` of channel `c` at `(c + 1)·stride + x`. One stride, that of the tile's layout,
/// serves the writer ([`SumsMut`]) and the reader.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sums<'a> {
    pub data: &'a [f32],
    pub stride: usize,
}

/// Where [`weigh_row`] writes the sums, laid out as [`Sums`].
#[derive(Debug)]
pub(crate) struct SumsMut<'a> {
    pub data: &'a mut [f32],
    pub stride: usize,
}

/// Whether `len` values hold the sums of `columns` columns over `channels` channels laid out
/// `stride` apart, as [`Sums`] and [`SumsMut`] lay them out.
fn sums_fit(len: usize, stride: usize, columns: usize, channels: usize) -> bool {
    stride >= columns && channels * stride + columns <= len
}

impl Sums<'_> {
    fn covers(&self, columns: usize, channels: usize) -> bool {
        sums_fit(self.data.len(), self.stride, columns, channels)
    }

    /// The sums of `NC` channels at the `N` columns from each of `xs`.
    ///
    /// # Safety
    /// `V`'s features must be available and `covers` holds for `NC` channels and columns past
    /// each `x + N`.
    #[inline(always)]
    unsafe fn load<V: Lanes, const NC: usize, const U: usize>(
        &self,
        xs: &[usize; U],
    ) -> ([V; U], [[V; NC]; U]) {
        let sums = self.data.as_ptr();
        let stride = self.stride;
        // SAFETY: forwarded from the caller: NC + 1 sums of N columns from each x.
        unsafe {
            (
                each!(U, |u| V::load(sums.add(xs[u]))),
                each!(U, |u| each!(NC, |c| V::load(
                    sums.add((c + 1) * stride + xs[u])
                ))),
            )
        }
    }
}

impl Weights for InPlace {
    const SWEEPS: bool = false;

    fn covers(&self, _row: &RowInput<'_>, _channels: usize) -> bool {
        true
    }

    #[inline(always)]
    unsafe fn start<V: Lanes, const NC: usize, const U: usize>(
        &self,
        _xs: &[usize; U],
    ) -> ([V; U], [[V; NC]; U]) {
        // SAFETY: forwarded from the caller.
        unsafe { ([V::splat(1.0); U], [[V::splat(0.0); NC]; U]) }
    }

    #[inline(always)]
    unsafe fn weights<
        V: Lanes,
        const NC: usize,
        const L1: bool,
        const U: usize,
        const STEP: bool,
    >(
        &self,
        _tap: &TapAt,
        d: &[[V; NC]; U],
        nb: V,
        s: V,
        _xs: &[usize; U],
    ) -> [V; U] {
        // SAFETY: forwarded from the caller.
        unsafe { weight_each::<V, NC, L1, U, STEP>(d, nb, s) }
    }
}

impl Weights for Shared<'_> {
    const SWEEPS: bool = true;

    fn covers(&self, row: &RowInput<'_>, _channels: usize) -> bool {
        let last = row.taps.iter().map(|t| t.weight_at).max().unwrap_or(0);
        last + row.columns <= self.ring.len()
    }

    #[inline(always)]
    unsafe fn start<V: Lanes, const NC: usize, const U: usize>(
        &self,
        xs: &[usize; U],
    ) -> ([V; U], [[V; NC]; U]) {
        // SAFETY: forwarded from the caller.
        unsafe { InPlace.start(xs) }
    }

    #[inline(always)]
    unsafe fn weights<
        V: Lanes,
        const NC: usize,
        const L1: bool,
        const U: usize,
        const STEP: bool,
    >(
        &self,
        tap: &TapAt,
        _d: &[[V; NC]; U],
        _nb: V,
        _s: V,
        xs: &[usize; U],
    ) -> [V; U] {
        // SAFETY: `covers` holds (contract): `tap.weight_at + x + N` is inside the ring for
        // each x of xs.
        each!(U, |u| unsafe {
            V::load(self.ring.as_ptr().add(tap.weight_at + xs[u]))
        })
    }
}

impl Weights for FromSums<'_> {
    const SWEEPS: bool = true;

    fn covers(&self, row: &RowInput<'_>, channels: usize) -> bool {
        self.weights.covers(row, channels) && self.sums.covers(row.columns, channels)
    }

    #[inline(always)]
    unsafe fn start<V: Lanes, const NC: usize, const U: usize>(
        &self,
        xs: &[usize; U],
    ) -> ([V; U], [[V; NC]; U]) {
        // SAFETY: `covers` holds for NC channels (contract).
        unsafe { self.sums.load(xs) }
    }

    #[inline(always)]
    unsafe fn weights<
        V: Lanes,
        const NC: usize,
        const L1: bool,
        const U: usize,
        const STEP: bool,
    >(
        &self,
        tap: &TapAt,
        d: &[[V; NC]; U],
        nb: V,
        s: V,
        xs: &[usize; U],
    ) -> [V; U] {
        // SAFETY: forwarded from the caller.
        unsafe {
            self.weights
                .weights::<V, NC, L1, U, STEP>(tap, d, nb, s, xs)
        }
    }
}

/// Where [`weigh_row`] writes: the weights of tap `k` of the row, column 0 first, go to
/// `data[k·stride + tap.weight_at..]`.
#[derive(Debug)]
pub(crate) struct WeightRows<'a> {
    pub data: &'a mut [f32],
    pub stride: usize,
}

impl WeightRows<'_> {
    /// Whether every store of `row`'s weights stays inside, and no tap's row overlaps the
    /// next one's.
    pub(crate) fn covers(&self, row: &RowInput<'_>) -> bool {
        let columns = row.columns;
        row.taps
            .iter()
            .all(|t| t.weight_at + columns <= self.stride)
            && row
                .taps
                .iter()
                .enumerate()
                .all(|(k, t)| k * self.stride + t.weight_at + columns <= self.data.len())
    }
}

/// Whether [`weigh_row`] keeps the sums over the taps it weighs: [`SumsMut`] to keep them,
/// [`NoSums`] not to, as types so that each compiles to its own loop (a flag tested inside
/// one loop keeps the accumulators live, and with 16 registers they spill).
pub(crate) trait KeptSums {
    /// Whether the sums are taken at all.
    const KEEPS: bool;

    /// Whether the sums of `NC` channels over `columns` columns fit.
    fn covers(&self, columns: usize, channels: usize) -> bool;

    /// Stores the sums of the `N` columns from `x`.
    ///
    /// # Safety
    /// `V`'s features must be available, `covers` holds and `x + N ≤ columns`.
    unsafe fn store<V: Lanes, const NC: usize>(&mut self, x: usize, sum_w: V, sum_wd: [V; NC]);

    /// The sums of the `N` columns from each of `xs`, as stored.
    ///
    /// # Safety
    /// As for [`KeptSums::store`], and `KEEPS`.
    unsafe fn load<V: Lanes, const NC: usize, const U: usize>(
        &self,
        xs: &[usize; U],
    ) -> ([V; U], [[V; NC]; U]);
}

/// The sums are not kept.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NoSums;

impl KeptSums for NoSums {
    const KEEPS: bool = false;

    fn covers(&self, _columns: usize, _channels: usize) -> bool {
        true
    }

    #[inline(always)]
    unsafe fn store<V: Lanes, const NC: usize>(&mut self, _x: usize, _w: V, _wd: [V; NC]) {}

    unsafe fn load<V: Lanes, const NC: usize, const U: usize>(
        &self,
        _xs: &[usize; U],
    ) -> ([V; U], [[V; NC]; U]) {
        unreachable!("no sums are kept")
    }
}

impl KeptSums for SumsMut<'_> {
    const KEEPS: bool = true;

    fn covers(&self, columns: usize, channels: usize) -> bool {
        sums_fit(self.data.len(), self.stride, columns, channels)
    }

    #[inline(always)]
    unsafe fn store<V: Lanes, const NC: usize>(&mut self, x: usize, sum_w: V, sum_wd: [V; NC]) {
        let sums = self.data.as_mut_ptr();
        // SAFETY: `covers` holds for NC channels (contract): NC + 1 sums of N columns from x.
        unsafe {
            sum_w.store(sums.add(x));
            for (c, wd) in sum_wd.iter().enumerate() {
                wd.store(sums.add((c + 1) * self.stride + x));
            }
        }
    }

    #[inline(always)]
    unsafe fn load<V: Lanes, const NC: usize, const U: usize>(
        &self,
        xs: &[usize; U],
    ) -> ([V; U], [[V; NC]; U]) {
        // SAFETY: as in `store`.
        unsafe {
            Sums {
                data: self.data,
                stride: self.stride,
            }
            .load(xs)
        }
    }
}

/// What [`weigh_row`] sums where it keeps the sums: the differences it weighs ([`Itself`], the
/// filter of an image by its own samples), or those of another image at the same taps
/// ([`Summand`]: a guide's weights over the image it filters). Types, so that each compiles
/// to its own loop.
pub(crate) trait Summed: Copy {
    /// Whether the sums are of another image's samples, loaded besides the weighed ones.
    const OTHER: bool;

    /// Whether every load for `row`'s taps over `NS` channels stays inside.
    fn covers(&self, row: &RowInput<'_>, channels: usize) -> bool;

    /// The centre samples of `NS` channels at the `N` columns from `x`.
    ///
    /// # Safety
    /// `V`'s features must be available, `covers` holds and `x + N ≤ columns`.
    unsafe fn centre<V: Lanes, const NC: usize, const NS: usize>(
        &self,
        weighed: &[V; NC],
        x: usize,
    ) -> [V; NS];

    /// The differences of `NS` channels at tap `k` of the row, whose weighed differences are
    /// `d`, at the `N` columns from `x`.
    ///
    /// # Safety
    /// As for [`Summed::centre`], with `k` a tap of the row.
    unsafe fn differences<V: Lanes, const NC: usize, const NS: usize>(
        &self,
        k: usize,
        d: &[V; NC],
        centre: &[V; NS],
        x: usize,
    ) -> [V; NS];
}

/// The weighed differences themselves (`NS = NC`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Itself;

impl Summed for Itself {
    const OTHER: bool = false;

    fn covers(&self, row: &RowInput<'_>, channels: usize) -> bool {
        channels <= row.channels
    }

    #[inline(always)]
    unsafe fn centre<V: Lanes, const NC: usize, const NS: usize>(
        &self,
        weighed: &[V; NC],
        _x: usize,
    ) -> [V; NS] {
        each!(NS, |c| weighed[c])
    }

    #[inline(always)]
    unsafe fn differences<V: Lanes, const NC: usize, const NS: usize>(
        &self,
        _k: usize,
        d: &[V; NC],
        _centre: &[V; NS],
        _x: usize,
    ) -> [V; NS] {
        each!(NS, |c| d[c])
    }
}

/// Another image's samples at the row's taps: its ring, the distance between its channels'
/// rows, where its centre and each tap's neighbours start.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Summand<'a> {
    pub ring: &'a [f32],
    pub channel_stride: usize,
    pub centre: usize,
    pub taps: &'a [usize],
}

impl Summed for Summand<'_> {
    const OTHER: bool = true;

    fn covers(&self, row: &RowInput<'_>, channels: usize) -> bool {
        let reach = (channels.max(1) - 1) * self.channel_stride + row.columns;
        let last = self.taps.iter().copied().fold(self.centre, usize::max);
        self.taps.len() == row.taps.len() && last + reach <= self.ring.len()
    }

    #[inline(always)]
    unsafe fn centre<V: Lanes, const NC: usize, const NS: usize>(
        &self,
        _weighed: &[V; NC],
        x: usize,
    ) -> [V; NS] {
        let ring = self.ring.as_ptr();
        // SAFETY: `covers` holds (contract): NS rows of N values from the centre at x.
        each!(NS, |c| unsafe {
            V::load(ring.add(self.centre + c * self.channel_stride + x))
        })
    }

    #[inline(always)]
    unsafe fn differences<V: Lanes, const NC: usize, const NS: usize>(
        &self,
        k: usize,
        _d: &[V; NC],
        centre: &[V; NS],
        x: usize,
    ) -> [V; NS] {
        let ring = self.ring.as_ptr();
        // SAFETY: `covers` holds (contract) and k is one of the row's taps.
        unsafe {
            let at = *self.taps.get_unchecked(k);
            each!(NS, |c| V::load(ring.add(at + c * self.channel_stride + x))
                .sub(centre[c]))
        }
    }
}

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
    each!(NC, |c| unsafe {
        V::load(ring.add(at + c * row.channel_stride + x)).sub(centre[c])
    })
}

/// The centre samples of `NC` channels, `N` pixels from column `x`.
///
/// # Safety
/// As for [`differences`].
#[inline(always)]
unsafe fn centre<V: Lanes, const NC: usize>(row: &RowInput<'_>, x: usize) -> [V; NC] {
    let ring = row.ring.as_ptr();
    // SAFETY: forwarded from the caller.
    each!(NC, |c| unsafe {
        V::load(ring.add(row.centre + c * row.channel_stride + x))
    })
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

/// The weights `2^(s + b·D²)` of one tap at `U` vectors of pixels from their differences
/// `d`: with `STEP`, step by step across the vectors (see [`exp2`]), else one vector's after
/// the other's. The same operations on each vector either way, so the same bits.
///
/// # Safety
/// `V`'s features must be available.
#[inline(always)]
unsafe fn weight_each<
    V: Lanes,
    const NC: usize,
    const L1: bool,
    const U: usize,
    const STEP: bool,
>(
    d: &[[V; NC]; U],
    nb: V,
    s: V,
) -> [V; U] {
    if !STEP && U > 1 {
        // SAFETY: forwarded from the caller.
        return each!(U, |u| unsafe {
            let [w] = weight_each::<V, NC, L1, 1, true>(&[d[u]], nb, s);
            w
        });
    }
    // SAFETY: forwarded from the caller.
    unsafe {
        let mut dist2: [V; U] = if L1 && NC > 1 {
            each!(U, |u| d[u][0].abs())
        } else {
            each!(U, |u| d[u][0].mul(d[u][0]))
        };
        for (acc, du) in dist2.iter_mut().zip(d) {
            for dc in &du[1..] {
                *acc = if L1 {
                    acc.add(dc.abs())
                } else {
                    dc.mul_add(*dc, *acc)
                };
            }
        }
        if L1 && NC > 1 {
            for x in &mut dist2 {
                *x = x.mul(*x);
            }
        }
        exp2(each!(U, |u| dist2[u].mul_add(nb, s)))
    }
}

/// Filters one row: writes `NC` planes of `columns` results to `out`, plane after plane, `U`
/// vectors of pixels at a time, with the taps' weights from `weights`. Each result is the
/// weighted mean difference `Σ w·d / Σ w`; the caller adds the centre sample.
/// `L1` chooses the L1 colour distance over the Euclidean one (alike when `NC == 1`).
/// Where the weights are read from rows ([`Weights::SWEEPS`]), the taps are taken `SWEEP` at
/// a time: each tap is a stream of its own, and some hundreds of them (a large window) evict
/// each other from L1 and outrun the prefetchers between two vectors of a row. The row is then
/// swept once per chunk of taps, with the sums between sweeps in `out` (which holds `NC + 1`
/// planes, the last one working space): each pixel still adds its taps in the same order, so
/// the bits do not change. `STEP` says how each tap's weights are computed (see
/// [`weight_each`]).
///
/// # Safety
/// `V`'s CPU features must be available, `V::N * U` must divide [`LANE_MULTIPLE`], `row`
/// must have been built for at least `NC` channels, and `weights` must cover it.
///
/// # Panics
/// If `out` holds fewer than `(NC + 1) * row.columns` values.
#[inline(always)]
pub(crate) unsafe fn filter_row<
    V: Lanes,
    const NC: usize,
    const L1: bool,
    W: Weights,
    const U: usize,
    const STEP: bool,
    const SWEEP: usize,
>(
    row: &RowInput<'_>,
    weights: W,
    out: &mut [f32],
) {
    debug_assert_eq!(row.columns % (V::N * U), 0);
    debug_assert!(weights.covers(row, NC));
    let columns = row.columns;
    let out = &mut out[..(NC + 1) * columns];
    // SAFETY: V's features are available (contract); `weights` covers the row (contract);
    // `out` holds NC + 1 planes of `columns`, as `sweep` and `Partial` need.
    unsafe {
        if !W::SWEEPS || row.taps.len() <= SWEEP {
            sweep::<V, NC, L1, W, U, STEP, false>(row, weights, row.taps, out);
        } else {
            // The sums start in `out`, stay there between sweeps and are divided out after the
            // last one, so that one loop serves every sweep.
            let partial = Partial::new(out, columns);
            let mut asked = Asked::new(row);
            for x0 in (0..columns).step_by(V::N * U) {
                asked.ask(row, x0 + V::N * U);
                let xs = each!(U, |u| x0 + u * V::N);
                let (sum_w, sum_wd) = weights.start::<V, NC, U>(&xs);
                partial.store(&xs, sum_w, sum_wd);
            }
            for taps in row.taps.chunks(SWEEP) {
                sweep::<V, NC, L1, W, U, STEP, true>(row, weights, taps, out);
            }
            let partial = Partial::new(out, columns);
            for x in (0..columns).step_by(V::N) {
                let (sum_w, sum_wd) = partial.load::<V, NC, 1>(&[x]);
                partial.store_results(&[x], sum_w, sum_wd);
            }
        }
    }
}

/// The sums of a row's pixels that [`filter_row`] keeps in its `NC + 1` result planes between
/// sweeps: `Σ w·d` of channel `c` in plane `c`, where the result goes, and `Σ w` in plane `NC`.
struct Partial {
    base: *mut f32,
    columns: usize,
}

impl Partial {
    fn new(out: &mut [f32], columns: usize) -> Self {
        Partial {
            base: out.as_mut_ptr(),
            columns,
        }
    }

    #[inline(always)]
    fn at(&self, plane: usize, x: usize) -> *mut f32 {
        self.base.wrapping_add(plane * self.columns + x)
    }

    /// The sums of the `N` columns from each of `xs`.
    ///
    /// # Safety
    /// `V`'s features must be available, `out` must hold `NC + 1` planes of `columns`, and
    /// each `x + N ≤ columns`.
    #[inline(always)]
    unsafe fn load<V: Lanes, const NC: usize, const U: usize>(
        &self,
        xs: &[usize; U],
    ) -> ([V; U], [[V; NC]; U]) {
        // SAFETY: forwarded from the caller.
        unsafe {
            (
                each!(U, |u| V::load(self.at(NC, xs[u]))),
                each!(U, |u| each!(NC, |c| V::load(self.at(c, xs[u])))),
            )
        }
    }

    /// Stores the sums of the `N` columns from each of `xs`.
    ///
    /// # Safety
    /// As for [`Partial::load`].
    #[inline(always)]
    unsafe fn store<V: Lanes, const NC: usize, const U: usize>(
        &self,
        xs: &[usize; U],
        sum_w: [V; U],
        sum_wd: [[V; NC]; U],
    ) {
        // SAFETY: forwarded from the caller.
        unsafe {
            for u in 0..U {
                sum_w[u].store(self.at(NC, xs[u]));
                for (c, wd) in sum_wd[u].iter().enumerate() {
                    wd.store(self.at(c, xs[u]));
                }
            }
        }
    }

    /// Stores the results `Σ w·d / Σ w` of the `N` columns from each of `xs` in the first
    /// `NC` planes.
    ///
    /// # Safety
    /// As for [`Partial::load`].
    #[inline(always)]
    unsafe fn store_results<V: Lanes, const NC: usize, const U: usize>(
        &self,
        xs: &[usize; U],
        sum_w: [V; U],
        sum_wd: [[V; NC]; U],
    ) {
        // SAFETY: forwarded from the caller.
        unsafe {
            for u in 0..U {
                for (c, wd) in sum_wd[u].iter().enumerate() {
                    wd.div(sum_w[u]).store(self.at(c, xs[u]));
                }
            }
        }
    }
}

/// How far [`filter_row`] has asked for the rows its caller reads and writes next: a share
/// per block of columns filtered (see [`RowInput::prefetching`]).
struct Asked {
    read_step: usize,
    write_step: usize,
    read_at: usize,
    write_at: usize,
}

impl Asked {
    fn new(row: &RowInput<'_>) -> Self {
        Asked {
            read_step: row.next_read.len.div_ceil(row.columns),
            write_step: row.next_write.len.div_ceil(row.columns),
            read_at: 0,
            write_at: 0,
        }
    }

    /// Asks for the shares of the columns up to `x1`.
    #[inline(always)]
    fn ask(&mut self, row: &RowInput<'_>, x1: usize) {
        row.next_read.ask(&mut self.read_at, x1 * self.read_step);
        row.next_write.ask(&mut self.write_at, x1 * self.write_step);
    }
}

/// One sweep of [`filter_row`] over a row's columns with `taps`. Without `RESUME`, the only
/// sweep: the sums start from the weight mode's and the results go to `out`'s first `NC`
/// planes. With it, the sums are read from `out` (`Σ w·d` of channel `c` in plane `c`, `Σ w`
/// in plane `NC`) and written back.
///
/// # Safety
/// As for [`filter_row`], with `taps` among the row's and `out` holding `NC + 1` planes.
#[inline(always)]
unsafe fn sweep<
    V: Lanes,
    const NC: usize,
    const L1: bool,
    W: Weights,
    const U: usize,
    const STEP: bool,
    const RESUME: bool,
>(
    row: &RowInput<'_>,
    weights: W,
    taps: &[TapAt],
    out: &mut [f32],
) {
    let columns = row.columns;
    // SAFETY: V's features are available (contract). Every load below reads N values at
    // `base + c·channel_stride + x` with base ∈ {centre, tap.at}, c < NC and x + N ≤ columns,
    // which RowInput::new proved to lie in the ring; `weights` covers the row (contract);
    // results and sums go to and come from out[c·columns + x .. + N] with c ≤ NC, inside
    // `out` (contract).
    unsafe {
        let nb = V::splat(row.neg_log2_beta);
        let partial = Partial::new(out, columns);
        let mut asked = Asked::new(row);
        let mut x0 = 0;
        while x0 < columns {
            let x1 = x0 + V::N * U;
            if !RESUME {
                asked.ask(row, x1);
            }
            let xs: [usize; U] = each!(U, |u| x0 + u * V::N);
            let centre: [[V; NC]; U] = each!(U, |u| centre(row, xs[u]));
            let (mut sum_w, mut sum_wd) = if RESUME {
                partial.load::<V, NC, U>(&xs)
            } else {
                weights.start::<V, NC, U>(&xs)
            };
            for tap in taps {
                let s = V::splat(tap.log2_spatial);
                let d: [[V; NC]; U] = each!(U, |u| differences(row, tap.at, &centre[u], xs[u]));
                let w = weights.weights::<V, NC, L1, U, STEP>(tap, &d, nb, s, &xs);
                for u in 0..U {
                    accumulate(&mut sum_w[u], &mut sum_wd[u], w[u], d[u]);
                }
            }
            if RESUME {
                partial.store(&xs, sum_w, sum_wd);
            } else {
                partial.store_results(&xs, sum_w, sum_wd);
            }
            x0 = x1;
        }
    }
}

/// Computes the weights of one row of pixels ahead: for each tap `k` of `row`, the weights of
/// `columns` pixels from the centre go to `out` (see [`WeightRows`]), the tap's `weight_at`
/// moving them within their row. Each weight is the one [`filter_row`] would compute for that
/// pixel and tap. With [`SumsMut`], the sums [`filter_row`] would have over these taps go there
/// too (see [`Sums`]), of `NS` channels of what `summed` gives: the weighed differences
/// themselves, or another image's at the same taps. The taps are taken `SWEEP` at a time, as
/// [`filter_row`] takes them, the sums kept between sweeps where they go; `STEP` as for
/// [`filter_row`].
///
/// # Safety
/// As for [`filter_row`] with [`InPlace`] weights; `out` and `sums` must cover the row, and
/// where the sums are kept, `summed` must cover it for `NS` channels.
#[inline(always)]
pub(crate) unsafe fn weigh_row<
    V: Lanes,
    const NC: usize,
    const NS: usize,
    const L1: bool,
    S: KeptSums,
    M: Summed,
    const U: usize,
    const STEP: bool,
    const SWEEP: usize,
>(
    row: &RowInput<'_>,
    out: WeightRows<'_>,
    mut sums: S,
    summed: M,
) {
    debug_assert_eq!(row.columns % (V::N * U), 0);
    debug_assert!(out.covers(row) && sums.covers(row.columns, NS));
    debug_assert!(!S::KEEPS || summed.covers(row, NS));
    let columns = row.columns;
    let stride = out.stride;
    let out = out.data.as_mut_ptr();
    // SAFETY: V's features are available (contract); loads as in filter_row, which
    // RowInput::new proved to lie in the ring; stores go to out[k·stride + weight_at + x .. + N]
    // with k < taps and x + N ≤ columns, which `out` covers (contract), and to and from the
    // sums, which cover NC channels (contract).
    unsafe {
        let nb = V::splat(row.neg_log2_beta);
        let mut asked = Asked::new(row);
        for (sweep, taps) in row.taps.chunks(SWEEP).enumerate() {
            let first_tap = sweep * SWEEP;
            let mut x0 = 0;
            while x0 < columns {
                if sweep == 0 {
                    asked.ask(row, x0 + V::N * U);
                }
                let xs: [usize; U] = each!(U, |u| x0 + u * V::N);
                let centre: [[V; NC]; U] = each!(U, |u| centre(row, xs[u]));
                let summed_centre: [[V; NS]; U] = if S::KEEPS {
                    each!(U, |u| summed.centre::<V, NC, NS>(&centre[u], xs[u]))
                } else {
                    [[V::splat(0.0); NS]; U]
                };
                // A later sweep goes on from the sums the one before kept.
                let (mut sum_w, mut sum_wd) = if S::KEEPS && sweep > 0 {
                    sums.load::<V, NS, U>(&xs)
                } else {
                    InPlace.start::<V, NS, U>(&xs)
                };
                for (k, tap) in taps.iter().enumerate() {
                    let k = first_tap + k;
                    let s = V::splat(tap.log2_spatial);
                    let d: [[V; NC]; U] = each!(U, |u| differences(row, tap.at, &centre[u], xs[u]));
                    let w = weight_each::<V, NC, L1, U, STEP>(&d, nb, s);
                    for u in 0..U {
                        w[u].store(out.add(k * stride + tap.weight_at + xs[u]));
                        if S::KEEPS {
                            let ds =
                                summed.differences::<V, NC, NS>(k, &d[u], &summed_centre[u], xs[u]);
                            accumulate(&mut sum_w[u], &mut sum_wd[u], w[u], ds);
                        }
                    }
                }
                if S::KEEPS {
                    for u in 0..U {
                        sums.store(xs[u], sum_w[u], sum_wd[u]);
                    }
                }
                x0 += V::N * U;
            }
        }
    }
}
