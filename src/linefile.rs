//! Positioned reads of whole lines in a ledger file, with the entry size limit
//! enforced inside.
//!
//! Every read of a ledger that does not stream it from the start goes through
//! [`LineFile`]: the last line (a writer's tail, `head`, `repair`), the line
//! ending at a given offset (an index catching up), the first line at or after
//! an offset and the line carrying a given `seq` (`verify --since`, a write
//! looking up an earlier fact). A line is never held whole when it is longer
//! than [`MAX_ENTRY_BYTES`]: it comes back as [`Got::TooLong`] with its
//! position and length, read past in fixed-size chunks, so a hostile file of
//! any shape costs bounded memory. Reads are positioned (`pread`), so one
//! open file can serve several readers without seeking.

use crate::layout;
use crate::lines::MAX_ENTRY_BYTES;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

/// How many bytes one positioned read takes.
const CHUNK: usize = 64 * 1024;

/// A line read by position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Got {
    /// A line of at most [`MAX_ENTRY_BYTES`] bytes (without its LF).
    Line {
        /// Offset of its first byte.
        start: u64,
        text: Vec<u8>,
        /// Whether an LF ends it (only the file's last line may lack one).
        terminated: bool,
    },
    /// A longer line, not read: where it starts and its length without LF.
    TooLong {
        start: u64,
        len: u64,
        terminated: bool,
    },
}

impl Got {
    /// Offset of the line's first byte.
    pub fn start(&self) -> u64 {
        match self {
            Got::Line { start, .. } | Got::TooLong { start, .. } => *start,
        }
    }

    /// Offset just past the line and its LF: where the next line starts.
    pub fn end(&self) -> u64 {
        match self {
            Got::Line {
                start,
                text,
                terminated,
            } => start + text.len() as u64 + u64::from(*terminated),
            Got::TooLong {
                start,
                len,
                terminated,
            } => start + len + u64::from(*terminated),
        }
    }

    /// The line's bytes, unless it is too long to hold.
    pub fn text(&self) -> Option<&[u8]> {
        match self {
            Got::Line { text, .. } => Some(text),
            Got::TooLong { .. } => None,
        }
    }

    pub fn terminated(&self) -> bool {
        match self {
            Got::Line { terminated, .. } | Got::TooLong { terminated, .. } => *terminated,
        }
    }
}

/// A ledger file read by position, up to a fixed length (the length it had
/// when the caller looked: bytes appended later are not seen).
#[derive(Clone, Copy)]
pub struct LineFile<'f> {
    file: &'f File,
    len: u64,
}

impl<'f> LineFile<'f> {
    pub fn new(file: &'f File, len: u64) -> LineFile<'f> {
        LineFile { file, len }
    }

    /// The file read.
    pub fn file(&self) -> &'f File {
        self.file
    }

    /// The length read up to.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Reads `buf.len()` bytes at `at` (which must lie within the length).
    fn read(&self, at: u64, buf: &mut [u8]) -> io::Result<()> {
        self.file.read_exact_at(buf, at)
    }

    /// The offset of the first LF at or after `from`, or `None` before the
    /// end; reads forward a chunk at a time.
    fn next_lf(&self, from: u64) -> io::Result<Option<u64>> {
        let mut pos = from;
        let mut buf = vec![0u8; CHUNK];
        while pos < self.len {
            let n = CHUNK.min((self.len - pos) as usize);
            self.read(pos, &mut buf[..n])?;
            if let Some(i) = memchr::memchr(b'\n', &buf[..n]) {
                return Ok(Some(pos + i as u64));
            }
            pos += n as u64;
        }
        Ok(None)
    }

