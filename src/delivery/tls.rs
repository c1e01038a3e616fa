//! TLS as Kratos configures it for SMTP: TLS 1.2 minimum, the system trust
//! store (honouring `SSL_CERT_FILE`/`SSL_CERT_DIR`), SNI and verification
//! against `server_name` or the host, `skip_ssl_verify` turning off both the
//! chain and the name check, and an optional client certificate. The only
//! `rustls` user. The verifier records what it found, so a probe can say
//! whether the chain and the name check passed even when it goes on.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore,
    SignatureScheme,
};

use crate::delivery::socket::Socket;

/// How the server certificate is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsOptions {
    /// SNI and the name the certificate must be valid for.
    pub name: String,
    /// Kratos' `skip_ssl_verify`: accept any certificate for any name.
    pub skip_verify: bool,
    /// PEM certificate and key for client authentication.
    pub client_cert: Option<(String, String)>,
}

/// What verification found (recorded even when the session goes on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Verified,
    NameMismatch(String),
    Untrusted(String),
}

/// Why a TLS session could not be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsError {
    #[error("the server did not answer with TLS (it sent plain text)")]
    NotTls,
    #[error("the certificate is not valid for the name {name:?}; {detail}")]
    NameMismatch { name: String, detail: String },
    #[error("the certificate is not trusted: {0}")]
    Untrusted(String),
    #[error("{0:?} is not a valid TLS server name")]
    BadName(String),
    #[error("cannot load the client certificate: {0}")]
    ClientCert(String),
    #[error("TLS handshake failed: {0}")]
    Handshake(String),
    #[error("timed out during the TLS handshake")]
    Timeout,
    #[error("connection closed during the TLS handshake")]
    Closed,
}

/// The negotiated session, for reports.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SessionInfo {
    pub version: String,
    pub cipher: String,
    pub sni: Option<String>,
    pub verification: String,
    pub verified: bool,
    pub name_checked: bool,
    pub certificate: Option<crate::delivery::cert::CertInfo>,
}

/// A TLS stream over TCP.
pub type TlsStream = rustls::StreamOwned<ClientConnection, Socket>;

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// The system roots, loaded once (`SSL_CERT_FILE`/`SSL_CERT_DIR` win).
fn roots() -> Arc<RootCertStore> {
    static ROOTS: OnceLock<Arc<RootCertStore>> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let mut store = RootCertStore::empty();
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = store.add(cert);
            }
            Arc::new(store)
        })
        .clone()
}

#[derive(Debug)]
struct Recording {
    inner: Option<Arc<WebPkiServerVerifier>>,
    skip: bool,
    seen: Mutex<Option<Verdict>>,
    cert: Mutex<Option<Vec<u8>>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut c) = self.cert.lock() {
            *c = Some(end_entity.as_ref().to_vec());
        }
        let result = match &self.inner {
            Some(v) => v.verify_server_cert(end_entity, intermediates, server_name, ocsp, now),
            None => Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer,
            )),
        };
        let verdict = match &result {
            Ok(_) => Verdict::Verified,
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Verdict::NameMismatch(describe(result.as_ref().err())),
            Err(e) => Verdict::Untrusted(describe(Some(e))),
        };
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some(verdict);
        }
        if self.skip {
            Ok(ServerCertVerified::assertion())
        } else {
            result
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// `DnsName("x")` / `IpAddress(1.2.3.4)` as rustls prints them → `x`.
fn plain_name(presented: &str) -> String {
    let inner = presented
        .split_once('(')
        .map_or(presented, |(_, rest)| rest.trim_end_matches(')'));
    inner.trim_matches('"').to_owned()
}

fn describe(err: Option<&rustls::Error>) -> String {
    match err {
        None => String::new(),
        Some(rustls::Error::InvalidCertificate(c)) => match c {
            CertificateError::UnknownIssuer => "issued by an unknown certificate authority".into(),
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => "expired".into(),
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "not valid yet".into()
            }
            CertificateError::NotValidForName => "not valid for the name".into(),
            CertificateError::NotValidForNameContext { presented, .. } => {
                let names: Vec<String> = presented.iter().map(|p| plain_name(p)).collect();
                format!("it is valid for {}", names.join(", "))
            }
            CertificateError::BadSignature => "bad signature".into(),
            CertificateError::Revoked => "revoked".into(),
            other => format!("{other:?}"),
        },
        Some(e) => e.to_string(),
    }
}

