//! The `differential` target: a small image with varied samples and valid parameters; every
//! backend the CPU has must agree with the `f64` oracle within the documented bound.
//!
//! - `f32`: `|got - exact| ≤ 1e-5·(window_max - window_min) + half an ulp of exact`, the
//!   half ulp taken as `2^-24·|exact|` (as `tests/common` does) but never below `2^-150`,
//!   half the spacing of subnormal `f32`s.
//! - `u8`/`u16`: `|got - store_as(exact)| ≤ 1`.
//!
//! Each backend runs [`bilateral::filter`] into a packed buffer, once with its own choice of
//! weight mode and once forcing each [`WeightMode`], which must all give the same bits, and
//! [`bilateral::filter_into`] into a strided destination with another tile height, which must
//! give the same bits again and leave the destination's row padding alone. The source is strided
//! too, its padding filled with values that would show if read (NaN for `f32`).
//!
//! A third of the cases filter under a guide ([`bilateral::filter_guided`], against
//! [`bilateral::oracle::reference_guided`]): an image of the same width and height with its own
//! sample type, channel count, range and style, the range parameter drawn against the guide's
//! span.
//!
//! Which backends ran is printed once; the target fails if a SIMD backend the CPU's features
//! promise did not run.

use std::sync::Once;

use arbitrary::{Arbitrary, Result, Unstructured};
use bilateral::oracle::{Reference, reference, reference_guided, store_as};
use bilateral::{
    Backend, Border, ColorDistance, ImageView, ImageViewMut, Layout, Params, WeightMode, Window,
};

use crate::model::{Bits, Range, SampleType, Spatial};
use crate::{Rng, log_uniform};

/// Width and height are `1..=MAX_SIDE`.
pub const MAX_SIDE: usize = 64;
/// Radius is `0..=MAX_FUZZ_RADIUS`.
pub const MAX_FUZZ_RADIUS: usize = 6;
/// The oracle's work per case, in `pixels × taps × channels × passes`, is kept under this by
/// lowering the height (never below 1), so that one execution stays well under a second.
pub const ORACLE_BUDGET: usize = 200_000;
/// The largest valid sample magnitude, `2^60`.
const MAX_MAGNITUDE: f64 = 1152921504606846976.0;

/// How the unit values behind the samples are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Uniform noise from the seeded generator.
    Noise,
    /// The fuzzer's own bytes, each plus a random fraction of one step.
    Bytes,
    /// Flat blocks of a few levels with occasional noise: many exactly equal neighbours.
    Steps {
        /// Levels, 2 to 8.
        levels: usize,
        /// Block side in pixels, 1 to 16.
        block: usize,
    },
    /// Only the two ends of the range.
    Extremes,
    /// A diagonal ramp with a little noise.
    Gradient,
}

/// The image of a case: its generator, not its samples, so that `Debug` stays short.
#[derive(Debug, Clone)]
pub struct Image {
    /// Sample type.
    pub ty: SampleType,
    /// Width, `1..=64`.
    pub width: usize,
    /// Height, `1..=64` (lowered to keep the oracle fast).
    pub height: usize,
    /// Channels, `1..=4`.
    pub channels: usize,
    /// Samples lie in `lo..=hi`, in the sample's own units.
    pub lo: f64,
    /// See `lo`; `hi > lo`.
    pub hi: f64,
    /// How unit values are drawn.
    pub style: Style,
    /// Seed of the generator.
    pub seed: u64,
    /// Bytes mixed in by [`Style::Bytes`].
    pub bytes: Vec<u8>,
    /// Samples of padding after each source row.
    pub src_pad: usize,
    /// Samples of padding after each destination row of `filter_into`.
    pub dst_pad: usize,
}

