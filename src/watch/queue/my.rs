//! Kratos' queue in MySQL (8.0.1+) or MariaDB (10.6+): a claim is a short
//! transaction, `SELECT … FOR UPDATE SKIP LOCKED` then an `UPDATE` that
//! requires the rows to be still queued, so processes on any hosts share
//! the queue. Times are UTC, written by the server (`UTC_TIMESTAMP`). Every
//! statement runs under the server's statement time limit; a connection
//! that failed is dialled again on next use.

use std::time::Duration;

use mysql::prelude::Queryable;
use mysql::{Conn, OptsBuilder, Params, Row, TxOpts, Value};

use super::model::{self, Columns, DbError, Depth, Dispatch, Queue, Settle, Status, Stored};
use crate::watch::dsn::{CONNECT_TIMEOUT, MysqlTarget};

/// Kratos' courier queue in MySQL or MariaDB.
pub struct My {
    opts: OptsBuilder,
    conn: Option<Conn>,
    timeout: Duration,
    nid: String,
    columns: Columns,
}

fn statement(e: &mysql::Error) -> DbError {
    DbError::Statement(e.to_string())
}

fn params(values: Vec<Value>) -> Params {
    Params::Positional(values)
}

impl My {
    pub fn open(t: &MysqlTarget, nid: Option<&str>, timeout: Duration) -> Result<Self, DbError> {
        let mut opts = OptsBuilder::new()
            .user(Some(&t.user))
            .pass(t.password.as_deref())
            .db_name(Some(&t.db))
            .tcp_connect_timeout(Some(CONNECT_TIMEOUT))
            .read_timeout(Some(timeout))
            .write_timeout(Some(timeout));
        opts = match &t.socket {
            Some(path) => opts.socket(Some(path.display().to_string())),
            None => opts.ip_or_hostname(Some(&t.host)).tcp_port(t.port),
        };
        let mut my = Self {
            opts,
            conn: None,
            timeout,
            nid: String::new(),
            columns: Columns {
                channel: false,
                request_headers: false,
            },
        };
        let conn = my.conn()?;
        let mut of = |table: &str| -> Result<Vec<String>, DbError> {
            conn.exec(
                "SELECT CAST(column_name AS CHAR) FROM information_schema.columns \
                 WHERE table_schema = DATABASE() AND table_name = ?",
                (table,),
            )
            .map_err(|e| DbError::Schema(e.to_string()))
        };
        let (messages, dispatches) = (of("courier_messages")?, of("courier_message_dispatches")?);
        let columns = model::check_columns(&messages, &dispatches)?;
        let nid = model::network(nid, || {
            conn.query_first::<String, _>(
                "SELECT CAST(id AS CHAR) FROM networks ORDER BY created_at ASC LIMIT 1",
            )
            .map_err(|e| DbError::Schema(e.to_string()))
        })?;
        my.nid = nid;
        my.columns = columns;
        Ok(my)
    }

    /// The connection, dialled again when the last one failed.
    fn conn(&mut self) -> Result<&mut Conn, DbError> {
        if self.conn.is_none() {
            let mut c =
                Conn::new(self.opts.clone()).map_err(|e| DbError::Connect(e.to_string()))?;
            let secs = self.timeout.as_secs().max(1);
            c.query_drop(format!(
                "SET SESSION time_zone = '+00:00', SESSION innodb_lock_wait_timeout = {secs}"
            ))
            .map_err(|e| DbError::Connect(e.to_string()))?;
            // MariaDB's statement limit, else MySQL's (reads only).
            if c.query_drop(format!("SET SESSION max_statement_time = {secs}"))
                .is_err()
            {
                let _ = c.query_drop(format!("SET SESSION max_execution_time = {}", secs * 1000));
            }
            self.conn = Some(c);
        }
        self.conn
            .as_mut()
            .ok_or_else(|| DbError::Connect("no connection".into()))
    }

