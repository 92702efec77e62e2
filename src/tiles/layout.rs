//! Where a tile keeps what it works on, as small values whose methods do the address
//! arithmetic: which channels each kernel call filters ([`Channels`]), the blocks of columns a
//! tile filters one after the other ([`Blocks`]), the columns of a block ([`Columns`]), the
//! ring of converted input rows ([`RowRing`]), the window's taps in the order the sums take
//! them ([`Taps`]), and the ring of weights computed ahead with where each tap reads its
//! weight ([`WeightRing`]).
#![forbid(unsafe_code)]

use std::ops::Range;

use crate::kernel::LANE_MULTIPLE;
use crate::weights::log2_spatial;
use crate::{ColorDistance, Window};

/// `f32`s in 64 bytes, the widest vector and a cache line.
pub(super) const ALIGN: usize = 16;

/// Which channels of a pixel are filtered, and how they group into kernel calls.
#[derive(Debug, Clone, Copy)]
pub(super) struct Channels {
    /// Channels of a pixel, 1 to 4.
    pub count: usize,
    /// Channels filtered: all, or all but a kept alpha channel, which is copied instead.
    pub filtered: usize,
    /// Channels one kernel call filters together: all the filtered ones, or one under
    /// [`ColorDistance::PerChannel`].
    pub per_call: usize,
}

impl Channels {
    /// `count` channels of which the first `filtered` are filtered (see
    /// `Resolved::filtered_channels`), under `distance`.
    pub fn new(count: usize, filtered: usize, distance: ColorDistance) -> Self {
        let per_call = match distance {
            ColorDistance::PerChannel => 1,
            _ => filtered,
        };
        Channels {
            count,
            filtered,
            per_call,
        }
    }

    /// Kernel calls per row, one per group of channels filtered together.
    pub fn groups(&self) -> usize {
        self.filtered / self.per_call
    }
}

/// The columns of a block (see [`Blocks`]), as the kernel computes them.
#[derive(Debug, Clone, Copy)]
pub(super) struct Columns {
    /// Image columns in the block.
    pub width: usize,
    /// Columns filtered: the width rounded up to [`LANE_MULTIPLE`].
    pub computed: usize,
    /// Columns left of the block's column 0 whose weights are computed ahead: `r` rounded up to
    /// [`ALIGN`], so that the weights of column 0 are aligned too.
    pub ahead: usize,
    /// Columns whose weights are computed ahead, from the block's column `-ahead` up to column
    /// `computed + r`, rounded up to [`LANE_MULTIPLE`].
    pub weighed: usize,
}

impl Columns {
    pub fn new(width: usize, radius: usize) -> Self {
        let computed = width.div_ceil(LANE_MULTIPLE) * LANE_MULTIPLE;
        let ahead = radius.next_multiple_of(ALIGN);
        Columns {
            width,
            computed,
            ahead,
            weighed: (ahead + computed + radius).next_multiple_of(LANE_MULTIPLE),
        }
    }
}

/// `y mod n` for every row a pass reaches, `[-2r, height + 2r)`, from a table: each row's
/// set-up takes it for every tap of the window, and at hundreds of taps (and a set-up per
/// block of columns) a division each cost more than the rest of the set-up.
#[derive(Debug, Clone)]
struct RowsMod {
    first: isize,
    table: Vec<u32>,
}

impl RowsMod {
    fn new(n: usize, radius: usize, height: usize) -> Self {
        let first = -2 * radius as isize;
        let table = (first..(height + 2 * radius) as isize)
            .map(|y| y.rem_euclid(n as isize) as u32)
            .collect();
        RowsMod { first, table }
    }

    #[inline]
    fn of(&self, y: isize) -> usize {
        self.table[(y - self.first) as usize] as usize
    }
}

/// The image's columns cut into blocks of nearly equal width, which a tile filters one after
/// the other: a block's weight ring grows with its width (and as `r³`), so that narrower
/// blocks keep the weights shared within a budget at radii where a whole row's would not fit.
#[derive(Debug, Clone, Copy)]
pub(super) struct Blocks {
    width: usize,
    radius: usize,
    /// Image columns of every block but the last, which may have fewer: a multiple of
    /// [`LANE_MULTIPLE`].
    step: usize,
}

