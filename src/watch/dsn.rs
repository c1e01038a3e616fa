//! Kratos' `dsn` (the config key, or `DSN` from the environment), read as
//! Kratos' database layer reads it: the scheme picks the database, the rest
//! is handed to its driver. Only what courier's drivers understand is kept
//! (pop's pool settings such as `max_conns` mean nothing to one worker),
//! and errors never carry the password.

use std::path::PathBuf;
use std::time::Duration;

use crate::gourl;

/// Where Kratos' queue lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A PostgreSQL (or CockroachDB) server: the settings as
    /// `key=value` pairs for the driver, with the password apart.
    Postgres {
        /// `host`, `port`, `user`, `dbname` and the accepted options.
        params: Vec<(String, String)>,
        password: Option<String>,
        cockroach: bool,
        /// How the server's certificate is checked, when TLS is used.
        tls: PgTls,
    },
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A MySQL or MariaDB server, from the go-sql-driver DSN Kratos takes
    /// after `mysql://` (`user:password@tcp(host:port)/dbname?params`).
    Mysql(MysqlTarget),
}

/// Where a MySQL or MariaDB queue is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MysqlTarget {
    pub host: String,
    pub port: u16,
    /// A Unix socket (`unix(/path)`) instead of TCP.
    pub socket: Option<PathBuf>,
    pub user: String,
    pub password: Option<String>,
    pub db: String,
}

/// TLS to PostgreSQL, by `sslmode` as Kratos' driver (pgx) reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PgTls {
    /// `disable`: never.
    Off,
    /// `prefer` (the default), `allow`, `require`: encrypted, the
    /// certificate not checked.
    Unverified,
    /// `verify-ca`, `verify-full`: the chain against the system roots
    /// (`SSL_CERT_FILE`) and the host name (for `verify-ca` too: courier
    /// is stricter there).
    Verified,
}

/// Why a DSN cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DsnError {
    #[error("no DSN: set `dsn` in the config or DSN in the environment")]
    Missing,
    #[error(
        "`dsn` is `memory`: Kratos keeps that queue inside its own process, out of any other's reach"
    )]
    Memory,
    #[error(
        "the DSN's scheme `{0}` is not one courier watch reads (postgres, postgresql, cockroach, sqlite, sqlite3)"
    )]
    Scheme(String),
    #[error("tls={0}: courier watch connects to MySQL and MariaDB without TLS for now (tls=false)")]
    MysqlTls(String),
    #[error("the DSN cannot be parsed: {0}")]
    Parse(String),
    #[error("sslmode={0} is not one of disable, allow, prefer, require, verify-ca, verify-full")]
    Tls(String),
}

/// Options of a PostgreSQL DSN that the driver takes as they are.
const PG_OPTIONS: &[&str] = &[
    "sslmode",
    "connect_timeout",
    "application_name",
    "options",
    "target_session_attrs",
    "keepalives",
    "keepalives_idle",
    "tcp_user_timeout",
];

/// The longest a connection attempt may take when the DSN sets none.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Reads a DSN.
pub fn parse(dsn: &str) -> Result<Target, DsnError> {
    let dsn = dsn.trim();
    if dsn.is_empty() {
        return Err(DsnError::Missing);
    }
    if dsn == "memory" {
        return Err(DsnError::Memory);
    }
    let Some((scheme, rest)) = dsn.split_once("://") else {
        return Err(DsnError::Parse(
            "it has no scheme (e.g. postgres://, sqlite://)".into(),
        ));
    };
    match scheme {
        "sqlite" | "sqlite3" => sqlite(rest),
        "postgres" | "postgresql" | "cockroach" | "cockroachdb" | "crdb" => {
            postgres(dsn, scheme.starts_with("c"))
        }
        "mysql" => mysql(rest),
        other => Err(DsnError::Scheme(other.to_owned())),
    }
}

/// `sqlite://PATH?options`: the path as the driver reads it (`file:` and
/// the options dropped; courier sets its own).
fn sqlite(rest: &str) -> Result<Target, DsnError> {
    let path = rest.split('?').next().unwrap_or_default();
    let path = path.strip_prefix("file:").unwrap_or(path);
    if path.is_empty() || path == ":memory:" || rest.contains("mode=memory") {
        return Err(DsnError::Memory);
    }
    Ok(Target::Sqlite(PathBuf::from(path)))
}

fn postgres(dsn: &str, cockroach: bool) -> Result<Target, DsnError> {
    // Go's URL parser: the errors it gives never hold the user info.
    let url = gourl::go_parse(dsn).map_err(|e| DsnError::Parse(e.to_string()))?;
    let mut params = Vec::new();
    let host = url.hostname();
    if !host.is_empty() {
        params.push(("host".to_owned(), host.to_owned()));
    }
    if !url.port().is_empty() {
        params.push(("port".to_owned(), url.port().to_owned()));
    }
    let mut password = None;
    if let Some((user, pass)) = &url.user {
        if !user.is_empty() {
            params.push(("user".to_owned(), user.clone()));
        }
        password.clone_from(pass);
    }
    let db = url.path.trim_start_matches('/');
    if !db.is_empty() {
        params.push(("dbname".to_owned(), db.to_owned()));
    }
    let mut timeout = false;
    let mut tls = PgTls::Unverified;
    for (k, v) in url.query() {
        if k == "sslmode" {
            // The driver knows disable, prefer and require; the checks of
            // the verify modes are courier's.
            let (mode, t) = match v.as_str() {
                "disable" => ("disable", PgTls::Off),
                "allow" | "prefer" => ("prefer", PgTls::Unverified),
                "require" => ("require", PgTls::Unverified),
                "verify-ca" | "verify-full" => ("require", PgTls::Verified),
                _ => return Err(DsnError::Tls(v)),
            };
            tls = t;
            params.push((k, mode.to_owned()));
        } else if PG_OPTIONS.contains(&k.as_str()) {
            timeout |= k == "connect_timeout";
            params.push((k, v));
        }
    }
    if !timeout {
        params.push((
            "connect_timeout".to_owned(),
            CONNECT_TIMEOUT.as_secs().to_string(),
        ));
    }
    Ok(Target::Postgres {
        params,
        password,
        cockroach,
        tls,
    })
}

