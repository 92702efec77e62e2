//! The command line: subcommands, options, their defaults and units.

use std::num::NonZeroUsize;
use std::path::PathBuf;

use bilateral::{Backend, Border, ColorDistance, NanPolicy, Params, Window};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::raster::SampleType;

const EXIT_CODES: &str = "\
Exit status:
  0  every input was filtered and written
  1  at least one input failed (unreadable, corrupt, unwritable output, output exists without
     --force, ...); each failure is one line on stderr naming the file, and the others go on
  2  bad usage: unknown option or invalid value, unavailable backend, invalid filter parameter
     (e.g. a sigma <= 0), output format that cannot be chosen; nothing is read or written";

/// Fast, exact bilateral filter for images: edge-preserving smoothing.
#[derive(Debug, Parser)]
#[command(name = "bilateral", version, after_help = EXIT_CODES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Filter INPUT into OUTPUT, or a batch of INPUTs into --out-dir.
    #[command(
        override_usage = "bilateral filter [OPTIONS] INPUT OUTPUT\n       \
                          bilateral filter [OPTIONS] --out-dir DIR INPUT...",
        after_help = FILTER_AFTER_HELP
    )]
    Filter(FilterCommand),
    /// Joint bilateral upsampling: LOW brought to the size of GUIDE (an integer multiple of
    /// LOW's), written to OUTPUT.
    #[command(after_help = UPSAMPLE_AFTER_HELP)]
    Upsample(UpsampleCommand),
    /// Time the filter in memory on a 3840x2160 frame and print Mpix/s.
    #[command(after_help = BENCH_AFTER_HELP)]
    Bench(BenchCommand),
    /// Print the version, the CPU features detected and the backend `auto` picks.
    Info,
}

const FILTER_AFTER_HELP: &str = "\
Formats (by extension, case-insensitive): PNG (.png: u8/u16; gray, gray+alpha, RGB, RGBA),
JPEG (.jpg, .jpeg: u8 gray or RGB), TIFF (.tif, .tiff: u8/u16/f32, 1-4 channels), NumPy
(.npy: u1/u2/f4, shape HxW or HxWxC with C in 1..=4; one channel is written as HxW).

The filter runs in the input's sample type; --output-type converts its result afterwards.
Outputs are written to a temporary file beside them and renamed into place, so no
half-written file is ever left. An output that cannot hold the result (f32 as PNG, u16 or
alpha as JPEG) is an error that says what to pass instead; nothing is converted silently.

Exit status: 0 all written; 1 some input failed (one line each on stderr, the rest go on);
2 bad usage (invalid option or value, invalid filter parameter, unavailable backend).";

