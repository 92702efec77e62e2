//! One pass of the filter: row tiles dispatched over rayon, each with a ring of converted rows.
//!
//! A tile of output rows `[y0, y1)` keeps a ring of `2r+1` input rows, each converted to `f32`,
//! split into one plane per filtered channel and padded by `r` columns on each side (plus
//! enough columns to round the width up to [`LANE_MULTIPLE`]). Moving to the next output row
//! converts one new input row. Scratch is per tile, `O(r · width)`; nothing proportional to the
//! image is allocated. A pixel's result depends only on its window's samples, never on the tile
//! or the thread that computed it, so every tile height and thread count gives the same bytes.
#![forbid(unsafe_code)]

use rayon::prelude::*;

use crate::backend::{Kernel, LANE_MULTIPLE};
use crate::border::fold;
use crate::kernel::{RowInput, TapAt};
use crate::params::Resolved;
use crate::sample::is_valid_value;
use crate::weights::{Tap, neg_log2_beta, taps};
use crate::{Border, ColorDistance, Plane, PlaneMut, Sample};

/// Everything a pass needs, derived once per call from the parameters and the geometry.
pub(crate) struct Pass {
    width: usize,
    height: usize,
    channels: usize,
    radius: usize,
    /// Channels that are filtered; a kept alpha channel is copied instead.
    filtered: usize,
    /// Channels filtered together by one kernel call: all of them, or 1 per channel.
    joint: usize,
    border: Border,
    taps: Vec<Tap>,
    neg_log2_beta: f32,
    kernel: Kernel,
    /// Columns the kernel computes: the width rounded up to [`LANE_MULTIPLE`].
    columns: usize,
    /// Samples per channel plane of a ring row: `columns + 2r`.
    padded: usize,
    /// Ring columns outside the image's own columns, with the image column each one reads.
    edge_columns: Vec<(usize, Option<usize>)>,
    tile_height: usize,
}

impl Pass {
    pub(crate) fn new(p: &Resolved, width: usize, height: usize, channels: usize) -> Self {
        let has_alpha = channels == 2 || channels == 4;
        let filtered = if has_alpha && !p.filter_alpha {
            channels - 1
        } else {
            channels
        };
        let joint = match p.distance {
            ColorDistance::PerChannel => 1,
            ColorDistance::Joint | ColorDistance::L1 => filtered,
        };
        let l1 = p.distance == ColorDistance::L1;
        let r = p.radius;
        let columns = width.div_ceil(LANE_MULTIPLE) * LANE_MULTIPLE;
        let padded = columns + 2 * r;
        let edge_columns = (0..r)
            .chain(r + width..padded)
            .map(|j| (j, fold(j as isize - r as isize, width, p.border)))
            .collect();
        Pass {
            width,
            height,
            channels,
            radius: r,
            filtered,
            joint,
            border: p.border,
            taps: taps(r, p.window, p.alpha),
            neg_log2_beta: neg_log2_beta(p.beta),
            kernel: Kernel::new(p.backend, joint, l1),
            columns,
            padded,
            edge_columns,
            tile_height: p.tile_height,
        }
    }

    fn constant(&self) -> f32 {
        match self.border {
            Border::Constant(v) => v,
            _ => 0.0,
        }
    }

    /// Runs the pass from `src` into `dst` (same geometry). `Err(())` if a sample of `src` is
    /// not valid; `dst` is then partly written.
    pub(crate) fn run<T: Sample>(
        &self,
        src: &Plane<'_, T>,
        dst: &mut PlaneMut<'_, T>,
    ) -> Result<(), ()> {
        let stride = dst.layout.stride;
        let span = dst.layout.span();
        let rows_per_chunk = self.tile_height.min(self.height);
        dst.data[..span]
            .par_chunks_mut(stride * rows_per_chunk)
            .enumerate()
            .try_for_each_init(
                || Scratch::new(self),
                |scratch, (tile, out)| {
                    let y0 = tile * rows_per_chunk;
                    let y1 = (y0 + rows_per_chunk).min(self.height);
                    self.tile(src, y0..y1, out, stride, scratch)
                },
            )
    }