/// One differential case.
#[derive(Debug, Clone)]
pub struct Case {
    /// The image.
    pub image: Image,
    /// The guide whose samples give the range weights, if any: the image's width and height
    /// (its padding is the guide's row padding, its bytes unused).
    pub guide: Option<Image>,
    /// Radius, `0..=6`.
    pub radius: usize,
    /// Spatial parameter, valid.
    pub spatial: Spatial,
    /// Range parameter, valid.
    pub range: Range,
    /// Window.
    pub window: Window,
    /// Colour distance.
    pub distance: ColorDistance,
    /// Border, a constant one finite.
    pub border: Border,
    /// Whether alpha is filtered.
    pub filter_alpha: bool,
    /// Passes, 1 or 2.
    pub iterations: u32,
    /// Tile height of the `filter` call, `1..=40`.
    pub tile_height: usize,
    /// Tile height of the `filter_into` call, `1..=40`.
    pub other_tile_height: usize,
}

impl Case {
    /// The parameters, without a backend.
    pub fn params(&self) -> Params {
        let p = Params::new()
            .radius(self.radius)
            .window(self.window)
            .distance(self.distance)
            .border(self.border)
            .filter_alpha(self.filter_alpha)
            .iterations(self.iterations)
            .tile_height(self.tile_height);
        let p = match self.spatial {
            Spatial::Sigma(s) => p.sigma_space(s),
            Spatial::Alpha(a) => p.alpha(a),
        };
        match self.range {
            Range::Default => p,
            Range::Sigma(s) => p.sigma_range(s),
            Range::Beta(b) => p.beta(b),
        }
    }

    /// Taps in the window, the centre included.
    pub fn taps(&self) -> usize {
        crate::model::taps(self.radius, self.window)
    }
}

impl<'a> Arbitrary<'a> for Case {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        // Parameters first, so that even short inputs reach every radius and mode; the
        // generator's seed and bytes last.
        let radius = u.int_in_range(0..=MAX_FUZZ_RADIUS)?;
        let window = *u.choose(&[Window::Square, Window::Disc])?;
        let distance = *u.choose(&[
            ColorDistance::Joint,
            ColorDistance::L1,
            ColorDistance::PerChannel,
        ])?;
        let ty = *u.choose(&[SampleType::U8, SampleType::U16, SampleType::F32])?;
        let width = u.int_in_range(1..=MAX_SIDE)?;
        let height = u.int_in_range(1..=MAX_SIDE)?;
        let channels = u.int_in_range(1..=4)?;
        let (lo, hi) = span_of(u, ty)?;
        let guide = if u.ratio(1, 3)? {
            let ty = *u.choose(&[SampleType::U8, SampleType::U16, SampleType::F32])?;
            let guide_channels = u.int_in_range(1..=4)?;
            let (lo, hi) = span_of(u, ty)?;
            let style = *u.choose(&[
                Style::Noise,
                Style::Steps {
                    levels: 3,
                    block: 5,
                },
                Style::Extremes,
                Style::Gradient,
            ])?;
            Some(Image {
                ty,
                width,
                height,
                channels: guide_channels,
                lo,
                hi,
                style,
                seed: u64::arbitrary(u)?,
                bytes: Vec::new(),
                src_pad: u.int_in_range(0..=3)?,
                dst_pad: 0,
            })
        } else {
            None
        };
        // The range parameter is in the units of the samples it weighs.
        let span = guide.as_ref().map_or(hi - lo, |g| g.hi - g.lo);