    /// The line that starts at `start` (a line start: 0 or just after an
    /// LF), or `None` at the end of the file.
    pub fn line_at(&self, start: u64) -> io::Result<Option<Got>> {
        if start >= self.len {
            return Ok(None);
        }
        // Read at most one byte more than a line may hold, plus its LF.
        let want = ((MAX_ENTRY_BYTES + 1) as u64).min(self.len - start) as usize;
        let mut text = Vec::new();
        let mut pos = start;
        while text.len() < want {
            let n = CHUNK.min(want - text.len());
            let at = text.len();
            text.resize(at + n, 0);
            self.read(pos, &mut text[at..])?;
            if let Some(i) = memchr::memchr(b'\n', &text[at..]) {
                text.truncate(at + i);
                return Ok(Some(Got::Line {
                    start,
                    text,
                    terminated: true,
                }));
            }
            pos += n as u64;
        }
        if text.len() <= MAX_ENTRY_BYTES {
            // The file ends inside the line.
            return Ok(Some(Got::Line {
                start,
                text,
                terminated: false,
            }));
        }
        drop(text);
        Ok(Some(match self.next_lf(pos)? {
            Some(lf) => Got::TooLong {
                start,
                len: lf - start,
                terminated: true,
            },
            None => Got::TooLong {
                start,
                len: self.len - start,
                terminated: false,
            },
        }))
    }

    /// The first line that starts at or after `off`.
    pub fn line_from(&self, off: u64) -> io::Result<Option<Got>> {
        if off == 0 {
            return self.line_at(0);
        }
        if off >= self.len {
            return Ok(None);
        }
        let mut b = [0u8; 1];
        self.read(off - 1, &mut b)?;
        if b[0] == b'\n' {
            return self.line_at(off);
        }
        match self.next_lf(off)? {
            Some(lf) => self.line_at(lf + 1),
            None => Ok(None),
        }
    }

    /// The line that ends at `end`: the one whose LF is the byte before
    /// `end`, or the unterminated last line when `end` is the length and the
    /// file does not end in LF. `None` when `end` is 0.
    pub fn line_before(&self, end: u64) -> io::Result<Option<Got>> {
        let end = end.min(self.len);
        if end == 0 {
            return Ok(None);
        }
        let mut b = [0u8; 1];
        self.read(end - 1, &mut b)?;
        let terminated = b[0] == b'\n';
        let stop = end - u64::from(terminated);
        // Look back at most one byte further than a line may reach.
        let floor = stop.saturating_sub(MAX_ENTRY_BYTES as u64 + 1);
        let start = match self.prev_lf_above(stop, floor)? {
            Some(lf) => lf + 1,
            None if floor == 0 => 0,
            None => self.prev_lf_above(floor, 0)?.map_or(0, |lf| lf + 1),
        };
        if stop - start > MAX_ENTRY_BYTES as u64 {
            return Ok(Some(Got::TooLong {
                start,
                len: stop - start,
                terminated,
            }));
        }
        let mut text = vec![0u8; (stop - start) as usize];
        self.read(start, &mut text)?;
        Ok(Some(Got::Line {
            start,
            text,
            terminated,
        }))
    }

    /// The last LF in `[floor, stop)`; reads backward a chunk at a time.
    fn prev_lf_above(&self, stop: u64, floor: u64) -> io::Result<Option<u64>> {
        let mut hi = stop;
        let mut buf = vec![0u8; CHUNK];
        while hi > floor {
            let lo = hi.saturating_sub(CHUNK as u64).max(floor);
            let n = (hi - lo) as usize;
            self.read(lo, &mut buf[..n])?;
            if let Some(i) = memchr::memrchr(b'\n', &buf[..n]) {
                return Ok(Some(lo + i as u64));
            }
            hi = lo;
        }
        Ok(None)
    }

    /// The file's last line, terminated or not.
    pub fn last_line(&self) -> io::Result<Option<Got>> {
        self.line_before(self.len)
    }

    /// The number of lines that start before `off` (`off` a line start),
    /// counting LFs a chunk at a time. For naming a line in a message.
    pub fn lines_before(&self, off: u64) -> io::Result<u64> {
        let mut n = 0u64;
        let mut pos = 0u64;
        let end = off.min(self.len);
        let mut buf = vec![0u8; 256 * 1024];
        while pos < end {
            let k = buf.len().min((end - pos) as usize);
            self.read(pos, &mut buf[..k])?;
            n += memchr::memchr_iter(b'\n', &buf[..k]).count() as u64;
            pos += k as u64;
        }
        Ok(n)
    }

