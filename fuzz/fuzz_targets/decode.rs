#![no_main]
//! Arbitrary bytes through the CLI's file readers: an image or an error, never a panic. See
//! `bilateral_fuzz::decode`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    bilateral_fuzz::decode::run_bytes(data);
});
