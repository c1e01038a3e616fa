//! A real PostgreSQL for tests and benches: Debian's server binaries
//! (`.ci/run` installs them when missing), a private cluster in a
//! temporary folder, on a free loopback port, run as `nobody` when the
//! process runs as root. A watchdog stops the server when the process
//! ends, however it ends. Each user gets a database of its own.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// `cmd` as the unprivileged user when the tests run as root (PostgreSQL
/// refuses to run as root).
fn as_server_user(program: &std::path::Path) -> Command {
    if is_root() {
        let mut c = Command::new("setpriv");
        c.args([
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            "--reset-env",
        ])
        .arg(program);
        c
    } else {
        Command::new(program)
    }
}

/// Starts a cluster; with `tls` (certificate and key files) it also
/// accepts TLS.
pub fn start(tls: Option<(&std::path::Path, &std::path::Path)>) -> Cluster {
    let bin = bin_dir();
    let dir = tempfile::Builder::new()
        .prefix("courier-pg-")
        .tempdir()
        .expect("a folder for the cluster");
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
    if is_root() {
        let ok = Command::new("chown")
            .args(["-R", "nobody:nogroup"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "chown the cluster folder to nobody");
    }
    let data = dir.path().join("data");
    let out = as_server_user(&bin.join("initdb"))
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
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        l.local_addr().expect("addr").port()
    };
    // The server, and a watchdog that stops it once this process is gone.
    let server = as_server_user(&bin.join("postgres"));
    let mut line: Vec<String> = vec![format!("{:?}", server.get_program())];
    line.extend(server.get_args().map(|a| format!("{a:?}")));
    let script = format!(
        "{} -D {:?} -p {port} -k {:?} -c listen_addresses=127.0.0.1 -c fsync=off \
         -c max_connections=200 -c shared_buffers=32MB {ssl} > {:?} 2>&1 & pg=$!; \
         while kill -0 {} 2>/dev/null && kill -0 $pg 2>/dev/null; do sleep 0.5; done; \
         kill -INT $pg 2>/dev/null; wait $pg",
        line.join(" "),
        data,
        dir.path(),
        dir.path().join("log"),
        std::process::id()
    );
    let watchdog = Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the PostgreSQL server starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if postgres::Client::connect(
            &format!("host=127.0.0.1 port={port} user=postgres dbname=postgres connect_timeout=2"),
            postgres::NoTls,
        )
        .is_ok()
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "PostgreSQL did not start: {}",
            std::fs::read_to_string(dir.path().join("log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Cluster {
        port,
        _watchdog: watchdog,
        _dir: dir,
    }
}

impl Cluster {
    /// A new, empty database; its name.
    pub fn database(&self) -> String {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "t{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
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
