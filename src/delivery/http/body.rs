//! Reading a response body within bounds: at most so many bytes, no later
//! than the exchange's deadline, and (for reads that are a courtesy, such
//! as draining for keep-alive) no longer than a patience that is checked
//! whenever data arrives. The deadline itself is enforced by the client
//! underneath too (a read blocked past it fails), so a server that stalls
//! cannot hold a read beyond it.

use std::io::Read;
use std::time::Instant;

/// How a bounded read ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// The body ended.
    Eof,
    /// `limit` bytes were read; there may be more.
    Limit,
    /// The body was still arriving when the patience ran out.
    Patience,
    /// The exchange's deadline passed.
    Deadline,
    /// The connection failed.
    Broken(String),
}

/// The bounds of one read.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// Bytes.
    pub limit: u64,
    /// Stop reading after this (checked between reads).
    pub patience: Instant,
    /// The end of the exchange.
    pub deadline: Instant,
}

/// Reads `r` within `bounds`, keeping the bytes in `keep` (or discarding
/// them); how many bytes were read and why it stopped.
pub fn read(r: &mut impl Read, bounds: Bounds, mut keep: Option<&mut Vec<u8>>) -> (u64, End) {
    let mut buf = [0u8; 8192];
    let mut total = 0u64;
    loop {
        if total >= bounds.limit {
            return (total, End::Limit);
        }
        let now = Instant::now();
        if now >= bounds.deadline {
            return (total, End::Deadline);
        }
        if now >= bounds.patience {
            return (total, End::Patience);
        }
        let want = usize::try_from(bounds.limit - total).map_or(buf.len(), |n| n.min(buf.len()));
        match r.read(&mut buf[..want]) {
            Ok(0) => return (total, End::Eof),
            Ok(n) => {
                total += n as u64;
                if let Some(out) = keep.as_deref_mut() {
                    out.extend_from_slice(&buf[..n]);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) if Instant::now() >= bounds.deadline => return (total, End::Deadline),
            Err(e) => return (total, End::Broken(chain_text(&e))),
        }
    }
}

/// An error with its causes, `: `-separated.
#[must_use]
pub fn chain_text(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        src = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use std::io::Read;
    use std::time::{Duration, Instant};

    use super::{Bounds, End, read};

    /// Gives one byte per read, `every` apart, forever.
    struct Trickle(Duration);

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            std::thread::sleep(self.0);
            buf[0] = b'x';
            Ok(1)
        }
    }

    fn bounds(limit: u64, patience_ms: u64, deadline_ms: u64) -> Bounds {
        let now = Instant::now();
        Bounds {
            limit,
            patience: now + Duration::from_millis(patience_ms),
            deadline: now + Duration::from_millis(deadline_ms),
        }
    }

    #[test]
    fn every_bound_ends_a_read() {
        let mut kept = Vec::new();
        let (n, end) = read(
            &mut &b"hello"[..],
            bounds(1024, 1000, 1000),
            Some(&mut kept),
        );
        assert_eq!((n, end, kept.as_slice()), (5, End::Eof, &b"hello"[..]));
        let mut endless = std::io::repeat(b'y');
        let (n, end) = read(&mut endless, bounds(100_000, 5000, 5000), None);
        assert_eq!((n, end), (100_000, End::Limit));
        let slow = Trickle(Duration::from_millis(20));
        let start = Instant::now();
        let (_, end) = read(&mut { slow }, bounds(1 << 20, 100, 5000), None);
        assert_eq!(end, End::Patience);
        assert!(start.elapsed() < Duration::from_secs(1));
        let (_, end) = read(
            &mut Trickle(Duration::from_millis(20)),
            bounds(1 << 20, 100, 100),
            None,
        );
        assert_eq!(end, End::Deadline);
    }
}