    /// Runs `step` on the connection; a failure drops the connection, so
    /// the next step dials again.
    fn with<T>(
        &mut self,
        step: impl FnOnce(&mut Conn, &str) -> Result<T, mysql::Error>,
    ) -> Result<T, DbError> {
        let nid = self.nid.clone();
        let conn = self.conn()?;
        step(conn, &nid).map_err(|e| {
            self.conn = None;
            statement(&e)
        })
    }

    /// The claim's SELECT: the oldest claimable rows, locked or skipped;
    /// a message over the cap (?1) is not read.
    fn select_sql(&self) -> String {
        let headers = if self.columns.request_headers {
            "CAST(request_headers AS CHAR)"
        } else {
            "NULL"
        };
        let size = format!(
            "(coalesce(octet_length(body), 0) + coalesce(octet_length(template_data), 0) \
              + coalesce(octet_length({headers}), 0))"
        );
        format!(
            "SELECT CAST(id AS CHAR), type, left(recipient, 1024), \
               CASE WHEN {size} <= ? THEN body END, left(subject, 1024), \
               left(template_type, 256), CASE WHEN {size} <= ? THEN template_data END, {}, \
               send_count, CASE WHEN {size} <= ? THEN {headers} END, \
               CAST(created_at AS CHAR), {size} \
             FROM courier_messages WHERE nid = ? AND status = 1 \
               AND (send_count = 0 OR updated_at <= UTC_TIMESTAMP(6) - INTERVAL ? MICROSECOND) \
             ORDER BY created_at, id LIMIT ? FOR UPDATE SKIP LOCKED",
            if self.columns.channel {
                "left(channel, 64)"
            } else {
                "NULL"
            },
        )
    }
}

/// A column of a row as `T`; `None` when it is NULL or does not convert.
fn col<T: mysql::prelude::FromValue>(r: &mut Row, i: usize) -> Option<T> {
    r.take_opt::<Option<T>, _>(i).and_then(Result::ok).flatten()
}

