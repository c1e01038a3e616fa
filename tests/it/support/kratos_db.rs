//! Kratos' courier tables as each release's migrations leave them
//! (written from the facts in the reference: columns, types and indexes
//! per release and per database, not copied from Kratos' migrations), in
//! SQLite or in the test PostgreSQL, with messages queued the way Kratos
//! queues them.

use std::path::PathBuf;

use serde_json::Value;

use super::{my_cluster, postgres};

/// The releases whose schema the tests use.
pub const RELEASES: [&str; 5] = ["v1.0.0", "v1.3.1", "v25.4.0", "v26.2.0", "master"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Postgres,
    Sqlite,
    Mysql,
}

fn at_least(release: &str, since: &str) -> bool {
    let rank = |r: &str| {
        [
            "v1.0.0", "v1.1.0", "v1.2.0", "v1.3.0", "v1.3.1", "v25.4.0", "v26.2.0", "master",
        ]
        .iter()
        .position(|x| *x == r)
        .expect("a known release")
    };
    rank(release) >= rank(since)
}

/// The DDL of the `networks` and courier tables of `release`.
#[must_use]
pub fn ddl(release: &str, d: Dialect) -> String {
    let (uuid, int, text, ts, blob, json, jsonb) = match d {
        Dialect::Postgres => ("UUID", "INT", "TEXT", "TIMESTAMP", "BYTEA", "JSON", "JSONB"),
        Dialect::Sqlite => (
            "CHAR(36)", "INTEGER", "TEXT", "DATETIME", "BLOB", "TEXT", "JSONB",
        ),
        Dialect::Mysql => (
            "CHAR(36)", "INT", "TEXT", "DATETIME", "BLOB", "JSON", "JSON",
        ),
    };
    // SQLite's rebuild of the table dropped the foreign key.
    let nid_fk = if d == Dialect::Sqlite {
        ""
    } else {
        " REFERENCES networks(id) ON DELETE CASCADE"
    };
    let mut cols = vec![
        format!("id {uuid} NOT NULL PRIMARY KEY"),
        format!("type {int} NOT NULL"),
        format!("status {int} NOT NULL"),
        format!("body {text} NOT NULL"),
        "subject VARCHAR(255) NOT NULL".to_owned(),
        "recipient VARCHAR(255) NOT NULL".to_owned(),
        format!("created_at {ts} NOT NULL"),
        format!("updated_at {ts} NOT NULL"),
        "template_type VARCHAR(255) NOT NULL DEFAULT ''".to_owned(),
        format!("template_data {blob}"),
        format!("nid {uuid}{nid_fk}"),
        format!("send_count {int} NOT NULL DEFAULT 0"),
    ];
    if at_least(release, "v1.1.0") {
        cols.push("channel VARCHAR(32) NULL".to_owned());
    }
    if at_least(release, "v26.2.0") {
        cols.push(format!("request_headers {jsonb}"));
    }
    let mut sql = format!(
        "CREATE TABLE networks (id {uuid} NOT NULL PRIMARY KEY, created_at {ts} NOT NULL, \
         updated_at {ts} NOT NULL);\n\
         CREATE TABLE courier_messages ({});\n\
         CREATE TABLE courier_message_dispatches (id {uuid} NOT NULL PRIMARY KEY, \
         message_id {uuid} NOT NULL REFERENCES courier_messages(id) ON DELETE CASCADE, \
         status VARCHAR(7) NOT NULL, error {json}, nid {uuid} NOT NULL{nid_fk}, \
         created_at {ts} NOT NULL DEFAULT CURRENT_TIMESTAMP, \
         updated_at {ts} NOT NULL DEFAULT CURRENT_TIMESTAMP);\n",
        cols.join(", ")
    );
    let mut index = |name: &str, table: &str, on: &str| {
        sql.push_str(&format!("CREATE INDEX {name} ON {table} ({on});\n"));
    };
    let m = "courier_messages";
    if at_least(release, "v25.4.0") {
        index("cm_status_id", m, "status, id");
        index("cm_nid_id_created", m, "nid, id, created_at DESC");
    } else {
        index("cm_status", m, "status");
        index("cm_id_nid", m, "id, nid");
        index("cm_nid_id", m, "nid, id");
        index("cm_nid_created", m, "nid, created_at DESC");
    }
    index("cm_nid_status_created", m, "nid, status, created_at DESC");
    index(
        "cm_nid_recipient_created",
        m,
        "nid, recipient, created_at DESC",
    );
    if at_least(release, "master") {
        index("cm_nid_created_id", m, "nid, created_at DESC, id");
        index("cm_status_created", m, "status, created_at");
    }
    let disp = "courier_message_dispatches";
    if at_least(release, "v1.2.0") {
        index("cmd_message_created", disp, "message_id, created_at DESC");
        index("cmd_nid", disp, "nid");
    } else {
        index("cmd_id_message_nid", disp, "id, message_id, nid");
    }
    sql
}

/// A message to queue, as Kratos' enqueue writes it.
#[derive(Debug, Clone)]
pub struct Queued {
    /// 1 email, 2 SMS.
    pub kind: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub template_type: String,
    pub template_data: Value,
    pub request_headers: Value,
}

