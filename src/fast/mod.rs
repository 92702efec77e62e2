//! The fast mode: the bilateral filter through a cosine series of its range kernel, with a
//! certificate per pixel and the exact filter wherever the certificate cannot vouch for the
//! tolerance.
//!
//! # The method
//! Write the filter as the centre plus a weighted mean difference, with `t = I(q) - I(p)` and
//! spatial weights `s(q)`:
//!
//! ```text
//! out(p) = I(p) + N/D,   D = Σ_q s(q)·g(t),   N = Σ_q s(q)·g(t)·t,   g(t) = exp(-β t²)
//! ```
//!
//! The range kernel `g` is replaced on the image's value span `|t| ≤ L` by its periodised
//! cosine series cut after `K` terms, `g̃(t) = A_0 + Σ_k 2A_k cos(kωt)`, and `t·g(t)` by
//! `ñ = -σ²·g̃'` (see [`series`]: both with proven uniform errors `ε_w`, `ε_n`). A cosine of a
//! difference splits into products of the two samples' phases `z(q) = e^(iω(I(q) - v_min))`:
//! `cos(kω(I(q) - I(p))) = Re(conj(z(p)^k)·z(q)^k)`, and the sine likewise with `Im`. So
//!
//! ```text
//! D̃ = A_0·S + Σ_k 2A_k·Re(conj(z(p)^k)·Z_k(p)),   Ñ = Σ_k σ²·2A_k·kω·Im(conj(z(p)^k)·Z_k(p))
//! Z_k = Σ_q s(q)·z(q)^k
//! ```
//!
//! where each `Z_k` is a plain Gaussian sum of one complex image, separable on the square
//! window: `2·(2r + 1)` multiply-adds per pixel and per component. The cost per pixel is
//! `O(K·r)`, against the exact filter's `O(r²)`, with `K` set by `σr`, the span and the
//! tolerance, not by `r` (about 10 for 8-bit images at `σr = 25`).
//!
//! # The certificate
//! With `|D̂ - D| ≤ S·ε₁` and `|N̂ - N| ≤ S·ε₂` (`ε₁ = ε_w` plus the rounding bound of
//! [`series::Bounds`], `ε₂` likewise) and `q = N̂/D̂`:
//!
//! ```text
//! |q - N/D| = |(N̂ - N)/D + q·(D̂ - D)/D| ≤ S·(ε₂ + |q|·ε₁) / (D̂ - S·ε₁)
//! ```
//!
//! since `D ≥ D̂ - S·ε₁`. Each pixel computes this from its own `D̂` and `q` alongside the
//! result (with the rounding of `q` itself and of the check), and a pixel whose bound passes
//! the tolerance, or whose `D̂ ≤ S·ε₁`, is filtered exactly over its window instead. The
//! spatial weights' rounding to `f32` moves the result by at most `2.01·2^-24·L`, taken off
//! the tolerance first. So every pixel is within the tolerance of the exact definition
//! (before the result's rounding to the sample type), by construction: the pixels the series
//! computes by the certificate, the others by the exact filter's own accuracy, which a
//! tolerance must exceed for the fast mode to run.
//!
//! # What drives the share of pixels computed exactly
//! The bound divides by `D/S`, the share of the window's spatial weight that the range kernel
//! keeps: about 1 in flat regions, ½ beside a straight edge, and small only where few
//! neighbours are within a few `σr` of the centre: isolated impulses, thin lines and
//! high-contrast texture. `K` is chosen for the tolerance to hold down to `D/S = 1/16`
//! ([`DESIGN_WEIGHT_SHARE`](pass::DESIGN_WEIGHT_SHARE)); pixels below that are usually recomputed. Small `σr` against
//! the span needs more terms, `K ∝ L/σr`; a tolerance near the rounding floor (the `f32` sums
//! of `2r + 1` terms, whose bound grows with `r`, matter most for `u16` and large `σr`)
//! rejects more pixels.
//!
//! # Scope
//! Square windows; one channel or [`ColorDistance::PerChannel`], each channel filtered as a
//! gray image; every border (the halo is filled by the border rule, so every window is
//! whole); `u8`, `u16`, `f32`. Anything else, or a call where the cost model finds the exact
//! filter faster, runs the exact filter and says why ([`ExactBecause`]).
//!
//! Scratch is per tile (a few planes of the tile and its halo), never per image or per term.
//! The fast pass itself is in `pass` (safe code); the arithmetic of a tile, compiled per
//! backend, in [`kernel`]; the series and the bounds in [`series`].

pub(crate) mod kernel;
mod pass;
mod series;

pub(crate) use pass::{FastPass, Ran};
