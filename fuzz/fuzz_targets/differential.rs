#![no_main]
//! Every backend the CPU has against the f64 oracle: see `bilateral_fuzz::differential`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|case: bilateral_fuzz::differential::Case| {
    bilateral_fuzz::differential::run(&case);
});
