//! TIFF through the `tiff` crate: 8-bit, 16-bit and 32-bit float samples, gray, gray+alpha, RGB
//! and RGBA, interleaved ("chunky"). Written with Deflate, and the horizontal predictor for
//! integer samples.

use std::io::{Cursor, Seek, Write};

use anyhow::{Context, Result, bail, ensure};
use tiff::ColorType;
use tiff::decoder::{Decoder, DecodingResult};
use tiff::encoder::colortype::{self, ColorType as EncodeColor};
use tiff::encoder::compression::DeflateLevel;
use tiff::encoder::{Compression, TiffEncoder, TiffValue};
use tiff::tags::{
    ExtraSamples, PhotometricInterpretation, PlanarConfiguration, Predictor, SampleFormat, Tag,
};

use super::DecodeLimits;
use crate::raster::{Image, Samples};

pub(super) fn decode(bytes: &[u8], limits: &DecodeLimits) -> Result<Image> {
    let mut tiff_limits = tiff::decoder::Limits::default();
    tiff_limits.decoding_buffer_size = usize::try_from(limits.max_bytes).unwrap_or(usize::MAX);
    let mut dec = Decoder::new(Cursor::new(bytes))?.with_limits(tiff_limits);
    let (width, height) = dec.dimensions()?;
    let (channels, bits) = match dec.colortype()? {
        ColorType::Gray(b) => (1, b),
        // The decoder reports gray plus an extra sample as two bands: gray+alpha.
        ColorType::GrayA(b)
        | ColorType::Multiband {
            bit_depth: b,
            num_samples: 2,
        } => (2, b),
        ColorType::RGB(b) => (3, b),
        ColorType::RGBA(b) => (4, b),
        other => bail!(
            "TIFF colour type {other:?} is not supported (gray, gray+alpha, RGB and RGBA are)"
        ),
    };
    let planar = dec.find_tag_unsigned::<u16>(Tag::PlanarConfiguration)?;
    // The decoder reads only the first plane of a planar image.
    ensure!(
        channels == 1 || planar != Some(PlanarConfiguration::Planar.to_u16()),
        "planar TIFF is not supported: store the samples interleaved"
    );
    let samples = match (dec.read_image()?, bits) {
        (DecodingResult::U8(v), 8) => Samples::U8(v),
        (DecodingResult::U16(v), 16) => Samples::U16(v),
        (DecodingResult::F32(v), 32) => Samples::F32(v),
        (other, bits) => bail!(
            "TIFF samples of {bits} bits ({}) are not supported (u8, u16 and f32 are)",
            kind(&other)
        ),
    };
    let (width, height) = (width as usize, height as usize);
    let len = match &samples {
        Samples::U8(v) => v.len(),
        Samples::U16(v) => v.len(),
        Samples::F32(v) => v.len(),
    };
    ensure!(
        Some(len)
            == width
                .checked_mul(height)
                .and_then(|n| n.checked_mul(channels)),
        "TIFF decoded to {len} samples, not {width}x{height}x{channels}"
    );
    Ok(Image {
        width,
        height,
        channels,
        samples,
    })
}

fn kind(r: &DecodingResult) -> &'static str {
    match r {
        DecodingResult::U8(_)
        | DecodingResult::U16(_)
        | DecodingResult::U32(_)
        | DecodingResult::U64(_) => "unsigned",
        DecodingResult::F16(_) | DecodingResult::F32(_) | DecodingResult::F64(_) => "float",
        DecodingResult::I8(_)
        | DecodingResult::I16(_)
        | DecodingResult::I32(_)
        | DecodingResult::I64(_) => "signed",
    }
}