    /// The terminated lines from `from` (a line start) to the end that contain
    /// `needle`, read forward in blocks; a line longer than the maximum entry
    /// size is stepped over. For finding the few later entries that name an
    /// id (the disputes of a fact) without reading the file from the start.
    pub fn lines_containing(&self, from: u64, needle: &[u8]) -> io::Result<Vec<Got>> {
        const BLOCK: usize = 256 * 1024;
        let mut out = Vec::new();
        let mut buf: Vec<u8> = Vec::with_capacity(BLOCK);
        // `buf` holds the bytes from `start` on that are not yet in a
        // complete line; `skipping` while inside a line too long to keep.
        let (mut start, mut pos, mut skipping) = (from, from, false);
        while pos < self.len {
            let n = BLOCK.min((self.len - pos) as usize);
            let at = buf.len();
            buf.resize(at + n, 0);
            self.read(pos, &mut buf[at..])?;
            pos += n as u64;
            let mut line_start = 0usize;
            for lf in memchr::memchr_iter(b'\n', &buf[at..]).map(|i| at + i) {
                let text = &buf[line_start..lf];
                if !skipping
                    && text.len() <= MAX_ENTRY_BYTES
                    && memchr::memmem::find(text, needle).is_some()
                {
                    out.push(Got::Line {
                        start: start + line_start as u64,
                        text: text.to_vec(),
                        terminated: true,
                    });
                }
                skipping = false;
                line_start = lf + 1;
            }
            buf.drain(..line_start);
            start += line_start as u64;
            if buf.len() > MAX_ENTRY_BYTES {
                // Too long to be an entry: drop it and skip to its end.
                start += buf.len() as u64;
                buf.clear();
                skipping = true;
            }
        }
        Ok(out)
    }

    /// The number of lines in the file (an unterminated last line counts).
    pub fn count_lines(&self) -> io::Result<u64> {
        let n = self.lines_before(self.len)?;
        if self.len == 0 {
            return Ok(0);
        }
        let mut b = [0u8; 1];
        self.read(self.len - 1, &mut b)?;
        Ok(n + u64::from(b[0] != b'\n'))
    }