/// A prepared client configuration plus what its verifier records.
#[derive(Clone)]
pub struct Prepared {
    config: Arc<ClientConfig>,
    recording: Arc<Recording>,
    name: ServerName<'static>,
    sni: Option<String>,
}

impl Prepared {
    /// The client configuration itself, for a driver that runs the
    /// handshake (the PostgreSQL client of `courier watch`).
    #[must_use]
    pub fn config(&self) -> ClientConfig {
        (*self.config).clone()
    }
}

/// Builds the configuration for `options`.
pub fn prepare(options: &TlsOptions) -> Result<Prepared, TlsError> {
    let provider = provider();
    let name = ServerName::try_from(options.name.clone())
        .map_err(|_| TlsError::BadName(options.name.clone()))?;
    let roots = roots();
    let inner = if roots.is_empty() {
        None
    } else {
        WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
            .build()
            .ok()
    };
    let recording = Arc::new(Recording {
        inner,
        skip: options.skip_verify,
        seen: Mutex::new(None),
        cert: Mutex::new(None),
        provider: provider.clone(),
    });
    let builder = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| TlsError::Handshake(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(recording.clone());
    // As Kratos: a certificate that does not load is left out (the caller
    // warns, from `client_cert_problem`), and the session goes on without.
    let config = match &options.client_cert {
        Some((cert, key)) => match load_client_cert(Path::new(cert), Path::new(key)) {
            Ok((chain, key)) if !chain.is_empty() => builder
                .clone()
                .with_client_auth_cert(chain, key)
                .unwrap_or_else(|_| builder.with_no_client_auth()),
            _ => builder.with_no_client_auth(),
        },
        None => builder.with_no_client_auth(),
    };
    let sni = matches!(name, ServerName::DnsName(_)).then(|| options.name.clone());
    Ok(Prepared {
        config: Arc::new(config),
        recording,
        name,
        sni,
    })
}

/// Why a client certificate and key cannot be used (the files cannot be
/// read, hold no PEM certificate or key, or the key is not the
/// certificate's), or `None` when they load.
#[must_use]
pub fn client_cert_problem(cert: &str, key: &str) -> Option<String> {
    let (chain, key) = match load_client_cert(Path::new(cert), Path::new(key)) {
        Ok(pair) => pair,
        Err(TlsError::ClientCert(why)) => return Some(why),
        Err(other) => return Some(other.to_string()),
    };
    if chain.is_empty() {
        return Some(format!("{cert}: no PEM certificate in the file"));
    }
    ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .ok()?
        .with_root_certificates(RootCertStore::empty())
        .with_client_auth_cert(chain, key)
        .err()
        .map(|e| e.to_string())
}

fn load_client_cert(
    cert: &Path,
    key: &Path,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), TlsError> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| TlsError::ClientCert(format!("{}: {e}", cert.display())))?
        .collect::<Result<_, _>>()
        .map_err(|e| TlsError::ClientCert(format!("{}: {e}", cert.display())))?;
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| TlsError::ClientCert(format!("{}: {e}", key.display())))?;
    Ok((chain, key))
}

impl Prepared {
    /// Runs the handshake on `socket` (a `TcpStream`, whose timeouts bound
    /// it, or a [`Socket`] with a deadline, which bounds the whole
    /// handshake).
    pub fn connect(&self, socket: impl Into<Socket>) -> Result<(TlsStream, SessionInfo), TlsError> {
        let conn = ClientConnection::new(self.config.clone(), self.name.clone())
            .map_err(|e| TlsError::Handshake(e.to_string()))?;
        let mut stream = rustls::StreamOwned::new(conn, socket.into());
        while stream.conn.is_handshaking() {
            if let Err(e) = stream.conn.complete_io(&mut stream.sock) {
                return Err(self.classify(&e));
            }
        }
        let info = self.info(&stream.conn);
        Ok((stream, info))
    }