/// A text column, its bytes read as UTF-8 (invalid sequences replaced, as
/// on SQLite, rather than stopping the worker).
fn text(r: &mut Row, i: usize) -> Option<String> {
    col::<Vec<u8>>(r, i).map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// A claimed row as Kratos stored it, with the status and send count the
/// claim gives it.
fn stored(mut r: Row, retries: i64) -> Stored {
    let before: i64 = col(&mut r, 8).unwrap_or(0);
    let over = before > retries;
    Stored {
        id: text(&mut r, 0).unwrap_or_default(),
        kind: col(&mut r, 1).unwrap_or(0),
        recipient: text(&mut r, 2).unwrap_or_default(),
        body: text(&mut r, 3).unwrap_or_default(),
        subject: text(&mut r, 4).unwrap_or_default(),
        template_type: text(&mut r, 5).unwrap_or_default(),
        template_data: col(&mut r, 6).unwrap_or_default(),
        channel: text(&mut r, 7),
        send_count: if over { before } else { before + 1 },
        request_headers: text(&mut r, 9),
        status: if over {
            Status::Abandoned
        } else {
            Status::Processing
        },
        created_at: text(&mut r, 10).unwrap_or_default(),
        size: col(&mut r, 11).unwrap_or(0),
    }
}

impl Queue for My {
    fn kind(&self) -> &'static str {
        "MySQL"
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
        let select = self.select_sql();
        let cap = model::STORED_CAP as u64;
        let wait = u64::try_from(retry_wait.as_micros()).unwrap_or(u64::MAX);
        self.with(|c, nid| {
            let mut tx = c.start_transaction(TxOpts::default())?;
            let rows: Vec<Row> = tx.exec(
                &select,
                params(vec![
                    cap.into(),
                    cap.into(),
                    cap.into(),
                    nid.into(),
                    wait.into(),
                    (n as u64).into(),
                ]),
            )?;
            let claimed: Vec<Stored> = rows.into_iter().map(|r| stored(r, retries)).collect();
            if !claimed.is_empty() {
                let marks = vec!["?"; claimed.len()].join(", ");
                let mut values: Vec<Value> = vec![retries.into(), retries.into(), nid.into()];
                values.extend(claimed.iter().map(|m| Value::from(m.id.as_str())));
                tx.exec_drop(
                    format!(
                        "UPDATE courier_messages SET \
                           status = CASE WHEN send_count > ? THEN 4 ELSE 3 END, \
                           send_count = CASE WHEN send_count > ? THEN send_count ELSE send_count + 1 END, \
                           updated_at = UTC_TIMESTAMP(6) \
                         WHERE nid = ? AND status = 1 AND id IN ({marks})"
                    ),
                    params(values),
                )?;
            }
            tx.commit()?;
            Ok(claimed)
        })
    }

    fn settle(&mut self, outcomes: &[Settle]) -> Result<usize, DbError> {
        self.with(|c, nid| {
            let mut tx = c.start_transaction(TxOpts::default())?;
            let mut lost = 0;
            for o in outcomes {
                if o.status != Status::Processing {
                    tx.exec_drop(
                        "UPDATE courier_messages SET status = ?, updated_at = UTC_TIMESTAMP(6), \
                           send_count = send_count - ? \
                         WHERE id = ? AND nid = ? AND status = 3",
                        (o.status.code(), i64::from(o.unclaim), &o.id, nid),
                    )?;
                    lost += usize::from(tx.affected_rows() == 0);
                }
                if let Some(d) = &o.dispatch {
                    let (status, error) = match d {
                        Dispatch::Success => ("success", "null"),
                        Dispatch::Failed(e) => ("failed", e.as_str()),
                    };
                    tx.exec_drop(
                        "INSERT INTO courier_message_dispatches \
                         (id, message_id, status, error, nid, created_at, updated_at) \
                         VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))",
                        (model::uuid_v4(), &o.id, status, error, nid),
                    )?;
                }
            }
            tx.commit()?;
            Ok(lost)
        })
    }

    fn reclaim(&mut self, lease: Duration, held: &[String]) -> Result<u64, DbError> {
        let lease = u64::try_from(lease.as_micros()).unwrap_or(u64::MAX);
        let held = serde_json::to_string(held).unwrap_or_else(|_| "[]".into());
        self.with(|c, nid| {
            c.exec_drop(
                "UPDATE courier_messages SET status = 1, updated_at = UTC_TIMESTAMP(6) \
                 WHERE nid = ? AND status = 3 \
                   AND updated_at < UTC_TIMESTAMP(6) - INTERVAL ? MICROSECOND \
                   AND NOT JSON_CONTAINS(?, JSON_QUOTE(CAST(id AS CHAR)))",
                (nid, lease, held),
            )?;
            Ok(c.affected_rows())
        })
    }

    fn foreign_claims(&mut self) -> Result<u64, DbError> {
        self.with(|c, nid| {
            c.exec_first::<u64, _, _>(
                "SELECT count(*) FROM courier_messages \
                 WHERE nid = ? AND status = 3 AND updated_at = created_at",
                (nid,),
            )
            .map(Option::unwrap_or_default)
        })
    }

    fn depth(&mut self) -> Result<Depth, DbError> {
        self.with(|c, nid| {
            let row: Option<(i64, i64, f64)> = c.exec_first(
                "SELECT CAST(coalesce(sum(status = 1), 0) AS SIGNED), \
                   CAST(coalesce(sum(status = 3), 0) AS SIGNED), \
                   CAST(coalesce(TIMESTAMPDIFF(MICROSECOND, \
                     min(CASE WHEN status = 1 THEN created_at END), UTC_TIMESTAMP(6)), 0) \
                     / 1e6 AS DOUBLE) \
                 FROM courier_messages WHERE nid = ?",
                (nid,),
            )?;
            let (q, p, lag) = row.unwrap_or_default();
            Ok(Depth {
                queued: u64::try_from(q).unwrap_or(0),
                processing: u64::try_from(p).unwrap_or(0),
                oldest_secs: lag.max(0.0),
            })
        })
    }
}
