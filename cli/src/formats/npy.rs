//! NumPy `.npy` arrays: `u1`, `u2` and `f4`, C order, shape `(H, W)` or `(H, W, C)` with C in
//! 1..=4. Versions 1.0 to 3.0 are read; 1.0 is written, little-endian.

use std::io::Write;

use anyhow::{Context, Result, bail, ensure};

use super::DecodeLimits;
use crate::raster::{Image, SampleType, Samples};

const MAGIC: &[u8] = b"\x93NUMPY";

/// Decodes a whole `.npy` file. The shape is checked against the data's length before anything
/// proportional to it is allocated.
pub(super) fn decode(bytes: &[u8], limits: &DecodeLimits) -> Result<Image> {
    ensure!(bytes.starts_with(MAGIC), "not an NPY file (bad magic)");
    let rest = &bytes[MAGIC.len()..];
    let (major, rest) = rest.split_first().context("truncated NPY preamble")?;
    let (_minor, rest) = rest.split_first().context("truncated NPY preamble")?;
    let (header_len, rest) = match major {
        1 => {
            let (len, rest) = split_le::<2>(rest).context("truncated NPY preamble")?;
            (usize::from(u16::from_le_bytes(len)), rest)
        }
        2 | 3 => {
            let (len, rest) = split_le::<4>(rest).context("truncated NPY preamble")?;
            (
                usize::try_from(u32::from_le_bytes(len)).context("NPY header too long")?,
                rest,
            )
        }
        v => bail!("NPY format version {v} is not supported (1 to 3 are)"),
    };
    ensure!(rest.len() >= header_len, "truncated NPY header");
    let (header, data) = rest.split_at(header_len);
    let header = std::str::from_utf8(header).context("NPY header is not text")?;
    let h = Header::parse(header)?;

    let (height, width, channels) = match h.shape[..] {
        [height, width] => (height, width, 1),
        [height, width, c] => (height, width, c),
        ref s => bail!("NPY shape {s:?} is not (H, W) or (H, W, C)"),
    };
    ensure!(
        (1..=4).contains(&channels),
        "NPY shape {:?} has {channels} channels (1 to 4 are supported)",
        h.shape
    );
    ensure!(
        height > 0 && width > 0,
        "NPY shape {:?} is an empty image",
        h.shape
    );
    let count = height
        .checked_mul(width)
        .and_then(|n| n.checked_mul(channels))
        .context("NPY shape overflows")?;
    let item = h.dtype.size();
    let needed = count.checked_mul(item).context("NPY shape overflows")?;
    ensure!(
        needed as u64 <= limits.max_bytes,
        "NPY array of {needed} bytes exceeds the limit of {} bytes",
        limits.max_bytes
    );
    ensure!(
        data.len() == needed,
        "NPY data holds {} bytes but shape {:?} of {} needs {needed}",
        data.len(),
        h.shape,
        h.dtype.descr()
    );

    let samples = match h.dtype {
        Dtype::U8 => Samples::U8(data.to_vec()),
        Dtype::U16 { big } => Samples::U16(
            data.chunks_exact(2)
                .map(|b| {
                    let b = [b[0], b[1]];
                    if big {
                        u16::from_be_bytes(b)
                    } else {
                        u16::from_le_bytes(b)
                    }
                })
                .collect(),
        ),
        Dtype::F32 { big } => Samples::F32(
            data.chunks_exact(4)
                .map(|b| {
                    let b = [b[0], b[1], b[2], b[3]];
                    if big {
                        f32::from_be_bytes(b)
                    } else {
                        f32::from_le_bytes(b)
                    }
                })
                .collect(),
        ),
    };
    Ok(Image {
        width,
        height,
        channels,
        samples,
    })
}

/// Writes a version 1.0 file: one channel as `(H, W)`, more as `(H, W, C)`.
pub(super) fn encode(img: &Image, out: &mut dyn Write) -> Result<()> {
    let descr = match img.sample_type() {
        SampleType::U8 => "|u1",
        SampleType::U16 => "<u2",
        SampleType::F32 => "<f4",
    };
    let shape = if img.channels == 1 {
        format!("({}, {})", img.height, img.width)
    } else {
        format!("({}, {}, {})", img.height, img.width, img.channels)
    };
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    // NumPy pads the preamble and header with spaces to a multiple of 64 bytes, ending in '\n',
    // so that the data is aligned for memory mapping.
    let preamble = MAGIC.len() + 2 + 2;
    let total = (preamble + header.len() + 1).next_multiple_of(64);
    header.extend(std::iter::repeat_n(
        ' ',
        total - preamble - header.len() - 1,
    ));
    header.push('\n');
    let header_len = u16::try_from(header.len()).context("NPY header too long")?;
    out.write_all(MAGIC)?;
    out.write_all(&[1, 0])?;
    out.write_all(&header_len.to_le_bytes())?;
    out.write_all(header.as_bytes())?;
    match &img.samples {
        Samples::U8(v) => out.write_all(v)?,
        Samples::U16(v) => {
            let bytes: Vec<u8> = v.iter().flat_map(|s| s.to_le_bytes()).collect();
            out.write_all(&bytes)?;
        }
        Samples::F32(v) => {
            let bytes: Vec<u8> = v.iter().flat_map(|s| s.to_le_bytes()).collect();
            out.write_all(&bytes)?;
        }
    }
    Ok(())
}

