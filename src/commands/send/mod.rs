//! `courier send`: one message, composed and delivered as Kratos would
//! (batches are in `batch`).

mod batch;

use std::time::Duration;

use anyhow::Context as _;
use serde::Serialize;

use crate::cli::{GlobalArgs, SendArgs};
use crate::config::settings::{Route, Settings};
use crate::delivery::http::Client;
use crate::delivery::mime::Email;
use crate::delivery::request::HttpRequest;
use crate::delivery::smtp;
use crate::delivery::verdict::{self, Class, Verdict};
use crate::diag::{Paint, Role, escape_controls};
use crate::exit::{self, ExitStatus, Usage};
use crate::message::compose::{Composer, Content, Spec, Wire};
use crate::message::{Channel, Texts};
use crate::output::Printer;
use crate::release::Release;

/// One JSON line per message (a public interface).
#[derive(Debug, Serialize)]
pub struct Outcome<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub status: &'static str,
    pub recipient: &'a str,
    pub channel: &'static str,
    pub server: &'a str,
    pub reply: Option<&'a str>,
    pub stage: Option<&'static str>,
    pub error: Option<&'a str>,
    pub hint: Option<&'a str>,
}

/// Runs the command.
pub fn run(
    global: &GlobalArgs,
    args: &SendArgs,
    printer: &mut Printer,
) -> anyhow::Result<ExitStatus> {
    if args.batch.is_some() {
        return batch::run(global, args, printer);
    }
    let channel = super::channel_of(args.channel);
    let to = args
        .to
        .as_deref()
        .ok_or_else(|| Usage::new("--to is needed"))?;
    let to = &super::recipient(to, channel)?;
    let (_, settings) = super::usable(global, printer, super::delivery_keys(channel))?;
    if channel == Channel::Email && args.subject.is_none() && args.template.is_none() {
        return Err(Usage::new("an email needs --subject")
            .hint(
                "or --template TYPE to send a Kratos template (`courier render --help` lists them)",
            )
            .into());
    }
    let data = args
        .data
        .as_deref()
        .map(crate::config::data::read)
        .transpose()?;
    if let Some(ty) = &args.template {
        if !channel.types(settings.release).contains(&ty.as_str()) {
            return Err(super::unknown_type(ty, channel, settings.release).into());
        }
        super::data::warn_unknown_keys(
            printer,
            data.as_ref(),
            channel,
            &[ty.as_str()],
            settings.release,
        );
    }
    let content = match &args.template {
        Some(ty) => Content::Template {
            ty,
            data: data.as_ref(),
        },
        None => Content::Adhoc(Texts {
            subject: args
                .subject
                .as_deref()
                .unwrap_or_default()
                .trim()
                .to_owned(),
            body: args.text.clone().unwrap_or_default(),
            html_body: args.html.clone().unwrap_or_default(),
        }),
    };
    if let Ok(Route::Http(cfg)) = settings.route(channel)
        && channel == Channel::Sms
        && cfg.method.is_empty()
    {
        printer.note(
            "courier: warning: the sms channel has no `method`: Kratos sends GET (add `method: POST`)",
        );
    }
    let spec = Spec {
        channel,
        recipient: Some(to),
        content,
    };
    let mut composer = Composer::new(&settings);
    let wire = composer.wire(&spec)?;
    if let (Some(e), Some(ty), Ok(route)) = (
        composer.html_failure(),
        args.template.as_deref(),
        settings.route(channel),
    ) {
        printer.note(&super::html_fallback_note(ty, e, route));
    }
    if let Some((ty, ..)) = composer.builtin_used().first() {
        printer.note(&crate::message::builtin::notice(&[ty], settings.release));
    }
    let timeout = Duration::from_secs(args.timeout);
    if let Some(status) = abandoned(&settings, &wire, to, channel, timeout, printer)? {
        return Ok(status);
    }
    let (via, server, v) = match wire {
        Wire::Smtp(email) => {
            let (server, v) = send_smtp(&settings, &email, timeout, printer)?;
            ("smtp", server, v)
        }
        Wire::Http(req) => {
            let (server, v) = send_http(&req, timeout, &settings.http_rule, settings.release)?;
            ("http", server, v)
        }
    };
    report(printer, to, channel, via, &server, &v);
    Ok(exit::of_class(v.class))
}