/// One block of columns: where it starts in the image and its columns as the kernel computes
/// them.
#[derive(Debug, Clone, Copy)]
pub(super) struct Block {
    /// The image column of the block's column 0.
    pub x0: usize,
    pub columns: Columns,
}

impl Blocks {
    /// Blocks of at most `widest` columns (at least [`LANE_MULTIPLE`]), as few as that allows,
    /// of about the same width.
    pub fn new(width: usize, radius: usize, widest: usize) -> Self {
        let widest = widest.max(LANE_MULTIPLE);
        let count = width.div_ceil(widest).max(1);
        Blocks {
            width,
            radius,
            step: width
                .div_ceil(count)
                .next_multiple_of(LANE_MULTIPLE)
                .min(widest),
        }
    }

    /// Blocks.
    pub fn count(&self) -> usize {
        self.width.div_ceil(self.step).max(1)
    }

    /// Block `k`.
    pub fn get(&self, k: usize) -> Block {
        let x0 = k * self.step;
        Block {
            x0,
            columns: Columns::new(self.step.min(self.width - x0), self.radius),
        }
    }

    /// The columns of the widest block, which every buffer of a tile is sized for.
    pub fn widest(&self) -> Columns {
        self.get(0).columns
    }
}

/// The ring of the `2r + 1` input rows that an output row reads, each converted to `f32`, split
/// into one plane per filtered channel and padded by the border rule: on the left, the reach of
/// the weights computed ahead, and on the right enough for every load. Every plane, and the
/// column 0 of every plane, starts on a 64-byte boundary. Sized for the widest block of columns
/// (see [`Blocks`]); ring column `j` holds image column `x0 - lead + j` of the block at `x0`.
#[derive(Debug, Clone)]
pub(super) struct RowRing {
    /// Slots: `2r + 1`, one per row.
    slots: usize,
    /// The slot of each row.
    slot_of: RowsMod,
    /// Planes per slot: one per filtered channel.
    planes: usize,
    /// Planes one kernel call reads.
    per_call: usize,
    /// Ring columns left of the block's column 0: `ahead + r` (the reach of a weight computed
    /// ahead for column `-ahead`) rounded up to [`ALIGN`].
    pub lead: usize,
    /// Samples per plane: `lead + weighed`.
    pub padded: usize,
}

impl RowRing {
    pub fn new(radius: usize, height: usize, columns: &Columns, channels: &Channels) -> Self {
        let lead = (columns.ahead + radius).next_multiple_of(ALIGN);
        RowRing {
            slots: 2 * radius + 1,
            slot_of: RowsMod::new(2 * radius + 1, radius, height),
            planes: channels.filtered,
            per_call: channels.per_call,
            lead,
            padded: lead + columns.weighed,
        }
    }

    /// Samples per slot.
    #[inline]
    pub fn slot_len(&self) -> usize {
        self.planes * self.padded
    }

    /// Samples in the ring.
    pub fn len(&self) -> usize {
        self.slots * self.slot_len()
    }

    /// Where input row `y` (`-2r ≤ y < height + 2r`) starts in the ring.
    #[inline]
    pub fn slot(&self, y: isize) -> usize {
        self.slot_of.of(y) * self.slot_len()
    }

    /// Where column `x` (the block's columns, `x ≥ -lead`) of row `y` starts for group
    /// `group`'s first channel.
    #[inline]
    pub fn at(&self, y: isize, group: usize, x: isize) -> usize {
        let column = (self.lead as isize + x) as usize;
        self.slot(y) + group * self.per_call * self.padded + column
    }

    /// For the block at image column `x0` of an image `width` wide: the image column of ring
    /// column 0, and the ring columns `[first, end)` that hold image columns (the others are
    /// outside the image, and the border rule fills them).
    pub fn image_columns(&self, x0: usize, width: usize) -> (isize, std::ops::Range<usize>) {
        let origin = x0 as isize - self.lead as isize;
        let clamp = |j: isize| j.clamp(0, self.padded as isize) as usize;
        (origin, clamp(-origin)..clamp(width as isize - origin))
    }
}

/// One offset of the window with its spatial factor as a base-2 exponent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Tap {
    pub dx: isize,
    pub dy: isize,
    /// `-α·(dx² + dy²)·log2(e)`, in `f32`.
    pub log2_spatial: f32,
}