        let spatial = match u.int_in_range(0..=7)? {
            0..=3 => Spatial::Sigma(log_uniform(u, -10, 13)?), // 0.1 to 20 pixels
            4 => Spatial::Alpha(0.0),
            5 => Spatial::Alpha(log_uniform(u, -40, 20)?),
            6 => Spatial::Sigma(log_uniform(u, -30, 30)?), // 1e-3 to 1e3
            _ => *u.choose(&[
                Spatial::Sigma(1e-30),
                Spatial::Sigma(1e-200), // α = 0.5/σ² overflows to +∞
                Spatial::Sigma(1e30),
                Spatial::Alpha(1e30),
                Spatial::Alpha(f64::MIN_POSITIVE),
                Spatial::Alpha(f64::MAX),
            ])?,
        };
        let range = match u.int_in_range(0..=7)? {
            0 => Range::Default,
            1..=4 => Range::Sigma(span * log_uniform(u, -30, 20)?), // 1e-3 to 100 spans
            5 => Range::Beta(0.0),
            6 => Range::Beta(log_uniform(u, -40, 40)? / (span * span)),
            _ => *u.choose(&[
                Range::Sigma(1e-30),
                Range::Sigma(1e-200), // β = 0.5/σ² overflows to +∞
                Range::Sigma(1e30),
                Range::Beta(1e30),
                Range::Beta(f64::MIN_POSITIVE),
                Range::Beta(f64::MAX),
            ])?,
        };
        let border = match u.int_in_range(0..=3)? {
            0 => Border::Reflect101,
            1 => Border::Replicate,
            2 => Border::Reflect,
            _ => {
                let v = match u.int_in_range(0..=6)? {
                    0 => 0.0,
                    1 => lo,
                    2 => hi,
                    3 => lo + span * f64::from(u.int_in_range(0..=16u8)?) / 16.0,
                    4 => lo + span * f64::from(u.int_in_range(-64..=80i8)?) / 16.0,
                    // Far outside any sample: finite, so valid.
                    5 => *u.choose(&[
                        MAX_MAGNITUDE,
                        -MAX_MAGNITUDE,
                        1e20,
                        -1e20,
                        1e30,
                        -1e30,
                        f64::from(f32::MAX),
                        f64::from(-f32::MAX),
                    ])?,
                    _ => f64::from(f32::arbitrary(u)?),
                };
                let v = v as f32;
                // Valid parameters only: a border value is finite and within ±2^60.
                Border::Constant(if v.is_finite() {
                    v.clamp(
                        -bilateral::MAX_SAMPLE_MAGNITUDE,
                        bilateral::MAX_SAMPLE_MAGNITUDE,
                    )
                } else {
                    0.0
                })
            }
        };
        let filter_alpha = bool::arbitrary(u)?;
        let iterations = u.int_in_range(1..=2)?;
        let tile_height = u.int_in_range(1..=40)?;
        let other_tile_height = u.int_in_range(1..=40)?;
        let style = match u.int_in_range(0..=4)? {
            0 => Style::Noise,
            1 => Style::Bytes,
            2 => Style::Steps {
                levels: u.int_in_range(2..=8)?,
                block: u.int_in_range(1..=16)?,
            },
            3 => Style::Extremes,
            _ => Style::Gradient,
        };
        let src_pad = u.int_in_range(0..=5)?;
        let dst_pad = u.int_in_range(0..=5)?;
        let seed = u64::arbitrary(u)?;
        let n = u.arbitrary_len::<u8>()?.min(4096);
        let bytes = u.bytes(n)?.to_vec();

        let mut guide = guide;
        // Under the per-channel distance a guide of several filtered channels has as many
        // as the image.
        let filtered = |c: usize| {
            if c.is_multiple_of(2) && !filter_alpha {
                c - 1
            } else {
                c
            }
        };
        if let Some(g) = &mut guide
            && distance == ColorDistance::PerChannel
            && filtered(g.channels) > 1
            && filtered(g.channels) != filtered(channels)
        {
            g.channels = channels;
        }
        let mut case = Case {
            guide,
            image: Image {
                ty,
                width,
                height,
                channels,
                lo,
                hi,
                style,
                seed,
                bytes,
                src_pad,
                dst_pad,
            },
            radius,
            spatial,
            range,
            window,
            distance,
            border,
            filter_alpha,
            iterations,
            tile_height,
            other_tile_height,
        };
        let per_row = width * case.taps() * channels * iterations as usize;
        case.image.height = height.min((ORACLE_BUDGET / per_row).max(1));
        if let Some(g) = &mut case.guide {
            g.height = case.image.height;
        }
        Ok(case)
    }
}

