//! One pass of the filter: row tiles dispatched over rayon, each with a ring of converted rows.
//!
//! A tile of output rows `[y0, y1)` keeps a ring of `2r+1` input rows, each converted to `f32`,
//! split into one plane per filtered channel and padded by the border rule: on the left, the
//! reach of the weights computed ahead, and on the right enough to round the width up to
//! [`LANE_MULTIPLE`] plus that reach. Moving to the next output row converts one new input row.
//! Every plane, and the column 0 of every plane, starts on a 64-byte boundary, as does every
//! row of weights and of results: vectors of pixels from column 0 are aligned loads, and only
//! taps with `dx ≠ 0` load across cache lines.
//!
//! For small windows the tile also keeps a ring of `r+1` rows of weights computed ahead, one
//! row per forward tap (see the kernel's trick 7): row `y`'s are computed as it is reached and
//! read back by rows `y` to `y + r`; a tile first computes those of the `r` rows above it that
//! reach into it. Large windows, whose weight ring would pass [`SHARED_WEIGHTS_BUDGET`],
//! compute every weight in place; both give the same bits. Where the kernel keeps them (see
//! the kernel's trick 8), the tile also keeps the row's sums over its forward taps.
//!
//! Scratch is per tile, `O(r · width)` for the rows and at most [`SHARED_WEIGHTS_BUDGET`] for
//! the weights; nothing proportional to the image is allocated.
//! A pixel's result depends only on its window's samples, never on the tile or the thread that
//! computed it, so every tile height and thread count gives the same bytes.
#![forbid(unsafe_code)]

use rayon::prelude::*;

use crate::backend::{Kernel, LANE_MULTIPLE};
use crate::border::fold;
use crate::kernel::{Prefetch, RowInput, TapAt};
use crate::params::Resolved;
use crate::sample::is_valid_value;
use crate::weights::{Tap, neg_log2_beta, taps};
use crate::{Border, ColorDistance, Plane, PlaneMut, Sample};

/// Everything a pass needs, derived once per call from the parameters and the geometry.
pub(crate) struct Pass<T: Sample> {
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
    kernel: Kernel<T>,
    /// Columns the kernel computes: the width rounded up to [`LANE_MULTIPLE`].
    columns: usize,
    /// Ring columns left of image column 0: `ahead + r` (the reach of a weight computed ahead
    /// for column `-ahead`) rounded up to [`ALIGN`].
    lead: usize,
    /// Columns left of image column 0 whose weights are computed ahead: `r` rounded up to
    /// [`ALIGN`], so that the weights of column 0 are aligned too.
    ahead: usize,
    /// Columns whose weights are computed ahead, from image column `-ahead`: up to column
    /// `columns + r`, rounded up to [`LANE_MULTIPLE`].
    weighed: usize,
    /// Samples per channel plane of a ring row: `lead + weighed`, enough for every load.
    padded: usize,
    /// Distance between the weight rows of two taps: room for the columns weighed moved by up
    /// to `ahead` either way (see [`Pass::weight_column`]), rounded up to 128 bytes, and 64
    /// bytes more, so that no two of the first 63 taps sit a multiple of 4 KiB apart, where
    /// loads would wait on unrelated stores (4K aliasing).
    weight_stride: usize,
    /// For each tap, the index in `forward` of the tap whose weights it uses, and whether it
    /// is that tap's mirror image (reads them at the mirrored pixel).
    pairs: Vec<(usize, bool)>,
    /// Indices in `taps` of the forward half (`dy > 0`, or `dy = 0` and `dx > 0`), in order of
    /// `dy`; empty when weights are computed in place.
    forward: Vec<usize>,
    /// Ring columns outside the image's own columns, with the image column each one reads.
    edge_columns: Vec<(usize, Option<usize>)>,
    tile_height: usize,
}

