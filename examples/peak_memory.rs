//! Peak memory of filtering a 3840x2160 RGB f32 image: the library's own allocations are per-tile
//! scratch, so the peak should exceed the two images by a small amount.
//!
//! `cargo run --release --example peak_memory` (Linux: reads VmHWM from /proc/self/status).

use bilateral::{Layout, Params, Plane, PlaneMut};

fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM");
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn main() -> Result<(), bilateral::Error> {
    let (w, h, c) = (3840, 2160, 3);
    let layout = Layout::packed(w, h, c);
    // Touch every page so that both images count in the peak before filtering.
    let src: Vec<f32> = (0..w * h * c).map(|i| (i % 251) as f32 / 251.0).collect();
    let mut dst = vec![1.0f32; w * h * c];
    let before = peak_kib();
    let params = Params::new().radius(2).sigma_range(0.1);
    bilateral::filter_into(
        Plane::new(&src, layout)?,
        PlaneMut::new(&mut dst, layout)?,
        &params,
    )?;
    let after = peak_kib();
    let image_mib = (w * h * c * 4) as f64 / (1 << 20) as f64;
    println!(
        "3840x2160 RGB f32 ({image_mib:.1} MiB each for input and output), {} threads: peak {:.1} MiB \
         before filtering, {:.1} MiB after: the filter added {:.1} MiB",
        rayon::current_num_threads(),
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        (after - before) as f64 / 1024.0
    );
    Ok(())
}
