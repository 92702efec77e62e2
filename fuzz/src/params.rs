//! The `params` target: arbitrary parameters (NaN, infinities, zero, negative, huge), arbitrary
//! geometry (zero or huge sizes, odd strides, short buffers) and `f32` samples that may be NaN,
//! infinite or too large. Every call must return, never panic, and never touch memory outside
//! its buffers (the fuzz build runs under AddressSanitizer). Beyond not crashing:
//!
//! - every `Err` must name a real violation: the target models the documented checks and
//!   lists every error the inputs deserve, and the one returned must be among them;
//! - every `Ok` must come from inputs with no violation at all;
//! - on `Ok`, a destination's row padding is untouched, results are finite and within the
//!   range of the values the windows can hold, and radius 0 or no pass copies exactly;
//! - on an `Err` other than `InvalidSample`, the destination is untouched.
//!
//! Buffers are at most 64 KiB; calls expected to succeed are skipped when their work would be
//! large ([`WORK_BUDGET`]), so one execution stays in milliseconds.

use arbitrary::{Arbitrary, Result, Unstructured};
use bilateral::oracle::reference;
use bilateral::{
    Backend, Border, ColorDistance, Error, ImageView, ImageViewMut, Layout, MAX_RADIUS, Params,
    Sample, Window,
};

use crate::Rng;
use crate::model::{Bits, Range, SampleType, Spatial};

/// Largest buffer, in bytes.
pub const MAX_BUFFER_BYTES: usize = 64 * 1024;
/// Calls expected to succeed run only while `columns × rows × channels × taps × passes`
/// (plus the border rows each tile converts) stays below this.
pub const WORK_BUDGET: usize = 1 << 22;
/// The oracle runs only below this much work.
pub const ORACLE_BUDGET: usize = 50_000;
/// `2^60`, the largest valid sample magnitude.
const MAX_MAGNITUDE: f32 = 1152921504606846976.0;

/// A builder call.
#[derive(Debug, Clone, Copy)]
pub enum Op {
    /// `Params::radius`.
    Radius(usize),
    /// `Params::sigma_space`.
    SigmaSpace(f64),
    /// `Params::sigma_range`.
    SigmaRange(f64),
    /// `Params::alpha`.
    Alpha(f64),
    /// `Params::beta`.
    Beta(f64),
    /// `Params::window`.
    Window(Window),
    /// `Params::distance`.
    Distance(ColorDistance),
    /// `Params::border`.
    Border(Border),
    /// `Params::filter_alpha`.
    FilterAlpha(bool),
    /// `Params::iterations`.
    Iterations(u32),
    /// `Params::backend`.
    Backend(Backend),
    /// `Params::tile_height`.
    TileHeight(usize),
}

/// Where the builder starts.
#[derive(Debug, Clone, Copy)]
pub enum Base {
    /// `Params::new()`.
    New,
    /// `Params::opencv(d, sigma_color, sigma_space)`.
    OpenCv {
        /// Diameter.
        d: i32,
        /// Range sigma.
        sigma_color: f64,
        /// Spatial sigma.
        sigma_space: f64,
    },
}

/// A buffer and the geometry declared for it, which may not fit.
#[derive(Debug, Clone, Copy)]
pub struct Geometry {
    /// The declared layout.
    pub layout: Layout,
    /// The buffer's length in samples, at most 64 KiB worth.
    pub len: usize,
}

/// How the source's `f32` samples are made.
#[derive(Debug, Clone)]
pub enum Samples {
    /// Valid values in ±1000, then the listed `(index modulo length, value)` replacements.
    Clean(Vec<(usize, f32)>),
    /// Random bits: NaN, infinities and huge values among them.
    RawBits,
}

/// One case.
#[derive(Debug, Clone)]
pub struct Case {
    /// Sample type.
    pub ty: SampleType,
    /// Where the builder starts.
    pub base: Base,
    /// Builder calls, in order.
    pub ops: Vec<Op>,
    /// The source.
    pub src: Geometry,
    /// The destination of `filter_into`.
    pub dst: Geometry,
    /// Seed of the sample generator.
    pub seed: u64,
    /// `f32` samples (integers are random).
    pub samples: Samples,
}