    /// A line whose trailing `seq` ([`layout::trailing_seq`]) is `seq`,
    /// found by binary search over byte offsets, reading O(log n) lines;
    /// lines whose seq cannot be read are stepped over.
    ///
    /// This is only a *candidate*: the search assumes seqs grow along the
    /// file, which a damaged or hostile file need not honour, so it may miss
    /// the line or find one of several copies. Callers must confirm what they
    /// find (`verify --since` checks that exactly `seq` lines come before it
    /// and falls back to reading every line otherwise).
    pub fn find_seq(&self, seq: u64) -> io::Result<Option<Got>> {
        // Every line starting before `lo` has a smaller seq (if seqs grow).
        let (mut lo, mut hi) = (0u64, self.len);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.seq_line_from(mid)? {
                Some((l, s)) if s < seq => lo = l.end(),
                _ => hi = mid,
            }
        }
        Ok(self
            .seq_line_from(lo)?
            .and_then(|(l, s)| (s == seq).then_some(l)))
    }

    /// The first line at or after `off` whose trailing seq can be read.
    fn seq_line_from(&self, off: u64) -> io::Result<Option<(Got, u64)>> {
        let mut at = off;
        loop {
            let Some(l) = self.line_from(at)? else {
                return Ok(None);
            };
            if let Some(s) = l.text().and_then(layout::trailing_seq) {
                return Ok(Some((l, s)));
            }
            at = l.end();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(bytes: &[u8]) -> (tempfile::NamedTempFile, u64) {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(bytes).unwrap();
        (f, bytes.len() as u64)
    }

    #[test]
    fn reads_lines_forward_and_backward() {
        let (f, len) = file(b"ab\n\ncd\nef");
        let lf = LineFile::new(f.as_file(), len);
        let line = |start: u64, t: &[u8], terminated| Got::Line {
            start,
            text: t.to_vec(),
            terminated,
        };
        assert_eq!(lf.line_at(0).unwrap(), Some(line(0, b"ab", true)));
        assert_eq!(lf.line_from(1).unwrap(), Some(line(3, b"", true)));
        assert_eq!(lf.line_from(4).unwrap(), Some(line(4, b"cd", true)));
        assert_eq!(lf.last_line().unwrap(), Some(line(7, b"ef", false)));
        assert_eq!(lf.line_before(7).unwrap(), Some(line(4, b"cd", true)));
        assert_eq!(lf.line_before(4).unwrap(), Some(line(3, b"", true)));
        assert_eq!(lf.line_before(3).unwrap(), Some(line(0, b"ab", true)));
        assert_eq!(lf.line_before(0).unwrap(), None);
        assert_eq!(lf.line_from(8).unwrap(), None);
        assert_eq!(lf.count_lines().unwrap(), 4);
        assert_eq!(lf.lines_before(7).unwrap(), 3);
    }

    #[test]
    fn over_long_lines_are_measured_not_held() {
        let mut bytes = b"x\n".to_vec();
        bytes.extend(std::iter::repeat_n(b'a', MAX_ENTRY_BYTES + 5));
        bytes.extend_from_slice(b"\nyz\n");
        let (f, len) = file(&bytes);
        let lf = LineFile::new(f.as_file(), len);
        let long = Got::TooLong {
            start: 2,
            len: MAX_ENTRY_BYTES as u64 + 5,
            terminated: true,
        };
        assert_eq!(lf.line_at(2).unwrap(), Some(long.clone()));
        assert_eq!(lf.line_before(len - 3).unwrap(), Some(long.clone()));
        assert_eq!(lf.line_from(3).unwrap().unwrap().text(), Some(&b"yz"[..]));
        // Exactly the maximum fits.
        let mut exact = vec![b'b'; MAX_ENTRY_BYTES];
        exact.push(b'\n');
        let (g, glen) = file(&exact);
        let lg = LineFile::new(g.as_file(), glen);
        assert!(
            matches!(lg.last_line().unwrap(), Some(Got::Line { ref text, .. }) if text.len() == MAX_ENTRY_BYTES)
        );
        assert!(
            matches!(lg.line_at(0).unwrap(), Some(Got::Line { ref text, .. }) if text.len() == MAX_ENTRY_BYTES)
        );
        // An unterminated over-long last line.
        let (h, hlen) = file(&vec![b'c'; MAX_ENTRY_BYTES + 1]);
        let lh = LineFile::new(h.as_file(), hlen);
        let torn = Some(Got::TooLong {
            start: 0,
            len: MAX_ENTRY_BYTES as u64 + 1,
            terminated: false,
        });
        assert_eq!(lh.last_line().unwrap(), torn);
        assert_eq!(lh.line_at(0).unwrap(), torn);
        // One byte over, terminated, at the start of the file.
        let mut over = vec![b'd'; MAX_ENTRY_BYTES + 1];
        over.push(b'\n');
        let (k, klen) = file(&over);
        let lk = LineFile::new(k.as_file(), klen);
        let too_long = Some(Got::TooLong {
            start: 0,
            len: MAX_ENTRY_BYTES as u64 + 1,
            terminated: true,
        });
        assert_eq!(lk.last_line().unwrap(), too_long);
        assert_eq!(lk.line_at(0).unwrap(), too_long);
    }

    #[test]
    fn find_seq_searches_trailing_seqs() {
        let mut bytes = Vec::new();
        for s in 0..50u64 {
            bytes.extend_from_slice(format!("{{\"x\":{s},\"seq\":{s}}}\n").as_bytes());
        }
        let (f, len) = file(&bytes);
        let lf = LineFile::new(f.as_file(), len);
        for s in 0..50u64 {
            let got = lf.find_seq(s).unwrap().unwrap();
            assert_eq!(layout::trailing_seq(got.text().unwrap()), Some(s));
        }
        assert_eq!(lf.find_seq(50).unwrap(), None);
    }
}
