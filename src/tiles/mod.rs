//! One pass of the filter: row tiles dispatched over rayon, each with a ring of converted rows.
//!
//! A tile of output rows `[y0, y1)` filters its rows one block of columns after the other
//! (see [`layout::Blocks`]): the whole width in one block unless the shared weights need
//! narrower ones. For each block it keeps a ring of the `2r + 1` input rows its current row
//! reads (see [`layout::RowRing`]); moving to the next output row converts one new input row.
//! Each row is then filled, weighed, filtered and stored:
//!
//! 1. **fill**: the new input row is converted into the ring, padded by the border rule;
//! 2. **weigh**: in the shared weight modes, the weights of its forward taps are computed
//!    once into a ring of `r + 1` rows of weights (see [`layout::WeightRing`] and the kernel's
//!    tricks 7 and 8), which rows `y` to `y + r` read back; a tile first computes those of the
//!    `r` rows above it that reach into it;
//! 3. **filter**: the kernel computes each group of channels' results into planes;
//! 4. **store**: the results are interleaved into the output row, a kept alpha copied.
//!
//! The weight mode is chosen once per call: the one asked for, else the backend's preferred
//! shared mode. A shared mode whose weight ring over the whole width would pass
//! [`SHARED_WEIGHTS_BUDGET`] cuts the columns into the widest blocks whose ring fits; where
//! even blocks of `max(4r, 64)` columns would not (beyond radius 14 for the square window,
//! 16 for the disc), every weight is computed in place: narrower blocks would weigh nearly as
//! many columns beyond them as in them.
//! Every mode and block width gives the same bits.
//!
//! Scratch is per tile, `O(r · width)` for the rows and at most [`SHARED_WEIGHTS_BUDGET`] for
//! the weights; nothing proportional to the image is allocated. Every plane, every row of
//! weights and of results, starts on a 64-byte boundary, so vectors of pixels from column 0
//! are aligned loads and only taps with `dx ≠ 0` load across cache lines.
//! A pixel's result depends only on its window's samples, never on the tile or the thread that
//! computed it, so every tile height and thread count gives the same bytes.
#![forbid(unsafe_code)]

mod layout;

use rayon::prelude::*;

use crate::backend::{Compiled, compiled};
use crate::border::fold;
use crate::kernel::{
    FromSums, LANE_MULTIPLE, Prefetch, RowInput, Shared, Summand, Sums, SumsMut, TapAt, WeightRows,
};
use crate::missing::{FillTap, MISSING, Missing};
use crate::params::Resolved;
use crate::progress::{Stopped, Watch};
use crate::weights::neg_log2_beta;
use crate::{Border, ColorDistance, ImageView, ImageViewMut, Sample, WeightMode};
use layout::{ALIGN, Blocks, Channels, Columns, RowRing, Taps, WeightRing};

/// A sample that is not valid (see [`crate::Error::InvalidSample`]) was met while filtering.
/// Which one is not said: tiles run in any order, so the caller finds the first in row-major
/// order by scanning for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rejected;

/// Why a pass ended early: an invalid sample, or its observer asked it to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Halt {
    Rejected,
    Stopped,
}

impl From<Rejected> for Halt {
    fn from(_: Rejected) -> Self {
        Halt::Rejected
    }
}

impl From<Stopped> for Halt {
    fn from(_: Stopped) -> Self {
        Halt::Stopped
    }
}

/// How a pass gets its weights, with the ring of weights the shared modes keep.
#[derive(Debug, Clone)]
enum Weighing {
    InPlace,
    Shared(WeightRing),
    SharedSums(WeightRing),
    /// A guide's weights of every tap of a row, computed into a buffer of `stride` columns per
    /// tap just before the row is filtered: where a guide's shared ring would pass the budget.
    Rows {
        stride: usize,
    },
}

impl Weighing {
    #[cfg(test)]
    fn mode(&self) -> WeightMode {
        match self {
            Weighing::InPlace | Weighing::Rows { .. } => WeightMode::InPlace,
            Weighing::Shared(_) => WeightMode::Shared,
            Weighing::SharedSums(_) => WeightMode::SharedSums,
        }
    }

    fn ring(&self) -> Option<&WeightRing> {
        match self {
            Weighing::InPlace | Weighing::Rows { .. } => None,
            Weighing::Shared(ring) | Weighing::SharedSums(ring) => Some(ring),
        }
    }
}

/// One image a pass reads, with how its rows enter a ring: the image filtered, or the guide
/// whose samples give the range weights.
struct Input<S: Sample> {
    channels: Channels,
    ring: RowRing,
    kernels: Compiled<S>,
}

