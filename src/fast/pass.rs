//! The fast mode's pass: the image's span, the series and its check, the cost model, and
//! tiles over rayon (see [`crate::fast`]).
#![forbid(unsafe_code)]

use rayon::prelude::*;

use super::kernel::{Check, Exact, PHASE_MAX_ERROR, TileInput, TileScratch};
use super::series::{self, Bounds, Series, U};
use crate::backend::{Compiled, compiled};
use crate::border::fold;
use crate::kernel::LANE_MULTIPLE;
use crate::params::Resolved;
use crate::progress::Watch;
use crate::sample::is_valid_value;
use crate::tiles::{Halt, Rejected};
use crate::weights::{self, EXP2_MAX_REL_ERROR, neg_log2_beta};
use crate::{Border, ColorDistance, ExactBecause, ImageView, ImageViewMut, Sample, Window};

/// The share `D/S` of the spatial weight the range kernel keeps down to which the series is
/// made accurate enough for the tolerance.
pub(crate) const DESIGN_WEIGHT_SHARE: f64 = 1.0 / 16.0;

/// Terms beyond which the series is not tried: the exact filter is faster long before.
const MAX_TERMS: usize = 256;

/// Columns of a tile's block: the phase planes of a tile and its halo then stay in the core's
/// cache for the `K` sweeps over them.
const BLOCK_COLUMNS: usize = 512;

/// How one fast pass went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ran {
    /// The series ran, with `terms` terms; `recomputed` samples were filtered exactly.
    Fast { terms: usize, recomputed: u64 },
    /// The image made the fast mode pointless or impossible: the exact filter must run.
    Declined(ExactBecause),
}

/// A fast pass as far as the parameters and geometry decide it; the series waits for the
/// image's span.
pub(crate) struct FastPass<T: Sample> {
    width: usize,
    height: usize,
    radius: usize,
    border: Border,
    channels: usize,
    filtered: usize,
    tolerance: f64,
    always_fast: bool,
    sigma: f64,
    /// `h(d)`, `d = -r..=r`, with `Σ h = 1` before rounding; `S = (Σ h)²` after.
    spatial: Vec<f32>,
    sum: f64,
    log2_spatial: Vec<f32>,
    row_len: usize,
    neg_log2_beta: f32,
    kernels: Compiled<T>,
    tile_rows: usize,
}

impl<T: Sample> FastPass<T> {
    /// The fast pass of `p` for images of this geometry, or why the exact filter runs.
    pub(crate) fn new(
        p: &Resolved,
        width: usize,
        height: usize,
        channels: usize,
    ) -> Result<Self, ExactBecause> {
        let tolerance = p.tolerance.ok_or(ExactBecause::NoTolerance)?;
        if p.missing.is_set() {
            return Err(ExactBecause::MissingSamples);
        }
        if p.window != Window::Square {
            return Err(ExactBecause::Window);
        }
        let filtered = p.filtered_channels(channels);
        if filtered > 1 && p.distance != ColorDistance::PerChannel {
            return Err(ExactBecause::Distance);
        }
        let sigma = (0.5 / p.beta).sqrt();
        if !sigma.is_finite() {
            return Err(ExactBecause::FlatRange);
        }
        let r = p.radius as isize;
        let raw: Vec<f64> = (-r..=r)
            .map(|d| (-p.alpha * (d * d) as f64).exp())
            .collect();
        let total: f64 = raw.iter().sum();
        let spatial: Vec<f32> = raw.iter().map(|&w| (w / total) as f32).collect();
        let sum = spatial.iter().map(|&h| f64::from(h)).sum::<f64>().powi(2);
        let row_len = (2 * p.radius + 1).next_multiple_of(16);
        let mut log2_spatial = vec![f32::NEG_INFINITY; (2 * p.radius + 1) * row_len];
        for dy in -r..=r {
            for dx in -r..=r {
                if let Some(s) = weights::log2_spatial(p.alpha, dx * dx + dy * dy) {
                    log2_spatial[(dy + r) as usize * row_len + (dx + r) as usize] = s;
                }
            }
        }
        Ok(FastPass {
            width,
            height,
            radius: p.radius,
            border: p.border,
            channels,
            filtered,
            tolerance,
            always_fast: p.always_fast,
            sigma,
            spatial,
            sum,
            log2_spatial,
            row_len,
            neg_log2_beta: neg_log2_beta(p.beta),
            kernels: compiled(p.backend, channels, 1, false),
            tile_rows: p.tile_height.max(2 * p.radius).max(16),
        })
    }