fn any_usize(u: &mut Unstructured<'_>) -> Result<usize> {
    Ok(match u.int_in_range(0..=9)? {
        0..=4 => u.int_in_range(0..=70)?,
        5 => u.int_in_range(0..=5000)?,
        6 => usize::MAX - u.int_in_range(0..=70)?,
        7 => (1usize << u.int_in_range(0..=63)?).wrapping_add(u.int_in_range(0..=2)?) - 1,
        8 => usize::MAX / u.int_in_range(1..=8)?,
        _ => usize::arbitrary(u)?,
    })
}

fn any_f64(u: &mut Unstructured<'_>) -> Result<f64> {
    Ok(match u.int_in_range(0..=4)? {
        0 | 1 => f64::from(u.int_in_range(-40..=200)?) / 10.0,
        2 => *u.choose(&[
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.0,
            -0.0,
            f64::MIN_POSITIVE,
            5e-324,
            1e-160,
            1e-200,
            f64::MAX,
            -f64::MAX,
            1e300,
            -1.0,
            f64::EPSILON,
        ])?,
        3 => 10f64.powi(u.int_in_range(-320..=308)?),
        _ => f64::from_bits(u64::arbitrary(u)?),
    })
}

fn any_f32(u: &mut Unstructured<'_>) -> Result<f32> {
    Ok(match u.int_in_range(0..=3)? {
        0 => f32::from(u.int_in_range(-1000i16..=1000)?) / 4.0,
        1 => *u.choose(&[
            f32::NAN,
            -f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            MAX_MAGNITUDE,
            -MAX_MAGNITUDE,
            MAX_MAGNITUDE.next_up(),
            (-MAX_MAGNITUDE).next_down(),
            f32::MAX,
            -f32::MAX,
            f32::MIN_POSITIVE,
            f32::from_bits(1),
            -0.0,
            1e30,
        ])?,
        _ => f32::from_bits(u32::arbitrary(u)?),
    })
}

fn any_u32(u: &mut Unstructured<'_>) -> Result<u32> {
    Ok(match u.int_in_range(0..=3)? {
        0..=2 => u.int_in_range(0..=4)?,
        _ => u32::arbitrary(u)?,
    })
}

fn any_op(u: &mut Unstructured<'_>) -> Result<Op> {
    Ok(match u.int_in_range(0..=11)? {
        0 => Op::Radius(match u.int_in_range(0..=2)? {
            0 => u.int_in_range(0..=8)?,
            1 => u.int_in_range(60..=66)?,
            _ => any_usize(u)?,
        }),
        1 => Op::SigmaSpace(any_f64(u)?),
        2 => Op::SigmaRange(any_f64(u)?),
        3 => Op::Alpha(any_f64(u)?),
        4 => Op::Beta(any_f64(u)?),
        5 => Op::Window(*u.choose(&[Window::Square, Window::Disc])?),
        6 => Op::Distance(*u.choose(&[
            ColorDistance::Joint,
            ColorDistance::L1,
            ColorDistance::PerChannel,
        ])?),
        7 => Op::Border(match u.int_in_range(0..=3)? {
            0 => Border::Reflect101,
            1 => Border::Replicate,
            2 => Border::Reflect,
            _ => Border::Constant(any_f32(u)?),
        }),
        8 => Op::FilterAlpha(bool::arbitrary(u)?),
        9 => Op::Iterations(any_u32(u)?),
        10 => Op::Backend(*u.choose(&Backend::ALL)?),
        _ => Op::TileHeight(match u.int_in_range(0..=2)? {
            0 => 0,
            1 => u.int_in_range(1..=80)?,
            _ => any_usize(u)?,
        }),
    })
}

