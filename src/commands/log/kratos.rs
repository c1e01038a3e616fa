//! `courier log --kratos`: a running Kratos' queue as the Ory Console's
//! Email Delivery page shows it: the same table, JSON and single-message
//! view as a batch journal, each failure explained, a summary (counts,
//! queue lag, stuck messages), `--fail-on` for probes and `--watch`.

use std::collections::HashMap;
use std::time::Duration;

use serde::Serialize;

use crate::cli::{FailOn, GlobalArgs, LogArgs, StatusArg};
use crate::config::Loaded;
use crate::config::settings::{Settings, Strategy};
use crate::diag::{Paint, Role, escape_controls};
use crate::exit::{ExitStatus, Usage};
use crate::output::Printer;
use crate::queue::explain::{self, Explanation, Route};
use crate::queue::model::{Dispatch, Message};
use crate::queue::summary::Summary;
use crate::queue::{self, Filter, Source};
use crate::secret::{Secret, scrub};

/// Watched messages remembered at most (their id and state).
const WATCH_MEMORY: usize = 1_000_000;
/// Messages whose attempts are fetched at most in one listing (Kratos'
/// list has no dispatches: each failed message costs a request).
const MAX_DETAILS: u64 = 200;

/// Runs `courier log --kratos`.
pub fn run(global: &GlobalArgs, args: &LogArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let config = if global.config.is_empty() {
        None
    } else {
        Some(crate::commands::read_config(global)?)
    };
    let source = source(args)?;
    let cx = Context {
        settings: config.as_ref().map(Loaded::settings),
        config: config.as_ref(),
    };
    if let Some(id) = &args.id {
        let m = source.message(id)?;
        let view = View::of(&m, &cx, true);
        if printer.json_mode() {
            printer.json(&view);
        } else {
            printer.out(&detail(&view, printer));
        }
        return Ok(ExitStatus::Success);
    }
    let filter = Filter {
        status: args.status.map(status_name).map(str::to_owned),
        recipient: args.recipient.clone(),
    };
    if args.watch {
        return watch(&source, &filter, args, &cx, printer);
    }
    let summary = list(&source, &filter, args, &cx, printer)?;
    Ok(verdict(&summary, &args.fail_on))
}

/// The admin URL and the token, from the flag, the environment or a prompt.
fn source(args: &LogArgs) -> anyhow::Result<Source> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let url = match args.kratos.as_deref() {
        Some(u) if !u.is_empty() => u.to_owned(),
        _ => env("KRATOS_ADMIN_URL")
            .or_else(|| env("ORY_SDK_URL"))
            .ok_or_else(|| {
                Usage::new("--kratos needs the admin URL").hint(
                "give it (--kratos http://127.0.0.1:4434) or set KRATOS_ADMIN_URL (or ORY_SDK_URL)",
            )
            })?,
    };
    let network = url.contains(".oryapis.com") || url.contains(".projects.oryapis");
    let token = match env("ORY_API_KEY").or_else(|| env("ORY_PROJECT_API_KEY")) {
        Some(t) => Some(t.trim().to_owned()),
        None if network => Some(prompt_token()?),
        None => None,
    };
    if let Some(t) = &token {
        let mut r = crate::secret::Redactor::default();
        r.add(t);
        crate::secret::register(&r);
    }
    let timeout = Duration::from_secs(args.timeout.clamp(1, 300));
    Ok(Source::new(&url, token.map(Secret::new), timeout)?)
}

/// The Ory Network API key from the terminal (never from a flag).
fn prompt_token() -> anyhow::Result<String> {
    match crate::prompt::password_interactive("Ory Network API key (ory_pat_…): ") {
        Some(Ok(t)) if !t.trim().is_empty() => Ok(t.trim().to_owned()),
        _ => Err(Usage::new("the Ory Network needs an API key")
            .hint("set ORY_API_KEY (never a flag: it would show in the process list)")
            .into()),
    }
}

/// What explaining a failure may consult: the config, when given.
struct Context<'a> {
    settings: Option<Settings>,
    config: Option<&'a Loaded>,
}

