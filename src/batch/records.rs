//! Splitting a batch input into rows without trusting it: physical lines
//! (`\n` or `\r\n`; for CSV also a lone `\r`, as the csv crate reads
//! them), a CSV record across the line breaks inside its quotes, a leading
//! UTF-8 BOM dropped, and each row at most [`BATCH_ROW`], so an endless
//! row ends in an error instead of filling memory. Line numbers are the
//! ones an editor shows, and rows the same, for a CRLF file as for an LF
//! one (a line break inside CSV quotes reads as `\n`).

use std::io::{self, BufRead};

use crate::input::BATCH_ROW;

/// One row's bytes, without its line terminator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raw {
    /// 1-based line where the row starts.
    pub line: u64,
    pub bytes: Vec<u8>,
}

/// Why the input cannot be read past a row.
#[derive(Debug)]
pub enum Failure {
    /// The row at `line` is longer than the cap.
    TooLong { line: u64 },
    /// Reading failed in the row at `line`.
    Io { line: u64, error: io::Error },
}

/// Where a CSV scan is in a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quote {
    /// At the start of a field.
    Start,
    /// In an unquoted field (a `"` there is a plain character).
    Plain,
    /// Inside quotes: line breaks and commas are data.
    Quoted,
    /// A `"` inside quotes: the end of the quotes, or the first of `""`.
    Closing,
}

/// The quote state after `bytes`, from `q` (csv_core's reading, with its
/// default double-quote escapes).
fn scan(bytes: &[u8], mut q: Quote) -> Quote {
    for &b in bytes {
        q = match (q, b) {
            (Quote::Start, b'"') | (Quote::Closing, b'"') => Quote::Quoted,
            (Quote::Quoted, b'"') => Quote::Closing,
            (Quote::Quoted, _) => Quote::Quoted,
            (_, b',' | b'\n' | b'\r') => Quote::Start,
            _ => Quote::Plain,
        };
    }
    q
}

/// The rows of an input, as an iterator; it ends after a [`Failure`].
pub struct Splitter<R> {
    input: R,
    /// The line number of the next physical line.
    line: u64,
    /// CSV: a lone `\r` ends a line, and quotes join lines.
    csv: bool,
    /// The most bytes of one row.
    cap: usize,
    first: bool,
    done: bool,
}

impl<R: BufRead> Splitter<R> {
    /// Records of a CSV input.
    pub fn csv(input: R) -> Self {
        Self::new(input, true)
    }

    /// Lines of a JSON Lines input.
    pub fn lines(input: R) -> Self {
        Self::new(input, false)
    }

    fn new(input: R, csv: bool) -> Self {
        Self {
            input,
            line: 1,
            csv,
            cap: usize::try_from(BATCH_ROW.bytes).unwrap_or(usize::MAX),
            first: true,
            done: false,
        }
    }

    /// The same, with another cap (for tests).
    #[cfg(test)]
    fn with_cap(mut self, cap: usize) -> Self {
        self.cap = cap;
        self
    }

    /// Appends one physical line and its terminator to `buf`, reading no
    /// further than a few bytes past the cap. Whether a terminator ended it
    /// (otherwise: the end of the input, or the cap).
    fn read_line(&mut self, buf: &mut Vec<u8>) -> io::Result<bool> {
        loop {
            let room = (self.cap + 3).saturating_sub(buf.len());
            if room == 0 {
                return Ok(false);
            }
            let avail = match self.input.fill_buf() {
                Ok(a) => a,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if avail.is_empty() {
                return Ok(false);
            }
            let limit = avail.len().min(room);
            let csv = self.csv;
            let end = avail[..limit]
                .iter()
                .position(|&b| b == b'\n' || (csv && b == b'\r'));
            let Some(i) = end else {
                buf.extend_from_slice(&avail[..limit]);
                self.input.consume(limit);
                continue;
            };
            let cr = avail[i] == b'\r';
            buf.extend_from_slice(&avail[..=i]);
            self.input.consume(i + 1);
            if cr && self.input.fill_buf()?.first() == Some(&b'\n') {
                // `\r\n` is one line end.
                buf.push(b'\n');
                self.input.consume(1);
            }
            self.line += 1;
            return Ok(true);
        }
    }

    /// The next row's bytes with their terminator; empty at the end.
    fn read_row(&mut self, buf: &mut Vec<u8>) -> io::Result<()> {
        let mut quote = Quote::Start;
        loop {
            let from = buf.len();
            let ended = self.read_line(buf)?;
            if self.first {
                self.first = false;
                if buf.starts_with(crate::input::BOM.as_bytes()) {
                    buf.drain(..crate::input::BOM.len());
                }
            }
            if !ended || !self.csv {
                return Ok(());
            }
            quote = scan(&buf[from..], quote);
            if quote != Quote::Quoted {
                return Ok(());
            }
            // A line break inside quotes is `\n` whatever the file's line
            // ends: a CRLF copy of a file has the same rows (and keys).
            strip_terminator(buf);
            buf.push(b'\n');
        }
    }
}

/// `bytes` without a final `\n`, `\r\n` or `\r`.
fn strip_terminator(bytes: &mut Vec<u8>) {
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
    }
    if bytes.last() == Some(&b'\r') {
        bytes.pop();
    }
}

