//! The reference: the defining formula in `f64`, naive and obviously right, for tests, fuzz
//! targets and benchmarks. It shares no code with the fast path beyond parameter validation:
//! its own border indexing (by repeated reflection), its own window, direct `exp`.
#![forbid(unsafe_code)]

use crate::{Border, ColorDistance, Error, ImageView, NanPolicy, Params, Sample, Window};

/// The exact result and, per sample, the range of values its last pass's window held.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// Packed `width * height * channels` results, not rounded.
    pub values: Vec<f64>,
    /// Smallest value of the sample's channel within its window, borders included.
    pub window_min: Vec<f64>,
    /// Largest value of the sample's channel within its window, borders included.
    pub window_max: Vec<f64>,
}

/// How an integer type stores a value: round half up, clamp to its range. Identity for `f32`.
pub fn store_as<T: Sample>(v: f64) -> f64 {
    if T::IS_FLOAT {
        v
    } else {
        (v + 0.5).floor().clamp(0.0, f64::from(T::FULL_SCALE))
    }
}

/// Whether a result stored as `T` could come from a value within `tolerance` of `exact`
/// before rounding: `store_as(exact - τ) ≤ got ≤ store_as(exact + τ)` for integers, and for
/// `f32` `|got - exact| ≤ τ` plus the result's own rounding, half an ulp (`2^-24·|exact|`).
/// The fast mode's guarantee, as its tests and fuzz target check it.
pub fn within_tolerance<T: Sample>(got: f64, exact: f64, tolerance: f64) -> bool {
    if T::IS_FLOAT {
        (got - exact).abs() <= tolerance + exact.abs() * 2f64.powi(-24)
    } else {
        store_as::<T>(exact - tolerance) <= got && got <= store_as::<T>(exact + tolerance)
    }
}

/// Filters `src` by the definition. Integer samples are rounded between passes, as the
/// library does; the last pass is returned unrounded.
///
/// Under the skip and fill policies (see `NanPolicy`) a missing sample (NaN, or the no-data
/// value, in any filtered channel of its pixel, the constant border's value included) is
/// NaN in every filtered channel here: a missing neighbour weighs nothing, a missing centre
/// gives NaN under skip and under fill the mean of its valid neighbours under `exp(-α·|o|²)`
/// alone (NaN if there is none). The caller maps NaN results to the type's missing marker.
/// Between passes a rounded result equal to the no-data value is missing.
pub fn reference<T: Sample>(src: ImageView<'_, T>, params: &Params) -> Result<Reference, Error> {
    let p = params.resolve::<T>()?;
    let l = src.layout();
    let filtered = Image::of(&l, &p).filtered(&p);
    let allowed = p.missing.policy != NanPolicy::Reject;
    let nodata = p.missing.nodata.map(f64::from);
    let mut img = Vec::with_capacity(l.width * l.height * l.channels);
    for y in 0..l.height {
        for x in 0..l.width {
            for c in 0..l.channels {
                let value = src.data[y * l.stride + x * l.channels + c].to_f64();
                let missing = value.is_nan() || Some(value) == nodata;
                let huge = value.abs() > 2f64.powi(60);
                let refused = if c < filtered {
                    if missing { !allowed } else { huge }
                } else if allowed {
                    !value.is_nan() && huge
                } else {
                    missing || huge
                };
                if refused {
                    let is_nodata = missing && !value.is_nan();
                    return Err(Error::refused_sample((x, y, c), value as f32, is_nodata));
                }
                img.push(value);
            }
        }
    }
    passes::<T>(&l, img, None, &p)
}

