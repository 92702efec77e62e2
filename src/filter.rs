//! The entry points on slices: validation, passes, and the copy cases.
#![forbid(unsafe_code)]

use crate::fast::{FastPass, Ran};
use crate::sample::is_valid_value;
use crate::tiles::{Pass, Rejected};
use crate::{Error, ImageView, ImageViewMut, Layout, Method, Params, Report, Sample};

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
    mut dst: ImageViewMut<'_, T>,
    params: &Params,
) -> Result<Report, Error> {
    dst.check_matches(&src)?;
    let p = params.resolve::<T>()?;
    let Layout {
        width,
        height,
        channels,
        ..
    } = src.layout;
    let mut report = Report {
        passes: Vec::new(),
        samples_per_pass: (width * height * p.filtered_channels(channels)) as u64,
    };
    if p.radius == 0 || p.iterations == 0 {
        check_samples(&src)?;
        for y in 0..height {
            dst.row_mut(y).copy_from_slice(src.row(y));
        }
        return Ok(report);
    }
    let fast = FastPass::new(&p, width, height, channels);
    let mut exact = None;
    let mut pass = |from: &ImageView<'_, T>, to: &mut ImageViewMut<'_, T>| {
        let because = match &fast {
            Ok(fast) => match fast.run(from, to)? {
                Ran::Fast { terms, recomputed } => {
                    return Ok(Method::Fast { terms, recomputed });
                }
                Ran::Declined(because) => because,
            },
            Err(because) => *because,
        };
        exact
            .get_or_insert_with(|| Pass::new(&p, width, height, channels))
            .run(from, to)?;
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
            Err(Rejected) => {
                return Err(check_samples(&src)
                    .expect_err("a pass rejects only an invalid sample of its input"));
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

/// `Err` with the first invalid sample in row-major order, if any.
fn check_samples<T: Sample>(src: &ImageView<'_, T>) -> Result<(), Error> {
    if !T::IS_FLOAT {
        return Ok(());
    }
    let c = src.layout.channels;
    for y in 0..src.layout.height {
        if let Some(i) = src.row(y).iter().position(|s| !is_valid_value(s.to_f32())) {
            return Err(Error::InvalidSample {
                x: i / c,
                y,
                channel: i % c,
                value: src.row(y)[i].to_f32(),
            });
        }
    }
    Ok(())
}
