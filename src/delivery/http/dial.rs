//! Reaching an HTTP endpoint the way Kratos' client would, without sending
//! a message: resolve, connect (through the proxy Go's
//! `ProxyFromEnvironment` picks, with `CONNECT` for HTTPS), complete TLS,
//! then ask with a `HEAD` (no credentials, no body) how the server answers
//! the URL, and follow its redirects the way `courier send` would. Every
//! step is recorded with its time, for `courier test`.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::delivery::http::SendError;
use crate::delivery::http::redirect::{self, RedirectError};
use crate::delivery::socket::Socket;
use crate::delivery::ssrf::{self, HttpRule, Mode};
use crate::delivery::tls::{self, SessionInfo, Stream, TlsOptions};
use crate::gourl;
use crate::release::Release;

/// The most of an answer's head the probe reads.
const HEAD_CAP: usize = 16 * 1024;

/// One step of the walk.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub stage: &'static str,
    pub outcome: &'static str,
    pub ms: f64,
    pub detail: String,
}

/// What the walk found.
#[derive(Debug)]
pub struct Dialed {
    pub steps: Vec<Step>,
    /// The TLS session with the configured endpoint.
    pub tls: Option<SessionInfo>,
    /// The redirects met, in order (raw URLs: show them masked).
    pub redirects: Vec<Hop>,
    pub result: Result<(), SendError>,
}

/// One redirect.
#[derive(Debug, Clone)]
pub struct Hop {
    pub status: u16,
    pub from: String,
    pub to: String,
}

/// Where to go.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub scheme: String,
    pub host: String,
    pub port: u16,
    /// The path and query, as a request line carries them.
    pub target: String,
}

impl Endpoint {
    /// The endpoint of an `http(s)://` URL, as Go's parser reads it.
    #[must_use]
    pub fn of(url: &str) -> Option<Self> {
        let u = gourl::go_parse(url).ok().filter(|u| {
            matches!(u.scheme.as_str(), "http" | "https") && !u.hostname().is_empty()
        })?;
        let default = if u.scheme == "https" { 443 } else { 80 };
        let rest = url.split('#').next().unwrap_or(url);
        let rest = &rest[rest.find("//").map_or(0, |i| i + 2)..];
        let target = match rest.find(['/', '?']) {
            Some(i) if rest[i..].starts_with('?') => format!("/{}", &rest[i..]),
            Some(i) => rest[i..].to_owned(),
            None => "/".to_owned(),
        };
        Some(Self {
            port: u.port().parse().unwrap_or(default),
            host: u.hostname().to_owned(),
            scheme: u.scheme,
            target,
        })
    }

