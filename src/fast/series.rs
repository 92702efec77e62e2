//! The range kernel as a short cosine series, and the bounds on everything the fast mode
//! computes with it: the series' own error and the rounding of the `f32` arithmetic.
//!
//! # The series
//! With `g(t) = exp(-t²/2σ²)` (`σ² = 1/2β`) and a period `P`, Poisson's summation formula
//! gives the periodised kernel exactly as a cosine series:
//!
//! ```text
//! Σ_m g(t + mP) = A_0 + Σ_{k≥1} 2A_k·cos(kωt),   ω = 2π/P,   A_k = (σ√(2π)/P)·exp(-(kωσ)²/2)
//! ```
//!
//! `g̃`, the series cut after `K` terms, stands for `g` on `|t| ≤ L` (the image's value span),
//! and `ñ = -σ²·g̃'` for `t·g(t) = -σ²·g'(t)`:
//!
//! - `|g̃(t) - g(t)| ≤ ε_w = Σ_{k>K} 2A_k + 2·Σ_{m≥1} g(mP - L)`: the terms left out, whose
//!   cosines are at most 1, and the other periods' copies of `g`, each at least `mP - L` away.
//! - `|ñ(t) - t·g(t)| ≤ ε_n = σ²·Σ_{k>K} 2A_k·kω + 2·Σ_{m≥1} (mP - L)·g(mP - L)`: the same
//!   for the derivative, with `x·g(x)` falling for `x ≥ σ` (the period keeps `P - L ≥ σ`).
//!
//! Both tails are summed in `f64` until the terms fall faster than a geometric series of
//! ratio ½, whose sum then bounds the rest.
//!
//! # The rounding
//! [`Bounds::new`] adds what the `f32` evaluation can lose, as a bound relative to the sum of
//! the spatial weights `S` (`u = 2^-24`, `γ_n = n·u/(1 - n·u)`, taps `n = 2r + 1` per pass):
//!
//! - phases: `e_1` for `e^(iθ)` of one sample (the argument's rounding plus the polynomial's
//!   error, [`crate::fast::kernel::PHASE_MAX_ERROR`]), and for the `k`-th power, computed as
//!   the previous one times `e_1`'s, `e_k ≤ e_{k-1}(1 + e_1) + e_1 + 2γ_2(1 + e_{k-1})(1 + e_1)`;
//! - the two passes of the separable sum of `e^(ikθ)` (components at most `1 + e_k`, weights
//!   summing to `H`, `S = H²`): `v_k = e_k + √2·γ_{2n}·(1 + e_k)` after the first,
//!   `z_k = v_k + √2·γ_{2n}·(1 + v_k)` after the second, relative to `H` and `S`;
//! - the product with the centre's conjugate phase: `t_k = e_k(1 + z_k) + z_k + γ_4(1 + e_k)(1 + z_k)`
//!   per component;
//! - the sums over the terms: each addition rounds by at most `2u` of the sum's magnitude and
//!   never by more than the term added, and each coefficient's rounding to `f32` adds `u`
//!   of it.
//!
//! (`γ` counts two roundings per tap, so the bound holds with and without fused multiply-adds.)
//! The certificate in [`crate::fast`] combines these with `ε_w` and `ε_n`.
#![forbid(unsafe_code)]

use std::f64::consts::PI;

/// The unit roundoff of `f32`.
pub(crate) const U: f64 = 1.0 / (1u64 << 24) as f64;

/// `γ_n = n·u / (1 - n·u)`: the relative error bound of `n` roundings in a row.
pub(crate) fn gamma(n: usize) -> f64 {
    let nu = n as f64 * U;
    nu / (1.0 - nu)
}

/// The range kernel's series for one `σ`, value span and period, cut after `K` terms.
#[derive(Debug, Clone)]
pub(crate) struct Series {
    /// `1/P`, an `f32` exactly: the kernel computes phases in periods, `(v - v_min)/P`.
    pub inv_period: f32,
    /// `A_0`: the constant term.
    pub a0: f64,
    /// `2A_k` for `k = 1..=K`: the weights' coefficients.
    pub weight: Vec<f64>,
    /// `σ²·2A_k·kω` for `k = 1..=K`: the coefficients of `ñ`.
    pub offset: Vec<f64>,
    /// `ε_w`, the bound on `|g̃ - g|` over the span.
    pub weight_error: f64,
    /// `ε_n`, the bound on `|ñ(t) - t·g(t)|` over the span.
    pub offset_error: f64,
}

/// `Σ_{k ≥ first} term(k)`, with `ratio(k)` bounding `term(j + 1)/term(j)` for every `j ≥ k`
/// and falling with `k`: summed until the ratio is below ½ and the terms negligible, then the
/// rest bounded by a geometric series.
fn tail(first: usize, term: impl Fn(f64) -> f64, ratio: impl Fn(f64) -> f64) -> f64 {
    let mut sum = 0.0;
    let mut k = first as f64;
    loop {
        let t = term(k);
        let rho = ratio(k);
        if rho < 0.5 && (t <= 1e-18 * sum || t < 1e-300) {
            return sum + t / (1.0 - rho);
        }
        sum += t;
        k += 1.0;
    }
}