    /// Filters `src` into `dst` (same geometry) by the series, or declines, telling `watch`
    /// of each tile done. On [`Halt::Rejected`] `dst` is untouched, on [`Halt::Stopped`]
    /// partly written.
    pub(crate) fn run(
        &self,
        src: &ImageView<'_, T>,
        dst: &mut ImageViewMut<'_, T>,
        watch: Option<&Watch<'_>>,
    ) -> Result<Ran, Halt> {
        let affordable = if self.always_fast {
            MAX_TERMS
        } else {
            self.affordable_terms().min(MAX_TERMS)
        };
        if affordable < MIN_TERMS {
            return Ok(Ran::Declined(ExactBecause::Faster));
        }
        let (v_min, v_max) = self.span(src)?;
        let span = f64::from(v_max) - f64::from(v_min);
        // The fewest terms that certify the tolerance, then whether they pay.
        let Some(plan) = self.plan(v_min, span, MAX_TERMS) else {
            return Ok(Ran::Declined(ExactBecause::ToleranceTooSmall));
        };
        if plan.terms.len() > affordable {
            return Ok(Ran::Declined(ExactBecause::Faster));
        }
        let stride = dst.layout.stride;
        let span_len = dst.layout.span();
        let rows = self.tile_rows.min(self.height);
        let recomputed = dst.data[..span_len]
            .par_chunks_mut(stride * rows)
            .enumerate()
            .map_init(
                || (TileScratch::default(), Vec::new(), Vec::new()),
                |(scratch, values, out), (tile, dst_rows)| {
                    let y0 = tile * rows;
                    let y1 = (y0 + rows).min(self.height);
                    let mut recomputed = 0;
                    for x0 in (0..self.width).step_by(BLOCK_COLUMNS) {
                        let x1 = (x0 + BLOCK_COLUMNS).min(self.width);
                        recomputed += self.tile(
                            &plan,
                            src,
                            (y0..y1, x0..x1),
                            dst_rows,
                            stride,
                            scratch,
                            values,
                            out,
                        );
                    }
                    Watch::tick(watch, y1 - y0).map(|()| recomputed)
                },
            )
            .try_reduce(|| 0, |a, b| Ok(a + b))?;
        Ok(Ran::Fast {
            terms: plan.terms.len(),
            recomputed,
        })
    }

    /// The smallest and largest value the filtered channels and the border hold: the span
    /// of every difference the filter weighs.
    fn span(&self, src: &ImageView<'_, T>) -> Result<(f32, f32), Rejected> {
        let (lo, hi, valid) = (0..self.height)
            .into_par_iter()
            .map(|y| extremes(src.row(y), self.channels, self.filtered))
            .reduce(
                || (f32::INFINITY, f32::NEG_INFINITY, true),
                |a, b| (a.0.min(b.0), a.1.max(b.1), a.2 && b.2),
            );
        if !valid {
            return Err(Rejected);
        }
        Ok(match self.border {
            Border::Constant(v) => (lo.min(v), hi.max(v)),
            _ => (lo, hi),
        })
    }

    /// The series and the check for values from `v_min` spanning `span`, or `None` where no
    /// series of at most `max_terms` terms can certify the tolerance.
    fn plan(&self, v_min: f32, span: f64, max_terms: usize) -> Option<Plan> {
        let rounding = 2.01 * U * span + 1e-20 * span;
        let tolerance = self.tolerance - rounding;
        if tolerance <= self.exact_accuracy(span) {
            return None;
        }
        // Integer samples are exact in f32, so their phase's argument is rounded once;
        // f32 samples' difference from v_min is rounded too.
        let argument = if T::IS_FLOAT { 2.01 } else { 1.0 };
        let phase_error = PHASE_MAX_ERROR + 2.0 * std::f64::consts::PI * argument * U;
        let taps = 2 * self.radius + 1;
        let totals = |s: &Series| {
            let b = Bounds::new(s, taps, phase_error);
            (s.weight_error + b.weight, s.offset_error + b.offset)
        };
        // Accurate down to the design share of weight if the rounding allows, else down to
        // a larger share (more pixels then fail their check and are filtered exactly).
        let series = [1.0, 2.0, 4.0, 8.0].into_iter().find_map(|relax| {
            let rho = DESIGN_WEIGHT_SHARE * relax;
            let offset = (0.61 * self.sigma / rho).min(span);
            Series::fewest_terms(self.sigma, span, max_terms, |s| {
                let (e1, e2) = totals(s);
                e1 < rho && (e2 + offset * e1) / (rho - e1) <= tolerance
            })
        })?;
        let (e1, e2) = totals(&series);
        let inflate = 1.0 + 1e-4;
        let check = Check {
            tolerance: (tolerance * (1.0 - 1e-4)) as f32,
            weight: (self.sum * e1 * inflate) as f32,
            offset: (self.sum * e2 * inflate) as f32,
            rel: (2.0 * U * inflate) as f32,
        };
        Some(Plan {
            terms: series
                .weight
                .iter()
                .zip(&series.offset)
                .map(|(&w, &o)| (w as f32, o as f32))
                .collect(),
            start: (series.a0 * self.sum) as f32,
            v_min,
            inv_period: series.inv_period,
            check,
        })
    }

