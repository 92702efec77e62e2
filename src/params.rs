//! What the filter is asked to do, and the validation that turns it into checked values.
#![forbid(unsafe_code)]

use std::fmt;
use std::str::FromStr;

use crate::missing::Missing;
use crate::sample::is_valid_value;
use crate::{Backend, Error, NanPolicy, Sample};

/// The largest supported radius: a 129x129 window.
pub const MAX_RADIUS: usize = 64;

/// The tile height used when none is set: rows per rayon task.
pub const DEFAULT_TILE_HEIGHT: usize = 32;

/// Which offsets of the `(2r+1)²` square take part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[non_exhaustive]
pub enum Window {
    /// Every offset with `|dx| ≤ r` and `|dy| ≤ r`, as in the defining formula.
    #[default]
    Square,
    /// Offsets with `dx² + dy² ≤ r²`: the taps OpenCV uses (13 at r = 2, 29 at r = 3).
    Disc,
}

/// How the difference of two multi-channel pixels is measured. One-channel images are alike
/// under all three.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[non_exhaustive]
pub enum ColorDistance {
    /// Euclidean distance over the colour channels: `D² = Σ_c (I_c(p) - I_c(q))²`.
    #[default]
    Joint,
    /// Sum of absolute differences, squared: `D² = (Σ_c |I_c(p) - I_c(q)|)²`, as OpenCV.
    L1,
    /// Each channel is filtered on its own, as a gray image.
    PerChannel,
}

/// What lies beyond the image edge. Shown for a row `abcd`, three samples out on each side.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub enum Border {
    /// `dcb|abcd|cba`: mirror without repeating the edge (OpenCV's default).
    #[default]
    Reflect101,
    /// `aaa|abcd|ddd`: the edge sample repeated.
    Replicate,
    /// `cba|abcd|dcb`: mirror repeating the edge.
    Reflect,
    /// `vvv|abcd|vvv`: a constant, in the sample's own units, taken for every channel. Like an
    /// `f32` sample it must be finite and within ±2^60.
    Constant(f32),
}

/// How the filter gets the weights of a pixel's taps. A choice of speed only: every mode gives
/// the same bytes, and the default ([`Params::weight_mode`] unset) picks the fastest for the
/// backend and window.
///
/// `w(p, q) = w(q, p)`, so the shared modes compute the weights of the forward half of the
/// window (`dy > 0`, or `dy = 0` and `dx > 0`) once per pixel, into a ring of `r + 1` rows of
/// weights per tile, and both pixels of each pair read them. That ring holds
/// `(r + 1) · taps / 2 · width` weights; where it would pass a budget of a few MiB per tile
/// (at 3840 columns, from radius 5) a tile filters narrower blocks of columns one after the
/// other, and where even blocks of `max(4r, 64)` columns would pass it (beyond radius 14 for
/// the square window, 16 for the disc) the filter computes the weights in place whatever the
/// mode asked for. The AVX-512 backend, not yet measured with blocks, computes them in place
/// from radius 5 at 3840 columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WeightMode {
    /// Every weight computed where it is used: each pair of pixels computes its weight twice.
    InPlace,
    /// The forward taps' weights computed ahead, once per pair of pixels, and read back.
    Shared,
    /// As [`WeightMode::Shared`], and the pass that computes the weights also keeps the sums
    /// over the forward taps, from which the filter starts: each forward neighbour is loaded
    /// once. Pays where the registers hold the extra sums (AVX-512).
    SharedSums,
}

impl WeightMode {
    /// Every mode.
    pub const ALL: [WeightMode; 3] = [
        WeightMode::InPlace,
        WeightMode::Shared,
        WeightMode::SharedSums,
    ];
}

