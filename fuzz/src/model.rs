//! What the `differential` and `params` targets both model: the sample type of a case, the two
//! ways each of the spatial and range parameters can be set, the taps of a window, and a
//! sample's bits. Each target draws these values from its input in its own way (see their
//! `Arbitrary` impls); only the types and their meaning are shared.

use bilateral::{Sample, Window};

/// The sample type of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleType {
    /// `u8`.
    U8,
    /// `u16`.
    U16,
    /// `f32`.
    F32,
}

/// The spatial parameter.
#[derive(Debug, Clone, Copy)]
pub enum Spatial {
    /// `Params::sigma_space`.
    Sigma(f64),
    /// `Params::alpha`.
    Alpha(f64),
}

/// The range parameter.
#[derive(Debug, Clone, Copy)]
pub enum Range {
    /// Not set: a tenth of full scale.
    Default,
    /// `Params::sigma_range`.
    Sigma(f64),
    /// `Params::beta`.
    Beta(f64),
}

/// Taps in a window of this radius and shape, the centre included.
pub fn taps(radius: usize, window: Window) -> usize {
    let r = radius as isize;
    (-r..=r)
        .flat_map(|dy| (-r..=r).map(move |dx| dx * dx + dy * dy))
        .filter(|&d2| window == Window::Square || d2 <= r * r)
        .count()
}

/// A sample's bits, to compare samples exactly (NaN included).
pub trait Bits: Sample {
    /// The bits, zero-extended.
    fn bits(self) -> u32;
}

impl Bits for u8 {
    fn bits(self) -> u32 {
        u32::from(self)
    }
}

impl Bits for u16 {
    fn bits(self) -> u32 {
        u32::from(self)
    }
}

impl Bits for f32 {
    fn bits(self) -> u32 {
        self.to_bits()
    }
}