const UPSAMPLE_AFTER_HELP: &str = "\
Each output pixel is a bilateral average of the low-resolution samples around it: --radius and
--sigma-space in low-resolution pixels, --sigma-range in the guide's units, the difference
taken between the guide at the output pixel and the guide's mean over the pixels each sample
covers (see the library's `upsample`). The output has the guide's width and height and LOW's
sample type and channels (--output-type converts it); formats and the rules for writing are
those of `filter`.

Exit status: 0 written; 1 failed (one line on stderr, no output left); 2 bad usage.";

const BENCH_AFTER_HELP: &str = "\
Each case is warmed up once, then timed --runs times with filter_into into a preallocated
buffer inside a thread pool of the given size; no file I/O is timed. Mpix/s is
width*height / median / 1e6. The frame is the shipped photo (or --input) resized to --size
with a triangle filter; gray is its luma, u16 is u8*257, f32 is u8/255, alpha is opaque.

Exit status: 0 ok; 1 --input could not be read; 2 bad usage.";

/// The filter's parameters, shared by `filter` and `bench`.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Filter options")]
pub struct FilterArgs {
    /// Window radius in pixels: the window is 2R+1 pixels across [default: 2, max 64]
    #[arg(short, long, value_name = "R")]
    pub radius: Option<usize>,

    /// Spatial sigma in pixels [default: 1.5]; also OpenCV's sigmaSpace with --preset opencv
    #[arg(long, value_name = "S", allow_negative_numbers = true)]
    pub sigma_space: Option<f64>,

    /// Range sigma in the sample's units: 0-255 for u8, 0-65535 for u16, as stored for f32
    /// [default: 10% of full scale: 25.5 for u8, 6553.5 for u16, 0.1 for f32]
    #[arg(long, value_name = "S", allow_negative_numbers = true)]
    pub sigma_range: Option<f64>,

    /// Spatial coefficient α = 1/(2·σs²) per squared pixel; overrides --sigma-space. 0 weighs
    /// every tap alike
    #[arg(long, value_name = "A", allow_negative_numbers = true)]
    pub alpha: Option<f64>,

    /// Range coefficient β = 1/(2·σr²) per squared sample unit; overrides --sigma-range. 0 is
    /// a Gaussian blur
    #[arg(long, value_name = "B", allow_negative_numbers = true)]
    pub beta: Option<f64>,

    /// Which offsets of the square take part: all, or those with dx²+dy² ≤ R² [default: square]
    #[arg(long, value_enum, value_name = "WINDOW")]
    pub window: Option<WindowArg>,

    /// How colour differences are measured: Euclidean over the channels, sum of absolute
    /// differences (OpenCV), or each channel filtered on its own [default: joint]
    #[arg(long, value_enum, value_name = "COLOR")]
    pub color: Option<ColorArg>,

    /// What lies beyond the edges: reflect101 (dcb|abcd|cba), replicate (aaa|abcd|ddd),
    /// reflect (cba|abcd|dcb) or constant:V with V in the sample's units [default: reflect101]
    #[arg(long, value_name = "BORDER", value_parser = clap::value_parser!(Border))]
    pub border: Option<Border>,

    /// Filter the alpha channel of gray+alpha and RGBA images too (by default it is copied)
    #[arg(long)]
    pub filter_alpha: bool,

    /// Allow the fast mode: every result within T of the exact filter's, in the sample's units
    /// (as stored for f32), before rounding; 0.5 keeps integer results within 1 of the exact
    /// ones. Runs a certified cosine-series filter where that is faster (large windows; square
    /// window, one channel or --color per-channel), else the exact filter
    #[arg(long, value_name = "T", allow_negative_numbers = true)]
    pub tolerance: Option<f64>,

    /// What becomes of missing samples (NaN, or the --nodata value): reject them with an
    /// error, skip them (a missing neighbour weighs nothing, a missing pixel stays missing:
    /// NaN for f32, the no-data value for integers), or fill them (a missing pixel takes the
    /// mean of its valid neighbours under the spatial weights alone) [default: reject]
    #[arg(long, value_name = "POLICY", value_parser = parse_nan_policy)]
    pub nan: Option<NanPolicy>,

    /// A sample value that marks a missing sample as NaN does, in the sample's units: for u8
    /// and u16 an integer of their range, for f32 any finite value
    #[arg(long, value_name = "V", allow_negative_numbers = true)]
    pub nodata: Option<f64>,

    /// Apply the filter N times, each on the previous result (0 copies) [default: 1]
    #[arg(long, value_name = "N")]
    pub iterations: Option<u32>,

    /// Start from a preset. `opencv` is cv2.bilateralFilter(src, d, sigmaColor, sigmaSpace)
    /// and needs -d, --sigma-color and --sigma-space: disc window, L1 colour distance,
    /// reflect101 border. With --guide it is cv2.ximgproc.jointBilateralFilter(guide, src, d,
    /// sigmaColor, sigmaSpace), where a sigma ≤ 0 is 1. --window, --color, --border,
    /// --filter-alpha and --iterations still override it; --radius, --sigma-range, --alpha and
    /// --beta conflict with it
    #[arg(long, value_enum, value_name = "PRESET",
          conflicts_with_all = ["radius", "sigma_range", "alpha", "beta"])]
    pub preset: Option<Preset>,

    /// OpenCV's d (with --preset opencv): radius d/2, or round(1.5·sigma-space) (half to even)
    /// when d ≤ 0; at least 1
    #[arg(
        short = 'd',
        value_name = "D",
        allow_negative_numbers = true,
        requires = "preset"
    )]
    pub diameter: Option<i32>,

    /// OpenCV's sigmaColor (with --preset opencv), in the sample's units. As in OpenCV 5, a
    /// sigma ≤ 1e-6 copies the image
    #[arg(
        long,
        value_name = "C",
        allow_negative_numbers = true,
        requires = "preset"
    )]
    pub sigma_color: Option<f64>,
}

