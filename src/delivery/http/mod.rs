//! HTTP: the only `reqwest` and `tokio` user. Fetching remote templates
//! the way Kratos' fetcher does (GET, only 200 counts), and sending
//! messages, one at a time or over a worker's keep-alive [`Lane`].
//!
//! Requests run on a single-threaded runtime on the calling thread: a
//! batch worker drives its own exchanges, with no hand-over to a runtime
//! thread and back for each request (what reqwest's blocking client does).
//!
//! Every exchange has one deadline, from connect to the end of what is read
//! of the body, redirects included (reqwest's per-request total timeout,
//! which also bounds body reads, and [`body::read`] for what is read). What
//! is read is capped: a fetched document at [`FETCH_CAP`], an answer at its
//! first KiB plus a bounded drain. Redirects follow [`redirect`].

pub mod body;
pub mod dial;
pub mod guard;
pub mod proxy;
pub mod redirect;

use std::sync::Arc;
use std::time::{Duration, Instant};

use body::{Bounds, End};
use redirect::RedirectError;

use crate::delivery::ssrf::{HttpRule, Mode, Refusal};

/// Kratos' registry client gives remote template fetches 30 s.
const FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest template or Jsonnet body courier fetches (Kratos sets no
/// limit; a real template is a few KiB).
pub const FETCH_CAP: usize = 1 << 20;

/// The part of an answer's body that is kept: the first KiB, as Kratos
/// logs it.
pub const EXCERPT: usize = 1024;

/// After the excerpt, at most this much more is read so the connection can
/// serve the next message...
const DRAIN_BYTES: u64 = 64 * 1024;

/// ...within this long; a longer or slower rest drops the connection.
const DRAIN_TIME: Duration = Duration::from_millis(500);

/// How long the excerpt of a 2xx answer is waited for (see [`read_answer`]).
const ACCEPTED_EXCERPT_TIME: Duration = Duration::from_secs(1);

/// Why a remote template could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("the server answered {0}; Kratos needs 200")]
    Status(u16),
    #[error(
        "the document is larger than {} MiB, courier's limit for a template or Jsonnet body",
        FETCH_CAP >> 20
    )]
    TooLarge,
    #[error("it did not arrive within {}s (Kratos gives a fetch 30 s)", .0.as_secs())]
    Timeout(Duration),
    #[error(transparent)]
    Redirect(RedirectError),
    #[error("the request failed: {0}")]
    Transport(String),
}

/// GETs `url` and returns the body, which must come with status 200,
/// within 30 s and [`FETCH_CAP`]. Proxies come from the environment, as
/// in Kratos.
pub fn get_text(url: &str) -> Result<String, FetchError> {
    get_text_within(url, FETCH_TIMEOUT, FETCH_CAP)
}

fn get_text_within(url: &str, timeout: Duration, cap: usize) -> Result<String, FetchError> {
    let got = get(url, &[], timeout, cap)?;
    if got.status != 200 {
        return Err(FetchError::Status(got.status));
    }
    Ok(got.body)
}

/// A GET as it was answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Got {
    pub status: u16,
    /// The `Link` header (pagination), when there is one.
    pub link: Option<String>,
    /// The body, at most the cap the request was made with.
    pub body: String,
}

