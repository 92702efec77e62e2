//! Reading and writing the supported file formats, chosen by file extension.
//!
//! [`decode`] takes bytes, not a path, so that a fuzz target can drive it; it returns an error,
//! never a panic, for any input, and checks sizes declared in headers before allocating for
//! them (see [`DecodeLimits`]).

use std::fmt;
use std::io::{Seek, Write};
use std::path::Path;

use anyhow::{Result, bail, ensure};

use crate::raster::{Image, SampleType};

mod codec;
mod npy;
mod tiff;

/// A file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// PNG: u8 and u16, 1 to 4 channels.
    Png,
    /// JPEG: u8 gray or RGB.
    Jpeg,
    /// TIFF: u8, u16 and f32, 1 to 4 channels.
    Tiff,
    /// NumPy `.npy`: u8, u16 and f32, shape `(H, W)` or `(H, W, C)`.
    Npy,
}

/// The extensions each format is known by, case-insensitively.
const EXTENSIONS: &[(&str, Format)] = &[
    ("png", Format::Png),
    ("jpg", Format::Jpeg),
    ("jpeg", Format::Jpeg),
    ("tif", Format::Tiff),
    ("tiff", Format::Tiff),
    ("npy", Format::Npy),
];

impl Format {
    /// The format an extension (without the dot) names.
    pub fn from_extension(ext: &str) -> Result<Format> {
        let lower = ext.to_ascii_lowercase();
        match EXTENSIONS.iter().find(|(e, _)| *e == lower) {
            Some((_, f)) => Ok(*f),
            None => bail!(
                "unknown extension {ext:?} (known: {})",
                EXTENSIONS
                    .iter()
                    .map(|(e, _)| *e)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// The format a path's extension names.
    pub fn from_path(path: &Path) -> Result<Format> {
        match path.extension() {
            Some(ext) => Format::from_extension(&ext.to_string_lossy()),
            None => bail!("no file extension to tell the format by (png, jpg, tif or npy)"),
        }
    }

    /// Its name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Png => "PNG",
            Format::Jpeg => "JPEG",
            Format::Tiff => "TIFF",
            Format::Npy => "NPY",
        }
    }

    /// Fails, saying what to do instead, unless this format can store samples of type `t` with
    /// `channels` channels as they are.
    pub fn check_can_hold(self, t: SampleType, channels: usize) -> Result<()> {
        match (self, t, channels) {
            (Format::Png, SampleType::F32, _) => {
                bail!(
                    "PNG cannot hold f32 samples: add --output-type u16 (or u8), or write TIFF or NPY"
                )
            }
            (Format::Jpeg, SampleType::U16 | SampleType::F32, _) => {
                bail!(
                    "JPEG holds only u8 samples, not {t}: add --output-type u8, or write PNG, TIFF or NPY"
                )
            }
            (Format::Jpeg, _, 2 | 4) => {
                bail!("JPEG cannot hold an alpha channel: write PNG, TIFF or NPY")
            }
            _ => Ok(()),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Bounds on what a decoder may allocate, checked against the sizes a file declares before
/// the memory is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// The largest decoded image, in bytes of samples.
    pub max_bytes: u64,
}

impl Default for DecodeLimits {
    /// 4 GiB of samples: a 16-bit RGBA image of about 23000x23000.
    fn default() -> Self {
        DecodeLimits { max_bytes: 4 << 30 }
    }
}

/// Decodes a whole file in `format` with the default limits.
pub fn decode(bytes: &[u8], format: Format) -> Result<Image> {
    decode_with_limits(bytes, format, &DecodeLimits::default())
}

/// Decodes a whole file in `format`. Any byte string gives an image or an error.
pub fn decode_with_limits(bytes: &[u8], format: Format, limits: &DecodeLimits) -> Result<Image> {
    ensure!(!bytes.is_empty(), "the file is empty");
    let img = match format {
        Format::Png => codec::decode(bytes, image::ImageFormat::Png, limits),
        Format::Jpeg => codec::decode(bytes, image::ImageFormat::Jpeg, limits),
        Format::Tiff => tiff::decode(bytes, limits),
        Format::Npy => npy::decode(bytes, limits),
    }
    .map_err(|e| e.context(format!("cannot decode {format}")))?;
    img.check()
        .map_err(|e| e.context(format!("cannot decode {format}")))?;
    Ok(img)
}

/// Options of the lossy formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodeOptions {
    /// JPEG quality, 1 to 100.
    pub jpeg_quality: u8,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        EncodeOptions { jpeg_quality: 90 }
    }
}

/// Encodes `img` in `format`. Fails (see [`Format::check_can_hold`]) where the format cannot
/// hold the image's samples as they are: nothing is converted silently.
pub fn encode<W: Write + Seek>(
    img: &Image,
    format: Format,
    options: &EncodeOptions,
    out: &mut W,
) -> Result<()> {
    img.check()?;
    format.check_can_hold(img.sample_type(), img.channels)?;
    match format {
        Format::Png => codec::encode_png(img, out),
        Format::Jpeg => codec::encode_jpeg(img, options.jpeg_quality, out),
        Format::Tiff => tiff::encode(img, out),
        Format::Npy => npy::encode(img, out),
    }
    .map_err(|e| e.context(format!("cannot encode {format}")))
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::raster::Samples;

    fn image(t: SampleType, channels: usize) -> Image {
        let (width, height) = (5, 3);
        let n = width * height * channels;
        let samples = match t {
            SampleType::U8 => Samples::U8((0..n).map(|i| (i * 37 % 256) as u8).collect()),
            SampleType::U16 => Samples::U16((0..n).map(|i| (i * 4099 % 65536) as u16).collect()),
            SampleType::F32 => Samples::F32((0..n).map(|i| i as f32 / n as f32).collect()),
        };
        Image {
            width,
            height,
            channels,
            samples,
        }
    }

    #[test]
    fn lossless_formats_round_trip_what_they_hold() {
        for format in [Format::Png, Format::Tiff, Format::Npy] {
            for t in [SampleType::U8, SampleType::U16, SampleType::F32] {
                for channels in 1..=4 {
                    let img = image(t, channels);
                    let mut buf = Cursor::new(Vec::new());
                    let res = encode(&img, format, &EncodeOptions::default(), &mut buf);
                    if format == Format::Png && t == SampleType::F32 {
                        assert!(res.unwrap_err().to_string().contains("--output-type u16"));
                        continue;
                    }
                    res.unwrap();
                    let back = decode(buf.get_ref(), format)
                        .unwrap_or_else(|e| panic!("{format} {t} {channels}: {e:#}"));
                    assert_eq!(back, img, "{format} {t} {channels}");
                }
            }
        }
    }

    #[test]
    fn jpeg_keeps_type_and_channels_and_refuses_what_it_cannot_hold() {
        for channels in [1, 3] {
            let img = image(SampleType::U8, channels);
            let mut buf = Cursor::new(Vec::new());
            encode(&img, Format::Jpeg, &EncodeOptions::default(), &mut buf).unwrap();
            let back = decode(buf.get_ref(), Format::Jpeg).unwrap();
            assert_eq!(
                (back.width, back.height, back.channels, back.sample_type()),
                (5, 3, channels, SampleType::U8)
            );
        }
        for (t, channels) in [
            (SampleType::U8, 2),
            (SampleType::U8, 4),
            (SampleType::U16, 1),
        ] {
            let mut buf = Cursor::new(Vec::new());
            let res = encode(
                &image(t, channels),
                Format::Jpeg,
                &EncodeOptions::default(),
                &mut buf,
            );
            assert!(res.is_err());
            assert!(buf.get_ref().is_empty());
        }
    }

    #[test]
    fn garbage_and_truncation_are_errors() {
        for format in [Format::Png, Format::Jpeg, Format::Tiff, Format::Npy] {
            assert!(decode(b"", format).is_err());
            assert!(decode(b"definitely not an image", format).is_err());
            let t = if format == Format::Jpeg { 3 } else { 4 };
            let img = image(SampleType::U8, t);
            let mut buf = Cursor::new(Vec::new());
            encode(&img, format, &EncodeOptions::default(), &mut buf).unwrap();
            let bytes = buf.into_inner();
            for cut in [1, bytes.len() / 2] {
                // A JPEG decoder may fill a truncated scan with grey rather than fail.
                let res = decode(&bytes[..cut], format);
                assert!(
                    format == Format::Jpeg || res.is_err(),
                    "{format} cut at {cut}"
                );
            }
            // Only a trailer is missing (PNG's IEND chunk): decoding may succeed, but whole.
            if let Ok(img) = decode(&bytes[..bytes.len() - 1], format) {
                assert_eq!((img.width, img.height, img.channels), (5, 3, t));
            }
        }
    }

    /// Corrupted files give errors, not panics: a cheap stand-in for the fuzz target that
    /// runs on every `cargo test`.
    #[test]
    fn mutated_files_never_panic() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        // MUTATIONS=20000 searches longer, by hand.
        let iterations: usize = std::env::var("MUTATIONS").map_or(300, |v| v.parse().unwrap());
        let limits = DecodeLimits { max_bytes: 1 << 24 };
        for format in [Format::Png, Format::Jpeg, Format::Tiff, Format::Npy] {
            for (t, channels) in [
                (SampleType::U8, 3),
                (SampleType::U16, 1),
                (SampleType::F32, 4),
            ] {
                let mut buf = Cursor::new(Vec::new());
                if encode(
                    &image(t, channels),
                    format,
                    &EncodeOptions::default(),
                    &mut buf,
                )
                .is_err()
                {
                    continue;
                }
                let original = buf.into_inner();
                for _ in 0..iterations {
                    let mut bytes = original.clone();
                    for _ in 0..1 + next() % 4 {
                        let i = (next() % bytes.len() as u64) as usize;
                        match next() % 3 {
                            0 => bytes[i] ^= 1 << (next() % 8),
                            1 => bytes[i] = [0, 0xff, 0x7f, 0x80][(next() % 4) as usize],
                            _ => bytes.truncate(i.max(1)),
                        }
                    }
                    let _ = decode_with_limits(&bytes, format, &limits);
                }
            }
        }
    }

    #[test]
    fn extensions_are_case_insensitive_and_unknown_ones_are_named() {
        assert_eq!(
            Format::from_path(Path::new("a/b.JPeG")).unwrap(),
            Format::Jpeg
        );
        assert_eq!(Format::from_path(Path::new("x.tif")).unwrap(), Format::Tiff);
        let e = Format::from_path(Path::new("x.bmp"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("\"bmp\""), "{e}");
        assert!(Format::from_path(Path::new("noext")).is_err());
    }
}