/// `--window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WindowArg {
    /// Every offset of the (2R+1)² square.
    Square,
    /// Offsets with dx² + dy² ≤ R².
    Disc,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// Euclidean distance over the colour channels.
    Joint,
    /// Sum of absolute differences.
    L1,
    /// Each channel on its own.
    PerChannel,
}

/// `--preset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Preset {
    /// cv2.bilateralFilter.
    Opencv,
}

/// `auto` or one backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendArg {
    /// The fastest this CPU has.
    Auto,
    /// Exactly this one; an error if the CPU lacks it.
    Fixed(Backend),
}

fn parse_nan_policy(s: &str) -> Result<NanPolicy, String> {
    s.parse().map_err(|e: bilateral::Error| e.to_string())
}

fn backend_names() -> String {
    Backend::ALL.map(Backend::name).join(", ")
}

fn parse_backend(s: &str) -> Result<BackendArg, String> {
    if s == "auto" {
        return Ok(BackendArg::Auto);
    }
    s.parse()
        .map(BackendArg::Fixed)
        .map_err(|_| format!("unknown backend {s:?} (auto, {})", backend_names()))
}

/// One entry of `bench --backend`: `all` stands for every available backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BenchBackendArg {
    /// `auto` or a backend.
    One(BackendArg),
    /// Every backend this CPU has.
    All,
}

fn parse_bench_backend(s: &str) -> Result<BenchBackendArg, String> {
    if s == "all" {
        return Ok(BenchBackendArg::All);
    }
    parse_backend(s).map(BenchBackendArg::One)
}

/// `filter`.
#[derive(Debug, Args)]
pub struct FilterCommand {
    /// INPUT OUTPUT, or with --out-dir the INPUTs
    #[arg(value_name = "PATHS", required = true)]
    pub paths: Vec<PathBuf>,

    /// The filter parameters.
    #[command(flatten)]
    pub filter: FilterArgs,

    /// Worker threads [default: all cores]
    #[arg(short, long, value_name = "N", help_heading = "Filter options")]
    pub threads: Option<NonZeroUsize>,

    /// Kernel backend: auto picks the fastest this CPU has (see `bilateral info`); naming one
    /// the CPU lacks is an error [default: auto] [possible values: auto, scalar, portable,
    /// avx2, avx512]
    #[arg(long, value_name = "BACKEND", value_parser = parse_backend, help_heading = "Filter options")]
    pub backend: Option<BackendArg>,

    /// Take the range weights from this image (the joint or cross bilateral filter): the
    /// input's width and height, any sample type and 1 to 4 channels; --sigma-range is then
    /// in the guide's units and --color measures the guide's channels. With --out-dir, every
    /// input is filtered under the same guide
    #[arg(long, value_name = "FILE", help_heading = "Filter options")]
    pub guide: Option<PathBuf>,

    /// Sample type of the output [default: the input's]. Applied after filtering: u8↔u16
    /// scale by 257, integers become f32 in 0..1, f32 is clamped to 0..1 and scaled and
    /// rounded to an integer type
    #[arg(long, value_enum, value_name = "TYPE", help_heading = "Output options")]
    pub output_type: Option<SampleType>,

    /// Write each INPUT to DIR under its own file name (DIR is created if missing); every path
    /// is an input
    #[arg(short, long, value_name = "DIR", help_heading = "Output options")]
    pub out_dir: Option<PathBuf>,

    /// With --out-dir: give the outputs this extension, and so this format (png, jpg, tif,
    /// npy) [default: the input's]
    #[arg(
        long,
        value_name = "EXT",
        requires = "out_dir",
        help_heading = "Output options"
    )]
    pub ext: Option<String>,

    /// Overwrite existing outputs, even the input itself
    #[arg(short, long, help_heading = "Output options")]
    pub force: bool,

    /// JPEG quality, 1-100
    #[arg(long, value_name = "Q", default_value_t = 90,
          value_parser = clap::value_parser!(u8).range(1..=100), help_heading = "Output options")]
    pub jpeg_quality: u8,

    /// No progress bar and no summary; errors are still reported
    #[arg(short, long, help_heading = "Output options")]
    pub quiet: bool,
}

/// `upsample`.
#[derive(Debug, Args)]
pub struct UpsampleCommand {
    /// The low-resolution image
    #[arg(value_name = "LOW")]
    pub low: PathBuf,

    /// The guide: an integer multiple of LOW's width and height, any sample type, 1-4 channels
    #[arg(value_name = "GUIDE")]
    pub guide: PathBuf,