impl Context<'_> {
    /// The explanation of `error` for message `m`, with the key to change
    /// (and where it is set) when the config is at hand.
    fn explain(&self, error: &str, m: &Message) -> Option<Explanation> {
        // `phone` in v1.0.0, `sms` from v1.1.0.
        let sms = matches!(m.kind.as_str(), "phone" | "sms") || m.channel.as_deref() == Some("sms");
        let route = match &self.settings {
            _ if sms => Route::Sms(self.sms_key()),
            Some(s) if s.strategy == Strategy::Http => Route::EmailHttp,
            _ => Route::Smtp,
        };
        let mut e = explain::explain(error, &route)?;
        e.key = match (self.config, e.key.take()) {
            (Some(config), Some(key)) => Some(located(config, &key)),
            _ => None,
        };
        Some(e)
    }

    /// The request config of the SMS channel, as its key path.
    fn sms_key(&self) -> String {
        let Some(s) = &self.settings else {
            return "courier.channels[?].request_config".to_owned();
        };
        if !s.release.has(crate::release::CHANNELS) {
            return "courier.sms.request_config".to_owned();
        }
        let index = self
            .config
            .and_then(|c| c.channel_index("sms"))
            .map_or("?".to_owned(), |i| i.to_string());
        format!("courier.channels[{index}].request_config")
    }
}

/// `key (file:line:col)`, or the key alone when it is not set.
fn located(config: &Loaded, key: &str) -> String {
    let mut path: Vec<String> = Vec::new();
    for part in key.split('.') {
        match part.split_once('[') {
            Some((name, index)) => {
                path.push(name.to_owned());
                path.push(index.trim_end_matches(']').to_owned());
            }
            None => path.push(part.to_owned()),
        }
    }
    let refs: Vec<&str> = path.iter().map(String::as_str).collect();
    match config.place(&refs) {
        Some(place) => format!("{key} ({place})"),
        None => key.to_owned(),
    }
}

/// A message as `courier log` shows it (a public interface: the fields of
/// a journal's messages, and Kratos' own).
#[derive(Debug, Clone, Serialize)]
pub struct View {
    pub id: String,
    pub status: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub channel: Option<String>,
    pub recipient: String,
    pub template_type: String,
    pub send_count: i64,
    pub last_error: Option<String>,
    /// What the last error means.
    pub explanation: Option<Explanation>,
    /// Kratos redacts subjects and bodies outside dev mode.
    pub redacted: bool,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dispatches: Option<Vec<DispatchView>>,
}

/// One attempt.
#[derive(Debug, Clone, Serialize)]
pub struct DispatchView {
    /// Counted from the oldest (1).
    pub attempt: usize,
    pub status: String,
    pub error: Option<String>,
    pub explanation: Option<Explanation>,
    pub created_at: String,
}

impl View {
    fn of(m: &Message, cx: &Context<'_>, with_dispatches: bool) -> Self {
        let clean = |s: &str| scrub(s);
        let last_error = m.last_error().map(|e| clean(&e));
        let explanation = last_error.as_deref().and_then(|e| cx.explain(e, m));
        let redacted = m.redacted();
        let dispatches = with_dispatches.then(|| {
            let mut ds: Vec<&Dispatch> = m.dispatches.iter().flatten().collect();
            ds.sort_by(|a, b| a.created_at.cmp(&b.created_at));
            let mut out: Vec<DispatchView> = ds
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    let error = d.error_text().map(|e| clean(&e));
                    DispatchView {
                        attempt: i + 1,
                        status: d.status.clone(),
                        explanation: error.as_deref().and_then(|e| cx.explain(e, m)),
                        error,
                        created_at: d.created_at.clone(),
                    }
                })
                .collect();
            // Newest first, as Kratos and the journal list them.
            out.reverse();
            out
        });
        Self {
            id: m.id.clone(),
            status: m.status.clone(),
            kind: m.kind.clone(),
            channel: m.channel.clone(),
            recipient: m.recipient.clone(),
            template_type: m.template_type.clone(),
            send_count: m.send_count,
            last_error,
            explanation,
            redacted,
            subject: (!redacted).then(|| clean(&m.subject)),
            body: (!redacted).then(|| clean(&m.body)),
            created_at: m.created_at.clone(),
            updated_at: m.updated_at.clone(),
            dispatches,
        }
    }
}

fn status_name(s: StatusArg) -> &'static str {
    match s {
        StatusArg::Queued => "queued",
        StatusArg::Processing => "processing",
        StatusArg::Sent => "sent",
        StatusArg::Abandoned => "abandoned",
    }
}