/// A negative `message_retries`: Kratos abandons the message at its first
/// pickup, so it is reported failed without dialling.
fn abandoned(
    settings: &Settings,
    wire: &Wire,
    to: &str,
    channel: Channel,
    timeout: Duration,
    printer: &Printer,
) -> anyhow::Result<Option<ExitStatus>> {
    let Some(why) = settings.abandons_all() else {
        return Ok(None);
    };
    let (via, server) = match wire {
        Wire::Smtp(_) => {
            let t = settings.smtp()?.target(timeout);
            ("smtp", format!("{}:{}", t.host, t.port))
        }
        Wire::Http(req) => ("http", http_server(req)),
    };
    let v = verdict::unattempted(
        &why,
        "set courier.message_retries to 0 or more (0 is one attempt)",
    );
    report(printer, to, channel, via, &server, &v);
    Ok(Some(exit::of_class(v.class)))
}

/// Dials, authenticates, sends and quits, as Kratos does per message.
fn send_smtp(
    settings: &Settings,
    email: &Email,
    timeout: Duration,
    printer: &Printer,
) -> anyhow::Result<(String, Verdict)> {
    let smtp_settings = settings.smtp()?;
    if let Some(w) = smtp_settings.client_cert_warning() {
        printer.note(&w);
    }
    let target = smtp_settings.target(timeout);
    let now = crate::calendar::unix_now();
    let built = email
        .build(now, &crate::delivery::tls::random_hex(30))
        .context("cannot build the message")?;
    let (session, result) = smtp::send(&target, &built);
    if printer.verbose > 0 && !printer.json_mode() {
        let lines: Vec<String> = session
            .transcript
            .iter()
            .map(|l| {
                let text = crate::secret::scrub(&l.text);
                format!("{} {}", l.dir.marker(), escape_controls(&text))
            })
            .collect();
        printer.diag(&lines.join("\n"));
    }
    let stage = smtp::failed_stage(&session);
    let mut v = verdict::smtp(result.as_ref(), stage, &target);
    // The body went out whole and no final reply came: it may be stored.
    if session.body_in_flight()
        && matches!(
            result,
            Err(smtp::SmtpError::Timeout(_) | smtp::SmtpError::Closed | smtp::SmtpError::Io(_))
        )
    {
        v = verdict::uncertain(v);
    }
    Ok((format!("{}:{}", target.host, target.port), v))
}

/// One request, one attempt.
fn send_http(
    req: &HttpRequest,
    timeout: Duration,
    rule: &crate::delivery::ssrf::HttpRule,
    release: Release,
) -> anyhow::Result<(String, Verdict)> {
    let server = http_server(req);
    let result = Client::new(timeout, rule.clone())?.send(req);
    let mut v = verdict::http(result.as_ref(), release);
    // Where an HTTP exchange failed is in its error; the stage names SMTP's.
    v.stage = None;
    Ok((server, v))
}

/// The server an HTTP request goes to, as reports name it.
fn http_server(req: &HttpRequest) -> String {
    crate::secret::mask_url(req.url.split('?').next().unwrap_or_default())
}

fn report(printer: &Printer, to: &str, channel: Channel, via: &str, server: &str, v: &Verdict) {
    let sent = v.class == Class::Ok;
    if printer.json_mode() {
        printer.json_line(&Outcome {
            kind: "result",
            status: match (sent, v.action) {
                (true, _) => "sent",
                (false, verdict::Action::Uncertain) => "uncertain",
                _ => "failed",
            },
            recipient: to,
            channel: channel.as_str(),
            server,
            reply: v.reply.as_deref(),
            stage: v.stage,
            error: v.error.as_deref(),
            hint: v.hint.as_deref(),
        });
        return;
    }
    if sent {
        let p = printer.stdout_paint();
        let reply = escape_controls(v.reply.as_deref().unwrap_or_default().trim_end());
        printer.out(&format!(
            "{} {to} via {via} {server}: {reply}",
            p.paint("sent", Role::Success)
        ));
        return;
    }
    let failed = match v.stage {
        Some(stage) => format!("failed at {stage}"),
        None => "failed".to_owned(),
    };
    let mut message = format!(
        "sending to {to} via {via} {server} {failed}: {}",
        escape_controls(v.error.as_deref().unwrap_or_default())
    );
    if via == "http"
        && let Some(r) = &v.reply
    {
        message.push_str(&format!("\n  response: {}", escape_controls(r.trim_end())));
    }
    printer.failure(&message, v.hint.as_deref());
}
