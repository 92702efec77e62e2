//! Joint bilateral upsampling (Kopf et al., SIGGRAPH 2007): a low-resolution image brought to
//! its guide's resolution, each output pixel a bilateral average of the low-resolution samples
//! around it, weighed by the distance in low-resolution pixels and by how the guide at the
//! output pixel differs from the guide where each sample stands.
//!
//! # Positions
//! The guide is `s` times the low image's width and height (`s ≥ 1`, an integer). Low-resolution
//! sample `(i, j)` covers the `s × s` guide pixels `[i·s, (i + 1)·s) × [j·s, (j + 1)·s)`, and
//! stands at their centre; pixel centres are at half-integers in both grids, so output pixel
//! `(x, y)` is at low-resolution position `u = (x + ½)/s - ½`, `v = (y + ½)/s - ½`. Its window is
//! centred on the sample that covers it, `(⌊x/s⌋, ⌊y/s⌋)`, whose offset from it, `u - ⌊x/s⌋`, is
//! within `±½`; the window's taps are that sample's neighbours at the offsets of
//! [`Window`](crate::Window), and a tap's spatial weight is `exp(-α·((u - i)² + (v - j)²))`
//! with the output pixel's own fractional position.
//!
//! # The guide for a sample
//! The guide value that stands for low-resolution sample `(i, j)` is the mean of the guide over
//! the `s × s` pixels it covers, per channel: the same area the sample itself stands for, and
//! the same whichever output pixel looks at it. The range weight of a tap compares it with the
//! guide at the output pixel: `exp(-β·D(G(x, y), Ḡ(i, j))²)`, `D` over the guide's channels as
//! for [`filter_guided`](crate::filter_guided).
//!
//! # The result
//! `out(x, y) = Σ w·S(i, j) / Σ w` over the window. Taps beyond the low image's edges read it by
//! the border rule (their guide means too); a constant border is the value `v` for both. The
//! weights are computed as `exp(E - max E)` over the window, which leaves the ratio unchanged
//! and keeps the largest weight 1, so a window whose guide values all lie far from the output
//! pixel's still gives the average of its closest ones rather than `0/0`. A kept alpha channel
//! (see [`Params::filter_alpha`](crate::Params::filter_alpha)) is that of the covering
//! sample. Sums are taken in `f32` over the differences from the covering sample, and the
//! result is stored as the image's type (integers rounded half up).
//!
//! One pass: `iterations`, the tolerance and the backend do not apply. Memory: the low image
//! and the guide's means as `f32`, `(1 + guide channels)/s²` of the output's samples, and a
//! row of weights per thread.
#![forbid(unsafe_code)]

use rayon::prelude::*;

use crate::border::fold;
use crate::filter::{check_guide_samples, check_samples};
use crate::params::Resolved;
use crate::{
    Border, ColorDistance, Error, ImageView, ImageViewMut, Layout, Params, Sample, Window,
};

/// Upsamples `low` under `guide`, whose width and height are the same integer multiple of
/// `low`'s, into `dst` of the guide's width and height and `low`'s channels (strides may
/// differ). `σs` and `α` are in low-resolution pixels, `σr` and `β` in the guide's units (the
/// default `σr` is 10% of the guide type's full scale); the window, the colour distance over
/// the guide's channels and the border are those of the filter. See the module documentation
/// of `upsample` for where the samples stand and which guide value stands for each.
///
/// Everything is checked before anything is written: another size, a guide that is not an
/// integer multiple of `low`, a channel rule broken (as for
/// [`filter_guided_into`](crate::filter_guided_into)) or a sample that is not valid is an
/// error and `dst` is untouched.
pub fn upsample_into<T: Sample, G: Sample>(
    low: ImageView<'_, T>,
    guide: ImageView<'_, G>,
    dst: ImageViewMut<'_, T>,
    params: &Params,
) -> Result<(), Error> {
    let p = params.resolve::<G>()?;
    crate::filter::refuse_missing_with_guide(&p)?;
    let (l, g, d) = (low.layout, guide.layout, dst.layout);
    let scale = scale(&l, &g)?;
    if (d.width, d.height, d.channels) != (g.width, g.height, l.channels) {
        return Err(Error::SizeMismatch {
            src_width: g.width,
            src_height: g.height,
            src_channels: l.channels,
            dst_width: d.width,
            dst_height: d.height,
            dst_channels: d.channels,
        });
    }
    crate::filter::check_channels(&p, l.channels, g.channels)?;
    check_samples(&low)?;
    check_guide_samples(&guide)?;
    let plan = Plan::new(&p, &low, &guide, scale);
    let stride = d.stride;
    let span = d.span();
    dst.data[..span]
        .par_chunks_mut(stride)
        .enumerate()
        .for_each_init(Vec::new, |exponents, (y, row)| {
            plan.row(y, &low, &guide, &mut row[..d.width * d.channels], exponents)
        });
    Ok(())
}