impl<S: Sample> Input<S> {
    /// Converts row `yy` of `src` (any integer: the border folds it) into its slot of `ring`
    /// for block `block` at image column `x0`, by the pass's border rule; [`Rejected`] if a
    /// sample is not valid.
    /// With `missing`, its missing pixels are marked as they enter (see [`crate::missing`]).
    fn fill(
        &self,
        pass: &Geometry,
        missing: Option<&Missing>,
        ring: &mut [f32],
        src: &ImageView<'_, S>,
        yy: isize,
        (block, x0): (usize, usize),
    ) -> Result<(), Rejected> {
        let start = self.ring.slot(yy);
        let slot = &mut ring[start..start + self.ring.slot_len()];
        let padded = self.ring.padded;
        let marked = |slot: &mut [f32], valid: bool| match missing {
            Some(m) => m.mark(slot, padded).map_err(|()| Rejected),
            None if valid => Ok(()),
            None => Err(Rejected),
        };
        let constant = pass.constant();
        let Some(sy) = fold(yy, pass.height, pass.border) else {
            slot.fill(constant);
            return marked(slot, true);
        };
        let row = src.row(sy);
        let ch = self.channels.count;
        let (origin, inside) = self.ring.image_columns(x0, pass.width);
        let image = |j: usize| (origin + j as isize) as usize * ch;
        let from = &row[image(inside.start)..image(inside.end)];
        let valid = self.kernels.deinterleave(slot, padded, inside.start, from);
        for &(j, x) in &pass.edges[block] {
            for (c, plane) in slot.chunks_exact_mut(padded).enumerate() {
                plane[j] = x.map_or(constant, |x| row[x * ch + c].to_f32());
            }
        }
        marked(slot, valid)
    }
}

/// What both images of a pass share: their size, border and blocks of columns.
struct Geometry {
    width: usize,
    height: usize,
    border: Border,
    blocks: Blocks,
    /// For each block, its ring columns outside the image, with the image column each one
    /// reads by the border rule (`None`: the constant border's value). Both images' rings
    /// have the same columns.
    edges: Vec<Vec<(usize, Option<usize>)>>,
    /// The image's NaN policy and no-data value, where either is set.
    missing: Option<Missing>,
}

impl Geometry {
    fn constant(&self) -> f32 {
        match self.border {
            Border::Constant(v) => v,
            _ => 0.0,
        }
    }
}

/// Everything a pass needs, derived once per call from the parameters and the geometry.
/// `G` is the guide's sample type, when a guide gives the range weights.
pub(crate) struct Pass<T: Sample, G: Sample = T> {
    geometry: Geometry,
    radius: usize,
    image: Input<T>,
    guide: Option<Input<G>>,
    /// The widest block's columns, which the scratch buffers are sized for.
    columns: Columns,
    taps: Taps,
    weighing: Weighing,
    neg_log2_beta: f32,
    tile_height: usize,
}

/// The channels of an image and of its guide as the kernel calls take them: one call per
/// group of weights. The weights of a group come from all the guide's filtered channels, or
/// under [`ColorDistance::PerChannel`] from its channel of the same index, each weighing the
/// image's channel of that index; a guide with one filtered channel weighs every channel of
/// the image at once.
fn guided_channels(p: &Resolved, channels: usize, guide_channels: usize) -> (Channels, Channels) {
    let (filtered, guide_filtered) = (
        p.filtered_channels(channels),
        p.filtered_channels(guide_channels),
    );
    let one_each = p.distance == ColorDistance::PerChannel && guide_filtered > 1;
    let image = Channels {
        count: channels,
        filtered,
        per_call: if one_each { 1 } else { filtered },
    };
    let guide = Channels {
        count: guide_channels,
        filtered: guide_filtered,
        per_call: if one_each { 1 } else { guide_filtered },
    };
    debug_assert_eq!(image.groups(), guide.groups());
    (image, guide)
}

impl<T: Sample, G: Sample> Pass<T, G> {
    /// The pass of the filter: the range weights from the image itself.
    pub(crate) fn unguided(p: &Resolved, width: usize, height: usize, channels: usize) -> Self {
        Self::with_budget(p, width, height, channels, None, SHARED_WEIGHTS_BUDGET)
    }

    /// The pass of a joint filter: the range weights from a guide of `guide_channels`,
    /// whose filtered channels match the image's as [`guided_channels`] needs.
    pub(crate) fn guided(
        p: &Resolved,
        width: usize,
        height: usize,
        channels: usize,
        guide_channels: usize,
    ) -> Self {
        Self::with_budget(
            p,
            width,
            height,
            channels,
            Some(guide_channels),
            SHARED_WEIGHTS_BUDGET,
        )
    }

