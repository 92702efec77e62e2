//! `bilateral upsample`: LOW under GUIDE into OUTPUT.

use anyhow::{Context, Result};

use crate::args::UpsampleCommand;
use crate::filter_cmd::read_image;
use crate::formats::{self, EncodeOptions, Format};
use crate::output::Target;
use crate::{EXIT_FAILED, EXIT_OK, Usage, check_params, guarded, report};

/// Runs the command; returns the exit status.
pub fn run(cmd: &UpsampleCommand) -> Result<u8, Usage> {
    // One exact pass: refused rather than ignored.
    if cmd.filter.tolerance.is_some() || cmd.filter.iterations.is_some() {
        return Err(Usage(
            "upsample makes one exact pass: --tolerance and --iterations do not apply".into(),
        ));
    }
    let params = cmd.filter.params(true).map_err(Usage)?;
    let out_format = Format::from_path(&cmd.output)
        .map_err(|e| Usage(format!("{}: {e}", cmd.output.display())))?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cmd.threads.map_or(0, usize::from))
        .build()
        .map_err(|e| Usage(format!("cannot start the worker threads: {e}")))?;
    pool.install(|| check_params(&params))
        .map_err(|e| Usage(e.to_string()))?;
    let result = guarded(|| {
        let target = Target::new(&cmd.output, &cmd.low, cmd.force)?;
        Target::new(&cmd.output, &cmd.guide, cmd.force).context("the guide")?;
        let low = read_image(&cmd.low).with_context(|| cmd.low.display().to_string())?;
        let guide =
            read_image(&cmd.guide).with_context(|| format!("the guide {}", cmd.guide.display()))?;
        let out_type = cmd.output_type.unwrap_or(low.sample_type());
        out_format
            .check_can_hold(out_type, low.channels)
            .with_context(|| format!("output {}", cmd.output.display()))?;
        let up = pool
            .install(|| low.upsample(&guide, &params))
            .context("cannot upsample")?
            .convert(out_type);
        let encode = EncodeOptions {
            jpeg_quality: cmd.jpeg_quality,
        };
        target.write(cmd.force, |w| formats::encode(&up, out_format, &encode, w))
    });
    Ok(match result {
        Ok(()) => EXIT_OK,
        Err(e) => {
            report(&cmd.output, &e);
            EXIT_FAILED
        }
    })
}
