//! The delivery journal of a batch: an embedded SQLite file (bundled, so
//! nothing needs installing) that records every message's state — the
//! states of Kratos' courier: queued, processing, sent, abandoned — its
//! attempt count, times, and every attempt's outcome. Re-running a batch
//! reads it to resume; `courier log` reads it to show what happened.
//! Secrets never reach it (callers pass redacted text). The only `rusqlite`
//! user.

pub mod view;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::Serialize;

/// The journal's schema version (in `PRAGMA user_version`).
const VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY,
    row_key TEXT NOT NULL,
    recipient TEXT NOT NULL,
    template_type TEXT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    send_count INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_recipient ON messages (recipient);
CREATE TABLE IF NOT EXISTS dispatches (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL,
    status TEXT NOT NULL,
    reply TEXT,
    error TEXT,
    ms REAL NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS dispatches_message ON dispatches (message_id);
CREATE TABLE IF NOT EXISTS batch (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
";

/// Why the journal cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("journal {path}: {message}")]
pub struct JournalError {
    pub path: String,
    pub message: String,
    /// Another run holds the journal.
    pub busy: bool,
    /// It was opened for reading (`courier log`), not for a batch.
    pub reading: bool,
}

impl JournalError {
    /// SQLite found the file damaged (or not a database at all).
    #[must_use]
    pub fn damaged(&self) -> bool {
        self.message.contains("malformed") || self.message.contains("not a database")
    }
}

/// `PRAGMA application_id` of a courier journal ("Cour"): a database
/// without it is not one, and is never written to.
const APPLICATION_ID: i64 = 0x436f_7572;

/// A message's state, as Kratos names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Queued,
    Processing,
    Sent,
    Abandoned,
}

impl Status {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Processing => "processing",
            Status::Sent => "sent",
            Status::Abandoned => "abandoned",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "queued" => Some(Status::Queued),
            "processing" => Some(Status::Processing),
            "sent" => Some(Status::Sent),
            "abandoned" => Some(Status::Abandoned),
            _ => None,
        }
    }
}

/// What the journal knows about a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    pub key: String,
    pub status: Status,
    pub send_count: u32,
}

/// A message about to be attempted.
#[derive(Debug, Clone)]
pub struct Claim {
    /// The row's line in the input (the message id).
    pub id: u64,
    pub key: String,
    pub recipient: String,
    pub template_type: String,
    pub channel: &'static str,
    /// The row at this line changed since an earlier run (it had never
    /// been delivered): its history is dropped.
    pub replace: bool,
}

/// One change, applied with others in one transaction.
#[derive(Debug, Clone)]
pub enum Change {
    /// `processing`, one more attempt (Kratos counts before sending).
    Claim(Claim),
    /// The outcome of an attempt and the state it leaves.
    Attempt {
        id: u64,
        attempt: u32,
        success: bool,
        reply: Option<String>,
        error: Option<String>,
        ms: f64,
        status: Status,
    },
    /// Claimed but never attempted (an interrupted batch): back to queued.
    /// The status it had before (a new row goes back to queued).
    Unclaim(u64, Status),
    /// Claimed but it cannot be rendered (a bad row): back as
    /// [`Change::Unclaim`], and gone from the journal when it never had an
    /// attempt (a bad row is not journaled).
    Forget(u64, Status),
}

/// An open journal.
pub struct Journal {
    // Dropped first: the connection closes before the lock's file handle,
    // so closing that handle cannot drop SQLite's own locks.
    conn: Connection,
    path: PathBuf,
    /// An exclusive advisory lock on the file while a batch writes it
    /// (`None`: opened for reading).
    _lock: Option<std::fs::File>,
    /// The private copy a reader rolled a killed run's commit back in.
    _scratch: Option<tempfile::TempDir>,
}

impl Drop for Journal {
    fn drop(&mut self) {
        if self._lock.is_some() {
            // A batch that ends leaves the file alone, without the empty
            // rollback journal of its commits.
            let _ = self
                .conn
                .query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()));
        }
    }
}

/// The sidecar file `path` + `suffix` (`-journal`, `-wal`).
fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// The first bytes of a rollback journal that holds a commit (SQLite's
/// magic; a finished commit leaves the header zeroed).
const JOURNAL_MAGIC: [u8; 8] = [0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7];