    /// How far the exact filter of one pixel (for those the check rejects) can be from the
    /// definition, for values spanning `span`: a tolerance must exceed it. Its weights are
    /// off by a relative `2.5e-7` (the exponential) plus the rounding of the argument `x`,
    /// `1.39·u·|x|` on a weight `2^x`, whose weighted mean over the window, the centre
    /// weighing 1, is below `log2(taps) + 2`; each moves the result by up to twice its share
    /// of the span. Its sums round `row_len + 2r + 17` times at most, twice per step without
    /// FMA, for both sums: `4·γ` of the span.
    fn exact_accuracy(&self, span: f64) -> f64 {
        let taps = (2 * self.radius + 1) as f64;
        let weights = EXP2_MAX_REL_ERROR + 1.39 * U * ((taps * taps).log2() + 2.0);
        let steps = 2 * (self.row_len + 2 * self.radius + 17);
        span * (2.0 * weights + 4.0 * series::gamma(steps))
    }

    /// The most terms that cost less than the exact filter's window: the cost model, in
    /// units of one tap of the exact filter. Fitted to both modes' times on gray u8 frames
    /// (see BENCHMARKS.md, issue 13): the exact filter costs a tap per tap, the series a
    /// fixed [`FAST_FIXED`] per pixel (the image's span, the phases, the certificate) and
    /// per term [`FAST_PER_TERM`] plus [`FAST_PER_TERM_TAP`] per tap of one pass.
    fn affordable_terms(&self) -> usize {
        let taps = (2 * self.radius + 1) as f64;
        let spare = taps * taps - FAST_FIXED;
        (spare / (FAST_PER_TERM + FAST_PER_TERM_TAP * taps)).max(0.0) as usize
    }

    /// Filters the tile of output `rows` and `columns` of the image into `dst_rows` (the
    /// tile's rows of `dst`, `stride` apart); the samples computed exactly.
    #[allow(clippy::too_many_arguments)]
    fn tile(
        &self,
        plan: &Plan,
        src: &ImageView<'_, T>,
        (rows, columns): (std::ops::Range<usize>, std::ops::Range<usize>),
        dst_rows: &mut [T],
        stride: usize,
        scratch: &mut TileScratch,
        values: &mut Vec<f32>,
        out: &mut Vec<f32>,
    ) -> u64 {
        let r = self.radius;
        let (height, width) = (rows.len(), columns.len());
        let padded = width.next_multiple_of(LANE_MULTIPLE);
        let phase_columns = (padded + 2 * r).next_multiple_of(LANE_MULTIPLE);
        let row_stride_one = phase_columns
            .max(padded - 1 + self.row_len)
            .next_multiple_of(16);
        let nf = self.filtered;
        let in_rows = height + 2 * r;
        values.resize(in_rows * nf * row_stride_one, 0.0);
        for j in 0..in_rows {
            let row = &mut values[j * nf * row_stride_one..(j + 1) * nf * row_stride_one];
            self.fill(
                src,
                rows.start as isize - r as isize + j as isize,
                columns.start,
                row,
                row_stride_one,
            );
        }
        out.resize(height * nf * padded, 0.0);
        let mut recomputed = 0;
        for c in 0..nf {
            let input = TileInput {
                values,
                offset: c * row_stride_one,
                row_stride: nf * row_stride_one,
                rows: height,
                columns: padded,
                valid_rows: height,
                valid_columns: width,
                phase_columns,
                radius: r,
                spatial: &self.spatial,
                terms: &plan.terms,
                start: plan.start,
                v_min: plan.v_min,
                inv_period: plan.inv_period,
                check: plan.check,
                exact: Exact {
                    log2_spatial: &self.log2_spatial,
                    row_len: self.row_len,
                    neg_log2_beta: self.neg_log2_beta,
                },
            };
            recomputed +=
                self.kernels
                    .fast_tile(&input, scratch, &mut out[c * padded..], nf * padded)
                    as u64;
        }
        let ch = self.channels;
        for y in 0..height {
            let image_row = rows.start + y;
            let samples = columns.start * ch..columns.end * ch;
            let dst = &mut dst_rows[y * stride..][samples.clone()];
            self.kernels.interleave(
                dst,
                &src.row(image_row)[samples],
                &out[y * nf * padded..(y + 1) * nf * padded],
                padded,
            );
        }
        recomputed
    }

