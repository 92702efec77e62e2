//! The compiled kernels of one backend, and the macro that compiles them: every backend's file
//! invokes [`entry_points!`] once with its lane type, its settings and its CPU features.

use crate::Sample;
use crate::fast::kernel::{TileInput, TileScratch};
use crate::kernel::{
    FromSums, InPlace, NoSums, RowInput, Shared, Summand, SumsMut, WeightRows, Weights,
};

/// What a backend does differently, as named constants in its file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    /// Vectors of pixels one kernel call computes side by side for one channel: independent
    /// dependency chains keep the FMA pipes busy where one chain would wait on the latency of
    /// the accumulating adds, until the registers run out.
    pub unroll_gray: usize,
    /// The same with several channels filtered together, which need more registers per
    /// vector of pixels.
    pub unroll_colour: usize,
    /// Whether the weighing pass should keep the sums over the forward taps by default (the
    /// kernel's trick 8, [`WeightMode::SharedSums`](crate::WeightMode::SharedSums)): it pays
    /// where the registers hold the extra accumulators.
    pub keeps_sums: bool,
    /// Whether each tap's weights at the vectors of pixels are computed step by step side by
    /// side rather than one vector's after the other's (see [`crate::weights::exp2`]): it
    /// pays where the FP scheduler holds few waiting operations.
    pub weights_in_step: bool,
    /// Taps one sweep over a row takes at most, where weights are read from or written to
    /// rows of weights (see [`crate::kernel::filter_row`]).
    pub taps_per_sweep: usize,
    /// Whether a tile may cut its columns into blocks, so that weights are shared at radii
    /// whose weight ring over a whole row would pass the budget (see `crate::tiles`);
    /// without, such radii compute their weights in place.
    pub blocks: bool,
}