/// The range of `ty`'s samples: see [`int_span`] and [`f32_span`].
fn span_of(u: &mut Unstructured<'_>, ty: SampleType) -> Result<(f64, f64)> {
    match ty {
        SampleType::U8 => int_span(u, 255),
        SampleType::U16 => int_span(u, 65535),
        SampleType::F32 => f32_span(u),
    }
}

/// An integer range within `0..=full`, at least one wide: the whole range half the time.
fn int_span(u: &mut Unstructured<'_>, full: u32) -> Result<(f64, f64)> {
    if u.ratio(1, 2)? {
        return Ok((0.0, f64::from(full)));
    }
    let lo = u.int_in_range(0..=full - 1)?;
    let width = match u.int_in_range(0..=2)? {
        0 => u.int_in_range(1..=4)?,
        1 => u.int_in_range(1..=64)?,
        _ => u.int_in_range(1..=full)?,
    };
    Ok((f64::from(lo), f64::from((lo + width).min(full))))
}

/// A range of `f32` values: unit, ±1000, tiny, tiny around a large offset, the whole valid
/// range, or a log-uniform width at a log-uniform offset.
fn f32_span(u: &mut Unstructured<'_>) -> Result<(f64, f64)> {
    let (lo, hi) = match u.int_in_range(0..=6)? {
        0 => (0.0, 1.0),
        1 => (-1000.0, 1000.0),
        2 => (0.0, 1e-3),
        3 => (1000.0, 1000.001),
        4 => (-MAX_MAGNITUDE, MAX_MAGNITUDE),
        _ => {
            let width = log_uniform(u, -80, 170)?; // 1e-8 to 1e17
            let offset = match u.int_in_range(0..=3)? {
                0 => 0.0,
                1 => -width / 2.0,
                2 => log_uniform(u, -80, 170)?,
                _ => -log_uniform(u, -80, 170)?,
            };
            (offset, offset + width)
        }
    };
    let (lo, hi) = (
        lo.clamp(-MAX_MAGNITUDE, MAX_MAGNITUDE),
        hi.clamp(-MAX_MAGNITUDE, MAX_MAGNITUDE),
    );
    // Keep the span representable: at least a few f32 steps wide.
    let min_width = (lo.abs().max(hi.abs()) * 2f64.powi(-20)).max(1e-30);
    Ok(if hi - lo < min_width {
        (hi - min_width, hi)
    } else {
        (lo, hi)
    })
}

impl Image {
    /// Packed unit values in `[0, 1]`, `width × height × channels`.
    pub fn units(&self) -> Vec<f64> {
        let (w, h, ch) = (self.width, self.height, self.channels);
        let mut rng = Rng::new(self.seed);
        let mut v = Vec::with_capacity(w * h * ch);
        for y in 0..h {
            for x in 0..w {
                for c in 0..ch {
                    let i = (y * w + x) * ch + c;
                    let u = match self.style {
                        Style::Noise => rng.unit(),
                        Style::Bytes if self.bytes.is_empty() => rng.unit(),
                        Style::Bytes => {
                            (f64::from(self.bytes[i % self.bytes.len()]) + rng.unit()) / 256.0
                        }
                        Style::Steps { levels, block } => {
                            let l = (x / block + 3 * (y / block) + c) % levels;
                            let l = l as f64 / (levels - 1) as f64;
                            if rng.below(4) == 0 {
                                (l + 0.1 * rng.unit()).min(1.0)
                            } else {
                                l
                            }
                        }
                        Style::Extremes => (rng.next_u64() >> 63) as f64,
                        Style::Gradient => {
                            let g = (x + y + c) as f64 / (w + h + 2) as f64;
                            (g + 0.02 * rng.unit()).min(1.0)
                        }
                    };
                    v.push(u);
                }
            }
        }
        v
    }
}

