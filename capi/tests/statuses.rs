//! Each status for its cause, one row per case, and `dst` untouched after each refusal.
//!
//! Source and destination are byte offsets into one 8-aligned arena, so that a case can
//! misalign a pointer or make the two images overlap.

mod common;

use std::ffi::c_int;

use bilateral::Backend;
use bilateral_capi::*;
use common::{CSample, message, version};

const ARENA: usize = 1 << 16;
/// Where the destination starts unless a case says otherwise.
const DST_AT: usize = ARENA / 2;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Type {
    U8,
    U16,
    F32,
}

impl Type {
    fn size(self) -> usize {
        match self {
            Type::U8 => 1,
            Type::U16 => 2,
            Type::F32 => 4,
        }
    }
}

/// One call: `None` offsets and params are NULL pointers.
#[derive(Debug, Clone, Copy)]
struct Case {
    name: &'static str,
    sample: Type,
    src_at: Option<usize>,
    dst_at: Option<usize>,
    src_stride: usize,
    dst_stride: usize,
    width: usize,
    height: usize,
    channels: usize,
    params: Option<BilateralParams>,
    /// A sample of the source to set to NaN (f32 only).
    nan_at: Option<usize>,
    want: BilateralStatus,
}

/// A valid call on an 8x6 RGB image of `sample`, rows padded by 8 bytes.
fn valid(sample: Type) -> Case {
    let stride = 8 * 3 * sample.size() + 8;
    Case {
        name: "valid",
        sample,
        src_at: Some(0),
        dst_at: Some(DST_AT),
        src_stride: stride,
        dst_stride: stride,
        width: 8,
        height: 6,
        channels: 3,
        params: Some(bilateral_params_default()),
        nan_at: None,
        want: BilateralStatus::Ok,
    }
}

/// Bytes from an image's first sample to its last, saturated: cases of absurd sizes have them.
fn span(c: &Case, stride: usize) -> usize {
    let row = c.width.saturating_mul(c.channels * c.sample.size());
    c.height
        .saturating_sub(1)
        .saturating_mul(stride)
        .saturating_add(row)
}

/// Runs a case on a fresh arena and checks its status, and that a refused call left the
/// destination as it was.
fn check(case: Case) {
    // Bytes 0x30 to 0x3F make finite f32 values in (2^-31, 1) as well as u8 and u16 samples.
    let mut arena: Vec<u64> = vec![0; ARENA / 8];
    let base = arena.as_mut_ptr().cast::<u8>();
    let bytes = {
        // SAFETY: the arena's u64s are ARENA initialised bytes, viewed once as bytes.
        unsafe { std::slice::from_raw_parts_mut(base, ARENA) }
    };
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = 0x30 | (i * 7 % 16) as u8;
    }
    if let (Some(i), Some(at)) = (case.nan_at, case.src_at) {
        let at = at + 4 * i;
        bytes[at..at + 4].copy_from_slice(&f32::NAN.to_ne_bytes());
    }
    let before = bytes.to_vec();
    let dst_range = case
        .dst_at
        .map(|at| at..at.saturating_add(span(&case, case.dst_stride)).min(ARENA));

    let src = case
        .src_at
        .map_or(std::ptr::null(), |at| base.wrapping_add(at).cast_const());
    let dst = case
        .dst_at
        .map_or(std::ptr::null_mut(), |at| base.wrapping_add(at));
    let params = case
        .params
        .as_ref()
        .map_or(std::ptr::null(), |p| p as *const BilateralParams);
    // SAFETY: the pointers are NULL or lie in the arena, and every case either spans bytes
    // inside the arena or is refused, by the status it expects, before any byte is read.
    let got = unsafe {
        match case.sample {
            Type::U8 => call::<u8>(&case, src, dst, params),
            Type::U16 => call::<u16>(&case, src, dst, params),
            Type::F32 => call::<f32>(&case, src, dst, params),
        }
    };
    assert_eq!(got, case.want, "{}: {case:?}", case.name);

    let after = arena
        .iter()
        .flat_map(|w| w.to_ne_bytes())
        .collect::<Vec<u8>>();
    let may_write = matches!(
        case.want,
        BilateralStatus::Ok | BilateralStatus::InvalidSample
    );
    if let Some(range) = dst_range.filter(|_| !may_write) {
        assert!(
            after[range.clone()] == before[range],
            "{}: dst was written",
            case.name
        );
    }
}

