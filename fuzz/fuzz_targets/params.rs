#![no_main]
//! Arbitrary parameters, geometry and samples: `Err`, never a panic. See
//! `bilateral_fuzz::params`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|case: bilateral_fuzz::params::Case| {
    bilateral_fuzz::params::run(&case);
});
