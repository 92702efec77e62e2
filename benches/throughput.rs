//! Throughput in pixels per second on a 3840x2160 frame made from a shipped photo: gray and RGB,
//! u8 and f32, radius 2 and 3, every backend this CPU has, 1 and 2 threads, with the f64 oracle
//! (on a 256x256 crop) as the baseline.
//!
//! `cargo bench --bench throughput -- 'gray-f32/r2'` runs a subset; `BENCH_THREADS=1,4,16`
//! changes the thread counts measured.

use bilateral::{Backend, Flow, ImageView, ImageViewMut, Layout, NanPolicy, Params, Sample};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use image::imageops::FilterType;

const W: u32 = 3840;
const H: u32 = 2160;

struct Frame {
    name: &'static str,
    channels: usize,
    u8: Vec<u8>,
    f32: Vec<f32>,
}

fn frames() -> Vec<Frame> {
    // Relative: cargo runs benches from the package root, and so can a copied bench binary.
    let path = "tests/data/astronaut.png";
    let photo = image::open(path).expect("shipped photo");
    let big = photo.resize_exact(W, H, FilterType::Triangle);
    let gray = big.to_luma8().into_raw();
    let rgb = big.to_rgb8().into_raw();
    let to_f32 = |v: &[u8]| v.iter().map(|&x| f32::from(x) / 255.0).collect::<Vec<_>>();
    vec![
        Frame {
            name: "gray",
            channels: 1,
            f32: to_f32(&gray),
            u8: gray,
        },
        Frame {
            name: "rgb",
            channels: 3,
            f32: to_f32(&rgb),
            u8: rgb,
        },
    ]
}

fn run<T: Sample>(src: &[T], dst: &mut [T], channels: usize, params: &Params) {
    let layout = Layout::packed(W as usize, H as usize, channels);
    bilateral::filter_into(
        ImageView::new(src, layout).unwrap(),
        ImageViewMut::new(dst, layout).unwrap(),
        params,
    )
    .unwrap();
}

fn throughput(c: &mut Criterion) {
    let threads = std::env::var("BENCH_THREADS").unwrap_or_else(|_| "1,2".into());
    let pools: Vec<_> = threads
        .split(',')
        .map(|n| {
            n.trim()
                .parse::<usize>()
                .expect("BENCH_THREADS: a comma-separated list")
        })
        .map(|n| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .unwrap();
            (n, pool)
        })
        .collect();
    for frame in frames() {
        for (ty, range) in [("u8", 25.0), ("f32", 0.1)] {
            let mut group = c.benchmark_group(format!("{}-{ty}", frame.name));
            group.sample_size(10);
            group.throughput(Throughput::Elements(u64::from(W * H)));
            for radius in [2, 3] {
                for backend in Backend::available() {
                    for (threads, pool) in &pools {
                        let params = Params::new()
                            .radius(radius)
                            .sigma_range(range)
                            .backend(backend);
                        let id =
                            BenchmarkId::new(format!("r{radius}/{backend}"), format!("{threads}t"));
                        let mut dst_u8 = vec![0u8; frame.u8.len()];
                        let mut dst_f32 = vec![0f32; frame.f32.len()];
                        group.bench_function(id, |b| {
                            pool.install(|| match ty {
                                "u8" => {
                                    b.iter(|| run(&frame.u8, &mut dst_u8, frame.channels, &params))
                                }
                                _ => b.iter(|| {
                                    run(&frame.f32, &mut dst_f32, frame.channels, &params)
                                }),
                            })
                        });
                    }
                }
            }
            group.finish();
        }
    }
}

fn oracle(c: &mut Criterion) {
    let frame = &frames()[0];
    let (w, h) = (256, 256);
    let crop: Vec<f32> = frame
        .f32
        .chunks(W as usize)
        .take(h)
        .flat_map(|row| &row[..w])
        .copied()
        .collect();
    let mut group = c.benchmark_group("oracle");
    group.sample_size(10);
    group.throughput(Throughput::Elements((w * h) as u64));
    group.bench_function("gray-f32/r2", |b| {
        let src = ImageView::new(&crop, Layout::packed(w, h, 1)).unwrap();
        b.iter(|| bilateral::oracle::reference(src, &Params::new().sigma_range(0.1)).unwrap())
    });
    group.finish();
}

