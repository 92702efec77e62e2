//! `bilateral filter`: one input to one output, or a batch into a directory.

use std::collections::HashMap;
use std::fs;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use bilateral::{Flow, Params, Progress};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::args::{BackendArg, FilterCommand};
use crate::formats::{self, EncodeOptions, Format};
use crate::output::Target;
use crate::raster::{Image, SampleType};
use crate::{EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, Usage, check_params, guarded, report};

/// One input and where it goes.
#[derive(Debug)]
struct Job {
    input: PathBuf,
    output: PathBuf,
}

/// What every job shares.
struct Config {
    params: Params,
    /// The guide's path and image, read once for every job.
    guide: Option<(PathBuf, Image)>,
    output_type: Option<SampleType>,
    force: bool,
    encode: EncodeOptions,
}

/// Runs the command; returns the exit status.
pub fn run(cmd: &FilterCommand) -> Result<u8, Usage> {
    let mut params = cmd.filter.params(cmd.guide.is_some()).map_err(Usage)?;
    if let Some(BackendArg::Fixed(b)) = cmd.backend {
        params = params.backend(b);
    }
    let jobs = plan(cmd)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cmd.threads.map_or(0, usize::from))
        .build()
        .map_err(|e| Usage(format!("cannot start the worker threads: {e}")))?;
    pool.install(|| check_params(&params))
        .map_err(|e| Usage(e.to_string()))?;
    if let Some(dir) = &cmd.out_dir
        && let Err(e) = fs::create_dir_all(dir)
    {
        report(
            dir,
            &anyhow!(e).context("cannot create the output directory"),
        );
        return Ok(EXIT_FAILED);
    }

    let guide = match &cmd.guide {
        None => None,
        Some(path) => match read_image(path) {
            Ok(img) => Some((path.clone(), img)),
            Err(e) => {
                report(path, &e.context("cannot read the guide"));
                return Ok(EXIT_FAILED);
            }
        },
    };
    let config = Config {
        params,
        guide,
        output_type: cmd.output_type,
        force: cmd.force,
        encode: EncodeOptions {
            jpeg_quality: cmd.jpeg_quality,
        },
    };
    let bar = if cmd.out_dir.is_some() && !cmd.quiet && std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(jobs.len() as u64);
        let style = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {wide_msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    } else {
        ProgressBar::hidden()
    };
    // Ctrl-C asks the filter to stop (see `Rows`): outputs are written whole or not at all.
    // A second handler cannot be set in the same process; the first one serves.
    let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::Relaxed));
    let rows = Rows {
        bar: ProgressBar::hidden(),
        shown: AtomicBool::new(false),
        start: Instant::now(),
        wanted: jobs.len() == 1 && !cmd.quiet && std::io::stderr().is_terminal(),
    };
    let run_one = |job: &Job| {
        if INTERRUPTED.load(Ordering::Relaxed) {
            return false;
        }
        let result = guarded(|| process(job, &config, &rows));
        if let Err(e) = &result
            && !INTERRUPTED.load(Ordering::Relaxed)
        {
            bar.suspend(|| report(&job.input, e));
        }
        bar.set_message(job.input.display().to_string());
        bar.inc(1);
        result.is_ok()
    };
    // Images run in parallel so that decoding and encoding, which are serial within an image,
    // overlap; the filter inside each one shares the same pool.
    let failed = pool.install(|| {
        if jobs.len() == 1 {
            usize::from(!run_one(&jobs[0]))
        } else {
            jobs.par_iter().filter(|j| !run_one(j)).count()
        }
    });
    bar.finish_and_clear();
    rows.bar.finish_and_clear();
    if INTERRUPTED.load(Ordering::Relaxed) {
        eprintln!(
            "bilateral: interrupted: {failed} of {} outputs not written",
            jobs.len()
        );
        return Ok(EXIT_INTERRUPTED);
    }
    if failed > 0 && cmd.out_dir.is_some() && !cmd.quiet {
        eprintln!("bilateral: {failed} of {} inputs failed", jobs.len());
    }
    Ok(if failed == 0 { EXIT_OK } else { EXIT_FAILED })
}