/// The table (or JSON array), streamed page by page; the failures
/// explained and the summary after it.
fn list(
    source: &Source,
    filter: &Filter,
    args: &LogArgs,
    cx: &Context<'_>,
    printer: &Printer,
) -> anyhow::Result<Summary> {
    let mut summary = Summary::new(args.stuck_after);
    let now = crate::calendar::unix_now();
    let limit = args.limit.unwrap_or(u64::MAX);
    let json = printer.json_mode();
    let p = printer.stdout_paint();
    let mut shown = 0u64;
    let mut buf = String::new();
    let mut kinds: Vec<(Explanation, u64)> = Vec::new();
    let mut redacted = false;
    let mut details = 0u64;
    if !args.summary {
        buf.push_str(&if json { "[".to_owned() } else { header() });
    }
    // Past --limit the rest is read only when something counts it.
    let count_all = args.summary || !args.fail_on.is_empty();
    let mut cut = false;
    source.list(filter, queue::PAGE_SIZE, |m| {
        if shown >= limit && !args.summary {
            cut = true;
            if !count_all {
                return false;
            }
        }
        summary.add(&m, now);
        if args.summary || shown >= limit {
            return true;
        }
        shown += 1;
        // A message that failed at least once: its attempts say why.
        let failed = m.status != "sent" && m.send_count > 0 && m.dispatches.is_none();
        let m = if failed && details < MAX_DETAILS {
            details += 1;
            source.message(&m.id).unwrap_or(m)
        } else {
            m
        };
        let v = View::of(&m, cx, false);
        redacted |= v.redacted;
        if let Some(e) = &v.explanation {
            match kinds
                .iter_mut()
                .find(|(k, _)| k.kind == e.kind && k.key == e.key)
            {
                Some((_, n)) => *n += 1,
                None => kinds.push((e.clone(), 1)),
            }
        }
        if json {
            buf.push_str(if shown == 1 { "\n  " } else { ",\n  " });
            buf.push_str(&serde_json::to_string(&v).unwrap_or_default());
        } else {
            buf.push('\n');
            buf.push_str(&row(&v, &p));
        }
        if buf.len() > 1 << 16 {
            printer.out_raw(&buf);
            buf.clear();
        }
        true
    })?;
    if args.summary {
        print_summary(&summary, printer);
        return Ok(summary);
    }
    buf.push_str(if json {
        if shown == 0 { "]\n" } else { "\n]\n" }
    } else {
        "\n"
    });
    printer.out_raw(&buf);
    if details >= MAX_DETAILS {
        printer.note(&format!(
            "courier: the errors of the first {MAX_DETAILS} failed messages are shown; `courier log --kratos URL ID` shows any one"
        ));
    }
    if !json {
        explained(&kinds, printer);
        if redacted {
            printer.note("courier: subjects and bodies are redacted by Kratos (it runs outside dev mode): `<redacted-unless-dev-mode>` is not what was sent");
        }
        let read = if cut && !count_all {
            format!(" (of the first {limit}: --limit stopped the listing)")
        } else {
            String::new()
        };
        printer.note(&format!("{}{read}", summary_line(&summary)));
    }
    Ok(summary)
}

fn header() -> String {
    format!(
        "{:<36}  {:<10}  {:>8}  {:<30}  {:<25}  {:<20}  LAST ERROR",
        "ID", "STATUS", "ATTEMPTS", "RECIPIENT", "TEMPLATE", "UPDATED"
    )
}

fn row(v: &View, p: &impl Paint) -> String {
    let status = super::table::paint_status(&v.status, p);
    let mut line = format!(
        "{:<36}  {status}  {:>8}  {:<30}  {:<25}  {:<20}  {}",
        escape_controls(&v.id),
        v.send_count,
        escape_controls(&v.recipient),
        escape_controls(&v.template_type),
        escape_controls(&short_time(&v.updated_at)),
        escape_controls(v.last_error.as_deref().unwrap_or("")),
    );
    line.truncate(line.trim_end().len());
    line
}

/// The kinds of failure seen, each with its hint and key, once.
fn explained(kinds: &[(Explanation, u64)], printer: &Printer) {
    if kinds.is_empty() {
        return;
    }
    let mut out = String::from("\nWhy they failed:");
    for (e, n) in kinds {
        out.push_str(&format!(
            "\n  {} ({n} message{}): {}",
            e.kind,
            if *n == 1 { "" } else { "s" },
            e.hint
        ));
        if let Some(k) = &e.key {
            out.push_str(&format!("\n    change: {k}"));
        }
    }
    printer.out(&out);
}

