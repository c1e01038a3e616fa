//! A real PostgreSQL for tests and benches: Debian's server binaries
//! (`.ci/run` installs them when missing), a private cluster in a
//! temporary folder, on a free loopback port, run as `nobody` when the
//! process runs as root. A watchdog stops the server when the process
//! ends, however it ends. Each user gets a database of its own.

use std::path::PathBuf;
use std::process::Stdio;

use super::server;
use std::time::Duration;

/// The running cluster: its port and the folder it lives in.
pub struct Cluster {
    pub port: u16,
    /// Never waited for: it outlives the tests, then stops the server.
    _watchdog: std::process::Child,
    _dir: tempfile::TempDir,
}

/// The folder of `initdb` and `postgres`.
fn bin_dir() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path().join("bin")))
                .collect()
        })
        .unwrap_or_default();
    found.retain(|p| p.join("initdb").is_file());
    found.sort();
    found.pop().expect(
        "PostgreSQL's server binaries (/usr/lib/postgresql/*/bin/initdb); \
         `apt-get install postgresql-15` (.ci/run does it)",
    )
}

/// Starts a cluster; with `tls` (certificate and key files) it also
/// accepts TLS.
pub fn start(tls: Option<(&std::path::Path, &std::path::Path)>) -> Cluster {
    let bin = bin_dir();
    let dir = server::private_dir("courier-pg-");
    // TLS for clients that ask; the key readable by the server alone.
    let ssl = match tls {
        Some((cert, key)) => {
            use std::os::unix::fs::PermissionsExt;
            let (c, k) = (dir.path().join("server.crt"), dir.path().join("server.key"));
            std::fs::copy(cert, &c).expect("copy the certificate");
            std::fs::copy(key, &k).expect("copy the key");
            std::fs::set_permissions(&k, std::fs::Permissions::from_mode(0o600))
                .expect("chmod the key");
            format!("-c ssl=on -c ssl_cert_file={c:?} -c ssl_key_file={k:?}")
        }
        None => String::new(),
    };
    server::chown(dir.path());
    let data = dir.path().join("data");
    let out = server::as_server_user(&bin.join("initdb"))
        .arg("-D")
        .arg(&data)
        .args([
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--no-locale",
        ])
        .stdout(Stdio::null())
        .output()
        .expect("initdb runs");
    assert!(
        out.status.success(),
        "initdb failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let port = server::free_port();
    // The server, and a watchdog that stops it once this process is gone.
    let watchdog = server::watched(
        &bin.join("postgres"),
        &format!(
            "-D {data:?} -p {port} -k {:?} -c listen_addresses=127.0.0.1 -c fsync=off \
             -c max_connections=200 -c shared_buffers=32MB {ssl}",
            dir.path()
        ),
        dir.path(),
        "INT",
    );
    server::wait_ready(
        "PostgreSQL",
        &dir.path().join("log"),
        Duration::from_secs(30),
        || {
            postgres::Client::connect(
                &format!(
                    "host=127.0.0.1 port={port} user=postgres dbname=postgres connect_timeout=2"
                ),
                postgres::NoTls,
            )
            .is_ok()
        },
    );
    Cluster {
        port,
        _watchdog: watchdog,
        _dir: dir,
    }
}

impl Cluster {
    /// A new, empty database; its name.
    pub fn database(&self) -> String {
        let name = server::database_name();
        let mut admin = self.client("postgres");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create a database");
        name
    }

    /// A connection to database `db`.
    pub fn client(&self, db: &str) -> postgres::Client {
        postgres::Client::connect(
            &format!(
                "host=127.0.0.1 port={} user=postgres dbname={db} connect_timeout=5",
                self.port
            ),
            postgres::NoTls,
        )
        .expect("connect to the test cluster")
    }
}
