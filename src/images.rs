//! Glue for the `image` crate: `ImageBuffer` and `DynamicImage` in, the same type out.
#![forbid(unsafe_code)]

use std::ops::Deref;

use image::{DynamicImage, ImageBuffer, Pixel};

use crate::{Error, ImageView, Layout, Params, Sample, filter};

/// Filters an `ImageBuffer` of `Luma`, `LumaA`, `Rgb` or `Rgba` over `u8`, `u16` or `f32`. The
/// alpha of `LumaA` and `Rgba` is kept unless [`Params::filter_alpha`] asks otherwise.
///
/// ```
/// # use image::{GrayImage, Luma};
/// let img = GrayImage::from_fn(64, 48, |x, y| Luma([((x * 7 + y * 3) % 256) as u8]));
/// let out = bilateral::filter_image(&img, &bilateral::Params::new().sigma_range(20.0))?;
/// assert_eq!(out.dimensions(), (64, 48));
/// # Ok::<(), bilateral::Error>(())
/// ```
pub fn filter_image<P, C>(
    img: &ImageBuffer<P, C>,
    params: &Params,
) -> Result<ImageBuffer<P, Vec<P::Subpixel>>, Error>
where
    P: Pixel,
    P::Subpixel: Sample,
    C: Deref<Target = [P::Subpixel]>,
{
    let (w, h) = img.dimensions();
    let layout = Layout::packed(w as usize, h as usize, usize::from(P::CHANNEL_COUNT));
    let samples: &[P::Subpixel] = img.as_raw();
    let out = filter(ImageView::new(samples, layout)?, params)?;
    Ok(ImageBuffer::from_raw(w, h, out).expect("filter returns a packed buffer of the same size"))
}

/// Filters a `DynamicImage`, returning the same variant.
pub fn filter_dynamic(img: &DynamicImage, params: &Params) -> Result<DynamicImage, Error> {
    Ok(match img {
        DynamicImage::ImageLuma8(i) => filter_image(i, params)?.into(),
        DynamicImage::ImageLumaA8(i) => filter_image(i, params)?.into(),
        DynamicImage::ImageRgb8(i) => filter_image(i, params)?.into(),
        DynamicImage::ImageRgba8(i) => filter_image(i, params)?.into(),
        DynamicImage::ImageLuma16(i) => filter_image(i, params)?.into(),
        DynamicImage::ImageLumaA16(i) => filter_image(i, params)?.into(),
        DynamicImage::ImageRgb16(i) => filter_image(i, params)?.into(),
        DynamicImage::ImageRgba16(i) => filter_image(i, params)?.into(),
        DynamicImage::ImageRgb32F(i) => filter_image(i, params)?.into(),
        DynamicImage::ImageRgba32F(i) => filter_image(i, params)?.into(),
        other => return Err(Error::UnsupportedColorType(format!("{:?}", other.color()))),
    })
}