/// The taps of the window other than the centre, row by row, leaving out those whose spatial
/// factor alone is below the exponential's range (their weight is 0 whatever the samples).
fn taps(radius: usize, window: Window, alpha: f64) -> Vec<Tap> {
    let r = radius as isize;
    let mut taps = Vec::new();
    for dy in -r..=r {
        for dx in -r..=r {
            let d2 = dx * dx + dy * dy;
            if d2 == 0 || (window == Window::Disc && d2 > r * r) {
                continue;
            }
            if let Some(log2_spatial) = log2_spatial(alpha, d2) {
                taps.push(Tap {
                    dx,
                    dy,
                    log2_spatial,
                });
            }
        }
    }
    taps
}

/// The window's taps other than the centre, in the order the sums take them: the forward half
/// (`dy > 0`, or `dy = 0` and `dx > 0`) first, in order of `dy`, then the backward half. With
/// shared weights the sums over the forward taps can then be taken as they are weighed and the
/// filter adds the backward ones after them: the same order as when every weight is computed
/// in place, so the same bits.
#[derive(Debug, Clone)]
pub(super) struct Taps {
    /// Every tap, the forward ones first.
    pub all: Vec<Tap>,
    /// `all[..forward]` are the forward taps.
    pub forward: usize,
}

impl Taps {
    pub fn new(radius: usize, window: Window, alpha: f64) -> Self {
        let (mut all, backward): (Vec<Tap>, Vec<Tap>) = taps(radius, window, alpha)
            .into_iter()
            .partition(is_forward);
        let forward = all.len();
        all.extend(backward);
        Taps { all, forward }
    }

    /// The forward taps that go down `min_dy` rows or more: a row `k` rows above a tile only
    /// needs the weights of those with `dy ≥ k`.
    pub fn forward_from(&self, min_dy: isize) -> Range<usize> {
        let first = self.all[..self.forward]
            .iter()
            .position(|t| t.dy >= min_dy)
            .unwrap_or(self.forward);
        first..self.forward
    }
}

fn is_forward(t: &Tap) -> bool {
    t.dy > 0 || (t.dy == 0 && t.dx > 0)
}

/// Where the filter of row `y` reads one tap's shared weight: in the weights of forward tap
/// `forward` computed for row `y + dy`, at `column` of that row of weights. A forward tap reads
/// what row `y` computed for it; a backward tap `-o` reads what the pixel it reaches stored for
/// the forward tap `o` that reaches back (`w(p, q) = w(q, p)`).
#[derive(Debug, Clone, Copy)]
struct WeightRead {
    forward: usize,
    dy: isize,
    column: usize,
}

/// The ring of `r + 1` rows of weights computed ahead: for each row, group of channels and
/// forward tap, one row of weights of the columns `[-ahead, weighed - ahead)`. Row `y`'s are
/// computed as it is reached and read back by rows `y` to `y + r`. Empty when the weights are
/// computed in place.
#[derive(Debug, Clone)]
pub(super) struct WeightRing {
    rows: usize,
    /// The slot of each row.
    slot_of: RowsMod,
    groups: usize,
    forward: usize,
    /// Distance between the weight rows of two taps: room for the columns weighed moved by up
    /// to `ahead` either way (see [`WeightRing::column`]), rounded up to 128 bytes, and 64
    /// bytes more, so that no two of the first 63 taps sit a multiple of 4 KiB apart, where
    /// loads would wait on unrelated stores (4K aliasing).
    pub stride: usize,
    ahead: usize,
    weighed: usize,
    per_call: usize,
    /// Whether a pair's weight is stored at the column of the pixel it reaches rather than
    /// at the column of the pixel that computed it.
    at_reached: bool,
    /// Where each tap of [`Taps::all`] reads its weight.
    reads: Vec<WeightRead>,
}

