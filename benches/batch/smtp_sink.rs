//! A fast SMTP sink on 127.0.0.1 for the batch bench: just enough SMTP for
//! plain-text sessions (no STARTTLS, no AUTH), pipelining-aware, a thread
//! per connection. It counts the messages it accepted and their bytes.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A running sink; it lives as long as the bench process.
pub struct SmtpSink {
    pub port: u16,
    counters: Arc<Counters>,
}

#[derive(Default)]
struct Counters {
    messages: AtomicU64,
    bytes: AtomicU64,
}

impl SmtpSink {
    /// Binds a random free port and starts accepting.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the SMTP sink");
        let port = listener.local_addr().expect("local address").port();
        let counters = Arc::new(Counters::default());
        let counter = Arc::clone(&counters);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let counter = Arc::clone(&counter);
                std::thread::spawn(move || {
                    // A client that goes away mid-session is no failure of the sink.
                    let _ = session(stream, &counter);
                });
            }
        });
        Self { port, counters }
    }

    /// Messages accepted (250 after the final dot) so far, and their bytes
    /// (as sent, dot-stuffed, without the final dot).
    pub fn messages(&self) -> (u64, u64) {
        (
            self.counters.messages.load(Ordering::Relaxed),
            self.counters.bytes.load(Ordering::Relaxed),
        )
    }
}

/// One SMTP session. Replies go into a buffer that is flushed only when no
/// complete command is waiting in the input buffer, so a pipelined group
/// (`MAIL`, `RCPT`, `DATA`) is answered with one write.
fn session(stream: TcpStream, counters: &Counters) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut reader = BufReader::with_capacity(64 * 1024, stream.try_clone()?);
    let mut out = BufWriter::with_capacity(16 * 1024, stream);
    out.write_all(b"220 127.0.0.1 courier bench sink ESMTP\r\n")?;
    let mut line = Vec::with_capacity(1024);
    loop {
        if !reader.buffer().contains(&b'\n') {
            out.flush()?;
        }
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let verb = line.get(..4).unwrap_or(&line).to_ascii_uppercase();
        match verb.as_slice() {
            b"EHLO" => out.write_all(b"250-127.0.0.1\r\n250-PIPELINING\r\n250 8BITMIME\r\n")?,
            b"HELO" => out.write_all(b"250 127.0.0.1\r\n")?,
            b"MAIL" | b"RCPT" | b"RSET" | b"NOOP" => out.write_all(b"250 ok\r\n")?,
            b"DATA" => {
                out.write_all(b"354 end with <CRLF>.<CRLF>\r\n")?;
                out.flush()?;
                // The body starts at a line start, so `\r\n.\r\n` is a line ".\r\n".
                let mut bytes = 0;
                loop {
                    line.clear();
                    if reader.read_until(b'\n', &mut line)? == 0 {
                        return Ok(());
                    }
                    if line == b".\r\n" {
                        break;
                    }
                    bytes += line.len() as u64;
                }
                counters.messages.fetch_add(1, Ordering::Relaxed);
                counters.bytes.fetch_add(bytes, Ordering::Relaxed);
                out.write_all(b"250 ok\r\n")?;
            }
            b"QUIT" => {
                out.write_all(b"221 bye\r\n")?;
                return out.flush();
            }
            _ => out.write_all(b"502 command not implemented\r\n")?,
        }
    }
}