    /// Converts input row `yy` (any integer: the border folds it) into `row`, one plane of
    /// `stride` per filtered channel, column 0 being image column `x0 - r`. Columns past the
    /// halo fold on, so that every value the kernel reads is one of the image's or the border's.
    fn fill(&self, src: &ImageView<'_, T>, yy: isize, x0: usize, row: &mut [f32], stride: usize) {
        let constant = match self.border {
            Border::Constant(v) => v,
            _ => 0.0,
        };
        let Some(sy) = fold(yy, self.height, self.border) else {
            row.fill(constant);
            return;
        };
        let samples = src.row(sy);
        let ch = self.channels;
        let origin = x0 as isize - self.radius as isize;
        let clamp = |j: isize| j.clamp(0, stride as isize) as usize;
        let inside = clamp(-origin)..clamp(self.width as isize - origin);
        let image = |j: usize| (origin + j as isize) as usize * ch;
        let from = &samples[image(inside.start)..image(inside.end)];
        let valid = self.kernels.deinterleave(row, stride, inside.start, from);
        debug_assert!(valid, "the span's scan checked every sample");
        for j in (0..inside.start).chain(inside.end..stride) {
            let x = fold(origin + j as isize, self.width, self.border);
            for (c, plane) in row.chunks_exact_mut(stride).enumerate() {
                plane[j] = x.map_or(constant, |x| samples[x * ch + c].to_f32());
            }
        }
    }
}

/// The cost model's constants (see [`FastPass::affordable_terms`]), fitted on AVX-512; on
/// AVX2, where an exact tap costs twice as much and a term less than that, the model errs
/// towards the exact filter.
const FAST_FIXED: f64 = 44.0;
const FAST_PER_TERM: f64 = 3.7;
const FAST_PER_TERM_TAP: f64 = 0.67;

/// Fewer affordable terms than this decline before the image's span is scanned: no series
/// of this window's size would pay.
const MIN_TERMS: usize = 3;

/// The series and check of one pass.
struct Plan {
    terms: Vec<(f32, f32)>,
    start: f32,
    v_min: f32,
    inv_period: f32,
    check: Check,
}

/// The smallest and largest of the first `filtered` channels of each pixel of `row` (of
/// `channels`), as `f32`, and whether every one is a valid sample. Comparisons rather than
/// `f32::min`, whose NaN rule keeps the loop scalar, and eight running minima and maxima
/// where every channel counts, so that the loop vectorises.
fn extremes<T: Sample>(row: &[T], channels: usize, filtered: usize) -> (f32, f32, bool) {
    let (mut lo, mut hi, mut valid) = ([f32::INFINITY; 8], [f32::NEG_INFINITY; 8], true);
    let mut take = |i: usize, s: &T| {
        let v = s.to_f32();
        valid &= !T::IS_FLOAT || is_valid_value(v);
        lo[i] = if v < lo[i] { v } else { lo[i] };
        hi[i] = if v > hi[i] { v } else { hi[i] };
    };
    if filtered == channels {
        let mut chunks = row.chunks_exact(8);
        for c in &mut chunks {
            for (i, s) in c.iter().enumerate() {
                take(i, s);
            }
        }
        chunks.remainder().iter().for_each(|s| take(0, s));
    } else {
        for px in row.chunks_exact(channels) {
            px[..filtered].iter().for_each(|s| take(0, s));
        }
    }
    let lo = lo
        .iter()
        .fold(f32::INFINITY, |a, &b| if b < a { b } else { a });
    let hi = hi
        .iter()
        .fold(f32::NEG_INFINITY, |a, &b| if b > a { b } else { a });
    (lo, hi, valid)
}
