//! `courier test` over SMTP: walk the session the way Kratos dials it,
//! without sending, and report every stage.

use std::time::Duration;

use anyhow::Context as _;
use serde::Serialize;

use super::report::ErrorReport;
use crate::cli::TestArgs;
use crate::config::settings::Settings;
use crate::delivery::smtp::{self, Dir, Line, Outcome, Reply, Stage, StageRecord};
use crate::delivery::tls::SessionInfo;
use crate::delivery::verdict;
use crate::diag::{Paint, Role, escape_controls};
use crate::exit::{self, ExitStatus, Usage};
use crate::output::Printer;
use crate::secret::scrub;

/// The JSON document of `courier test` (a public interface).
#[derive(Debug, Serialize)]
pub struct Report {
    pub server: String,
    pub security: &'static str,
    pub ok: bool,
    pub requested: Stage,
    pub reached: Option<Stage>,
    pub stages: Vec<StageRecord>,
    pub tls: Option<SessionInfo>,
    pub transcript: Vec<Line>,
    pub error: Option<ErrorReport>,
}

/// Walks the SMTP session up to the requested stage.
pub fn run(settings: &Settings, args: &TestArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let smtp_settings = settings.smtp()?;
    if let Some(w) = smtp_settings.client_cert_warning() {
        printer.note(&w);
    }
    let target = smtp_settings.target(Duration::from_secs(args.timeout));
    let requested = args.quit_after.unwrap_or(if args.to.is_some() {
        Stage::Rcpt
    } else {
        Stage::Auth
    });
    if requested == Stage::Rcpt && args.to.is_none() {
        return Err(Usage::new("--quit-after rcpt needs --to ADDR").into());
    }
    let to = args
        .to
        .as_deref()
        .map(|to| crate::commands::recipient(to, crate::message::Channel::Email))
        .transpose()?;
    let from = settings
        .mail
        .envelope_sender()
        .context("cannot take the envelope sender from the config")?;
    let (session, result) = smtp::rehearse(&target, requested, &from, to.as_deref());
    let stage = smtp::failed_stage(&session);
    // A rehearsal that reached its stage is judged as a success.
    let reached = Reply {
        code: 250,
        lines: Vec::new(),
    };
    let mut v = verdict::smtp(result.as_ref().map(|()| &reached), stage, &target);
    // An example's server was never meant to answer.
    if result.is_err()
        && stage == Some(Stage::Connect)
        && let Some(domain) = crate::config::lint::documentation_domain(&target.host)
    {
        v.hint = Some(format!(
            "`{domain}` is a documentation domain (RFC 2606), not a mail server: put your \
             server in courier.smtp.connection_uri (`courier uri` builds one)"
        ));
    }
    let error = result.as_ref().err().map(|_| ErrorReport {
        stage: stage.map(Stage::name),
        message: v.error.clone().unwrap_or_default(),
        hint: v.hint.clone(),
    });
    let report = Report {
        server: format!("{}:{}", target.host, target.port),
        security: smtp::security_name(target.security),
        ok: result.is_ok(),
        requested,
        reached: session.reached,
        // The server's words, scrubbed as they enter the report.
        stages: session
            .stages
            .iter()
            .map(|s| StageRecord {
                detail: scrub(&s.detail),
                ..s.clone()
            })
            .collect(),
        tls: session.tls.clone(),
        transcript: session
            .transcript
            .iter()
            .map(|l| Line {
                dir: l.dir,
                text: scrub(&l.text),
            })
            .collect(),
        error,
    };
    if printer.json_mode() {
        printer.json(&report);
    } else {
        print_human(&report, printer);
    }
    Ok(exit::of_class(v.class))
}

fn print_human(r: &Report, printer: &Printer) {
    let p = printer.stdout_paint();
    let mut out = String::new();
    if !printer.quiet {
        for line in &r.transcript {
            let marker = p.paint(
                line.dir.marker(),
                if line.dir == Dir::Info {
                    Role::Help
                } else {
                    Role::Gutter
                },
            );
            out.push_str(&format!("{marker} {}\n", escape_controls(&line.text)));
        }
        out.push('\n');
        for s in &r.stages {
            let (word, role) = match s.outcome {
                Outcome::Ok => ("ok", Role::Success),
                Outcome::Skipped => ("skipped", Role::Warning),
                Outcome::Failed => ("FAILED", Role::Error),
            };
            out.push_str(&format!(
                "{:<8} {:<8} {:>9}  {}\n",
                s.stage.name(),
                p.paint(word, role),
                format!("{:.1} ms", s.ms),
                escape_controls(&s.detail)
            ));
        }
    }
    let summary = match (&r.error, r.reached) {
        (None, _) => format!(
            "{} {} ({}): reached {}",
            p.paint("ok", Role::Success),
            r.server,
            r.security,
            r.requested.name()
        ),
        (Some(e), _) => format!(
            "{} {} ({}): failed at {}",
            p.paint("failed", Role::Error),
            r.server,
            r.security,
            e.stage.unwrap_or("?")
        ),
    };
    out.push_str(&summary);
    printer.out(&out);
    if let Some(e) = &r.error {
        let ep = printer.stderr_paint();
        let mut text = format!(
            "courier: {} {}: {}",
            ep.paint("error:", Role::Error),
            e.stage.unwrap_or("test"),
            escape_controls(&e.message)
        );
        if let Some(h) = &e.hint {
            text.push_str(&format!("\n  {} {h}", ep.paint("hint:", Role::Help)));
        }
        printer.diag(&text);
    }
}