/// A geometry that often fits (so that filter calls get far), else anything.
fn any_geometry(u: &mut Unstructured<'_>, max_len: usize) -> Result<Geometry> {
    let geometry = match u.int_in_range(0..=5)? {
        0..=2 => {
            let channels: usize = if u.ratio(7, 8)? {
                u.int_in_range(1..=4)?
            } else {
                u.int_in_range(0..=6)?
            };
            let width: usize = u.int_in_range(0..=70)?;
            let height: usize = u.int_in_range(0..=70)?;
            let row = width * channels;
            let stride = match u.int_in_range(0..=3)? {
                0 => row,
                1 | 2 => row + u.int_in_range(1..=9)?,
                _ => row.saturating_sub(u.int_in_range(1..=3)?),
            };
            let needed = height.saturating_sub(1) * stride + row;
            let len = match u.int_in_range(0..=3)? {
                0 | 1 => needed,
                2 => needed + u.int_in_range(1..=16)?,
                _ => needed.saturating_sub(u.int_in_range(1..=3)?),
            };
            Geometry {
                layout: Layout {
                    width,
                    height,
                    stride,
                    channels,
                },
                len,
            }
        }
        3 => Geometry {
            layout: Layout::packed(any_usize(u)?, any_usize(u)?, any_usize(u)?),
            len: u.int_in_range(0..=max_len)?,
        },
        _ => Geometry {
            layout: Layout {
                width: any_usize(u)?,
                height: any_usize(u)?,
                stride: any_usize(u)?,
                channels: any_usize(u)?,
            },
            len: u.int_in_range(0..=max_len)?,
        },
    };
    Ok(Geometry {
        len: geometry.len.min(max_len),
        ..geometry
    })
}

impl<'a> Arbitrary<'a> for Case {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let ty = *u.choose(&[SampleType::U8, SampleType::U16, SampleType::F32])?;
        let max_len = MAX_BUFFER_BYTES
            / match ty {
                SampleType::U8 => 1,
                SampleType::U16 => 2,
                SampleType::F32 => 4,
            };
        let base = if u.ratio(1, 4)? {
            Base::OpenCv {
                d: match u.int_in_range(0..=1)? {
                    0 => u.int_in_range(-3..=20)?,
                    _ => i32::arbitrary(u)?,
                },
                sigma_color: any_f64(u)?,
                sigma_space: any_f64(u)?,
            }
        } else {
            Base::New
        };
        let n_ops = u.int_in_range(0..=8)?;
        let mut ops = Vec::with_capacity(n_ops);
        for _ in 0..n_ops {
            ops.push(any_op(u)?);
        }
        let src = any_geometry(u, max_len)?;
        let dst = if u.ratio(3, 4)? {
            // Same shape, its own stride and length.
            let l = src.layout;
            let row = l.width.saturating_mul(l.channels);
            let stride = row.saturating_add(u.int_in_range(0..=5)?);
            let needed = l
                .height
                .saturating_sub(1)
                .saturating_mul(stride)
                .saturating_add(row);
            Geometry {
                layout: Layout { stride, ..l },
                len: needed
                    .saturating_add(u.int_in_range(0..=4)?)
                    .saturating_sub(u.int_in_range(0..=1)?)
                    .min(max_len),
            }
        } else {
            any_geometry(u, max_len)?
        };
        let seed = u64::arbitrary(u)?;
        let samples = if u.ratio(1, 8)? {
            Samples::RawBits
        } else {
            let n = u.int_in_range(0..=4)?;
            let mut v = Vec::with_capacity(n);
            for _ in 0..n {
                v.push((any_usize(u)?, any_f32(u)?));
            }
            Samples::Clean(v)
        };
        Ok(Case {
            ty,
            base,
            ops,
            src,
            dst,
            seed,
            samples,
        })
    }
}

/// Runs one case: the target's body.
pub fn run(case: &Case) {
    match case.ty {
        SampleType::U8 => check::<u8>(case),
        SampleType::U16 => check::<u16>(case),
        SampleType::F32 => check::<f32>(case),
    }
}

/// Decodes `data` as libfuzzer-sys does and runs it; inputs too short to decode are skipped.
pub fn run_bytes(data: &[u8]) {
    crate::run_decoded(data, run);
}

