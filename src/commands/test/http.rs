//! `courier test` over HTTP: reach the endpoint as Kratos' client would
//! (resolve, connect through the proxy Go would pick, TLS), then compose
//! the request `courier send` would send for `--template` — shown, never
//! sent.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::report::ErrorReport;
use crate::cli::TestArgs;
use crate::config::settings::{Settings, SettingsError};
use crate::delivery::http::dial::{self, Endpoint, Step};
use crate::delivery::request::{RequestConfig, RequestView};
use crate::delivery::tls::SessionInfo;
use crate::delivery::verdict;
use crate::diag::{Paint, Role};
use crate::exit::{self, ExitStatus, Usage};
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
    pub request: Option<RequestView>,
    pub error: Option<ErrorReport>,
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
    if !channel.types().contains(&ty) {
        return Err(Usage::new(format!(
            "`{ty}` is not a template type Kratos sends by {}",
            channel.as_str()
        ))
        .hint(format!("one of: {}", channel.types().join(", ")))
        .into());
    }
    let data = args
        .data
        .as_deref()
        .map(crate::config::data::read)
        .transpose()?;
    let endpoint = Endpoint::of(&cfg.url).ok_or(SettingsError::NoUrl)?;
    let proxy = dial::proxy_for(&endpoint.scheme, &endpoint.host, &|n| std::env::var(n).ok());
    if let Some(p) = &proxy
        && crate::gourl::go_parse(p).is_err()
    {
        let shown = crate::connection_uri::SmtpUri::redacted(p);
        return Err(SettingsError::BadProxy(shown).into());
    }
    let dialed = dial::dial(
        &endpoint,
        proxy.as_deref(),
        Duration::from_secs(args.timeout),
    );
    let mut report = Report {
        url: cfg.url.split('?').next().unwrap_or_default().to_owned(),
        proxy: proxy
            .as_ref()
            .map(|p| crate::connection_uri::SmtpUri::redacted(p)),
        ok: false,
        stages: dialed.steps,
        tls: dialed.tls,
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
    if let Some(e) = &r.error {
        printer.failure(&crate::diag::escape_controls(&e.message), e.hint.as_deref());
    }
}