/// GETs `url` with `headers` (a credential among them keeps redirects in
/// the origin), whatever the status, the body within `timeout` and `cap`.
/// Proxies come from the environment, as in Kratos.
pub fn get(
    url: &str,
    headers: &[(&str, &str)],
    timeout: Duration,
    cap: usize,
) -> Result<Got, FetchError> {
    let deadline = Instant::now() + timeout;
    // User info in the URL becomes basic auth: a credential, as is any
    // header given.
    let guarded =
        !headers.is_empty() || crate::gourl::go_parse(url).is_ok_and(|u| u.user.is_some());
    // Kratos' fetcher goes through its HTTP client and its rule; the
    // rule is not known here, so template fetches are not checked.
    let rule = Arc::new(HttpRule::unchecked());
    let mode = guard::check_url(&rule, url).map_err(|e| FetchError::Transport(e.to_string()))?;
    let client =
        build(timeout, guarded, mode, &rule).map_err(|e| FetchError::Transport(e.to_string()))?;
    let rt = runtime().map_err(|e| FetchError::Transport(e.to_string()))?;
    // Requests take their timers from the runtime.
    let _entered = rt.enter();
    let mut request = client.get(url).timeout(timeout);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let mut resp = rt.block_on(request.send()).map_err(|e| {
        if let Some(r) = guard::refusal(&e) {
            FetchError::Transport(r.to_string())
        } else if let Some(r) = redirected(&e) {
            FetchError::Redirect(r)
        } else if e.is_timeout() {
            FetchError::Timeout(timeout)
        } else {
            FetchError::Transport(e.without_url().to_string())
        }
    })?;
    let status = resp.status().as_u16();
    // Kratos v1.0.0 sends each link in a header field of its own.
    let links: Vec<&str> = resp
        .headers()
        .get_all("link")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let link = (!links.is_empty()).then(|| links.join(","));
    if resp.content_length().is_some_and(|n| n > cap as u64) {
        return Err(FetchError::TooLarge);
    }
    let mut bytes = Vec::new();
    let bounds = Bounds {
        limit: cap as u64 + 1,
        patience: deadline,
        deadline,
    };
    match body::read(&mut Chunks::new(&rt, &mut resp), bounds, Some(&mut bytes)).1 {
        End::Eof if bytes.len() <= cap => Ok(Got {
            status,
            link,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }),
        End::Eof | End::Limit => Err(FetchError::TooLarge),
        End::Patience | End::Deadline => Err(FetchError::Timeout(timeout)),
        End::Broken(e) => Err(FetchError::Transport(e)),
    }
}

/// What the server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// The first KiB of the body, as Kratos logs it.
    pub body: String,
    /// `Retry-After`, in seconds (the HTTP-date form is not read).
    pub retry_after: Option<Duration>,
    /// Why the excerpt ends early, when the body did not arrive in time
    /// or the connection broke.
    pub cut: Option<String>,
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
    /// Kratos' private-IP rule refuses the destination (nothing was
    /// dialled).
    #[error(transparent)]
    Refused(Refusal),
    /// A redirect courier does not follow; the text adds what Kratos would
    /// do there.
    #[error("{0}{1}")]
    Redirect(RedirectError, String),
    #[error("the request failed: {0}")]
    Other(String),
}

/// Sends once, as Kratos' courier does: one attempt, a total timeout,
/// redirects followed, proxies from the environment.
pub fn send(
    req: &crate::delivery::request::HttpRequest,
    timeout: Duration,
    rule: HttpRule,
) -> Result<Answer, SendError> {
    Client::new(timeout, rule)?.send(req)
}

/// How a batch's workers send over HTTP: checked once, then each worker
/// opens its own [`Lane`].
#[derive(Clone)]
pub struct Client {
    rule: Arc<HttpRule>,
    timeout: Duration,
}

/// One worker's keep-alive connections and the runtime that drives them on
/// the worker's thread. Requests that carry credentials go through a
/// client that refuses redirects to another origin; the others through one
/// that follows them as Go does.
///
/// Kratos' private-IP rule ([`HttpRule`]) picks, per URL, the rule its
/// connection is dialled under, as Kratos picks one of two transports: a
/// client per rule, each with a resolver that keeps only the addresses
/// that rule lets through (their pools apart, as Kratos' transports are).
pub struct Lane {
    /// Started at the first request.
    rt: Option<tokio::runtime::Runtime>,
    built: Vec<Built>,
    rule: Arc<HttpRule>,
    timeout: Duration,
}

/// A single-threaded runtime, with the I/O and timer drivers.
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