    /// The pass, with weight rings of at most `budget` bytes per tile.
    fn with_budget(
        p: &Resolved,
        width: usize,
        height: usize,
        channels: usize,
        guide_channels: Option<usize>,
        budget: usize,
    ) -> Self {
        let r = p.radius;
        let (channels, guide_layout) = match guide_channels {
            None => (
                Channels::new(channels, p.filtered_channels(channels), p.distance),
                None,
            ),
            Some(g) => {
                let (image, guide) = guided_channels(p, channels, g);
                (image, Some(guide))
            }
        };
        let taps = Taps::new(r, p.window, p.alpha);
        let l1 = p.distance == ColorDistance::L1;
        let kernels = compiled::<T>(p.backend, channels.count, channels.per_call, l1);
        let settings = kernels.settings();
        let preferred = if settings.keeps_sums {
            WeightMode::SharedSums
        } else {
            WeightMode::Shared
        };
        let mode = p.weight_mode.unwrap_or(preferred);
        // The whole width in one block if its weight ring fits the budget, else the widest
        // blocks whose ring does, down to blocks so narrow that the columns weighed beyond
        // them would cost as much as the weights shared.
        // A guide's weights cannot be computed in place, and shared in narrow blocks they cost
        // less than all of them a row at a time: a guided pass cuts blocks on every backend.
        let guided = guide_layout.is_some() && !taps.all.is_empty();
        let shared = |at_reached| {
            let narrowest = if settings.blocks || guided {
                (4 * r).max(2 * LANE_MULTIPLE)
            } else {
                usize::MAX
            };
            let mut widest = width.next_multiple_of(LANE_MULTIPLE);
            loop {
                let blocks = Blocks::new(width, r, widest);
                let ring = WeightRing::new(
                    r,
                    height,
                    &taps,
                    &blocks.widest(),
                    &channels,
                    at_reached,
                    budget,
                );
                match ring {
                    Some(ring) => return Some((blocks, ring)),
                    None if widest <= narrowest => return None,
                    None => widest -= LANE_MULTIPLE,
                }
            }
        };
        let whole = Blocks::new(width, r, width.next_multiple_of(LANE_MULTIPLE));
        // A guide's weights are never computed inside the image's filter, whose kernel weighs
        // the samples it sums: where they are not shared, every tap's are computed a row at
        // a time.
        let unshared = || {
            if guided {
                rows_of_weights(width, r, &taps, &channels, budget)
            } else {
                (whole, Weighing::InPlace)
            }
        };
        let (blocks, weighing) = match mode {
            WeightMode::Shared => {
                shared(false).map_or_else(unshared, |(b, ring)| (b, Weighing::Shared(ring)))
            }
            WeightMode::SharedSums => {
                shared(true).map_or_else(unshared, |(b, ring)| (b, Weighing::SharedSums(ring)))
            }
            WeightMode::InPlace => unshared(),
        };
        let columns = blocks.widest();
        let ring = RowRing::new(r, height, &columns, &channels);
        let edges = (0..blocks.count())
            .map(|k| {
                let (origin, inside) = ring.image_columns(blocks.get(k).x0, width);
                (0..inside.start)
                    .chain(inside.end..ring.padded)
                    .map(|j| (j, fold(origin + j as isize, width, p.border)))
                    .collect()
            })
            .collect();
        let guide = guide_layout.map(|g| Input {
            channels: g,
            ring: RowRing::new(r, height, &columns, &g),
            kernels: compiled::<G>(p.backend, g.count, g.per_call, l1),
        });
        Pass {
            geometry: Geometry {
                width,
                height,
                border: p.border,
                blocks,
                edges,
                missing: Some(p.missing).filter(Missing::is_set),
            },
            radius: r,
            image: Input {
                channels,
                ring,
                kernels,
            },
            guide,
            columns,
            taps,
            weighing,
            neg_log2_beta: neg_log2_beta(p.beta),
            tile_height: p.tile_height,
        }
    }

    /// Runs the pass from `src` into `dst` (same geometry), with the range weights from
    /// `guide` if the pass was made for one, telling `watch` of each tile done. On a [`Halt`]
    /// `dst` is partly written.
    pub(crate) fn run(
        &self,
        src: &ImageView<'_, T>,
        guide: Option<&ImageView<'_, G>>,
        dst: &mut ImageViewMut<'_, T>,
        watch: Option<&Watch<'_>>,
    ) -> Result<(), Halt> {
        assert_eq!(
            guide.is_some(),
            self.guide.is_some(),
            "a guide for a guided pass"
        );
        let stride = dst.layout.stride;
        let span = dst.layout.span();
        let g = &self.geometry;
        let rows_per_chunk = self.tile_height.min(g.height);
        dst.data[..span]
            .par_chunks_mut(stride * rows_per_chunk)
            .enumerate()
            .try_for_each_init(
                || Scratch::new(self),
                |scratch, (tile, out)| {
                    let y0 = tile * rows_per_chunk;
                    let y1 = (y0 + rows_per_chunk).min(g.height);
                    (0..g.blocks.count()).try_for_each(|b| {
                        self.tile((src, guide), y0..y1, b, out, stride, scratch)
                    })?;
                    Ok(Watch::tick(watch, y1 - y0)?)
                },
            )
    }