/// The fast mode against the exact filter in the same run: gray u8, one thread, the default
/// backend, `σs = r/3`, `σr = 25`, tolerance 0.5, radii 6 to 48 (`cargo bench --bench
/// throughput -- fast/`).
fn fast_mode(c: &mut Criterion) {
    let frame = &frames()[0];
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let mut dst = vec![0u8; frame.u8.len()];
    for r in [6usize, 12, 24, 48] {
        let mut group = c.benchmark_group(format!("fast/gray-u8/r{r}"));
        group.sample_size(10);
        group.throughput(Throughput::Elements(u64::from(W * H)));
        let exact = Params::new()
            .radius(r)
            .sigma_space(r as f64 / 3.0)
            .sigma_range(25.0);
        for (name, p) in [
            ("exact", exact.clone()),
            ("tolerance-0.5", exact.tolerance(0.5)),
        ] {
            group.bench_function(name, |b| {
                b.iter(|| pool.install(|| run(&frame.u8, &mut dst, 1, &p)))
            });
        }
        group.finish();
    }
}

/// The joint filter against the filter of the same window in the same run: gray and RGB u8
/// guided by their own copy (the same work as the filter's, no shortcut for it), and RGB
/// guided by its luma; one thread, the default backend, radii 2, 3 and 6 (`cargo bench
/// --bench throughput -- guided/`).
fn guided(c: &mut Criterion) {
    let frames = frames();
    let luma = &frames[0].u8;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    for frame in &frames {
        let layout = Layout::packed(W as usize, H as usize, frame.channels);
        let copy = frame.u8.clone();
        let mut dst = vec![0u8; frame.u8.len()];
        let mut group = c.benchmark_group(format!("guided/{}-u8", frame.name));
        group.sample_size(10);
        group.throughput(Throughput::Elements(u64::from(W * H)));
        for r in [2usize, 3, 6] {
            let p = Params::new()
                .radius(r)
                .sigma_space(r as f64 / 2.0)
                .sigma_range(25.0);
            group.bench_function(format!("r{r}/filter"), |b| {
                b.iter(|| pool.install(|| run(&frame.u8, &mut dst, frame.channels, &p)))
            });
            let guides: Vec<(&str, &[u8], usize)> = if frame.channels == 1 {
                vec![("own copy", &copy, 1)]
            } else {
                vec![("own copy", &copy, 3), ("luma", luma, 1)]
            };
            for (name, guide, gc) in guides {
                let g = ImageView::new(guide, Layout::packed(W as usize, H as usize, gc)).unwrap();
                group.bench_function(format!("r{r}/guided by {name}"), |b| {
                    b.iter(|| {
                        pool.install(|| {
                            bilateral::filter_guided_into(
                                ImageView::new(&frame.u8, layout).unwrap(),
                                g,
                                ImageViewMut::new(&mut dst, layout).unwrap(),
                                &p,
                            )
                            .unwrap()
                        })
                    })
                });
            }
        }
        group.finish();
    }
}

/// What missing samples and a progress observer cost: f32 gray and RGB at radius 3, one
/// thread, the default backend; reject (the default), skip and fill on the frame with no
/// missing sample, then on the frame with 5% of its pixels NaN (scattered by a fixed hash), and
/// reject with an observer that lets the call go on (`cargo bench --bench throughput --
/// missing/`).
fn missing(c: &mut Criterion) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    for frame in frames() {
        let mut holes = frame.f32.clone();
        for (i, px) in holes.chunks_exact_mut(frame.channels).enumerate() {
            if (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32 < (1u64 << 32) / 20 {
                px[0] = f32::NAN;
            }
        }
        let mut dst = vec![0f32; frame.f32.len()];
        let mut group = c.benchmark_group(format!("missing/{}-f32", frame.name));
        group.sample_size(10);
        group.throughput(Throughput::Elements(u64::from(W * H)));
        let base = Params::new().radius(3).sigma_space(1.5).sigma_range(0.1);
        for policy in NanPolicy::ALL {
            let p = base.clone().nan_policy(policy);
            group.bench_function(format!("r3/{policy}"), |b| {
                b.iter(|| pool.install(|| run(&frame.f32, &mut dst, frame.channels, &p)))
            });
        }
        for policy in [NanPolicy::Skip, NanPolicy::Fill] {
            let p = base.clone().nan_policy(policy);
            group.bench_function(format!("r3/{policy} 5% holes"), |b| {
                b.iter(|| pool.install(|| run(&holes, &mut dst, frame.channels, &p)))
            });
        }
        let layout = Layout::packed(W as usize, H as usize, frame.channels);
        let go_on = |_: u64, _: u64| Flow::Continue;
        group.bench_function("r3/reject observed", |b| {
            b.iter(|| {
                pool.install(|| {
                    bilateral::filter_into_with_progress(
                        ImageView::new(&frame.f32, layout).unwrap(),
                        ImageViewMut::new(&mut dst, layout).unwrap(),
                        &base,
                        &go_on,
                    )
                    .unwrap()
                })
            })
        });
        group.finish();
    }
}

criterion_group!(benches, throughput, oracle, fast_mode, guided, missing);
criterion_main!(benches);
