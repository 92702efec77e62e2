//! A few thousand pseudo-random inputs through each target's logic, so that `cargo test`
//! exercises the targets without libFuzzer. Known open issues are tolerated here (this is a
//! separate process from `regressions.rs`, which checks that they still fail).

use bilateral_fuzz::Rng;

fn random_inputs(run: fn(&[u8]), seed: u64, count: usize) {
    let mut rng = Rng::new(seed);
    for _ in 0..count {
        let len = rng.below(300);
        let data: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        run(&data);
    }
}

#[test]
fn differential_random_inputs() {
    random_inputs(bilateral_fuzz::differential::run_bytes, 1, 300);
}

#[test]
fn params_random_inputs() {
    random_inputs(bilateral_fuzz::params::run_bytes, 2, 5000);
}
