//! Kratos' queue in an SQLite file (one host): claims inside `BEGIN
//! IMMEDIATE`, so concurrent workers on the host take turns; times written
//! as Kratos' SQLite driver writes them ([`crate::calendar::sqlite_time`]).

use std::path::Path;
use std::time::Duration;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, params};

use super::model::{self, Columns, DbError, Depth, Dispatch, Queue, Settle, Status, Stored};
use crate::calendar::{sqlite_time, unix_micros_now};

/// Kratos' courier queue in SQLite.
pub struct Lite {
    conn: Connection,
    nid: String,
    columns: Columns,
}

fn statement(e: &rusqlite::Error) -> DbError {
    DbError::Statement(e.to_string())
}

impl Lite {
    /// Opens an existing Kratos database (never creates one).
    pub fn open(path: &Path, nid: Option<&str>, timeout: Duration) -> Result<Self, DbError> {
        if !path.is_file() {
            return Err(DbError::NoFile(path.display().to_string()));
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)
            .map_err(|e| DbError::Connect(format!("{}: {e}", path.display())))?;
        conn.busy_timeout(timeout)
            .map_err(|e| DbError::Connect(e.to_string()))?;
        let columns = check_schema(&conn)?;
        let nid = model::network(nid, || {
            match conn.query_row(
                "SELECT id FROM networks ORDER BY created_at ASC LIMIT 1",
                [],
                |r| r.get::<_, String>(0),
            ) {
                Ok(id) => Ok(Some(id)),
                Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
                Err(e) => Err(DbError::Schema(e.to_string())),
            }
        })?;
        Ok(Self { conn, nid, columns })
    }
}

/// The columns of a table.
fn table_columns(conn: &Connection, table: &str) -> Result<Vec<String>, DbError> {
    let mut st = conn
        .prepare(&format!("PRAGMA table_info({table})"))
        .map_err(|e| DbError::Schema(e.to_string()))?;
    let names = st
        .query_map([], |r| r.get::<_, String>(1))
        .map_err(|e| DbError::Schema(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| DbError::Schema(e.to_string()))?;
    Ok(names)
}

/// Checks that Kratos' tables are there with the columns of v1.0.0 or
/// later, and finds the later ones.
fn check_schema(conn: &Connection) -> Result<Columns, DbError> {
    let messages = table_columns(conn, "courier_messages")?;
    let dispatches = table_columns(conn, "courier_message_dispatches")?;
    model::check_columns(&messages, &dispatches)
}

fn text(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => f.to_string(),
        ValueRef::Null => String::new(),
    }
}

fn opt_text(v: ValueRef<'_>) -> Option<String> {
    (!matches!(v, ValueRef::Null)).then(|| text(v))
}

