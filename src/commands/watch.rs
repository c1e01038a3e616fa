//! `courier watch`: the options from the command line and the config,
//! the queue opened from Kratos' DSN, and the observer that reports what
//! happens: failures and warnings on stderr (every message with `-v`), a
//! health line now and then, JSON Lines on stdout with `--format json`,
//! and a summary when the watch ends.

use std::time::Duration;

use serde::Serialize;

use crate::cli::{GlobalArgs, WatchArgs};
use crate::diag::escape_controls;
use crate::exit::{ExitStatus, Usage};
use crate::interrupt::{self, Stop};
use crate::output::Printer;
use crate::watch::queue::{self, is_uuid};
use crate::watch::{self, Event, Health, Observer, Options, dsn, worker};

/// One JSON line per event (a public interface).
#[derive(Debug, Serialize)]
struct EventLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: &'a str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    recipient: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    template_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

/// Runs `courier watch`.
pub fn run(
    global: &GlobalArgs,
    args: &WatchArgs,
    printer: &mut Printer,
) -> anyhow::Result<ExitStatus> {
    let (loaded, settings) = crate::commands::usable(global, printer, |p| {
        p.starts_with("courier") && !p.starts_with("courier.templates")
    })?;
    if let Some(nid) = &args.nid
        && !is_uuid(nid)
    {
        return Err(Usage::new(format!("--nid {nid:?} is not a UUID")).into());
    }
    let env = crate::commands::kratos_env();
    let target = dsn::parse(&loaded.dsn(&env).unwrap_or_default())?;
    let timeout = Duration::from_secs(args.timeout);
    let mut queue = queue::open(&target, args.nid.as_deref(), timeout)?;
    if let Some(why) = settings.abandons_all() {
        printer.diag(&format!("courier: warning: {why}"));
    }
    let shared = worker::Shared {
        settings: &settings,
        target: settings.smtp().ok().map(|s| s.target(timeout)),
        http: crate::batch::http_client(&settings, timeout)?,
        stop: Stop::default(),
        redactor: &loaded.redactor,
    };
    interrupt::install(&shared.stop);
    printer.note(&format!(
        "courier watch: delivering network {}'s queue in {} as Kratos {}, {} worker(s){}",
        queue.nid(),
        queue.kind(),
        settings.release,
        args.concurrency,
        if args.once {
            ", until it is drained"
        } else {
            ""
        }
    ));
    let metrics = match args.expose_metrics_port {
        Some(port) => {
            let shared = watch::metrics::Shared::default();
            let addr = watch::metrics::serve(port, shared.clone()).map_err(|e| {
                Usage::new(format!("--expose-metrics-port {port}: cannot listen: {e}"))
            })?;
            printer.note(&format!(
                "courier watch: metrics at http://{addr}/metrics/prometheus"
            ));
            Some(shared)
        }
        None => None,
    };
    let options = Options {
        concurrency: usize::from(args.concurrency),
        once: args.once,
        pull_count: settings.pull_count,
        pull_wait: settings.pull_wait,
        timeout,
        reclaim_after: args.reclaim_after,
        db_patience: args.db_patience,
        health_every: args.health_every,
        metrics,
    };
    let mut observer = Reporter { printer };
    let summary = watch::run(&options, &settings, &shared, queue.as_mut(), &mut observer)?;
    let printer = observer.printer;
    if printer.json_mode() {
        printer.json_line(&summary);
    } else {
        let c = &summary.counts;
        printer.out(&format!(
            "{} sent, {} retried, {} abandoned, {} uncertain, {} released in {:.1} s ({} msg/s)",
            c.sent,
            c.retried,
            c.abandoned,
            c.uncertain,
            c.released,
            summary.elapsed_ms as f64 / 1000.0,
            summary.rate
        ));
    }
    Ok(ExitStatus::Success)
}

/// Reports a watch's events.
struct Reporter<'p> {
    printer: &'p Printer,
}

impl Observer for Reporter<'_> {
    fn event(&mut self, e: Event) {
        let p = self.printer;
        let json = p.json_mode();
        match &e {
            Event::Sent {
                id,
                recipient,
                template_type,
                ..
            } => {
                if json {
                    p.json_line(&EventLine {
                        kind: "result",
                        id,
                        status: "sent",
                        recipient: Some(recipient),
                        template_type: Some(template_type),
                        error: None,
                    });
                } else if p.verbose > 0 {
                    p.note(&format!(
                        "sent {id} ({template_type}) to {}",
                        escape_controls(recipient)
                    ));
                }
            }
            Event::Failed {
                id,
                recipient,
                error,
                left,
            } => {
                if json {
                    p.json_line(&EventLine {
                        kind: "result",
                        id,
                        status: "failed",
                        recipient: Some(recipient),
                        template_type: None,
                        error: Some(error),
                    });
                }
                p.diag(&format!(
                    "courier: message {id} to {} failed (left {left}): {}",
                    escape_controls(recipient),
                    escape_controls(error)
                ));
            }
            Event::OverAllowance { id, send_count } => {
                if json {
                    p.json_line(&EventLine {
                        kind: "result",
                        id,
                        status: "abandoned",
                        recipient: None,
                        template_type: None,
                        error: None,
                    });
                }
                p.diag(&format!(
                    "courier: message {id} abandoned unsent: {send_count} attempts are over \
                     courier.message_retries"
                ));
            }
            Event::Warning(w) => p.diag(&format!("courier: warning: {}", escape_controls(w))),
        }
    }

    fn health(&mut self, h: &Health) {
        let c = &h.counts;
        let depth = h.depth.map_or(String::new(), |d| {
            format!(
                "; queue: {} queued (oldest {:.0} s), {} processing",
                d.queued, d.oldest_secs, d.processing
            )
        });
        self.printer.note(&format!(
            "courier watch: {} sent, {} retried, {} abandoned, {} in flight{depth}",
            c.sent, c.retried, c.abandoned, h.in_flight
        ));
    }
}
