//! Decoded images as the filter sees them: packed, interleaved samples of one type.

use std::fmt;

use bilateral::{Flow, ImageView, ImageViewMut, Layout, Params, Progress, Sample};

/// The sample types the filter reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum SampleType {
    /// 8-bit unsigned, full scale 255.
    U8,
    /// 16-bit unsigned, full scale 65535.
    U16,
    /// 32-bit float, full scale 1.0.
    F32,
}

impl SampleType {
    /// The name used on the command line and in messages.
    pub fn name(self) -> &'static str {
        match self {
            SampleType::U8 => "u8",
            SampleType::U16 => "u16",
            SampleType::F32 => "f32",
        }
    }
}

impl fmt::Display for SampleType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Interleaved samples, row-major, `width * height * channels` of them.
#[derive(Debug, Clone, PartialEq)]
pub enum Samples {
    /// 8-bit samples.
    U8(Vec<u8>),
    /// 16-bit samples.
    U16(Vec<u16>),
    /// Float samples.
    F32(Vec<f32>),
}

/// What a guide image is for: the joint filter, told to an observer, or upsampling.
#[derive(Clone, Copy)]
enum Guided<'a> {
    Filter(&'a dyn Progress),
    Upsample,
}

/// A packed image of 1 to 4 channels; with 2 or 4 the last one is alpha.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    /// Pixels per row.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// Samples per pixel, 1 to 4.
    pub channels: usize,
    /// The samples, exactly `width * height * channels`.
    pub samples: Samples,
}

impl Image {
    /// The sample type.
    pub fn sample_type(&self) -> SampleType {
        match self.samples {
            Samples::U8(_) => SampleType::U8,
            Samples::U16(_) => SampleType::U16,
            Samples::F32(_) => SampleType::F32,
        }
    }

    /// Fails unless the fields agree: 1 to 4 channels, a non-empty image, and exactly
    /// `width * height * channels` samples.
    pub fn check(&self) -> anyhow::Result<()> {
        let len = match &self.samples {
            Samples::U8(v) => v.len(),
            Samples::U16(v) => v.len(),
            Samples::F32(v) => v.len(),
        };
        let needed = self
            .width
            .checked_mul(self.height)
            .and_then(|n| n.checked_mul(self.channels));
        anyhow::ensure!(
            (1..=4).contains(&self.channels) && self.width > 0 && self.height > 0,
            "{}x{} with {} channels is not an image the filter takes",
            self.width,
            self.height,
            self.channels
        );
        anyhow::ensure!(
            needed == Some(len),
            "{} samples do not make a {}x{}x{} image",
            len,
            self.width,
            self.height,
            self.channels
        );
        Ok(())
    }

    /// The geometry as the library wants it.
    pub fn layout(&self) -> Layout {
        Layout::packed(self.width, self.height, self.channels)
    }

    /// Runs the library's filter in this image's own sample type.
    pub fn filter(&self, params: &Params) -> Result<Image, bilateral::Error> {
        self.filter_with_progress(params, &|_, _| Flow::Continue)
    }

    /// [`Image::filter`], telling `observer` the rows done (see [`Progress`]).
    pub fn filter_with_progress(
        &self,
        params: &Params,
        observer: &dyn Progress,
    ) -> Result<Image, bilateral::Error> {
        fn run<T: Sample>(
            v: &[T],
            layout: Layout,
            p: &Params,
            observer: &dyn Progress,
        ) -> Result<Vec<T>, bilateral::Error> {
            let mut out = vec![T::ZERO; v.len()];
            bilateral::filter_into_with_progress(
                ImageView::new(v, layout)?,
                ImageViewMut::new(&mut out, layout)?,
                p,
                observer,
            )?;
            Ok(out)
        }
        let layout = self.layout();
        let samples = match &self.samples {
            Samples::U8(v) => Samples::U8(run(v, layout, params, observer)?),
            Samples::U16(v) => Samples::U16(run(v, layout, params, observer)?),
            Samples::F32(v) => Samples::F32(run(v, layout, params, observer)?),
        };
        Ok(Image { samples, ..*self })
    }

    /// Runs the library's joint filter in this image's own sample type, with the range
    /// weights from `guide` in its own.
    pub fn filter_guided(&self, guide: &Image, params: &Params) -> Result<Image, bilateral::Error> {
        self.filter_guided_with_progress(guide, params, &|_, _| Flow::Continue)
    }

    /// [`Image::filter_guided`], telling `observer` the rows done (see [`Progress`]).
    pub fn filter_guided_with_progress(
        &self,
        guide: &Image,
        params: &Params,
        observer: &dyn Progress,
    ) -> Result<Image, bilateral::Error> {
        self.guided(guide, params, Guided::Filter(observer))
    }

    /// Runs the library's joint bilateral upsampling of this image under `guide`, an integer
    /// multiple of its size: the result has the guide's width and height and this image's
    /// type and channels.
    pub fn upsample(&self, guide: &Image, params: &Params) -> Result<Image, bilateral::Error> {
        self.guided(guide, params, Guided::Upsample)
    }

