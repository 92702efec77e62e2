//! The entry points on slices: validation, passes, and the copy cases.
#![forbid(unsafe_code)]

use crate::fast::{FastPass, Ran};
use crate::missing::Missing;
use crate::params::Resolved;
use crate::progress::{Progress, Watch};
use crate::tiles::{Halt, Pass};
use crate::{
    ColorDistance, Error, ExactBecause, ImageView, ImageViewMut, Layout, Method, Params, Report,
    Sample, Window,
};

/// Filters `src` into `dst`, which must have the same width, height and channels (strides may
/// differ). Nothing is allocated in proportion to the image, except one scratch image when
/// `iterations > 1`.
///
/// Runs on the current rayon thread pool: call it inside [`rayon::ThreadPool::install`] to
/// choose the threads. The result does not depend on the thread count.
///
/// On error `dst` is untouched, except after [`Error::InvalidSample`], found while filtering,
/// when it holds partial results.
pub fn filter_into<T: Sample>(
    src: ImageView<'_, T>,
    dst: ImageViewMut<'_, T>,
    params: &Params,
) -> Result<(), Error> {
    filter_into_with_report(src, dst, params).map(drop)
}

/// As [`filter_into`], and says how each pass was computed: exact, or by the fast mode of
/// [`Params::tolerance`] with how many samples it filtered exactly, and where a tolerance was
/// given but the exact filter ran, why.
pub fn filter_into_with_report<T: Sample>(
    src: ImageView<'_, T>,
    dst: ImageViewMut<'_, T>,
    params: &Params,
) -> Result<Report, Error> {
    run::<T, T>(src, None, dst, params, None)
}

/// As [`filter_into_with_report`], telling `observer` how many rows are done after each tile
/// of rows, from the worker threads (see [`Progress`]); where it answers [`Flow::Stop`](crate::Flow)
/// the call stops once the tiles under way are done and returns [`Error::Stopped`], with `dst`
/// partly written. The output is the same bytes as without an observer.
///
/// ```
/// use bilateral::{Flow, ImageView, ImageViewMut, Layout, Params, Error};
/// let (w, h) = (64, 48);
/// let img = vec![100u8; w * h];
/// let mut out = vec![0u8; w * h];
/// let layout = Layout::packed(w, h, 1);
/// let stop_at_once = |_done: u64, _total: u64| Flow::Stop;
/// let got = bilateral::filter_into_with_progress(
///     ImageView::new(&img, layout)?,
///     ImageViewMut::new(&mut out, layout)?,
///     &Params::new().tile_height(8),
///     &stop_at_once,
/// );
/// assert!(matches!(got, Err(Error::Stopped { rows: 48, .. })));
/// # Ok::<(), bilateral::Error>(())
/// ```
pub fn filter_into_with_progress<T: Sample>(
    src: ImageView<'_, T>,
    dst: ImageViewMut<'_, T>,
    params: &Params,
    observer: &dyn Progress,
) -> Result<Report, Error> {
    run::<T, T>(src, None, dst, params, Some(observer))
}

/// The joint (cross) bilateral filter: `src` smoothed with range weights taken from `guide`,
///
/// ```text
/// out(p) = Σ_q w(p,q)·S(q) / Σ_q w(p,q),   w(p,q) = exp(-α·|p-q|² - β·D(G(p), G(q))²)
/// ```
///
/// into `dst` (as [`filter_into`]). The guide has the image's width and height and its own
/// sample type and channel count; `σr` and `β` are in the guide's units (the default `σr`
/// is 10% of the guide type's full scale). The colour distance is taken over the guide's
/// channels (a kept alpha channel of the guide is left out of it, as the image's is): with
/// [`ColorDistance::PerChannel`](crate::ColorDistance) each channel of the guide weighs the
/// image's channel of the same index, so both need as many filtered channels, unless the
/// guide has one, which then weighs them all. The window and the border apply to both
/// images; a constant border pads each with the same value, in its own units. With `src`
/// as its own guide the result is [`filter_into`]'s, byte for byte. The fast mode does not
/// take a guide: a tolerance runs the exact filter, and the report says so.
///
/// The guide is checked before anything is written: another width or height, a channel
/// rule broken or a sample that is not valid is an error and `dst` is untouched.
pub fn filter_guided_into<T: Sample, G: Sample>(
    src: ImageView<'_, T>,
    guide: ImageView<'_, G>,
    dst: ImageViewMut<'_, T>,
    params: &Params,
) -> Result<Report, Error> {
    run(src, Some(guide), dst, params, None)
}

