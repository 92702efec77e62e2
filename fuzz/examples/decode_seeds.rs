//! Writes the `decode` target's seeds, `fuzz/seeds/decode/`: valid small files written by the
//! CLI's own encoder, every sample type and channel count each format holds, named
//! `<format>-<type>-<channels>.<ext>`. The fuzzer starts from them and `tests/random_inputs.rs`
//! mutates them, so that both begin past the magic numbers, checksums and headers. Committed;
//! rerun after a change to the encoders:
//!
//! ```sh
//! cargo run --release --manifest-path fuzz/Cargo.toml --example decode_seeds
//! ```

use std::io::Cursor;
use std::path::Path;

use bilateral_cli::formats::{EncodeOptions, encode};
use bilateral_cli::{Image, SampleType, Samples};
use bilateral_fuzz::Rng;
use bilateral_fuzz::decode::FORMATS;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds/decode");
    std::fs::create_dir_all(&dir)?;
    // 17x9: more than one JPEG block (8x8, 16x16 when subsampled) each way, with a partial
    // block at the right and bottom edges.
    let (width, height) = (17, 9);
    let mut rng = Rng::new(0x5EED);
    let mut count = 0;
    for format in FORMATS {
        for ty in [SampleType::U8, SampleType::U16, SampleType::F32] {
            for channels in 1..=4 {
                if format.check_can_hold(ty, channels).is_err() {
                    continue;
                }
                // A ramp with noise: smooth enough that the compressors find runs, noisy
                // enough that the predictors and entropy coders see varied values.
                let units: Vec<f64> = (0..width * height * channels)
                    .map(|i| {
                        let x = (i / channels) % width;
                        let y = i / channels / width;
                        ((x + y) as f64 / (width + height) as f64 + 0.2 * rng.unit()).min(1.0)
                    })
                    .collect();
                let samples = match ty {
                    SampleType::U8 => {
                        Samples::U8(units.iter().map(|u| (u * 255.0) as u8).collect())
                    }
                    SampleType::U16 => {
                        Samples::U16(units.iter().map(|u| (u * 65535.0) as u16).collect())
                    }
                    SampleType::F32 => Samples::F32(units.iter().map(|&u| u as f32).collect()),
                };
                let img = Image {
                    width,
                    height,
                    channels,
                    samples,
                };
                let mut file = Cursor::new(Vec::new());
                encode(&img, format, &EncodeOptions::default(), &mut file)?;
                let ext = format.name().to_ascii_lowercase();
                std::fs::write(
                    dir.join(format!("{ext}-{ty}-{channels}.{ext}")),
                    file.get_ref(),
                )?;
                count += 1;
            }
        }
    }
    eprintln!("decode_seeds: {count} files in {}", dir.display());
    Ok(())
}