    fn tile<T: Sample>(
        &self,
        src: &Plane<'_, T>,
        rows: std::ops::Range<usize>,
        out: &mut [T],
        stride: usize,
        scratch: &mut Scratch,
    ) -> Result<(), ()> {
        let r = self.radius as isize;
        let slots = 2 * self.radius + 1;
        let slot_len = self.filtered * self.padded;
        let slot_of = |y: isize| (y + r).rem_euclid(slots as isize) as usize;
        let (y0, y1) = (rows.start as isize, rows.end as isize);
        for yy in y0 - r..y0 + r {
            let s = slot_of(yy);
            self.fill_slot(&mut scratch.ring[s * slot_len..(s + 1) * slot_len], src, yy)?;
        }
        for y in y0..y1 {
            let s = slot_of(y + r);
            self.fill_slot(
                &mut scratch.ring[s * slot_len..(s + 1) * slot_len],
                src,
                y + r,
            )?;
            for group in 0..self.filtered / self.joint {
                let shift = group * self.padded;
                for (tap_at, tap) in scratch.taps.iter_mut().zip(&self.taps) {
                    tap_at.at = slot_of(y + tap.dy) * slot_len + shift + (r + tap.dx) as usize;
                }
                let input = RowInput::new(
                    &scratch.ring,
                    self.padded,
                    self.joint,
                    slot_of(y) * slot_len + shift + self.radius,
                    &scratch.taps,
                    self.neg_log2_beta,
                    self.columns,
                );
                let planes = &mut scratch.out[group * self.columns..];
                self.kernel.run(&input, planes);
            }
            let start = (y - y0) as usize * stride;
            let dst_row = &mut out[start..start + self.width * self.channels];
            self.store_row(dst_row, src.row(y as usize), &scratch.out)?;
        }
        Ok(())
    }

    /// Converts input row `yy` (any integer: the border folds it) into a ring slot.
    fn fill_slot<T: Sample>(
        &self,
        slot: &mut [f32],
        src: &Plane<'_, T>,
        yy: isize,
    ) -> Result<(), ()> {
        let Some(sy) = fold(yy, self.height, self.border) else {
            slot.fill(self.constant());
            return Ok(());
        };
        let row = src.row(sy);
        let (r, w) = (self.radius, self.width);
        for (c, plane) in slot.chunks_exact_mut(self.padded).enumerate() {
            let inner = &mut plane[r..r + w];
            match self.channels {
                1 => deinterleave::<T, 1>(inner, row, c),
                2 => deinterleave::<T, 2>(inner, row, c),
                3 => deinterleave::<T, 3>(inner, row, c),
                _ => deinterleave::<T, 4>(inner, row, c),
            }
            if T::IS_FLOAT && !inner.iter().all(|&v| is_valid_value(v)) {
                return Err(());
            }
            for &(j, from) in &self.edge_columns {
                plane[j] = from.map_or(self.constant(), |x| plane[r + x]);
            }
        }
        Ok(())
    }

    /// Writes one row of results: each source sample moved by its mean difference, and a kept
    /// alpha channel copied.
    /// `Err(())` if a kept alpha sample is not valid: the filtered channels were checked as
    /// they entered the ring, the alpha channel never enters it.
    fn store_row<T: Sample>(&self, dst: &mut [T], src: &[T], out: &[f32]) -> Result<(), ()> {
        let ch = self.channels;
        if T::IS_FLOAT
            && self.filtered < ch
            && !src
                .chunks_exact(ch)
                .all(|px| is_valid_value(px[ch - 1].to_f32()))
        {
            return Err(());
        }
        let planes = &out[..self.filtered * self.columns];
        match self.channels {
            1 => store::<T, 1>(dst, src, planes, self.columns),
            2 => store::<T, 2>(dst, src, planes, self.columns),
            3 => store::<T, 3>(dst, src, planes, self.columns),
            _ => store::<T, 4>(dst, src, planes, self.columns),
        }
        Ok(())
    }
}

/// Interleaves `C`-channel results: channel `c` of pixel `x` is `src` moved by
/// `planes[c·columns + x]` for each plane given, and copied from `src` past them (a kept
/// alpha). `C` is a constant so that each case compiles to its own loop.
#[inline(always)]
fn store<T: Sample, const C: usize>(dst: &mut [T], src: &[T], planes: &[f32], columns: usize) {
    let filtered = planes.len() / columns;
    for (x, (d, s)) in dst.chunks_exact_mut(C).zip(src.chunks_exact(C)).enumerate() {
        for c in 0..C {
            d[c] = if c < filtered {
                s[c].offset_by(planes[c * columns + x])
            } else {
                s[c]
            };
        }
    }
}

/// `plane[x] = row[x·C + c]` as `f32`; `C` is a constant so each case compiles to its own loop.
#[inline(always)]
fn deinterleave<T: Sample, const C: usize>(plane: &mut [f32], row: &[T], c: usize) {
    for (d, px) in plane.iter_mut().zip(row.chunks_exact(C)) {
        *d = px[c].to_f32();
    }
}

/// Per-tile working memory.
struct Scratch {
    ring: Vec<f32>,
    out: Vec<f32>,
    taps: Vec<TapAt>,
}

impl Scratch {
    fn new(pass: &Pass) -> Self {
        Scratch {
            ring: vec![0.0; (2 * pass.radius + 1) * pass.filtered * pass.padded],
            out: vec![0.0; pass.filtered * pass.columns],
            taps: pass
                .taps
                .iter()
                .map(|t| TapAt {
                    at: 0,
                    log2_spatial: t.log2_spatial,
                })
                .collect(),
        }
    }
}