/// A message row read back.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageRow {
    pub id: String,
    pub status: i64,
    pub send_count: i64,
    pub recipient: String,
    /// Whether `updated_at` moved past `created_at` (Kratos never moves it).
    pub touched: bool,
}

/// A dispatch row read back.
#[derive(Debug, Clone, PartialEq)]
pub struct DispatchRow {
    pub id: String,
    pub message_id: String,
    pub status: String,
    pub error: Option<String>,
    pub nid: String,
}

enum Conn {
    Sqlite(PathBuf),
    Postgres(String),
    Mysql(String),
}

/// Kratos' database of one release with one network.
pub struct KratosDb {
    pub release: &'static str,
    pub nid: String,
    conn: Conn,
    queued: u64,
    _dir: Option<tempfile::TempDir>,
}

/// A fixed, realistic network id.
pub const NID: &str = "8f6b8e3e-0f3a-4f0e-9b53-2c4a0e7d1a10";
/// The base time of queued messages (2026-01-01), in µs; each message is
/// a second later than the last (MySQL's DATETIME keeps whole seconds), so
/// their order is known.
const BASE_MICROS: i64 = 1_767_225_600_000_000;

impl KratosDb {
    /// A fresh SQLite database of `release`.
    pub fn sqlite(release: &'static str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("kratos.sqlite");
        let c = rusqlite::Connection::open(&path).expect("create the SQLite file");
        c.execute_batch(&ddl(release, Dialect::Sqlite))
            .expect("the SQLite schema");
        let db = Self {
            release,
            nid: NID.to_owned(),
            conn: Conn::Sqlite(path),
            queued: 0,
            _dir: Some(dir),
        };
        db.exec(&format!(
            "INSERT INTO networks (id, created_at, updated_at) VALUES ('{NID}', \
             '2025-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00')"
        ));
        db
    }

    /// A fresh database of `release` in the test PostgreSQL.
    pub fn postgres(release: &'static str) -> Self {
        let name = postgres::cluster().database();
        let db = Self {
            release,
            nid: NID.to_owned(),
            conn: Conn::Postgres(name),
            queued: 0,
            _dir: None,
        };
        db.exec(&ddl(release, Dialect::Postgres));
        db.exec(&format!(
            "INSERT INTO networks (id, created_at, updated_at) VALUES ('{NID}', \
             '2025-01-01 00:00:00', '2025-01-01 00:00:00')"
        ));
        db
    }

    /// A fresh database of `release` in the test MariaDB.
    pub fn mysql(release: &'static str) -> Self {
        let name = my_cluster::server().database();
        let db = Self {
            release,
            nid: NID.to_owned(),
            conn: Conn::Mysql(name),
            queued: 0,
            _dir: None,
        };
        db.exec(&ddl(release, Dialect::Mysql));
        db.exec(&format!(
            "INSERT INTO networks (id, created_at, updated_at) VALUES ('{NID}', \
             '2025-01-01 00:00:00', '2025-01-01 00:00:00')"
        ));
        db
    }

    /// The DSN Kratos would be given.
    pub fn dsn(&self) -> String {
        match &self.conn {
            Conn::Sqlite(p) => format!("sqlite://{}?_fk=true", p.display()),
            Conn::Postgres(name) => format!(
                "postgres://postgres:unused-secret-pw@127.0.0.1:{}/{name}?sslmode=disable&max_conns=20",
                postgres::cluster().port
            ),
            Conn::Mysql(name) => format!(
                "mysql://root:unused-secret-pw@tcp(127.0.0.1:{})/{name}?parseTime=true&multiStatements=true",
                my_cluster::server().port
            ),
        }
    }

    /// Runs SQL statements.
    pub fn exec(&self, sql: &str) {
        match &self.conn {
            Conn::Sqlite(p) => rusqlite::Connection::open(p)
                .and_then(|c| c.execute_batch(sql))
                .expect("SQLite statements"),
            Conn::Postgres(name) => postgres::cluster()
                .client(name)
                .batch_execute(sql)
                .expect("PostgreSQL statements"),
            Conn::Mysql(name) => {
                use mysql::prelude::Queryable;
                my_cluster::server()
                    .client(name)
                    .query_drop(sql)
                    .expect("MariaDB statements");
            }
        }
    }

