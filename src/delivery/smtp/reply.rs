//! Server replies, read within bounds. RFC 5321 allows 512 octets per
//! reply line (CRLF included); courier takes up to [`MAX_LINE`] bytes a
//! line, [`MAX_LINES`] lines and [`MAX_REPLY`] bytes a reply, so a server
//! that never ends a line or a multi-line reply costs courier at most that
//! much memory: past a bound the reply is an [`Overrun`], not more lines.
//! Pure: the session feeds it bytes and lines.

/// The longest reply line courier reads, CRLF included (four times RFC
/// 5321's 512 octets).
pub const MAX_LINE: usize = 2048;
/// The most lines a reply may have (a generous EHLO answer has 20).
pub const MAX_LINES: usize = 100;
/// The most bytes a reply may have, CRLFs included.
pub const MAX_REPLY: usize = 64 * 1024;

/// A server reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub lines: Vec<String>,
}

impl Reply {
    /// The reply as one line: `550 5.1.1 no such user`.
    #[must_use]
    pub fn text(&self) -> String {
        format!("{} {}", self.code, self.lines.join(" / "))
    }
}

/// Which bound a reply broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Overrun {
    #[error("the server sent a reply line longer than {MAX_LINE} bytes")]
    Line,
    #[error("the server's reply exceeded {MAX_LINES} lines")]
    Lines,
    #[error("the server's reply exceeded {MAX_REPLY} bytes")]
    Bytes,
}

/// Why a reply could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreadable {
    /// It broke a bound.
    Overrun(Overrun),
    /// A line without a reply code (its first 120 characters).
    NoCode(String),
}

/// Takes the next complete line off the front of `buf`, without its line
/// end; `None` until one is there. A line that is, or can only become,
/// longer than [`MAX_LINE`] is an [`Overrun::Line`].
pub fn take_line(buf: &mut Vec<u8>) -> Result<Option<String>, Overrun> {
    let scan = &buf[..buf.len().min(MAX_LINE)];
    match scan.iter().position(|&b| b == b'\n') {
        Some(pos) => {
            let line: Vec<u8> = buf.drain(..=pos).collect();
            Ok(Some(
                String::from_utf8_lossy(&line)
                    .trim_end_matches(['\r', '\n'])
                    .to_owned(),
            ))
        }
        None if buf.len() >= MAX_LINE => Err(Overrun::Line),
        None => Ok(None),
    }
}

/// A reply being put together line by line.
#[derive(Debug, Default)]
pub struct Assembler {
    lines: Vec<String>,
    bytes: usize,
}