/// The joint filter by the definition: the range weights from `guide` (same width and
/// height), the sums over `src`. Each filtered channel of `src` is weighed by the guide's
/// filtered channels, or under [`ColorDistance::PerChannel`] by the guide's channel of the
/// same index unless the guide has one filtered channel. Rounded between passes as
/// [`reference`] is.
pub fn reference_guided<T: Sample, G: Sample>(
    src: ImageView<'_, T>,
    guide: ImageView<'_, G>,
    params: &Params,
) -> Result<Reference, Error> {
    let p = params.resolve::<G>()?;
    let invalid = |(x, y, channel, value)| Error::InvalidSample {
        x,
        y,
        channel,
        value,
    };
    let img = samples(&src).map_err(invalid)?;
    let g = guide.layout();
    assert_eq!(
        (g.width, g.height),
        (src.layout().width, src.layout().height),
        "the guide's size"
    );
    let guide_img = samples(&guide).map_err(invalid)?;

    let guide = Image {
        w: g.width as isize,
        h: g.height as isize,
        ch: g.channels,
        border: p.border,
        missing: None,
    };
    // Params::opencv_joint: a flat float guide blurs with the square window, as OpenCV does.
    let mut p = p;
    let filtered = guide.filtered(&p);
    let (lo, hi) = guide_img
        .chunks(g.channels)
        .flat_map(|px| &px[..filtered])
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
            (l.min(v), h.max(v))
        });
    if p.opencv_joint && G::IS_FLOAT && hi - lo < f64::from(f32::EPSILON) {
        p.window = Window::Square;
    }
    passes::<T>(&src.layout(), img, Some((&guide, &guide_img[..])), &p)
}

/// Joint bilateral upsampling by the definition (see `bilateral::upsample`): `low` brought to
/// the size of `guide`, an integer multiple `s` of it. Output pixel `(x, y)` sits at
/// low-resolution position `((x + ½)/s - ½, (y + ½)/s - ½)`; its window is centred on sample
/// `(⌊x/s⌋, ⌊y/s⌋)`; sample `(i, j)` stands at `(i, j)` and its guide value is the mean of the
/// guide over `[i·s, (i+1)·s) × [j·s, (j+1)·s)`; taps beyond the edges fold by the border rule,
/// a constant border giving its value for both. A kept alpha is the covering sample's.
pub fn reference_upsample<T: Sample, G: Sample>(
    low: ImageView<'_, T>,
    guide: ImageView<'_, G>,
    params: &Params,
) -> Result<Vec<f64>, Error> {
    let p = params.resolve::<G>()?;
    let invalid = |(x, y, channel, value)| Error::InvalidSample {
        x,
        y,
        channel,
        value,
    };
    let (l, g) = (low.layout(), guide.layout());
    let s = g.width / l.width;
    assert!(
        s >= 1 && g.width == s * l.width && g.height == s * l.height,
        "the guide's size"
    );
    let img = samples(&low).map_err(invalid)?;
    let gimg = samples(&guide).map_err(invalid)?;
    let low_image = Image {
        w: l.width as isize,
        h: l.height as isize,
        ch: l.channels,
        border: p.border,
        missing: None,
    };
    let gc = g.channels;
    let mut means = vec![0.0; l.width * l.height * gc];
    for j in 0..l.height {
        for i in 0..l.width {
            for c in 0..gc {
                let mut sum = 0.0;
                for y in j * s..(j + 1) * s {
                    for x in i * s..(i + 1) * s {
                        sum += gimg[(y * g.width + x) * gc + c];
                    }
                }
                means[(j * l.width + i) * gc + c] = sum / (s * s) as f64;
            }
        }
    }
    let mean_image = Image {
        ch: gc,
        ..low_image
    };
    let filtered = low_image.filtered(&p);
    let guide_filtered = mean_image.filtered(&p);
    let groups: Vec<(Vec<usize>, Vec<usize>)> = match p.distance {
        ColorDistance::PerChannel if guide_filtered > 1 => {
            (0..filtered).map(|c| (vec![c], vec![c])).collect()
        }
        _ => vec![((0..guide_filtered).collect(), (0..filtered).collect())],
    };
    let r = p.radius as isize;
    let mut out = vec![0.0; g.width * g.height * l.channels];
    for y in 0..g.height {
        for x in 0..g.width {
            let (u, v) = (
                (x as f64 + 0.5) / s as f64 - 0.5,
                (y as f64 + 0.5) / s as f64 - 0.5,
            );
            let (i0, j0) = ((x / s) as isize, (y / s) as isize);
            let base = (y * g.width + x) * l.channels;
            for c in 0..l.channels {
                out[base + c] = low_image.at(&img, i0, j0, c);
            }
            for (weighed_by, group) in &groups {
                let mut taps = Vec::new();
                for dj in -r..=r {
                    for di in -r..=r {
                        if p.window == Window::Disc && di * di + dj * dj > r * r {
                            continue;
                        }
                        let (i, j) = (i0 + di, j0 + dj);
                        let (ex, ey) = (u - i as f64, v - j as f64);
                        let diff: Vec<f64> = weighed_by
                            .iter()
                            .map(|&c| {
                                gimg[(y * g.width + x) * gc + c] - mean_image.at(&means, i, j, c)
                            })
                            .collect();
                        let dist2 = match p.distance {
                            ColorDistance::L1 => diff.iter().map(|d| d.abs()).sum::<f64>().powi(2),
                            _ => diff.iter().map(|d| d * d).sum::<f64>(),
                        };
                        taps.push(((i, j), -p.alpha * (ex * ex + ey * ey) - p.beta * dist2));
                    }
                }
                let top = taps.iter().fold(f64::NEG_INFINITY, |m, t| m.max(t.1));
                if !top.is_finite() {
                    continue;
                }
                for &c in group {
                    let (mut num, mut den) = (0.0, 0.0);
                    for &((i, j), e) in &taps {
                        let w = (e - top).exp();
                        num += w * low_image.at(&img, i, j, c);
                        den += w;
                    }
                    out[base + c] = num / den;
                }
            }
        }
    }
    Ok(out)
}