/// What the target needs of a sample type beyond [`Sample`] and its [`Bits`].
pub trait FuzzSample: Bits {
    /// A random value; for `f32` a valid one in ±1000.
    fn random(rng: &mut Rng) -> Self;
    /// Random bits.
    fn raw(rng: &mut Rng) -> Self;
    /// `f32` as this type, for the replacements (integers ignore them).
    fn replacement(v: f32) -> Option<Self>;
    /// A value the destination starts with, to see what was written.
    const SENTINEL: Self;
}

impl FuzzSample for u8 {
    fn random(rng: &mut Rng) -> Self {
        rng.next_u64() as u8
    }
    fn raw(rng: &mut Rng) -> Self {
        rng.next_u64() as u8
    }
    fn replacement(_: f32) -> Option<Self> {
        None
    }
    const SENTINEL: Self = 0x5A;
}

impl FuzzSample for u16 {
    fn random(rng: &mut Rng) -> Self {
        rng.next_u64() as u16
    }
    fn raw(rng: &mut Rng) -> Self {
        rng.next_u64() as u16
    }
    fn replacement(_: f32) -> Option<Self> {
        None
    }
    const SENTINEL: Self = 0x5A5A;
}

impl FuzzSample for f32 {
    fn random(rng: &mut Rng) -> Self {
        (rng.unit() * 2000.0 - 1000.0) as f32
    }
    fn raw(rng: &mut Rng) -> Self {
        f32::from_bits(rng.next_u64() as u32)
    }
    fn replacement(v: f32) -> Option<Self> {
        Some(v)
    }
    const SENTINEL: Self = f32::from_bits(0x7FC0_5A5A);
}

/// The builder's state as the documentation describes it, tracked beside the real builder.
#[derive(Debug, Clone, Copy)]
struct Model {
    radius: usize,
    spatial: Spatial,
    range: Range,
    window: Window,
    distance: ColorDistance,
    border: Border,
    filter_alpha: bool,
    iterations: u32,
    backend: Option<Backend>,
    tile_height: usize,
}

impl Model {
    fn new() -> Self {
        Model {
            radius: 2,
            spatial: Spatial::Sigma(1.5),
            range: Range::Default,
            window: Window::Square,
            distance: ColorDistance::Joint,
            border: Border::Reflect101,
            filter_alpha: false,
            iterations: 1,
            backend: None,
            tile_height: bilateral::DEFAULT_TILE_HEIGHT,
        }
    }

    /// `Params::opencv` as documented.
    fn opencv(d: i32, sigma_color: f64, sigma_space: f64) -> Self {
        let preset = Model {
            window: Window::Disc,
            distance: ColorDistance::L1,
            border: Border::Reflect101,
            ..Model::new()
        };
        let copies = sigma_color.is_nan() || sigma_space.is_nan();
        if copies || sigma_color <= 1e-6 || sigma_space <= 1e-6 {
            return Model {
                radius: 0,
                ..preset
            };
        }
        let radius = if d <= 0 {
            let r = (sigma_space * 1.5).round_ties_even();
            if r >= 2f64.powi(31) { 1 } else { r as usize }
        } else {
            (d / 2) as usize
        };
        Model {
            radius: radius.max(1),
            spatial: Spatial::Alpha(0.5 / (sigma_space * sigma_space)),
            range: Range::Beta(0.5 / (sigma_color * sigma_color)),
            ..preset
        }
    }

    fn apply(&mut self, op: Op) {
        match op {
            Op::Radius(r) => self.radius = r,
            Op::SigmaSpace(s) => self.spatial = Spatial::Sigma(s),
            Op::SigmaRange(s) => self.range = Range::Sigma(s),
            Op::Alpha(a) => self.spatial = Spatial::Alpha(a),
            Op::Beta(b) => self.range = Range::Beta(b),
            Op::Window(w) => self.window = w,
            Op::Distance(d) => self.distance = d,
            Op::Border(b) => self.border = b,
            Op::FilterAlpha(f) => self.filter_alpha = f,
            Op::Iterations(n) => self.iterations = n,
            Op::Backend(b) => self.backend = Some(b),
            Op::TileHeight(t) => self.tile_height = t,
        }
    }