/// [`upsample_into`] into a new, tightly packed buffer of the guide's width and height and
/// `low`'s channels.
pub fn upsample<T: Sample, G: Sample>(
    low: ImageView<'_, T>,
    guide: ImageView<'_, G>,
    params: &Params,
) -> Result<Vec<T>, Error> {
    let (l, g) = (low.layout, guide.layout);
    let packed = Layout::packed(g.width, g.height, l.channels);
    let mut out = vec![T::ZERO; g.width * g.height * l.channels];
    upsample_into(low, guide, ImageViewMut::new(&mut out, packed)?, params)?;
    Ok(out)
}

/// The upsampling factor: the guide's width and height over `low`'s, the same integer.
fn scale(low: &Layout, guide: &Layout) -> Result<usize, Error> {
    let s = guide.width / low.width;
    if s == 0 || guide.width != s * low.width || guide.height != s * low.height {
        return Err(Error::UpsampleScale {
            width: low.width,
            height: low.height,
            guide_width: guide.width,
            guide_height: guide.height,
        });
    }
    Ok(s)
}

/// One tap of the window: its offset in low-resolution pixels from the covering sample.
struct Tap {
    dx: isize,
    dy: isize,
}

/// Everything the rows share: the low image and the guide's means as `f32`, the taps and
/// their spatial exponents per phase.
struct Plan {
    scale: usize,
    width: usize,
    height: usize,
    channels: usize,
    /// Guide channels compared and the groups of weights: `(guide channels, low channels)`.
    groups: Vec<(Vec<usize>, Vec<usize>)>,
    guide_channels: usize,
    border: Border,
    l1: bool,
    beta: f32,
    taps: Vec<Tap>,
    /// `-α·((φx - dx)² + (φy - dy)²)` for phase `(px, py)` and tap `k` at
    /// `(py·s + px)·taps + k`.
    spatial: Vec<f32>,
    /// `low` as `f32`, packed.
    samples: Vec<f32>,
    /// The guide's mean over each sample's `s × s` pixels, per guide channel, packed.
    means: Vec<f32>,
}

impl Plan {
    fn new<T: Sample, G: Sample>(
        p: &Resolved,
        low: &ImageView<'_, T>,
        guide: &ImageView<'_, G>,
        scale: usize,
    ) -> Self {
        let (l, g) = (low.layout, guide.layout);
        let r = p.radius as isize;
        let taps: Vec<Tap> = (-r..=r)
            .flat_map(|dy| (-r..=r).map(move |dx| Tap { dx, dy }))
            .filter(|t| p.window == Window::Square || t.dx * t.dx + t.dy * t.dy <= r * r)
            .collect();
        let phase = |q: usize| (q as f64 + 0.5) / scale as f64 - 0.5;
        let mut spatial = Vec::with_capacity(scale * scale * taps.len());
        for py in 0..scale {
            for px in 0..scale {
                spatial.extend(taps.iter().map(|t| {
                    let (ex, ey) = (phase(px) - t.dx as f64, phase(py) - t.dy as f64);
                    (-p.alpha * (ex * ex + ey * ey)) as f32
                }));
            }
        }
        let mut samples = Vec::with_capacity(l.width * l.height * l.channels);
        for y in 0..l.height {
            samples.extend(low.row(y).iter().map(|s| s.to_f32()));
        }
        let gc = g.channels;
        let mut means = vec![0.0f64; l.width * l.height * gc];
        for y in 0..g.height {
            let row = guide.row(y);
            let base = (y / scale) * l.width;
            for x in 0..g.width {
                let at = (base + x / scale) * gc;
                for c in 0..gc {
                    means[at + c] += row[x * gc + c].to_f64();
                }
            }
        }
        let area = (scale * scale) as f64;
        let filtered = p.filtered_channels(l.channels);
        let guide_filtered = p.filtered_channels(gc);
        let groups = if p.distance == ColorDistance::PerChannel && guide_filtered > 1 {
            (0..filtered).map(|c| (vec![c], vec![c])).collect()
        } else {
            vec![((0..guide_filtered).collect(), (0..filtered).collect())]
        };
        Plan {
            scale,
            width: l.width,
            height: l.height,
            channels: l.channels,
            groups,
            guide_channels: gc,
            border: p.border,
            l1: p.distance == ColorDistance::L1,
            // Finite, so that a distance of 0 weighs 1 whatever β.
            beta: p.beta.min(f64::from(f32::MAX)) as f32,
            taps,
            spatial,
            samples,
            means: means.iter().map(|&m| (m / area) as f32).collect(),
        }
    }