/// Whether the rollback journal beside `path` holds a commit that a kill
/// cut short (a hot journal).
fn hot_journal(path: &Path) -> bool {
    use std::io::Read as _;
    let mut head = [0_u8; 8];
    std::fs::File::open(sidecar(path, "-journal"))
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| head == JOURNAL_MAGIC)
}

/// Whether a write-ahead log (of a journal from an earlier build) holds
/// something.
fn wal_full(path: &Path) -> bool {
    std::fs::metadata(sidecar(path, "-wal")).is_ok_and(|m| m.len() > 0)
}

/// How long a writer or a reader waits for the other's lock (a reader
/// holds it for one page of rows, a writer for one commit).
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Rows a reader takes per read transaction: the lock is never held while
/// its rows are printed.
const PAGE: i64 = 512;

/// Whether no batch holds the journal and no sidecar holds anything: then
/// the file alone is the journal, and nothing can change under a reader.
fn quiescent(path: &Path) -> bool {
    !wal_full(path) && !hot_journal(path) && !Journal::held(path)
}

/// `file:PATH?immutable=1`, the path percent-encoded where a URI needs it.
fn immutable_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for b in path.to_string_lossy().bytes() {
        match b {
            b'?' | b'#' | b'%' | 0x80.. => uri.push_str(&format!("%{b:02X}")),
            _ => uri.push(char::from(b)),
        }
    }
    uri.push_str("?immutable=1");
    uri
}

/// Ids are input lines; SQLite integers are signed.
fn sql(id: u64) -> i64 {
    i64::try_from(id).unwrap_or(i64::MAX)
}

fn now() -> String {
    let secs = crate::calendar::unix_now();
    crate::delivery::mime::format_utc_iso(secs)
}

impl Journal {
    fn error(path: &Path, e: impl std::fmt::Display) -> JournalError {
        JournalError {
            path: path.display().to_string(),
            message: e.to_string(),
            busy: false,
            reading: false,
        }
    }