fn split_le<const N: usize>(b: &[u8]) -> Option<([u8; N], &[u8])> {
    let (head, rest) = b.split_first_chunk::<N>()?;
    Some((*head, rest))
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Dtype {
    U8,
    U16 { big: bool },
    F32 { big: bool },
}

impl Dtype {
    fn parse(descr: &str) -> Result<Dtype> {
        Ok(match descr {
            "|u1" | "u1" | "<u1" | ">u1" => Dtype::U8,
            "<u2" => Dtype::U16 { big: false },
            ">u2" => Dtype::U16 { big: true },
            "<f4" => Dtype::F32 { big: false },
            ">f4" => Dtype::F32 { big: true },
            other => bail!("NPY dtype {other:?} is not supported (u1, u2 and f4 are)"),
        })
    }

    fn size(self) -> usize {
        match self {
            Dtype::U8 => 1,
            Dtype::U16 { .. } => 2,
            Dtype::F32 { .. } => 4,
        }
    }

    fn descr(self) -> &'static str {
        match self {
            Dtype::U8 => "u1",
            Dtype::U16 { .. } => "u2",
            Dtype::F32 { .. } => "f4",
        }
    }
}

#[derive(Debug)]
struct Header {
    dtype: Dtype,
    shape: Vec<usize>,
}

impl Header {
    /// Parses the Python dict literal NumPy writes, e.g.
    /// `{'descr': '<u2', 'fortran_order': False, 'shape': (4, 5, 3), }`: exactly these three
    /// keys, in any order.
    fn parse(text: &str) -> Result<Header> {
        let mut p = Parser {
            s: text.trim_end().as_bytes(),
            i: 0,
        };
        let (mut descr, mut fortran, mut shape) = (None, None, None);
        p.expect(b'{')?;
        loop {
            p.skip_ws();
            if p.eat(b'}') {
                break;
            }
            let key = p.string()?;
            p.expect(b':')?;
            match key.as_str() {
                "descr" => descr = Some(p.string()?),
                "fortran_order" => fortran = Some(p.boolean()?),
                "shape" => shape = Some(p.tuple()?),
                other => bail!("unexpected key {other:?} in NPY header"),
            }
            p.skip_ws();
            if !p.eat(b',') {
                p.expect(b'}')?;
                break;
            }
        }
        p.skip_ws();
        ensure!(p.i == p.s.len(), "trailing text after the NPY header dict");
        let descr = descr.context("NPY header lacks 'descr'")?;
        let shape = shape.context("NPY header lacks 'shape'")?;
        ensure!(
            !fortran.context("NPY header lacks 'fortran_order'")?,
            "Fortran-order NPY arrays are not supported: save a C-order one \
             (numpy.ascontiguousarray)"
        );
        Ok(Header {
            dtype: Dtype::parse(&descr)?,
            shape,
        })
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self.s.get(self.i).is_some_and(u8::is_ascii_whitespace) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.skip_ws();
        let hit = self.s.get(self.i) == Some(&c);
        if hit {
            self.i += 1;
        }
        hit
    }

    fn expect(&mut self, c: u8) -> Result<()> {
        ensure!(
            self.eat(c),
            "malformed NPY header: expected {:?} at byte {}",
            char::from(c),
            self.i
        );
        Ok(())
    }

    fn string(&mut self) -> Result<String> {
        self.skip_ws();
        let quote = match self.s.get(self.i) {
            Some(&q @ (b'\'' | b'"')) => q,
            _ => bail!("malformed NPY header: expected a string at byte {}", self.i),
        };
        let start = self.i + 1;
        let len = self.s[start..]
            .iter()
            .position(|&c| c == quote)
            .context("malformed NPY header: unterminated string")?;
        self.i = start + len + 1;
        Ok(String::from_utf8_lossy(&self.s[start..start + len]).into_owned())
    }

    fn boolean(&mut self) -> Result<bool> {
        self.skip_ws();
        for (word, value) in [(&b"True"[..], true), (&b"False"[..], false)] {
            if self.s[self.i..].starts_with(word) {
                self.i += word.len();
                return Ok(value);
            }
        }
        bail!(
            "malformed NPY header: expected True or False at byte {}",
            self.i
        )
    }