    fn guided(
        &self,
        guide: &Image,
        params: &Params,
        op: Guided,
    ) -> Result<Image, bilateral::Error> {
        fn run<T: Sample, G: Sample>(
            (v, layout): (&[T], Layout),
            (g, guide): (&[G], Layout),
            p: &Params,
            op: Guided,
        ) -> Result<Vec<T>, bilateral::Error> {
            let (v, g) = (ImageView::new(v, layout)?, ImageView::new(g, guide)?);
            match op {
                Guided::Filter(observer) => {
                    let mut out = vec![T::ZERO; layout.width * layout.height * layout.channels];
                    let dst = ImageViewMut::new(&mut out, layout)?;
                    bilateral::filter_guided_into_with_progress(v, g, dst, p, observer)?;
                    Ok(out)
                }
                Guided::Upsample => bilateral::upsample(v, g, p),
            }
        }
        fn with_guide<T: Sample>(
            image: (&[T], Layout),
            guide: &Image,
            p: &Params,
            op: Guided,
        ) -> Result<Vec<T>, bilateral::Error> {
            let layout = guide.layout();
            match &guide.samples {
                Samples::U8(g) => run(image, (g, layout), p, op),
                Samples::U16(g) => run(image, (g, layout), p, op),
                Samples::F32(g) => run(image, (g, layout), p, op),
            }
        }
        let layout = self.layout();
        let samples = match &self.samples {
            Samples::U8(v) => Samples::U8(with_guide((v, layout), guide, params, op)?),
            Samples::U16(v) => Samples::U16(with_guide((v, layout), guide, params, op)?),
            Samples::F32(v) => Samples::F32(with_guide((v, layout), guide, params, op)?),
        };
        let (width, height) = match op {
            Guided::Filter(_) => (self.width, self.height),
            Guided::Upsample => (guide.width, guide.height),
        };
        Ok(Image {
            width,
            height,
            samples,
            ..*self
        })
    }

    /// The same picture in another sample type: see [`Samples::into_u8`] and its siblings.
    pub fn convert(self, to: SampleType) -> Image {
        let samples = match to {
            SampleType::U8 => Samples::U8(self.samples.into_u8()),
            SampleType::U16 => Samples::U16(self.samples.into_u16()),
            SampleType::F32 => Samples::F32(self.samples.into_f32()),
        };
        Image { samples, ..self }
    }
}

impl Samples {
    /// As `u8`: `u16` divided by 257 and rounded, `f32` clamped to 0..1, times 255, rounded.
    pub fn into_u8(self) -> Vec<u8> {
        match self {
            Samples::U8(v) => v,
            // Integer rounding of s / 257, half up; the quotient is at most 255.
            Samples::U16(v) => v
                .into_iter()
                .map(|s| ((u32::from(s) + 128) / 257) as u8)
                .collect(),
            Samples::F32(v) => v.into_iter().map(|s| unit_to_int(s, 255.0) as u8).collect(),
        }
    }

    /// As `u16`: `u8` times 257, `f32` clamped to 0..1, times 65535, rounded.
    pub fn into_u16(self) -> Vec<u16> {
        match self {
            Samples::U8(v) => v.into_iter().map(|s| u16::from(s) * 257).collect(),
            Samples::U16(v) => v,
            Samples::F32(v) => v
                .into_iter()
                .map(|s| unit_to_int(s, 65535.0) as u16)
                .collect(),
        }
    }

    /// As `f32`: integers divided by their full scale, into 0..1.
    pub fn into_f32(self) -> Vec<f32> {
        match self {
            Samples::U8(v) => v.into_iter().map(|s| f32::from(s) / 255.0).collect(),
            Samples::U16(v) => v.into_iter().map(|s| f32::from(s) / 65535.0).collect(),
            Samples::F32(v) => v,
        }
    }
}

/// `s` clamped to 0..1, times `full`, rounded half up; NaN, which the filter never returns,
/// maps to 0 rather than to garbage.
fn unit_to_int(s: f32, full: f32) -> u32 {
    let s = if s.is_nan() { 0.0 } else { s.clamp(0.0, 1.0) };
    (s * full + 0.5).floor() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gray(samples: Samples) -> Image {
        Image {
            width: 3,
            height: 1,
            channels: 1,
            samples,
        }
    }

    #[test]
    fn conversions_follow_the_documented_rules() {
        let u8s = gray(Samples::U8(vec![0, 128, 255]));
        assert_eq!(
            u8s.clone().convert(SampleType::U16).samples,
            Samples::U16(vec![0, 32896, 65535])
        );
        assert_eq!(
            u8s.clone().convert(SampleType::F32).samples,
            Samples::F32(vec![0.0, 128.0 / 255.0, 1.0])
        );
        // Every u8 survives u8 -> u16 -> u8 and u8 -> f32 -> u8.
        let all = gray(Samples::U8((0..=255).collect()));
        assert_eq!(
            all.clone().convert(SampleType::U16).convert(SampleType::U8),
            all
        );
        assert_eq!(
            all.clone().convert(SampleType::F32).convert(SampleType::U8),
            all
        );
        let u16s = gray(Samples::U16(vec![128, 129, 65535]));
        assert_eq!(
            u16s.convert(SampleType::U8).samples,
            Samples::U8(vec![0, 1, 255])
        );
        let f = gray(Samples::F32(vec![-0.5, 0.5, 7.0]));
        assert_eq!(
            f.clone().convert(SampleType::U8).samples,
            Samples::U8(vec![0, 128, 255])
        );
        assert_eq!(
            f.convert(SampleType::U16).samples,
            Samples::U16(vec![0, 32768, 65535])
        );
    }
}