/// The command line's spelling of each choice, read by `FromStr` and written by `Display`:
/// `square`, `disc`; `joint`, `l1`, `per-channel`; `reflect101`, `replicate`, `reflect`,
/// `constant:V`; `in-place`, `shared`, `shared-sums`.
macro_rules! names {
    ($t:ty { $($v:ident => $n:literal),* }) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(match self { $(Self::$v => $n),* })
            }
        }

        impl FromStr for $t {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($n => Ok(Self::$v),)*
                    _ => Err(format!("{s:?} is not one of {}", [$($n),*].join(", "))),
                }
            }
        }
    };
}

names!(Window { Square => "square", Disc => "disc" });
names!(WeightMode { InPlace => "in-place", Shared => "shared", SharedSums => "shared-sums" });
names!(ColorDistance { Joint => "joint", L1 => "l1", PerChannel => "per-channel" });

impl fmt::Display for Border {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Border::Reflect101 => f.write_str("reflect101"),
            Border::Replicate => f.write_str("replicate"),
            Border::Reflect => f.write_str("reflect"),
            Border::Constant(v) => write!(f, "constant:{v}"),
        }
    }
}

impl FromStr for Border {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "reflect101" => Ok(Border::Reflect101),
            "replicate" => Ok(Border::Replicate),
            "reflect" => Ok(Border::Reflect),
            _ => match s.strip_prefix("constant:") {
                Some(v) => v
                    .parse()
                    .map(Border::Constant)
                    .map_err(|_| format!("{v:?} is not a number (constant:V)")),
                None => Err(format!(
                    "{s:?} is not one of reflect101, replicate, reflect, constant:V"
                )),
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Spatial {
    Sigma(f64),
    Alpha(f64),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Range {
    /// A tenth of the sample type's full scale (see [`Sample::FULL_SCALE`]).
    Default,
    Sigma(f64),
    Beta(f64),
}

/// Parameters of the bilateral filter.
///
/// Weights are `w(p,q) = exp(-α·|p-q|² - β·D(I(p), I(q))²)` with `α = 1/(2σs²)` and
/// `β = 1/(2σr²)`.
///
/// **Units.** `|p-q|` is in pixels. `D` and therefore `σr` and `β` are in the sample's own
/// units: 0-255 for `u8`, 0-65535 for `u16`, the stored values for `f32`. A `u16` image that
/// wants the smoothing a `u8` image gets with `σr = 25` uses `σr = 25·257 = 6425`. When no range
/// parameter is set, `σr` is a tenth of full scale: 25.5 for `u8`, 6553.5 for `u16`, 0.1 for
/// `f32` (taken as 0..1).
///
/// For OpenCV's semantics use [`Params::opencv`].
///
/// Defaults: radius 2 (the 5x5 window), `σs = 1.5`, square window, joint colour distance,
/// reflect-101 border, alpha kept, one iteration, automatic backend.
///
/// ```
/// use bilateral::{Params, Window, Border};
/// let p = Params::new().radius(3).sigma_space(2.0).sigma_range(30.0)
///     .window(Window::Disc).border(Border::Replicate);
/// assert_eq!(p.get_radius(), 3);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    radius: usize,
    spatial: Spatial,
    range: Range,
    window: Window,
    distance: ColorDistance,
    border: Border,
    filter_alpha: bool,
    iterations: u32,
    backend: Option<Backend>,
    weight_mode: Option<WeightMode>,
    tile_height: usize,
    tolerance: Option<f64>,
    always_fast: bool,
    /// Set by [`Params::opencv_joint`]: a flat float guide blurs with the square window.
    opencv_joint: bool,
    nan_policy: NanPolicy,
    nodata: Option<f64>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            radius: 2,
            spatial: Spatial::Sigma(1.5),
            range: Range::Default,
            window: Window::Square,
            distance: ColorDistance::Joint,
            border: Border::Reflect101,
            filter_alpha: false,
            iterations: 1,
            backend: None,
            weight_mode: None,
            tile_height: DEFAULT_TILE_HEIGHT,
            tolerance: None,
            always_fast: false,
            opencv_joint: false,
            nan_policy: NanPolicy::Reject,
            nodata: None,
        }
    }
}

