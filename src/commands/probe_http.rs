//! `courier test` for HTTP delivery: resolve, connect (through the proxy
//! from the environment, as Go's `ProxyFromEnvironment` picks it), complete
//! TLS, and show the request for a sample message, without sending it.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::cli::{Format, TestArgs};
use crate::config::Loaded;
use crate::diag::{Paint, Role};
use crate::exit::{ExitStatus, StatusError};
use crate::output::Printer;
use crate::sample::{self, Channel};
use crate::tls::{self, SessionInfo, TlsError, TlsOptions};

/// One step of the HTTP probe.
#[derive(Debug, Serialize)]
pub struct Step {
    pub stage: &'static str,
    pub outcome: &'static str,
    pub ms: f64,
    pub detail: String,
}

/// The JSON document of `courier test` for HTTP (a public interface).
#[derive(Debug, Serialize)]
pub struct Report {
    pub url: String,
    pub proxy: Option<String>,
    pub ok: bool,
    pub stages: Vec<Step>,
    pub tls: Option<SessionInfo>,
    pub request: Option<super::render::RequestView>,
    pub error: Option<super::probe::ErrorReport>,
}

/// Go's proxy choice: `HTTPS_PROXY`/`HTTP_PROXY` by scheme, `NO_PROXY`, and
/// never for localhost or loopback addresses.
fn proxy_for(scheme: &str, host: &str, env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
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

/// Runs the HTTP probe.
pub fn run(
    loaded: &Loaded,
    channel: Channel,
    args: &TestArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let cfg = super::render::request_config(loaded, channel)?.ok_or_else(|| StatusError {
        status: ExitStatus::Config,
        message: "courier.http.request_config is not set".into(),
        hint: None,
    })?;
    let url = crate::connection_uri::go_parse(&cfg.url)
        .ok()
        .filter(|u| matches!(u.scheme.as_str(), "http" | "https") && !u.hostname().is_empty())
        .ok_or_else(|| StatusError {
            status: ExitStatus::Config,
            message: "the request config has no usable http(s):// url".into(),
            hint: None,
        })?;
    let host = url.hostname().to_owned();
    let port: u16 = url
        .port()
        .parse()
        .unwrap_or(if url.scheme == "https" { 443 } else { 80 });
    let timeout = Duration::from_secs(args.timeout);
    let proxy = proxy_for(&url.scheme, &host, &|n| std::env::var(n).ok());
    let mut report = Report {
        url: cfg.url.split('?').next().unwrap_or_default().to_owned(),
        proxy: proxy
            .as_ref()
            .map(|p| crate::connection_uri::SmtpUri::redacted(p)),
        ok: false,
        stages: Vec::new(),
        tls: None,
        request: None,
        error: None,
    };
    let result = walk(
        &mut report,
        &url.scheme,
        &host,
        port,
        proxy.as_deref(),
        timeout,
    );
    let mut status = match &result {
        Ok(()) => ExitStatus::Success,
        Err((s, _, _)) => *s,
    };
    if let Err((_, stage, message)) = result {
        let hint = match stage {
            "tls" => Some("check the certificate of the endpoint; Kratos verifies it against the system trust store".to_owned()),
            "connect" | "resolve" => Some("check the URL's host and port, and the proxy settings".to_owned()),
            _ => None,
        };
        report.error = Some(super::probe::ErrorReport {
            stage: None,
            message: format!("{stage}: {message}"),
            hint,
        });
    } else {
        // The request, as it would be sent.
        let start = Instant::now();
        let ty = args.template.clone().unwrap_or_else(|| {
            (if channel == Channel::Sms {
                "login_code_valid"
            } else {
                "recovery_code_valid"
            })
            .to_owned()
        });
        let cx = crate::config::settings::sample_context(loaded);
        let rendered = (|| -> anyhow::Result<super::render::RequestView> {
            let ctx = sample::sample_ctx(
                &ty,
                channel,
                &cx,
                None,
                None,
                &sample::placeholder_texts(channel),
            )
            .ok_or_else(|| anyhow::anyhow!("`{ty}` is not a template type of this channel"))?;
            let payload = if cfg.has_body() {
                let (name, code) = crate::transport::body_code(&cfg, true)?;
                Some(
                    crate::render::jsonnet::render(&name, &code, &ctx)
                        .map_err(|e| anyhow::anyhow!("{name}: {e}"))?,
                )
            } else {
                None
            };
            let req = cfg.build(payload.as_deref())?;
            Ok(super::render::RequestView {
                method: req.method.clone(),
                url: req.url.clone(),
                headers: crate::transport::masked_headers(&req, &cfg),
                body: String::from_utf8_lossy(&req.body).into_owned(),
            })
        })();
        let ms = start.elapsed().as_secs_f64() * 1e3;
        match rendered {
            Ok(view) => {
                report.stages.push(Step {
                    stage: "render",
                    outcome: "ok",
                    ms,
                    detail: format!("{ty}: {} bytes, not sent", view.body.len()),
                });
                report.request = Some(view);
            }
            Err(e) => {
                report.stages.push(Step {
                    stage: "render",
                    outcome: "failed",
                    ms,
                    detail: e.to_string(),
                });
                report.error = Some(super::probe::ErrorReport {
                    stage: None,
                    message: format!("render: {e}"),
                    hint: None,
                });
                status = ExitStatus::DataErr;
            }
        }
    }
    report.ok = report.error.is_none();
    if printer.format == Format::Json {
        printer.json(&report);
    } else {
        print_human(&report, printer);
    }
    Ok(status)
}

type Failure = (ExitStatus, &'static str, String);

fn step<T>(
    report: &mut Report,
    stage: &'static str,
    start: Instant,
    r: Result<T, Failure>,
    detail: impl Fn(&T) -> String,
) -> Result<T, Failure> {
    let ms = start.elapsed().as_secs_f64() * 1e3;
    match &r {
        Ok(v) => report.stages.push(Step {
            stage,
            outcome: "ok",
            ms,
            detail: detail(v),
        }),
        Err((_, _, m)) => report.stages.push(Step {
            stage,
            outcome: "failed",
            ms,
            detail: m.clone(),
        }),
    }
    r
}

fn io_failure(stage: &'static str, e: &std::io::Error) -> Failure {
    let status = if matches!(
        e.kind(),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
    ) {
        ExitStatus::TempFail
    } else {
        ExitStatus::Unavailable
    };
    (status, stage, e.to_string())
}

fn walk(
    report: &mut Report,
    scheme: &str,
    host: &str,
    port: u16,
    proxy: Option<&str>,
    timeout: Duration,
) -> Result<(), Failure> {
    let (dial_host, dial_port) = match proxy {
        Some(p) => {
            let u = crate::connection_uri::go_parse(p)
                .map_err(|e| (ExitStatus::Config, "resolve", format!("the proxy URL: {e}")))?;
            let default = if u.scheme == "https" { 443 } else { 80 };
            (u.hostname().to_owned(), u.port().parse().unwrap_or(default))
        }
        None => (host.to_owned(), port),
    };
    let start = Instant::now();
    let r = (dial_host.as_str(), dial_port)
        .to_socket_addrs()
        .map(Iterator::collect::<Vec<_>>)
        .map_err(|e| {
            (
                ExitStatus::Unavailable,
                "resolve",
                format!("cannot resolve {dial_host}: {e}"),
            )
        });
    let addrs = step(report, "resolve", start, r, |a| {
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
        .map_err(|e| io_failure("connect", &e));
    let (mut tcp, addr) = step(report, "connect", start, r, |(_, a)| {
        format!("{a}{}", if proxy.is_some() { " (proxy)" } else { "" })
    })?;
    let _ = tcp.set_nodelay(true);
    let _ = tcp.set_read_timeout(Some(timeout));
    let _ = tcp.set_write_timeout(Some(timeout));
    let _ = addr;
    if proxy.is_some() && scheme == "https" {
        let start = Instant::now();
        let r = connect_tunnel(&mut tcp, host, port);
        step(report, "proxy", start, r, |s| s.clone())?;
    }
    if scheme == "https" {
        let start = Instant::now();
        let options = TlsOptions {
            name: host.to_owned(),
            skip_verify: false,
            client_cert: None,
        };
        let r = tls::prepare(&options)
            .and_then(|p| p.connect(tcp))
            .map_err(|e| {
                let status = if e == TlsError::Timeout {
                    ExitStatus::TempFail
                } else {
                    ExitStatus::Unavailable
                };
                (status, "tls", e.to_string())
            });
        let (_, info) = step(report, "tls", start, r, |(_, i)| {
            format!("{} {}; {}", i.version, i.cipher, i.verification)
        })?;
        report.tls = Some(info);
    }
    Ok(())
}

fn connect_tunnel(tcp: &mut TcpStream, host: &str, port: u16) -> Result<String, Failure> {
    let req = format!("CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n");
    tcp.write_all(req.as_bytes())
        .map_err(|e| io_failure("proxy", &e))?;
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") && buf.len() < 16 * 1024 {
        match tcp.read(&mut byte) {
            Ok(0) => break,
            Ok(_) => buf.push(byte[0]),
            Err(e) => return Err(io_failure("proxy", &e)),
        }
    }
    let text = String::from_utf8_lossy(&buf);
    let status_line = text.lines().next().unwrap_or_default().to_owned();
    if status_line.split_whitespace().nth(1) == Some("200") {
        Ok(status_line)
    } else {
        Err((
            ExitStatus::Unavailable,
            "proxy",
            format!("the proxy answered {status_line:?}"),
        ))
    }
}

fn print_human(r: &Report, printer: &Printer) {
    let p = printer.stdout_paint();
    let mut out = String::new();
    if let Some(proxy) = &r.proxy {
        out.push_str(&format!("=== through proxy {proxy}\n"));
    }
    if let Some(t) = &r.tls {
        out.push_str(&format!("=== TLS {} {}\n", t.version, t.cipher));
        if let Some(c) = &t.certificate {
            out.push_str(&format!(
                "=== peer certificate: subject {}; names {}; issuer {}; expires {}\n",
                c.subject,
                c.sans.join(", "),
                c.issuer,
                c.not_after
            ));
        }
        out.push_str(&format!("=== verification: {}\n", t.verification));
    }
    for s in &r.stages {
        let role = if s.outcome == "ok" {
            Role::Success
        } else {
            Role::Error
        };
        out.push_str(&format!(
            "{:<8} {:<8} {:>9}  {}\n",
            s.stage,
            p.paint(s.outcome, role),
            format!("{:.1} ms", s.ms),
            s.detail
        ));
    }
    if let Some(q) = &r.request {
        out.push_str("\n-- the request Kratos would send (not sent)\n");
        out.push_str(&format!("{} {}\n", q.method, q.url));
        for (k, v) in &q.headers {
            out.push_str(&format!("{k}: {v}\n"));
        }
        out.push('\n');
        out.push_str(&q.body);
    }
    out.push_str(&if r.ok {
        format!("{} {}", p.paint("ok", Role::Success), r.url)
    } else {
        format!("{} {}", p.paint("failed", Role::Error), r.url)
    });
    printer.out(&out);
    if let Some(e) = &r.error {
        let ep = printer.stderr_paint();
        let mut text = format!("courier: {} {}", ep.paint("error:", Role::Error), e.message);
        if let Some(h) = &e.hint {
            text.push_str(&format!("\n  {} {h}", ep.paint("hint:", Role::Help)));
        }
        printer.diag(&text);
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