    /// Where sample `(i, j)` (which may lie beyond the edges) is read, by the border rule, in
    /// units of pixels of `samples` and `means`; `None` for a constant border's value.
    #[inline]
    fn at(&self, i: isize, j: isize) -> Option<usize> {
        match (
            fold(i, self.width, self.border),
            fold(j, self.height, self.border),
        ) {
            (Some(i), Some(j)) => Some(j * self.width + i),
            _ => None,
        }
    }

    /// Output row `y` into `out` (`guide width × channels` samples).
    fn row<T: Sample, G: Sample>(
        &self,
        y: usize,
        low: &ImageView<'_, T>,
        guide: &ImageView<'_, G>,
        out: &mut [T],
        exponents: &mut Vec<(Option<usize>, f32)>,
    ) {
        let s = self.scale;
        let (ch, gc) = (self.channels, self.guide_channels);
        let constant = match self.border {
            Border::Constant(v) => v,
            _ => 0.0,
        };
        let guide_row = guide.row(y);
        let (j0, py) = ((y / s) as isize, y % s);
        let low_row = low.row(y / s);
        for (x, px) in out.chunks_exact_mut(ch).enumerate() {
            let (i0, phx) = ((x / s) as isize, x % s);
            let spatial = &self.spatial[(py * s + phx) * self.taps.len()..][..self.taps.len()];
            let centre = &low_row[(x / s) * ch..][..ch];
            let here = &guide_row[x * gc..][..gc];
            px.copy_from_slice(centre);
            for (weighed_by, summed) in &self.groups {
                exponents.clear();
                let mut top = f32::NEG_INFINITY;
                for (t, &e) in self.taps.iter().zip(spatial) {
                    let at = self.at(i0 + t.dx, j0 + t.dy);
                    let mut dist = 0.0f32;
                    for &c in weighed_by {
                        let m = at.map_or(constant, |a| self.means[a * gc + c]);
                        let d = here[c].to_f32() - m;
                        dist += if self.l1 { d.abs() } else { d * d };
                    }
                    if self.l1 {
                        dist *= dist;
                    }
                    let e = e - self.beta * dist;
                    top = top.max(e);
                    exponents.push((at, e));
                }
                // Every weight 0 even relative to the largest (an enormous α, say): the
                // covering sample, the limit of the average as the weights shrink.
                if !top.is_finite() {
                    continue;
                }
                // The weights once for every channel the group sums.
                for (_, e) in exponents.iter_mut() {
                    *e = (*e - top).exp();
                }
                for &c in summed {
                    let centre = centre[c].to_f32();
                    let (mut num, mut den) = (0.0f32, 0.0f32);
                    for &(at, w) in exponents.iter() {
                        let v = at.map_or(constant, |a| self.samples[a * ch + c]);
                        num += w * (v - centre);
                        den += w;
                    }
                    px[c] = px[c].offset_by(num / den);
                }
            }
        }
    }
}