    /// Filters the columns of block `b` in output rows `rows` into `out`, whose rows are
    /// `stride` apart.
    fn tile(
        &self,
        (src, guide): (&ImageView<'_, T>, Option<&ImageView<'_, G>>),
        rows: std::ops::Range<usize>,
        b: usize,
        out: &mut [T],
        stride: usize,
        scratch: &mut Scratch,
    ) -> Result<(), Rejected> {
        let g = &self.geometry;
        let block = g.blocks.get(b);
        let r = self.radius as isize;
        let (y0, y1) = (rows.start as isize, rows.end as isize);
        let fill = |scratch: &mut Scratch, yy: isize| -> Result<(), Rejected> {
            let missing = g.missing.as_ref();
            self.image
                .fill(g, missing, &mut scratch.ring, src, yy, (b, block.x0))?;
            if let (Some(input), Some(guide)) = (&self.guide, guide) {
                input.fill(g, None, &mut scratch.guide, guide, yy, (b, block.x0))?;
            }
            Ok(())
        };
        for yy in y0 - r..y0 + r {
            fill(scratch, yy)?;
        }
        // The rows above the tile whose forward taps reach into it: row y0 - k only needs the
        // taps that go down k rows or more.
        for k in (1..=r).rev() {
            self.weigh(y0 - k, k, &block.columns, Prefetch::NONE, scratch);
        }
        let ch = self.image.channels.count;
        let samples = block.x0 * ch..(block.x0 + block.columns.width) * ch;
        let out_row = |y: isize| {
            let start = (y - y0) as usize * stride;
            start + samples.start..start + samples.end
        };
        let guide_samples = self.guide.as_ref().map(|g| {
            block.x0 * g.channels.count..(block.x0 + block.columns.width) * g.channels.count
        });
        for y in y0..y1 {
            fill(scratch, y + r)?;
            // The guide's row the ring takes in next, asked for while this row is weighed (the
            // image's is asked for while it is filtered).
            let next_guide = match (guide, &guide_samples) {
                (Some(guide), Some(samples)) => fold(y + r + 1, g.height, g.border)
                    .map_or(Prefetch::NONE, |sy| {
                        Prefetch::new(&guide.row(sy)[samples.clone()])
                    }),
                _ => Prefetch::NONE,
            };
            self.weigh(y, 0, &block.columns, next_guide, scratch);
            // What this tile reads and writes next, asked for while the row is filtered: the
            // input row the ring takes in, the output row after this one.
            let next = (
                fold(y + r + 1, g.height, g.border).map_or(Prefetch::NONE, |sy| {
                    Prefetch::new(&src.row(sy)[samples.clone()])
                }),
                out.get(out_row(y + 1))
                    .map_or(Prefetch::NONE, Prefetch::new),
            );
            self.filter(y, next, &block.columns, scratch);
            let src_row = &src.row(y as usize)[samples.clone()];
            self.store(&mut out[out_row(y)], src_row, y, &block.columns, scratch)?;
        }
        Ok(())
    }

