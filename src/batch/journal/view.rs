//! Reading a journal for `courier log`: messages in id order (streamed),
//! counts and column widths, one message with every attempt; and finding
//! the journal in the current directory.

use std::path::{Path, PathBuf};

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Journal, JournalError, PAGE, Status, sql};

/// The only `*.courier.db` in `dir`.
pub fn find_in(dir: &Path) -> Result<PathBuf, NoJournal> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.to_string_lossy().ends_with(".courier.db"))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(NoJournal::None),
        _ => Err(NoJournal::Several(
            found.iter().map(|p| p.display().to_string()).collect(),
        )),
    }
}

/// No journal was given and none (or more than one) is here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoJournal {
    #[error("no journal (*.courier.db) in the current directory")]
    None,
    #[error("several journals here: {}", .0.join(", "))]
    Several(Vec<String>),
}

/// The journal has no such message.
#[derive(Debug, thiserror::Error)]
#[error("no message {id} in {journal}")]
pub struct NoMessage {
    pub id: u64,
    pub journal: String,
}

/// A message as `courier log` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Message {
    pub id: u64,
    pub status: Status,
    #[serde(rename = "type")]
    pub kind: String,
    pub recipient: String,
    pub template_type: String,
    pub send_count: u32,
    pub last_error: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dispatches: Option<Vec<Dispatch>>,
}

/// One attempt.
#[derive(Debug, Clone, Serialize)]
pub struct Dispatch {
    pub attempt: u32,
    /// `success` or `failed`, as Kratos' dispatch records.
    pub status: String,
    pub reply: Option<String>,
    pub error: Option<String>,
    pub ms: f64,
    pub created_at: String,
}

/// Counts and column widths of a listing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Overview {
    pub queued: u64,
    pub processing: u64,
    pub sent: u64,
    pub abandoned: u64,
    pub id_width: usize,
    pub recipient_width: usize,
    pub template_width: usize,
}

impl Overview {
    #[must_use]
    pub fn total(&self) -> u64 {
        self.queued + self.processing + self.sent + self.abandoned
    }
}

/// Which messages to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<Status>,
    pub recipient: Option<String>,
}

impl Journal {
    /// Calls `f` with each message, in id order, without holding them all:
    /// a page of rows per read, so no lock is held while `f` runs (a batch
    /// writing the journal meanwhile is not held up).
    pub fn each(&self, filter: &Filter, mut f: impl FnMut(Message)) -> Result<(), JournalError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, status, channel, recipient, template_type, send_count, last_error,
                        created_at, updated_at
                 FROM messages
                 WHERE id > ?3 AND (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR recipient = ?2)
                 ORDER BY id LIMIT ?4",
            )
            .map_err(|e| self.err(e))?;
        let mut after = -1_i64;
        loop {
            let page = stmt
                .query_map(
                    params![
                        filter.status.map(Status::as_str),
                        filter.recipient,
                        after,
                        PAGE
                    ],
                    message_of,
                )
                .map_err(|e| self.err(e))?
                .collect::<Result<Vec<Message>, _>>()
                .map_err(|e| self.err(e))?;
            let Some(last) = page.last() else {
                return Ok(());
            };
            after = sql(last.id);
            let full = page.len() as i64 == PAGE;
            page.into_iter().for_each(&mut f);
            if !full {
                return Ok(());
            }
        }
    }

    /// What a table of the matching messages needs up front: how many there
    /// are in each state (queued, processing, sent, abandoned) and the
    /// widest id, recipient and template type.
    pub fn overview(&self, filter: &Filter) -> Result<Overview, JournalError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT status, COUNT(*), MAX(id), MAX(length(recipient)), MAX(length(template_type))
                 FROM messages
                 WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR recipient = ?2)
                 GROUP BY status",
            )
            .map_err(|e| self.err(e))?;
        let mut o = Overview::default();
        let rows = stmt
            .query_map(
                params![filter.status.map(Status::as_str), filter.recipient],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, i64>(4)?,
                    ))
                },
            )
            .map_err(|e| self.err(e))?;
        for row in rows {
            let (status, n, id, rcpt, ty) = row.map_err(|e| self.err(e))?;
            let n = u64::try_from(n).unwrap_or(0);
            match Status::parse(&status) {
                Some(Status::Queued) => o.queued += n,
                Some(Status::Processing) => o.processing += n,
                Some(Status::Sent) => o.sent += n,
                Some(Status::Abandoned) => o.abandoned += n,
                None => {}
            }
            let w = |x: i64| usize::try_from(x).unwrap_or(0);
            o.id_width = o.id_width.max(w(id).to_string().len());
            o.recipient_width = o.recipient_width.max(w(rcpt));
            o.template_width = o.template_width.max(w(ty));
        }
        Ok(o)
    }

    /// One message with every attempt (newest first, as Kratos lists them).
    pub fn get(&self, id: u64) -> Result<Option<Message>, JournalError> {
        let msg = self
            .conn
            .query_row(
                "SELECT id, status, channel, recipient, template_type, send_count, last_error,
                        created_at, updated_at
                 FROM messages WHERE id = ?1",
                [sql(id)],
                message_of,
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let Some(mut msg) = msg else {
            return Ok(None);
        };
        let mut stmt = self
            .conn
            .prepare(
                "SELECT attempt, status, reply, error, ms, created_at FROM dispatches
                 WHERE message_id = ?1 ORDER BY id DESC",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([sql(id)], dispatch_of)
            .map_err(|e| self.err(e))?;
        msg.dispatches = Some(
            rows.collect::<Result<Vec<_>, _>>()
                .map_err(|e| self.err(e))?,
        );
        Ok(Some(msg))
    }
}

fn message_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<Message> {
    let status: String = r.get(1)?;
    Ok(Message {
        id: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
        status: Status::parse(&status).unwrap_or(Status::Queued),
        kind: r.get(2)?,
        recipient: r.get(3)?,
        template_type: r.get(4)?,
        send_count: r.get(5)?,
        last_error: r.get(6)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
        dispatches: None,
    })
}

fn dispatch_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<Dispatch> {
    Ok(Dispatch {
        attempt: r.get(0)?,
        status: r.get(1)?,
        reply: r.get(2)?,
        error: r.get(3)?,
        ms: r.get(4)?,
        created_at: r.get(5)?,
    })
}