    /// Every error the parameters deserve, whatever the sample type.
    fn errors(&self) -> Vec<Error> {
        let mut e = Vec::new();
        match self.spatial {
            Spatial::Sigma(s) if !(s.is_finite() && s > 0.0) => e.push(Error::InvalidSigmaSpace(s)),
            Spatial::Alpha(a) if !(a.is_finite() && a >= 0.0) => e.push(Error::InvalidAlpha(a)),
            _ => {}
        }
        match self.range {
            Range::Sigma(s) if !(s.is_finite() && s > 0.0) => e.push(Error::InvalidSigmaRange(s)),
            Range::Beta(b) if !(b.is_finite() && b >= 0.0) => e.push(Error::InvalidBeta(b)),
            _ => {}
        }
        if self.radius > MAX_RADIUS {
            e.push(Error::RadiusTooLarge {
                radius: self.radius,
                max: MAX_RADIUS,
            });
        }
        if let Border::Constant(v) = self.border
            && (v.is_nan() || v.abs() > bilateral::MAX_SAMPLE_MAGNITUDE)
        {
            e.push(Error::InvalidBorderValue(f64::from(v)));
        }
        if self.tile_height == 0 {
            e.push(Error::ZeroTileHeight);
        }
        if let Some(b) = self.backend
            && !Backend::available().contains(&b)
        {
            e.push(Error::BackendUnavailable {
                wanted: b,
                available: crate::backend_names(&Backend::available()),
            });
        }
        e
    }

    /// Taps of the window, the centre included (radius at most `MAX_RADIUS`).
    fn taps(&self) -> usize {
        crate::model::taps(self.radius, self.window)
    }
}

/// Every error a buffer of `len` samples with this layout deserves.
fn geometry_errors(l: &Layout, len: usize) -> Vec<Error> {
    let mut e = Vec::new();
    if l.width == 0 || l.height == 0 {
        e.push(Error::EmptyImage {
            width: l.width,
            height: l.height,
        });
    }
    if !(1..=4).contains(&l.channels) {
        e.push(Error::UnsupportedChannels(l.channels));
    }
    match l.width.checked_mul(l.channels) {
        None => e.push(Error::GeometryOverflow),
        Some(row) => {
            if l.stride < row {
                e.push(Error::StrideTooSmall {
                    stride: l.stride,
                    min: row,
                });
            }
            if l.height >= 1 {
                match (l.height - 1)
                    .checked_mul(l.stride)
                    .and_then(|n| n.checked_add(row))
                {
                    None => e.push(Error::GeometryOverflow),
                    Some(needed) if len < needed => e.push(Error::BufferTooShort { len, needed }),
                    Some(_) => {}
                }
            }
        }
    }
    e
}

/// Panics unless `result` is `Ok` exactly when `expected` is empty, and an `Err` is one of
/// `expected` (compared through `Debug`, so that NaN payloads compare equal).
fn check_result<V>(
    what: &str,
    result: &std::result::Result<V, Error>,
    expected: &[Error],
    case: &Case,
) {
    match result {
        Ok(_) => assert!(
            expected.is_empty(),
            "{what} succeeded but the inputs deserve {expected:?}\n{case:#?}"
        ),
        Err(err) => {
            let got = format!("{err:?}");
            assert!(
                expected.iter().any(|e| format!("{e:?}") == got),
                "{what} failed with {got} but the inputs deserve {}\n{case:#?}",
                if expected.is_empty() {
                    "no error".to_string()
                } else {
                    format!("one of {expected:?}")
                }
            );
        }
    }
}

/// The first invalid sample of the image, row-major, as the error that names it.
fn first_invalid<T: Sample>(data: &[T], l: &Layout, channels: usize) -> Option<Error> {
    if !T::IS_FLOAT {
        return None;
    }
    for y in 0..l.height {
        for x in 0..l.width {
            for c in 0..channels {
                let v = data[y * l.stride + x * l.channels + c].to_f32();
                // NaN fails every comparison: it is invalid too.
                let valid = v.abs() <= MAX_MAGNITUDE;
                if !valid {
                    return Some(Error::InvalidSample {
                        x,
                        y,
                        channel: c,
                        value: v,
                    });
                }
            }
        }
    }
    None
}