/// The samples of `src` packed as `f64`, or the first invalid one's position and value.
fn samples<T: Sample>(src: &ImageView<'_, T>) -> Result<Vec<f64>, (usize, usize, usize, f32)> {
    let l = src.layout();
    let mut img = Vec::with_capacity(l.width * l.height * l.channels);
    for y in 0..l.height {
        for x in 0..l.width {
            for c in 0..l.channels {
                let v = src.data[y * l.stride + x * l.channels + c].to_f64();
                if v.is_nan() || v.abs() > 2f64.powi(60) {
                    return Err((x, y, c, v as f32));
                }
                img.push(v);
            }
        }
    }
    Ok(img)
}

/// The passes over `img`, with the range weights from `guide` if given, else from `img`.
fn passes<T: Sample>(
    l: &crate::Layout,
    img: Vec<f64>,
    guide: Option<(&Image, &[f64])>,
    p: &crate::params::Resolved,
) -> Result<Reference, Error> {
    let image = Image::of(l, p);
    let passes = if p.radius == 0 { 0 } else { p.iterations };
    let mut img = img;
    image.mark_missing(&mut img, p);
    let mut result = Reference {
        window_min: img.clone(),
        window_max: img.clone(),
        values: img,
    };
    for k in 0..passes {
        if k > 0 {
            for v in &mut result.values {
                *v = store_as::<T>(*v);
            }
            image.mark_missing(&mut result.values, p);
        }
        result = image.pass(&result.values, guide, p);
    }
    Ok(result)
}

struct Image {
    w: isize,
    h: isize,
    ch: usize,
    border: Border,
    /// Whether missing samples are filtered around, and the no-data value.
    missing: Option<(NanPolicy, Option<f64>)>,
}

impl Image {
    /// The image a filter call reads, with its NaN policy unless that is reject.
    fn of(l: &crate::Layout, p: &crate::params::Resolved) -> Self {
        let m = p.missing;
        Image {
            w: l.width as isize,
            h: l.height as isize,
            ch: l.channels,
            border: p.border,
            missing: (m.policy != NanPolicy::Reject).then(|| (m.policy, m.nodata.map(f64::from))),
        }
    }

    /// Makes NaN every filtered channel of each pixel with one that is NaN or the no-data value.
    fn mark_missing(&self, img: &mut [f64], p: &crate::params::Resolved) {
        let Some((_, nodata)) = self.missing else {
            return;
        };
        let filtered = self.filtered(p);
        for px in img.chunks_mut(self.ch) {
            if px[..filtered]
                .iter()
                .any(|&v| v.is_nan() || Some(v) == nodata)
            {
                px[..filtered].fill(f64::NAN);
            }
        }
    }

    fn at(&self, img: &[f64], x: isize, y: isize, c: usize) -> f64 {
        match (
            reflect(x, self.w, self.border),
            reflect(y, self.h, self.border),
        ) {
            (Some(x), Some(y)) => img[(y * self.w + x) as usize * self.ch + c],
            _ => match self.border {
                Border::Constant(v) => match self.missing {
                    Some((_, nodata)) if Some(f64::from(v)) == nodata => f64::NAN,
                    _ => f64::from(v),
                },
                _ => unreachable!("only a constant border leaves the image"),
            },
        }
    }

