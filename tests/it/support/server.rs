//! What the private database servers of the tests share: a folder the
//! server user owns, a free loopback port, the server run as `nobody` when
//! the process runs as root (PostgreSQL and MariaDB refuse root), and a
//! watchdog that stops the server once this process is gone, however it
//! ends.

use std::path::Path;
use std::process::{Child, Command, Stdio};

pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// `program` as the unprivileged user when running as root.
pub fn as_server_user(program: &Path) -> Command {
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

/// A temporary folder the server user owns.
pub fn private_dir(prefix: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .expect("a folder for the server");
    chown(dir.path());
    dir
}

/// Gives `path` (and what is in it) to the server user, when root.
pub fn chown(path: &Path) {
    if is_root() {
        let ok = Command::new("chown")
            .args(["-R", "nobody:nogroup"])
            .arg(path)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "chown {} to nobody", path.display());
    }
}

/// Waits (at most `limit`) until `ready` says the server answers; the
/// server's log is in the failure.
pub fn wait_ready(what: &str, log: &Path, limit: std::time::Duration, ready: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + limit;
    while !ready() {
        assert!(
            std::time::Instant::now() < deadline,
            "{what} did not start: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// A database name no other test of this process has.
pub fn database_name() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "t{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    l.local_addr().expect("addr").port()
}

/// Starts `program args` (as the server user) with its output in `log`,
/// under a watchdog that sends it `signal` once this process is gone, then
/// removes the server's folder `dir`.
pub fn watched(program: &Path, args: &str, dir: &Path, signal: &str) -> Child {
    let log = dir.join("log");
    let server = as_server_user(program);
    let mut line: Vec<String> = vec![format!("{:?}", server.get_program())];
    line.extend(server.get_args().map(|a| format!("{a:?}")));
    let script = format!(
        "{} {args} > {log:?} 2>&1 & s=$!; \
         while kill -0 {} 2>/dev/null && kill -0 $s 2>/dev/null; do sleep 0.5; done; \
         kill -{signal} $s 2>/dev/null; wait $s; rm -rf {dir:?}",
        line.join(" "),
        std::process::id()
    );
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts")
}