impl Series {
    /// The series of `exp(-t²/2σ²)` for values spanning `span`, with period `1/inv_period`
    /// (which must exceed `span + σ`), cut after `terms` terms.
    pub(crate) fn new(sigma: f64, span: f64, inv_period: f32, terms: usize) -> Series {
        let period = 1.0 / f64::from(inv_period);
        assert!(
            period >= span + sigma,
            "the period must leave σ beyond the span"
        );
        let omega = 2.0 * PI / period;
        let ws = omega * sigma;
        let c = sigma * (2.0 * PI).sqrt() / period;
        let a = |k: f64| c * (-(k * ws).powi(2) / 2.0).exp();
        let weight: Vec<f64> = (1..=terms).map(|k| 2.0 * a(k as f64)).collect();
        let offset: Vec<f64> = (1..=terms)
            .map(|k| sigma * sigma * 2.0 * a(k as f64) * k as f64 * omega)
            .collect();
        let ratio = |k: f64| (-(ws * ws) * (2.0 * k + 1.0) / 2.0).exp();
        let first = terms + 1;
        let trunc_weight = tail(first, |k| 2.0 * a(k), ratio);
        let trunc_offset =
            sigma * sigma * omega * tail(first, |k| 2.0 * a(k) * k, |k| (k + 1.0) / k * ratio(k));
        let g = |x: f64| (-(x * x) / (2.0 * sigma * sigma)).exp();
        // Beyond m = 64 the copies are below e^-2000 (P - L ≥ σ, P ≥ σ).
        let (mut alias_weight, mut alias_offset) = (0.0, 0.0);
        for m in 1..=64 {
            let x = m as f64 * period - span;
            alias_weight += 2.0 * g(x);
            alias_offset += 2.0 * x * g(x);
        }
        // The f64 sums themselves are good to a few ulps; a relative 1e-9 covers them.
        let margin = 1.0 + 1e-9;
        Series {
            inv_period,
            a0: c,
            weight,
            offset,
            weight_error: (trunc_weight + alias_weight) * margin,
            offset_error: (trunc_offset + alias_offset) * margin,
        }
    }

    /// Terms `K`.
    #[cfg(test)]
    pub(crate) fn terms(&self) -> usize {
        self.weight.len()
    }

    /// The series with the fewest terms, at most `max_terms`, for which `good` holds, or
    /// `None`. For each `K` the period balances the two errors: the terms left out fall as
    /// `exp(-(2πKσ/P)²/2)`, the copies as `exp(-λ²/2)` with `P = L + λσ`, equal where
    /// `λ(L + λσ) = 2πKσ`; a few periods around that one are tried.
    pub(crate) fn fewest_terms(
        sigma: f64,
        span: f64,
        max_terms: usize,
        good: impl Fn(&Series) -> bool,
    ) -> Option<Series> {
        let at = |terms: usize| {
            let k = terms as f64;
            let balance =
                (-span + (span * span + 8.0 * PI * k * sigma * sigma).sqrt()) / (2.0 * sigma);
            [0.0, -0.25, 0.25, -0.5, 0.5, 1.0]
                .into_iter()
                .map(|shift| (balance + shift).max(1.5))
                .find_map(|lambda| {
                    // Rounded down, so that the period is at least L + λσ.
                    let inv = f32_below(1.0 / (span + lambda * sigma));
                    let series = Series::new(sigma, span, inv, terms);
                    good(&series).then_some(series)
                })
        };
        // The series' errors fall with K but the rounding's grow (more terms of weight): the
        // first good K is the one wanted, found in order.
        (0..=max_terms).find_map(at)
    }
}

/// The largest `f32` at most `x` (`x > 0`, normal).
fn f32_below(x: f64) -> f32 {
    let f = x as f32;
    if f64::from(f) > x {
        f32::from_bits(f.to_bits() - 1)
    } else {
        f
    }
}

/// What the rounding of the `f32` evaluation adds to the series' errors, relative to the sum
/// of the spatial weights (see the module documentation).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    /// `|D̂ - D| ≤ weight·S`: the weights' sum.
    pub weight: f64,
    /// `|N̂ - N| ≤ offset·S`: the sum of weights times differences.
    pub offset: f64,
}