    /// Queues messages as Kratos does (one transaction); their ids, in
    /// order.
    pub fn enqueue(&mut self, messages: &[Queued]) -> Vec<String> {
        let channel = at_least(self.release, "v1.1.0");
        let headers = at_least(self.release, "v26.2.0");
        let text = |v: &str| format!("'{}'", v.replace('\'', "''"));
        let mut sql = String::from("BEGIN;\n");
        let mut ids = Vec::new();
        for m in messages {
            let id = courier::watch::queue::uuid_v4();
            let mut at =
                courier::calendar::sqlite_time(BASE_MICROS + self.queued as i64 * 1_000_000);
            if matches!(self.conn, Conn::Mysql(_)) {
                // MySQL's DATETIME takes no offset.
                at.truncate(at.len() - "+00:00".len());
            }
            let at = text(&at);
            self.queued += 1;
            let hex: String = serde_json::to_vec(&m.template_data)
                .expect("json")
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            let data = match self.conn {
                Conn::Sqlite(_) | Conn::Mysql(_) => format!("X'{hex}'"),
                Conn::Postgres(_) => format!("'\\x{hex}'::bytea"),
            };
            let (mut cols, mut values) = (
                "id, type, status, body, subject, recipient, created_at, updated_at, \
                 template_type, template_data, nid, send_count"
                    .to_owned(),
                format!(
                    "{}, {}, 1, {}, {}, {}, {at}, {at}, {}, {data}, {}, 0",
                    text(&id),
                    m.kind,
                    text(&m.body),
                    text(&m.subject),
                    text(&m.recipient),
                    text(&m.template_type),
                    text(&self.nid)
                ),
            );
            if channel {
                cols.push_str(", channel");
                values.push_str(if m.kind == 1 { ", 'email'" } else { ", 'sms'" });
            }
            if headers {
                cols.push_str(", request_headers");
                values.push_str(&format!(", {}", text(&m.request_headers.to_string())));
            }
            sql.push_str(&format!(
                "INSERT INTO courier_messages ({cols}) VALUES ({values});\n"
            ));
            ids.push(id);
        }
        sql.push_str("COMMIT;");
        self.exec(&sql);
        ids
    }

    /// Every message, in queue order.
    pub fn messages(&self) -> Vec<MessageRow> {
        self.rows(
            "SELECT id, status, send_count, recipient, updated_at <> created_at \
             FROM courier_messages ORDER BY created_at, id",
        )
        .into_iter()
        .map(|r| MessageRow {
            id: r[0].clone().unwrap_or_default(),
            status: number(&r[1]),
            send_count: number(&r[2]),
            recipient: r[3].clone().unwrap_or_default(),
            touched: matches!(r[4].as_deref(), Some("1" | "true")),
        })
        .collect()
    }

    /// Every dispatch row.
    pub fn dispatches(&self) -> Vec<DispatchRow> {
        self.rows(&format!(
            "SELECT id, message_id, status, CAST(error AS {}) AS error, nid \
                 FROM courier_message_dispatches ORDER BY created_at, id",
            if matches!(self.conn, Conn::Mysql(_)) {
                "CHAR"
            } else {
                "TEXT"
            }
        ))
        .into_iter()
        .map(|r| DispatchRow {
            id: r[0].clone().unwrap_or_default(),
            message_id: r[1].clone().unwrap_or_default(),
            status: r[2].clone().unwrap_or_default(),
            error: r[3].clone(),
            nid: r[4].clone().unwrap_or_default(),
        })
        .collect()
    }

    /// The rows of a query, each column as text (`NULL` as `None`).
    fn rows(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        match &self.conn {
            Conn::Sqlite(p) => {
                use rusqlite::types::ValueRef;
                let c = rusqlite::Connection::open(p).expect("open");
                let mut st = c.prepare(sql).expect("prepare");
                let n = st.column_count();
                st.query_map([], |r| {
                    (0..n)
                        .map(|i| {
                            Ok(match r.get_ref(i)? {
                                ValueRef::Null => None,
                                ValueRef::Integer(v) => Some(v.to_string()),
                                ValueRef::Real(v) => Some(v.to_string()),
                                ValueRef::Text(t) | ValueRef::Blob(t) => {
                                    Some(String::from_utf8_lossy(t).into_owned())
                                }
                            })
                        })
                        .collect()
                })
                .expect("query")
                .collect::<Result<_, _>>()
                .expect("rows")
            }
            Conn::Mysql(name) => {
                use mysql::prelude::Queryable;
                let rows: Vec<mysql::Row> =
                    my_cluster::server().client(name).query(sql).expect("query");
                rows.into_iter()
                    .map(|r| {
                        r.unwrap()
                            .into_iter()
                            .map(|v| match v {
                                mysql::Value::NULL => None,
                                mysql::Value::Bytes(b) => {
                                    Some(String::from_utf8_lossy(&b).into_owned())
                                }
                                other => Some(other.as_sql(true)),
                            })
                            .collect()
                    })
                    .collect()
            }
            Conn::Postgres(name) => {
                // Every column as text, by a query around the query.
                let mut c = postgres::cluster().client(name);
                let wrapped = format!("SELECT to_json(q)::text FROM ({sql}) q");
                c.query(&wrapped, &[])
                    .expect("query")
                    .iter()
                    .map(|r| {
                        let v: serde_json::Value =
                            serde_json::from_str(&r.get::<_, String>(0)).expect("json");
                        v.as_object()
                            .expect("a row")
                            .values()
                            .map(|x| match x {
                                serde_json::Value::Null => None,
                                serde_json::Value::String(s) => Some(s.clone()),
                                other => Some(other.to_string()),
                            })
                            .collect()
                    })
                    .collect()
            }
        }
    }
}

/// A whole number read as text.
fn number(v: &Option<String>) -> i64 {
    v.as_deref().and_then(|s| s.parse().ok()).expect("a number")
}
