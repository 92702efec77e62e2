//! The `bilateral` command-line tool, as a library: the binary is a thin `main` over [`run`],
//! and [`decode`] is the entry point for fuzzing the file readers.
//!
//! Exit status: [`EXIT_OK`], [`EXIT_FAILED`] when an input failed, [`EXIT_USAGE`] for a bad
//! command line (clap's own errors use 2 as well), [`EXIT_INTERRUPTED`] after Ctrl-C.
#![forbid(unsafe_code)]

use std::any::Any;
use std::fmt::Display;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::ExitCode;

use bilateral::Params;
use clap::Parser;

pub mod args;
mod bench;
mod filter_cmd;
pub mod formats;
mod info;
pub mod output;
pub mod raster;
mod upsample_cmd;

pub use formats::{DecodeLimits, Format, decode, decode_with_limits};
pub use raster::{Image, SampleType, Samples};

/// Every input was processed.
pub const EXIT_OK: u8 = 0;
/// At least one input failed; each failure was reported on stderr.
pub const EXIT_FAILED: u8 = 1;
/// The command line was wrong; nothing was read or written.
pub const EXIT_USAGE: u8 = 2;
/// Exit status when Ctrl-C stopped the run (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;

/// A command-line error found before any input is touched.
#[derive(Debug)]
pub struct Usage(pub String);

/// Parses the process's arguments and runs the command.
pub fn run() -> ExitCode {
    // Panics are caught and reported in one line (see `guarded`); the default hook would
    // print a multi-line message first.
    std::panic::set_hook(Box::new(|_| {}));
    let cli = args::Cli::parse();
    let status = guarded(|| {
        Ok(match &cli.command {
            args::Command::Filter(cmd) => filter_cmd::run(cmd),
            args::Command::Upsample(cmd) => upsample_cmd::run(cmd),
            args::Command::Bench(cmd) => bench::run(cmd),
            args::Command::Info => info::run(),
        })
    });
    ExitCode::from(match status {
        Ok(Ok(code)) => code,
        Ok(Err(Usage(msg))) => {
            eprintln!("bilateral: error: {}", one_line(&msg));
            EXIT_USAGE
        }
        Err(e) => {
            eprintln!("bilateral: error: {}", message(&e));
            EXIT_FAILED
        }
    })
}

/// Checks parameters before any file is read, so that a bad value is a usage error rather than
/// a failure of every input.
pub fn check_params(params: &Params) -> Result<(), bilateral::Error> {
    params.validate()
}

/// Runs `f`, turning a panic (a bug, in this crate or a decoder) into an error so that one bad
/// input cannot take a batch down or print a backtrace.
pub fn guarded<T>(f: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        Err(anyhow::anyhow!(
            "internal error: {}",
            panic_message(payload.as_ref())
        ))
    })
}

fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "panic"
    }
}

/// Reports a failure of `path` as one line on stderr.
pub fn report(path: &std::path::Path, err: &anyhow::Error) {
    eprintln!("bilateral: error: {}: {}", path.display(), message(err));
}

/// The error and its causes on one line. Some errors (the `image` crate's) repeat their
/// source's text in their own; a cause already said is left out.
fn message(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let text = one_line(cause);
        if !parts.last().is_some_and(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

/// `s` with line breaks folded, since some decoders' messages span lines.
fn one_line(s: &(impl Display + ?Sized)) -> String {
    s.to_string()
        .split(['\n', '\r'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