/// Two turns of the runtime: the first takes in the sockets' events, the
/// second runs the connection tasks they woke.
async fn settle() {
    tokio::task::yield_now().await;
    tokio::task::yield_now().await;
}

/// A response body as [`std::io::Read`] for [`body::read`]: each read waits
/// for the next chunk on `rt` (the request's total timeout ends a wait).
struct Chunks<'a> {
    rt: &'a tokio::runtime::Runtime,
    resp: &'a mut reqwest::Response,
    /// What is left of the last chunk, from `at`.
    rest: Vec<u8>,
    at: usize,
}

impl<'a> Chunks<'a> {
    fn new(rt: &'a tokio::runtime::Runtime, resp: &'a mut reqwest::Response) -> Self {
        Self {
            rt,
            resp,
            rest: Vec::new(),
            at: 0,
        }
    }
}

impl std::io::Read for Chunks<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.rest.len() {
            match self.rt.block_on(self.resp.chunk()) {
                Ok(Some(chunk)) => {
                    self.rest.clear();
                    self.rest.extend_from_slice(&chunk);
                    self.at = 0;
                }
                Ok(None) => return Ok(0),
                Err(e) => return Err(std::io::Error::other(e)),
            }
        }
        let n = buf.len().min(self.rest.len() - self.at);
        buf[..n].copy_from_slice(&self.rest[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// A resolver that hands reqwest only the addresses Kratos would dial
/// under `mode` ([`guard::lookup`]).
struct Resolver {
    mode: Mode,
    release: crate::release::Release,
}

impl reqwest::dns::Resolve for Resolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let found = guard::lookup(name.as_str().to_owned(), self.mode, self.release);
        Box::pin(async move {
            found
                .await
                .map(|addrs| Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// A client built for (credentials guarded, the rule it dials under).
type Built = ((bool, Mode), reqwest::Client);

/// A reqwest client whose requests have `timeout` in total, dialled
/// under `mode`; `guarded` refuses redirects to another origin. Each
/// redirect is checked against `rule` as Kratos checks each hop.
fn build(
    timeout: Duration,
    guarded: bool,
    mode: Mode,
    rule: &Arc<HttpRule>,
) -> Result<reqwest::Client, SendError> {
    let hops = Arc::clone(rule);
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .tcp_nodelay(true)
        .dns_resolver(Arc::new(Resolver {
            mode,
            release: rule.release,
        }))
        .redirect(reqwest::redirect::Policy::custom(move |attempt| {
            let first = attempt.previous().first().map_or("", |u| u.as_str());
            let sent = attempt.previous().len();
            let status = attempt.status().as_u16();
            let next = attempt.url().to_string();
            if let Err(e) = redirect::check(first, &next, status, sent, guarded) {
                return attempt.error(e);
            }
            match guard::check_url(&hops, &next) {
                Err(r) => attempt.error(r),
                // A host name under another rule would meet this client's
                // resolver.
                Ok(m) if m != mode && !guard::is_address(&next) => {
                    attempt.error(Refusal::RuleSwitch { to: next })
                }
                Ok(_) => attempt.follow(),
            }
        }))
        .build()
        .map_err(|e| SendError::Other(e.to_string()))
}

impl Client {
    /// Requests of `timeout` in total, dialled as `rule` says.
    pub fn new(timeout: Duration, rule: HttpRule) -> Result<Self, SendError> {
        let client = Self {
            rule: Arc::new(rule),
            timeout,
        };
        // Set-up errors show at once rather than at the first message.
        build(timeout, true, Mode::Open, &client.rule)?;
        Ok(client)
    }

    /// A lane of its own for the calling thread (a worker).
    #[must_use]
    pub fn lane(&self) -> Lane {
        Lane {
            rt: None,
            built: Vec::new(),
            rule: Arc::clone(&self.rule),
            timeout: self.timeout,
        }
    }

    /// Sends `req` once, on a lane of its own.
    pub fn send(&self, req: &crate::delivery::request::HttpRequest) -> Result<Answer, SendError> {
        self.lane().send(req)
    }
}

impl Lane {
    fn pick(&mut self, guarded: bool, mode: Mode) -> Result<reqwest::Client, SendError> {
        if let Some((_, c)) = self.built.iter().find(|(k, _)| *k == (guarded, mode)) {
            return Ok(c.clone());
        }
        let c = build(self.timeout, guarded, mode, &self.rule)?;
        self.built.push(((guarded, mode), c.clone()));
        Ok(c)
    }

    /// Sends `req` once; the status and the first KiB of the body, all
    /// within the timeout.
    pub fn send(
        &mut self,
        req: &crate::delivery::request::HttpRequest,
    ) -> Result<Answer, SendError> {
        let deadline = Instant::now() + self.timeout;
        let method = reqwest::Method::from_bytes(req.method.as_bytes())
            .map_err(|e| SendError::Other(e.to_string()))?;
        let mode = guard::check_url(&self.rule, &req.url).map_err(SendError::Refused)?;
        let client = self.pick(!req.credentials.is_empty(), mode)?;
        let rt = match self.rt {
            Some(ref rt) => rt,
            None => self
                .rt
                .insert(runtime().map_err(|e| SendError::Other(e.to_string()))?),
        };
        // Connections sit idle between this worker's requests, their tasks
        // not polled: let the runtime take in what happened to them (a
        // server that closed one) before the pool hands one out.
        rt.block_on(settle());
        // Requests take their timers from the runtime.
        let _entered = rt.enter();
        let mut builder = client.request(method, &req.url).timeout(self.timeout);
        for (k, v) in &req.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let resp =
            rt.block_on(builder.body(req.body.clone()).send())
                .map_err(|e| match failure(e, self.timeout) {
                    SendError::Redirect(r, _) => {
                        let kratos = match &r {
                            RedirectError::CrossOrigin { status, from, to } => format!(
                                " ({})",
                                redirect::kratos_would(&req.credentials, from, to, *status)
                            ),
                            RedirectError::TooMany => String::new(),
                        };
                        SendError::Redirect(r, kratos)
                    }
                    other => other,
                })?;
        Ok(read_answer(rt, resp, deadline, self.timeout))
    }
}

/// The answer: its status decides, as in Kratos; the first KiB of its body
/// is kept for the report.
///
/// Kratos returns as soon as a 2xx status arrives and never reads the body
/// (`Dispatch` closes it unread), so the message counts as sent whatever
/// the body does next; retrying it would send it twice. courier waits for
/// the excerpt of a 2xx at most [`ACCEPTED_EXCERPT_TIME`]. For any other
/// status Kratos reads up to 1 KiB for its log within the client timeout,
/// and ignores a failure to read it; so does courier, with the deadline.
/// Either way a body that is cut short is noted in [`Answer::cut`], and
/// never turns the verdict.
/// `Retry-After`: seconds, or an HTTP date (the wait until then; a date
/// past is no wait).
fn retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = crate::calendar::parse_http_date(value)?;
    let now = crate::calendar::unix_now();
    Some(Duration::from_secs(u64::try_from(at - now).unwrap_or(0)))
}

fn read_answer(
    rt: &tokio::runtime::Runtime,
    mut resp: reqwest::Response,
    deadline: Instant,
    timeout: Duration,
) -> Answer {
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(retry_after);
    let accepted = (200..300).contains(&status);
    let patience = if accepted {
        deadline.min(Instant::now() + ACCEPTED_EXCERPT_TIME)
    } else {
        deadline
    };
    let mut excerpt = Vec::new();
    let bounds = Bounds {
        limit: EXCERPT as u64,
        patience,
        deadline,
    };
    let (_, end) = body::read(&mut Chunks::new(rt, &mut resp), bounds, Some(&mut excerpt));
    let cut = match end {
        End::Eof => None,
        End::Limit => {
            drain(rt, &mut resp, deadline);
            None
        }
        End::Patience => Some(format!(
            "the rest of the body was not awaited: a {status} is success once its status arrives"
        )),
        End::Deadline => Some(format!(
            "the body did not end within the {}s timeout",
            timeout.as_secs()
        )),
        End::Broken(e) => Some(format!("the body broke off: {e}")),
    };
    Answer {
        status,
        body: String::from_utf8_lossy(&excerpt).into_owned(),
        retry_after,
        cut,
    }
}

/// Reads the rest of a body so the connection can be reused, if it is
/// short and prompt; otherwise dropping the response closes the connection.
fn drain(rt: &tokio::runtime::Runtime, resp: &mut reqwest::Response, deadline: Instant) {
    if resp
        .content_length()
        .is_some_and(|n| n > EXCERPT as u64 + DRAIN_BYTES)
    {
        return;
    }
    let bounds = Bounds {
        limit: DRAIN_BYTES + 1,
        patience: deadline.min(Instant::now() + DRAIN_TIME),
        deadline,
    };
    let _ = body::read(&mut Chunks::new(rt, resp), bounds, None);
}

/// `location` (a redirect's) resolved against `base`, as the client
/// follows it.
#[must_use]
pub fn resolve(base: &str, location: &str) -> Option<String> {
    let next = reqwest::Url::parse(base).ok()?.join(location).ok()?;
    Some(next.into())
}

/// The redirect the policy refused, if that is why `e` failed.
fn redirected(e: &reqwest::Error) -> Option<RedirectError> {
    std::iter::successors(std::error::Error::source(e), |s| s.source())
        .find_map(|s| s.downcast_ref::<RedirectError>())
        .cloned()
}

/// What a failed exchange comes to.
fn failure(e: reqwest::Error, timeout: Duration) -> SendError {
    if let Some(r) = guard::refusal(&e) {
        return SendError::Refused(r);
    }
    if let Some(r) = redirected(&e) {
        return SendError::Redirect(r, String::new());
    }
    let e = e.without_url();
    if e.is_timeout() {
        SendError::Timeout(timeout)
    } else if e.is_connect() {
        SendError::Connect(body::chain_text(&e))
    } else {
        SendError::Other(body::chain_text(&e))
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};

    use super::{FetchError, get_text_within};

    /// A one-connection server that answers `head` and then `body` in
    /// pieces, `every` apart.
    fn serve(head: &'static str, piece: &'static [u8], times: usize, every: Duration) -> u16 {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(head.as_bytes());
            for _ in 0..times {
                std::thread::sleep(every);
                if s.write_all(piece).is_err() {
                    return;
                }
            }
        });
        port
    }

    #[test]
    fn fetches_are_bounded_in_size_and_time() {
        let chunk: &[u8] = &[b'x'; 8192];
        let port = serve("HTTP/1.1 200 OK\r\n\r\n", chunk, 1000, Duration::ZERO);
        let url = format!("http://127.0.0.1:{port}/t");
        let r = get_text_within(&url, Duration::from_secs(10), 64 * 1024);
        assert!(matches!(r, Err(FetchError::TooLarge)), "{r:?}");
        let port = serve(
            "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n",
            b"x",
            100,
            Duration::from_millis(100),
        );
        let start = Instant::now();
        let url = format!("http://127.0.0.1:{port}/t");
        let r = get_text_within(&url, Duration::from_secs(1), 1024);
        assert!(matches!(r, Err(FetchError::Timeout(_))), "{r:?}");
        assert!(start.elapsed() < Duration::from_secs(3));
        let port = serve(
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n",
            b"ok",
            1,
            Duration::ZERO,
        );
        let url = format!("http://127.0.0.1:{port}/t");
        assert_eq!(
            get_text_within(&url, Duration::from_secs(5), 2).unwrap(),
            "ok"
        );
    }
}