impl Queue for Lite {
    fn kind(&self) -> &'static str {
        "SQLite"
    }

    fn nid(&self) -> &str {
        &self.nid
    }

    fn claim(
        &mut self,
        n: usize,
        retries: i64,
        retry_wait: Duration,
    ) -> Result<Vec<Stored>, DbError> {
        let now = unix_micros_now();
        let wait = i64::try_from(retry_wait.as_micros()).unwrap_or(i64::MAX);
        let cutoff = sqlite_time(now.saturating_sub(wait));
        let headers = if self.columns.request_headers {
            "request_headers"
        } else {
            "NULL"
        };
        // What a message's unbounded columns weigh: over the cap, they are
        // not read (the message fails as too large).
        let size = format!(
            "(coalesce(length(CAST(body AS BLOB)), 0) + \
              coalesce(length(CAST(template_data AS BLOB)), 0) + \
              coalesce(length(CAST({headers} AS BLOB)), 0))"
        );
        let sql = format!(
            "UPDATE courier_messages SET \
               status = CASE WHEN send_count > ?1 THEN 4 ELSE 3 END, \
               send_count = CASE WHEN send_count > ?1 THEN send_count ELSE send_count + 1 END, \
               updated_at = ?2 \
             WHERE id IN (SELECT id FROM courier_messages \
               WHERE nid = ?3 AND status = 1 AND (send_count = 0 OR updated_at <= ?4) \
               ORDER BY created_at, id LIMIT ?5) \
             RETURNING id, type, substr(recipient, 1, 1024), \
               CASE WHEN {size} <= ?6 THEN body END, substr(subject, 1, 1024), \
               substr(template_type, 1, 256), CASE WHEN {size} <= ?6 THEN template_data END, \
               {}, send_count, CASE WHEN {size} <= ?6 THEN {headers} END, status, created_at, \
               {size}",
            if self.columns.channel {
                "substr(channel, 1, 64)"
            } else {
                "NULL"
            },
        );
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| statement(&e))?;
        let mut rows = Vec::new();
        {
            let mut st = tx.prepare_cached(&sql).map_err(|e| statement(&e))?;
            let limit = i64::try_from(n).unwrap_or(i64::MAX);
            let mut q = st
                .query(params![
                    retries,
                    sqlite_time(now),
                    self.nid,
                    cutoff,
                    limit,
                    model::STORED_CAP as i64
                ])
                .map_err(|e| statement(&e))?;
            while let Some(r) = q.next().map_err(|e| statement(&e))? {
                let get = |i: usize| r.get_ref(i).map_err(|e| statement(&e));
                rows.push(Stored {
                    id: text(get(0)?),
                    kind: r.get(1).map_err(|e| statement(&e))?,
                    recipient: text(get(2)?),
                    body: text(get(3)?),
                    subject: text(get(4)?),
                    template_type: text(get(5)?),
                    template_data: match get(6)? {
                        ValueRef::Text(t) | ValueRef::Blob(t) => t.to_vec(),
                        _ => Vec::new(),
                    },
                    channel: opt_text(get(7)?),
                    send_count: r.get(8).map_err(|e| statement(&e))?,
                    request_headers: opt_text(get(9)?),
                    status: if r.get::<_, i64>(10).map_err(|e| statement(&e))? == 4 {
                        Status::Abandoned
                    } else {
                        Status::Processing
                    },
                    created_at: text(get(11)?),
                    size: u64::try_from(r.get::<_, i64>(12).map_err(|e| statement(&e))?)
                        .unwrap_or(0),
                });
            }
        }
        tx.commit().map_err(|e| statement(&e))?;
        rows.sort_by(|a, b| (&a.created_at, &a.id).cmp(&(&b.created_at, &b.id)));
        Ok(rows)
    }

    fn settle(&mut self, outcomes: &[Settle]) -> Result<usize, DbError> {
        let now = sqlite_time(unix_micros_now());
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| statement(&e))?;
        let mut lost = 0;
        {
            let mut update = tx
                .prepare_cached(
                    "UPDATE courier_messages SET status = ?1, updated_at = ?2, \
                       send_count = send_count - ?5 \
                     WHERE id = ?3 AND nid = ?4 AND status = 3",
                )
                .map_err(|e| statement(&e))?;
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO courier_message_dispatches \
                     (id, message_id, status, error, nid, created_at, updated_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                )
                .map_err(|e| statement(&e))?;
            for o in outcomes {
                if o.status != Status::Processing {
                    let changed = update
                        .execute(params![
                            o.status.code(),
                            now,
                            o.id,
                            self.nid,
                            i64::from(o.unclaim)
                        ])
                        .map_err(|e| statement(&e))?;
                    lost += usize::from(changed == 0);
                }
                if let Some(d) = &o.dispatch {
                    let (status, error) = match d {
                        Dispatch::Success => ("success", "null"),
                        Dispatch::Failed(e) => ("failed", e.as_str()),
                    };
                    insert
                        .execute(params![
                            model::uuid_v4(),
                            o.id,
                            status,
                            error,
                            self.nid,
                            now
                        ])
                        .map_err(|e| statement(&e))?;
                }
            }
        }
        tx.commit().map_err(|e| statement(&e))?;
        Ok(lost)
    }

    fn reclaim(&mut self, lease: Duration, held: &[String]) -> Result<u64, DbError> {
        let now = unix_micros_now();
        let lease = i64::try_from(lease.as_micros()).unwrap_or(i64::MAX);
        // The held ids as a JSON array, read back with json_each.
        let held = serde_json::to_string(held).unwrap_or_else(|_| "[]".into());
        let n = self
            .conn
            .execute(
                "UPDATE courier_messages SET status = 1, updated_at = ?1 \
                 WHERE nid = ?2 AND status = 3 AND updated_at < ?3 \
                   AND id NOT IN (SELECT value FROM json_each(?4))",
                params![
                    sqlite_time(now),
                    self.nid,
                    sqlite_time(now.saturating_sub(lease)),
                    held
                ],
            )
            .map_err(|e| statement(&e))?;
        Ok(n as u64)
    }

    fn foreign_claims(&mut self) -> Result<u64, DbError> {
        self.conn
            .query_row(
                "SELECT count(*) FROM courier_messages \
                 WHERE nid = ?1 AND status = 3 AND updated_at = created_at",
                params![self.nid],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| u64::try_from(n).unwrap_or(0))
            .map_err(|e| statement(&e))
    }

    fn depth(&mut self) -> Result<Depth, DbError> {
        self.conn
            .query_row(
                "SELECT coalesce(sum(status = 1), 0), coalesce(sum(status = 3), 0), \
                 coalesce((julianday('now') - julianday(min(CASE WHEN status = 1 \
                   THEN created_at END))) * 86400.0, 0.0) \
                 FROM courier_messages WHERE nid = ?1",
                params![self.nid],
                |r| {
                    Ok(Depth {
                        queued: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                        processing: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                        oldest_secs: r.get::<_, f64>(2)?.max(0.0),
                    })
                },
            )
            .map_err(|e| statement(&e))
    }
}
