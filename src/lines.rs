//! Reading lines with a bound on their length.
//!
//! Every line a ledger holds is one entry, and no entry may be longer than
//! [`MAX_ENTRY_BYTES`]. [`read_line`] enforces that bound while it reads: a
//! longer line is never held in memory (its bytes are counted and skipped up to
//! the next LF), so a 100 MB line in a ledger or an import file costs no more
//! memory than a 1 MiB one, and is reported with its line number and length.

use std::io::{self, BufRead, Read};

/// The longest line a ledger may hold, and the longest line of an import file:
/// 1 MiB (1,048,576 bytes), not counting the LF. An entry whose canonical text
/// is longer is refused when written and reported as `too-long` when read.
pub const MAX_ENTRY_BYTES: usize = 1 << 20;

/// What [`read_line`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    /// End of input: no more bytes.
    Eof,
    /// A line of at most the maximum length, now in the buffer (without its
    /// LF). `terminated` is false for bytes after the last LF.
    Fits { terminated: bool },
    /// A line longer than the maximum; the buffer is left empty. `len` is its
    /// length in bytes without the LF.
    TooLong { len: u64, terminated: bool },
}

/// Reads the next line of `r` into `buf` (cleared first), holding at most
/// `max` bytes of it.
pub fn read_line<R: BufRead + ?Sized>(
    r: &mut R,
    buf: &mut Vec<u8>,
    max: usize,
) -> io::Result<Line> {
    buf.clear();
    // The common case: `read_until` (a fast LF search), bounded to one byte
    // more than a line may hold.
    let n = (&mut *r).take(max as u64 + 1).read_until(b'\n', buf)?;
    if n == 0 {
        return Ok(Line::Eof);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        return Ok(Line::Fits { terminated: true });
    }
    if buf.len() <= max {
        return Ok(Line::Fits { terminated: false });
    }
    // Too long: count and skip the rest of the line without keeping it.
    let mut len = buf.len() as u64;
    *buf = Vec::new();
    loop {
        let available = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(Line::TooLong {
                len,
                terminated: false,
            });
        }
        match available.iter().position(|&b| b == b'\n') {
            Some(i) => {
                r.consume(i + 1);
                return Ok(Line::TooLong {
                    len: len + i as u64,
                    terminated: true,
                });
            }
            None => {
                let n = available.len();
                len += n as u64;
                r.consume(n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8], max: usize) -> Vec<(Line, Vec<u8>)> {
        let mut r = io::BufReader::with_capacity(4, input);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        loop {
            let l = read_line(&mut r, &mut buf, max).unwrap();
            if l == Line::Eof {
                return out;
            }
            out.push((l, buf.clone()));
        }
    }

    #[test]
    fn splits_at_lf_and_bounds_each_line() {
        let got = all(b"ab\n\n0123456789\nxyz", 5);
        assert_eq!(
            got,
            vec![
                (Line::Fits { terminated: true }, b"ab".to_vec()),
                (Line::Fits { terminated: true }, Vec::new()),
                (
                    Line::TooLong {
                        len: 10,
                        terminated: true
                    },
                    Vec::new()
                ),
                (Line::Fits { terminated: false }, b"xyz".to_vec()),
            ]
        );
        assert_eq!(
            all(b"12345\n123456", 5),
            vec![
                (Line::Fits { terminated: true }, b"12345".to_vec()),
                (
                    Line::TooLong {
                        len: 6,
                        terminated: false
                    },
                    Vec::new()
                ),
            ]
        );
        assert!(all(b"", 5).is_empty());
    }
}
