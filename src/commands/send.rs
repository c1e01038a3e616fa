//! `courier send`: one message, built and delivered as Kratos would.

use std::time::Duration;

use serde::Serialize;

use crate::cli::{ChannelArg, Format, GlobalArgs, SendArgs};
use crate::config::settings;
use crate::diag::{Paint, Role};
use crate::exit::{ExitStatus, StatusError};
use crate::mime::{self, Email};
use crate::output::Printer;
use crate::smtp::{self, Stage};
use crate::transport;

/// One JSON line per message (a public interface).
#[derive(Debug, Serialize)]
pub struct Outcome {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub status: &'static str,
    pub recipient: String,
    pub channel: &'static str,
    pub server: String,
    pub reply: Option<String>,
    pub stage: Option<Stage>,
    pub error: Option<String>,
    pub hint: Option<String>,
}

/// Runs the command.
pub fn run(
    global: &GlobalArgs,
    args: &SendArgs,
    printer: &mut Printer,
) -> anyhow::Result<ExitStatus> {
    if args.batch.is_some() {
        return super::batch::run(global, args, printer);
    }
    let to = recipient(args)?;
    let over_http = args.channel == ChannelArg::Sms;
    let loaded = super::load_usable(global, printer, &|p| {
        if over_http {
            p.starts_with("courier.channels")
        } else {
            p.starts_with("courier.smtp")
                || p.starts_with("courier.http")
                || p == "courier.delivery_strategy"
        }
    })?;
    if args.channel == ChannelArg::Email && args.subject.is_none() && args.template.is_none() {
        return Err(StatusError {
            status: ExitStatus::Usage,
            message: "an email needs --subject".into(),
            hint: None,
        }
        .into());
    }
    if over_http || settings::delivery_strategy(&loaded) == "http" {
        return send_http(&loaded, args, printer);
    }
    let s = settings::smtp(&loaded).map_err(|e| StatusError {
        status: ExitStatus::Config,
        message: e.to_string(),
        hint: Some("`courier check-config` explains the connection URI".into()),
    })?;
    let (texts, _) = compose(&loaded, args, crate::sample::Channel::Email)?;
    let email = Email {
        from_address: s.from_address.clone(),
        from_name: s.from_name.clone(),
        to: to.clone(),
        subject: texts.subject,
        text: texts.body,
        html: texts.html_body,
        headers: s.headers.clone(),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    let built = mime::build(&email, now, &crate::tls::random_hex(30)).map_err(|e| StatusError {
        status: ExitStatus::DataErr,
        message: format!("cannot build the message: {e}"),
        hint: None,
    })?;
    let target = transport::smtp_target(&s, Duration::from_secs(args.timeout));
    let (session, result) = smtp::send(&target, &built);
    if printer.verbose > 0 && printer.format == Format::Human {
        let lines: Vec<String> = session
            .transcript
            .iter()
            .map(|l| format!("{} {}", l.dir.marker(), l.text))
            .collect();
        printer.diag(&lines.join("\n"));
    }
    let server = format!("{}:{}", target.host, target.port);
    let failed_at = transport::failed_stage(&session);
    let outcome = match &result {
        Ok(reply) => Outcome {
            kind: "result",
            status: "sent",
            recipient: to.clone(),
            channel: "email",
            server,
            reply: Some(reply.text()),
            stage: None,
            error: None,
            hint: None,
        },
        Err(e) => Outcome {
            kind: "result",
            status: "failed",
            recipient: to.clone(),
            channel: "email",
            server,
            reply: match e {
                smtp::SmtpError::Reply(r) => Some(r.text()),
                _ => None,
            },
            stage: failed_at,
            error: Some(e.to_string()),
            hint: transport::hint(e, failed_at, &target),
        },
    };
    if printer.format == Format::Json {
        printer.json_line(&outcome);
    } else if let Some(reply) = &outcome.reply.as_ref().filter(|_| result.is_ok()) {
        let p = printer.stdout_paint();
        printer.out(&format!(
            "{} {} via smtp {}: {reply}",
            p.paint("sent", Role::Success),
            outcome.recipient,
            outcome.server
        ));
    } else {
        let p = printer.stderr_paint();
        let mut text = format!(
            "courier: {} sending to {} via smtp {} failed at {}: {}",
            p.paint("error:", Role::Error),
            outcome.recipient,
            outcome.server,
            failed_at.map_or("?", Stage::name),
            outcome.error.as_deref().unwrap_or_default()
        );
        if let Some(h) = &outcome.hint {
            text.push_str(&format!("\n  {} {h}", p.paint("hint:", Role::Help)));
        }
        printer.diag(&text);
    }
    Ok(match &result {
        Ok(_) => ExitStatus::Success,
        Err(e) => transport::status_of(e),
    })
}

fn send_http(
    loaded: &crate::config::Loaded,
    args: &SendArgs,
    printer: &mut Printer,
) -> anyhow::Result<ExitStatus> {
    use crate::sample::Channel;
    let to = recipient(args)?;
    let channel = if args.channel == ChannelArg::Sms {
        Channel::Sms
    } else {
        Channel::Email
    };
    let cfg = super::render::request_config(loaded, channel)?.ok_or_else(|| StatusError {
        status: ExitStatus::Config,
        message: "courier.http.request_config is not set".into(),
        hint: None,
    })?;
    if channel == Channel::Sms && cfg.method.is_empty() {
        printer.note("courier: warning: the sms channel has no `method`: Kratos sends GET (add `method: POST`)");
    }
    let (_, ctx) = compose(loaded, args, channel)?;
    let payload = if cfg.has_body() {
        let (name, code) = transport::body_code(&cfg, true)?;
        Some(
            crate::render::jsonnet::render(&name, &code, &ctx).map_err(|e| StatusError {
                status: ExitStatus::DataErr,
                message: format!("the Jsonnet body fails: {name}:{e}"),
                hint: Some("`courier render --part ctx` shows the ctx it receives".into()),
            })?,
        )
    } else {
        None
    };
    let req = cfg.build(payload.as_deref()).map_err(|e| StatusError {
        status: ExitStatus::Config,
        message: e.to_string(),
        hint: None,
    })?;
    let server = req.url.split('?').next().unwrap_or_default().to_owned();
    let result = crate::http::send(&req, Duration::from_secs(args.timeout));
    let (status, error, reply, hint) = match &result {
        Ok(a) if (200..300).contains(&a.status) => (
            ExitStatus::Success,
            None,
            Some(format!("{} {}", a.status, a.body)),
            None,
        ),
        Ok(a) if a.status == 429 || (a.status >= 500 && a.status != 501) => (
            ExitStatus::TempFail,
            Some(format!(
                "{} {server} giving up after 1 attempt(s): unexpected HTTP status {}",
                req.method, a.status
            )),
            Some(format!("{} {}", a.status, a.body)),
            Some(
                "the provider is throttling or failing: Kratos would retry this message later"
                    .to_owned(),
            ),
        ),
        Ok(a) => (
            ExitStatus::Unavailable,
            Some(format!(
                "unable to dispatch mail delivery because upstream server replied with status code {}",
                a.status
            )),
            Some(format!("{} {}", a.status, a.body)),
            Some(
                "check the URL, the credentials and the payload (`courier render --part request`)"
                    .to_owned(),
            ),
        ),
        Err(e @ crate::http::SendError::Timeout(_)) => {
            (ExitStatus::TempFail, Some(e.to_string()), None, None)
        }
        Err(e) => (ExitStatus::Unavailable, Some(e.to_string()), None, None),
    };
    let outcome = Outcome {
        kind: "result",
        status: if error.is_none() { "sent" } else { "failed" },
        recipient: to.clone(),
        channel: channel.as_str(),
        server: server.clone(),
        reply: reply.clone(),
        stage: None,
        error: error.clone(),
        hint: hint.clone(),
    };
    if printer.format == Format::Json {
        printer.json_line(&outcome);
    } else if error.is_none() {
        let p = printer.stdout_paint();
        printer.out(&format!(
            "{} {} via http {server}: {}",
            p.paint("sent", Role::Success),
            to,
            reply.unwrap_or_default().trim_end()
        ));
    } else {
        let p = printer.stderr_paint();
        let mut text = format!(
            "courier: {} sending to {} via http {server} failed: {}",
            p.paint("error:", Role::Error),
            to,
            error.unwrap_or_default()
        );
        if let Some(r) = reply {
            text.push_str(&format!("\n  response: {}", r.trim_end()));
        }
        if let Some(h) = hint {
            text.push_str(&format!("\n  {} {h}", p.paint("hint:", Role::Help)));
        }
        printer.diag(&text);
    }
    Ok(status)
}

/// The texts and the HTTP ctx of the message: rendered from `--template`
/// (sample data, `--data` merged over it, `--to` as recipient), or Kratos'
/// `stub` type around `--subject`/`--text`/`--html`.
fn compose(
    loaded: &crate::config::Loaded,
    args: &SendArgs,
    channel: crate::sample::Channel,
) -> anyhow::Result<(crate::sample::Texts, serde_json::Value)> {
    use crate::sample::{self, Texts};
    let to = recipient(args)?;
    let Some(ty) = &args.template else {
        let texts = Texts {
            subject: args
                .subject
                .as_deref()
                .unwrap_or_default()
                .trim()
                .to_owned(),
            body: args.text.clone().unwrap_or_default(),
            html_body: args.html.clone().unwrap_or_default(),
        };
        let ctx = sample::stub_ctx(&to, channel, &texts);
        return Ok((texts, ctx));
    };
    let data = args
        .data
        .as_deref()
        .map(super::render::read_data)
        .transpose()?;
    let cx = settings::sample_context(loaded);
    let msg =
        sample::sample_message(ty, channel, &cx, Some(&to), data.as_ref()).ok_or_else(|| {
            StatusError {
                status: ExitStatus::Usage,
                message: format!(
                    "`{ty}` is not a template type Kratos sends by {}",
                    channel.as_str()
                ),
                hint: None,
            }
        })?;
    let sources = crate::render::template::Sources::from_config(loaded, true);
    let (texts, ctx) = super::render::render_message(ty, channel, &msg, &sources)?;
    Ok((texts, ctx))
}

fn recipient(args: &SendArgs) -> anyhow::Result<String> {
    args.to.clone().ok_or_else(|| {
        StatusError {
            status: ExitStatus::Usage,
            message: "--to is needed".into(),
            hint: None,
        }
        .into()
    })
}
