//! PNG and JPEG through the `image` crate.

use std::io::{Cursor, Seek, Write};

use anyhow::{Result, bail};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{DynamicImage, ExtendedColorType, ImageEncoder, ImageFormat, ImageReader};

use super::DecodeLimits;
use crate::raster::{Image, Samples};

pub(super) fn decode(bytes: &[u8], format: ImageFormat, limits: &DecodeLimits) -> Result<Image> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut image_limits = image::Limits::default();
    image_limits.max_alloc = Some(limits.max_bytes);
    reader.limits(image_limits);
    let img = reader.decode()?;
    let (width, height) = (img.width() as usize, img.height() as usize);
    let (channels, samples) = match img {
        DynamicImage::ImageLuma8(b) => (1, Samples::U8(b.into_raw())),
        DynamicImage::ImageLumaA8(b) => (2, Samples::U8(b.into_raw())),
        DynamicImage::ImageRgb8(b) => (3, Samples::U8(b.into_raw())),
        DynamicImage::ImageRgba8(b) => (4, Samples::U8(b.into_raw())),
        DynamicImage::ImageLuma16(b) => (1, Samples::U16(b.into_raw())),
        DynamicImage::ImageLumaA16(b) => (2, Samples::U16(b.into_raw())),
        DynamicImage::ImageRgb16(b) => (3, Samples::U16(b.into_raw())),
        DynamicImage::ImageRgba16(b) => (4, Samples::U16(b.into_raw())),
        DynamicImage::ImageRgb32F(b) => (3, Samples::F32(b.into_raw())),
        DynamicImage::ImageRgba32F(b) => (4, Samples::F32(b.into_raw())),
        other => bail!("colour type {:?} is not supported", other.color()),
    };
    Ok(Image {
        width,
        height,
        channels,
        samples,
    })
}

/// The image's geometry for the `image` encoders.
fn dimensions(img: &Image) -> Result<(u32, u32)> {
    match (u32::try_from(img.width), u32::try_from(img.height)) {
        (Ok(w), Ok(h)) => Ok((w, h)),
        _ => bail!("{}x{} is too large", img.width, img.height),
    }
}

pub(super) fn encode_png<W: Write + Seek>(img: &Image, out: &mut W) -> Result<()> {
    let (w, h) = dimensions(img)?;
    let png = PngEncoder::new(out);
    match &img.samples {
        Samples::U8(v) => png.write_image(v, w, h, png_color(img.channels, false)?)?,
        Samples::U16(v) => {
            // The encoder takes 16-bit samples as native-endian bytes.
            let bytes: Vec<u8> = v.iter().flat_map(|s| s.to_ne_bytes()).collect();
            png.write_image(&bytes, w, h, png_color(img.channels, true)?)?;
        }
        Samples::F32(_) => bail!("PNG cannot hold f32 samples"),
    }
    Ok(())
}

fn png_color(channels: usize, sixteen: bool) -> Result<ExtendedColorType> {
    use ExtendedColorType::*;
    Ok(match (channels, sixteen) {
        (1, false) => L8,
        (2, false) => La8,
        (3, false) => Rgb8,
        (4, false) => Rgba8,
        (1, true) => L16,
        (2, true) => La16,
        (3, true) => Rgb16,
        (4, true) => Rgba16,
        (c, _) => bail!("PNG cannot hold {c} channels"),
    })
}

pub(super) fn encode_jpeg<W: Write + Seek>(img: &Image, quality: u8, out: &mut W) -> Result<()> {
    let (w, h) = dimensions(img)?;
    let color = match img.channels {
        1 => ExtendedColorType::L8,
        3 => ExtendedColorType::Rgb8,
        c => bail!("JPEG cannot hold {c} channels"),
    };
    let Samples::U8(v) = &img.samples else {
        bail!("JPEG holds only u8 samples");
    };
    JpegEncoder::new_with_quality(out, quality).write_image(v, w, h, color)?;
    Ok(())
}