/// # Safety
/// As for the C function of `T`.
unsafe fn call<T: CSample>(
    case: &Case,
    src: *const u8,
    dst: *mut u8,
    params: *const BilateralParams,
) -> BilateralStatus {
    // SAFETY: forwarded from the caller.
    unsafe {
        T::c_filter(
            src.cast(),
            case.src_stride,
            dst.cast(),
            case.dst_stride,
            case.width,
            case.height,
            case.channels,
            params,
        )
    }
}

/// A valid call on `sample` but for `edit`'s change to its parameters.
fn with_params(sample: Type, edit: impl FnOnce(&mut BilateralParams)) -> Case {
    let mut case = valid(sample);
    let mut params = bilateral_params_default();
    edit(&mut params);
    case.params = Some(params);
    case
}

/// A named change to the default parameters.
type Edit = (&'static str, fn(&mut BilateralParams));

#[test]
fn each_cause_gives_its_status() {
    use BilateralStatus as S;
    let u8 = valid(Type::U8);
    let u16 = valid(Type::U16);
    let f32 = valid(Type::F32);
    let row_u8 = span(&u8, u8.src_stride);
    let mut cases = vec![
        Case { ..u8 },
        Case { ..u16 },
        Case { ..f32 },
        Case {
            name: "null src",
            src_at: None,
            want: S::NullPointer,
            ..u8
        },
        Case {
            name: "null dst",
            dst_at: None,
            want: S::NullPointer,
            ..u16
        },
        Case {
            name: "null params",
            params: None,
            want: S::NullPointer,
            ..f32
        },
        Case {
            name: "zero width",
            width: 0,
            want: S::EmptyImage,
            ..u8
        },
        Case {
            name: "zero height",
            height: 0,
            want: S::EmptyImage,
            ..f32
        },
        Case {
            name: "no channels",
            channels: 0,
            want: S::UnsupportedChannels,
            ..u8
        },
        Case {
            name: "five channels",
            channels: 5,
            want: S::UnsupportedChannels,
            ..u16
        },
        Case {
            name: "src stride below a row",
            src_stride: 8 * 3 - 1,
            want: S::BadStride,
            ..u8
        },
        Case {
            name: "dst stride counted in samples, not bytes",
            dst_stride: 8 * 3,
            want: S::BadStride,
            ..u16
        },
        Case {
            name: "u16 stride not a multiple of 2",
            src_stride: u16.src_stride + 1,
            want: S::BadStride,
            ..u16
        },
        Case {
            name: "f32 stride not a multiple of 4",
            dst_stride: f32.dst_stride + 2,
            want: S::BadStride,
            ..f32
        },
        Case {
            name: "u16 src misaligned",
            src_at: Some(1),
            want: S::Misaligned,
            ..u16
        },
        Case {
            name: "f32 dst misaligned",
            dst_at: Some(DST_AT + 2),
            want: S::Misaligned,
            ..f32
        },
        Case {
            name: "u8 needs no alignment",
            src_at: Some(1),
            dst_at: Some(DST_AT + 3),
            ..u8
        },
        Case {
            name: "row bytes overflow",
            width: usize::MAX / 2,
            want: S::TooLarge,
            ..f32
        },
        Case {
            name: "height * stride overflows",
            height: usize::MAX / 8,
            want: S::TooLarge,
            ..u8
        },
        Case {
            name: "span beyond PTRDIFF_MAX",
            width: isize::MAX as usize / 2 + 1,
            channels: 1,
            height: 1,
            src_stride: isize::MAX as usize + 1,
            dst_stride: isize::MAX as usize + 1,
            want: S::TooLarge,
            ..u16
        },
        Case {
            name: "dst is src",
            dst_at: Some(0),
            want: S::Overlap,
            ..u8
        },
        Case {
            name: "dst one row after src",
            dst_at: Some(u16.src_stride),
            want: S::Overlap,
            ..u16
        },
        Case {
            name: "src one row after dst",
            src_at: Some(DST_AT + f32.dst_stride),
            want: S::Overlap,
            ..f32
        },
        Case {
            name: "dst on src's last byte",
            dst_at: Some(row_u8 - 1),
            want: S::Overlap,
            ..u8
        },
        Case {
            name: "dst right after src's last byte",
            dst_at: Some(row_u8),
            ..u8
        },
        Case {
            name: "NaN f32 sample",
            nan_at: Some(13),
            want: S::InvalidSample,
            ..f32
        },
        Case {
            name: "radius 65",
            want: S::RadiusTooLarge,
            ..with_params(Type::U8, |p| p.radius = 65)
        },
    ];
    let invalid: [Edit; 9] = [
        ("NaN sigma_space", |p| p.sigma_space = f64::NAN),
        ("zero sigma_space", |p| p.sigma_space = 0.0),
        ("negative sigma_range", |p| p.sigma_range = -1.0),
        ("infinite sigma_range", |p| p.sigma_range = f64::INFINITY),
        ("NaN alpha", |p| {
            p.spatial_mode = BILATERAL_SPATIAL_ALPHA;
            p.alpha = f64::NAN;
        }),
        ("negative beta", |p| {
            p.range_mode = BILATERAL_RANGE_BETA;
            p.beta = -1e-9;
        }),
        ("NaN border value", |p| {
            p.border = BILATERAL_BORDER_CONSTANT;
            p.border_value = f32::NAN;
        }),
        ("border value beyond 2^60", |p| {
            p.border = BILATERAL_BORDER_CONSTANT;
            p.border_value = 1e30;
        }),
        ("infinite border value", |p| {
            p.border = BILATERAL_BORDER_CONSTANT;
            p.border_value = f32::NEG_INFINITY;
        }),
    ];
    for (name, edit) in invalid {
        cases.push(Case {
            name,
            want: S::InvalidParameter,
            ..with_params(Type::U16, edit)
        });
    }
    let enums: [Edit; 7] = [
        ("spatial_mode 2", |p| p.spatial_mode = 2),
        ("range_mode 2", |p| p.range_mode = 2),
        ("window 2", |p| p.window = 2),
        ("distance 3", |p| p.distance = 3),
        ("border 4", |p| p.border = 4),
        ("backend 5", |p| p.backend = 5),
        ("window u32::MAX", |p| p.window = u32::MAX),
    ];
    for (name, edit) in enums {
        cases.push(Case {
            name,
            want: S::InvalidEnum,
            ..with_params(Type::F32, edit)
        });
    }
    for (constant, backend) in [
        (BILATERAL_BACKEND_AVX2, Backend::Avx2),
        (BILATERAL_BACKEND_AVX512, Backend::Avx512),
    ] {
        if backend.is_available() {
            eprintln!("SKIPPED the unavailable-backend case with {backend}: this CPU has it");
        } else {
            cases.push(Case {
                name: "unavailable backend",
                want: S::BackendUnavailable,
                ..with_params(Type::U8, |p| p.backend = constant)
            });
        }
    }
    for case in cases {
        check(case);
    }
}

#[test]
fn messages_are_static_and_distinct() {
    let mut seen = std::collections::HashSet::new();
    for status in 0..=23 {
        let m = message(status);
        assert!(!m.is_empty() && m != "unknown status", "{status}: {m}");
        assert!(seen.insert(m), "{status}: message repeated");
    }
    assert_eq!(message(BilateralStatus::Ok as c_int), "success");
    assert_eq!(message(24), "unknown status");
    assert_eq!(message(-1), "unknown status");
    assert_eq!(message(c_int::MAX), "unknown status");
}

#[test]
fn version_is_the_crate_version() {
    assert_eq!(version(), env!("CARGO_PKG_VERSION"));
}