/// As [`filter_guided_into`], telling `observer` the rows done as
/// [`filter_into_with_progress`] does, and stopping where it answers
/// [`Flow::Stop`](crate::Flow) with [`Error::Stopped`].
pub fn filter_guided_into_with_progress<T: Sample, G: Sample>(
    src: ImageView<'_, T>,
    guide: ImageView<'_, G>,
    dst: ImageViewMut<'_, T>,
    params: &Params,
    observer: &dyn Progress,
) -> Result<Report, Error> {
    run(src, Some(guide), dst, params, Some(observer))
}

/// [`filter_guided_into`] into a new, tightly packed buffer of the image's geometry.
pub fn filter_guided<T: Sample, G: Sample>(
    src: ImageView<'_, T>,
    guide: ImageView<'_, G>,
    params: &Params,
) -> Result<Vec<T>, Error> {
    let l = src.layout;
    let packed = Layout::packed(l.width, l.height, l.channels);
    let mut out = vec![T::ZERO; l.width * l.height * l.channels];
    filter_guided_into(src, guide, ImageViewMut::new(&mut out, packed)?, params)?;
    Ok(out)
}

/// Every pass of a call, with the range weights from `guide` or from `src` itself.
fn run<T: Sample, G: Sample>(
    src: ImageView<'_, T>,
    guide: Option<ImageView<'_, G>>,
    mut dst: ImageViewMut<'_, T>,
    params: &Params,
    observer: Option<&dyn Progress>,
) -> Result<Report, Error> {
    dst.check_matches(&src)?;
    let Layout {
        width,
        height,
        channels,
        ..
    } = src.layout;
    let p = match &guide {
        Some(guide) => {
            let mut p = params.resolve::<G>()?;
            refuse_missing_with_guide(&p)?;
            check_guide(&p, &src, guide)?;
            if p.opencv_joint && G::IS_FLOAT && is_flat(&p, guide) {
                p.window = Window::Square;
            }
            p
        }
        None => params.resolve::<T>()?,
    };
    let mut report = Report {
        passes: Vec::new(),
        samples_per_pass: (width * height * p.filtered_channels(channels)) as u64,
    };
    let missing = p.missing;
    if p.radius == 0 || p.iterations == 0 {
        check_samples_with(&src, p.filtered_channels(channels), &missing)?;
        for y in 0..height {
            missing.copy_row(
                dst.row_mut(y),
                src.row(y),
                channels,
                p.filtered_channels(channels),
            );
        }
        return Ok(report);
    }
    let watch = observer.map(|o| Watch::new(o, height as u64 * u64::from(p.iterations)));
    let watch = watch.as_ref();
    let fast = match &guide {
        Some(_) if p.tolerance.is_some() => Err(ExactBecause::Guide),
        _ => FastPass::new(&p, width, height, channels),
    };
    let mut exact = None;
    let mut pass = |from: &ImageView<'_, T>, to: &mut ImageViewMut<'_, T>| {
        let because = match &fast {
            Ok(fast) => match fast.run(from, to, watch)? {
                Ran::Fast { terms, recomputed } => {
                    return Ok(Method::Fast { terms, recomputed });
                }
                Ran::Declined(because) => because,
            },
            Err(because) => *because,
        };
        exact
            .get_or_insert_with(|| match &guide {
                Some(g) => Pass::<T, G>::guided(&p, width, height, channels, g.layout.channels),
                None => Pass::<T, G>::unguided(&p, width, height, channels),
            })
            .run(from, guide.as_ref(), to, watch)?;
        Ok(Method::Exact(because))
    };
    let n = p.iterations;
    let mut scratch = Vec::new();
    if n > 1 {
        scratch = vec![T::ZERO; width * height * channels];
    }
    let scratch_layout = Layout::packed(width, height, channels);
    for k in 0..n {
        // Passes alternate between the scratch image and `dst` so that the last lands in `dst`.
        let into_dst = (n - 1 - k) % 2 == 0;
        let mut tmp = ImageViewMut {
            data: &mut scratch,
            layout: scratch_layout,
        };
        let method = match (k == 0, into_dst) {
            (true, true) => pass(&src, &mut dst),
            (true, false) => pass(&src, &mut tmp),
            (false, true) => pass(&tmp.as_view(), &mut dst),
            (false, false) => pass(&dst.as_view(), &mut tmp),
        };
        match method {
            Ok(method) => report.passes.push(method),
            Err(Halt::Stopped) => {
                let watch = watch.expect("only an observer stops a pass");
                return Err(Error::Stopped {
                    rows_done: watch.done(),
                    rows: watch.total(),
                });
            }
            Err(Halt::Rejected) => {
                return Err(
                    check_samples_with(&src, p.filtered_channels(channels), &missing)
                        .expect_err("a pass rejects only an invalid sample of its input"),
                );
            }
        }
    }
    Ok(report)
}