impl Params {
    /// The defaults: see the type's documentation.
    pub fn new() -> Self {
        Self::default()
    }

    /// OpenCV's `cv2.bilateralFilter(src, d, sigmaColor, sigmaSpace)`, as OpenCV 5.0 computes it
    /// (`modules/imgproc/src/bilateral_filter.dispatch.cpp`):
    ///
    /// - radius `d/2`, or when `d ≤ 0` `cvRound(1.5·σs)` (half to even: 4.5 gives 4), and at
    ///   least one. Where `1.5·σs` overflows an `i32`, cvRound gives `INT_MIN` on x86-64 and the
    ///   radius is 1, here too. A radius above [`MAX_RADIUS`] makes the filter call fail with
    ///   [`Error::RadiusTooLarge`], where OpenCV would run it;
    /// - the disc window (offsets with `dx² + dy² ≤ r²`: 13 taps at `d = 5`, 29 at `d = 7`);
    /// - the L1 colour distance: OpenCV weighs a neighbour by
    ///   `exp(-(|Δc₁| + |Δc₂| + |Δc₃|)² / 2σc²)`;
    /// - reflect-101 borders. OpenCV's other `borderType`s map to [`Params::border`]:
    ///   `BORDER_REPLICATE` is [`Border::Replicate`], `BORDER_REFLECT` [`Border::Reflect`],
    ///   `BORDER_CONSTANT` `Border::Constant(0.0)` (its default value); `BORDER_WRAP` has no
    ///   counterpart;
    /// - a sigma `≤ 1e-6` copies the image (OpenCV 5 returns `src` unchanged; earlier releases
    ///   replaced a sigma `≤ 0` by 1, opencv/opencv#22886). A NaN sigma copies too: OpenCV's
    ///   result for it depends on the build (the IPP build copies, its own code writes
    ///   garbage). An infinite sigma is a weight of 1: `σs = ∞` weighs all taps alike,
    ///   `σc = ∞` is a Gaussian blur.
    ///
    /// Results are those of the exact filter on these semantics, within the crate's accuracy
    /// bound. OpenCV's are approximations of the same, and differ by design:
    ///
    /// - `u8`: OpenCV sums in `f32` and rounds half to even; this crate rounds the near-exact
    ///   value half up. At most 1 apart, on about 1 sample in 100,000 in the parity test. The
    ///   x86-64 builds that route the filter to Intel IPP (the `opencv-python` wheels) truncate
    ///   instead of rounding for one-channel images at radius 1 and 2: there about half the
    ///   samples are 1 lower than here.
    /// - `f32`: OpenCV's own code reads the colour weight from a table of 4096 bins per channel
    ///   spanning the whole image's `(max - min)·channels`, interpolated linearly. Where that
    ///   span is large against `σc` the table is coarse and the results part: one outlier of
    ///   10⁶ in noise of σ = 10, filtered with `σc = 10`, moves OpenCV's result by up to
    ///   1.8σc. The IPP build computes the weights without the table and agrees with this
    ///   crate to within a few `f32` roundings.
    ///
    /// u16 and 4-channel images, which OpenCV refuses, follow the same rules (alpha kept, as
    /// for every preset). `cli/tests/opencv_parity.rs` checks all of this against OpenCV
    /// itself.
    ///
    /// ```
    /// use bilateral::Params;
    /// assert_eq!(Params::opencv(5, 75.0, 75.0).get_radius(), 2);
    /// assert_eq!(Params::opencv(0, 20.0, 3.0).get_radius(), 4); // cvRound(4.5), to even
    /// assert_eq!(Params::opencv(5, 0.0, 3.0).get_radius(), 0); // copies, as OpenCV 5
    /// ```
    pub fn opencv(d: i32, sigma_color: f64, sigma_space: f64) -> Self {
        /// OpenCV 5's `eps`: a sigma at or below it copies the image.
        const MIN_SIGMA: f64 = 1e-6;
        let preset = Params::new()
            .window(Window::Disc)
            .distance(ColorDistance::L1)
            .border(Border::Reflect101);
        // Written so that NaN copies as well.
        if !(sigma_color > MIN_SIGMA && sigma_space > MIN_SIGMA) {
            return preset.radius(0);
        }
        // α and β rather than sigmas, so that an infinite sigma gives OpenCV's weight of 1;
        // for finite sigmas they are what `sigma_space` and `sigma_range` would resolve to.
        preset
            .radius(opencv_radius(d, sigma_space))
            .alpha(0.5 / (sigma_space * sigma_space))
            .beta(0.5 / (sigma_color * sigma_color))
    }

