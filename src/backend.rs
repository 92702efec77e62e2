//! The backends, their detection, and the one place that picks the compiled kernel for one.
//!
//! Each backend is the generic kernel of [`crate::kernel`] instantiated with one lane type and,
//! on x86-64, compiled inside a `#[target_feature]` function, so a default `cargo build` (which
//! targets SSE2) still runs AVX2+FMA or AVX-512 code on CPUs that have them.

use std::fmt;

use crate::convert;
use crate::kernel::{RowInput, UNROLL, filter_row, weigh_row};
use crate::lanes::Lanes;
use crate::{Error, Sample};

/// A compiled variant of the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// One pixel at a time in plain `f32`. Every CPU.
    Scalar,
    /// Eight lanes with `wide`, in whatever ISA the build targets (SSE2 on a default x86-64
    /// build, NEON on aarch64). Every CPU.
    Portable,
    /// Eight lanes with AVX2 and FMA, x86-64.
    Avx2,
    /// Sixteen lanes with AVX-512F, x86-64.
    Avx512,
}

impl Backend {
    /// Every backend, slowest first.
    pub const ALL: [Backend; 4] = [
        Backend::Scalar,
        Backend::Portable,
        Backend::Avx2,
        Backend::Avx512,
    ];

    /// Its name as the command line spells it.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Scalar => "scalar",
            Backend::Portable => "portable",
            Backend::Avx2 => "avx2",
            Backend::Avx512 => "avx512",
        }
    }

    /// Whether this CPU (and build) can run it.
    pub fn is_available(self) -> bool {
        match self {
            Backend::Scalar | Backend::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2 => {
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
            }
            #[cfg(target_arch = "x86_64")]
            Backend::Avx512 => std::arch::is_x86_feature_detected!("avx512f"),
            #[cfg(not(target_arch = "x86_64"))]
            Backend::Avx2 | Backend::Avx512 => false,
        }
    }

    /// The backends this CPU can run, slowest first.
    pub fn available() -> Vec<Backend> {
        Backend::ALL
            .into_iter()
            .filter(|b| b.is_available())
            .collect()
    }

    /// The fastest backend this CPU can run: what `auto` means.
    pub fn detect() -> Backend {
        *Backend::available()
            .last()
            .expect("the portable backend is always available")
    }

    /// `Ok(self)` if this CPU can run it, else [`Error::BackendUnavailable`].
    pub fn check(self) -> Result<Backend, Error> {
        if self.is_available() {
            Ok(self)
        } else {
            Err(Error::BackendUnavailable {
                wanted: self,
                available: Backend::available()
                    .iter()
                    .map(|b| b.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
        }
    }

    /// Lanes per vector.
    pub fn lanes(self) -> usize {
        match self {
            Backend::Scalar => <f32 as Lanes>::N,
            Backend::Portable => <wide::f32x8 as Lanes>::N,
            Backend::Avx2 => 8,
            Backend::Avx512 => 16,
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Backend {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Backend::ALL
            .into_iter()
            .find(|b| b.name() == s)
            .ok_or_else(|| format!("unknown backend {s:?}"))
    }
}

/// A compiled row kernel. Calling it requires the backend it came from to be available.
type RowFn = unsafe fn(&RowInput<'_>, &mut [f32]);

/// A compiled kernel that computes weights ahead, writing taps a stride apart.
type WeighFn = unsafe fn(&RowInput<'_>, &mut [f32], usize, &mut [f32]);

/// A compiled conversion of one row of samples into planes: `(planes, padded, lead, row)`,
/// whether every sample is valid (see [`convert::deinterleave`]).
type DeinterleaveFn<T> = unsafe fn(&mut [f32], usize, usize, &[T]) -> bool;

/// A compiled conversion of one row of results back: `(dst, src, planes, columns)` (see
/// [`convert::interleave`]).
type InterleaveFn<T> = unsafe fn(&mut [T], &[T], &[f32], usize);

/// The kernels of one backend, sample type, channel count and distance: filtering with weights
/// computed in place, filtering with weights computed ahead, computing weights ahead, and the
/// conversions of rows in and out.
struct RowFns<T> {
    /// Whether `weigh` keeps the sums over the forward taps for the filter to start from: only
    /// where 32 vector registers hold the extra accumulators (AVX-512: 8-11% faster); with 16
    /// they spill (AVX2: 4-10% slower). Either way gives the same bits.
    keeps_sums: bool,
    direct: RowFn,
    shared: RowFn,
    weigh: WeighFn,
    deinterleave: DeinterleaveFn<T>,
    interleave: InterleaveFn<T>,
}

/// Instantiates the kernels for one lane type, inside functions compiled with the features it
/// needs: `$filter` for both filtering modes, `$weigh` for computing weights ahead, `$to` and
/// `$from` for the conversions (which the compiler vectorises with those features). One
/// channel runs `$gray` vectors of pixels at a time, several [`UNROLL`].
macro_rules! row_fns {
    (
        $filter:ident,
        $weigh:ident,
        $to:ident,
        $from:ident,
        $lanes:ty,
        $gray:expr
        $(, $feature:literal)?
    ) => {
        /// # Safety
        /// The lane type's CPU features must be available; `row` carries weights exactly when
        /// `SHARED`.
        $(#[target_feature(enable = $feature)])?
        unsafe fn $filter<const NC: usize, const L1: bool, const SHARED: bool>(
            row: &RowInput<'_>,
            out: &mut [f32],
        ) {
            const { assert!(LANE_MULTIPLE.is_multiple_of(<$lanes as Lanes>::N * $gray)) };
            // SAFETY: the features are enabled here and available (contract); columns are a
            // multiple of LANE_MULTIPLE, itself a multiple of the vector times either unroll.
            unsafe {
                if NC == 1 {
                    filter_row::<$lanes, NC, L1, SHARED, { $gray }>(row, out)
                } else {
                    filter_row::<$lanes, NC, L1, SHARED, UNROLL>(row, out)
                }
            }
        }

        /// # Safety
        /// The lane type's CPU features must be available.
        $(#[target_feature(enable = $feature)])?
        unsafe fn $weigh<const NC: usize, const L1: bool>(
            row: &RowInput<'_>,
            out: &mut [f32],
            stride: usize,
            sums: &mut [f32],
        ) {
            // SAFETY: as above.
            unsafe {
                if NC == 1 {
                    weigh_row::<$lanes, NC, L1, { $gray }>(row, out, stride, sums)
                } else {
                    weigh_row::<$lanes, NC, L1, UNROLL>(row, out, stride, sums)
                }
            }
        }

        /// # Safety
        /// The lane type's CPU features must be available.
        $(#[target_feature(enable = $feature)])?
        unsafe fn $to<T: Sample, const C: usize>(
            planes: &mut [f32],
            padded: usize,
            lead: usize,
            row: &[T],
        ) -> bool {
            convert::deinterleave::<T, C>(planes, padded, lead, row)
        }

        /// # Safety
        /// The lane type's CPU features must be available.
        $(#[target_feature(enable = $feature)])?
        unsafe fn $from<T: Sample, const C: usize>(
            dst: &mut [T],
            src: &[T],
            planes: &[f32],
            columns: usize,
        ) {
            convert::interleave::<T, C>(dst, src, planes, columns)
        }
    };
}

row_fns!(
    row_scalar,
    weigh_scalar,
    rows_in_scalar,
    rows_out_scalar,
    f32,
    UNROLL
);
// Four vectors for gray were 4% slower here than two.
row_fns!(
    row_portable,
    weigh_portable,
    rows_in_portable,
    rows_out_portable,
    wide::f32x8,
    UNROLL
);
// Four vectors for gray: 5% faster than two on a Zen 4, gray u8 and f32 alike (with several
// channels four spill: RGB f32 23% slower).
#[cfg(target_arch = "x86_64")]
row_fns!(
    row_avx2,
    weigh_avx2,
    rows_in_avx2,
    rows_out_avx2,
    crate::lanes::avx2::Avx2,
    4,
    "avx2,fma"
);
// Four vectors for gray: no faster than two.
#[cfg(target_arch = "x86_64")]
row_fns!(
    row_avx512,
    weigh_avx512,
    rows_in_avx512,
    rows_out_avx512,
    crate::lanes::avx512::Avx512,
    UNROLL,
    "avx512f"
);

/// Every row is computed over a multiple of this many columns, so that any backend's vectors,
/// unrolled as it unrolls them, tile it exactly.
pub(crate) const LANE_MULTIPLE: usize = 32;

/// The row kernels and conversions of one backend for one sample type, channel count and
/// distance, known to be runnable.
pub(crate) struct Kernel<T> {
    fns: RowFns<T>,
    channels: usize,
}

impl<T: Sample> Kernel<T> {
    /// The kernels of `backend` for images of `channels` channels (1 to 4), of which `joint`
    /// colour channels are filtered together, under the L1 distance or the Euclidean one.
    ///
    /// # Panics
    /// If `backend` is not available on this CPU, or a channel count is not 1 to 4.
    pub(crate) fn new(backend: Backend, channels: usize, joint: usize, l1: bool) -> Self {
        assert!(backend.is_available(), "backend {backend} is not available");
        Kernel {
            fns: row_fns(backend, channels, joint, l1),
            channels: joint,
        }
    }

    /// Filters one row into `joint` planes of `row.columns()` results at the start of `out`,
    /// with the weights `row` carries or computing them.
    ///
    /// # Panics
    /// If `row` was built for fewer channels than the kernel filters, or `out` is too short.
    pub(crate) fn filter(&self, row: &RowInput<'_>, out: &mut [f32]) {
        assert!(row.channels() >= self.channels);
        let f = if row.shares_weights() {
            self.fns.shared
        } else {
            self.fns.direct
        };
        // SAFETY: `new` asserted that the backend is available; RowInput::new asserted that the
        // columns are a multiple of LANE_MULTIPLE, and the channels were checked above; the
        // mode matches the row's weights.
        unsafe { f(row, out) }
    }

    /// Computes the weights of `row`'s taps for its columns into `out`, taps `stride` apart
    /// (see [`weigh_row`](crate::kernel::weigh_row)).
    ///
    /// # Panics
    /// As [`Kernel::filter`], or if `out` is shorter than `row.weight_span(stride)`.
    pub(crate) fn weigh(
        &self,
        row: &RowInput<'_>,
        out: &mut [f32],
        stride: usize,
        sums: &mut [f32],
    ) {
        assert!(row.channels() >= self.channels && !row.shares_weights());
        // SAFETY: as in `filter`.
        unsafe { (self.fns.weigh)(row, out, stride, sums) }
    }

    /// Whether [`Kernel::weigh`] should be given room for the sums over the forward taps,
    /// and [`Kernel::filter`] start from them.
    pub(crate) fn keeps_sums(&self) -> bool {
        self.fns.keeps_sums
    }

    /// [`convert::deinterleave`] for the image's channel count.
    pub(crate) fn deinterleave(
        &self,
        planes: &mut [f32],
        padded: usize,
        lead: usize,
        row: &[T],
    ) -> bool {
        // SAFETY: `new` asserted that the backend is available; the conversion is safe code.
        unsafe { (self.fns.deinterleave)(planes, padded, lead, row) }
    }

    /// [`convert::interleave`] for the image's channel count.
    pub(crate) fn interleave(&self, dst: &mut [T], src: &[T], planes: &[f32], columns: usize) {
        // SAFETY: as in `deinterleave`.
        unsafe { (self.fns.interleave)(dst, src, planes, columns) }
    }
}

/// The only place that chooses code by backend. Callers must check availability.
fn row_fns<T: Sample>(backend: Backend, channels: usize, joint: usize, l1: bool) -> RowFns<T> {
    macro_rules! variants {
        ($f:ident, $w:ident, $to:ident, $from:ident, $keeps_sums:literal) => {{
            macro_rules! modes {
                ($nc:literal, $l1:literal) => {
                    (
                        $f::<$nc, $l1, false> as RowFn,
                        $f::<$nc, $l1, true> as RowFn,
                        $w::<$nc, $l1> as WeighFn,
                    )
                };
            }
            let (direct, shared, weigh) = match (joint, l1) {
                (1, _) => modes!(1, false),
                (2, false) => modes!(2, false),
                (2, true) => modes!(2, true),
                (3, false) => modes!(3, false),
                (3, true) => modes!(3, true),
                (4, false) => modes!(4, false),
                (4, true) => modes!(4, true),
                _ => panic!("{joint} colour channels"),
            };
            let (deinterleave, interleave): (DeinterleaveFn<T>, InterleaveFn<T>) = match channels {
                1 => ($to::<T, 1>, $from::<T, 1>),
                2 => ($to::<T, 2>, $from::<T, 2>),
                3 => ($to::<T, 3>, $from::<T, 3>),
                4 => ($to::<T, 4>, $from::<T, 4>),
                _ => panic!("{channels} channels"),
            };
            RowFns {
                keeps_sums: $keeps_sums,
                direct,
                shared,
                weigh,
                deinterleave,
                interleave,
            }
        }};
    }
    match backend {
        Backend::Scalar => {
            variants!(
                row_scalar,
                weigh_scalar,
                rows_in_scalar,
                rows_out_scalar,
                false
            )
        }
        Backend::Portable => variants!(
            row_portable,
            weigh_portable,
            rows_in_portable,
            rows_out_portable,
            false
        ),
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2 => variants!(row_avx2, weigh_avx2, rows_in_avx2, rows_out_avx2, false),
        #[cfg(target_arch = "x86_64")]
        Backend::Avx512 => variants!(
            row_avx512,
            weigh_avx512,
            rows_in_avx512,
            rows_out_avx512,
            true
        ),
        #[cfg(not(target_arch = "x86_64"))]
        Backend::Avx2 | Backend::Avx512 => unreachable!("checked available above"),
    }
}

/// `2^x` for each of `xs` (a multiple of 16 long) on `backend`, for the bound's test.
#[cfg(test)]
pub(crate) fn exp2_batch(backend: Backend, xs: &[f32], out: &mut [f32]) {
    use crate::weights::exp2;
    #[inline(always)]
    unsafe fn run<V: Lanes>(xs: &[f32], out: &mut [f32]) {
        assert!(xs.len() == out.len() && xs.len().is_multiple_of(16));
        for (x, o) in xs.chunks_exact(V::N).zip(out.chunks_exact_mut(V::N)) {
            // SAFETY: V's features are available (caller); each chunk holds exactly N values.
            unsafe { exp2(V::load(x.as_ptr())).store(o.as_mut_ptr()) }
        }
    }
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn avx2(xs: &[f32], out: &mut [f32]) {
        // SAFETY: forwarded from the caller, which checked availability.
        unsafe { run::<crate::lanes::avx2::Avx2>(xs, out) }
    }
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn avx512(xs: &[f32], out: &mut [f32]) {
        // SAFETY: forwarded from the caller, which checked availability.
        unsafe { run::<crate::lanes::avx512::Avx512>(xs, out) }
    }
    assert!(backend.is_available());
    // SAFETY: the backend's features are available, asserted above.
    unsafe {
        match backend {
            Backend::Scalar => run::<f32>(xs, out),
            Backend::Portable => run::<wide::f32x8>(xs, out),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2 => avx2(xs, out),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx512 => avx512(xs, out),
            #[cfg(not(target_arch = "x86_64"))]
            Backend::Avx2 | Backend::Avx512 => unreachable!(),
        }
    }
}