fn detail(v: &View, printer: &Printer) -> String {
    let p = printer.stdout_paint();
    let mut out = format!(
        "message {}\n  status:     {}\n  channel:    {}\n  recipient:  {}\n  template:   {}\n  attempts:   {}\n  created:    {}\n  updated:    {}",
        escape_controls(&v.id),
        v.status,
        escape_controls(v.channel.as_deref().unwrap_or(&v.kind)),
        escape_controls(&v.recipient),
        escape_controls(&v.template_type),
        v.send_count,
        v.created_at,
        v.updated_at
    );
    if v.redacted {
        out.push_str("\n  subject and body: redacted by Kratos (it runs outside dev mode)");
    } else if let Some(s) = &v.subject {
        out.push_str(&format!("\n  subject:    {}", escape_controls(s)));
    }
    let ds = v.dispatches.as_deref().unwrap_or_default();
    if ds.is_empty() {
        out.push_str("\n  no attempt recorded");
    }
    for d in ds {
        let verdict = if d.status == "success" {
            p.paint("success", Role::Success)
        } else {
            p.paint("failed", Role::Error)
        };
        out.push_str(&format!(
            "\n  attempt {} at {}: {verdict}",
            d.attempt, d.created_at
        ));
        if let Some(e) = &d.error {
            out.push_str(&format!("\n    error:  {}", escape_controls(e)));
        }
        if let Some(x) = &d.explanation {
            out.push_str(&format!("\n    why:    {} ({})", x.hint, x.kind));
            if let Some(k) = &x.key {
                out.push_str(&format!("\n    change: {k}"));
            }
        }
    }
    out
}

fn summary_line(s: &Summary) -> String {
    let mut line = format!(
        "{} message{}: {} queued",
        s.total(),
        if s.total() == 1 { "" } else { "s" },
        s.queued
    );
    if let Some(age) = s.oldest_queued_age_s {
        line.push_str(&format!(" (the oldest waiting {})", human(age)));
    }
    line.push_str(&format!(", {} processing", s.processing));
    if !s.stuck.is_empty() {
        line.push_str(&format!(
            " ({} stuck for more than {})",
            s.stuck.len(),
            human(s.stuck_after_s)
        ));
    }
    line.push_str(&format!(", {} sent, {} abandoned", s.sent, s.abandoned));
    line
}

fn print_summary(s: &Summary, printer: &Printer) {
    if printer.json_mode() {
        printer.json(s);
    } else {
        printer.out(&summary_line(s));
        for id in &s.stuck {
            printer.out(&format!("  stuck: {id}"));
        }
    }
}

/// `90` → `1m30s`.
fn human(secs: u64) -> String {
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m{:02}s", s / 60, s % 60),
        s if s < 86_400 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        s => format!("{}d{:02}h", s / 86_400, s % 86_400 / 3600),
    }
}

/// A time for the table: to the second (`2026-11-28T10:08:00Z`).
fn short_time(t: &str) -> String {
    match (t.get(..19), t.ends_with('Z')) {
        (Some(head), true) => format!("{head}Z"),
        _ => t.to_owned(),
    }
}

/// 1 when `--fail-on` finds what it names.
fn verdict(s: &Summary, fail_on: &[FailOn]) -> ExitStatus {
    let failed = fail_on.iter().any(|f| match f {
        FailOn::Abandoned => s.abandoned > 0,
        FailOn::Stuck => !s.stuck.is_empty(),
    });
    if failed {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    }
}

/// Polls until Ctrl-C (or `--polls`): each message as it appears or
/// changes state, a row (or a JSON line) each.
fn watch(
    source: &Source,
    filter: &Filter,
    args: &LogArgs,
    cx: &Context<'_>,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let stop = crate::interrupt::Stop::default();
    crate::interrupt::install(&stop);
    let mut seen: HashMap<String, (String, i64)> = HashMap::new();
    let p = printer.stdout_paint();
    if !printer.json_mode() {
        printer.out(&header());
    }
    let mut polls = 0u64;
    let last = loop {
        let mut summary = Summary::new(args.stuck_after);
        let now = crate::calendar::unix_now();
        source.list(filter, queue::PAGE_SIZE, |m| {
            summary.add(&m, now);
            let state = (m.status.clone(), m.send_count);
            if seen.get(&m.id) != Some(&state) {
                if seen.len() < WATCH_MEMORY || seen.contains_key(&m.id) {
                    seen.insert(m.id.clone(), state);
                }
                let v = View::of(&m, cx, false);
                if printer.json_mode() {
                    printer.out(&serde_json::to_string(&v).unwrap_or_default());
                } else {
                    printer.out(&row(&v, &p));
                }
            }
            !stop.requested()
        })?;
        polls += 1;
        if stop.requested() || args.polls.is_some_and(|n| polls >= n) {
            break summary;
        }
        let until = std::time::Instant::now() + args.interval;
        while std::time::Instant::now() < until && !stop.requested() {
            std::thread::sleep(Duration::from_millis(50));
        }
        if stop.requested() {
            break summary;
        }
    };
    if !printer.json_mode() {
        printer.note(&summary_line(&last));
    }
    Ok(verdict(&last, &args.fail_on))
}
