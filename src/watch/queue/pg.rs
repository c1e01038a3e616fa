//! Kratos' queue in PostgreSQL (and CockroachDB, which speaks its
//! protocol): claims in one statement that takes the rows with `FOR UPDATE
//! SKIP LOCKED`, so any number of workers on any number of hosts share the
//! queue through the database alone. Every statement runs under a
//! statement timeout; a dropped connection is dialled again on next use.

use std::time::Duration;

use postgres::{Client, Config, NoTls, Statement};
use tokio_postgres_rustls as pgtls;

use super::model::{self, Columns, DbError, Depth, Dispatch, Queue, Settle, Status, Stored};
use crate::delivery::tls::{self, TlsOptions};
use crate::watch::dsn::PgTls;

/// Kratos' courier queue in PostgreSQL.
pub struct Pg {
    config: Config,
    /// The TLS client, unless `sslmode=disable`.
    tls: Option<pgtls::MakeRustlsConnect>,
    client: Option<Client>,
    timeout: Duration,
    nid: String,
    columns: Columns,
    /// The claim and the settle, prepared once per connection.
    statements: Option<Statements>,
}

struct Statements {
    claim: Statement,
    settle: Statement,
}

fn statement(e: &postgres::Error) -> DbError {
    DbError::Statement(describe(e))
}

/// The server's message when it sent one (the driver's own text says
/// only "db error").
fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

