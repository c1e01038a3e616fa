//! `courier log`: the delivery journal of a batch, like the Ory Console's
//! Email Delivery page: a table of messages, or one message with every
//! attempt.

mod kratos;
mod table;

use std::path::Path;

use crate::batch::journal::view::{self, Filter, Message, NoMessage};
use crate::batch::journal::{Journal, Status};
use crate::cli::{GlobalArgs, LogArgs, StatusArg};
use crate::diag::{Paint, Role, escape_controls};
use crate::exit::{ExitStatus, Usage};
use crate::output::Printer;
use crate::secret::scrub;

/// Runs the command.
pub fn run(global: &GlobalArgs, args: &LogArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    if args.kratos.is_some() {
        return kratos::run(global, args, printer);
    }
    super::no_config(
        global,
        "`courier log` reads no config (-c) for a journal",
        "name the journal with --journal PATH; -c goes with --kratos, to name the keys to change",
    )?;
    let path = match &args.journal {
        Some(p) => p.clone(),
        None => view::find_in(Path::new("."))?,
    };
    let journal = Journal::open_existing(&path)?;
    if let Some(id) = &args.id {
        let id: u64 = id.parse().map_err(|_| {
            Usage::new(format!(
                "a journal's messages are numbered by their line: `{}` is not a number",
                escape_controls(id)
            ))
        })?;
        let Some(msg) = journal.get(id)? else {
            return Err(NoMessage {
                id,
                journal: path.display().to_string(),
            }
            .into());
        };
        if printer.json_mode() {
            printer.json(&msg);
        } else {
            printer.out(&detail(&msg, printer));
        }
        return Ok(ExitStatus::Success);
    }
    let filter = Filter {
        status: args.status.map(|s| match s {
            StatusArg::Queued => Status::Queued,
            StatusArg::Processing => Status::Processing,
            StatusArg::Sent => Status::Sent,
            StatusArg::Abandoned => Status::Abandoned,
        }),
        recipient: args.recipient.clone(),
    };
    let overview = journal.overview(&filter)?;
    // Streamed: a journal of a million messages is printed in chunks, never
    // held in memory.
    let mut buf = String::new();
    let mut first = true;
    let flush = |buf: &mut String| {
        printer.out_raw(buf);
        buf.clear();
    };
    if printer.json_mode() {
        buf.push('[');
        journal.each(&filter, |m| {
            buf.push_str(if first { "\n  " } else { ",\n  " });
            first = false;
            buf.push_str(&serde_json::to_string(&m).unwrap_or_default());
            if buf.len() > 1 << 16 {
                flush(&mut buf);
            }
        })?;
        buf.push_str(if first { "]\n" } else { "\n]\n" });
        flush(&mut buf);
        return Ok(ExitStatus::Success);
    }
    let p = printer.stdout_paint();
    let widths = Widths {
        id: overview.id_width.max(2),
        recipient: overview.recipient_width.clamp(9, 40),
        template: overview.template_width.max(8),
    };
    buf.push_str(&header(&widths));
    journal.each(&filter, |m| {
        buf.push('\n');
        buf.push_str(&row(&m, &widths, &p));
        if buf.len() > 1 << 16 {
            flush(&mut buf);
        }
    })?;
    buf.push('\n');
    flush(&mut buf);
    let total = overview.total();
    printer.note(&format!(
        "{total} message{}: {} queued, {} processing, {} sent, {} abandoned",
        if total == 1 { "" } else { "s" },
        overview.queued,
        overview.processing,
        overview.sent,
        overview.abandoned,
    ));
    Ok(ExitStatus::Success)
}

/// Column widths of the table.
struct Widths {
    id: usize,
    recipient: usize,
    template: usize,
}

fn header(w: &Widths) -> String {
    format!(
        "{:<id$}  {:<10}  {:>8}  {:<rc$}  {:<ty$}  {:<20}  LAST ERROR",
        "ID",
        "STATUS",
        "ATTEMPTS",
        "RECIPIENT",
        "TEMPLATE",
        "UPDATED",
        id = w.id,
        rc = w.recipient,
        ty = w.template
    )
}

fn row(m: &Message, w: &Widths, p: &impl Paint) -> String {
    let mut line = format!(
        "{:<id$}  {}  {:>8}  {:<rc$}  {:<ty$}  {:<20}  {}",
        m.id,
        table::paint_status(m.status.as_str(), p),
        m.send_count,
        escape_controls(&m.recipient),
        escape_controls(&m.template_type),
        m.updated_at,
        escape_controls(&scrub(m.last_error.as_deref().unwrap_or(""))),
        id = w.id,
        rc = w.recipient,
        ty = w.template
    );
    line.truncate(line.trim_end().len());
    line
}

fn detail(m: &Message, printer: &Printer) -> String {
    let p = printer.stdout_paint();
    let mut out = format!(
        "message {}\n  status:     {}\n  channel:    {}\n  recipient:  {}\n  template:   {}\n  attempts:   {}\n  created:    {}\n  updated:    {}",
        m.id,
        table::paint_status(m.status.as_str(), &p).trim_end(),
        m.kind,
        escape_controls(&m.recipient),
        escape_controls(&m.template_type),
        m.send_count,
        m.created_at,
        m.updated_at
    );
    if let Some(e) = &m.last_error {
        out.push_str(&format!("\n  last error: {}", escape_controls(&scrub(e))));
    }
    let dispatches = m.dispatches.as_deref().unwrap_or_default();
    if dispatches.is_empty() {
        out.push_str("\n  no attempt recorded");
    }
    for d in dispatches {
        let verdict = if d.status == "success" {
            p.paint("success", Role::Success)
        } else {
            p.paint("failed", Role::Error)
        };
        out.push_str(&format!(
            "\n  attempt {} at {}: {verdict} in {:.0} ms",
            d.attempt, d.created_at, d.ms
        ));
        if let Some(r) = &d.reply {
            out.push_str(&format!("\n    reply: {}", escape_controls(&scrub(r))));
        }
        if let Some(e) = &d.error {
            out.push_str(&format!("\n    error: {}", escape_controls(&scrub(e))));
        }
    }
    out
}
