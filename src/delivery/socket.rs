//! A TCP socket whose every read and write ends by a deadline (within
//! [`SLACK`]). Before each system call the socket's timeout is set to the
//! time left, unless the timeout set last is within [`SLACK`] of it (a
//! message exchanged in microseconds then costs no `setsockopt` per read
//! and write), and a call after the deadline fails at once with
//! `TimedOut`: a server that
//! trickles a byte at a time, or stalls mid-reply, cannot stretch a step
//! past its deadline, whatever sits on top (line reading, or TLS records
//! assembled from many reads).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// How far a call may end from the deadline: the socket's timeout is set
/// again only when the time left moved further than this from it.
pub const SLACK: Duration = Duration::from_millis(20);

/// A TCP stream with an optional deadline.
#[derive(Debug)]
pub struct Socket {
    tcp: TcpStream,
    deadline: Option<Instant>,
    /// The read and write timeouts set last (`None`: not set by us).
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
}

/// Whether a socket timeout set to `applied` still ends a call started now
/// within [`SLACK`] of a deadline `left` away.
fn close_enough(applied: Option<Duration>, left: Duration) -> bool {
    applied.is_some_and(|a| a.abs_diff(left) <= SLACK)
}

impl From<TcpStream> for Socket {
    /// A socket without a deadline: bounded only by the timeouts already
    /// set on `tcp`.
    fn from(tcp: TcpStream) -> Self {
        Self {
            tcp,
            deadline: None,
            read_timeout: None,
            write_timeout: None,
        }
    }
}

impl Socket {
    /// Every later read and write ends by `deadline`.
    pub fn set_deadline(&mut self, deadline: Instant) {
        self.deadline = Some(deadline);
    }

    /// The time left, or `TimedOut` when there is none.
    fn left(&self) -> std::io::Result<Option<Duration>> {
        let Some(deadline) = self.deadline else {
            return Ok(None);
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the deadline passed",
            ))
        } else {
            Ok(Some(left))
        }
    }
}

impl Read for Socket {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if let Some(left) = self.left()?
            && !close_enough(self.read_timeout, left)
        {
            self.read_timeout = None;
            self.tcp.set_read_timeout(Some(left))?;
            self.read_timeout = Some(left);
        }
        self.tcp.read(buf)
    }
}

impl Write for Socket {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(left) = self.left()?
            && !close_enough(self.write_timeout, left)
        {
            self.write_timeout = None;
            self.tcp.set_write_timeout(Some(left))?;
            self.write_timeout = Some(left);
        }
        self.tcp.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.tcp.flush()
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::time::{Duration, Instant};

    use super::Socket;

    fn pair() -> (Socket, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let client = TcpStream::connect(listener.local_addr().expect("addr")).expect("connect");
        let (server, _) = listener.accept().expect("accept");
        (Socket::from(client), server)
    }

    #[test]
    fn a_silent_peer_cannot_hold_a_read_past_the_deadline() {
        let (mut socket, _server) = pair();
        // A long socket timeout, as a stale arming would leave it.
        socket
            .tcp
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        let start = Instant::now();
        socket.set_deadline(start + Duration::from_millis(200));
        let err = socket.read(&mut [0u8; 16]).expect_err("times out");
        assert!(matches!(
            err.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ));
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn a_later_deadline_is_applied_and_a_close_one_is_not_reset() {
        let (mut socket, mut server) = pair();
        socket.set_deadline(Instant::now() + Duration::from_millis(100));
        socket.read(&mut [0u8; 16]).expect_err("times out");
        // A deadline much later: the short timeout must not cut this read.
        socket.set_deadline(Instant::now() + Duration::from_secs(5));
        let writer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(400));
            server.write_all(b"250 ok\r\n").expect("write");
            server
        });
        let mut buf = [0u8; 16];
        let n = socket.read(&mut buf).expect("read within the new deadline");
        assert_eq!(&buf[..n], b"250 ok\r\n");
        let applied = socket.read_timeout.expect("set");
        // Reads right after reuse the timeout set for this deadline.
        let _server = writer.join().expect("writer");
        socket.set_deadline(Instant::now() + applied);
        let _ = socket.tcp.set_nonblocking(true);
        let _ = socket.read(&mut buf);
        assert_eq!(socket.read_timeout, Some(applied), "not set again");
    }

    #[test]
    fn after_the_deadline_nothing_is_read_or_written() {
        let (mut socket, mut server) = pair();
        server.write_all(b"220 hi\r\n").expect("write");
        socket.set_deadline(Instant::now());
        let err = socket.read(&mut [0u8; 16]).expect_err("past the deadline");
        assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
        let err = socket.write(b"QUIT\r\n").expect_err("past the deadline");
        assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
    }

    #[test]
    fn before_the_deadline_it_is_a_socket() {
        let (mut socket, mut server) = pair();
        socket.set_deadline(Instant::now() + Duration::from_secs(5));
        server.write_all(b"220 hi\r\n").expect("write");
        let mut buf = [0u8; 8];
        socket.read_exact(&mut buf).expect("read");
        assert_eq!(&buf, b"220 hi\r\n");
        socket.write_all(b"QUIT\r\n").expect("write");
        let mut got = [0u8; 6];
        server.read_exact(&mut got).expect("read");
        assert_eq!(&got, b"QUIT\r\n");
    }
}
