//! Reaching an HTTP endpoint the way Kratos' client would, without sending
//! a request: resolve, connect (through the proxy Go's
//! `ProxyFromEnvironment` picks, with `CONNECT` for HTTPS), complete TLS.
//! Every step is recorded with its time, for `courier test`.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::delivery::http::SendError;
use crate::delivery::tls::{self, SessionInfo, TlsOptions};
use crate::gourl;

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
    pub tls: Option<SessionInfo>,
    pub result: Result<(), SendError>,
}

/// Where to go.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub scheme: String,
    pub host: String,
    pub port: u16,
}

impl Endpoint {
    /// The endpoint of an `http(s)://` URL, as Go's parser reads it.
    #[must_use]
    pub fn of(url: &str) -> Option<Self> {
        let u = gourl::go_parse(url).ok().filter(|u| {
            matches!(u.scheme.as_str(), "http" | "https") && !u.hostname().is_empty()
        })?;
        let default = if u.scheme == "https" { 443 } else { 80 };
        Some(Self {
            port: u.port().parse().unwrap_or(default),
            host: u.hostname().to_owned(),
            scheme: u.scheme,
        })
    }
}

/// Go's proxy choice: `HTTPS_PROXY`/`HTTP_PROXY` by scheme, `NO_PROXY`, and
/// never for localhost or loopback addresses.
#[must_use]
pub fn proxy_for(scheme: &str, host: &str, env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let var = |n: &str| {
        env(n)
            .or_else(|| env(&n.to_lowercase()))
            .filter(|v| !v.is_empty())
    };
    if host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
    {
        return None;
    }
    let no_proxy = var("NO_PROXY").unwrap_or_default();
    for entry in no_proxy.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let entry = entry.split(':').next().unwrap_or(entry);
        let bare = entry.trim_start_matches('.');
        if entry == "*" || host == bare || host.ends_with(&format!(".{bare}")) {
            return None;
        }
    }
    var(if scheme == "https" {
        "HTTPS_PROXY"
    } else {
        "HTTP_PROXY"
    })
}

/// Walks to `to` (through `proxy`, if any) with `timeout` per step.
#[must_use]
pub fn dial(to: &Endpoint, proxy: Option<&str>, timeout: Duration) -> Dialed {
    let mut d = Dialed {
        steps: Vec::new(),
        tls: None,
        result: Ok(()),
    };
    d.result = walk(&mut d, to, proxy, timeout);
    d
}

fn step<T>(
    d: &mut Dialed,
    stage: &'static str,
    start: Instant,
    r: Result<T, SendError>,
    detail: impl Fn(&T) -> String,
) -> Result<T, SendError> {
    let ms = start.elapsed().as_secs_f64() * 1e3;
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
) -> Result<(), SendError> {
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
    let r = addrs
        .iter()
        .map(|a| TcpStream::connect_timeout(a, timeout).map(|s| (s, *a)))
        .find(Result::is_ok)
        .unwrap_or_else(|| {
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionRefused,
                "no address accepted the connection",
            ))
        })
        .map_err(|e| io_failure(&e, timeout));
    let (mut tcp, _) = step(d, "connect", start, r, |(_, a)| {
        format!("{a}{}", if proxy.is_some() { " (proxy)" } else { "" })
    })?;
    let _ = tcp.set_nodelay(true);
    let _ = tcp.set_read_timeout(Some(timeout));
    let _ = tcp.set_write_timeout(Some(timeout));
    if proxy.is_some() && to.scheme == "https" {
        let start = Instant::now();
        let r = connect_tunnel(&mut tcp, &to.host, to.port, timeout);
        step(d, "proxy", start, r, Clone::clone)?;
    }
    if to.scheme == "https" {
        let start = Instant::now();
        let options = TlsOptions {
            name: to.host.clone(),
            skip_verify: false,
            client_cert: None,
        };
        let r = tls::prepare(&options)
            .and_then(|p| p.connect(tcp))
            .map_err(SendError::Tls);
        let (_, info) = step(d, "tls", start, r, |(_, i)| {
            format!("{} {}; {}", i.version, i.cipher, i.verification)
        })?;
        d.tls = Some(info);
    }
    Ok(())
}

fn connect_tunnel(
    tcp: &mut TcpStream,
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
