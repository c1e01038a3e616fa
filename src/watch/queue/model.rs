//! What Kratos' queue holds and what a backend is asked to do: a claimed
//! message, an outcome to record, the [`Queue`] trait every database
//! implements, the dispatch row's error JSON and ids.

use std::time::Duration;

/// Kratos' message statuses (`courier/message.go`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Queued = 1,
    Sent = 2,
    Processing = 3,
    Abandoned = 4,
}

impl Status {
    #[must_use]
    pub fn code(self) -> i64 {
        self as i64
    }
}

/// A claimed message, as Kratos stored it.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub id: String,
    /// 1 email, 2 SMS.
    pub kind: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub template_type: String,
    pub template_data: Vec<u8>,
    /// `email` or `sms`; `None` on rows from v1.0.0 (or its schema).
    pub channel: Option<String>,
    /// After the claim (counted before sending, as Kratos counts).
    pub send_count: i64,
    /// `request_headers` as JSON text (from v26.2.0's schema).
    pub request_headers: Option<String>,
    /// `Processing`, or `Abandoned` when the claim found it over the
    /// allowance (Kratos abandons those unsent, without a dispatch).
    pub status: Status,
    /// When Kratos queued it, as the database shows it.
    pub created_at: String,
    /// The bytes of its body, template data and request headers: over
    /// [`STORED_CAP`], they were not read (left empty).
    pub size: u64,
}

/// The most bytes of a stored message's body, template data and request
/// headers together that a claim reads (Kratos queues a few KiB).
pub const STORED_CAP: usize = 1 << 20;

/// A dispatch row to write with an outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dispatch {
    Success,
    /// Failed, with the error as Kratos writes it ([`error_json`]).
    Failed(String),
}

/// What becomes of a claimed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settle {
    pub id: String,
    /// The status it is left in (`Processing` keeps it claimed: an
    /// attempt whose outcome is unknown).
    pub status: Status,
    pub dispatch: Option<Dispatch>,
    /// Never attempted (a worker stopping): back to `queued` with the
    /// send count the claim raised lowered again.
    pub unclaim: bool,
}

/// What the queue looks like (for the health line and the metrics).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Depth {
    pub queued: u64,
    pub processing: u64,
    /// Seconds the oldest queued message has waited.
    pub oldest_secs: f64,
}

/// Which optional columns the database's schema has (they came with
/// later releases).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Columns {
    /// `channel` (v1.1.0).
    pub channel: bool,
    /// `request_headers` (v26.2.0).
    pub request_headers: bool,
}

/// Why the queue cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The database cannot be reached or refused the connection.
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    /// The SQLite file the DSN names does not exist.
    #[error("{0}: no such SQLite file")]
    NoFile(String),
    /// The TLS handshake with the database failed.
    #[error("cannot connect to the database: {0}")]
    Tls(String),
    /// The tables are not Kratos' courier tables of a known release.
    #[error("the database does not hold Kratos' courier queue: {0}")]
    Schema(String),
    /// No network row and no --nid.
    #[error("{0}")]
    Network(String),
    /// A statement failed.
    #[error("a database statement failed: {0}")]
    Statement(String),
}

/// Kratos' courier queue in one database.
pub trait Queue: Send {
    /// The database, for messages (`PostgreSQL`, `SQLite`).
    fn kind(&self) -> &'static str;
    /// The network id every statement is scoped by.
    fn nid(&self) -> &str;
    /// Claims up to `n` queued messages, oldest first, in one statement:
    /// each is marked `processing` with its send count raised, unless it
    /// is over `retries`, which abandons it instead (both stamp
    /// `updated_at`). A message that failed waits `retry_wait` (from its
    /// last update) before it can be claimed again.
    fn claim(
        &mut self,
        n: usize,
        retries: i64,
        retry_wait: Duration,
    ) -> Result<Vec<Stored>, DbError>;
    /// Records outcomes in one transaction: each status change requires
    /// the message to be still `processing`; returns how many were not
    /// (someone else took them over).
    fn settle(&mut self, outcomes: &[Settle]) -> Result<usize, DbError>;
    /// Puts back to `queued` the messages left `processing` for longer
    /// than `lease`, except those this worker `held`; returns how many.
    fn reclaim(&mut self, lease: Duration, held: &[String]) -> Result<u64, DbError>;
    /// Messages `processing` that look claimed by Kratos' own worker
    /// (which never touches `updated_at`).
    fn foreign_claims(&mut self) -> Result<u64, DbError>;
    fn depth(&mut self) -> Result<Depth, DbError>;
}