    /// Where the result goes
    #[arg(value_name = "OUTPUT")]
    pub output: PathBuf,

    /// The filter parameters.
    #[command(flatten)]
    pub filter: FilterArgs,

    /// Worker threads [default: all cores]
    #[arg(short, long, value_name = "N", help_heading = "Filter options")]
    pub threads: Option<NonZeroUsize>,

    /// Sample type of the output [default: LOW's], converted as `filter` converts
    #[arg(long, value_enum, value_name = "TYPE", help_heading = "Output options")]
    pub output_type: Option<SampleType>,

    /// Overwrite an existing output, even an input itself
    #[arg(short, long, help_heading = "Output options")]
    pub force: bool,

    /// JPEG quality, 1-100
    #[arg(long, value_name = "Q", default_value_t = 90,
          value_parser = clap::value_parser!(u8).range(1..=100), help_heading = "Output options")]
    pub jpeg_quality: u8,
}

/// The frame formats `bench` can time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum)]
pub enum BenchFormat {
    /// Gray, 8-bit.
    GrayU8,
    /// Gray, 16-bit.
    GrayU16,
    /// Gray, float.
    GrayF32,
    /// RGB, 8-bit.
    RgbU8,
    /// RGB, 16-bit.
    RgbU16,
    /// RGB, float.
    RgbF32,
    /// RGBA, 8-bit.
    RgbaU8,
    /// RGBA, float.
    RgbaF32,
}

impl BenchFormat {
    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            BenchFormat::GrayU8 => "gray-u8",
            BenchFormat::GrayU16 => "gray-u16",
            BenchFormat::GrayF32 => "gray-f32",
            BenchFormat::RgbU8 => "rgb-u8",
            BenchFormat::RgbU16 => "rgb-u16",
            BenchFormat::RgbF32 => "rgb-f32",
            BenchFormat::RgbaU8 => "rgba-u8",
            BenchFormat::RgbaF32 => "rgba-f32",
        }
    }

    /// Channels and sample type.
    pub fn shape(self) -> (usize, SampleType) {
        match self {
            BenchFormat::GrayU8 => (1, SampleType::U8),
            BenchFormat::GrayU16 => (1, SampleType::U16),
            BenchFormat::GrayF32 => (1, SampleType::F32),
            BenchFormat::RgbU8 => (3, SampleType::U8),
            BenchFormat::RgbU16 => (3, SampleType::U16),
            BenchFormat::RgbF32 => (3, SampleType::F32),
            BenchFormat::RgbaU8 => (4, SampleType::U8),
            BenchFormat::RgbaF32 => (4, SampleType::F32),
        }
    }
}

/// `WxH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    /// Width.
    pub width: usize,
    /// Height.
    pub height: usize,
}

fn parse_size(s: &str) -> Result<Size, String> {
    let bad = || format!("{s:?} is not WIDTHxHEIGHT, e.g. 3840x2160");
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    let (width, height) = (
        w.parse::<usize>().map_err(|_| bad())?,
        h.parse::<usize>().map_err(|_| bad())?,
    );
    if width == 0 || height == 0 || width.checked_mul(height).is_none_or(|n| n > 1 << 28) {
        return Err(format!(
            "{s:?} must be at least 1x1 and at most 2^28 pixels"
        ));
    }
    Ok(Size { width, height })
}

fn parse_share(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("{s:?} is not a share between 0 and 1")),
    }
}

/// `bench`.
#[derive(Debug, Args)]
pub struct BenchCommand {
    /// The filter parameters.
    #[command(flatten)]
    pub filter: FilterArgs,