/// What the target needs of a sample type beyond [`Sample`] and its [`Bits`].
pub trait FuzzSample: Bits {
    /// `lo + u·(hi - lo)` stored as this type (rounded and clamped to `lo..=hi`).
    fn from_unit(u: f64, lo: f64, hi: f64) -> Self;
    /// A value for padding that must never be read or written: NaN for `f32`.
    const POISON: Self;
}

impl FuzzSample for u8 {
    fn from_unit(u: f64, lo: f64, hi: f64) -> Self {
        (lo + u * (hi - lo)).round().clamp(lo, hi) as u8
    }
    const POISON: Self = 0xA5;
}

impl FuzzSample for u16 {
    fn from_unit(u: f64, lo: f64, hi: f64) -> Self {
        (lo + u * (hi - lo)).round().clamp(lo, hi) as u16
    }
    const POISON: Self = 0xA5A5;
}

impl FuzzSample for f32 {
    fn from_unit(u: f64, lo: f64, hi: f64) -> Self {
        let v = (lo + u * (hi - lo)) as f32;
        v.clamp(-(MAX_MAGNITUDE as f32), MAX_MAGNITUDE as f32)
    }
    const POISON: Self = f32::from_bits(0x7FC0_BEEF);
}

/// Runs one case: the target's body.
pub fn run(case: &Case) {
    fn with_guide<T: FuzzSample>(case: &Case) {
        match case.guide.as_ref().map(|g| g.ty) {
            None => check::<T, T>(case),
            Some(SampleType::U8) => check::<T, u8>(case),
            Some(SampleType::U16) => check::<T, u16>(case),
            Some(SampleType::F32) => check::<T, f32>(case),
        }
    }
    match case.image.ty {
        SampleType::U8 => with_guide::<u8>(case),
        SampleType::U16 => with_guide::<u16>(case),
        SampleType::F32 => with_guide::<f32>(case),
    }
}

/// Decodes `data` as libfuzzer-sys does and runs it; inputs too short to decode are skipped.
pub fn run_bytes(data: &[u8]) {
    crate::run_decoded(data, run);
}

/// The SIMD backends the CPU's features promise, found without asking the library.
pub fn expected_simd() -> Vec<Backend> {
    // `wide` is SSE2 on x86-64 and NEON on aarch64, both baseline: Portable is SIMD there.
    let mut v = Vec::new();
    if cfg!(any(target_arch = "x86_64", target_arch = "aarch64")) {
        v.push(Backend::Portable);
    }
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            v.push(Backend::Avx2);
        }
        if std::arch::is_x86_feature_detected!("avx512f") {
            v.push(Backend::Avx512);
        }
    }
    v
}

fn report(ran: &[Backend]) {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let skipped: Vec<_> = Backend::ALL
            .into_iter()
            .filter(|b| !ran.contains(b))
            .collect();
        eprintln!(
            "differential: backends compared with the oracle: {}; not on this CPU: {}; SIMD expected from CPU features: {}",
            crate::backend_names(ran),
            if skipped.is_empty() {
                "none".to_string()
            } else {
                crate::backend_names(&skipped)
            },
            crate::backend_names(&expected_simd()),
        );
    });
}

/// `img`'s samples as `T` in a strided buffer whose padding is [`FuzzSample::POISON`], and its
/// layout.
fn strided<T: FuzzSample>(img: &Image, pad: usize) -> (Vec<T>, Layout) {
    let (w, h, ch) = (img.width, img.height, img.channels);
    let row = w * ch;
    let values: Vec<T> = img
        .units()
        .into_iter()
        .map(|u| T::from_unit(u, img.lo, img.hi))
        .collect();
    let stride = row + pad;
    let mut data = vec![T::POISON; h * stride];
    for y in 0..h {
        data[y * stride..y * stride + row].copy_from_slice(&values[y * row..(y + 1) * row]);
    }
    let layout = Layout {
        width: w,
        height: h,
        stride,
        channels: ch,
    };
    (data, layout)
}