/// The columns every release since v1.0.0 has.
const MESSAGE_COLUMNS: [&str; 12] = [
    "id",
    "type",
    "status",
    "body",
    "subject",
    "recipient",
    "created_at",
    "updated_at",
    "template_type",
    "template_data",
    "nid",
    "send_count",
];
const DISPATCH_COLUMNS: [&str; 7] = [
    "id",
    "message_id",
    "status",
    "error",
    "nid",
    "created_at",
    "updated_at",
];

/// Checks the two tables' columns (as the database lists them) against
/// every release's, and finds the optional ones.
pub(super) fn check_columns(
    messages: &[String],
    dispatches: &[String],
) -> Result<Columns, DbError> {
    for (table, have, need) in [
        ("courier_messages", messages, &MESSAGE_COLUMNS[..]),
        (
            "courier_message_dispatches",
            dispatches,
            &DISPATCH_COLUMNS[..],
        ),
    ] {
        if have.is_empty() {
            return Err(DbError::Schema(format!(
                "there is no table `{table}` (are Kratos' migrations applied?)"
            )));
        }
        let missing: Vec<&str> = need
            .iter()
            .filter(|c| !have.iter().any(|h| h == *c))
            .copied()
            .collect();
        if !missing.is_empty() {
            return Err(DbError::Schema(format!(
                "`{table}` lacks {} (it is not the table of a Kratos release since v1.0.0)",
                missing.join(", ")
            )));
        }
    }
    let has = |c: &str| messages.iter().any(|m| m == c);
    Ok(Columns {
        channel: has("channel"),
        request_headers: has("request_headers"),
    })
}

/// The error column of a failed dispatch, as Kratos writes it: herodot's
/// default error as JSON (`code`, `status`, `reason` when Kratos gives
/// one, `message`); `smtp` adds the SMTP channel's reason.
#[must_use]
pub fn error_json(message: &str, smtp: bool) -> String {
    let mut m = serde_json::Map::new();
    m.insert("code".into(), 500.into());
    m.insert("status".into(), "Internal Server Error".into());
    if smtp {
        m.insert("reason".into(), "failed to send email via smtp".into());
    }
    m.insert("message".into(), message.into());
    serde_json::Value::Object(m).to_string()
}

/// The network to scope by: `given` (`--nid`), or the oldest network as
/// Kratos picks it (`oldest` reads it; `None`: the table is empty).
pub fn network(
    given: Option<&str>,
    oldest: impl FnOnce() -> Result<Option<String>, DbError>,
) -> Result<String, DbError> {
    let nid = match given {
        Some(n) => n.to_ascii_lowercase(),
        None => oldest()?.ok_or_else(|| {
            DbError::Network(
                "the database has no network yet (Kratos creates one when it starts); \
                 pass --nid"
                    .into(),
            )
        })?,
    };
    if is_uuid(&nid) {
        Ok(nid)
    } else {
        Err(DbError::Network(format!(
            "the network id `{nid}` is not a UUID"
        )))
    }
}

/// A random (version 4) UUID, as Kratos gives dispatch rows.
#[must_use]
pub fn uuid_v4() -> String {
    let hex = crate::delivery::tls::random_hex(16);
    let mut b: Vec<char> = hex.chars().collect();
    b[12] = '4';
    let variant = b[16].to_digit(16).unwrap_or(0);
    b[16] = char::from_digit(8 | (variant & 3), 16).unwrap_or('8');
    let s: String = b.into_iter().collect();
    format!(
        "{}-{}-{}-{}-{}",
        &s[0..8],
        &s[8..12],
        &s[12..16],
        &s[16..20],
        &s[20..32]
    )
}

/// Whether `s` is a UUID in its text form.
#[must_use]
pub fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

#[cfg(test)]
mod tests {
    use super::{error_json, is_uuid, uuid_v4};

    #[test]
    fn dispatch_errors_have_herodots_shape() {
        assert_eq!(
            error_json("dial tcp: refused", true),
            r#"{"code":500,"status":"Internal Server Error","reason":"failed to send email via smtp","message":"dial tcp: refused"}"#
        );
        assert_eq!(
            error_json("x", false),
            r#"{"code":500,"status":"Internal Server Error","message":"x"}"#
        );
    }

    #[test]
    fn uuids_are_version_4() {
        for _ in 0..100 {
            let u = uuid_v4();
            assert!(is_uuid(&u), "{u}");
            assert_eq!(&u[14..15], "4");
            assert!("89ab".contains(&u[19..20]), "{u}");
        }
        assert!(!is_uuid("not-a-uuid"));
    }
}