impl Assembler {
    /// Adds a line (as [`take_line`] gives it); the reply once its last
    /// line came.
    pub fn push(&mut self, line: &str) -> Result<Option<Reply>, Unreadable> {
        self.bytes += line.len() + 2;
        if self.lines.len() >= MAX_LINES {
            return Err(Unreadable::Overrun(Overrun::Lines));
        }
        if self.bytes > MAX_REPLY {
            return Err(Unreadable::Overrun(Overrun::Bytes));
        }
        let code = line.get(..3).and_then(|c| c.parse::<u16>().ok());
        let Some(code) = code else {
            return Err(Unreadable::NoCode(line.chars().take(120).collect()));
        };
        let sep = line.as_bytes().get(3).copied();
        self.lines
            .push(line.get(4..).unwrap_or_default().to_owned());
        if sep == Some(b'-') {
            return Ok(None);
        }
        Ok(Some(Reply {
            code,
            lines: std::mem::take(&mut self.lines),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::{Assembler, MAX_LINE, MAX_LINES, MAX_REPLY, Overrun, Reply, Unreadable, take_line};

    fn lines(buf: &[u8]) -> (Vec<String>, Vec<u8>, Option<Overrun>) {
        let mut buf = buf.to_vec();
        let mut out = Vec::new();
        loop {
            match take_line(&mut buf) {
                Ok(Some(l)) => out.push(l),
                Ok(None) => return (out, buf, None),
                Err(e) => return (out, buf, Some(e)),
            }
        }
    }

    #[test]
    fn lines_end_at_lf_with_or_without_cr() {
        let (got, rest, err) = lines(b"220 a\r\n250-b\n250 c\r\n25");
        assert_eq!(got, ["220 a", "250-b", "250 c"]);
        assert_eq!(rest, b"25");
        assert_eq!(err, None);
        let (got, _, _) = lines(b"220 \xff\r\n");
        assert_eq!(got, ["220 \u{fffd}"]);
    }

    #[test]
    fn a_line_has_at_most_max_line_bytes_with_its_crlf() {
        let mut longest = vec![b'x'; MAX_LINE - 2];
        longest.extend_from_slice(b"\r\n");
        let (got, rest, err) = lines(&longest);
        assert_eq!((got.len(), rest.len(), err), (1, 0, None));
        let mut too_long = vec![b'x'; MAX_LINE - 1];
        too_long.extend_from_slice(b"\r\n");
        assert_eq!(lines(&too_long).2, Some(Overrun::Line));
        // Without its end yet: fine below the bound, refused at it.
        assert_eq!(lines(&vec![b'x'; MAX_LINE - 1]).2, None);
        assert_eq!(lines(&vec![b'x'; MAX_LINE]).2, Some(Overrun::Line));
        assert_eq!(lines(&vec![b'x'; 10 * MAX_LINE]).2, Some(Overrun::Line));
    }

    fn assemble(input: &[String]) -> Result<Option<Reply>, Unreadable> {
        let mut a = Assembler::default();
        for (i, line) in input.iter().enumerate() {
            if let Some(reply) = a.push(line)? {
                assert_eq!(i, input.len() - 1, "the reply ended early");
                return Ok(Some(reply));
            }
        }
        Ok(None)
    }

    #[test]
    fn multi_line_replies() {
        let input: Vec<String> = ["250-mail.test", "250-PIPELINING", "250 AUTH PLAIN"]
            .map(String::from)
            .to_vec();
        let reply = assemble(&input).expect("a reply").expect("complete");
        assert_eq!(reply.code, 250);
        assert_eq!(reply.lines, ["mail.test", "PIPELINING", "AUTH PLAIN"]);
        assert_eq!(reply.text(), "250 mail.test / PIPELINING / AUTH PLAIN");
        let bare = assemble(&["221".to_owned()])
            .expect("a reply")
            .expect("complete");
        assert_eq!(bare.lines, [""]);
        assert_eq!(
            assemble(&["hello".to_owned()]),
            Err(Unreadable::NoCode("hello".into()))
        );
    }

    #[test]
    fn a_reply_has_at_most_max_lines() {
        let mut input = vec!["250-x".to_owned(); MAX_LINES - 1];
        input.push("250 last".to_owned());
        let reply = assemble(&input).expect("a reply").expect("complete");
        assert_eq!(reply.lines.len(), MAX_LINES);
        let endless = vec!["250-x".to_owned(); MAX_LINES + 1];
        assert_eq!(assemble(&endless), Err(Unreadable::Overrun(Overrun::Lines)));
        let mut one_more = vec!["250-x".to_owned(); MAX_LINES];
        one_more.push("250 last".to_owned());
        assert_eq!(
            assemble(&one_more),
            Err(Unreadable::Overrun(Overrun::Lines))
        );
    }

    #[test]
    fn a_reply_has_at_most_max_reply_bytes() {
        // Lines within the line bound, but too many bytes together.
        let long = format!("250-{}", "x".repeat(MAX_LINE - 6));
        let n = MAX_REPLY / MAX_LINE + 1;
        assert!(n < MAX_LINES);
        let input = vec![long; n];
        assert_eq!(assemble(&input), Err(Unreadable::Overrun(Overrun::Bytes)));
    }

    #[test]
    fn overruns_say_which_bound() {
        assert_eq!(
            Overrun::Lines.to_string(),
            "the server's reply exceeded 100 lines"
        );
        assert_eq!(
            Overrun::Line.to_string(),
            "the server sent a reply line longer than 2048 bytes"
        );
        assert_eq!(
            Overrun::Bytes.to_string(),
            "the server's reply exceeded 65536 bytes"
        );
    }
}