/// One case on every backend; `G` is the guide's sample type, when the case has a guide.
fn check<T: FuzzSample, G: FuzzSample>(case: &Case) {
    let img = &case.image;
    let (w, h, ch) = (img.width, img.height, img.channels);
    let row = w * ch;
    // A strided source whose padding must never be read.
    let (src, layout) = strided::<T>(img, img.src_pad);
    let view = ImageView::new(&src, layout).expect("a valid source layout");
    let guide_data = case.guide.as_ref().map(|g| strided::<G>(g, g.src_pad));
    let guide = guide_data
        .as_ref()
        .map(|(data, layout)| ImageView::new(data, *layout).expect("a valid guide layout"));
    let filter = |src: ImageView<'_, T>, p: &Params| match guide {
        Some(g) => bilateral::filter_guided(src, g, p),
        None => bilateral::filter(src, p),
    };
    let filter_into = |src: ImageView<'_, T>, dst: ImageViewMut<'_, T>, p: &Params| match guide {
        Some(g) => bilateral::filter_guided_into(src, g, dst, p).map(drop),
        None => bilateral::filter_into(src, dst, p),
    };
    let oracle = |src: ImageView<'_, T>, p: &Params| {
        let exact = match guide {
            Some(g) => reference_guided(src, g, p),
            None => reference(src, p),
        };
        checked_oracle(exact, case)
    };
    // Each pass is compared with the oracle on its own input: the first on the source, the
    // second on the backend's own first-pass output. The oracle rounds integers between passes
    // but not f32, and a difference of one step (or one f32 ulp) in the first pass may move
    // the second by more than the bound, so two passes are checked as two documented passes,
    // plus the documented equivalence with repeated calls. The oracle runs at most twice.
    let params = case.params();
    let single = params.clone().iterations(1);
    let exact = oracle(view, &single);
    let packed = Layout::packed(w, h, ch);

    let mut ran = Vec::new();
    for backend in Backend::available() {
        let p = params.clone().backend(backend);
        let p1 = single.clone().backend(backend);
        let first = filter(view, &p1)
            .unwrap_or_else(|e| panic!("{backend}: filter refused a valid case: {e}\n{case:#?}"));
        assert_eq!(first.len(), w * h * ch, "{backend}: output length");
        compare(backend, 1, &first, &exact, case);
        // Every weight mode gives the bits of the backend's own choice.
        for mode in WeightMode::ALL {
            let other = filter(view, &p1.clone().weight_mode(mode)).unwrap_or_else(|e| {
                panic!("{backend} {mode}: filter refused a valid case: {e}\n{case:#?}")
            });
            if let Some(i) = (0..first.len()).find(|&i| first[i].bits() != other[i].bits()) {
                panic!(
                    "{backend}: weight mode {mode} differs from the default at sample {i}: {:?} vs {:?}\n{case:#?}",
                    other[i], first[i]
                );
            }
        }
        let got = if case.iterations == 1 {
            first
        } else {
            let mid = ImageView::new(&first, packed).expect("a packed layout");
            let got = filter(view, &p).unwrap_or_else(|e| {
                panic!("{backend}: filter refused a valid case: {e}\n{case:#?}")
            });
            let again = filter(mid, &p1).unwrap_or_else(|e| {
                panic!("{backend}: filter refused its own output: {e}\n{case:#?}")
            });
            if let Some(i) = (0..got.len()).find(|&i| got[i].bits() != again[i].bits()) {
                panic!(
                    "{backend}: two passes differ from two calls at sample {i}: {:?} vs {:?}\n{case:#?}",
                    got[i], again[i]
                );
            }
            // The second pass against the oracle for the backend `auto` picks; the others'
            // second passes are their own single passes (checked equal just above), and
            // single passes are what the first-pass check covers.
            if backend == Backend::detect() {
                compare(backend, 2, &got, &oracle(mid, &single), case);
            }
            got
        };

        // The same through filter_into, strided, another tile height: the same bits, and the
        // destination's padding untouched.
        let dstride = row + img.dst_pad;
        let mut dst = vec![T::POISON; h * dstride];
        let dlayout = Layout {
            width: w,
            height: h,
            stride: dstride,
            channels: ch,
        };
        filter_into(
            view,
            ImageViewMut::new(&mut dst, dlayout).expect("a valid destination layout"),
            &p.clone().tile_height(case.other_tile_height),
        )
        .unwrap_or_else(|e| panic!("{backend}: filter_into refused a valid case: {e}\n{case:#?}"));
        for y in 0..h {
            for x in 0..dstride {
                let d = dst[y * dstride + x];
                let expected = if x < row { got[y * row + x] } else { T::POISON };
                assert!(
                    d.bits() == expected.bits(),
                    "{backend}: filter_into (tile height {}) differs from filter (tile height {}) at row {y}, sample {x} of the row (row has {row}): {d:?} vs {expected:?}\n{case:#?}",
                    case.other_tile_height,
                    case.tile_height,
                );
            }
        }
        ran.push(backend);
    }

    report(&ran);
    for b in expected_simd() {
        assert!(
            ran.contains(&b),
            "the CPU has {b} but it did not run (ran: {})",
            crate::backend_names(&ran)
        );
    }
    assert!(
        ran.iter().any(|&b| b != Backend::Scalar) || expected_simd().is_empty(),
        "no SIMD backend ran on a SIMD machine"
    );
}

