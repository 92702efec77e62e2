#![no_main]
//! The fast mode within its tolerance of the f64 oracle: see `bilateral_fuzz::fast`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|case: bilateral_fuzz::fast::Case| {
    bilateral_fuzz::fast::run(&case);
});