    /// Computes ahead the weights of row `y` that the filter will read: in the shared modes,
    /// those of its forward taps that go down `min_dy` rows or more, for the columns
    /// `[-ahead, weighed - ahead)`; with `min_dy = 0` and [`Weighing::SharedSums`], also the
    /// sums over all of them that the filter of row `y` starts from; with
    /// [`Weighing::Rows`] and `min_dy = 0`, those of every tap, for the columns computed.
    /// `next` (the guide's next row) is asked for while the first group is weighed.
    fn weigh(
        &self,
        y: isize,
        min_dy: isize,
        columns: &Columns,
        next: Prefetch<'_>,
        scratch: &mut Scratch,
    ) {
        let (taps, ahead, weighed, keeps_sums) = match &self.weighing {
            Weighing::InPlace => return,
            Weighing::Rows { .. } if min_dy > 0 => return,
            Weighing::Rows { .. } => (0..self.taps.all.len(), 0, columns.computed, false),
            Weighing::Shared(_) | Weighing::SharedSums(_) => (
                self.taps.forward_from(min_dy),
                columns.ahead as isize,
                columns.weighed,
                min_dy == 0 && matches!(self.weighing, Weighing::SharedSums(_)),
            ),
        };
        if taps.is_empty() {
            return;
        }
        let Scratch {
            ring,
            guide,
            forward,
            summed_at,
            weights,
            sums,
            ..
        } = scratch;
        // The weights come from the guide where there is one, else from the image itself.
        let (rows, ring_geometry, per_call) = match &self.guide {
            Some(g) => (&guide[..], &g.ring, g.channels.per_call),
            None => (&ring[..], &self.image.ring, self.image.channels.per_call),
        };
        for group in 0..self.image.channels.groups() {
            forward.clear();
            forward.extend(self.taps.all[taps.clone()].iter().map(|t| TapAt {
                at: ring_geometry.at(y + t.dy, group, t.dx - ahead),
                log2_spatial: t.log2_spatial,
                // A row of weights per tap either way; the shared ring moves them within it.
                weight_at: self.weighing.ring().map_or(0, |w| w.write_at(t.dx)),
            }));
            let input = RowInput::new(
                rows,
                ring_geometry.padded,
                per_call,
                ring_geometry.at(y, group, -ahead),
                forward,
                self.neg_log2_beta,
                weighed,
            );
            let input = if group == 0 {
                input.prefetching(next, Prefetch::NONE)
            } else {
                input
            };
            let (out, sums) = match &self.weighing {
                Weighing::Rows { stride } => (
                    WeightRows {
                        data: &mut weights[group * self.taps.all.len() * stride..],
                        stride: *stride,
                    },
                    None,
                ),
                _ => {
                    let ring = self.weighing.ring().expect("a shared mode");
                    let sums = keeps_sums.then(|| {
                        let at = ring.sums_at(group);
                        SumsMut {
                            data: &mut sums[at..at + ring.sums_len()],
                            stride: ring.sums_stride(),
                        }
                    });
                    (
                        WeightRows {
                            data: &mut weights[ring.row(y, group, taps.start)..],
                            stride: ring.stride,
                        },
                        sums,
                    )
                }
            };
            match (&self.guide, sums) {
                (Some(g), Some(sums)) => {
                    // The guide weighs, the image's differences at the same taps are summed.
                    let image = &self.image.ring;
                    summed_at.clear();
                    summed_at.extend(
                        self.taps.all[taps.clone()]
                            .iter()
                            .map(|t| image.at(y + t.dy, group, t.dx - ahead)),
                    );
                    let summed = Summand {
                        ring,
                        channel_stride: image.padded,
                        centre: image.at(y, group, -ahead),
                        taps: summed_at,
                    };
                    let channels = self.image.channels.per_call;
                    g.kernels.weigh_summing(&input, out, sums, summed, channels);
                }
                (Some(g), None) => g.kernels.weigh(&input, out, None),
                (None, sums) => self.image.kernels.weigh(&input, out, sums),
            }
        }
    }

    /// Filters row `y` into `scratch.out`, one plane per filtered channel, asking for `next`
    /// (the rows to read and write next) while the first group is filtered.
    fn filter(
        &self,
        y: isize,
        next: (Prefetch<'_>, Prefetch<'_>),
        columns: &Columns,
        scratch: &mut Scratch,
    ) {
        let Scratch {
            ring,
            out,
            taps,
            weights,
            sums,
            ..
        } = scratch;
        // With the forward sums kept, the filter adds the backward taps only.
        let first = match self.weighing {
            Weighing::SharedSums(_) => self.taps.forward,
            _ => 0,
        };
        let ahead = columns.ahead;
        let columns = columns.computed;
        let image = &self.image;
        let all = self.taps.all.len();
        for group in 0..image.channels.groups() {
            let filtered = taps.iter_mut().zip(&self.taps.all).enumerate().skip(first);
            for (k, (tap_at, tap)) in filtered {
                tap_at.at = image.ring.at(y + tap.dy, group, tap.dx);
                match &self.weighing {
                    Weighing::Rows { stride } => tap_at.weight_at = (group * all + k) * stride,
                    w => {
                        if let Some(ring) = w.ring() {
                            tap_at.weight_at = ring.read_at(y, group, k);
                        }
                    }
                }
            }
            let input = RowInput::new(
                ring,
                image.ring.padded,
                image.channels.per_call,
                image.ring.at(y, group, 0),
                &taps[first..],
                self.neg_log2_beta,
                columns,
            );
            let input = if group == 0 {
                input.prefetching(next.0, next.1)
            } else {
                input
            };
            let planes = &mut out[group * image.channels.per_call * columns..];
            let kernels = &image.kernels;
            match &self.weighing {
                Weighing::InPlace => kernels.filter_in_place(&input, planes),
                Weighing::Shared(_) | Weighing::Rows { .. } => {
                    kernels.filter_shared(&input, Shared { ring: weights }, planes)
                }
                Weighing::SharedSums(ring) => {
                    let sums = Sums {
                        data: &sums[ring.sums_at(group) + ahead..],
                        stride: ring.sums_stride(),
                    };
                    let weights = Shared { ring: weights };
                    kernels.filter_from_sums(&input, FromSums { weights, sums }, planes)
                }
            }
        }
    }

