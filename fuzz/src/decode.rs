//! The `decode` target: arbitrary bytes through the command-line tool's file readers
//! ([`bilateral_cli::decode_with_limits`]) as every format it reads. The CLI picks the reader by
//! file extension, not by content, so each reader must cope with any bytes: an image or an
//! error, never a panic, and never an allocation beyond the limits (libFuzzer's
//! `-malloc_limit_mb` and `-rss_limit_mb` catch one).
//!
//! What a reader accepts, the CLI must also be able to write back in the same format, since
//! `bilateral filter in.tif out.tif` does just that: for the lossless formats the written file
//! must read back to the same samples, bit for bit.

use bilateral_cli::formats::{EncodeOptions, encode};
use bilateral_cli::{DecodeLimits, Format, Image, Samples};

/// Every format the CLI reads.
pub const FORMATS: [Format; 4] = [Format::Png, Format::Jpeg, Format::Tiff, Format::Npy];

/// 16 MiB of samples: far above what the seeds (`seeds/decode/`) decode to, far below what a
/// fuzzer-made header could otherwise ask for (the CLI's default is 4 GiB).
pub const LIMITS: DecodeLimits = DecodeLimits {
    max_bytes: 16 << 20,
};

/// Images larger than this, in bytes of samples, are not written back: a few hundred bytes of
/// compressed input can decode to the whole limit, and encoding that takes far longer than the
/// decode did.
const ROUND_TRIP_BYTES: usize = 1 << 20;

/// Runs one input: the target's body. The input is the file itself, read as each format.
pub fn run_bytes(data: &[u8]) {
    for format in FORMATS {
        if let Ok(img) = bilateral_cli::decode_with_limits(data, format, &LIMITS) {
            check(&img, format);
        }
    }
}

fn check(img: &Image, format: Format) {
    let bytes = sample_bytes(img);
    assert!(
        bytes as u64 <= LIMITS.max_bytes,
        "{format}: decoded {bytes} bytes of samples, above the limit of {}",
        LIMITS.max_bytes
    );
    // `encode` checks this too, but only images small enough to be written back reach it.
    format
        .check_can_hold(img.sample_type(), img.channels)
        .unwrap_or_else(|e| panic!("{format}: read an image it cannot write: {e:#}"));
    if bytes > ROUND_TRIP_BYTES {
        return;
    }
    let mut file = std::io::Cursor::new(Vec::new());
    encode(img, format, &EncodeOptions::default(), &mut file)
        .unwrap_or_else(|e| panic!("{format}: cannot write back what it read: {e:#}"));
    let back = bilateral_cli::decode_with_limits(file.get_ref(), format, &LIMITS)
        .unwrap_or_else(|e| panic!("{format}: cannot read back what it wrote: {e:#}"));
    // JPEG is lossy: only its geometry and sample type survive.
    let same = if format == Format::Jpeg {
        (back.width, back.height, back.channels, back.sample_type())
            == (img.width, img.height, img.channels, img.sample_type())
    } else {
        same_bits(img, &back)
    };
    assert!(
        same,
        "{format}: {}x{}x{} {} does not survive a write and a read",
        img.width,
        img.height,
        img.channels,
        img.sample_type()
    );
}

fn sample_bytes(img: &Image) -> usize {
    match &img.samples {
        Samples::U8(v) => v.len(),
        Samples::U16(v) => v.len() * 2,
        Samples::F32(v) => v.len() * 4,
    }
}

/// Equal geometry and samples, `f32` compared by bits so that NaNs compare.
fn same_bits(a: &Image, b: &Image) -> bool {
    let samples = match (&a.samples, &b.samples) {
        (Samples::U8(x), Samples::U8(y)) => x == y,
        (Samples::U16(x), Samples::U16(y)) => x == y,
        (Samples::F32(x), Samples::F32(y)) => x
            .iter()
            .map(|s| s.to_bits())
            .eq(y.iter().map(|s| s.to_bits())),
        _ => false,
    };
    samples && (a.width, a.height, a.channels) == (b.width, b.height, b.channels)
}
