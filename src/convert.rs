//! Rows between the image's interleaved samples and the kernel's `f32` planes, written once
//! and compiled per backend (see [`crate::backend`]) so that the loops vectorise with the
//! backend's instructions.
#![forbid(unsafe_code)]

use crate::Sample;
use crate::sample::is_valid_value;

/// Interleaves `C`-channel results: channel `c` of pixel `x` is `src` moved by
/// `planes[c·columns + x]` for each plane given, and copied from `src` past them (a kept
/// alpha). `C` and the number of planes are constants in each loop, so that each case compiles
/// to its own branch-free loop.
#[inline(always)]
pub(crate) fn interleave<T: Sample, const C: usize>(
    dst: &mut [T],
    src: &[T],
    planes: &[f32],
    columns: usize,
) {
    let width = dst.len() / C;
    let mut planes = planes.chunks_exact(columns);
    let views: [&[f32]; C] =
        std::array::from_fn(|_| planes.next().map_or(&[][..], |p| &p[..width]));
    let pixels = dst.chunks_exact_mut(C).zip(src.chunks_exact(C)).enumerate();
    if views[C - 1].is_empty() {
        for (x, (d, s)) in pixels {
            for c in 0..C - 1 {
                d[c] = s[c].offset_by(views[c][x]);
            }
            d[C - 1] = s[C - 1];
        }
    } else {
        for (x, (d, s)) in pixels {
            for c in 0..C {
                d[c] = s[c].offset_by(views[c][x]);
            }
        }
    }
}

/// `planes[c·padded + lead + x] = row[x·C + c]` as `f32`, for each plane of `planes` (the
/// filtered channels), in one pass over the row; whether every sample is valid. `C` is a
/// constant so that each case compiles to its own loop, and the check does not stop early so
/// that the loop vectorises.
#[inline(always)]
pub(crate) fn deinterleave<T: Sample, const C: usize>(
    planes: &mut [f32],
    padded: usize,
    lead: usize,
    row: &[T],
) -> bool {
    let width = row.len() / C;
    let filtered = planes.len() / padded;
    let mut valid = true;
    if filtered == C {
        // A plane per channel: all written in the same loop.
        let mut planes = planes.chunks_exact_mut(padded);
        let views: [&mut [f32]; C] = std::array::from_fn(|_| {
            let plane = planes.next().expect("C planes");
            &mut plane[lead..lead + width]
        });
        for (x, px) in row.chunks_exact(C).enumerate() {
            for c in 0..C {
                let v = px[c].to_f32();
                valid &= !T::IS_FLOAT || is_valid_value(v);
                views[c][x] = v;
            }
        }
    } else {
        for (c, plane) in planes.chunks_exact_mut(padded).enumerate() {
            for (d, px) in plane[lead..lead + width]
                .iter_mut()
                .zip(row.chunks_exact(C))
            {
                *d = px[c].to_f32();
                valid &= !T::IS_FLOAT || is_valid_value(*d);
            }
        }
    }
    valid
}