    /// Writes row `y` of results: each source sample moved by its mean difference, and a kept
    /// alpha channel copied; under skip and fill, the missing centres patched (see
    /// [`Missing::patch`]). [`Rejected`] if a kept alpha sample is not valid: the filtered
    /// channels were checked as they entered the ring, the alpha channel never enters it.
    fn store(
        &self,
        dst: &mut [T],
        src: &[T],
        y: isize,
        columns: &Columns,
        scratch: &mut Scratch,
    ) -> Result<(), Rejected> {
        let channels = &self.image.channels;
        let ch = channels.count;
        let missing = self.geometry.missing.unwrap_or_default();
        if (T::IS_FLOAT || missing.nodata.is_some())
            && channels.filtered < ch
            && src
                .chunks_exact(ch)
                .any(|px| missing.refuses_alpha(px[ch - 1].to_f32()))
        {
            return Err(Rejected);
        }
        let planes = &scratch.out[..channels.filtered * columns.computed];
        self.image
            .kernels
            .interleave(dst, src, planes, columns.computed);
        let ring = &self.image.ring;
        let centre = ring.at(y, 0, 0);
        let row = &scratch.ring[centre..centre + columns.width];
        if missing.is_allowed() && row.contains(&MISSING) {
            // The weights are the window's; only the offsets move with the ring's slots.
            for (fill, t) in scratch.fill_taps.iter_mut().zip(&self.taps.all) {
                fill.offset = ring.at(y + t.dy, 0, t.dx) as isize - centre as isize;
            }
            missing.patch(
                dst,
                (ch, channels.filtered),
                &scratch.ring,
                (centre, ring.padded),
                &scratch.fill_taps,
            );
        }
        Ok(())
    }
}

/// Blocks of columns and the buffer of a guide's weights of every tap of a row, for
/// [`Weighing::Rows`]: the widest blocks whose buffer fits `budget`, down to
/// [`LANE_MULTIPLE`] columns.
fn rows_of_weights(
    width: usize,
    radius: usize,
    taps: &Taps,
    channels: &Channels,
    budget: usize,
) -> (Blocks, Weighing) {
    let stride_of = |columns: usize| columns + ALIGN;
    let bytes =
        |columns: usize| channels.groups() * taps.all.len() * stride_of(columns) * size_of::<f32>();
    let mut widest = width.next_multiple_of(LANE_MULTIPLE);
    while widest > LANE_MULTIPLE && bytes(widest) > budget {
        widest = (widest / 2).next_multiple_of(LANE_MULTIPLE);
    }
    let blocks = Blocks::new(width, radius, widest);
    let stride = stride_of(blocks.widest().computed);
    (blocks, Weighing::Rows { stride })
}

/// Weight rings larger than this per tile are not used, to bound the scratch memory and to
/// leave each thread its share of a 16 MiB L3 cache on two threads: wider rings measured
/// faster on one thread and slower on two (see BENCHMARKS.md). The ring grows as
/// `r³ · columns`, so that at 3840 columns a whole row's fits up to radius 4, and beyond that
/// the tile cuts its columns into blocks (see [`layout::Blocks`]).
const SHARED_WEIGHTS_BUDGET: usize = 4 << 20;

/// A zeroed buffer of `f32` whose first element is on a 64-byte boundary.
struct Aligned {
    buf: Vec<f32>,
    start: usize,
    len: usize,
}

impl Aligned {
    fn zeroed(len: usize) -> Self {
        let buf = vec![0.0; len + ALIGN - 1];
        // An f32 pointer is 4-byte aligned, so at most ALIGN - 1 elements are skipped.
        let start = buf.as_ptr().align_offset(64).min(ALIGN - 1);
        Aligned { buf, start, len }
    }
}

impl std::ops::Deref for Aligned {
    type Target = [f32];
    fn deref(&self) -> &[f32] {
        &self.buf[self.start..self.start + self.len]
    }
}

impl std::ops::DerefMut for Aligned {
    fn deref_mut(&mut self) -> &mut [f32] {
        &mut self.buf[self.start..self.start + self.len]
    }
}

