//! Peak memory of filtering a 3840x2160 RGB f32 image: the library's own allocations are
//! per-tile scratch, so the process's peak may rise by little more than the tiles' scratch,
//! never by anything in proportion to the image (95 MiB).
//!
//! Alone in its test binary, so that no other test's allocations move the peak.
//! `cargo test --test peak_memory -- --nocapture` prints the figure (Linux: VmHWM).

use bilateral::{ImageView, ImageViewMut, Layout, Params};

/// The process's peak resident memory so far, in KiB.
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM");
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
#[cfg_attr(not(target_os = "linux"), ignore = "reads /proc/self/status")]
fn filtering_adds_only_per_tile_scratch() {
    let (w, h, c) = (3840, 2160, 3);
    let layout = Layout::packed(w, h, c);
    // Touch every page so that both images count in the peak before filtering.
    let src: Vec<f32> = (0..w * h * c).map(|i| (i % 251) as f32 / 251.0).collect();
    let mut dst = vec![1.0f32; w * h * c];
    let before = peak_kib();
    let params = Params::new().radius(2).sigma_range(0.1);
    bilateral::filter_into(
        ImageView::new(&src, layout).unwrap(),
        ImageViewMut::new(&mut dst, layout).unwrap(),
        &params,
    )
    .unwrap();
    let added_mib = (peak_kib() - before) as f64 / 1024.0;
    let image_mib = (w * h * c * 4) as f64 / (1 << 20) as f64;
    let threads = rayon::current_num_threads();
    eprintln!(
        "3840x2160 RGB f32 ({image_mib:.1} MiB each for input and output), {threads} threads: \
         the filter added {added_mib:.1} MiB to the peak"
    );
    // Per thread: a ring of 5 rows and 3 rows of shared weights, under 1 MiB at this width,
    // and the thread's stack (measured: 1.8 MiB on 2 threads, 13.3 MiB on 16). A buffer in
    // proportion to the image would add tens of MiB.
    let bound = 2.0 + threads as f64;
    assert!(
        added_mib < bound,
        "the peak rose by {added_mib:.1} MiB (bound {bound:.1} MiB)"
    );
}