fn check<T: FuzzSample>(case: &Case) {
    // The parameters, built for real and in the model.
    let (mut params, mut model) = match case.base {
        Base::New => (Params::new(), Model::new()),
        Base::OpenCv {
            d,
            sigma_color,
            sigma_space,
        } => (
            Params::opencv(d, sigma_color, sigma_space),
            Model::opencv(d, sigma_color, sigma_space),
        ),
    };
    for &op in &case.ops {
        params = match op {
            Op::Radius(r) => params.radius(r),
            Op::SigmaSpace(s) => params.sigma_space(s),
            Op::SigmaRange(s) => params.sigma_range(s),
            Op::Alpha(a) => params.alpha(a),
            Op::Beta(b) => params.beta(b),
            Op::Window(w) => params.window(w),
            Op::Distance(d) => params.distance(d),
            Op::Border(b) => params.border(b),
            Op::FilterAlpha(f) => params.filter_alpha(f),
            Op::Iterations(n) => params.iterations(n),
            Op::Backend(b) => params.backend(b),
            Op::TileHeight(t) => params.tile_height(t),
        };
        model.apply(op);
    }
    assert_eq!(params.get_radius(), model.radius, "radius\n{case:#?}");
    assert_eq!(params.get_window(), model.window, "window\n{case:#?}");
    assert_eq!(params.get_distance(), model.distance, "distance\n{case:#?}");
    assert_eq!(
        format!("{:?}", params.get_border()),
        format!("{:?}", model.border),
        "border\n{case:#?}"
    );
    assert_eq!(params.get_filter_alpha(), model.filter_alpha);
    assert_eq!(params.get_iterations(), model.iterations);
    assert_eq!(params.get_backend(), model.backend);
    let param_errors = model.errors();

    // The source: random samples, then the replacements.
    let mut rng = Rng::new(case.seed);
    let mut src: Vec<T> = (0..case.src.len)
        .map(|_| match case.samples {
            Samples::RawBits => T::raw(&mut rng),
            Samples::Clean(_) => T::random(&mut rng),
        })
        .collect();
    if let Samples::Clean(ref replacements) = case.samples
        && !src.is_empty()
    {
        for &(i, v) in replacements {
            let n = src.len();
            if let Some(v) = T::replacement(v) {
                src[i % n] = v;
            }
        }
    }
    let mut dst = vec![T::SENTINEL; case.dst.len];

    let sl = case.src.layout;
    let view = ImageView::new(&src, sl);
    check_result(
        "ImageView::new",
        &view,
        &geometry_errors(&sl, src.len()),
        case,
    );
    let dl = case.dst.layout;
    let dst_errors = geometry_errors(&dl, dst.len());
    check_result(
        "ImageViewMut::new",
        &ImageViewMut::new(&mut dst, dl),
        &dst_errors,
        case,
    );
    let Ok(view) = view else { return };

    // From here the source geometry is valid, so w·h·c ≤ 16 Ki samples.
    let (w, h, ch) = (sl.width, sl.height, sl.channels);
    let sample_error = first_invalid(&src, &sl, ch);
    let copies = model.radius == 0 || model.iterations == 0;
    let mut errors = param_errors.clone();
    errors.extend(sample_error.clone());

    // Work, to skip calls that would run long.
    let pass_work = if copies || model.radius > MAX_RADIUS {
        w * h * ch
    } else {
        let r = model.radius;
        let columns = w.div_ceil(16) * 16;
        let tiles = h.div_ceil(model.tile_height.max(1));
        columns * h * ch * model.taps() + tiles * (2 * r + 1) * (columns + 2 * r) * ch
    };
    let passes = if copies { 1 } else { model.iterations as usize };
    // With valid parameters, count every pass even when a sample is invalid: a pass that
    // missed it would run them all.
    let work = if param_errors.is_empty() {
        pass_work.saturating_mul(passes)
    } else {
        0
    };
    if work > WORK_BUDGET {
        return;
    }

    // filter: a packed copy.
    let result = bilateral::filter(view, &params);
    check_result("filter", &result, &errors, case);
    if let Ok(out) = &result {
        assert_eq!(out.len(), w * h * ch, "filter's output length\n{case:#?}");
        check_values(out, &Layout::packed(w, h, ch), &src, &sl, &model, case);
    }

    // filter_into a destination of its own geometry.
    if dst_errors.is_empty() {
        let mut into_errors = errors.clone();
        if (dl.width, dl.height, dl.channels) != (w, h, ch) {
            into_errors.push(Error::SizeMismatch {
                src_width: w,
                src_height: h,
                src_channels: ch,
                dst_width: dl.width,
                dst_height: dl.height,
                dst_channels: dl.channels,
            });
        }
        let out = ImageViewMut::new(&mut dst, dl).expect("checked above");
        let result = bilateral::filter_into(view, out, &params);
        check_result("filter_into", &result, &into_errors, case);
        match &result {
            Ok(()) => {
                // Padding and the tail untouched, the image's samples checked.
                for (i, d) in dst.iter().enumerate() {
                    let inside = i / dl.stride < h && i % dl.stride < w * ch;
                    assert!(
                        inside || d.bits() == T::SENTINEL.bits(),
                        "filter_into wrote sample {i}, outside the image (stride {})\n{case:#?}",
                        dl.stride
                    );
                }
                check_values(&dst, &dl, &src, &sl, &model, case);
            }
            Err(Error::InvalidSample { .. }) => {}
            Err(_) => assert!(
                dst.iter().all(|d| d.bits() == T::SENTINEL.bits()),
                "filter_into wrote to the destination of a refused call\n{case:#?}"
            ),
        }
    }

    // The oracle refuses what the filter refuses.
    if work <= ORACLE_BUDGET {
        let result = reference(view, &params);
        check_result("oracle::reference", &result, &errors, case);
        if let Ok(r) = &result {
            assert_eq!(r.values.len(), w * h * ch);
        }
    }
}