impl<R: BufRead> Iterator for Splitter<R> {
    type Item = Result<Raw, Failure>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let line = self.line;
            let mut bytes = Vec::new();
            if let Err(error) = self.read_row(&mut bytes) {
                self.done = true;
                return Some(Err(Failure::Io { line, error }));
            }
            if bytes.is_empty() {
                self.done = true;
                return None;
            }
            strip_terminator(&mut bytes);
            if bytes.len() > self.cap {
                self.done = true;
                return Some(Err(Failure::TooLong { line }));
            }
            // An empty line is no row (csv skips them too).
            if !bytes.is_empty() {
                return Some(Ok(Raw { line, bytes }));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::{Failure, Raw, Splitter};

    fn rows(s: Splitter<&[u8]>) -> Vec<(u64, String)> {
        s.map(|r| {
            let Raw { line, bytes } = r.expect("a row");
            (line, String::from_utf8(bytes).expect("UTF-8"))
        })
        .collect()
    }

    fn owned(v: &[(u64, &str)]) -> Vec<(u64, String)> {
        v.iter().map(|(l, s)| (*l, (*s).to_owned())).collect()
    }

    #[test]
    fn crlf_and_lf_give_the_same_lines() {
        let lf = "to,code\na@b.c,\"1\n2\"\n\nd@e.f,3\n";
        let want = owned(&[(1, "to,code"), (2, "a@b.c,\"1\n2\""), (5, "d@e.f,3")]);
        assert_eq!(rows(Splitter::csv(lf.as_bytes())), want);
        let crlf = lf.replace('\n', "\r\n");
        assert_eq!(rows(Splitter::csv(crlf.as_bytes())), want);
        let cr = lf.replace('\n', "\r");
        assert_eq!(rows(Splitter::csv(cr.as_bytes())), want);
    }

    #[test]
    fn quotes_follow_csv() {
        // `""` inside quotes is a quote; a `"` inside a plain field is data.
        let text = "a,\"x\"\"\ny\",b\"c\nnext\n";
        assert_eq!(
            rows(Splitter::csv(text.as_bytes())),
            owned(&[(1, "a,\"x\"\"\ny\",b\"c"), (3, "next")])
        );
        // JSON Lines never join lines.
        assert_eq!(
            rows(Splitter::lines("\"a\n{}\r\n".as_bytes())),
            owned(&[(1, "\"a"), (2, "{}")])
        );
    }

    #[test]
    fn a_bom_is_dropped() {
        let text = "\u{feff}\"to\"\r\nx\r\n";
        assert_eq!(
            rows(Splitter::csv(text.as_bytes())),
            owned(&[(1, "\"to\""), (2, "x")])
        );
        assert_eq!(
            rows(Splitter::lines("\u{feff}{}\n".as_bytes())),
            owned(&[(1, "{}")])
        );
    }

    #[test]
    fn a_row_past_the_cap_ends_the_input() {
        let text = "to\nabcd\nabcdefgh\nnever\n";
        let mut s = Splitter::csv(text.as_bytes()).with_cap(4);
        assert_eq!(s.next().unwrap().unwrap().line, 1);
        assert_eq!(s.next().unwrap().unwrap().bytes, b"abcd");
        assert!(matches!(s.next(), Some(Err(Failure::TooLong { line: 3 }))));
        assert!(s.next().is_none());
        // An endless row is read only a few bytes past the cap.
        let endless = std::io::BufReader::new(std::io::repeat(0));
        let mut s = Splitter::lines(endless).with_cap(1000);
        assert!(matches!(s.next(), Some(Err(Failure::TooLong { line: 1 }))));
        // An open quote is a row until the cap too.
        let open = "to\n\"".to_owned() + &"x\n".repeat(10);
        let mut s = Splitter::csv(open.as_bytes()).with_cap(8);
        s.next();
        assert!(matches!(s.next(), Some(Err(Failure::TooLong { line: 2 }))));
    }
}