    /// The channels filtered: all but a kept alpha.
    fn filtered(&self, p: &crate::params::Resolved) -> usize {
        let has_alpha = self.ch == 2 || self.ch == 4;
        if has_alpha && !p.filter_alpha {
            self.ch - 1
        } else {
            self.ch
        }
    }

    fn pass(
        &self,
        img: &[f64],
        guide: Option<(&Image, &[f64])>,
        p: &crate::params::Resolved,
    ) -> Reference {
        let r = p.radius as isize;
        let filtered = self.filtered(p);
        let (weigher, weights_img) = guide.unwrap_or((self, img));
        let weighing = weigher.filtered(p);
        // (channels of the guide the weights are taken over, channels of the image summed)
        let groups: Vec<(Vec<usize>, Vec<usize>)> = match p.distance {
            ColorDistance::PerChannel if weighing > 1 => {
                (0..filtered).map(|c| (vec![c], vec![c])).collect()
            }
            _ => vec![((0..weighing).collect(), (0..filtered).collect())],
        };
        let mut out = Reference {
            values: img.to_vec(),
            window_min: img.to_vec(),
            window_max: img.to_vec(),
        };
        for y in 0..self.h {
            for x in 0..self.w {
                let base = (y * self.w + x) as usize * self.ch;
                // Where missing samples are allowed, they are NaN in every filtered channel.
                let is_missing = |x: isize, y: isize| {
                    self.missing.is_some() && filtered > 0 && self.at(img, x, y, 0).is_nan()
                };
                let centre_missing = is_missing(x, y);
                if centre_missing && self.missing.is_some_and(|(m, _)| m == NanPolicy::Skip) {
                    continue;
                }
                for (weighed_by, group) in &groups {
                    let mut num = vec![0.0; group.len()];
                    let mut den = 0.0;
                    let mut lo = vec![f64::INFINITY; group.len()];
                    let mut hi = vec![f64::NEG_INFINITY; group.len()];
                    for dy in -r..=r {
                        for dx in -r..=r {
                            let d2 = (dx * dx + dy * dy) as f64;
                            if p.window == Window::Disc && d2 > (r * r) as f64
                                || is_missing(x + dx, y + dy)
                            {
                                continue;
                            }
                            let diff: Vec<f64> = weighed_by
                                .iter()
                                .map(|&c| {
                                    weigher.at(weights_img, x + dx, y + dy, c)
                                        - weigher.at(weights_img, x, y, c)
                                })
                                .collect();
                            let dist2 = match p.distance {
                                ColorDistance::L1 => {
                                    diff.iter().map(|d| d.abs()).sum::<f64>().powi(2)
                                }
                                _ => diff.iter().map(|d| d * d).sum::<f64>(),
                            };
                            let range = if centre_missing { 0.0 } else { p.beta * dist2 };
                            let w = (-p.alpha * d2 - range).exp();
                            den += w;
                            for (i, &c) in group.iter().enumerate() {
                                let q = self.at(img, x + dx, y + dy, c);
                                num[i] += w * q;
                                lo[i] = lo[i].min(q);
                                hi[i] = hi[i].max(q);
                            }
                        }
                    }
                    for (i, &c) in group.iter().enumerate() {
                        out.values[base + c] = num[i] / den;
                        out.window_min[base + c] = lo[i];
                        out.window_max[base + c] = hi[i];
                    }
                }
            }
        }
        out
    }
}

/// The in-image index for `i` in `0..n`, reflecting repeatedly until it lands inside; `None`
/// outside the image under a constant border.
fn reflect(mut i: isize, n: isize, border: Border) -> Option<isize> {
    match border {
        Border::Constant(_) => (0..n).contains(&i).then_some(i),
        Border::Replicate => Some(i.clamp(0, n - 1)),
        Border::Reflect101 if n == 1 => Some(0),
        Border::Reflect101 => {
            while !(0..n).contains(&i) {
                i = if i < 0 { -i } else { 2 * (n - 1) - i };
            }
            Some(i)
        }
        Border::Reflect => {
            while !(0..n).contains(&i) {
                i = if i < 0 { -i - 1 } else { 2 * n - 1 - i };
            }
            Some(i)
        }
    }
}