/// go-sql-driver's DSN: `[user[:password]@][net[(addr)]]/dbname[?params]`
/// (not URL-encoded: the password runs to the last `@`).
fn mysql(rest: &str) -> Result<Target, DsnError> {
    let slash = rest
        .rfind(')')
        .map_or_else(
            || rest.find('/'),
            |close| rest[close..].find('/').map(|i| close + i),
        )
        .ok_or_else(|| DsnError::Parse("it has no `/dbname`".into()))?;
    let (head, tail) = (&rest[..slash], &rest[slash + 1..]);
    let (db, query) = tail.split_once('?').unwrap_or((tail, ""));
    let (userinfo, net) = head.rsplit_once('@').unwrap_or(("", head));
    let (user, password) = match userinfo.split_once(':') {
        Some((u, p)) => (u.to_owned(), Some(p.to_owned())),
        None => (userinfo.to_owned(), None),
    };
    let (mut host, mut port, mut socket) = ("127.0.0.1".to_owned(), 3306, None);
    let addr = |prefix: &str| {
        net.strip_prefix(prefix)
            .and_then(|a| a.strip_suffix(')'))
            .map(str::to_owned)
    };
    if let Some(a) = addr("tcp(") {
        let (h, p) = match a.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || a.starts_with('[') => (h.to_owned(), Some(p)),
            _ => (a.clone(), None),
        };
        host = h.trim_start_matches('[').trim_end_matches(']').to_owned();
        if let Some(p) = p {
            port = p
                .parse()
                .map_err(|_| DsnError::Parse(format!("the port `{p}` is not a number")))?;
        }
    } else if let Some(a) = addr("unix(") {
        socket = Some(PathBuf::from(a));
    } else if !net.is_empty() && net != "tcp" {
        return Err(DsnError::Parse(format!(
            "the address `{net}` is not tcp(host:port) or unix(/path)"
        )));
    }
    for pair in query.split('&') {
        if let Some(v) = pair.strip_prefix("tls=")
            && !matches!(v, "false" | "")
        {
            return Err(DsnError::MysqlTls(v.to_owned()));
        }
    }
    Ok(Target::Mysql(MysqlTarget {
        host,
        port,
        socket,
        user,
        password,
        db: db.to_owned(),
    }))
}

/// The secrets a DSN holds (its password, as written and decoded).
#[must_use]
pub fn secrets(dsn: &str) -> Vec<String> {
    if let Some(rest) = dsn.trim().strip_prefix("mysql://")
        && let Ok(Target::Mysql(t)) = mysql(rest)
    {
        return t.password.into_iter().collect();
    }
    crate::connection_uri::secrets(dsn)
}

#[cfg(test)]
mod tests {
    use super::{DsnError, Target, parse};

    #[test]
    fn postgres_keeps_what_the_driver_reads() {
        let t = parse(
            "postgres://kratos:s%40cret@db.example:5433/kratos?sslmode=disable&max_conns=20&max_idle_conns=4",
        )
        .unwrap();
        let Target::Postgres {
            params, password, ..
        } = t
        else {
            panic!("not postgres");
        };
        assert_eq!(password.as_deref(), Some("s@cret"));
        let keys: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "host",
                "port",
                "user",
                "dbname",
                "sslmode",
                "connect_timeout"
            ]
        );
    }

    #[test]
    fn sqlite_paths_and_refusals() {
        assert_eq!(
            parse("sqlite:///var/lib/kratos/db.sqlite?_fk=true").unwrap(),
            Target::Sqlite("/var/lib/kratos/db.sqlite".into())
        );
        assert_eq!(
            parse("sqlite://./k.db?_fk=true").unwrap(),
            Target::Sqlite("./k.db".into())
        );
        assert_eq!(parse("memory"), Err(DsnError::Memory));
        assert_eq!(
            parse("sqlite://file::memory:?cache=shared"),
            Err(DsnError::Memory)
        );
        let Ok(Target::Mysql(m)) =
            parse("mysql://kratos:p@ss:w@rd@tcp(db.local:3307)/kratos?parseTime=true")
        else {
            panic!("not mysql");
        };
        assert_eq!(
            (
                m.host.as_str(),
                m.port,
                m.user.as_str(),
                m.password.as_deref(),
                m.db.as_str()
            ),
            ("db.local", 3307, "kratos", Some("p@ss:w@rd"), "kratos")
        );
        assert_eq!(super::secrets("mysql://u:p@ss@tcp(h)/k"), ["p@ss"]);
        assert!(matches!(
            parse("mysql://u:p@tcp(h)/k?tls=true"),
            Err(DsnError::MysqlTls(_))
        ));
        assert!(
            matches!(parse("postgres://h/k?sslmode=bogus"), Err(DsnError::Tls(m)) if m == "bogus")
        );
        let Ok(Target::Postgres { params, tls, .. }) = parse("postgres://h/k?sslmode=verify-full")
        else {
            panic!("not postgres");
        };
        assert_eq!(tls, super::PgTls::Verified);
        assert!(params.contains(&("sslmode".into(), "require".into())));
        let e = parse("postgres://u:hunter2@h:bad/k")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("hunter2"), "{e}");
    }
}