impl WeightRing {
    /// The ring for `taps` of a window of `radius` over `columns` and `channels`, or `None`
    /// where it would take more than `budget` bytes or the window has no forward taps: the
    /// weights are then computed in place. With `at_reached`, each weight is stored at the
    /// column of the pixel it reaches, where the filter reads only the backward taps' weights
    /// (it starts from the forward taps' sums), so that those reads are aligned; else at the
    /// computing pixel's own column, so that the forward taps' reads and the stores are
    /// aligned. Either way the same weights are read.
    pub fn new(
        radius: usize,
        height: usize,
        taps: &Taps,
        columns: &Columns,
        channels: &Channels,
        at_reached: bool,
        budget: usize,
    ) -> Option<Self> {
        let mut ring = WeightRing {
            rows: radius + 1,
            slot_of: RowsMod {
                first: 0,
                table: Vec::new(),
            },
            groups: channels.groups(),
            forward: taps.forward,
            stride: (columns.weighed + 2 * columns.ahead).next_multiple_of(LANE_MULTIPLE) + ALIGN,
            ahead: columns.ahead,
            weighed: columns.weighed,
            per_call: channels.per_call,
            at_reached,
            reads: Vec::new(),
        };
        if taps.forward == 0 || ring.len() * size_of::<f32>() > budget {
            return None;
        }
        ring.slot_of = RowsMod::new(ring.rows, radius, height);
        let forward = &taps.all[..taps.forward];
        ring.reads = taps
            .all
            .iter()
            .enumerate()
            .map(|(k, t)| {
                if k < taps.forward {
                    WeightRead {
                        forward: k,
                        dy: 0,
                        column: ring.column(t.dx),
                    }
                } else {
                    // Stored by the pixel this tap reaches, for the forward tap that reaches
                    // back: `-dx` columns from it, at its own column `dx` from here.
                    let mirror = forward
                        .iter()
                        .position(|o| (o.dx, o.dy) == (-t.dx, -t.dy))
                        .expect("the window is symmetric");
                    WeightRead {
                        forward: mirror,
                        dy: t.dy,
                        column: (ring.column(-t.dx) as isize + t.dx) as usize,
                    }
                }
            })
            .collect();
        Some(ring)
    }

    /// Weights in the ring.
    pub fn len(&self) -> usize {
        self.rows * self.groups * self.forward * self.stride
    }

    /// Where the weights of row `y`'s forward tap `f`, for group `group`, start.
    #[inline]
    pub fn row(&self, y: isize, group: usize, f: usize) -> usize {
        let slot = self.slot_of.of(y) * self.groups + group;
        (slot * self.forward + f) * self.stride
    }

    /// Where in a row of weights the weight of image column 0 of a pair `dx` columns apart
    /// goes (see [`WeightRing::new`]).
    #[inline]
    fn column(&self, dx: isize) -> usize {
        let moved = if self.at_reached { dx } else { 0 };
        (2 * self.ahead as isize + moved) as usize
    }

    /// Where in its row of weights the weighing pass, which starts at image column `-ahead`,
    /// stores the weight of a pair `dx` columns apart.
    #[inline]
    pub fn write_at(&self, dx: isize) -> usize {
        self.column(dx) - self.ahead
    }

    /// Where the filter of row `y` reads the weights of tap `k` of [`Taps::all`], for group
    /// `group`, from image column 0.
    #[inline]
    pub fn read_at(&self, y: isize, group: usize, k: usize) -> usize {
        let read = self.reads[k];
        self.row(y + read.dy, group, read.forward) + read.column
    }

    /// Distance between the planes of the sums over the forward taps (see
    /// [`crate::kernel::Sums`]): the columns weighed, for the weighing pass that writes them and
    /// the filter that reads them alike.
    pub fn sums_stride(&self) -> usize {
        self.weighed
    }

    /// Sums one group keeps: `Σ w` then `Σ w·d` per channel.
    pub fn sums_len(&self) -> usize {
        (1 + self.per_call) * self.sums_stride()
    }

    /// Where group `group`'s sums start, at image column `-ahead`.
    pub fn sums_at(&self, group: usize) -> usize {
        group * self.sums_len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taps_follow_the_window() {
        assert_eq!(taps(2, Window::Square, 0.1).len(), 24);
        assert_eq!(taps(2, Window::Disc, 0.1).len(), 12);
        assert_eq!(taps(3, Window::Disc, 0.1).len(), 28);
        assert_eq!(taps(0, Window::Square, 0.1).len(), 0);
        // α so large that only the centre is left.
        assert_eq!(taps(2, Window::Square, 1e6).len(), 0);
        let t = taps(1, Window::Square, 0.5);
        assert_eq!((t[0].dx, t[0].dy), (-1, -1));
        assert!((f64::from(t[0].log2_spatial) + std::f64::consts::LOG2_E).abs() < 1e-6);
    }
}
