//! `courier send`: one message, built and delivered as Kratos would.

use std::time::Duration;

use serde::Serialize;

use crate::cli::{Format, GlobalArgs, SendArgs};
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
    let loaded = super::load_usable(global, printer, &|p| {
        p.starts_with("courier.smtp") || p == "courier.delivery_strategy"
    })?;
    if settings::delivery_strategy(&loaded) == "http" {
        return Err(StatusError {
            status: ExitStatus::Usage,
            message: "sending through the HTTP delivery strategy is not implemented yet".into(),
            hint: Some("it is planned in issue #4".into()),
        }
        .into());
    }
    let s = settings::smtp(&loaded).map_err(|e| StatusError {
        status: ExitStatus::Config,
        message: e.to_string(),
        hint: Some("`courier check-config` explains the connection URI".into()),
    })?;
    let email = Email {
        from_address: s.from_address.clone(),
        from_name: s.from_name.clone(),
        to: args.to.clone(),
        subject: args.subject.trim().to_owned(),
        text: args.text.clone(),
        html: args.html.clone().unwrap_or_default(),
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
            recipient: args.to.clone(),
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
            recipient: args.to.clone(),
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
