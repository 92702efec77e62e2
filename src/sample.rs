//! The sample types the filter reads and writes: `u8`, `u16` and `f32`.
#![forbid(unsafe_code)]

/// Floating-point samples must lie within ±2^60 (about 1.15e18): then no difference, square or
/// sum of squares of four channels overflows `f32`, and every weight is well defined.
pub const MAX_SAMPLE_MAGNITUDE: f32 = (1u64 << 60) as f32;

mod sealed {
    pub trait Sealed {}
    impl Sealed for u8 {}
    impl Sealed for u16 {}
    impl Sealed for f32 {}
}

/// A sample type: `u8`, `u16` or `f32`. Sealed.
pub trait Sample:
    sealed::Sealed + Copy + Send + Sync + PartialEq + std::fmt::Debug + 'static
{
    /// The full-scale value: 255, 65535, or 1.0 for `f32`. Only the default range sigma uses it.
    const FULL_SCALE: f32;
    /// Whether values need checking (NaN, infinities and huge magnitudes).
    const IS_FLOAT: bool;
    /// The type's name: `u8`, `u16` or `f32`.
    const NAME: &'static str;
    /// The sample as `f32`, exactly.
    fn to_f32(self) -> f32;
    /// Zero.
    const ZERO: Self;
    /// `self + q` stored as this type: integers round half up and clamp to their range. The
    /// filter computes its result as the centre sample plus a weighted mean difference `q`;
    /// adding an integer centre after rounding `q` keeps `u16` results exact, where rounding
    /// `c + q` in `f32` would lose `q`'s low bits above 32768.
    fn offset_by(self, q: f32) -> Self;
    /// The sample as `f64`, exactly.
    fn to_f64(self) -> f64 {
        f64::from(self.to_f32())
    }
}

impl Sample for u8 {
    const NAME: &'static str = "u8";
    const FULL_SCALE: f32 = 255.0;
    const IS_FLOAT: bool = false;
    #[inline(always)]
    fn to_f32(self) -> f32 {
        f32::from(self)
    }
    const ZERO: Self = 0;
    #[inline(always)]
    fn offset_by(self, q: f32) -> Self {
        (i32::from(self) + floor(q + 0.5)).clamp(0, 255) as u8
    }
}

impl Sample for u16 {
    const NAME: &'static str = "u16";
    const FULL_SCALE: f32 = 65535.0;
    const IS_FLOAT: bool = false;
    #[inline(always)]
    fn to_f32(self) -> f32 {
        f32::from(self)
    }
    const ZERO: Self = 0;
    #[inline(always)]
    fn offset_by(self, q: f32) -> Self {
        (i32::from(self) + floor(q + 0.5)).clamp(0, 65535) as u16
    }
}

impl Sample for f32 {
    const NAME: &'static str = "f32";
    const FULL_SCALE: f32 = 1.0;
    const IS_FLOAT: bool = true;
    #[inline(always)]
    fn to_f32(self) -> f32 {
        self
    }
    const ZERO: Self = 0.0;
    #[inline(always)]
    fn offset_by(self, q: f32) -> Self {
        self + q
    }
}

/// `⌊v⌋`, with `v` first clamped to `±2^20` (beyond any integer sample's range, so the clamped
/// result of `c + ⌊v⌋` is unchanged; a constant border far outside the type's range can make
/// `v` that large). Not `f32::floor`, a library call in a default x86-64 build (SSE2 has no
/// rounding instruction), nor `as i32`, whose saturating conversion is scalar there: adding
/// `1.5·2^23` rounds to the nearest integer and leaves it in the low mantissa bits, and one
/// comparison turns nearest into floor, all of which vectorises.
#[inline(always)]
fn floor(v: f32) -> i32 {
    const LIMIT: f32 = (1 << 20) as f32;
    const MAGIC: f32 = 12_582_912.0;
    let v = v.clamp(-LIMIT, LIMIT);
    let shifted = v + MAGIC;
    let nearest = shifted - MAGIC;
    (shifted.to_bits() as i32 - MAGIC.to_bits() as i32) - i32::from(nearest > v)
}

/// Whether a floating-point sample is one the filter accepts.
#[inline(always)]
pub(crate) fn is_valid_value(v: f32) -> bool {
    v.abs() <= MAX_SAMPLE_MAGNITUDE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_offsets_round_half_up_and_saturate() {
        assert_eq!(3u8.offset_by(-7.0), 0);
        assert_eq!(0u8.offset_by(0.49), 0);
        assert_eq!(0u8.offset_by(0.5), 1);
        assert_eq!(10u8.offset_by(-0.5), 10);
        assert_eq!(10u8.offset_by(-0.51), 9);
        assert_eq!(254u8.offset_by(0.5), 255);
        assert_eq!(200u8.offset_by(100.0), 255);
        assert_eq!(65534u16.offset_by(0.6), 65535);
        assert_eq!(60000u16.offset_by(1e9), 65535);
        assert_eq!(200u8.offset_by(1e18), 255);
        assert_eq!(200u16.offset_by(-1e18), 0);
        // c + q rounded in f32 would give 65000.5 -> 65001 only by luck of the ulp (1/256).
        assert_eq!(65000u16.offset_by(0.499), 65000);
        assert_eq!(1.5f32.offset_by(0.25), 1.75);
    }

    #[test]
    fn floor_matches_std() {
        for v in [
            -2.5f32, -2.0, -1.5, -0.5, -0.0, 0.0, 0.49, 0.5, 1.0, 1.5, 65535.4, -65535.6,
        ] {
            assert_eq!(floor(v), v.floor() as i32, "{v}");
        }
        // Every 97th f32 of either sign up to the clamp, and beyond it.
        for bits in (0..=((1u32 << 20) as f32).to_bits()).step_by(97) {
            for v in [f32::from_bits(bits), -f32::from_bits(bits)] {
                assert_eq!(floor(v), v.floor() as i32, "{v}");
            }
        }
        assert_eq!(floor(1e30), 1 << 20);
        assert_eq!(floor(-1e30), -(1 << 20));
    }

    #[test]
    fn validity_rejects_nan_inf_and_huge() {
        assert!(is_valid_value(0.0));
        assert!(is_valid_value(-MAX_SAMPLE_MAGNITUDE));
        assert!(!is_valid_value(f32::NAN));
        assert!(!is_valid_value(f32::INFINITY));
        assert!(!is_valid_value(MAX_SAMPLE_MAGNITUDE * 2.0));
    }
}
