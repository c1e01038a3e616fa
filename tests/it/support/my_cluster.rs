//! A real MariaDB for tests: Debian's `mariadb-server` (`.ci/run` installs
//! it when missing), one private server per test process in a temporary
//! folder, on a free loopback port, as `nobody` when the tests run as root,
//! stopped by a watchdog when the process ends. Grants are off (any user
//! and password connect); each test gets a database of its own.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use mysql::prelude::Queryable;

use super::server;

/// The running server: its port.
pub struct Server {
    pub port: u16,
    _watchdog: std::process::Child,
    _dir: tempfile::TempDir,
}

fn binary(names: &[&str]) -> PathBuf {
    names
        .iter()
        .flat_map(|n| ["/usr/sbin", "/usr/bin"].map(|d| Path::new(d).join(n)))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("MariaDB's {names:?}; `apt-get install mariadb-server` (.ci/run does it)")
        })
}

/// The server of this test process, started on first use.
pub fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(start)
}

fn start() -> Server {
    let dir = server::private_dir("courier-mariadb-");
    let data = dir.path().join("data");
    let mut install =
        std::process::Command::new(binary(&["mariadb-install-db", "mysql_install_db"]));
    install
        .args([
            "--no-defaults",
            "--skip-test-db",
            "--auth-root-authentication-method=normal",
        ])
        .arg(format!("--datadir={}", data.display()));
    if server::is_root() {
        install.arg("--user=nobody");
    }
    let out = install
        .stdout(Stdio::null())
        .output()
        .expect("mariadb-install-db runs");
    assert!(
        out.status.success(),
        "mariadb-install-db failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    server::chown(dir.path());
    let port = server::free_port();
    let watchdog = server::watched(
        &binary(&["mariadbd", "mysqld"]),
        &format!(
            "--no-defaults --datadir={data:?} --socket={:?} --port={port} \
             --bind-address=127.0.0.1 --skip-grant-tables --skip-log-bin \
             --innodb-flush-log-at-trx-commit=0 --max-connections=300",
            dir.path().join("sock")
        ),
        dir.path(),
        "TERM",
    );
    server::wait_ready(
        "MariaDB",
        &dir.path().join("log"),
        Duration::from_secs(60),
        || connect(port, "mysql").is_ok(),
    );
    Server {
        port,
        _watchdog: watchdog,
        _dir: dir,
    }
}

fn connect(port: u16, db: &str) -> Result<mysql::Conn, mysql::Error> {
    mysql::Conn::new(
        mysql::OptsBuilder::new()
            .ip_or_hostname(Some("127.0.0.1"))
            .tcp_port(port)
            .user(Some("root"))
            .db_name(Some(db))
            .tcp_connect_timeout(Some(Duration::from_secs(2))),
    )
}

impl Server {
    /// A new, empty database; its name.
    pub fn database(&self) -> String {
        let name = server::database_name();
        self.client("mysql")
            .query_drop(format!("CREATE DATABASE {name}"))
            .expect("create a database");
        name
    }

    /// A connection to database `db`.
    pub fn client(&self, db: &str) -> mysql::Conn {
        connect(self.port, db).expect("connect to the test MariaDB")
    }
}
