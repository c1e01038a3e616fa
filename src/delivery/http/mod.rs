//! HTTP: the only `reqwest` user. Fetching remote templates the way
//! Kratos' fetcher does (GET, only 200 counts), and sending messages, one
//! at a time or over a shared keep-alive client.

pub mod dial;

use std::time::Duration;

/// Kratos' registry client gives remote template fetches 30 s.
const FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a remote template could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("the server answered {0}; Kratos needs 200")]
    Status(u16),
    #[error("the request failed: {0}")]
    Transport(String),
}

/// GETs `url` and returns the body, which must come with status 200.
/// Proxies come from the environment, as in Kratos.
pub fn get_text(url: &str) -> Result<String, FetchError> {
    let client = reqwest::blocking::Client::builder()
        .timeout(FETCH_TIMEOUT)
        .build()
        .map_err(|e| FetchError::Transport(e.to_string()))?;
    let resp = client
        .get(url)
        .send()
        .map_err(|e| FetchError::Transport(e.without_url().to_string()))?;
    let status = resp.status().as_u16();
    if status != 200 {
        return Err(FetchError::Status(status));
    }
    resp.text()
        .map_err(|e| FetchError::Transport(e.without_url().to_string()))
}

/// What the server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// The first KiB of the body, as Kratos logs it.
    pub body: String,
    /// `Retry-After`, in seconds (the HTTP-date form is not read).
    pub retry_after: Option<Duration>,
}

/// Why a request got no answer.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("timed out after {}s", .0.as_secs())]
    Timeout(Duration),
    #[error("cannot resolve {0}")]
    Resolve(String),
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("the proxy refused the tunnel: {0}")]
    Proxy(String),
    #[error(transparent)]
    Tls(crate::delivery::tls::TlsError),
    #[error("the request failed: {0}")]
    Other(String),
}

/// Sends once, as Kratos' courier does: one attempt, a total timeout,
/// redirects followed, proxies from the environment.
pub fn send(
    req: &crate::delivery::request::HttpRequest,
    timeout: Duration,
) -> Result<Answer, SendError> {
    Client::new(timeout)?.send(req)
}

/// A keep-alive client shared by the workers of a batch (connections are
/// pooled and reused across requests and threads).
#[derive(Clone)]
pub struct Client {
    inner: reqwest::blocking::Client,
    timeout: Duration,
}

impl Client {
    /// A client whose every request has `timeout` in total.
    pub fn new(timeout: Duration) -> Result<Self, SendError> {
        let inner = reqwest::blocking::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .tcp_nodelay(true)
            .build()
            .map_err(|e| SendError::Other(e.to_string()))?;
        Ok(Self { inner, timeout })
    }

    /// Sends `req` once; the status and the first KiB of the body.
    pub fn send(&self, req: &crate::delivery::request::HttpRequest) -> Result<Answer, SendError> {
        let method = reqwest::Method::from_bytes(req.method.as_bytes())
            .map_err(|e| SendError::Other(e.to_string()))?;
        let mut builder = self.inner.request(method, &req.url);
        for (k, v) in &req.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let resp = builder.body(req.body.clone()).send().map_err(|e| {
            let e = e.without_url();
            if e.is_timeout() {
                SendError::Timeout(self.timeout)
            } else if e.is_connect() {
                SendError::Connect(source_text(&e))
            } else {
                SendError::Other(source_text(&e))
            }
        })?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let mut body = Vec::new();
        let mut resp = resp;
        let _ = std::io::Read::read_to_end(&mut std::io::Read::take(&mut resp, 1024), &mut body);
        // Drain the rest (bounded) so the connection can be reused.
        let _ = std::io::copy(
            &mut std::io::Read::take(&mut resp, 1 << 20),
            &mut std::io::sink(),
        );
        Ok(Answer {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
            retry_after,
        })
    }
}

fn source_text(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        text.push_str(": ");
        text.push_str(&s.to_string());
        src = s.source();
    }
    text
}
