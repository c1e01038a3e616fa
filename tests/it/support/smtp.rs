//! A real SMTP server for tests: aiosmtpd (pinned), in a virtual
//! environment this support creates on first use (with go-jsonnet, the
//! Jsonnet reference), with a CA and a server
//! certificate generated here (SANs localhost, mail.test, 127.0.0.1).

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};

use super::root;

/// The pinned SMTP server.
pub const AIOSMTPD: &str = "aiosmtpd==1.4.6";
/// The Jsonnet engine Kratos uses (go-jsonnet 0.21), as the reference.
pub const GOJSONNET: &str = "gojsonnet==0.21.0";

/// The user and password every authenticating sink accepts; the password
/// needs percent-encoding in a URI.
pub const USER: &str = "alice";
pub const PASSWORD: &str = "s3cr@t/p#ss?w0rd";
/// [`PASSWORD`] as it must appear in a connection URI.
pub const PASSWORD_ENCODED: &str = "s3cr%40t%2Fp%23ss%3Fw0rd";

fn tmp() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

/// The venv's Python, created and provisioned once.
pub fn python() -> PathBuf {
    static PY: OnceLock<PathBuf> = OnceLock::new();
    PY.get_or_init(|| {
        let venv = tmp().join("courier-test-venv");
        let py = venv.join("bin/python");
        let ready = |py: &Path| {
            Command::new(py)
                .args([
                    "-c",
                    "import aiosmtpd, _gojsonnet, importlib.metadata as m, sys; \
                     sys.exit(0 if aiosmtpd.__version__ == '1.4.6' \
                     and m.version('gojsonnet') == '0.21.0' else 1)",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        if !ready(&py) {
            let status = Command::new("python3")
                .args(["-m", "venv", "--clear"])
                .arg(&venv)
                .status()
                .expect("python3 runs (needed for the SMTP test server)");
            assert!(status.success(), "python3 -m venv failed");
            let status = Command::new(&py)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    AIOSMTPD,
                    GOJSONNET,
                ])
                .status()
                .expect("pip runs");
            assert!(
                status.success(),
                "pip install {AIOSMTPD} {GOJSONNET} failed"
            );
            assert!(
                ready(&py),
                "aiosmtpd and gojsonnet are not importable after installing them"
            );
        }
        py
    })
    .clone()
}

/// Test certificates on disk.
pub struct Certs {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The CA and server certificate, generated once per test run.
pub fn certs() -> &'static Certs {
    static CERTS: OnceLock<Certs> = OnceLock::new();
    CERTS.get_or_init(|| {
        let dir = tmp().join(format!("courier-certs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("cert dir");
        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "courier test CA");
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_key = KeyPair::generate().expect("CA key");
        let ca_cert = ca.self_signed(&ca_key).expect("CA certificate");
        let issuer = Issuer::new(ca, ca_key);
        let mut leaf = CertificateParams::new(vec![
            "localhost".into(),
            "mail.test".into(),
            "127.0.0.1".into(),
        ])
        .expect("leaf params");
        leaf.distinguished_name
            .push(DnType::CommonName, "localhost");
        let leaf_key = KeyPair::generate().expect("leaf key");
        let leaf_cert = leaf
            .signed_by(&leaf_key, &issuer)
            .expect("leaf certificate");
        let certs = Certs {
            ca: dir.join("ca.pem"),
            cert: dir.join("server.pem"),
            key: dir.join("server.key"),
        };
        std::fs::write(&certs.ca, ca_cert.pem()).expect("write CA");
        std::fs::write(&certs.cert, leaf_cert.pem()).expect("write cert");
        std::fs::write(&certs.key, leaf_key.serialize_pem()).expect("write key");
        certs
    })
}

/// The server's security mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Plain,
    StartTls,
    Smtps,
}

/// A running server; killed when dropped.
pub struct Sink {
    child: Child,
    pub port: u16,
    pub out: tempfile::TempDir,
}

/// One received message.
pub struct Received {
    pub eml: String,
    pub envelope: serde_json::Value,
}

fn free_port() -> u16 {
    static LOCK: Mutex<()> = Mutex::new(());
    let _guard = LOCK.lock();
    let l = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    l.local_addr().expect("local addr").port()
}

impl Sink {
    /// Starts a server; `auth` makes AUTH required with [`USER`]/[`PASSWORD`].
    pub fn start(mode: Mode, auth: bool) -> Sink {
        Self::start_with(mode, auth.then_some((USER, PASSWORD)))
    }

    /// Starts a server that requires AUTH with these credentials (if any).
    pub fn start_with(mode: Mode, auth: Option<(&str, &str)>) -> Sink {
        Self::start_opts(mode, auth, &[])
    }

    /// Starts a server with more options of `smtp_sink.py` (`--faults`,
    /// `--close-every N`).
    pub fn start_opts(mode: Mode, auth: Option<(&str, &str)>, extra: &[&str]) -> Sink {
        let py = python();
        let certs = certs();
        for _attempt in 0..5 {
            let port = free_port();
            let out = tempfile::tempdir().expect("out dir");
            let mut cmd = Command::new(&py);
            cmd.arg(root().join("tests/support/smtp_sink.py"))
                .args(["--port", &port.to_string()])
                .args([
                    "--mode",
                    match mode {
                        Mode::Plain => "plain",
                        Mode::StartTls => "starttls",
                        Mode::Smtps => "smtps",
                    },
                ])
                .arg("--out")
                .arg(out.path())
                .arg("--cert")
                .arg(&certs.cert)
                .arg("--key")
                .arg(&certs.key)
                .stdout(Stdio::piped())
                .stderr(Stdio::null());
            cmd.args(extra);
            if let Some((user, password)) = auth {
                cmd.args(["--auth", &format!("{user}:{password}")]);
            }
            let mut child = cmd.spawn().expect("the SMTP sink starts");
            let stdout = child.stdout.take().expect("piped");
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let mut line = String::new();
                let _ = BufReader::new(stdout).read_line(&mut line);
                let _ = tx.send(line);
            });
            match rx.recv_timeout(Duration::from_secs(20)) {
                Ok(line) if line.starts_with("READY") => return Sink { child, port, out },
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                }
            }
        }
        panic!("the SMTP sink did not start in 5 attempts");
    }

    /// The connections the server accepted so far.
    pub fn connections(&self) -> usize {
        std::fs::read_to_string(self.out.path().join("connections.log"))
            .map_or(0, |s| s.lines().count())
    }

    /// The messages received so far, in order (waits up to 5 s for `n`).
    pub fn messages(&self, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let mut names: Vec<PathBuf> = std::fs::read_dir(self.out.path())
                .expect("out dir")
                .map(|e| e.expect("entry").path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect();
            if names.len() >= n || Instant::now() > deadline {
                names.sort();
                return names
                    .iter()
                    .map(|p| Received {
                        eml: std::fs::read_to_string(p.with_extension("eml")).expect("eml"),
                        envelope: serde_json::from_str(&std::fs::read_to_string(p).expect("json"))
                            .expect("envelope"),
                    })
                    .collect();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