/// Pairs inputs with outputs and checks what can be checked without reading a file.
fn plan(cmd: &FilterCommand) -> Result<Vec<Job>, Usage> {
    let out_ext = match &cmd.ext {
        Some(ext) => {
            let ext = ext.trim_start_matches('.');
            Format::from_extension(ext).map_err(|e| Usage(format!("--ext: {e}")))?;
            Some(ext)
        }
        None => None,
    };
    let jobs: Vec<Job> = match &cmd.out_dir {
        None => match &cmd.paths[..] {
            [input, output] => vec![Job {
                input: input.clone(),
                output: output.clone(),
            }],
            paths => {
                return Err(Usage(format!(
                    "expected INPUT OUTPUT, got {} path(s); to filter several inputs, pass \
                     --out-dir DIR",
                    paths.len()
                )));
            }
        },
        Some(dir) => {
            let mut jobs = Vec::with_capacity(cmd.paths.len());
            for input in &cmd.paths {
                let name = input
                    .file_name()
                    .ok_or_else(|| Usage(format!("input {} has no file name", input.display())))?;
                let mut output = dir.join(name);
                if let Some(ext) = out_ext {
                    output.set_extension(ext);
                }
                jobs.push(Job {
                    input: input.clone(),
                    output,
                });
            }
            jobs
        }
    };
    // In a batch, outputs come from file names alone and may collide: refuse up front rather
    // than have one input's result replace another's.
    let mut seen: HashMap<&Path, &Path> = HashMap::new();
    for job in &jobs {
        if let Some(first) = seen.insert(&job.output, &job.input) {
            return Err(Usage(format!(
                "inputs {} and {} would both be written to {}",
                first.display(),
                job.input.display(),
                job.output.display()
            )));
        }
    }
    // Problems with the output format that do not depend on the input are usage errors.
    if cmd.out_dir.is_none() || out_ext.is_some() {
        let output = &jobs[0].output;
        let format =
            Format::from_path(output).map_err(|e| Usage(format!("{}: {e}", output.display())))?;
        if let Some(t) = cmd.output_type {
            // Channels are unknown until an input is read; 3 is what every format can hold.
            format
                .check_can_hold(t, 3)
                .map_err(|e| Usage(format!("{}: {e}", output.display())))?;
        }
    }
    Ok(jobs)
}

/// Reads and decodes one image file.
pub(crate) fn read_image(path: &Path) -> Result<Image> {
    let format = Format::from_path(path)?;
    let bytes = fs::read(path).context("cannot read")?;
    formats::decode(&bytes, format)
}

/// Set by Ctrl-C: the filter stops at its next tile of rows, and no job starts.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// The observer of each filter call: stops it on Ctrl-C and, for a single image that takes
/// more than about a second, shows its rows on a bar on stderr.
struct Rows {
    bar: ProgressBar,
    shown: AtomicBool,
    start: Instant,
    /// A single image, stderr a terminal, and no `-q`.
    wanted: bool,
}

impl Progress for Rows {
    fn rows_done(&self, done: u64, total: u64) -> Flow {
        if INTERRUPTED.load(Ordering::Relaxed) {
            return Flow::Stop;
        }
        if self.wanted && self.start.elapsed() > Duration::from_secs(1) {
            if !self.shown.swap(true, Ordering::Relaxed) {
                let style = ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:30} {percent:>3}% rows, {eta} left",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar());
                self.bar.set_style(style);
                self.bar.set_length(total);
                self.bar.set_draw_target(ProgressDrawTarget::stderr());
            }
            self.bar.set_position(self.bar.position().max(done));
        }
        Flow::Continue
    }
}

/// Reads, filters, converts and writes one input.
fn process(job: &Job, config: &Config, rows: &Rows) -> Result<()> {
    let out_format = Format::from_path(&job.output)
        .with_context(|| format!("output {}", job.output.display()))?;
    let target = Target::new(&job.output, &job.input, config.force)?;
    if let Some((guide, _)) = &config.guide {
        Target::new(&job.output, guide, config.force).context("the guide")?;
    }
    let img = read_image(&job.input)?;
    let out_type = config.output_type.unwrap_or(img.sample_type());
    // Before filtering, so that an impossible output costs no time.
    out_format
        .check_can_hold(out_type, img.channels)
        .with_context(|| format!("output {}", job.output.display()))?;
    let filtered = match &config.guide {
        Some((_, guide)) => img.filter_guided_with_progress(guide, &config.params, rows),
        None => img.filter_with_progress(&config.params, rows),
    }
    .context("cannot filter")?;
    // Ctrl-C while the image was read or its last tiles filtered: nothing is written.
    if INTERRUPTED.load(Ordering::Relaxed) {
        anyhow::bail!("interrupted");
    }
    drop(img);
    let out = filtered.convert(out_type);
    target.write(config.force, |w| {
        formats::encode(&out, out_format, &config.encode, w)
    })
}