/// The error with its causes (a TLS failure is the cause of the driver's
/// "error performing TLS handshake").
fn describe_chain(e: &postgres::Error) -> String {
    let mut text = describe(e);
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// `key='value'` for the driver's connection string.
fn quoted(v: &str) -> String {
    format!("'{}'", v.replace('\\', "\\\\").replace('\'', "\\'"))
}

impl Pg {
    pub fn open(
        params: &[(String, String)],
        password: Option<&str>,
        tls: PgTls,
        nid: Option<&str>,
        timeout: Duration,
    ) -> Result<Self, DbError> {
        let text: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{k}={}", quoted(v)))
            .collect();
        let mut config: Config = text
            .join(" ")
            .parse()
            .map_err(|e: postgres::Error| DbError::Connect(describe(&e)))?;
        if let Some(p) = password {
            config.password(p);
        }
        if config.get_tcp_user_timeout().is_none() {
            config.tcp_user_timeout(timeout);
        }
        config.keepalives(true);
        let tls = match tls {
            PgTls::Off => None,
            PgTls::Unverified | PgTls::Verified => {
                let host = params
                    .iter()
                    .find(|(k, _)| k == "host")
                    .map_or("localhost", |(_, v)| v.as_str());
                let prepared = tls::prepare(&TlsOptions {
                    name: host.to_owned(),
                    skip_verify: tls == PgTls::Unverified,
                    client_cert: None,
                })
                .map_err(|e| DbError::Connect(e.to_string()))?;
                Some(pgtls::MakeRustlsConnect::new(prepared.config()))
            }
        };
        let mut pg = Self {
            config,
            tls,
            client: None,
            timeout,
            nid: String::new(),
            columns: Columns {
                channel: false,
                request_headers: false,
            },
            statements: None,
        };
        let client = pg.client()?;
        let columns = check_schema(client)?;
        let nid = model::network(nid, || {
            client
                .query_opt(
                    "SELECT id::text FROM networks ORDER BY created_at ASC LIMIT 1",
                    &[],
                )
                .map(|r| r.map(|r| r.get::<_, String>(0)))
                .map_err(|e| DbError::Schema(describe(&e)))
        })?;
        pg.nid = nid;
        pg.columns = columns;
        Ok(pg)
    }

    /// The connection, dialled again when the last one closed.
    fn client(&mut self) -> Result<&mut Client, DbError> {
        if self.client.as_ref().is_none_or(Client::is_closed) {
            let mut c = match &self.tls {
                Some(t) => self.config.connect(t.clone()),
                None => self.config.connect(NoTls),
            }
            .map_err(|e| {
                let text = describe_chain(&e);
                if text.contains("TLS handshake") {
                    DbError::Tls(text)
                } else {
                    DbError::Connect(text)
                }
            })?;
            let ms = self.timeout.as_millis().max(1);
            c.batch_execute(&format!(
                "SET statement_timeout = {ms}; SET idle_in_transaction_session_timeout = {}",
                ms.saturating_mul(2)
            ))
            .map_err(|e| DbError::Connect(describe(&e)))?;
            self.client = Some(c);
            self.statements = None;
        }
        self.client
            .as_mut()
            .ok_or_else(|| DbError::Connect("no connection".into()))
    }
}

impl Pg {
    /// The connection with the claim and the settle prepared on it.
    fn prepared(&mut self) -> Result<(&mut Client, &Statements), DbError> {
        let claim_sql = self.claim_sql();
        self.client()?;
        let (Some(client), statements) = (self.client.as_mut(), &mut self.statements) else {
            return Err(DbError::Connect("no connection".into()));
        };
        if statements.is_none() {
            let claim = client.prepare(&claim_sql).map_err(|e| statement(&e))?;
            let settle = client.prepare(&settle_sql()).map_err(|e| statement(&e))?;
            *statements = Some(Statements { claim, settle });
        }
        let st = statements
            .as_ref()
            .ok_or_else(|| DbError::Connect("no statements".into()))?;
        Ok((client, st))
    }

    /// The claim: the oldest claimable rows, locked or skipped, marked
    /// `processing` (or abandoned over the allowance) in one statement.
    fn claim_sql(&self) -> String {
        let (channel, headers) = (
            if self.columns.channel {
                "left(channel, 64)"
            } else {
                "NULL::text"
            },
            if self.columns.request_headers {
                "request_headers::text"
            } else {
                "NULL::text"
            },
        );
        // What a message's unbounded columns weigh: over the cap ($5),
        // they are not read (the message fails as too large).
        format!(
            "WITH c AS (UPDATE courier_messages SET \
               status = CASE WHEN send_count > $2::int8 THEN 4 ELSE 3 END, \
               send_count = CASE WHEN send_count > $2::int8 THEN send_count ELSE send_count + 1 END, \
               updated_at = {NOW} \
             WHERE id IN (SELECT id FROM courier_messages \
               WHERE nid = $1::text::uuid AND status = 1 \
                 AND (send_count = 0 OR updated_at <= {NOW} - $4::float8 * interval '1 second') \
               ORDER BY created_at, id LIMIT $3::int8 FOR UPDATE SKIP LOCKED) \
             RETURNING *), \
             x AS (SELECT c.*, {channel} AS ch, {headers} AS rh, \
               coalesce(octet_length(body), 0)::int8 + coalesce(octet_length(template_data), 0) \
               + coalesce(octet_length({headers}), 0) AS size FROM c) \
             SELECT id::text, type::int8, left(recipient, 1024), \
               CASE WHEN size <= $5::int8 THEN body END, left(subject, 1024), \
               left(template_type, 256), CASE WHEN size <= $5::int8 THEN template_data END, \
               ch, send_count::int8, CASE WHEN size <= $5::int8 THEN rh END, status::int8, \
               created_at::text, size FROM x"
        )
    }
}

/// Records a turn's outcomes in one statement: the status changes (each
/// guarded by `status = processing`) and the dispatch rows; its answer is
/// how many status changes took.
fn settle_sql() -> String {
    format!(
        "WITH u AS (SELECT * FROM unnest($1::text[], $2::int8[], $3::int8[]) \
           AS t(id, status, unclaim)), \
         upd AS (UPDATE courier_messages m SET status = u.status, updated_at = {NOW}, \
             send_count = m.send_count - u.unclaim \
           FROM u WHERE m.id = u.id::uuid AND m.nid = $4::text::uuid AND m.status = 3 \
           RETURNING 1), \
         ins AS (INSERT INTO courier_message_dispatches \
             (id, message_id, status, error, nid, created_at, updated_at) \
           SELECT d.id::uuid, d.mid::uuid, d.st, d.err::json, $4::text::uuid, {NOW}, {NOW} \
           FROM unnest($5::text[], $6::text[], $7::text[], $8::text[]) AS d(id, mid, st, err) \
           RETURNING 1) \
         SELECT count(*) FROM upd"
    )
}

fn check_schema(client: &mut Client) -> Result<Columns, DbError> {
    let mut of = |table: &str| -> Result<Vec<String>, DbError> {
        client
            .query(
                "SELECT column_name::text FROM information_schema.columns \
                 WHERE table_name = $1 AND table_schema = current_schema()",
                &[&table],
            )
            .map(|rows| rows.iter().map(|r| r.get::<_, String>(0)).collect())
            .map_err(|e| DbError::Schema(describe(&e)))
    };
    let messages = of("courier_messages")?;
    let dispatches = of("courier_message_dispatches")?;
    model::check_columns(&messages, &dispatches)
}

/// A UTC timestamp as Kratos' pop writes it: microseconds.
const NOW: &str = "(now() AT TIME ZONE 'UTC')";

impl Queue for Pg {
    fn kind(&self) -> &'static str {
        "PostgreSQL"
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
        let nid = self.nid.clone();
        let limit = i64::try_from(n).unwrap_or(i64::MAX);
        let wait = retry_wait.as_secs_f64();
        let cap = model::STORED_CAP as i64;
        let (client, st) = self.prepared()?;
        let rows = client
            .query(&st.claim, &[&nid, &retries, &limit, &wait, &cap])
            .map_err(|e| statement(&e))?;
        let mut out: Vec<Stored> = rows
            .iter()
            .map(|r| Stored {
                id: r.get(0),
                kind: r.get(1),
                recipient: r.get::<_, Option<String>>(2).unwrap_or_default(),
                body: r.get::<_, Option<String>>(3).unwrap_or_default(),
                subject: r.get::<_, Option<String>>(4).unwrap_or_default(),
                template_type: r.get::<_, Option<String>>(5).unwrap_or_default(),
                template_data: r.get::<_, Option<Vec<u8>>>(6).unwrap_or_default(),
                channel: r.get(7),
                send_count: r.get(8),
                request_headers: r.get(9),
                status: if r.get::<_, i64>(10) == 4 {
                    Status::Abandoned
                } else {
                    Status::Processing
                },
                created_at: r.get(11),
                size: u64::try_from(r.get::<_, i64>(12)).unwrap_or(0),
            })
            .collect();
        out.sort_by(|a, b| (&a.created_at, &a.id).cmp(&(&b.created_at, &b.id)));
        Ok(out)
    }

    fn settle(&mut self, outcomes: &[Settle]) -> Result<usize, DbError> {
        let nid = self.nid.clone();
        let (mut ids, mut statuses, mut unclaims) = (Vec::new(), Vec::new(), Vec::new());
        let mut dispatch: [Vec<String>; 4] = Default::default();
        for o in outcomes {
            if o.status != Status::Processing {
                ids.push(o.id.clone());
                statuses.push(o.status.code());
                unclaims.push(i64::from(o.unclaim));
            }
            if let Some(d) = &o.dispatch {
                let (status, error) = match d {
                    Dispatch::Success => ("success", "null"),
                    Dispatch::Failed(e) => ("failed", e.as_str()),
                };
                dispatch[0].push(model::uuid_v4());
                dispatch[1].push(o.id.clone());
                dispatch[2].push(status.to_owned());
                dispatch[3].push(error.to_owned());
            }
        }
        let (client, st) = self.prepared()?;
        let row = client
            .query_one(
                &st.settle,
                &[
                    &ids,
                    &statuses,
                    &unclaims,
                    &nid,
                    &dispatch[0],
                    &dispatch[1],
                    &dispatch[2],
                    &dispatch[3],
                ],
            )
            .map_err(|e| statement(&e))?;
        let changed = usize::try_from(row.get::<_, i64>(0)).unwrap_or(0);
        Ok(ids.len().saturating_sub(changed))
    }

    fn reclaim(&mut self, lease: Duration, held: &[String]) -> Result<u64, DbError> {
        let nid = self.nid.clone();
        let secs = lease.as_secs_f64();
        let held = held.to_vec();
        self.client()?
            .execute(
                &format!(
                    "UPDATE courier_messages SET status = 1, updated_at = {NOW} \
                     WHERE nid = $1::text::uuid AND status = 3 \
                       AND updated_at < {NOW} - $2::float8 * interval '1 second' \
                       AND NOT (id::text = ANY($3::text[]))"
                ),
                &[&nid, &secs, &held],
            )
            .map_err(|e| statement(&e))
    }

    fn foreign_claims(&mut self) -> Result<u64, DbError> {
        let nid = self.nid.clone();
        self.client()?
            .query_one(
                "SELECT count(*) FROM courier_messages \
                 WHERE nid = $1::text::uuid AND status = 3 AND updated_at = created_at",
                &[&nid],
            )
            .map(|r| u64::try_from(r.get::<_, i64>(0)).unwrap_or(0))
            .map_err(|e| statement(&e))
    }

    fn depth(&mut self) -> Result<Depth, DbError> {
        let nid = self.nid.clone();
        let r = self
            .client()?
            .query_one(
                &format!(
                    "SELECT count(*) FILTER (WHERE status = 1), \
                       count(*) FILTER (WHERE status = 3), \
                       coalesce(extract(epoch FROM {NOW} - \
                         min(created_at) FILTER (WHERE status = 1)), 0)::float8 \
                     FROM courier_messages WHERE nid = $1::text::uuid"
                ),
                &[&nid],
            )
            .map_err(|e| statement(&e))?;
        Ok(Depth {
            queued: u64::try_from(r.get::<_, i64>(0)).unwrap_or(0),
            processing: u64::try_from(r.get::<_, i64>(1)).unwrap_or(0),
            oldest_secs: r.get::<_, f64>(2).max(0.0),
        })
    }
}
