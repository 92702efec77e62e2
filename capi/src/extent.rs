//! What a C caller's pointer, byte stride and geometry describe, checked before any slice is
//! made from them.
#![forbid(unsafe_code)]

use bilateral::Layout;

use crate::BilateralStatus;

/// One image as a C caller passes it, checked: its geometry in samples and the bytes it spans,
/// from its first sample to its last.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Extent {
    /// The geometry in samples, as the library takes it.
    pub layout: Layout,
    /// Samples spanned: `(height - 1) * stride + width * channels`.
    pub len: usize,
    /// Address of the first byte.
    start: usize,
    /// Bytes spanned: `len * size_of::<T>()`, at most `isize::MAX`.
    bytes: usize,
}

impl Extent {
    /// Checks the geometry of an image of `T` samples at `ptr` (not NULL), each check with its
    /// own status: not empty, 1 to 4 channels, a stride that is a whole number of samples and at
    /// least one row, a pointer aligned for `T`, and bytes that fit in the address space (what
    /// `slice::from_raw_parts` requires).
    pub(crate) fn new<T>(
        ptr: *const T,
        stride_bytes: usize,
        width: usize,
        height: usize,
        channels: usize,
    ) -> Result<Extent, BilateralStatus> {
        if width == 0 || height == 0 {
            return Err(BilateralStatus::EmptyImage);
        }
        if !(1..=4).contains(&channels) {
            return Err(BilateralStatus::UnsupportedChannels);
        }
        let size = size_of::<T>();
        let row_bytes = width
            .checked_mul(channels)
            .and_then(|n| n.checked_mul(size))
            .ok_or(BilateralStatus::TooLarge)?;
        if !stride_bytes.is_multiple_of(size) || stride_bytes < row_bytes {
            return Err(BilateralStatus::BadStride);
        }
        if !ptr.is_aligned() {
            return Err(BilateralStatus::Misaligned);
        }
        let start = ptr.addr();
        let bytes = (height - 1)
            .checked_mul(stride_bytes)
            .and_then(|n| n.checked_add(row_bytes))
            .filter(|&n| isize::try_from(n).is_ok() && start.checked_add(n).is_some())
            .ok_or(BilateralStatus::TooLarge)?;
        Ok(Extent {
            layout: Layout {
                width,
                height,
                stride: stride_bytes / size,
                channels,
            },
            len: bytes / size,
            start,
            bytes,
        })
    }

    /// Whether the two images share a byte, row padding included: slices over both would alias.
    pub(crate) fn overlaps(&self, other: &Extent) -> bool {
        // `new` checked that neither end overflows.
        self.start < other.start + other.bytes && other.start < self.start + self.bytes
    }
}