    /// OpenCV contrib's `cv2.ximgproc.jointBilateralFilter(joint, src, d, sigmaColor,
    /// sigmaSpace)`, as OpenCV 5's `modules/ximgproc/src/joint_bilateral_filter.cpp` computes
    /// it, for [`filter_guided`](crate::filter_guided) with `joint` as the guide:
    ///
    /// - a sigma `≤ 0` is replaced by 1 (where [`Params::opencv`] copies the image); a NaN
    ///   sigma is refused ([`Error::InvalidAlpha`] or [`Error::InvalidBeta`]), where OpenCV
    ///   computes garbage;
    /// - the radius, the disc window, the L1 colour distance (over the guide's channels) and
    ///   the reflect-101 border of [`Params::opencv`]; OpenCV's `BORDER_CONSTANT` pads both
    ///   images with 0, `Border::Constant(0.0)`;
    /// - a float guide whose samples are all within `f32::EPSILON` of each other makes OpenCV
    ///   call `GaussianBlur` with the square `(2r + 1)²` kernel: here too, the square window.
    ///
    /// OpenCV's own results approximate the same sums: `u8` sums in `f32` rounded half to
    /// even (here the near-exact value rounded half up), `f32` reads its colour weight from a
    /// table of 4096 bins per guide channel over the guide's whole span, interpolated. OpenCV
    /// takes u8 or f32, the same for both images, 1 or 3 channels each; other types, a guide
    /// of another type than the image and 2 or 4 channels follow the same rules.
    /// `cli/tests/opencv_parity.rs` checks this against `opencv-contrib-python-headless`.
    ///
    /// ```
    /// use bilateral::Params;
    /// assert_eq!(Params::opencv_joint(5, 0.0, 3.0).get_radius(), 2); // σc ≤ 0 is 1
    /// assert_eq!(Params::opencv_joint(0, 10.0, -2.0).get_radius(), 2); // σs = 1: cvRound(1.5)
    /// ```
    pub fn opencv_joint(d: i32, sigma_color: f64, sigma_space: f64) -> Self {
        let positive = |s: f64| if s <= 0.0 { 1.0 } else { s };
        let (sigma_color, sigma_space) = (positive(sigma_color), positive(sigma_space));
        Params {
            opencv_joint: true,
            ..Params::new()
                .window(Window::Disc)
                .distance(ColorDistance::L1)
                .border(Border::Reflect101)
                .radius(opencv_radius(d, sigma_space))
                .alpha(0.5 / (sigma_space * sigma_space))
                .beta(0.5 / (sigma_color * sigma_color))
        }
    }

    /// Window radius: the window spans `2r+1` pixels each way. 0 copies the image.
    pub fn radius(mut self, r: usize) -> Self {
        self.radius = r;
        self
    }

    /// Spatial sigma in pixels; sets `α = 1/(2σs²)`.
    pub fn sigma_space(mut self, sigma: f64) -> Self {
        self.spatial = Spatial::Sigma(sigma);
        self
    }

