//! A scriptable misbehaving server on a real loopback socket: each accepted
//! connection plays the same script (send, expect, stall, trickle, flood,
//! upgrade to TLS, close). Everything the client sent is kept for
//! assertions (that a secret was not forwarded, that QUIT was sent, ...).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One step of a script.
#[derive(Debug, Clone)]
pub enum Step {
    /// Write these bytes at once.
    Send(Vec<u8>),
    /// Read lines until one starts with this prefix (case-insensitive).
    Until(String),
    /// Read an HTTP request: headers up to the blank line, then
    /// `Content-Length` bytes of body.
    HttpRequest,
    /// Do nothing for this long.
    Sleep(Duration),
    /// Write these bytes one at a time, `every` apart.
    Trickle(Vec<u8>, Duration),
    /// Write these bytes over and over until the client goes away (or
    /// `limit` bytes went out, so the test itself stays bounded).
    Flood(Vec<u8>, u64),
    /// Accept a TLS handshake (the test CA's `localhost` certificate) and
    /// go on over TLS.
    StartTls,
    /// Close the connection.
    Close,
}

/// A running server; it stops accepting when dropped.
pub struct Hostile {
    pub port: u16,
    received: Arc<Mutex<Vec<u8>>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl Hostile {
    /// Serves `script` to every connection on 127.0.0.1.
    pub fn start(script: Vec<Step>) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().expect("local addr").port();
        listener
            .set_nonblocking(true)
            .expect("nonblocking listener");
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (rx, halt) = (received.clone(), stop.clone());
        std::thread::spawn(move || {
            while !halt.load(std::sync::atomic::Ordering::Relaxed) {
                match listener.accept() {
                    Ok((sock, _)) => {
                        let (script, rx, halt) = (script.clone(), rx.clone(), halt.clone());
                        std::thread::spawn(move || {
                            let _ = sock.set_nonblocking(false);
                            play(sock, &script, &rx, &halt);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Hostile {
            port,
            received,
            stop,
        }
    }

    /// Everything clients sent so far (TLS traffic decrypted), as text.
    pub fn received(&self) -> String {
        String::from_utf8_lossy(&self.received.lock().expect("lock")).into_owned()
    }

    /// `received`, after waiting up to 5 s for `needle` to show up.
    pub fn received_after(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let text = self.received();
            if text.contains(needle) || Instant::now() > deadline {
                return text;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// A connection, plain or TLS, that records what it reads.
struct Conn {
    reader: BufReader<Box<dyn ReadWrite>>,
    log: Arc<Mutex<Vec<u8>>>,
}

trait ReadWrite: Read + Write + Send {}
impl<T: Read + Write + Send> ReadWrite for T {}

impl Conn {
    fn line(&mut self) -> Option<String> {
        let mut line = Vec::new();
        let n = self.reader.read_until(b'\n', &mut line).ok()?;
        if n == 0 {
            return None;
        }
        self.log.lock().expect("lock").extend_from_slice(&line);
        Some(String::from_utf8_lossy(&line).into_owned())
    }

    fn write(&mut self, bytes: &[u8]) -> bool {
        let w = self.reader.get_mut();
        w.write_all(bytes).and_then(|()| w.flush()).is_ok()
    }

    fn http_request(&mut self) -> Option<()> {
        let mut length = 0usize;
        loop {
            let line = self.line()?;
            if line.trim().is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.trim().eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).ok()?;
        self.log.lock().expect("lock").extend_from_slice(&body);
        Some(())
    }
}

fn play(
    sock: TcpStream,
    script: &[Step],
    log: &Arc<Mutex<Vec<u8>>>,
    halt: &std::sync::atomic::AtomicBool,
) {
    let _ = sock.set_read_timeout(Some(Duration::from_secs(30)));
    let mut conn = Conn {
        reader: BufReader::new(Box::new(sock.try_clone().expect("clone socket"))),
        log: log.clone(),
    };
    for step in script {
        if halt.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let alive = match step {
            Step::Send(bytes) => conn.write(bytes),
            Step::Until(prefix) => loop {
                match conn.line() {
                    None => break false,
                    Some(l)
                        if l.to_ascii_lowercase()
                            .starts_with(&prefix.to_ascii_lowercase()) =>
                    {
                        break true;
                    }
                    Some(_) => {}
                }
            },
            Step::HttpRequest => conn.http_request().is_some(),
            Step::Sleep(d) => {
                std::thread::sleep(*d);
                true
            }
            Step::Trickle(bytes, every) => bytes.iter().all(|b| {
                std::thread::sleep(*every);
                conn.write(std::slice::from_ref(b))
            }),
            Step::Flood(bytes, limit) => {
                let mut sent = 0u64;
                while sent < *limit && conn.write(bytes) {
                    sent += bytes.len() as u64;
                }
                false
            }
            Step::StartTls => match tls(&sock) {
                Some(stream) => {
                    conn.reader = BufReader::new(Box::new(stream));
                    true
                }
                None => false,
            },
            Step::Close => false,
        };
        if !alive {
            break;
        }
    }
    let _ = sock.shutdown(std::net::Shutdown::Both);
}

/// A server-side TLS stream over `sock` with the test certificate.
fn tls(sock: &TcpStream) -> Option<rustls::StreamOwned<rustls::ServerConnection, TcpStream>> {
    use rustls_pki_types::pem::PemObject;
    let certs = super::smtp::certs();
    let chain = rustls_pki_types::CertificateDer::pem_file_iter(&certs.cert)
        .ok()?
        .collect::<Result<Vec<_>, _>>()
        .ok()?;
    let key = rustls_pki_types::PrivateKeyDer::from_pem_file(&certs.key).ok()?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .ok()?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .ok()?;
    let conn = rustls::ServerConnection::new(Arc::new(config)).ok()?;
    let mut stream = rustls::StreamOwned::new(conn, sock.try_clone().ok()?);
    while stream.conn.is_handshaking() {
        stream.conn.complete_io(&mut stream.sock).ok()?;
    }
    Some(stream)
}