    /// Worker thread counts to time, comma separated, e.g. 1,2 [default: all cores]
    #[arg(
        short,
        long,
        value_name = "N,...",
        value_delimiter = ',',
        help_heading = "Filter options"
    )]
    pub threads: Vec<NonZeroUsize>,

    /// Backends to time, comma separated: auto, all (every one this CPU has), scalar,
    /// portable, avx2, avx512 [default: auto]
    #[arg(long, value_name = "BACKEND,...", value_delimiter = ',',
          value_parser = parse_bench_backend, help_heading = "Filter options")]
    pub backend: Vec<BenchBackendArg>,

    /// Frame formats to time, comma separated [default: gray-u8,rgb-u8,gray-f32,rgb-f32]
    #[arg(
        long,
        value_enum,
        value_name = "FORMAT,...",
        value_delimiter = ',',
        help_heading = "Bench options"
    )]
    pub format: Vec<BenchFormat>,

    /// Picture to build the frame from, any readable format [default: the shipped photo]
    #[arg(long, value_name = "FILE", help_heading = "Bench options")]
    pub input: Option<PathBuf>,

    /// Frame size
    #[arg(long, value_name = "WxH", default_value = "3840x2160", value_parser = parse_size,
          help_heading = "Bench options")]
    pub size: Size,

    /// Timed runs per case, after one warm-up run
    #[arg(long, value_name = "N", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(1..), help_heading = "Bench options")]
    pub runs: u32,

    /// One JSON object per line and case instead of a table
    #[arg(long, help_heading = "Bench options")]
    pub json: bool,

    /// Make this share of the frame's pixels missing, scattered evenly: NaN in f32 frames, the
    /// --nodata value in integer ones (for timing --nan skip and fill)
    #[arg(long, value_name = "P", value_parser = parse_share, help_heading = "Bench options")]
    pub holes: Option<f64>,
}

impl FilterArgs {
    /// The library parameters these options describe (backend aside), for the filter or, when
    /// `guided`, the joint filter (the OpenCV preset is then `Params::opencv_joint`).
    /// Unchecked: the library validates them.
    pub fn params(&self, guided: bool) -> Result<Params, String> {
        let mut p = match self.preset {
            Some(Preset::Opencv) => match (self.diameter, self.sigma_color, self.sigma_space) {
                (Some(d), Some(c), Some(s)) if guided => Params::opencv_joint(d, c, s),
                (Some(d), Some(c), Some(s)) => Params::opencv(d, c, s),
                _ => {
                    return Err(
                        "--preset opencv needs -d, --sigma-color and --sigma-space".to_string()
                    );
                }
            },
            None => {
                let mut p = Params::new();
                if let Some(r) = self.radius {
                    p = p.radius(r);
                }
                if let Some(s) = self.sigma_space {
                    p = p.sigma_space(s);
                }
                if let Some(s) = self.sigma_range {
                    p = p.sigma_range(s);
                }
                // After the sigmas, so that α and β override them.
                if let Some(a) = self.alpha {
                    p = p.alpha(a);
                }
                if let Some(b) = self.beta {
                    p = p.beta(b);
                }
                p
            }
        };
        if let Some(w) = self.window {
            p = p.window(match w {
                WindowArg::Square => Window::Square,
                WindowArg::Disc => Window::Disc,
            });
        }
        if let Some(c) = self.color {
            p = p.distance(match c {
                ColorArg::Joint => ColorDistance::Joint,
                ColorArg::L1 => ColorDistance::L1,
                ColorArg::PerChannel => ColorDistance::PerChannel,
            });
        }
        if let Some(b) = self.border {
            p = p.border(b);
        }
        if let Some(n) = self.iterations {
            p = p.iterations(n);
        }
        if let Some(t) = self.tolerance {
            p = p.tolerance(t);
        }
        if let Some(n) = self.nan {
            p = p.nan_policy(n);
        }
        if let Some(v) = self.nodata {
            p = p.nodata(v);
        }
        Ok(p.filter_alpha(self.filter_alpha))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(
            parse_size("64x48"),
            Ok(Size {
                width: 64,
                height: 48
            })
        );
        for bad in ["64", "0x5", "x", "99999999x99999999", "-1x2"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn alpha_and_beta_override_the_sigmas_and_presets_take_overrides() {
        let cli = Cli::parse_from([
            "bilateral",
            "filter",
            "a.png",
            "b.png",
            "--sigma-range",
            "10",
            "--beta",
            "0",
        ]);
        let Command::Filter(f) = cli.command else {
            panic!()
        };
        assert_eq!(
            f.filter.params(false).unwrap(),
            Params::new().beta(0.0).filter_alpha(false)
        );
        let cli = Cli::parse_from([
            "bilateral",
            "bench",
            "--preset",
            "opencv",
            "-d",
            "5",
            "--sigma-color",
            "75",
            "--sigma-space",
            "75",
            "--border",
            "replicate",
        ]);
        let Command::Bench(b) = cli.command else {
            panic!()
        };
        assert_eq!(
            b.filter.params(false).unwrap(),
            Params::opencv(5, 75.0, 75.0).border(Border::Replicate)
        );
    }
}