    /// Range sigma in sample units; sets `β = 1/(2σr²)`.
    pub fn sigma_range(mut self, sigma: f64) -> Self {
        self.range = Range::Sigma(sigma);
        self
    }

    /// The spatial coefficient α directly, per squared pixel. 0 weighs all taps alike.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.spatial = Spatial::Alpha(alpha);
        self
    }

    /// The range coefficient β directly, per squared sample unit. 0 is a Gaussian blur.
    pub fn beta(mut self, beta: f64) -> Self {
        self.range = Range::Beta(beta);
        self
    }

    /// Which offsets take part.
    pub fn window(mut self, window: Window) -> Self {
        self.window = window;
        self
    }

    /// How multi-channel differences are measured.
    pub fn distance(mut self, distance: ColorDistance) -> Self {
        self.distance = distance;
        self
    }

    /// What lies beyond the edges.
    pub fn border(mut self, border: Border) -> Self {
        self.border = border;
        self
    }

    /// For 2- and 4-channel images the last channel is alpha. By default it is copied as it
    /// is; `true` filters it as one more colour channel.
    pub fn filter_alpha(mut self, filter: bool) -> Self {
        self.filter_alpha = filter;
        self
    }

    /// Apply the filter `n` times, each pass on the previous one's output (0 copies). Integer
    /// samples are rounded between passes, as repeated calls would. Above one pass, one scratch
    /// image of the output's size is allocated once.
    pub fn iterations(mut self, n: u32) -> Self {
        self.iterations = n;
        self
    }

    /// Force a backend instead of the best one the CPU has. Asking for one the CPU lacks makes
    /// the filter call fail with [`Error::BackendUnavailable`].
    pub fn backend(mut self, backend: Backend) -> Self {
        self.backend = Some(backend);
        self
    }

    /// Force a weight mode instead of the fastest for the backend and window. A performance
    /// knob only: the output does not depend on it (see [`WeightMode`]).
    pub fn weight_mode(mut self, mode: WeightMode) -> Self {
        self.weight_mode = Some(mode);
        self
    }

    /// Rows per parallel task. A performance knob only: the output does not depend on it.
    pub fn tile_height(mut self, rows: usize) -> Self {
        self.tile_height = rows;
        self
    }

    /// Allows the fast mode: each result may differ from the exact filter's by at most
    /// `tolerance`, in the sample's units (as stored, for `f32`), before the result is
    /// rounded to the sample type, so that integer results are within 1 of the exact rounded
    /// value for a tolerance of 0.5 or less. Where the fast mode is faster (large windows) the
    /// filter computes a cosine series of the range kernel with a per-pixel certificate of its
    /// error and filters exactly the pixels it cannot certify; elsewhere it runs the exact
    /// filter. Square windows, one channel or [`ColorDistance::PerChannel`]; other choices run
    /// exact. [`filter_into_with_report`](crate::filter_into_with_report) says what ran. The
    /// output is the same for any thread count and tile height.
    ///
    /// It must be finite and greater than 0, else the call fails with
    /// [`Error::InvalidTolerance`]; one below what the fast mode can certify (the exact
    /// filter's own accuracy) simply runs exact.
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.tolerance = Some(tolerance);
        self
    }

    /// With a tolerance, run the fast mode wherever it applies and can certify the
    /// tolerance, even where the cost model would choose the exact filter as faster: for
    /// tests and benchmarks of the fast mode itself. The guarantee is the same.
    pub fn always_fast(mut self, always: bool) -> Self {
        self.always_fast = always;
        self
    }

    /// What becomes of missing samples: NaN, or the [`Params::nodata`] value (see
    /// [`NanPolicy`]). Skip and fill run the exact filter (never the fast mode) and apply to
    /// [`filter`](crate::filter) and [`filter_into`](crate::filter_into); with a guide they
    /// are refused ([`Error::MissingWithGuide`]).
    pub fn nan_policy(mut self, policy: NanPolicy) -> Self {
        self.nan_policy = policy;
        self
    }

    /// A value, in the sample's units, that marks a missing sample as NaN does: for `u8` and
    /// `u16` an integer of the type's range, for `f32` any finite value (NaN adds nothing).
    /// Under skip and fill a missing centre's output is the no-data value for integers and
    /// NaN for `f32`; a valid pixel whose result rounds to the no-data value holds it too, as
    /// with any no-data convention. Else [`Error::NanNodata`] or [`Error::NodataOutOfRange`].
    pub fn nodata(mut self, value: f64) -> Self {
        self.nodata = Some(value);
        self
    }

    /// The NaN policy.
    pub fn get_nan_policy(&self) -> NanPolicy {
        self.nan_policy
    }

    /// The no-data value, if one is set.
    pub fn get_nodata(&self) -> Option<f64> {
        self.nodata
    }

    /// The tolerance, if the fast mode is allowed.
    pub fn get_tolerance(&self) -> Option<f64> {
        self.tolerance
    }

    /// The radius.
    pub fn get_radius(&self) -> usize {
        self.radius
    }

    /// The spatial sigma, unless α was given instead.
    pub fn get_sigma_space(&self) -> Option<f64> {
        match self.spatial {
            Spatial::Sigma(s) => Some(s),
            Spatial::Alpha(_) => None,
        }
    }

    /// The spatial coefficient α, if it was given instead of a sigma.
    pub fn get_alpha(&self) -> Option<f64> {
        match self.spatial {
            Spatial::Alpha(a) => Some(a),
            Spatial::Sigma(_) => None,
        }
    }

    /// The range sigma, if one was given (`None` for the default, a tenth of full scale, and
    /// when β was given instead).
    pub fn get_sigma_range(&self) -> Option<f64> {
        match self.range {
            Range::Sigma(s) => Some(s),
            Range::Default | Range::Beta(_) => None,
        }
    }

    /// The range coefficient β, if it was given instead of a sigma.
    pub fn get_beta(&self) -> Option<f64> {
        match self.range {
            Range::Beta(b) => Some(b),
            Range::Default | Range::Sigma(_) => None,
        }
    }

    /// The window.
    pub fn get_window(&self) -> Window {
        self.window
    }

    /// The colour distance.
    pub fn get_distance(&self) -> ColorDistance {
        self.distance
    }

    /// The border.
    pub fn get_border(&self) -> Border {
        self.border
    }

    /// Whether alpha is filtered.
    pub fn get_filter_alpha(&self) -> bool {
        self.filter_alpha
    }

    /// The number of passes.
    pub fn get_iterations(&self) -> u32 {
        self.iterations
    }

    /// The forced backend, if any.
    pub fn get_backend(&self) -> Option<Backend> {
        self.backend
    }

    /// The forced weight mode, if any.
    pub fn get_weight_mode(&self) -> Option<WeightMode> {
        self.weight_mode
    }

    /// Checks every parameter as a filter call would (nothing here depends on the sample type or
    /// the image), including that a forced backend is available.
    pub fn validate(&self) -> Result<(), Error> {
        self.resolve::<u8>().map(drop)
    }

    /// Checks every parameter and resolves α and β for sample type `T`.
    pub(crate) fn resolve<T: Sample>(&self) -> Result<Resolved, Error> {
        // Sigmas below about 1e-154 square to 0; their coefficient is then the largest finite
        // one, which weighs every neighbour 0 exactly as the infinite limit would.
        let alpha = match self.spatial {
            Spatial::Sigma(s) if s.is_finite() && s > 0.0 => (0.5 / (s * s)).min(f64::MAX),
            Spatial::Sigma(s) => return Err(Error::InvalidSigmaSpace(s)),
            Spatial::Alpha(a) if a.is_finite() && a >= 0.0 => a,
            Spatial::Alpha(a) => return Err(Error::InvalidAlpha(a)),
        };
        let beta = match self.range {
            Range::Default => {
                let s = 0.1 * f64::from(T::FULL_SCALE);
                0.5 / (s * s)
            }
            Range::Sigma(s) if s.is_finite() && s > 0.0 => (0.5 / (s * s)).min(f64::MAX),
            Range::Sigma(s) => return Err(Error::InvalidSigmaRange(s)),
            Range::Beta(b) if b.is_finite() && b >= 0.0 => b,
            Range::Beta(b) => return Err(Error::InvalidBeta(b)),
        };
        if self.radius > MAX_RADIUS {
            return Err(Error::RadiusTooLarge {
                radius: self.radius,
                max: MAX_RADIUS,
            });
        }
        if let Border::Constant(v) = self.border
            && !is_valid_value(v)
        {
            return Err(Error::InvalidBorderValue(f64::from(v)));
        }
        if self.tile_height == 0 {
            return Err(Error::ZeroTileHeight);
        }
        if let Some(t) = self.tolerance
            && !(t.is_finite() && t > 0.0)
        {
            return Err(Error::InvalidTolerance(t));
        }
        let missing = Missing::new::<T>(self.nan_policy, self.nodata)?;
        let backend = match self.backend {
            Some(b) if !b.is_available() => {
                return Err(Error::BackendUnavailable {
                    wanted: b,
                    available: Backend::available()
                        .iter()
                        .map(|b| b.name())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
            Some(b) => b,
            None => Backend::detect(),
        };
        Ok(Resolved {
            radius: self.radius,
            alpha,
            beta,
            window: self.window,
            distance: self.distance,
            border: self.border,
            filter_alpha: self.filter_alpha,
            iterations: self.iterations,
            backend,
            weight_mode: self.weight_mode,
            tile_height: self.tile_height,
            tolerance: self.tolerance,
            always_fast: self.always_fast,
            opencv_joint: self.opencv_joint,
            missing,
        })
    }
}

/// Parameters after validation, with α and β resolved for one sample type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Resolved {
    /// Window radius, at most [`MAX_RADIUS`].
    pub radius: usize,
    /// Spatial coefficient α ≥ 0, per squared pixel.
    pub alpha: f64,
    /// Range coefficient β ≥ 0, per squared sample unit.
    pub beta: f64,
    /// Which offsets take part.
    pub window: Window,
    /// How multi-channel differences are measured.
    pub distance: ColorDistance,
    /// What lies beyond the edges (a constant is finite).
    pub border: Border,
    /// Whether a trailing alpha channel is filtered.
    pub filter_alpha: bool,
    /// Number of passes.
    pub iterations: u32,
    /// The backend that will run, available on this CPU.
    pub backend: Backend,
    /// The weight mode asked for, if any.
    pub weight_mode: Option<WeightMode>,
    /// Rows per parallel task, at least 1.
    pub tile_height: usize,
    /// The fast mode's tolerance (finite, > 0), if allowed.
    pub tolerance: Option<f64>,
    /// Whether the cost model is skipped.
    pub always_fast: bool,
    /// Whether a flat float guide blurs with the square window, as OpenCV's joint filter does.
    pub opencv_joint: bool,
    /// The NaN policy and the no-data value.
    pub missing: Missing,
}

impl Resolved {
    /// The channels filtered of an image of `channels`: all but a kept alpha (the last of 2
    /// or 4).
    pub(crate) fn filtered_channels(&self, channels: usize) -> usize {
        if channels.is_multiple_of(2) && !self.filter_alpha {
            channels - 1
        } else {
            channels
        }
    }
}

/// OpenCV's radius for `d` and `σs`: `d/2`, or when `d ≤ 0` `cvRound(1.5·σs)` (half to even),
/// at least 1. Where `1.5·σs` overflows an `i32`, cvRound gives `INT_MIN` on x86-64, which
/// `max(radius, 1)` makes 1.
fn opencv_radius(d: i32, sigma_space: f64) -> usize {
    let radius = if d > 0 {
        (d / 2) as usize
    } else {
        let r = (1.5 * sigma_space).round_ties_even();
        if r < 2_147_483_648.0 { r as usize } else { 1 }
    };
    radius.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for w in [Window::Square, Window::Disc] {
            assert_eq!(w.to_string().parse(), Ok(w));
        }
        for m in WeightMode::ALL {
            assert_eq!(m.to_string().parse(), Ok(m));
        }
        for d in [
            ColorDistance::Joint,
            ColorDistance::L1,
            ColorDistance::PerChannel,
        ] {
            assert_eq!(d.to_string().parse(), Ok(d));
        }
        for b in [
            Border::Reflect101,
            Border::Replicate,
            Border::Reflect,
            Border::Constant(-2.5),
        ] {
            assert_eq!(b.to_string().parse(), Ok(b));
        }
        assert!("constant:".parse::<Border>().is_err());
        assert!("wrap".parse::<Border>().is_err());
        assert!("circle".parse::<Window>().is_err());
    }

    #[test]
    fn opencv_preset_follows_opencv_5() {
        let radius = |d, c, s| Params::opencv(d, c, s).get_radius();
        assert_eq!([radius(3, 30.0, 3.0), radius(4, 30.0, 3.0)], [1, 2]);
        // d ≤ 0: cvRound(1.5·σs), half to even, at least 1.
        assert_eq!(radius(0, 30.0, 5.0 / 3.0), 2);
        assert_eq!(radius(-1, 30.0, 3.0), 4);
        assert_eq!(radius(0, 30.0, 0.2), 1);
        assert_eq!(radius(0, 30.0, f64::INFINITY), 1);
        assert_eq!(radius(0, 30.0, 1e12), 1);
        // Past MAX_RADIUS it is an error, not a silently smaller window.
        assert_eq!(radius(0, 30.0, 100.0), 150);
        assert!(matches!(
            Params::opencv(0, 30.0, 100.0).validate(),
            Err(Error::RadiusTooLarge { radius: 150, .. })
        ));
        // A sigma ≤ 1e-6, or NaN, copies.
        for (c, s) in [
            (0.0, 3.0),
            (30.0, -1.0),
            (1e-6, 3.0),
            (f64::NAN, 3.0),
            (30.0, f64::NAN),
        ] {
            assert_eq!(radius(5, c, s), 0, "{c} {s}");
            assert!(Params::opencv(5, c, s).validate().is_ok());
        }
        assert_eq!(radius(5, 1.1e-6, 3.0), 2);
        let r = Params::opencv(5, 30.0, 3.0).resolve::<u8>().unwrap();
        let s = Params::new()
            .sigma_range(30.0)
            .sigma_space(3.0)
            .resolve::<u8>()
            .unwrap();
        assert_eq!((r.alpha, r.beta), (s.alpha, s.beta));
        assert_eq!(
            (r.window, r.distance, r.border),
            (Window::Disc, ColorDistance::L1, Border::Reflect101)
        );
        let r = Params::opencv(5, f64::INFINITY, f64::INFINITY)
            .resolve::<f32>()
            .unwrap();
        assert_eq!((r.alpha, r.beta), (0.0, 0.0));
    }

    #[test]
    fn sigmas_resolve_to_alpha_and_beta() {
        let r = Params::new()
            .sigma_space(2.0)
            .sigma_range(10.0)
            .resolve::<u8>()
            .unwrap();
        assert_eq!((r.alpha, r.beta), (0.125, 0.005));
        let r = Params::new().resolve::<u16>().unwrap();
        assert_eq!(r.beta, 0.5 / (6553.5f64 * 6553.5));
        assert!(Params::new().sigma_space(-1.0).validate().is_err());
    }
}
