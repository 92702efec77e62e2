//! The `fast` target: the fast mode (`Params::tolerance`, forced with `always_fast`) on a small
//! image with random parameters; on every backend the CPU has, every sample must be within
//! the tolerance of the `f64` oracle: `store_as(exact - τ) ≤ got ≤ store_as(exact + τ)` for
//! integers, `|got - exact| ≤ τ + 2^-24·|exact|` for `f32` (the result's own rounding). A
//! call that declines the fast mode must say why, with a reason the case allows.

use arbitrary::{Arbitrary, Result, Unstructured};
use bilateral::oracle::{reference, within_tolerance};
use bilateral::{
    Backend, Border, ColorDistance, ExactBecause, ImageView, ImageViewMut, Layout, Method, Params,
    Sample,
};

use crate::Rng;
use crate::model::SampleType;

/// One case.
#[derive(Debug, Clone)]
pub struct Case {
    /// Sample type.
    pub ty: SampleType,
    /// Width and height, `1..=40`.
    pub width: usize,
    /// See `width`.
    pub height: usize,
    /// Channels, `1..=4`, filtered per channel.
    pub channels: usize,
    /// Radius, `1..=8`.
    pub radius: usize,
    /// Spatial sigma, 0.5 to 8 pixels.
    pub sigma_space: f64,
    /// Range sigma in levels of 255, 2 to 80; scaled to the sample type.
    pub sigma_range: f64,
    /// Tolerance in levels of 255: 0.05, 0.5 or 3; scaled to the sample type.
    pub tolerance: f64,
    /// Border.
    pub border: Border,
    /// Whether alpha is filtered.
    pub filter_alpha: bool,
    /// 0 noise, 1 impulses on a flat field, 2 two levels, 3 a ramp.
    pub style: u8,
    /// Seed of the samples.
    pub seed: u64,
}

impl<'a> Arbitrary<'a> for Case {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(Case {
            ty: *u.choose(&[SampleType::U8, SampleType::U16, SampleType::F32])?,
            width: u.int_in_range(1..=40)?,
            height: u.int_in_range(1..=40)?,
            channels: u.int_in_range(1..=4)?,
            radius: u.int_in_range(1..=8)?,
            sigma_space: f64::from(u.int_in_range(5..=80)?) / 10.0,
            sigma_range: f64::from(u.int_in_range(2..=80)?),
            tolerance: *u.choose(&[0.05, 0.5, 3.0])?,
            border: *u.choose(&[
                Border::Reflect101,
                Border::Replicate,
                Border::Reflect,
                Border::Constant(0.0),
                Border::Constant(1.0),
            ])?,
            filter_alpha: u.arbitrary()?,
            style: u.int_in_range(0..=3)?,
            seed: u.arbitrary()?,
        })
    }
}

/// A value in `0..=1` for sample `i` of the case's style.
fn unit(case: &Case, i: usize, rng: &mut Rng) -> f64 {
    let x = (i / case.channels) % case.width;
    match case.style {
        0 => rng.unit(),
        1 if rng.unit() < 0.05 => rng.unit().round(),
        1 => 0.4 + 0.01 * rng.unit(),
        2 => {
            if rng.unit() < 0.5 {
                0.2
            } else {
                0.8
            }
        }
        _ => x as f64 / case.width as f64,
    }
}

fn check<T: Sample>(case: &Case, scale: f64, to: fn(f64) -> T) {
    let n = case.width * case.height * case.channels;
    let mut rng = Rng::new(case.seed);
    let img: Vec<T> = (0..n).map(|i| to(unit(case, i, &mut rng))).collect();
    let layout = Layout::packed(case.width, case.height, case.channels);
    let border = match case.border {
        Border::Constant(v) => Border::Constant((f64::from(v) * 255.0 * scale) as f32),
        b => b,
    };
    let tau = case.tolerance * scale;
    let params = Params::new()
        .radius(case.radius)
        .sigma_space(case.sigma_space)
        .sigma_range(case.sigma_range * scale)
        .distance(ColorDistance::PerChannel)
        .border(border)
        .filter_alpha(case.filter_alpha);
    let src = ImageView::new(&img, layout).expect("packed");
    let exact = reference(src, &params).expect("valid");
    for backend in Backend::available() {
        let p = params
            .clone()
            .backend(backend)
            .tolerance(tau)
            .always_fast(true);
        let mut out = vec![T::ZERO; n];
        let dst = ImageViewMut::new(&mut out, layout).expect("packed");
        let report = bilateral::filter_into_with_report(src, dst, &p).expect("valid");
        match report.passes[0] {
            Method::Fast { .. } => {}
            Method::Exact(ExactBecause::ToleranceTooSmall) => continue,
            other => panic!("{backend}: the fast mode applies, yet {other:?}"),
        }
        for (i, g) in out.iter().enumerate() {
            let (g, e) = (g.to_f64(), exact.values[i]);
            let ok = within_tolerance::<T>(g, e, tau);
            assert!(
                ok,
                "{backend} {case:?}: sample {i} is {g}, exact {e}, τ {tau}"
            );
        }
    }
}

/// Runs one case: the target's body.
pub fn run(case: &Case) {
    match case.ty {
        SampleType::U8 => check::<u8>(case, 1.0, |u| (u * 255.0).round() as u8),
        SampleType::U16 => check::<u16>(case, 257.0, |u| (u * 65535.0).round() as u16),
        SampleType::F32 => check::<f32>(case, 1.0 / 255.0, |u| u as f32),
    }
}

/// Decodes `data` as libfuzzer-sys does and runs it; inputs too short to decode are skipped.
pub fn run_bytes(data: &[u8]) {
    crate::run_decoded(data, run);
}