/// The oracle's result, which must exist and be finite for a valid case.
fn checked_oracle(exact: Result<Reference, bilateral::Error>, case: &Case) -> Reference {
    let exact = exact.unwrap_or_else(|e| panic!("the oracle refused a valid case: {e}\n{case:#?}"));
    if let Some(i) = exact.values.iter().position(|v| !v.is_finite()) {
        panic!(
            "the oracle's result is not finite at sample {i}: {}\n{case:#?}",
            exact.values[i]
        );
    }
    exact
}

/// Panics at the first sample of pass `pass` outside the documented bound.
fn compare<T: FuzzSample>(backend: Backend, pass: u32, got: &[T], exact: &Reference, case: &Case) {
    let ch = case.image.channels;
    let w = case.image.width;
    for (i, &g) in got.iter().enumerate() {
        let e = exact.values[i];
        let g = g.to_f64();
        let (ok, detail) = if T::IS_FLOAT {
            let range = exact.window_max[i] - exact.window_min[i];
            // Half an ulp of the exact value: at most 2^-24·|exact| for normal values, and
            // 2^-150 (half the subnormal spacing) below f32::MIN_POSITIVE, where 2^-24·|exact|
            // would ask for more precision than f32 has.
            let half_ulp = (e.abs() * 2f64.powi(-24)).max(2f64.powi(-150));
            let bound = 1e-5 * range + half_ulp;
            let err = (g - e).abs();
            (
                err <= bound,
                format!("|error| {err:e} > bound {bound:e} (window range {range:e})"),
            )
        } else {
            let stored = store_as::<T>(e);
            (
                (g - stored).abs() <= 1.0,
                format!("exact {e} stores as {stored}, off by more than 1"),
            )
        };
        if !ok {
            let (x, y, c) = ((i / ch) % w, i / ch / w, i % ch);
            panic!(
                "{backend}, pass {pass}: {:?} {}x{}x{ch} r={} at x={x} y={y} channel {c}: got {g}, exact {e}: {detail}\n{case:#?}",
                case.image.ty, w, case.image.height, case.radius
            );
        }
    }
}
