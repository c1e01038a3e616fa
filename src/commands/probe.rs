//! `courier test`: walk an SMTP session the way Kratos dials it, without
//! sending, and report every stage.

use std::time::Duration;

use serde::Serialize;

use crate::cli::{Format, GlobalArgs, QuitAfter, TestArgs};
use crate::config::settings;
use crate::diag::{Paint, Role};
use crate::exit::{ExitStatus, StatusError};
use crate::output::Printer;
use crate::smtp::{self, Dir, Line, Outcome, Stage, StageRecord};
use crate::tls::SessionInfo;
use crate::transport;

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

/// Where and why a probe failed.
#[derive(Debug, Serialize)]
pub struct ErrorReport {
    pub stage: Option<Stage>,
    pub message: String,
    pub hint: Option<String>,
}

fn stage_of(q: QuitAfter) -> Stage {
    match q {
        QuitAfter::Connect => Stage::Connect,
        QuitAfter::Banner => Stage::Banner,
        QuitAfter::Ehlo => Stage::Ehlo,
        QuitAfter::Tls => Stage::Tls,
        QuitAfter::Auth => Stage::Auth,
        QuitAfter::Mail => Stage::Mail,
        QuitAfter::Rcpt => Stage::Rcpt,
    }
}

/// Runs the command.
pub fn run(
    global: &GlobalArgs,
    args: &TestArgs,
    printer: &mut Printer,
) -> anyhow::Result<ExitStatus> {
    let sms = args.channel == crate::cli::ChannelArg::Sms;
    let loaded = super::load_usable(global, printer, &|p| {
        if sms {
            p.starts_with("courier.channels")
        } else {
            p.starts_with("courier.smtp")
                || p.starts_with("courier.http")
                || p == "courier.delivery_strategy"
        }
    })?;
    if sms {
        return super::probe_http::run(&loaded, crate::sample::Channel::Sms, args, printer);
    }
    if settings::delivery_strategy(&loaded) == "http" {
        return super::probe_http::run(&loaded, crate::sample::Channel::Email, args, printer);
    }
    let smtp_settings = settings::smtp(&loaded).map_err(|e| StatusError {
        status: ExitStatus::Config,
        message: e.to_string(),
        hint: Some("`courier check-config` explains the connection URI".into()),
    })?;
    let target = transport::smtp_target(&smtp_settings, Duration::from_secs(args.timeout));
    let requested = args.quit_after.map_or(
        if args.to.is_some() {
            Stage::Rcpt
        } else {
            Stage::Auth
        },
        stage_of,
    );
    if requested >= Stage::Mail && args.to.is_none() && requested == Stage::Rcpt {
        return Err(StatusError {
            status: ExitStatus::Usage,
            message: "--quit-after rcpt needs --to ADDR".into(),
            hint: None,
        }
        .into());
    }
    let (mut session, mut result) = smtp::open(&target, requested.min(Stage::Auth));
    if result.is_ok() && requested >= Stage::Mail {
        session.reset_deadline();
        let from = smtp_settings
            .headers
            .iter()
            .find(|(k, _)| k == "Sender")
            .map_or(smtp_settings.from_address.clone(), |(_, v)| v.clone());
        result = session.mail(&from);
        if result.is_ok()
            && requested >= Stage::Rcpt
            && let Some(to) = &args.to
        {
            result = session.rcpt(std::slice::from_ref(to));
        }
    }
    session.quit();
    let failed_at = transport::failed_stage(&session);
    let error = result.as_ref().err().map(|e| ErrorReport {
        stage: failed_at,
        message: e.to_string(),
        hint: transport::hint(e, failed_at, &target),
    });
    let status = match &result {
        Ok(()) => ExitStatus::Success,
        Err(e) => transport::status_of(e),
    };
    let report = Report {
        server: format!("{}:{}", target.host, target.port),
        security: transport::security_name(target.security),
        ok: result.is_ok(),
        requested,
        reached: session.reached,
        stages: session.stages.clone(),
        tls: session.tls.clone(),
        transcript: session.transcript.clone(),
        error,
    };
    if printer.format == Format::Json {
        printer.json(&report);
    } else {
        print_human(&report, printer);
    }
    Ok(status)
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
            out.push_str(&format!("{marker} {}\n", line.text));
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
                s.detail
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
            e.stage.map_or("?", Stage::name)
        ),
    };
    out.push_str(&summary);
    printer.out(&out);
    if let Some(e) = &r.error {
        let ep = printer.stderr_paint();
        let mut text = format!(
            "courier: {} {}: {}",
            ep.paint("error:", Role::Error),
            e.stage.map_or("probe", Stage::name),
            e.message
        );
        if let Some(h) = &e.hint {
            text.push_str(&format!("\n  {} {h}", ep.paint("hint:", Role::Help)));
        }
        printer.diag(&text);
    }
}