    /// The `Host` header: the host, and the port unless it is the
    /// scheme's.
    fn authority(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let default = if self.scheme == "https" { 443 } else { 80 };
        if self.port == default {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

pub use super::proxy::proxy_for;

/// Walks to `url` with `timeout` per step, asks it with a `HEAD`, and
/// follows its redirects as `courier send` would: at most 10, and not to
/// another origin when the request carries `credentials` (header names).
/// `env` reads the proxy variables.
#[must_use]
pub fn trace(
    url: &str,
    env: &dyn Fn(&str) -> Option<String>,
    timeout: Duration,
    credentials: &[String],
    rule: &HttpRule,
) -> Dialed {
    let mut d = Dialed {
        steps: Vec::new(),
        tls: None,
        redirects: Vec::new(),
        result: Ok(()),
    };
    let mut current = url.to_owned();
    d.result = loop {
        let Some(to) = Endpoint::of(&current) else {
            break Err(SendError::Other(format!(
                "courier cannot follow a redirect to {}",
                crate::secret::mask_url(&current)
            )));
        };
        let proxy = proxy_for(&to.scheme, &to.host, env);
        // Kratos picks the rule by the URL of each hop.
        let guard = match rule.mode(&current) {
            Ok(mode) => (mode, rule.release),
            Err(r) => {
                let start = Instant::now();
                let e = step(&mut d, "connect", start, Err(SendError::Refused(r)), |()| {
                    String::new()
                });
                break e;
            }
        };
        let head = match walk(&mut d, &to, proxy.as_deref(), timeout, guard) {
            Ok(mut stream) => {
                let absolute = proxy.is_some() && to.scheme == "http";
                let start = Instant::now();
                let r = probe(
                    &mut stream,
                    &to,
                    absolute.then_some(current.as_str()),
                    timeout,
                );
                step(&mut d, "probe", start, r, |h| {
                    format!(
                        "HEAD {}: {} {}",
                        crate::secret::mask_url(&to.target),
                        h.status,
                        h.reason
                    )
                })
            }
            Err(e) => Err(e),
        };
        let (status, location) = match head {
            Err(e) => break Err(e),
            // Go follows these five, when they name a place.
            Ok(h) => match h.location {
                Some(loc) if matches!(h.status, 301 | 302 | 303 | 307 | 308) => (h.status, loc),
                _ => break Ok(()),
            },
        };
        let Some(next) = super::resolve(&current, &location) else {
            break Err(SendError::Other(format!(
                "the server redirected ({status}) to a location courier cannot read"
            )));
        };
        let start = Instant::now();
        let r = redirect::check(
            url,
            &next,
            status,
            d.redirects.len() + 1,
            !credentials.is_empty(),
        )
        .map_err(|e| refused(e, credentials));
        let origin = if redirect::same_origin(url, &next) {
            "same origin"
        } else {
            "another origin"
        };
        d.redirects.push(Hop {
            status,
            from: std::mem::replace(&mut current, next.clone()),
            to: next.clone(),
        });
        if let Err(e) = step(&mut d, "redirect", start, r, |()| {
            format!("{status} to {} ({origin})", crate::secret::mask_url(&next))
        }) {
            break Err(e);
        }
    };
    d
}

/// A refused redirect, with what Kratos would do there.
fn refused(e: RedirectError, credentials: &[String]) -> SendError {
    let kratos = match &e {
        RedirectError::CrossOrigin { status, from, to } => {
            format!(
                " ({})",
                redirect::kratos_would(credentials, from, to, *status)
            )
        }
        RedirectError::TooMany => String::new(),
    };
    SendError::Redirect(e, kratos)
}

/// The head of the probe's answer.
#[derive(Debug)]
struct Head {
    status: u16,
    reason: String,
    location: Option<String>,
}

/// Sends `HEAD` for `to` (`absolute`: the whole URL, to an HTTP proxy)
/// and reads the head of the answer within `timeout`.
fn probe(
    stream: &mut Stream,
    to: &Endpoint,
    absolute: Option<&str>,
    timeout: Duration,
) -> Result<Head, SendError> {
    let deadline = Instant::now() + timeout;
    let target = absolute.map_or(to.target.clone(), without_userinfo);
    let req = format!(
        "HEAD {target} HTTP/1.1\r\nHost: {}\r\nUser-Agent: courier\r\nConnection: close\r\n\r\n",
        to.authority()
    );
    stream
        .write_all(req.as_bytes())
        .and_then(|()| stream.flush())
        .map_err(|e| io_failure(&e, timeout))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 2048];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(SendError::Timeout(timeout));
        }
        if buf.len() > HEAD_CAP {
            return Err(SendError::Other(format!(
                "the answer's head is longer than {} KiB",
                HEAD_CAP / 1024
            )));
        }
        stream.set_deadline(deadline);
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) => return Err(io_failure(&e, timeout)),
        }
    }
    parse_head(&String::from_utf8_lossy(&buf))
}

/// The status line and `Location` of an answer's head.
fn parse_head(text: &str) -> Result<Head, SendError> {
    let mut lines = text.split("\r\n");
    let first = lines.next().unwrap_or_default();
    let mut parts = first.splitn(3, ' ');
    let status = match (parts.next(), parts.next()) {
        (Some(v), Some(code)) if v.starts_with("HTTP/") => code.parse().ok(),
        _ => None,
    };
    let Some(status) = status else {
        let shown: String = first.chars().take(60).collect();
        return Err(SendError::Other(format!(
            "the server's answer is not HTTP: {shown:?}"
        )));
    };
    let location = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("location"))
        .map(|(_, v)| v.trim().to_owned());
    Ok(Head {
        status,
        reason: parts.next().unwrap_or_default().trim().to_owned(),
        location,
    })
}

/// A URL without its user info (a proxy must not see credentials).
fn without_userinfo(url: &str) -> String {
    let Some(start) = url.find("//").map(|i| i + 2) else {
        return url.to_owned();
    };
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    match url[start..end].rfind('@') {
        Some(at) => format!("{}{}", &url[..start], &url[start + at + 1..]),
        None => url.to_owned(),
    }
}

fn step<T>(
    d: &mut Dialed,
    stage: &'static str,
    start: Instant,
    r: Result<T, SendError>,
    detail: impl Fn(&T) -> String,
) -> Result<T, SendError> {
    let ms = crate::delivery::millis_since(start);
    let (outcome, detail) = match &r {
        Ok(v) => ("ok", detail(v)),
        Err(e) => ("failed", e.to_string()),
    };
    d.steps.push(Step {
        stage,
        outcome,
        ms,
        detail,
    });
    r
}

fn io_failure(e: &std::io::Error, timeout: Duration) -> SendError {
    if matches!(
        e.kind(),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
    ) {
        SendError::Timeout(timeout)
    } else {
        SendError::Connect(e.to_string())
    }
}