/// On success: radius 0 or no pass copies the image exactly; otherwise every result lies
/// within its channel's range of image values (and the constant border), up to the error
/// bound; a kept alpha channel is copied.
fn check_values<T: FuzzSample>(
    out: &[T],
    ol: &Layout,
    src: &[T],
    l: &Layout,
    m: &Model,
    case: &Case,
) {
    let (w, h, ch) = (l.width, l.height, l.channels);
    let data: Vec<T> = (0..h)
        .flat_map(|y| (0..w * ch).map(move |i| (y, i)))
        .map(|(y, i)| out[y * ol.stride + i])
        .collect();
    let input = |y: usize, i: usize| -> T { src[y * l.stride + i] };
    let copies = m.radius == 0 || m.iterations == 0;
    let kept_alpha = (ch == 2 || ch == 4) && !m.filter_alpha;
    for c in 0..ch {
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        for y in 0..h {
            for x in 0..w {
                let v = input(y, x * ch + c).to_f64();
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
        if let Border::Constant(v) = m.border {
            lo = lo.min(f64::from(v));
            hi = hi.max(f64::from(v));
        }
        let passes = f64::from(m.iterations.min(1 << 20));
        for y in 0..h {
            for x in 0..w {
                let i = x * ch + c;
                let (g, s) = (data[y * w * ch + i], input(y, i));
                if copies || (kept_alpha && c == ch - 1) {
                    assert!(
                        g.bits() == s.bits(),
                        "x={x} y={y} channel {c}: {g:?} is not the copied {s:?}\n{case:#?}"
                    );
                    continue;
                }
                let g = g.to_f64();
                let ok = if T::IS_FLOAT {
                    let tol = passes * (1e-5 * (hi - lo) + 2f64.powi(-23) * lo.abs().max(hi.abs()));
                    g >= lo - tol && g <= hi + tol
                } else {
                    let full = f64::from(T::FULL_SCALE);
                    g >= lo.clamp(0.0, full).floor() - passes
                        && g <= hi.clamp(0.0, full).ceil() + passes
                };
                assert!(
                    ok,
                    "x={x} y={y} channel {c}: {g} lies outside the values the window can hold, {lo}..={hi}\n{case:#?}"
                );
            }
        }
    }
}
