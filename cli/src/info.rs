//! `bilateral info`: what this build and CPU can do.

use bilateral::Backend;

use crate::{EXIT_OK, Usage};

/// Prints the report; returns the exit status.
pub fn run() -> Result<u8, Usage> {
    println!("bilateral {}", env!("CARGO_PKG_VERSION"));
    println!("architecture: {}", std::env::consts::ARCH);
    println!("cpu features: {}", cpu_features());
    let available: Vec<&str> = Backend::available()
        .into_iter()
        .map(Backend::name)
        .collect();
    println!("backends available: {}", available.join(", "));
    println!("backend auto picks: {}", Backend::detect());
    println!(
        "threads: {} by default (all cores, or RAYON_NUM_THREADS; --threads overrides)",
        rayon::current_num_threads()
    );
    Ok(EXIT_OK)
}

#[cfg(target_arch = "x86_64")]
fn cpu_features() -> String {
    use std::arch::is_x86_feature_detected as has;
    [
        ("sse2", has!("sse2")),
        ("avx", has!("avx")),
        ("avx2", has!("avx2")),
        ("fma", has!("fma")),
        ("avx512f", has!("avx512f")),
    ]
    .map(|(name, yes)| format!("{name} {}", if yes { "yes" } else { "no" }))
    .join(", ")
}

#[cfg(not(target_arch = "x86_64"))]
fn cpu_features() -> String {
    format!(
        "not probed on {} (only x86-64 has backends that depend on them)",
        std::env::consts::ARCH
    )
}