impl Bounds {
    /// The bounds for `series` over `taps` taps per pass, with phases of one sample within
    /// `phase_error` of the exact ones.
    pub(crate) fn new(series: &Series, taps: usize, phase_error: f64) -> Bounds {
        let sqrt2 = std::f64::consts::SQRT_2;
        let (g2, gn) = (gamma(4), gamma(2 * taps));
        let e1 = phase_error;
        let mut e = e1;
        let (mut weight, mut offset) = (0.0f64, 0.0f64);
        let mut worst_t = 0.0f64;
        for (k, (&w, &b)) in series.weight.iter().zip(&series.offset).enumerate() {
            if k > 0 {
                e = e * (1.0 + e1) + e1 + 2.0 * gamma(2) * (1.0 + e) * (1.0 + e1);
            }
            let v = e + sqrt2 * gn * (1.0 + e);
            let z = v + sqrt2 * gn * (1.0 + v);
            let t = e * (1.0 + z) + z + g2 * (1.0 + e) * (1.0 + z);
            worst_t = worst_t.max(t);
            weight += w * t;
            offset += b * t;
        }
        // Each term's addition to a sum rounds by at most 2u of the sum (two roundings
        // without FMA) and never by more than the term itself (the old sum is a candidate
        // result): the terms far out, below an ulp, cost nothing.
        let w_total = (series.a0 + series.weight.iter().sum::<f64>()) * (1.0 + worst_t);
        let b_total = series.offset.iter().sum::<f64>() * (1.0 + worst_t);
        let added = |c: &[f64], total: f64| {
            c.iter()
                .map(|&c| (2.0 * U * total).min(2.0 * c * (1.0 + worst_t)) + U * c)
                .sum::<f64>()
        };
        let margin = 1.0 + 1e-9;
        Bounds {
            weight: (weight + added(&series.weight, w_total) + 2.0 * U * series.a0) * margin,
            offset: (offset + added(&series.offset, b_total)) * margin,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The series' errors on a fine grid of the span, against the stated bounds.
    fn measured(s: &Series, sigma: f64, span: f64) -> (f64, f64) {
        let omega = 2.0 * PI * f64::from(s.inv_period);
        let (mut ew, mut en) = (0.0f64, 0.0f64);
        let steps = 20_000;
        for i in 0..=steps {
            let t = -span + 2.0 * span * i as f64 / steps as f64;
            let g = (-(t * t) / (2.0 * sigma * sigma)).exp();
            let mut gt = s.a0;
            let mut nt = 0.0;
            for (k, (&w, &b)) in s.weight.iter().zip(&s.offset).enumerate() {
                let kt = (k + 1) as f64 * omega * t;
                gt += w * kt.cos();
                nt += b * kt.sin();
            }
            ew = ew.max((gt - g).abs());
            en = en.max((nt - t * g).abs());
        }
        (ew, en)
    }

    #[test]
    fn series_errors_are_within_their_bounds_and_not_far_above_them() {
        for (sigma, span) in [
            (25.0, 255.0),
            (5.0, 255.0),
            (50.0, 255.0),
            (6425.0, 65535.0),
            (0.1, 1.0),
            (3.0, 0.0),
        ] {
            for terms in [1, 3, 8, 15, 40] {
                let inv = f32_below(1.0 / (span + 3.0 * sigma));
                let s = Series::new(sigma, span, inv, terms);
                let (ew, en) = measured(&s, sigma, span);
                assert!(
                    ew <= s.weight_error,
                    "σ {sigma} K {terms}: {ew:e} > {:e}",
                    s.weight_error
                );
                assert!(
                    en <= s.offset_error,
                    "σ {sigma} K {terms}: {en:e} > {:e}",
                    s.offset_error
                );
                // The bounds are the worst case of the cosines all lining up: within a few
                // times what the grid finds where the error is above the f64 noise.
                if ew > 1e-12 {
                    assert!(
                        s.weight_error < 4.0 * ew + 1e-12,
                        "σ {sigma} K {terms}: {ew:e} vs {:e}",
                        s.weight_error
                    );
                }
            }
        }
    }

    #[test]
    fn the_fewest_terms_meet_the_goal_and_one_fewer_does_not() {
        let goal = |s: &Series| s.weight_error < 1e-5 && s.offset_error < 1e-5 * 25.0;
        let s = Series::fewest_terms(25.0, 255.0, 200, goal).unwrap();
        assert!(goal(&s));
        assert!((8..=16).contains(&s.terms()), "{} terms", s.terms());
        let fewer = Series::fewest_terms(25.0, 255.0, s.terms() - 1, goal);
        assert!(fewer.is_none());
        assert!(Series::fewest_terms(25.0, 255.0, 3, goal).is_none());
    }

    #[test]
    fn rounding_bounds_grow_with_taps_and_terms() {
        let s = Series::new(25.0, 255.0, f32_below(1.0 / 360.0), 10);
        let small = Bounds::new(&s, 13, 1e-6);
        let large = Bounds::new(&s, 97, 1e-6);
        assert!(small.weight < large.weight && small.offset < large.offset);
        // About 2·√2·γ over the terms' weights (which sum to about 1).
        assert!(
            small.weight > 2.0 * gamma(26) && small.weight < 1e-4,
            "{:e}",
            small.weight
        );
    }
}
