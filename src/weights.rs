//! The weights' exponential: the `2^x` approximation every weight is computed with.
//!
//! # The exponential
//! Every weight is `exp(-α·|o|² - β·D²) = 2^x` with `x = s_o + b·D²`, where
//! `s_o = -α·|o|²·log2(e)` is computed once per tap and `b = -β·log2(e)` once per call, so a tap
//! costs one `2^x` of one merged argument. `x ≤ 0` always.
//!
//! `2^x` is computed as follows, with `B` = [`Lanes::TABLE_BITS`] of the backend: 5 where one
//! permute reads a 32-entry table from two registers (AVX-512) or where a load does (scalar),
//! 3 where one permute reads 8 (AVX2), 0 where there is no permute (portable).
//! 1. Range reduction: `t = round(x·2^B)/2^B`, `r = x - t ∈ [-2^-(B+1), 2^-(B+1)]`, both
//!    exact, with the `1.5·2^(23-B)` trick: `e = x + 1.5·2^(23-B)` rounds, and leaves
//!    `i = t·2^B` in the low mantissa bits of `e`; `t = e - 1.5·2^(23-B)`. Exact for
//!    `|x| < 2^(22-B)` (lanes beyond are dropped in step 4 anyway).
//! 2. `2^t = 2^floor(t)·2^(j/2^B)` with `j = i mod 2^B`, the low bits of `e`: the second
//!    factor `T_j` is read from [`EXP2_TABLE`] (rounded to nearest, within `2^-24` relative).
//! 3. `2^r ≈ p(r) = 1 + r·q(r)`, a polynomial fitted to minimise the maximum relative error
//!    of `2^r` on `r`'s interval with `p(0) = 1` exactly, so that equal samples at offset 0
//!    weigh exactly 1: degree 5 for `B = 0`, 3 for `B = 3`, 2 for `B = 5` (coefficients of
//!    `q` in [`exp2_poly`]; their own errors 9.2e-8, 2.6e-8 and 5.4e-8). `T_j·p(r)` is
//!    evaluated as `T_j + (T_j·r)·q(r)`.
//! 4. The product is scaled by `2^floor(t)`, exact while the result is normal: AVX-512 with
//!    `vscalefps`, the others by adding `floor(t)` to the exponent bits. Lanes with
//!    `x < -125` are set to `+0.0`: their true weight is below `2^-125`, negligible against
//!    the centre tap's weight 1, and dropping them keeps every weight normal (no subnormal
//!    arithmetic, no garbage from the exponent trick). NaN and `-∞` also give 0.
//!
//! **Domain** `x ∈ [-125, 0]`; **maximum relative error** [`EXP2_MAX_REL_ERROR`] = 2.5e-7 on
//! every backend: the polynomial's error, the table's rounding and the `f32` rounding of the
//! evaluation (with or without FMA). Because reduction and scaling are exact, the error at `x`
//! depends only on `j` and `r`, and every pair `(j, r)` the domain can produce is produced by
//! some `x ∈ [-1.5, 0]` (`[-1, 0]` holds them all for `B > 0`; without a table, `r = 1/2` first
//! comes at `x = -1.5`, as ties round to even); the test
//! `exp2_bound_holds_on_every_f32_from_minus_one_and_a_half_to_zero` (in [`crate::backend`])
//! checks every `f32` there on every backend the CPU has, which covers the whole domain.

use crate::lanes::{Lanes, each};

/// Arguments below this give a weight of exactly 0.
pub(crate) const EXP2_MIN: f32 = -125.0;

/// The maximum relative error of the `2^x` approximation on `[-125, 0]`, all backends.
pub const EXP2_MAX_REL_ERROR: f64 = 2.5e-7;

/// `2^(j/32)` for `j` in `0..32`, each the nearest `f32`. A table of `2^B` entries is every
/// `2^(5-B)`-th of these.
pub(crate) const EXP2_TABLE: [f32; 32] = [
    f32::from_bits(0x3f800000),
    f32::from_bits(0x3f82cd87),
    f32::from_bits(0x3f85aac3),
    f32::from_bits(0x3f88980f),
    f32::from_bits(0x3f8b95c2),
    f32::from_bits(0x3f8ea43a),
    f32::from_bits(0x3f91c3d3),
    f32::from_bits(0x3f94f4f0),
    f32::from_bits(0x3f9837f0),
    f32::from_bits(0x3f9b8d3a),
    f32::from_bits(0x3f9ef532),
    f32::from_bits(0x3fa27043),
    f32::from_bits(0x3fa5fed7),
    f32::from_bits(0x3fa9a15b),
    f32::from_bits(0x3fad583f),
    f32::from_bits(0x3fb123f6),
    f32::from_bits(0x3fb504f3),
    f32::from_bits(0x3fb8fbaf),
    f32::from_bits(0x3fbd08a4),
    f32::from_bits(0x3fc12c4d),
    f32::from_bits(0x3fc5672a),
    f32::from_bits(0x3fc9b9be),
    f32::from_bits(0x3fce248c),
    f32::from_bits(0x3fd2a81e),
    f32::from_bits(0x3fd744fd),
    f32::from_bits(0x3fdbfbb8),
    f32::from_bits(0x3fe0ccdf),
    f32::from_bits(0x3fe5b907),
    f32::from_bits(0x3feac0c7),
    f32::from_bits(0x3fefe4ba),
    f32::from_bits(0x3ff5257d),
    f32::from_bits(0x3ffa83b3),
];