    /// Opens (creating when missing) the journal of a batch, and takes it:
    /// two runs on one journal could send a row twice, so a second run is
    /// refused while the first holds it.
    pub fn open(path: &Path) -> Result<Self, JournalError> {
        let conn = Connection::open(path).map_err(|e| Self::error(path, e))?;
        let lock = std::fs::OpenOptions::new()
            .read(true)
            .open(path)
            .map_err(|e| Self::error(path, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(JournalError {
                    busy: true,
                    ..Self::error(path, "in use by another courier run")
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(Self::error(path, e)),
        }
        let j = Self {
            conn,
            path: path.to_owned(),
            _lock: Some(lock),
            _scratch: None,
        };
        j.prepare()?;
        Ok(j)
    }

    /// Opens an existing journal for reading.
    pub fn open_existing(path: &Path) -> Result<Self, JournalError> {
        Self::read_only(path).map_err(|e| JournalError { reading: true, ..e })
    }

    fn read_only(path: &Path) -> Result<Self, JournalError> {
        if !path.is_file() {
            return Err(Self::error(path, "no such file"));
        }
        if Self::held(path) {
            return Err(JournalError {
                busy: true,
                ..Self::error(
                    path,
                    "a running batch is writing it, and holds it until it ends",
                )
            });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut scratch = None;
        let conn = if quiescent(path) {
            // Nobody writes it and no sidecar holds anything: read it as an
            // unchanging file, which creates nothing next to it and works
            // where the folder is read-only.
            Connection::open_with_flags(immutable_uri(path), flags | OpenFlags::SQLITE_OPEN_URI)
        } else if hot_journal(path) {
            // A run was killed in the middle of a commit: its rollback
            // journal undoes the half-written commit. Reading must not
            // write, so the rollback happens on a private copy.
            let (dir, conn) = Self::rolled_back_copy(path)?;
            scratch = Some(dir);
            Ok(conn)
        } else {
            Connection::open_with_flags(path, flags)
        }
        .map_err(|e| Self::error(path, e))?;
        let _ = conn.busy_timeout(BUSY_TIMEOUT);
        let j = Self {
            conn,
            path: path.to_owned(),
            _lock: None,
            _scratch: scratch,
        };
        if j.identify()? != VERSION {
            return Err(j.err("an empty SQLite database, not a courier journal"));
        }
        Ok(j)
    }

    /// Whether a batch holds the journal now.
    fn held(path: &Path) -> bool {
        std::fs::File::open(path).is_ok_and(|f| {
            let held = f.try_lock_shared().is_err();
            let _ = f.unlock();
            held
        })
    }

    /// The journal and its rollback journal copied into a private folder
    /// and opened there (SQLite rolls the half-written commit back on the
    /// first read).
    fn rolled_back_copy(path: &Path) -> Result<(tempfile::TempDir, Connection), JournalError> {
        // Both regular files, the rollback journal no larger than a commit
        // of this file can make it: nothing else is copied.
        let size = |suffix| {
            std::fs::metadata(sidecar(path, suffix))
                .ok()
                .filter(std::fs::Metadata::is_file)
                .map(|m| m.len())
        };
        match (size(""), size("-journal")) {
            (Some(db), Some(journal)) if journal <= db.saturating_mul(2) + (1 << 20) => {}
            _ => {
                return Err(Self::error(
                    path,
                    "the -journal file beside it is not a rollback journal of this file",
                ));
            }
        }
        let dir = tempfile::tempdir().map_err(|e| Self::error(path, e))?;
        let copy = dir.path().join("journal.db");
        for suffix in ["", "-journal"] {
            std::fs::copy(sidecar(path, suffix), sidecar(&copy, suffix))
                .map_err(|e| Self::error(path, format!("cannot copy it to read it ({e})")))?;
        }
        let conn = Connection::open(&copy).map_err(|e| Self::error(path, e))?;
        Ok((dir, conn))
    }

    fn err(&self, e: impl std::fmt::Display) -> JournalError {
        JournalError {
            reading: self._lock.is_none(),
            ..Self::error(&self.path, e)
        }
    }

    /// Refuses a database that is not a courier journal: another
    /// application's, or one with tables of its own. Journals of earlier
    /// builds carry the version without the application id.
    fn identify(&self) -> Result<i64, JournalError> {
        let pragma = |name: &str| -> Result<i64, JournalError> {
            self.conn
                .query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
                .map_err(|e| self.err(format!("not an SQLite file ({e})")))
        };
        let (version, app) = (pragma("user_version")?, pragma("application_id")?);
        let tables: i64 = self
            .conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        let fresh = version == 0 && app == 0 && tables == 0;
        let ours = version == VERSION && (app == APPLICATION_ID || app == 0);
        if fresh || ours {
            return Ok(version);
        }
        Err(self.err(format!(
            "an SQLite database that is not a courier journal (application id {app}, schema version {version}): courier leaves it alone"
        )))
    }

    fn prepare(&self) -> Result<(), JournalError> {
        self.identify()?;
        // A rollback journal, not a write-ahead log: every commit is in the
        // file itself once it returns, so the file alone is the journal
        // after a crash (copied, moved, its sidecars lost). The file is
        // synced at every commit: a claim survives a killed process and a
        // power loss. PERSIST, not TRUNCATE: the journal's header is zeroed
        // and synced at the end of each commit (a truncation is synced only
        // with synchronous = FULL, and an unsynced one can come back after
        // a power loss and undo the last commit, as SQLite's pager notes):
        // three syncs per commit, where TRUNCATE with FULL takes four.
        // Journals of earlier builds leave WAL mode here. The run
        // keeps SQLite's lock (and the rollback journal open) from its
        // first commit to its end: no directory sync, no locking calls, no
        // re-reads per commit.
        let _ = self.conn.busy_timeout(BUSY_TIMEOUT);
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode = PERSIST", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if !mode.eq_ignore_ascii_case("persist") {
            return Err(self.err(format!(
                "cannot leave SQLite's {mode} journal mode (is another program using it?)"
            )));
        }
        self.conn
            .execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA locking_mode = EXCLUSIVE;")
            .map_err(|e| self.err(e))?;
        self.conn
            .execute_batch(SCHEMA)
            .map_err(|e| self.err(format!("cannot create the tables ({e})")))?;
        self.conn
            .execute_batch(&format!(
                "PRAGMA user_version = {VERSION}; PRAGMA application_id = {APPLICATION_ID}"
            ))
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Commits go to the OS without waiting for the disk: a killed process
    /// loses nothing, a power loss or an OS crash can lose or damage the
    /// journal (`--no-journal-sync`).
    pub fn unsynced(&self) -> Result<(), JournalError> {
        self.conn
            .execute_batch("PRAGMA synchronous = OFF")
            .map_err(|e| self.err(e))
    }

    /// The path it lives at.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A value recorded about the batch (e.g. its input).
    pub fn meta(&self, key: &str) -> Result<Option<String>, JournalError> {
        self.conn
            .query_row("SELECT value FROM batch WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Records a value about the batch.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), JournalError> {
        self.conn
            .execute(
                "INSERT INTO batch (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// What the journal holds for the row at `id`.
    pub fn known(&self, id: u64) -> Result<Option<Known>, JournalError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT row_key, status, send_count FROM messages WHERE id = ?1")
            .map_err(|e| self.err(e))?;
        stmt.query_row([sql(id)], |r| {
            let status: String = r.get(1)?;
            Ok(Known {
                key: r.get(0)?,
                status: Status::parse(&status).unwrap_or(Status::Queued),
                send_count: r.get(2)?,
            })
        })
        .optional()
        .map_err(|e| self.err(e))
    }

    /// The highest message id recorded (0 for a new journal): rows past it
    /// need no lookup.
    pub fn max_id(&self) -> Result<u64, JournalError> {
        self.conn
            .query_row("SELECT COALESCE(MAX(id), 0) FROM messages", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| u64::try_from(n).unwrap_or(0))
            .map_err(|e| self.err(e))
    }

    /// Applies `changes` in one transaction.
    pub fn apply(&mut self, changes: &[Change]) -> Result<(), JournalError> {
        if changes.is_empty() {
            return Ok(());
        }
        let path = self.path.clone();
        let e = |e: rusqlite::Error| Self::error(&path, e);
        let at = now();
        let tx = self.conn.transaction().map_err(e)?;
        for change in changes {
            match change {
                Change::Claim(c) => {
                    if c.replace {
                        tx.prepare_cached("DELETE FROM dispatches WHERE message_id = ?1")
                            .and_then(|mut s| s.execute([sql(c.id)]))
                            .map_err(e)?;
                    }
                    tx.prepare_cached(
                        "INSERT INTO messages (id, row_key, recipient, template_type, channel,
                             status, send_count, created_at, updated_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, 'processing', 1, ?6, ?6)
                         ON CONFLICT (id) DO UPDATE SET
                             row_key = excluded.row_key,
                             recipient = excluded.recipient,
                             template_type = excluded.template_type,
                             channel = excluded.channel,
                             status = 'processing',
                             send_count = CASE WHEN ?7 THEN 1 ELSE send_count + 1 END,
                             last_error = CASE WHEN ?7 THEN NULL ELSE last_error END,
                             created_at = CASE WHEN ?7 THEN excluded.created_at ELSE created_at END,
                             updated_at = excluded.updated_at",
                    )
                    .and_then(|mut s| {
                        s.execute(params![
                            sql(c.id),
                            c.key,
                            c.recipient,
                            c.template_type,
                            c.channel,
                            at,
                            c.replace
                        ])
                    })
                    .map_err(e)?;
                }
                Change::Attempt {
                    id,
                    attempt,
                    success,
                    reply,
                    error,
                    ms,
                    status,
                } => {
                    tx.prepare_cached(
                        "INSERT INTO dispatches (message_id, attempt, status, reply, error, ms, created_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    )
                    .and_then(|mut s| {
                        s.execute(params![
                            sql(*id),
                            attempt,
                            if *success { "success" } else { "failed" },
                            reply,
                            error,
                            ms,
                            at
                        ])
                    })
                    .map_err(e)?;
                    tx.prepare_cached(
                        "UPDATE messages SET status = ?2, updated_at = ?3,
                             last_error = CASE WHEN ?4 IS NULL THEN last_error ELSE ?4 END
                         WHERE id = ?1",
                    )
                    .and_then(|mut s| s.execute(params![sql(*id), status.as_str(), at, error]))
                    .map_err(e)?;
                }
                Change::Unclaim(id, before) | Change::Forget(id, before) => {
                    tx.prepare_cached(
                        "UPDATE messages SET status = ?3, updated_at = ?2,
                             send_count = MAX(send_count - 1, 0)
                         WHERE id = ?1",
                    )
                    .and_then(|mut s| s.execute(params![sql(*id), at, before.as_str()]))
                    .map_err(e)?;
                    if matches!(change, Change::Forget(..)) {
                        tx.prepare_cached(
                            "DELETE FROM messages WHERE id = ?1 AND NOT EXISTS
                                 (SELECT 1 FROM dispatches WHERE message_id = ?1)",
                        )
                        .and_then(|mut s| s.execute(params![sql(*id)]))
                        .map_err(e)?;
                    }
                }
            }
        }
        tx.commit().map_err(e)
    }
}

#[cfg(test)]
mod tests;
