//! Strided, interleaved views of caller-owned sample buffers.
#![forbid(unsafe_code)]

use crate::{Error, Sample};

/// Geometry of an interleaved image in a slice: `channels` samples per pixel, rows `stride`
/// samples apart. Sample `(x, y, c)` is at `y * stride + x * channels + c`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Pixels per row.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// Samples from the start of one row to the start of the next.
    pub stride: usize,
    /// Samples per pixel, 1 to 4. With 2 or 4 the last one is alpha.
    pub channels: usize,
}

impl Layout {
    /// A tightly packed layout: `stride = width * channels`.
    pub fn packed(width: usize, height: usize, channels: usize) -> Self {
        Layout {
            width,
            height,
            stride: width.saturating_mul(channels),
            channels,
        }
    }

    /// Samples a buffer needs: `(height - 1) * stride + width * channels`. The last row need
    /// not be padded to the full stride.
    fn check(&self, len: usize) -> Result<(), Error> {
        if self.width == 0 || self.height == 0 {
            return Err(Error::EmptyImage {
                width: self.width,
                height: self.height,
            });
        }
        if !(1..=4).contains(&self.channels) {
            return Err(Error::UnsupportedChannels(self.channels));
        }
        let row = self
            .width
            .checked_mul(self.channels)
            .ok_or(Error::GeometryOverflow)?;
        if self.stride < row {
            return Err(Error::StrideTooSmall {
                stride: self.stride,
                min: row,
            });
        }
        let needed = (self.height - 1)
            .checked_mul(self.stride)
            .and_then(|n| n.checked_add(row))
            .ok_or(Error::GeometryOverflow)?;
        if len < needed {
            return Err(Error::BufferTooShort { len, needed });
        }
        Ok(())
    }

    /// Samples in one row that belong to the image.
    pub(crate) fn row_len(&self) -> usize {
        self.width * self.channels
    }

    /// Samples from the first to the last that belong to the image.
    pub(crate) fn span(&self) -> usize {
        (self.height - 1) * self.stride + self.row_len()
    }

    fn same_shape(&self, other: &Layout) -> Result<(), Error> {
        if (self.width, self.height, self.channels) == (other.width, other.height, other.channels) {
            Ok(())
        } else {
            Err(Error::SizeMismatch {
                src_width: self.width,
                src_height: self.height,
                src_channels: self.channels,
                dst_width: other.width,
                dst_height: other.height,
                dst_channels: other.channels,
            })
        }
    }
}

/// A read-only image in a caller's slice.
#[derive(Debug, Clone, Copy)]
pub struct ImageView<'a, T> {
    pub(crate) data: &'a [T],
    pub(crate) layout: Layout,
}

/// A writable image in a caller's slice.
#[derive(Debug)]
pub struct ImageViewMut<'a, T> {
    pub(crate) data: &'a mut [T],
    pub(crate) layout: Layout,
}

impl<'a, T: Sample> ImageView<'a, T> {
    /// A view of `data` with the given geometry, checked.
    pub fn new(data: &'a [T], layout: Layout) -> Result<Self, Error> {
        layout.check(data.len())?;
        Ok(ImageView { data, layout })
    }

    /// Its geometry.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// Row `y`, the image's samples only.
    pub(crate) fn row(&self, y: usize) -> &'a [T] {
        let start = y * self.layout.stride;
        &self.data[start..start + self.layout.row_len()]
    }
}

impl<'a, T: Sample> ImageViewMut<'a, T> {
    /// A writable view of `data` with the given geometry, checked.
    pub fn new(data: &'a mut [T], layout: Layout) -> Result<Self, Error> {
        layout.check(data.len())?;
        Ok(ImageViewMut { data, layout })
    }

    /// Its geometry.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// The same image, read-only.
    pub fn as_view(&self) -> ImageView<'_, T> {
        ImageView {
            data: self.data,
            layout: self.layout,
        }
    }

    /// Row `y`, the image's samples only.
    pub(crate) fn row_mut(&mut self, y: usize) -> &mut [T] {
        let start = y * self.layout.stride;
        &mut self.data[start..start + self.layout.row_len()]
    }

    /// Fails unless `src` has this image's width, height and channels.
    pub(crate) fn check_matches(&self, src: &ImageView<'_, T>) -> Result<(), Error> {
        src.layout.same_shape(&self.layout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_is_checked() {
        let buf = [0u8; 12];
        assert!(ImageView::new(&buf, Layout::packed(4, 3, 1)).is_ok());
        assert_eq!(
            ImageView::new(&buf, Layout::packed(0, 3, 1)).unwrap_err(),
            Error::EmptyImage {
                width: 0,
                height: 3
            }
        );
        assert_eq!(
            ImageView::new(&buf, Layout::packed(2, 2, 5)).unwrap_err(),
            Error::UnsupportedChannels(5)
        );
        let l = Layout {
            width: 4,
            height: 2,
            stride: 3,
            channels: 1,
        };
        assert_eq!(
            ImageView::new(&buf, l).unwrap_err(),
            Error::StrideTooSmall { stride: 3, min: 4 }
        );
        // The last row needs no padding: 2 rows of stride 8 with width 4 need 12 samples.
        let l = Layout {
            width: 4,
            height: 2,
            stride: 8,
            channels: 1,
        };
        assert!(ImageView::new(&buf, l).is_ok());
        assert_eq!(
            ImageView::new(&buf[..11], l).unwrap_err(),
            Error::BufferTooShort {
                len: 11,
                needed: 12
            }
        );
        let huge = Layout {
            width: usize::MAX,
            height: 2,
            stride: usize::MAX,
            channels: 2,
        };
        assert_eq!(
            ImageView::new(&buf, huge).unwrap_err(),
            Error::GeometryOverflow
        );
    }
}