    fn classify(&self, e: &std::io::Error) -> TlsError {
        if matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ) {
            return TlsError::Timeout;
        }
        if matches!(
            e.kind(),
            std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset
        ) {
            return TlsError::Closed;
        }
        let inner = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
        match inner {
            Some(rustls::Error::InvalidMessage(_)) => TlsError::NotTls,
            Some(rustls::Error::InvalidCertificate(_)) => match self.verdict() {
                Some(Verdict::NameMismatch(d)) => TlsError::NameMismatch {
                    name: name_string(&self.name),
                    detail: d,
                },
                Some(Verdict::Untrusted(d)) => TlsError::Untrusted(d),
                _ => TlsError::Untrusted(describe(inner)),
            },
            Some(other) => TlsError::Handshake(other.to_string()),
            None => TlsError::Handshake(e.to_string()),
        }
    }

    /// The server certificate seen during the handshake, even a failed one.
    #[must_use]
    pub fn peer_certificate(&self) -> Option<crate::delivery::cert::CertInfo> {
        let der = self.recording.cert.lock().ok()?.clone()?;
        crate::delivery::cert::describe(&der)
    }

    fn verdict(&self) -> Option<Verdict> {
        self.recording.seen.lock().ok().and_then(|s| s.clone())
    }

    fn info(&self, conn: &ClientConnection) -> SessionInfo {
        let version = match conn.protocol_version() {
            Some(rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3".to_owned(),
            Some(rustls::ProtocolVersion::TLSv1_2) => "TLSv1.2".to_owned(),
            Some(v) => format!("{v:?}"),
            None => "unknown".to_owned(),
        };
        let cipher = conn
            .negotiated_cipher_suite()
            .map_or_else(|| "unknown".to_owned(), |s| format!("{:?}", s.suite()));
        let certificate = conn
            .peer_certificates()
            .and_then(|c| c.first())
            .and_then(|der| crate::delivery::cert::describe(der.as_ref()));
        let (verification, verified, name_checked) = match self.verdict() {
            Some(Verdict::Verified) => (
                format!("trusted, valid for {:?}", name_string(&self.name)),
                true,
                true,
            ),
            Some(Verdict::NameMismatch(d)) => (
                format!("chain trusted, but not valid for the name: {d} (skip_ssl_verify)"),
                false,
                false,
            ),
            Some(Verdict::Untrusted(d)) => {
                (format!("not verified: {d} (skip_ssl_verify)"), false, false)
            }
            None => ("not checked".to_owned(), false, false),
        };
        SessionInfo {
            version,
            cipher,
            sni: self.sni.clone(),
            verification,
            verified,
            name_checked,
            certificate,
        }
    }
}

fn name_string(name: &ServerName<'_>) -> String {
    match name {
        ServerName::DnsName(d) => d.as_ref().to_owned(),
        ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
        _ => "?".to_owned(),
    }
}

/// Either side of an SMTP connection: plain TCP or TLS over it.
pub enum Stream {
    Plain(Socket),
    Tls(Box<TlsStream>),
}

impl Stream {
    /// Every later read and write on the socket underneath ends by
    /// `deadline`.
    pub fn set_deadline(&mut self, deadline: Instant) {
        match self {
            Stream::Plain(s) => s.set_deadline(deadline),
            Stream::Tls(s) => s.sock.set_deadline(deadline),
        }
    }

    #[must_use]
    pub fn is_tls(&self) -> bool {
        matches!(self, Stream::Tls(_))
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

/// Random bytes from the TLS provider's generator, as lowercase hex (for
/// MIME boundaries, like Go's multipart writer: 30 bytes, 60 digits).
#[must_use]
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    if provider().secure_random.fill(&mut buf).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        return format!("{nanos:0width$x}", width = bytes * 2);
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}
