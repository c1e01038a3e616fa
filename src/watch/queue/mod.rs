//! Kratos' courier queue (`courier_messages`, `courier_message_dispatches`)
//! in Kratos' own database, behind one interface with a backend per
//! database. Claims cannot collide: PostgreSQL takes rows with `FOR UPDATE
//! SKIP LOCKED` in the statement that marks them `processing`, MySQL and
//! MariaDB in a short transaction; SQLite claims inside `BEGIN IMMEDIATE`. Every later update requires the row to
//! be still `processing`, and every statement is scoped by the network id.

mod lite;
pub mod model;
mod my;
mod pg;

use std::time::Duration;

pub use model::{
    Columns, DbError, Depth, Dispatch, Queue, STORED_CAP, Settle, Status, Stored, error_json,
    is_uuid, uuid_v4,
};

use super::dsn::Target;

/// Opens the queue at `target`, scoped by `nid` or by the network Kratos
/// picks (the oldest).
pub fn open(
    target: &Target,
    nid: Option<&str>,
    timeout: Duration,
) -> Result<Box<dyn Queue>, DbError> {
    match target {
        Target::Postgres {
            params,
            password,
            tls,
            ..
        } => Ok(Box::new(pg::Pg::open(
            params,
            password.as_deref(),
            *tls,
            nid,
            timeout,
        )?)),
        Target::Sqlite(path) => Ok(Box::new(lite::Lite::open(path, nid, timeout)?)),
        Target::Mysql(t) => Ok(Box::new(my::My::open(t, nid, timeout)?)),
    }
}