fn walk(
    d: &mut Dialed,
    to: &Endpoint,
    proxy: Option<&str>,
    timeout: Duration,
    (mode, release): (Mode, Release),
) -> Result<Stream, SendError> {
    let (dial_host, dial_port) = match proxy {
        Some(p) => {
            let u =
                gourl::go_parse(p).map_err(|e| SendError::Proxy(format!("the proxy URL: {e}")))?;
            let default = if u.scheme == "https" { 443 } else { 80 };
            (u.hostname().to_owned(), u.port().parse().unwrap_or(default))
        }
        None => (to.host.clone(), to.port),
    };
    let start = Instant::now();
    let r = (dial_host.as_str(), dial_port)
        .to_socket_addrs()
        .map(Iterator::collect::<Vec<_>>)
        .map_err(|e| SendError::Resolve(format!("{dial_host}: {e}")));
    let addrs = step(d, "resolve", start, r, |a| {
        a.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    })?;
    let start = Instant::now();
    // Every address is tried; when none answers, the last one's error
    // is the report (as `send` reports it: "Connection refused").
    let mut last = std::io::Error::new(
        std::io::ErrorKind::NotFound,
        "the name resolved to no address",
    );
    let mut connected = None;
    let mut refused = None;
    for a in &addrs {
        // Kratos' dialer judges every address before it dials it.
        if let Err(r) = ssrf::check(mode, release, ssrf::Client::Http, &dial_host, a.ip()) {
            refused.get_or_insert(r);
            continue;
        }
        match TcpStream::connect_timeout(a, timeout) {
            Ok(s) => {
                connected = Some((s, *a));
                break;
            }
            Err(e) => last = e,
        }
    }
    let r = match (connected, refused) {
        (Some(c), _) => Ok(c),
        (None, Some(r)) if last.kind() == std::io::ErrorKind::NotFound => {
            Err(SendError::Refused(r))
        }
        (None, _) => Err(io_failure(&last, timeout)),
    };
    let (tcp, _) = step(d, "connect", start, r, |(_, a)| {
        format!("{a}{}", if proxy.is_some() { " (proxy)" } else { "" })
    })?;
    let _ = tcp.set_nodelay(true);
    // Each later step (the proxy's tunnel, the TLS handshake) ends by its
    // deadline, however the other side trickles its bytes.
    let mut tcp = Socket::from(tcp);
    if proxy.is_some() && to.scheme == "https" {
        let start = Instant::now();
        tcp.set_deadline(start + timeout);
        let r = connect_tunnel(&mut tcp, &to.host, to.port, timeout);
        step(d, "proxy", start, r, Clone::clone)?;
    }
    if to.scheme == "https" {
        let start = Instant::now();
        tcp.set_deadline(start + timeout);
        let options = TlsOptions {
            name: to.host.clone(),
            skip_verify: false,
            client_cert: None,
        };
        let r = tls::prepare(&options)
            .and_then(|p| p.connect(tcp))
            .map_err(SendError::Tls);
        let (stream, info) = step(d, "tls", start, r, |(_, i)| {
            format!("{} {}; {}", i.version, i.cipher, i.verification)
        })?;
        if d.tls.is_none() {
            d.tls = Some(info);
        }
        return Ok(Stream::Tls(Box::new(stream)));
    }
    Ok(Stream::Plain(tcp))
}

fn connect_tunnel(
    tcp: &mut Socket,
    host: &str,
    port: u16,
    timeout: Duration,
) -> Result<String, SendError> {
    let req = format!("CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n");
    tcp.write_all(req.as_bytes())
        .map_err(|e| io_failure(&e, timeout))?;
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") && buf.len() < 16 * 1024 {
        match tcp.read(&mut byte) {
            Ok(0) => break,
            Ok(_) => buf.push(byte[0]),
            Err(e) => return Err(io_failure(&e, timeout)),
        }
    }
    let text = String::from_utf8_lossy(&buf);
    let status_line = text.lines().next().unwrap_or_default().to_owned();
    if status_line.split_whitespace().nth(1) == Some("200") {
        Ok(status_line)
    } else {
        Err(SendError::Proxy(format!("it answered {status_line:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::proxy_for;

    #[test]
    fn proxies_as_go_picks_them() {
        let env = |n: &str| match n {
            "HTTPS_PROXY" => Some("http://proxy:3128".to_owned()),
            "no_proxy" => Some(".internal.example, other.example".to_owned()),
            _ => None,
        };
        assert_eq!(
            proxy_for("https", "api.sendgrid.com", &env).as_deref(),
            Some("http://proxy:3128")
        );
        assert_eq!(proxy_for("http", "api.sendgrid.com", &env), None);
        assert_eq!(proxy_for("https", "mail.internal.example", &env), None);
        assert_eq!(proxy_for("https", "other.example", &env), None);
        assert_eq!(proxy_for("https", "127.0.0.1", &env), None);
        assert_eq!(proxy_for("https", "localhost", &env), None);
    }
}