pub(super) fn encode<W: Write + Seek>(img: &Image, out: &mut W) -> Result<()> {
    let w = u32::try_from(img.width).context("image too wide for TIFF")?;
    let h = u32::try_from(img.height).context("image too tall for TIFF")?;
    // The encoder refuses the horizontal predictor for floats.
    let predictor = match img.samples {
        Samples::F32(_) => Predictor::None,
        _ => Predictor::Horizontal,
    };
    let enc = TiffEncoder::new(out)?
        .with_compression(Compression::Deflate(DeflateLevel::Balanced))
        .with_predictor(predictor);
    match (&img.samples, img.channels) {
        (Samples::U8(v), 1) => write::<colortype::Gray8, _>(enc, w, h, v),
        (Samples::U8(v), 2) => write::<GrayAlpha8, _>(enc, w, h, v),
        (Samples::U8(v), 3) => write::<colortype::RGB8, _>(enc, w, h, v),
        (Samples::U8(v), _) => write::<colortype::RGBA8, _>(enc, w, h, v),
        (Samples::U16(v), 1) => write::<colortype::Gray16, _>(enc, w, h, v),
        (Samples::U16(v), 2) => write::<GrayAlpha16, _>(enc, w, h, v),
        (Samples::U16(v), 3) => write::<colortype::RGB16, _>(enc, w, h, v),
        (Samples::U16(v), _) => write::<colortype::RGBA16, _>(enc, w, h, v),
        (Samples::F32(v), 1) => write::<colortype::Gray32Float, _>(enc, w, h, v),
        (Samples::F32(v), 2) => write::<GrayAlpha32Float, _>(enc, w, h, v),
        (Samples::F32(v), 3) => write::<colortype::RGB32Float, _>(enc, w, h, v),
        (Samples::F32(v), _) => write::<colortype::RGBA32Float, _>(enc, w, h, v),
    }
}

fn write<C: EncodeColor, W: Write + Seek>(
    mut enc: TiffEncoder<W>,
    w: u32,
    h: u32,
    data: &[C::Inner],
) -> Result<()>
where
    [C::Inner]: TiffValue,
{
    let mut image = enc.new_image::<C>(w, h)?;
    // Readers tell gray+alpha from two-band data, and RGBA from CMYK-like data, by this tag.
    if C::BITS_PER_SAMPLE.len() % 2 == 0 {
        image.encoder().write_tag(
            Tag::ExtraSamples,
            &[ExtraSamples::UnassociatedAlpha.to_u16()][..],
        )?;
    }
    image.write_data(data)?;
    Ok(())
}

/// The `tiff` crate has no gray+alpha colour types to encode; these follow its own.
macro_rules! gray_alpha {
    ($name:ident, $inner:ty, $bits:expr, $format:expr, $predict:item) => {
        struct $name;
        impl EncodeColor for $name {
            type Inner = $inner;
            const TIFF_VALUE: PhotometricInterpretation = PhotometricInterpretation::BlackIsZero;
            const BITS_PER_SAMPLE: &'static [u16] = &[$bits, $bits];
            const SAMPLE_FORMAT: &'static [SampleFormat] = &[$format, $format];
            $predict
        }
    };
    ($name:ident, $inner:ty, $bits:expr) => {
        gray_alpha!(
            $name,
            $inner,
            $bits,
            SampleFormat::Uint,
            fn horizontal_predict(row: &[$inner], result: &mut Vec<$inner>) {
                result.extend_from_slice(&row[..row.len().min(2)]);
                result.extend(
                    row.iter()
                        .zip(&row[row.len().min(2)..])
                        .map(|(p, c)| c.wrapping_sub(*p)),
                );
            }
        );
    };
}

gray_alpha!(GrayAlpha8, u8, 8);
gray_alpha!(GrayAlpha16, u16, 16);
gray_alpha!(
    GrayAlpha32Float,
    f32,
    32,
    SampleFormat::IEEEFP,
    fn horizontal_predict(_: &[f32], _: &mut Vec<f32>) {
        // The encoder refuses the horizontal predictor for floats before it predicts, and
        // float images are written without it.
        unreachable!("no horizontal predictor for float samples")
    }
);