    fn tuple(&mut self) -> Result<Vec<usize>> {
        self.expect(b'(')?;
        let mut items = Vec::new();
        loop {
            if self.eat(b')') {
                return Ok(items);
            }
            let start = self.i;
            while self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
                self.i += 1;
            }
            ensure!(
                self.i > start,
                "malformed NPY header: expected a dimension at byte {start}"
            );
            // Only ASCII digits were consumed, so this parses unless it overflows.
            let digits = std::str::from_utf8(&self.s[start..self.i])?;
            items.push(
                digits
                    .parse()
                    .with_context(|| format!("NPY dimension {digits} is too large"))?,
            );
            ensure!(items.len() <= 8, "NPY shape has too many dimensions");
            if !self.eat(b',') {
                self.expect(b')')?;
                return Ok(items);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(img: &Image) -> Image {
        let mut buf = Vec::new();
        encode(img, &mut buf).unwrap();
        assert_eq!(
            (buf.len()
                - img.width
                    * img.height
                    * img.channels
                    * match img.sample_type() {
                        SampleType::U8 => 1,
                        SampleType::U16 => 2,
                        SampleType::F32 => 4,
                    })
                % 64,
            0
        );
        decode(&buf, &DecodeLimits::default()).unwrap()
    }

    #[test]
    fn every_type_round_trips() {
        for (channels, samples) in [
            (1, Samples::U8(vec![1, 2, 3, 4, 5, 6])),
            (
                2,
                Samples::U16(vec![1, 2, 3, 4, 5, 65535, 7, 8, 9, 10, 11, 12]),
            ),
            (3, Samples::F32((0..18).map(|i| i as f32 / 7.0).collect())),
            (4, Samples::U8((0..24).collect())),
        ] {
            let img = Image {
                width: 3,
                height: 2,
                channels,
                samples,
            };
            assert_eq!(roundtrip(&img), img);
        }
    }

    #[test]
    fn numpy_headers_parse() {
        let h = Header::parse("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }  \n")
            .unwrap();
        assert_eq!((h.dtype, h.shape), (Dtype::F32 { big: false }, vec![2, 3]));
        let h =
            Header::parse("{\"shape\":(5,4,3),\"fortran_order\":False,\"descr\":\">u2\"}").unwrap();
        assert_eq!(
            (h.dtype, h.shape),
            (Dtype::U16 { big: true }, vec![5, 4, 3])
        );
        for bad in [
            "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }",
            "{'descr': '<u2', 'fortran_order': True, 'shape': (2, 3), }",
            "{'descr': '<u2', 'fortran_order': False, 'shape': (2, -3), }",
            "{'descr': '<u2', 'fortran_order': False, 'shape': (99999999999999999999999,)}",
            "{'descr': '<u2', 'fortran_order': False}",
            "{'descr': '<u2', 'fortran_order': False, 'shape': (2, 3)",
            "{'descr': '<u2 'fortran_order'",
            "",
        ] {
            assert!(Header::parse(bad).is_err(), "{bad}");
        }
    }

    /// A version 1.0 file with this header text, unpadded, and data.
    fn npy(header: &str, data: &[u8]) -> Vec<u8> {
        let mut v = MAGIC.to_vec();
        v.extend([1, 0]);
        v.extend((header.len() as u16).to_le_bytes());
        v.extend(header.as_bytes());
        v.extend(data);
        v
    }

    #[test]
    fn lying_shapes_are_refused_before_allocation() {
        let limits = DecodeLimits::default();
        let ok = npy(
            "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2)}",
            &[0; 4],
        );
        assert!(decode(&ok, &limits).is_ok());
        for n in 0..ok.len() {
            assert!(decode(&ok[..n], &limits).is_err());
        }
        let huge = npy(
            "{'descr': '|u1', 'fortran_order': False, 'shape': (99999, 99999, 4)}",
            &[0; 4],
        );
        let err = decode(&huge, &DecodeLimits { max_bytes: 1 << 30 }).unwrap_err();
        assert!(err.to_string().contains("exceeds"), "{err}");
        let overflow = npy(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4)}",
            &[0; 4],
        );
        assert!(decode(&overflow, &limits).is_err());
        let short = npy(
            "{'descr': '<u2', 'fortran_order': False, 'shape': (2, 3)}",
            &[0; 4],
        );
        let err = decode(&short, &limits).unwrap_err();
        assert!(err.to_string().contains("needs 12"), "{err}");
        for shape in ["(2, 3, 5)", "(0, 3)", "(6,)", "(1, 2, 3, 1)"] {
            let h = format!("{{'descr': '|u1', 'fortran_order': False, 'shape': {shape}}}");
            assert!(decode(&npy(&h, &[0; 30]), &limits).is_err(), "{shape}");
        }
    }
}
