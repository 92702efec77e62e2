//! The `bilateral` binary: see the library part of this crate.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    bilateral_cli::run()
}
