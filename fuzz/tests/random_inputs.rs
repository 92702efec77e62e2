//! A few thousand pseudo-random inputs through each target's logic, so that `cargo test`
//! exercises the targets without libFuzzer. Known open issues are tolerated here (this is a
//! separate process from `regressions.rs`, which checks that they still fail).

use std::path::Path;

use bilateral_cli::{Format, decode_with_limits};
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
fn fast_random_inputs() {
    random_inputs(bilateral_fuzz::fast::run_bytes, 3, 300);
}

#[test]
fn params_random_inputs() {
    random_inputs(bilateral_fuzz::params::run_bytes, 2, 5000);
}

/// Random bytes would stop at the readers' magic numbers: the seeds (`seeds/decode/`, valid
/// files), mutated, reach the chunk, tag, marker and header parsers and the decompressors
/// behind them.
#[test]
fn decode_mutated_seeds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds/decode");
    let mut seeds: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    seeds.sort();
    assert!(!seeds.is_empty(), "{}: no seeds", dir.display());
    let mut rng = Rng::new(3);
    for path in seeds {
        let seed = std::fs::read(&path).unwrap();
        // Each seed must still read as the format its name says.
        let format = Format::from_path(&path).unwrap();
        decode_with_limits(&seed, format, &bilateral_fuzz::decode::LIMITS)
            .unwrap_or_else(|e| panic!("{}: {e:#}", path.display()));
        bilateral_fuzz::decode::run_bytes(&seed);
        for _ in 0..500 {
            let data = mutate(&seed, &mut rng);
            if std::panic::catch_unwind(|| bilateral_fuzz::decode::run_bytes(&data)).is_err() {
                panic!("{}, mutated: {data:02x?}", path.display());
            }
        }
    }
}

/// One to four mutations: a flipped bit, a byte set to a boundary value, four bytes set to
/// 0xff (a length, size or offset field at its maximum), a truncation, a run of bytes copied
/// from elsewhere in the file.
fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut data = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let i = rng.below(data.len());
        match rng.below(5) {
            0 => data[i] ^= 1 << rng.below(8),
            1 => data[i] = [0x00, 0x01, 0x7f, 0x80, 0xff][rng.below(5)],
            2 => data[i..].iter_mut().take(4).for_each(|b| *b = 0xff),
            3 => data.truncate(i.max(1)),
            _ => {
                let from = rng.below(data.len());
                let n = (1 + rng.below(16)).min(data.len() - from.max(i));
                data.copy_within(from..from + n, i);
            }
        }
    }
    data
}
