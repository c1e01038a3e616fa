//! A fast HTTP/1.1 sink on 127.0.0.1 for the batch bench: keep-alive, a
//! thread per connection, every request answered `200 OK` with the body
//! `ok`. It counts the requests it answered and their body bytes.

use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

const RESPONSE: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok";

/// A running sink; it lives as long as the bench process.
pub struct HttpSink {
    pub port: u16,
    counters: Arc<Counters>,
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    bytes: AtomicU64,
}

impl HttpSink {
    /// Binds a random free port and starts accepting.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the HTTP sink");
        let port = listener.local_addr().expect("local address").port();
        let counters = Arc::new(Counters::default());
        let counter = Arc::clone(&counters);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let counter = Arc::clone(&counter);
                std::thread::spawn(move || {
                    // A client that goes away mid-request is no failure of the sink.
                    let _ = connection(stream, &counter);
                });
            }
        });
        Self { port, counters }
    }

    /// Requests answered so far, and their body bytes.
    pub fn requests(&self) -> (u64, u64) {
        (
            self.counters.requests.load(Ordering::Relaxed),
            self.counters.bytes.load(Ordering::Relaxed),
        )
    }
}

/// One keep-alive connection: request line, headers, then a
/// `Content-Length` or chunked body; the response is flushed before the
/// next blocking read.
fn connection(stream: TcpStream, counters: &Counters) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut reader = BufReader::with_capacity(64 * 1024, stream.try_clone()?);
    let mut out = BufWriter::with_capacity(4 * 1024, stream);
    let mut line = String::with_capacity(256);
    let mut body = Vec::with_capacity(4 * 1024);
    loop {
        if reader.buffer().is_empty() {
            out.flush()?;
        }
        // The request line; blank lines before it are tolerated.
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        if line.trim().is_empty() {
            continue;
        }
        let (mut length, mut chunked, mut close) = (0usize, false, false);
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let Some((name, value)) = header.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse().unwrap_or(0);
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.eq_ignore_ascii_case("chunked");
            } else if name.eq_ignore_ascii_case("connection") {
                close = value.eq_ignore_ascii_case("close");
            }
        }
        if chunked {
            read_chunked(&mut reader, &mut line, &mut body)?;
        } else {
            body.resize(length, 0);
            reader.read_exact(&mut body)?;
        }
        counters.requests.fetch_add(1, Ordering::Relaxed);
        counters
            .bytes
            .fetch_add(body.len() as u64, Ordering::Relaxed);
        out.write_all(RESPONSE)?;
        if close {
            return out.flush();
        }
    }
}

/// A chunked body into `body`, trailers skipped.
fn read_chunked(
    reader: &mut BufReader<TcpStream>,
    line: &mut String,
    body: &mut Vec<u8>,
) -> std::io::Result<()> {
    body.clear();
    loop {
        line.clear();
        reader.read_line(line)?;
        let size = line.trim().split(';').next().unwrap_or("0");
        let size = usize::from_str_radix(size, 16).unwrap_or(0);
        if size == 0 {
            // Trailers, up to the blank line.
            loop {
                line.clear();
                if reader.read_line(line)? == 0 || line.trim_end().is_empty() {
                    return Ok(());
                }
            }
        }
        let start = body.len();
        body.resize(start + size + 2, 0);
        reader.read_exact(&mut body[start..])?;
        body.truncate(start + size);
    }
}
