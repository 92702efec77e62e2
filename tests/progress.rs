//! The progress observer: it sees every row of every pass, changes no byte, and stops a call.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};

use bilateral::{Error, Flow, ImageView, ImageViewMut, Layout, Params};
use common::{Rng, as_samples, picture, same_bits};

fn observed(img: &[f32], layout: Layout, params: &Params) -> (Vec<f32>, u64, u64) {
    let (most, calls) = (AtomicU64::new(0), AtomicU64::new(0));
    let observer = |done: u64, total: u64| {
        assert!(done <= total);
        most.fetch_max(done, Ordering::Relaxed);
        calls.fetch_add(1, Ordering::Relaxed);
        Flow::Continue
    };
    let mut out = vec![0.0f32; img.len()];
    bilateral::filter_into_with_progress(
        ImageView::new(img, layout).unwrap(),
        ImageViewMut::new(&mut out, layout).unwrap(),
        params,
        &observer,
    )
    .unwrap();
    (out, most.into_inner(), calls.into_inner())
}

#[test]
fn the_observer_sees_every_row_and_changes_nothing() {
    let mut rng = Rng::new(3);
    let (w, h) = (150, 97);
    let img: Vec<f32> = as_samples(&picture(w, h, 1, &mut rng));
    let layout = Layout::packed(w, h, 1);
    let exact = Params::new().radius(3).sigma_range(0.4).tile_height(10);
    // The fast mode's own tiles report too.
    let fast = Params::new()
        .radius(12)
        .sigma_space(6.0)
        .sigma_range(0.4)
        .tolerance(0.01)
        .always_fast(true);
    for (params, passes) in [(exact.clone(), 1), (exact.iterations(3), 3), (fast, 1)] {
        let want = bilateral::filter(ImageView::new(&img, layout).unwrap(), &params).unwrap();
        let (got, most, calls) = observed(&img, layout, &params);
        assert!(same_bits(&want, &got), "{params:?}");
        assert_eq!(most, (h * passes) as u64, "{params:?}");
        assert!(calls >= passes as u64, "{params:?}");
    }
}

#[test]
fn the_observer_stops_the_call() {
    let mut rng = Rng::new(4);
    let (w, h) = (64, 200);
    let img: Vec<u8> = as_samples(&picture(w, h, 3, &mut rng));
    let layout = Layout::packed(w, h, 3);
    let mut out = vec![0u8; img.len()];
    let stop_past_half = |done: u64, total: u64| {
        if 2 * done >= total {
            Flow::Stop
        } else {
            Flow::Continue
        }
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let got = pool.install(|| {
        bilateral::filter_into_with_progress(
            ImageView::new(&img, layout).unwrap(),
            ImageViewMut::new(&mut out, layout).unwrap(),
            &Params::new().tile_height(10),
            &stop_past_half,
        )
    });
    assert_eq!(
        got,
        Err(Error::Stopped {
            rows_done: 100,
            rows: 200
        })
    );
}

#[test]
fn the_joint_filter_reports_and_stops_too() {
    let mut rng = Rng::new(8);
    let (w, h) = (70, 90);
    let img: Vec<f32> = as_samples(&picture(w, h, 1, &mut rng));
    let guide: Vec<u8> = as_samples(&picture(w, h, 3, &mut rng));
    let layout = Layout::packed(w, h, 1);
    let g = ImageView::new(&guide, Layout::packed(w, h, 3)).unwrap();
    let params = Params::new().sigma_range(30.0).tile_height(9);
    let want = bilateral::filter_guided(ImageView::new(&img, layout).unwrap(), g, &params).unwrap();
    let most = AtomicU64::new(0);
    let mut out = vec![0.0f32; img.len()];
    let seen = |done: u64, _: u64| {
        most.fetch_max(done, Ordering::Relaxed);
        Flow::Continue
    };
    bilateral::filter_guided_into_with_progress(
        ImageView::new(&img, layout).unwrap(),
        g,
        ImageViewMut::new(&mut out, layout).unwrap(),
        &params,
        &seen,
    )
    .unwrap();
    assert!(same_bits(&want, &out));
    assert_eq!(most.into_inner(), h as u64);
    let stop = |_: u64, _: u64| Flow::Stop;
    let got = bilateral::filter_guided_into_with_progress(
        ImageView::new(&img, layout).unwrap(),
        g,
        ImageViewMut::new(&mut out, layout).unwrap(),
        &params,
        &stop,
    );
    assert!(
        matches!(got, Err(Error::Stopped { rows: 90, .. })),
        "{got:?}"
    );
}