/// Filters `src` into a new, tightly packed buffer of the same geometry.
pub fn filter<T: Sample>(src: ImageView<'_, T>, params: &Params) -> Result<Vec<T>, Error> {
    let l = src.layout;
    let packed = Layout::packed(l.width, l.height, l.channels);
    let mut out = vec![T::ZERO; l.width * l.height * l.channels];
    filter_into(src, ImageViewMut::new(&mut out, packed)?, params)?;
    Ok(out)
}

/// The guide's preconditions: the image's width and height, channels the distance can pair
/// with the image's, and valid samples (all checked here, before anything is written).
fn check_guide<T: Sample, G: Sample>(
    p: &Resolved,
    src: &ImageView<'_, T>,
    guide: &ImageView<'_, G>,
) -> Result<(), Error> {
    let (s, g) = (src.layout, guide.layout);
    if (s.width, s.height) != (g.width, g.height) {
        return Err(Error::GuideSizeMismatch {
            width: s.width,
            height: s.height,
            guide_width: g.width,
            guide_height: g.height,
        });
    }
    check_channels(p, s.channels, g.channels)?;
    check_guide_samples(guide)
}

/// Under [`ColorDistance::PerChannel`] a guide of several filtered channels weighs the image's
/// channel of each index: both need as many.
pub(crate) fn check_channels(p: &Resolved, channels: usize, guide: usize) -> Result<(), Error> {
    let (filtered, guide_filtered) = (p.filtered_channels(channels), p.filtered_channels(guide));
    if p.distance == ColorDistance::PerChannel && guide_filtered > 1 && guide_filtered != filtered {
        return Err(Error::GuideChannelsMismatch {
            channels: filtered,
            guide_channels: guide_filtered,
        });
    }
    Ok(())
}

/// [`check_samples`] of a guide, naming it.
pub(crate) fn check_guide_samples<G: Sample>(guide: &ImageView<'_, G>) -> Result<(), Error> {
    check_samples(guide).map_err(|e| match e {
        Error::InvalidSample {
            x,
            y,
            channel,
            value,
        } => Error::InvalidGuideSample {
            x,
            y,
            channel,
            value,
        },
        other => other,
    })
}

/// Whether every filtered sample of `guide` is within `f32::EPSILON` of every other, as
/// OpenCV's joint filter tests a float guide (its largest minus its smallest sample).
fn is_flat<G: Sample>(p: &Resolved, guide: &ImageView<'_, G>) -> bool {
    let l = guide.layout;
    let filtered = p.filtered_channels(l.channels);
    let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
    for y in 0..l.height {
        for px in guide.row(y).chunks_exact(l.channels) {
            for s in &px[..filtered] {
                lo = lo.min(s.to_f32());
                hi = hi.max(s.to_f32());
            }
        }
    }
    (hi - lo).abs() < f32::EPSILON
}

/// Where the skip and fill policies and no-data values do not apply yet: with a guide.
pub(crate) fn refuse_missing_with_guide(p: &Resolved) -> Result<(), Error> {
    if p.missing.is_set() {
        return Err(Error::MissingWithGuide);
    }
    Ok(())
}

/// `Err` with the first invalid sample in row-major order, if any.
pub(crate) fn check_samples<T: Sample>(src: &ImageView<'_, T>) -> Result<(), Error> {
    let c = src.layout.channels;
    check_samples_with(src, c, &Missing::default())
}

/// `Err` with the first sample in row-major order that `missing` refuses, if any: in the
/// first `filtered` channels, or in a kept alpha channel after them.
pub(crate) fn check_samples_with<T: Sample>(
    src: &ImageView<'_, T>,
    filtered: usize,
    missing: &Missing,
) -> Result<(), Error> {
    if !T::IS_FLOAT && missing.nodata.is_none() {
        return Ok(());
    }
    let c = src.layout.channels;
    for y in 0..src.layout.height {
        let refused = src.row(y).iter().enumerate().position(|(i, s)| {
            let v = s.to_f32();
            if i % c < filtered {
                missing.refuses(v)
            } else {
                missing.refuses_alpha(v)
            }
        });
        if let Some(i) = refused {
            let value = src.row(y)[i].to_f32();
            let is_nodata = missing.is_missing(value) && !value.is_nan();
            return Err(Error::refused_sample((i / c, y, i % c), value, is_nodata));
        }
    }
    Ok(())
}