/// Per-tile working memory.
struct Scratch {
    /// The ring of input rows.
    ring: Aligned,
    /// The ring of the guide's rows, empty without a guide.
    guide: Aligned,
    /// One row of results, a plane per filtered channel, and one more for the kernel's sums
    /// between sweeps (see [`crate::kernel::filter_row`]).
    out: Aligned,
    /// Every tap, as the filter of the current row and group reads it.
    taps: Vec<TapAt>,
    /// The forward taps of the row being weighed.
    forward: Vec<TapAt>,
    /// Where the image's neighbours of those taps start, when a guide weighs them and the
    /// image's sums are kept.
    summed_at: Vec<usize>,
    /// The ring of weights computed ahead, empty when they are computed in place.
    weights: Aligned,
    /// The sums over the forward taps of the row being filtered, per group, empty unless they
    /// are kept.
    sums: Aligned,
    /// The taps as the fill of a missing centre of the current row reads them: each one's
    /// spatial weight, and its offset in the ring from the row's centre.
    fill_taps: Vec<FillTap>,
}

impl Scratch {
    fn new<T: Sample, G: Sample>(pass: &Pass<T, G>) -> Self {
        let groups = pass.image.channels.groups();
        let (weights, sums) = match &pass.weighing {
            Weighing::InPlace => (0, 0),
            Weighing::Shared(ring) => (ring.len(), 0),
            Weighing::SharedSums(ring) => (ring.len(), groups * ring.sums_len()),
            Weighing::Rows { stride } => (groups * pass.taps.all.len() * stride, 0),
        };
        Scratch {
            ring: Aligned::zeroed(pass.image.ring.len()),
            guide: Aligned::zeroed(pass.guide.as_ref().map_or(0, |g| g.ring.len())),
            out: Aligned::zeroed((pass.image.channels.filtered + 1) * pass.columns.computed),
            taps: pass
                .taps
                .all
                .iter()
                .map(|t| TapAt {
                    at: 0,
                    log2_spatial: t.log2_spatial,
                    weight_at: 0,
                })
                .collect(),
            forward: Vec::with_capacity(pass.taps.all.len()),
            summed_at: Vec::with_capacity(pass.taps.forward),
            weights: Aligned::zeroed(weights),
            sums: Aligned::zeroed(sums),
            fill_taps: pass
                .taps
                .all
                .iter()
                .map(|t| FillTap {
                    offset: 0,
                    weight: f64::from(t.log2_spatial).exp2(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{Pass, SHARED_WEIGHTS_BUDGET};
    use crate::{
        Backend, Border, ColorDistance, ImageView, ImageViewMut, Layout, Params, WeightMode, Window,
    };

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// The kernel's tricks 7 and 8: weights computed ahead and shared between the two
        /// pixels of a pair, with or without the forward sums kept, give the very bytes of
        /// weights computed in place, on every backend; and a forced mode is the one that runs.
        #[test]
        fn every_weight_mode_gives_the_same_bits(
            w in 1usize..200,
            h in 1usize..12,
            c in 1usize..=4,
            r in 0usize..=5,
            tile in 1usize..8,
            window in prop_oneof![Just(Window::Square), Just(Window::Disc)],
            distance in prop_oneof![
                Just(ColorDistance::Joint),
                Just(ColorDistance::L1),
                Just(ColorDistance::PerChannel)
            ],
            border in prop_oneof![
                Just(Border::Reflect101),
                Just(Border::Replicate),
                Just(Border::Reflect),
                Just(Border::Constant(3.0))
            ],
            filter_alpha in any::<bool>(),
            backend in proptest::sample::select(Backend::available()),
            seed in any::<u32>(),
            budget in prop_oneof![Just(SHARED_WEIGHTS_BUDGET), 0usize..200_000],
        ) {
            let src: Vec<f32> = (0..w * h * c)
                .map(|i| ((i as u32 ^ seed).wrapping_mul(2_654_435_761) >> 20) as f32 / 64.0)
                .collect();
            let layout = Layout::packed(w, h, c);
            let plane = ImageView::new(&src, layout).unwrap();
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            let mut first = None;
            for mode in WeightMode::ALL {
                let params = Params::new()
                    .radius(r)
                    .sigma_space(1.0 + r as f64)
                    .sigma_range(20.0)
                    .window(window)
                    .distance(distance)
                    .border(border)
                    .filter_alpha(filter_alpha)
                    .backend(backend)
                    .weight_mode(mode)
                    .tile_height(tile)
                    .resolve::<f32>()
                    .unwrap();
                let pass = Pass::<f32>::with_budget(&params, w, h, c, None, budget);
                // A ring over a small budget falls back to weights in place.
                prop_assert!(
                    r == 0 || pass.weighing.mode() == mode || budget < SHARED_WEIGHTS_BUDGET
                );
                let mut out = vec![0.0f32; src.len()];
                pass.run(&plane, None, &mut ImageViewMut::new(&mut out, layout).unwrap(), None).unwrap();
                match &first {
                    None => first = Some(bits(&out)),
                    Some(f) => prop_assert_eq!(f, &bits(&out), "{}", mode),
                }
            }
        }
    }

    /// A guide's weights shared through the ring, or where it would pass the budget computed
    /// a row at a time into a buffer: the same bits, on every backend.
    #[test]
    fn a_guides_rows_of_weights_give_the_shared_rings_bits() {
        let (w, h, c, r) = (150, 13, 3, 6);
        let src: Vec<f32> = (0..w * h * c)
            .map(|i| ((i as u32).wrapping_mul(2_654_435_761) >> 22) as f32)
            .collect();
        let guide: Vec<u8> = (0..w * h)
            .map(|i| ((i as u32).wrapping_mul(40_503) >> 8) as u8)
            .collect();
        let layout = Layout::packed(w, h, c);
        let plane = ImageView::new(&src, layout).unwrap();
        let g = ImageView::new(&guide, Layout::packed(w, h, 1)).unwrap();
        for backend in Backend::available() {
            let params = Params::new()
                .radius(r)
                .sigma_space(3.0)
                .sigma_range(40.0)
                .backend(backend)
                .resolve::<u8>()
                .unwrap();
            let run = |budget| {
                let pass = Pass::<f32, u8>::with_budget(&params, w, h, c, Some(1), budget);
                let mut out = vec![0.0f32; src.len()];
                pass.run(
                    &plane,
                    Some(&g),
                    &mut ImageViewMut::new(&mut out, layout).unwrap(),
                    None,
                )
                .unwrap();
                (pass, out.iter().map(|x| x.to_bits()).collect::<Vec<_>>())
            };
            let (shared, ring) = run(SHARED_WEIGHTS_BUDGET);
            assert!(shared.weighing.ring().is_some());
            let (rows, bits) = run(50_000);
            assert!(matches!(rows.weighing, super::Weighing::Rows { .. }));
            assert!(rows.geometry.blocks.count() > 1);
            assert_eq!(bits, ring, "{backend}");
        }
    }

    /// Where a whole row's weight ring passes the budget, narrower blocks of columns share
    /// the weights on the backends that cut rows into blocks (the others compute them in
    /// place), and give the bytes of weights computed in place.
    #[test]
    fn blocks_of_columns_share_weights_beyond_the_budget() {
        let (w, h, c, r) = (300, 20, 3, 9);
        let src: Vec<f32> = (0..w * h * c)
            .map(|i| ((i as u32).wrapping_mul(2_654_435_761) >> 22) as f32)
            .collect();
        let layout = Layout::packed(w, h, c);
        let plane = ImageView::new(&src, layout).unwrap();
        for backend in Backend::available() {
            let run = |mode, budget| {
                let params = Params::new()
                    .radius(r)
                    .sigma_space(4.0)
                    .sigma_range(200.0)
                    .backend(backend)
                    .weight_mode(mode)
                    .resolve::<f32>()
                    .unwrap();
                let pass = Pass::<f32>::with_budget(&params, w, h, c, None, budget);
                let mut out = vec![0.0f32; src.len()];
                pass.run(
                    &plane,
                    None,
                    &mut ImageViewMut::new(&mut out, layout).unwrap(),
                    None,
                )
                .unwrap();
                (pass, out.iter().map(|x| x.to_bits()).collect::<Vec<_>>())
            };
            let (_, in_place) = run(WeightMode::InPlace, SHARED_WEIGHTS_BUDGET);
            for mode in [WeightMode::Shared, WeightMode::SharedSums] {
                let (whole, bits) = run(mode, usize::MAX);
                assert_eq!(whole.geometry.blocks.count(), 1);
                assert_eq!(bits, in_place, "{backend} {mode}, one block");
                let (blocked, bits) = run(mode, 1 << 20);
                if blocked.image.kernels.settings().blocks {
                    assert_eq!(blocked.weighing.mode(), mode);
                    assert!(
                        blocked.geometry.blocks.count() > 2,
                        "{:?}",
                        blocked.geometry.blocks
                    );
                } else {
                    assert_eq!(blocked.weighing.mode(), WeightMode::InPlace);
                }
                assert_eq!(
                    bits, in_place,
                    "{backend} {mode}, {:?}",
                    blocked.geometry.blocks
                );
            }
        }
    }
}