/// Filtering one row with weights of a mode `W` that borrows nothing (see
/// [`crate::kernel::filter_row`]); the modes that borrow spell their type out, so that one
/// pointer serves any borrow.
pub(super) type FilterFn<W> = unsafe fn(&RowInput<'_>, W, &mut [f32]);

/// Computing one row's weights ahead into the [`WeightRows`] of `(data, stride)`, keeping the
/// sums into `S` or not (see [`crate::kernel::weigh_row`]). The rows come as a slice argument
/// rather than inside the struct, so that the compiler knows the stores to them alias nothing
/// else (the taps are otherwise reloaded after every store).
pub(super) type WeighFn<S> = unsafe fn(&RowInput<'_>, &mut [f32], usize, S);

/// Weighing one row of a guide into `(data, stride)` and keeping the sums of another image's
/// differences at the same taps (see [`crate::kernel::weigh_row`] and [`Summand`]).
pub(super) type SummingFn = unsafe fn(&RowInput<'_>, &mut [f32], usize, SumsMut<'_>, Summand<'_>);

/// Converting one row of samples into planes (see [`crate::convert::deinterleave`]).
pub(super) type DeinterleaveFn<T> = unsafe fn(&mut [f32], usize, usize, &[T]) -> bool;

/// Converting one row of results back (see [`crate::convert::interleave`]).
pub(super) type InterleaveFn<T> = unsafe fn(&mut [T], &[T], &[f32], usize);

/// The kernels of one backend for one sample type, channel count and colour distance, known to
/// be runnable on this CPU: each weight mode's filter, the weighing pass with and without
/// sums, and the conversions of rows in and out. Built by [`crate::backend::compiled`].
pub(crate) struct Compiled<T> {
    pub(super) kernels: Kernels,
    pub(super) deinterleave: DeinterleaveFn<T>,
    pub(super) interleave: InterleaveFn<T>,
}

/// The part of [`Compiled`] that does not depend on the sample type: the filters and the
/// weighing passes. Each backend builds it in a function that is not generic, so that its
/// kernels are compiled once, in this crate, rather than again in every crate that calls a
/// filter generic over the sample type (the tests, the command line, the bindings), as
/// generic code is.
#[derive(Clone, Copy)]
pub(crate) struct Kernels {
    pub(super) settings: Settings,
    /// Channels one call filters together.
    pub(super) per_call: usize,
    pub(super) in_place: FilterFn<InPlace>,
    pub(super) shared: unsafe fn(&RowInput<'_>, Shared<'_>, &mut [f32]),
    pub(super) from_sums: unsafe fn(&RowInput<'_>, FromSums<'_>, &mut [f32]),
    pub(super) weigh: WeighFn<NoSums>,
    pub(super) weigh_keeping_sums: unsafe fn(&RowInput<'_>, &mut [f32], usize, SumsMut<'_>),
    /// Weighing a guide's row while summing the image's differences, by the image's channels
    /// summed together (1 to 4).
    pub(super) weigh_summing: [SummingFn; 4],
    /// The fast mode's tile (see [`crate::fast::kernel::filter_tile`]).
    pub(super) fast_tile: unsafe fn(&TileInput<'_>, &mut TileScratch, &mut [f32], usize) -> usize,
    #[cfg(test)]
    pub(super) exp2: unsafe fn(&[f32], &mut [f32]),
    #[cfg(test)]
    pub(super) phase: unsafe fn(&[f32], &mut [f32], &mut [f32]),
}

impl<T: Sample> Compiled<T> {
    /// The backend's settings.
    pub(crate) fn settings(&self) -> Settings {
        self.kernels.settings
    }

    /// What every filter call asserts before it runs unchecked code: `row` holds the
    /// channels a call filters and `weights` covers it.
    fn check(&self, row: &RowInput<'_>, weights: &impl Weights) {
        assert!(row.channels() >= self.kernels.per_call);
        assert!(
            weights.covers(row, self.kernels.per_call),
            "weights out of bounds"
        );
    }

    /// Filters one row into `per_call` planes of the row's columns at the start of `out`,
    /// computing every weight.
    ///
    /// # Panics
    /// If `row` was built for fewer channels than a call filters, or `out` is too short.
    pub(crate) fn filter_in_place(&self, row: &RowInput<'_>, out: &mut [f32]) {
        self.check(row, &InPlace);
        // SAFETY: the backend is available (how `Compiled` is built); RowInput::new asserted
        // that the columns are a multiple of LANE_MULTIPLE, and the channels were checked.
        unsafe { (self.kernels.in_place)(row, InPlace, out) }
    }

    /// As [`Compiled::filter_in_place`], reading the weights from `weights`.
    ///
    /// # Panics
    /// As [`Compiled::filter_in_place`], or if a weight would be read outside `weights`.
    pub(crate) fn filter_shared(&self, row: &RowInput<'_>, weights: Shared<'_>, out: &mut [f32]) {
        self.check(row, &weights);
        // SAFETY: as in `filter_in_place`; the weights cover the row, checked above.
        unsafe { (self.kernels.shared)(row, weights, out) }
    }

    /// As [`Compiled::filter_shared`], starting from the sums over the forward taps; the row's
    /// taps are the backward ones.
    ///
    /// # Panics
    /// As [`Compiled::filter_shared`], or if a sum would be read outside them.
    pub(crate) fn filter_from_sums(
        &self,
        row: &RowInput<'_>,
        weights: FromSums<'_>,
        out: &mut [f32],
    ) {
        self.check(row, &weights);
        // SAFETY: as in `filter_shared`.
        unsafe { (self.kernels.from_sums)(row, weights, out) }
    }

    /// Computes the weights of `row`'s taps into `out`, and with `sums` the sums over them.
    ///
    /// # Panics
    /// If `row` was built for fewer channels than a call filters, or a weight or sum would be
    /// written outside `out` or `sums`.
    pub(crate) fn weigh(&self, row: &RowInput<'_>, out: WeightRows<'_>, sums: Option<SumsMut<'_>>) {
        use crate::kernel::KeptSums as _;
        assert!(row.channels() >= self.kernels.per_call);
        assert!(out.covers(row), "weights out of bounds");
        match sums {
            None => {
                // SAFETY: as in `filter_in_place`; `out` covers the row, checked above.
                unsafe { (self.kernels.weigh)(row, out.data, out.stride, NoSums) }
            }
            Some(sums) => {
                assert!(
                    sums.covers(row.columns(), self.kernels.per_call),
                    "sums out of bounds"
                );
                // SAFETY: as above, and the sums cover the row, checked.
                unsafe { (self.kernels.weigh_keeping_sums)(row, out.data, out.stride, sums) }
            }
        }
    }

    /// Computes the weights of `row` (a guide's) into `out`, as [`Compiled::weigh`], and the
    /// sums over them of `channels` channels of `summed` (the image the guide weighs).
    ///
    /// # Panics
    /// As [`Compiled::weigh`], or if `summed` does not cover the row's taps, or `channels` is
    /// not 1 to 4.
    pub(crate) fn weigh_summing(
        &self,
        row: &RowInput<'_>,
        out: WeightRows<'_>,
        sums: SumsMut<'_>,
        summed: Summand<'_>,
        channels: usize,
    ) {
        use crate::kernel::{KeptSums as _, Summed as _};
        assert!(row.channels() >= self.kernels.per_call);
        assert!(out.covers(row), "weights out of bounds");
        assert!(
            (1..=4).contains(&channels)
                && sums.covers(row.columns(), channels)
                && summed.covers(row, channels),
            "sums out of bounds"
        );
        // SAFETY: as in `weigh`, with the sums and the summed image covering the row, checked.
        unsafe {
            (self.kernels.weigh_summing[channels - 1])(row, out.data, out.stride, sums, summed)
        }
    }

    /// Filters one channel of one tile in the fast mode into `out` (rows `out_stride` apart),
    /// returning how many of its valid pixels were computed exactly.
    ///
    /// # Panics
    /// If a load or store would leave `input`'s values or `out`.
    pub(crate) fn fast_tile(
        &self,
        input: &TileInput<'_>,
        scratch: &mut TileScratch,
        out: &mut [f32],
        out_stride: usize,
    ) -> usize {
        assert!(input.fits(), "fast tile out of bounds");
        assert!(
            input.rows >= 1
                && out_stride >= input.columns
                && (input.rows - 1) * out_stride + input.columns <= out.len(),
            "fast tile output out of bounds"
        );
        scratch.fit(input);
        // SAFETY: the backend is available; the input fits, the scratch was fitted to it and
        // the output covers it, all checked above.
        unsafe { (self.kernels.fast_tile)(input, scratch, out, out_stride) }
    }

    /// [`crate::convert::deinterleave`] for the image's channel count.
    pub(crate) fn deinterleave(
        &self,
        planes: &mut [f32],
        padded: usize,
        lead: usize,
        row: &[T],
    ) -> bool {
        // SAFETY: the backend is available; the conversion is safe code.
        unsafe { (self.deinterleave)(planes, padded, lead, row) }
    }

    /// [`crate::convert::interleave`] for the image's channel count.
    pub(crate) fn interleave(&self, dst: &mut [T], src: &[T], planes: &[f32], columns: usize) {
        // SAFETY: as in `deinterleave`.
        unsafe { (self.interleave)(dst, src, planes, columns) }
    }

    /// `2^x` for each of `xs` (a multiple of 16 long), for the bound's test.
    #[cfg(test)]
    pub(crate) fn exp2(&self, xs: &[f32], out: &mut [f32]) {
        // SAFETY: the backend is available; the function checks the lengths.
        unsafe { (self.kernels.exp2)(xs, out) }
    }

    /// The fast mode's phases `(cos 2πf, sin 2πf)` of each of `fs` (a multiple of 16 long),
    /// for the bound's test.
    #[cfg(test)]
    pub(crate) fn phase(&self, fs: &[f32], cos: &mut [f32], sin: &mut [f32]) {
        // SAFETY: the backend is available; the function checks the lengths.
        unsafe { (self.kernels.phase)(fs, cos, sin) }
    }
}

/// Compiles the kernels for one lane type in the invoking backend's file: `filter`, `weigh`,
/// `deinterleave` and `interleave` inside functions compiled with the backend's features (which
/// also vectorise the conversions), and `compiled`, which builds the [`Compiled`] table of
/// them for one channel layout. One channel runs `$settings.unroll_gray` vectors of pixels at a
/// time, several `$settings.unroll_colour`.
macro_rules! entry_points {
    ($lanes:ty, $settings:expr $(, $feature:literal)?) => {
        use $crate::kernel::{KeptSums, LANE_MULTIPLE, RowInput, Weights, WeightRows};

        const SETTINGS: $crate::backend::entry_points::Settings = $settings;
        const UNROLL_GRAY: usize = SETTINGS.unroll_gray;
        const UNROLL_COLOUR: usize = SETTINGS.unroll_colour;
        const STEP: bool = SETTINGS.weights_in_step;
        const SWEEP: usize = SETTINGS.taps_per_sweep;
        const _: () = assert!(
            LANE_MULTIPLE.is_multiple_of(<$lanes as $crate::lanes::Lanes>::N * UNROLL_GRAY)
                && LANE_MULTIPLE
                    .is_multiple_of(<$lanes as $crate::lanes::Lanes>::N * UNROLL_COLOUR)
        );

        /// # Safety
        /// The lane type's CPU features must be available, and the contract of
        /// [`filter_row`]($crate::kernel::filter_row) hold.
        $(#[target_feature(enable = $feature)])?
        unsafe fn filter<const NC: usize, const L1: bool, W: Weights>(
            row: &RowInput<'_>,
            weights: W,
            out: &mut [f32],
        ) {
            use $crate::kernel::filter_row;
            // SAFETY: the features are enabled here and available (contract); the const
            // assertion above makes either unroll divide LANE_MULTIPLE.
            unsafe {
                if NC == 1 {
                    filter_row::<$lanes, NC, L1, W, UNROLL_GRAY, STEP, SWEEP>(row, weights, out)
                } else {
                    filter_row::<$lanes, NC, L1, W, UNROLL_COLOUR, STEP, SWEEP>(row, weights, out)
                }
            }
        }

        /// # Safety
        /// As for `filter`, with [`weigh_row`]($crate::kernel::weigh_row)'s contract.
        $(#[target_feature(enable = $feature)])?
        unsafe fn weigh<
            const NC: usize,
            const NS: usize,
            const L1: bool,
            S: KeptSums,
            M: $crate::kernel::Summed,
        >(
            row: &RowInput<'_>,
            data: &mut [f32],
            stride: usize,
            sums: S,
            summed: M,
        ) {
            use $crate::kernel::weigh_row;
            let out = WeightRows { data, stride };
            // SAFETY: as in `filter`.
            unsafe {
                if NC == 1 && NS == 1 {
                    weigh_row::<$lanes, NC, NS, L1, S, M, UNROLL_GRAY, STEP, SWEEP>(
                        row, out, sums, summed,
                    )
                } else if M::OTHER && S::KEEPS && NC + NS > 4 {
                    // Two images' centres and sums for two vectors spill: one vector at a time
                    // measured faster (BENCHMARKS.md).
                    weigh_row::<$lanes, NC, NS, L1, S, M, 1, STEP, SWEEP>(row, out, sums, summed)
                } else {
                    weigh_row::<$lanes, NC, NS, L1, S, M, UNROLL_COLOUR, STEP, SWEEP>(
                        row, out, sums, summed,
                    )
                }
            }
        }

        /// # Safety
        /// The lane type's CPU features must be available.
        $(#[target_feature(enable = $feature)])?
        unsafe fn deinterleave<T: $crate::Sample, const C: usize>(
            planes: &mut [f32],
            padded: usize,
            lead: usize,
            row: &[T],
        ) -> bool {
            $crate::convert::deinterleave::<T, C>(planes, padded, lead, row)
        }

        /// # Safety
        /// The lane type's CPU features must be available.
        $(#[target_feature(enable = $feature)])?
        unsafe fn interleave<T: $crate::Sample, const C: usize>(
            dst: &mut [T],
            src: &[T],
            planes: &[f32],
            columns: usize,
        ) {
            $crate::convert::interleave::<T, C>(dst, src, planes, columns)
        }

        /// # Safety
        /// The lane type's CPU features must be available, and the contract of
        /// [`filter_tile`]($crate::fast::kernel::filter_tile) hold.
        $(#[target_feature(enable = $feature)])?
        unsafe fn fast_tile(
            input: &$crate::fast::kernel::TileInput<'_>,
            scratch: &mut $crate::fast::kernel::TileScratch,
            out: &mut [f32],
            out_stride: usize,
        ) -> usize {
            // SAFETY: the features are enabled here and available (contract); the const
            // assertion above makes UNROLL_GRAY vectors divide LANE_MULTIPLE.
            unsafe {
                $crate::fast::kernel::filter_tile::<$lanes, UNROLL_GRAY>(input, scratch, out, out_stride)
            }
        }

        /// # Safety
        /// The lane type's CPU features must be available.
        #[cfg(test)]
        $(#[target_feature(enable = $feature)])?
        unsafe fn phase(fs: &[f32], cos: &mut [f32], sin: &mut [f32]) {
            assert!(fs.len() == cos.len() && fs.len() == sin.len() && fs.len().is_multiple_of(16));
            use $crate::lanes::Lanes;
            let n = <$lanes as Lanes>::N;
            for (i, f) in fs.chunks_exact(n).enumerate() {
                // SAFETY: the features are available (contract); each chunk holds N values.
                unsafe {
                    let (c, s) = $crate::fast::kernel::phase(<$lanes as Lanes>::load(f.as_ptr()));
                    c.store(cos[i * n..].as_mut_ptr());
                    s.store(sin[i * n..].as_mut_ptr());
                }
            }
        }

        /// # Safety
        /// The lane type's CPU features must be available.
        #[cfg(test)]
        $(#[target_feature(enable = $feature)])?
        unsafe fn exp2(xs: &[f32], out: &mut [f32]) {
            assert!(xs.len() == out.len() && xs.len().is_multiple_of(16));
            use $crate::lanes::Lanes;
            let n = <$lanes as Lanes>::N;
            for (x, o) in xs.chunks_exact(n).zip(out.chunks_exact_mut(n)) {
                // SAFETY: the features are available (contract); each chunk holds N values.
                unsafe {
                    let [w] = $crate::weights::exp2([<$lanes as Lanes>::load(x.as_ptr())]);
                    w.store(o.as_mut_ptr())
                }
            }
        }

        /// The kernels for images of `channels` channels (1 to 4), of which `per_call` are
        /// filtered together, under the L1 distance or the Euclidean one.
        ///
        /// # Safety
        /// The lane type's CPU features must be available: the table's functions need them.
        ///
        /// # Panics
        /// If a channel count is not 1 to 4.
        pub(super) unsafe fn compiled<T: $crate::Sample>(
            channels: usize,
            per_call: usize,
            l1: bool,
        ) -> $crate::backend::entry_points::Compiled<T> {
            use $crate::backend::entry_points::{DeinterleaveFn, InterleaveFn};
            let (deinterleave, interleave): (DeinterleaveFn<T>, InterleaveFn<T>) = match channels {
                1 => (deinterleave::<T, 1>, interleave::<T, 1>),
                2 => (deinterleave::<T, 2>, interleave::<T, 2>),
                3 => (deinterleave::<T, 3>, interleave::<T, 3>),
                4 => (deinterleave::<T, 4>, interleave::<T, 4>),
                _ => panic!("{channels} channels"),
            };
            $crate::backend::entry_points::Compiled {
                // SAFETY: forwarded from the caller.
                kernels: unsafe { kernels(per_call, l1) },
                deinterleave,
                interleave,
            }
        }

        /// The filters and weighing passes of [`compiled`], which do not depend on the sample
        /// type (see [`Kernels`]($crate::backend::entry_points::Kernels)).
        ///
        /// # Safety
        /// As for [`compiled`].
        ///
        /// # Panics
        /// If `per_call` is not 1 to 4.
        unsafe fn kernels(per_call: usize, l1: bool) -> $crate::backend::entry_points::Kernels {
            use $crate::kernel::{FromSums, InPlace, Itself, NoSums, Shared, Summand, SumsMut};
            // The modes that borrow buffers go through a function of their own, whose
            // lifetimes are late-bound, so that one pointer serves any borrow.
            unsafe fn shared<const NC: usize, const L1: bool>(
                row: &RowInput<'_>,
                weights: Shared<'_>,
                out: &mut [f32],
            ) {
                // SAFETY: forwarded from the caller.
                unsafe { filter::<NC, L1, _>(row, weights, out) }
            }
            unsafe fn from_sums<const NC: usize, const L1: bool>(
                row: &RowInput<'_>,
                weights: FromSums<'_>,
                out: &mut [f32],
            ) {
                // SAFETY: forwarded from the caller.
                unsafe { filter::<NC, L1, _>(row, weights, out) }
            }
            unsafe fn no_sums<const NC: usize, const L1: bool>(
                row: &RowInput<'_>,
                data: &mut [f32],
                stride: usize,
                sums: NoSums,
            ) {
                // SAFETY: forwarded from the caller.
                unsafe { weigh::<NC, NC, L1, _, Itself>(row, data, stride, sums, Itself) }
            }
            unsafe fn keeping_sums<const NC: usize, const L1: bool>(
                row: &RowInput<'_>,
                data: &mut [f32],
                stride: usize,
                sums: SumsMut<'_>,
            ) {
                // SAFETY: forwarded from the caller.
                unsafe { weigh::<NC, NC, L1, _, Itself>(row, data, stride, sums, Itself) }
            }
            unsafe fn summing<const NC: usize, const NS: usize, const L1: bool>(
                row: &RowInput<'_>,
                data: &mut [f32],
                stride: usize,
                sums: SumsMut<'_>,
                summed: Summand<'_>,
            ) {
                // SAFETY: forwarded from the caller.
                unsafe { weigh::<NC, NS, L1, _, _>(row, data, stride, sums, summed) }
            }
            macro_rules! modes {
                ($nc:literal, $l1:literal) => {
                    (
                        filter::<$nc, $l1, InPlace> as _,
                        shared::<$nc, $l1> as _,
                        from_sums::<$nc, $l1> as _,
                        no_sums::<$nc, $l1> as _,
                        keeping_sums::<$nc, $l1> as _,
                        [
                            summing::<$nc, 1, $l1> as _,
                            summing::<$nc, 2, $l1> as _,
                            summing::<$nc, 3, $l1> as _,
                            summing::<$nc, 4, $l1> as _,
                        ],
                    )
                };
            }
            let (in_place, shared, from_sums, weigh, weigh_keeping_sums, weigh_summing) = match (per_call, l1) {
                (1, _) => modes!(1, false),
                (2, false) => modes!(2, false),
                (2, true) => modes!(2, true),
                (3, false) => modes!(3, false),
                (3, true) => modes!(3, true),
                (4, false) => modes!(4, false),
                (4, true) => modes!(4, true),
                _ => panic!("{per_call} colour channels"),
            };
            $crate::backend::entry_points::Kernels {
                settings: SETTINGS,
                per_call,
                in_place,
                shared,
                from_sums,
                weigh,
                weigh_keeping_sums,
                weigh_summing,
                fast_tile,
                #[cfg(test)]
                exp2,
                #[cfg(test)]
                phase,
            }
        }
    };
}

pub(super) use entry_points;