impl<T: Sample> Pass<T> {
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
        let ahead = r.next_multiple_of(ALIGN);
        let lead = (ahead + r).next_multiple_of(ALIGN);
        let weighed = (ahead + columns + r).next_multiple_of(LANE_MULTIPLE);
        let padded = lead + weighed;
        let edge_columns = (0..lead)
            .chain(lead + width..padded)
            .map(|j| (j, fold(j as isize - lead as isize, width, p.border)))
            .collect();
        let is_forward = |t: &Tap| t.dy > 0 || (t.dy == 0 && t.dx > 0);
        // The forward taps first, in order of `dy`: with shared weights their sums are taken
        // as they are weighed, and the filter adds the backward ones after them, the same
        // order as when every weight is computed in place.
        let (mut taps, backward): (Vec<Tap>, Vec<Tap>) =
            taps(r, p.window, p.alpha).into_iter().partition(is_forward);
        let mut forward: Vec<usize> = (0..taps.len()).collect();
        taps.extend(backward);
        let pairs = taps
            .iter()
            .map(|t| {
                let f = forward.iter().position(|&k| {
                    let o = &taps[k];
                    (o.dx, o.dy) == (t.dx, t.dy) || (o.dx, o.dy) == (-t.dx, -t.dy)
                });
                (f.expect("the window is symmetric"), !is_forward(t))
            })
            .collect();
        let groups = filtered / joint;
        let weight_stride = (weighed + 2 * ahead).next_multiple_of(LANE_MULTIPLE) + ALIGN;
        let ring_bytes = (r + 1) * groups * forward.len() * weight_stride * size_of::<f32>();
        if ring_bytes > SHARED_WEIGHTS_BUDGET {
            forward.clear();
        }
        Pass {
            width,
            height,
            channels,
            radius: r,
            filtered,
            joint,
            border: p.border,
            taps,
            neg_log2_beta: neg_log2_beta(p.beta),
            kernel: Kernel::new(p.backend, channels, joint, l1),
            columns,
            lead,
            ahead,
            weighed,
            padded,
            weight_stride,
            pairs,
            forward,
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
    pub(crate) fn run(&self, src: &Plane<'_, T>, dst: &mut PlaneMut<'_, T>) -> Result<(), ()> {
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

    fn tile(
        &self,
        src: &Plane<'_, T>,
        rows: std::ops::Range<usize>,
        out: &mut [T],
        stride: usize,
        scratch: &mut Scratch,
    ) -> Result<(), ()> {
        let r = self.radius as isize;
        let (y0, y1) = (rows.start as isize, rows.end as isize);
        for yy in y0 - r..y0 + r {
            let s = self.slot_of(yy);
            self.fill_slot(&mut scratch.ring[s..s + self.slot_len()], src, yy)?;
        }
        // The rows above the tile whose forward taps reach into it: row y0 - k only needs the
        // taps that go down k rows or more.
        for k in (1..=r).rev() {
            self.weigh(y0 - k, k, scratch);
        }
        let shares = !self.forward.is_empty();
        let from_sums = shares && self.kernel.keeps_sums();
        // The forward taps' sums may already be taken.
        let first_tap = if from_sums { self.forward.len() } else { 0 };
        let out_row = |y: isize| {
            let start = (y - y0) as usize * stride;
            start..start + self.width * self.channels
        };
        for y in y0..y1 {
            let s = self.slot_of(y + r);
            self.fill_slot(&mut scratch.ring[s..s + self.slot_len()], src, y + r)?;
            self.weigh(y, 0, scratch);
            // What this tile reads and writes next, asked for while the first group is
            // filtered: the input row the ring takes in, the output row after this one.
            let next = (
                fold(y + r + 1, self.height, self.border)
                    .map_or(Prefetch::NONE, |sy| Prefetch::new(src.row(sy))),
                out.get(out_row(y + 1))
                    .map_or(Prefetch::NONE, Prefetch::new),
            );
            for group in 0..self.groups() {
                let shift = group * self.padded;
                for (k, (tap_at, tap)) in scratch.taps.iter_mut().zip(&self.taps).enumerate() {
                    tap_at.at = self.slot_of(y + tap.dy) + shift + self.lead_at(tap.dx);
                    let (f, mirrored) = self.pairs[k];
                    // A mirrored tap's weight was stored by the pixel it reaches, for the
                    // forward tap that reaches back.
                    let (wy, wx, forward_dx) = if mirrored {
                        (y + tap.dy, tap.dx, -tap.dx)
                    } else {
                        (y, 0, tap.dx)
                    };
                    let column = self.weight_column(forward_dx) as isize;
                    tap_at.weight_at = self.weights_at(wy, group, f) + (column + wx) as usize;
                }
                let input = RowInput::new(
                    &scratch.ring,
                    self.padded,
                    self.joint,
                    self.slot_of(y) + shift + self.lead,
                    &scratch.taps[first_tap..],
                    self.neg_log2_beta,
                    self.columns,
                );
                let input = if shares {
                    let sums = if from_sums {
                        &scratch.sums[self.sums_at(group) + self.ahead..]
                    } else {
                        &[]
                    };
                    input.sharing(&scratch.weights, sums, self.weighed)
                } else {
                    input
                };
                let (read, write) = if group == 0 {
                    next
                } else {
                    (Prefetch::NONE, Prefetch::NONE)
                };
                let planes = &mut scratch.out[group * self.columns..];
                self.kernel.filter(&input.prefetching(read, write), planes);
            }
            self.store_row(&mut out[out_row(y)], src.row(y as usize), &scratch.out)?;
        }
        Ok(())
    }

    /// Computes ahead the weights of row `y`'s forward taps that go down `min_dy` rows or
    /// more, for the columns `[-ahead, weighed - ahead)`, when weights are shared; with
    /// `min_dy = 0`, also the sums over all of them that the filter of row `y` starts from.
    fn weigh(&self, y: isize, min_dy: isize, scratch: &mut Scratch) {
        let first = self
            .forward
            .iter()
            .position(|&k| self.taps[k].dy >= min_dy)
            .unwrap_or(self.forward.len());
        let ahead = self.ahead;
        for group in 0..self.groups() {
            let shift = group * self.padded;
            scratch.forward.clear();
            scratch
                .forward
                .extend(self.forward[first..].iter().map(|&k| TapAt {
                    at: self.slot_of(y + self.taps[k].dy) + shift + self.lead_at(self.taps[k].dx)
                        - ahead,
                    log2_spatial: self.taps[k].log2_spatial,
                    weight_at: self.weight_column(self.taps[k].dx) - ahead,
                }));
            if scratch.forward.is_empty() {
                return;
            }
            let input = RowInput::new(
                &scratch.ring,
                self.padded,
                self.joint,
                self.slot_of(y) + shift + self.lead - ahead,
                &scratch.forward,
                self.neg_log2_beta,
                self.weighed,
            );
            let at = self.weights_at(y, group, first);
            let sums = if min_dy == 0 && self.kernel.keeps_sums() {
                let at = self.sums_at(group);
                &mut scratch.sums[at..at + (1 + self.joint) * self.weighed]
            } else {
                &mut []
            };
            self.kernel
                .weigh(&input, &mut scratch.weights[at..], self.weight_stride, sums);
        }
    }

    /// Where group `group`'s sums over the forward taps start: `Σ w` then `Σ w·d` per channel,
    /// `weighed` apart, from image column `-ahead`.
    fn sums_at(&self, group: usize) -> usize {
        group * (1 + self.joint) * self.weighed
    }

    /// Kernel calls per row: channels filtered together share one.
    fn groups(&self) -> usize {
        self.filtered / self.joint
    }

    /// Samples per ring slot: one plane per filtered channel.
    fn slot_len(&self) -> usize {
        self.filtered * self.padded
    }

    /// Where input row `y` (any integer) starts in the ring of `2r + 1` slots.
    fn slot_of(&self, y: isize) -> usize {
        let slots = 2 * self.radius + 1;
        y.rem_euclid(slots as isize) as usize * self.slot_len()
    }

    /// Ring column of image column 0 moved by `dx`.
    fn lead_at(&self, dx: isize) -> usize {
        (self.lead as isize + dx) as usize
    }

    /// Where the weights of row `y`'s forward tap `f`, for group `group`, start in the ring
    /// of `r + 1` weight rows; [`Pass::weight_column`] says where in that row each goes.
    fn weights_at(&self, y: isize, group: usize, f: usize) -> usize {
        let rows = self.radius as isize + 1;
        let slot = y.rem_euclid(rows) as usize * self.groups() + group;
        (slot * self.forward.len() + f) * self.weight_stride
    }

    /// Where in a row of weights the weight of a pair of pixels `dx` columns apart goes, for
    /// image column 0 of the pixel that computed it. Where the filter reads only the backward
    /// taps' weights (the kernel keeps the forward sums), at the column of the pixel it
    /// reaches, so that those reads are aligned: 2-3% faster on AVX-512. Elsewhere at the
    /// pixel's own column: the forward taps' reads and the stores stay aligned, and moving
    /// them made AVX2 RGB 15% slower.
    fn weight_column(&self, dx: isize) -> usize {
        let moved = if self.kernel.keeps_sums() { dx } else { 0 };
        (2 * self.ahead as isize + moved) as usize
    }

    /// Converts input row `yy` (any integer: the border folds it) into a ring slot.
    fn fill_slot(&self, slot: &mut [f32], src: &Plane<'_, T>, yy: isize) -> Result<(), ()> {
        let Some(sy) = fold(yy, self.height, self.border) else {
            slot.fill(self.constant());
            return Ok(());
        };
        let row = src.row(sy);
        if !self.kernel.deinterleave(slot, self.padded, self.lead, row) {
            return Err(());
        }
        for plane in slot.chunks_exact_mut(self.padded) {
            for &(j, from) in &self.edge_columns {
                plane[j] = from.map_or(self.constant(), |x| plane[self.lead + x]);
            }
        }
        Ok(())
    }

    /// Writes one row of results: each source sample moved by its mean difference, and a kept
    /// alpha channel copied.
    /// `Err(())` if a kept alpha sample is not valid: the filtered channels were checked as
    /// they entered the ring, the alpha channel never enters it.
    fn store_row(&self, dst: &mut [T], src: &[T], out: &[f32]) -> Result<(), ()> {
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
        self.kernel.interleave(dst, src, planes, self.columns);
        Ok(())
    }
}

/// Weight rings larger than this per tile are not used, to bound the scratch memory: weights
/// are then computed in place. Sharing wins even from beyond the L2 cache (measured on Zen 3,
/// 3840 columns, one thread: r = 3 with a 1.5 MiB ring 50 -> 67 Mpix/s, r = 4 with 3.1 MiB
/// 20 -> 37, r = 6 with 9 MiB 9 -> 13), but the ring grows as `r³ · width`. At 3840 columns,
/// radii up to 4 share.
const SHARED_WEIGHTS_BUDGET: usize = 4 << 20;

/// `f32`s in 64 bytes, the widest vector and a cache line.
const ALIGN: usize = 16;

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
    ring: Aligned,
    out: Aligned,
    taps: Vec<TapAt>,
    /// The forward taps of the row being weighed.
    forward: Vec<TapAt>,
    /// `r + 1` rows of weights computed ahead, empty when they are computed in place.
    weights: Aligned,
    /// The sums over the forward taps of the row being filtered, per group.
    sums: Aligned,
}

impl Scratch {
    fn new<T: Sample>(pass: &Pass<T>) -> Self {
        Scratch {
            ring: Aligned::zeroed((2 * pass.radius + 1) * pass.slot_len()),
            out: Aligned::zeroed(pass.filtered * pass.columns),
            taps: pass
                .taps
                .iter()
                .map(|t| TapAt {
                    at: 0,
                    log2_spatial: t.log2_spatial,
                    weight_at: 0,
                })
                .collect(),
            forward: Vec::with_capacity(pass.forward.len()),
            sums: Aligned::zeroed(if pass.kernel.keeps_sums() {
                pass.groups() * (1 + pass.joint) * pass.weighed
            } else {
                0
            }),
            weights: Aligned::zeroed(
                (pass.radius + 1) * pass.groups() * pass.forward.len() * pass.weight_stride,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::Pass;
    use crate::{Backend, Border, ColorDistance, Layout, Params, Plane, PlaneMut, Window};

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// The kernel's trick 7: weights computed ahead and shared between the two pixels of a
        /// pair give the very bytes of weights computed in place, on every backend.
        #[test]
        fn shared_weights_change_no_bit(
            w in 1usize..80,
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
        ) {
            let src: Vec<f32> = (0..w * h * c)
                .map(|i| ((i as u32 ^ seed).wrapping_mul(2_654_435_761) >> 20) as f32 / 64.0)
                .collect();
            let layout = Layout::packed(w, h, c);
            let params = Params::new()
                .radius(r)
                .sigma_space(1.0 + r as f64)
                .sigma_range(20.0)
                .window(window)
                .distance(distance)
                .border(border)
                .filter_alpha(filter_alpha)
                .backend(backend)
                .tile_height(tile)
                .resolve::<f32>()
                .unwrap();
            let shared = Pass::<f32>::new(&params, w, h, c);
            let mut direct = Pass::<f32>::new(&params, w, h, c);
            direct.forward.clear();
            let plane = Plane::new(&src, layout).unwrap();
            let (mut a, mut b) = (vec![0.0f32; src.len()], vec![0.0f32; src.len()]);
            shared.run(&plane, &mut PlaneMut::new(&mut a, layout).unwrap()).unwrap();
            direct.run(&plane, &mut PlaneMut::new(&mut b, layout).unwrap()).unwrap();
            prop_assert!(r == 0 || !shared.forward.is_empty());
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            prop_assert_eq!(bits(&a), bits(&b));
        }
    }
}
