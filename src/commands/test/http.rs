//! `courier test` over HTTP: reach the endpoint as Kratos' client would
//! (resolve, connect through the proxy Go would pick, TLS), ask it with a
//! `HEAD` where it leads (redirects followed as `courier send` follows
//! them, with a warning where Kratos would take a credential to another
//! origin), then compose the request `courier send` would send for
//! `--template` — shown, never sent.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::report::ErrorReport;
use crate::cli::TestArgs;
use crate::config::settings::{Settings, SettingsError};
use crate::delivery::http::dial::{self, Endpoint, Hop, Step};
use crate::delivery::http::redirect;
use crate::delivery::request::{RequestConfig, RequestView};
use crate::delivery::tls::SessionInfo;
use crate::delivery::verdict;
use crate::diag::{Paint, Role};
use crate::exit::{self, ExitStatus};
use crate::message::Channel;
use crate::message::compose::{Composer, Spec, Wire};
use crate::output::Printer;

/// The JSON document of `courier test` for HTTP (a public interface).
#[derive(Debug, Serialize)]
pub struct Report {
    pub url: String,
    pub proxy: Option<String>,
    pub ok: bool,
    pub stages: Vec<Step>,
    pub tls: Option<SessionInfo>,
    pub redirects: Vec<RedirectView>,
    /// Where Kratos would do something the operator should know of.
    pub warnings: Vec<String>,
    pub request: Option<RequestView>,
    pub error: Option<ErrorReport>,
}

/// A redirect as the report shows it (URLs masked).
#[derive(Debug, Serialize)]
pub struct RedirectView {
    pub status: u16,
    pub from: String,
    pub to: String,
    pub same_origin: bool,
}

/// Walks to the endpoint of `cfg`, then shows the request.
pub fn run(
    settings: &Settings,
    cfg: &RequestConfig,
    channel: Channel,
    args: &TestArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let ty = args.template.as_deref().unwrap_or(channel.default_type());
    if !channel.types(settings.release).contains(&ty) {
        return Err(crate::commands::unknown_type(ty, channel, settings.release).into());
    }
    let data = args
        .data
        .as_deref()
        .map(crate::config::data::read)
        .transpose()?;
    crate::commands::data::warn_unknown_keys(
        printer,
        data.as_ref(),
        channel,
        &[ty],
        settings.release,
    );
    let endpoint = Endpoint::of(&cfg.url).ok_or(SettingsError::NoUrl)?;
    let proxy = dial::proxy_for(&endpoint.scheme, &endpoint.host, &|n| std::env::var(n).ok());
    if let Some(p) = &proxy
        && crate::gourl::go_parse(p).is_err()
    {
        let shown = crate::connection_uri::SmtpUri::redacted(p);
        return Err(SettingsError::BadProxy(shown).into());
    }
    let credentials = cfg.credential_headers();
    let dialed = dial::trace(
        &cfg.url,
        &|n| std::env::var(n).ok(),
        Duration::from_secs(args.timeout),
        &credentials,
        &settings.http_rule,
    );
    let mut report = Report {
        url: crate::secret::mask_url(cfg.url.split('?').next().unwrap_or_default()),
        proxy: proxy
            .as_ref()
            .map(|p| crate::connection_uri::SmtpUri::redacted(p)),
        ok: false,
        stages: dialed.steps,
        tls: dialed.tls,
        warnings: warnings(&cfg.url, &dialed.redirects, &credentials),
        redirects: dialed
            .redirects
            .iter()
            .map(|h| RedirectView {
                status: h.status,
                from: crate::secret::mask_url(&h.from),
                to: crate::secret::mask_url(&h.to),
                same_origin: redirect::same_origin(&cfg.url, &h.to),
            })
            .collect(),
        request: None,
        error: None,
    };
    let status = match &dialed.result {
        Err(e) => {
            let failed = report.stages.iter().rev().find(|s| s.outcome == "failed");
            let v = verdict::http_at(Err(e), failed.map(|s| s.stage));
            report.error = Some(ErrorReport {
                stage: None,
                message: v.describe(),
                hint: v.hint.clone(),
            });
            exit::of_class(v.class)
        }
        Ok(()) => {
            let spec = Spec::template(channel, args.to.as_deref(), ty, data.as_ref());
            render_step(&mut report, settings, cfg, &spec)
        }
    };
    report.ok = report.error.is_none();
    if printer.json_mode() {
        printer.json(&report);
    } else {
        print_human(&report, printer);
    }
    Ok(status)
}

/// Where Kratos would take a credential (or the message with one) to
/// another origin: the first redirect that leaves the configured one.
fn warnings(url: &str, hops: &[Hop], credentials: &[String]) -> Vec<String> {
    if credentials.is_empty() {
        return Vec::new();
    }
    hops.iter()
        .find(|h| !redirect::same_origin(url, &h.to))
        .map(|h| {
            format!(
                "the server redirects ({}) to {}, another origin: {}; courier send refuses to go there with credentials",
                h.status,
                crate::secret::mask_url(&h.to),
                redirect::kratos_would(credentials, url, &h.to, h.status)
            )
        })
        .into_iter()
        .collect()
}

/// Composes the request as `send` would, and records it as a stage.
fn render_step(
    report: &mut Report,
    settings: &Settings,
    cfg: &RequestConfig,
    spec: &Spec<'_>,
) -> ExitStatus {
    let start = Instant::now();
    let composed = Composer::new(settings).compose(spec);
    let ms = start.elapsed().as_secs_f64() * 1e3;
    match composed {
        Ok(message) => {
            let Wire::Http(req) = message.wire else {
                return ExitStatus::Success;
            };
            let view = req.view(cfg.auth.as_ref());
            report.stages.push(Step {
                stage: "render",
                outcome: "ok",
                ms,
                detail: format!("{}: {} bytes, not sent", message.ty, view.body.len()),
            });
            report.request = Some(view);
            ExitStatus::Success
        }
        Err(e) => {
            report.stages.push(Step {
                stage: "render",
                outcome: "failed",
                ms,
                detail: e.to_string(),
            });
            report.error = Some(ErrorReport {
                stage: None,
                message: format!("render: {e}"),
                hint: e.hint().map(str::to_owned),
            });
            exit::classify(&e.into()).0
        }
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
            crate::diag::escape_controls(&s.detail)
        ));
    }
    if !r.redirects.is_empty() {
        let hops: Vec<String> = r
            .redirects
            .iter()
            .map(|h| format!("=== {} {} -> {}", h.status, h.from, h.to))
            .collect();
        out.push_str(&format!("\n-- redirects\n{}\n", hops.join("\n")));
    }
    if let Some(q) = &r.request {
        out.push_str("\n-- the request Kratos would send (not sent)\n");
        out.push_str(&q.text());
    }
    let verdict = if r.ok {
        p.paint("ok", Role::Success)
    } else {
        p.paint("failed", Role::Error)
    };
    out.push_str(&format!("{verdict} {}", r.url));
    printer.out(&out);
    let warn = printer.stderr_paint().paint("warning:", Role::Warning);
    for w in &r.warnings {
        printer.diag(&format!(
            "courier: {warn} {}",
            crate::diag::escape_controls(w)
        ));
    }
    if let Some(e) = &r.error {
        printer.failure(&crate::diag::escape_controls(&e.message), e.hint.as_deref());
    }
}