/// `c1, c2, …` of `q(r) = c1 + c2·r + …`, with `1 + r·q(r) ≈ 2^r` for
/// `|r| ≤ 2^-(table_bits+1)` (see the module documentation).
pub(crate) const fn exp2_poly(table_bits: u32) -> &'static [f32] {
    const DEGREE_5: [f32; 5] = [
        f32::from_bits(0x3f31_7215),
        f32::from_bits(0x3e75_fcde),
        f32::from_bits(0x3d63_5ba9),
        f32::from_bits(0x3c1e_7544),
        f32::from_bits(0x3aad_dd0b),
    ];
    const DEGREE_3: [f32; 3] = [
        f32::from_bits(0x3f31_7219),
        f32::from_bits(0x3e76_0619),
        f32::from_bits(0x3d63_5002),
    ];
    const DEGREE_2: [f32; 2] = [f32::from_bits(0x3f31_72c2), f32::from_bits(0x3e75_fdef)];
    match table_bits {
        0 => &DEGREE_5,
        3 => &DEGREE_3,
        5 => &DEGREE_2,
        _ => panic!("no polynomial fitted for this table size"),
    }
}

/// `2^x` for `x ≤ 0` in each of `U` vectors, as described in the module documentation.
/// Computed step by step across the vectors: their `U` dependency chains then sit side by
/// side in the instruction stream, so that a core whose scheduler holds few waiting operations
/// (Zen 2's) still finds independent work at every step. Each vector's operations are the same
/// whatever `U`, so are its bits.
///
/// # Safety
/// `V`'s CPU features must be available.
#[inline(always)]
pub(crate) unsafe fn exp2<V: Lanes, const U: usize>(x: [V; U]) -> [V; U] {
    let magic = 1.5 * (1u32 << (23 - V::TABLE_BITS)) as f32;
    let poly = const { exp2_poly(V::TABLE_BITS) };
    // SAFETY: forwarded from this function's contract.
    unsafe {
        let e = each!(U, |u| x[u].add(V::splat(magic)));
        let t = each!(U, |u| e[u].sub(V::splat(magic)));
        let r: [V; U] = each!(U, |u| x[u].sub(t[u]));
        let (&last, rest) = poly.split_last().expect("a polynomial has coefficients");
        let mut q = [V::splat(last); U];
        for &c in rest.iter().rev() {
            for u in 0..U {
                q[u] = q[u].mul_add(r[u], V::splat(c));
            }
        }
        let (table, table_r): ([V; U], [V; U]) = if V::TABLE_BITS == 0 {
            ([V::splat(1.0); U], r)
        } else {
            let table = each!(U, |u| V::exp2_table(e[u]));
            (table, each!(U, |u| table[u].mul(r[u])))
        };
        each!(U, |u| {
            table_r[u]
                .mul_add(q[u], table[u])
                .scale_exp2(t[u], e[u], x[u], V::splat(EXP2_MIN))
        })
    }
}

/// `s_o = -α·|o|²·log2(e)` in `f32` for a tap with `|o|² = d2`, or `None` where it is below
/// [`EXP2_MIN`]: the tap weighs 0 whatever the samples. Every filter path takes its spatial
/// terms from here, so that they agree to the bit.
pub(crate) fn log2_spatial(alpha: f64, d2: isize) -> Option<f32> {
    let s = (-alpha * d2 as f64 * std::f64::consts::LOG2_E) as f32;
    (s >= EXP2_MIN).then_some(s)
}

/// `-β·log2(e)` in `f32`, kept finite so that a zero difference never meets an infinity.
pub(crate) fn neg_log2_beta(beta: f64) -> f32 {
    (-beta * std::f64::consts::LOG2_E).max(-f64::from(f32::MAX)) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_beta_stays_finite() {
        assert_eq!(neg_log2_beta(f64::MAX), -f32::MAX);
        assert_eq!(neg_log2_beta(0.0), 0.0);
    }
}
