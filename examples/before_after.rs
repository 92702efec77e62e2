//! Makes the README's picture: a shipped photo with added noise, and the same filtered.
//!
//! `cargo run --release --example before_after -- tests/data/chelsea.png docs/before_after.png`

use bilateral::Params;
use image::{RgbImage, imageops};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (input, output) = match args.as_slice() {
        [i, o] => (i.as_str(), o.as_str()),
        _ => return Err("usage: before_after INPUT.png OUTPUT.png".into()),
    };
    let clean = image::open(input)?.to_rgb8();
    let mut noisy = clean.clone();
    // Gaussian noise (σ = 12 levels) from a seeded generator, by Box-Muller.
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    for p in noisy.iter_mut() {
        let n = (-2.0 * uniform().ln()).sqrt() * (std::f64::consts::TAU * uniform()).cos();
        *p = (f64::from(*p) + 12.0 * n).round().clamp(0.0, 255.0) as u8;
    }
    let params = Params::new().radius(3).sigma_space(2.0).sigma_range(40.0);
    let filtered = bilateral::filter_image(&noisy, &params)?;
    let (w, h) = clean.dimensions();
    let mut side = RgbImage::new(2 * w + 8, h);
    side.pixels_mut()
        .for_each(|p| *p = image::Rgb([255, 255, 255]));
    imageops::replace(&mut side, &noisy, 0, 0);
    imageops::replace(&mut side, &filtered, i64::from(w) + 8, 0);
    side.save(output)?;
    let rmse = |a: &RgbImage| {
        let se: f64 = a
            .iter()
            .zip(clean.iter())
            .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
            .sum();
        (se / a.len() as f64).sqrt()
    };
    println!(
        "{output}: RMSE against the clean photo {:.2} noisy, {:.2} filtered",
        rmse(&noisy),
        rmse(&filtered)
    );
    Ok(())
}
