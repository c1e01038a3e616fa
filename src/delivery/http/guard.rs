//! Kratos' private-IP rule on courier's HTTP client: a lookup that
//! hands reqwest only the addresses Kratos' dialer would dial (so what is
//! dialled is what was judged, however the name resolves next time), and
//! the check of a host that is an address already (reqwest dials those
//! without asking a resolver), before the first request and on every
//! redirect.

use std::future::Future;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use crate::delivery::ssrf::{self, Client, HttpRule, Mode, Refusal};
use crate::gourl;
use crate::release::Release;

/// Where a request to `url` is dialled: the proxy Go would pick from the
/// environment, else the URL's host (brackets dropped).
#[must_use]
pub fn dial_host(url: &str) -> Option<String> {
    let u = gourl::go_parse(url).ok()?;
    let env = |k: &str| std::env::var(k).ok();
    match super::proxy::proxy_for(&u.scheme, u.hostname(), &env) {
        Some(p) => gourl::go_parse(&p).ok().map(|p| p.hostname().to_owned()),
        None => Some(u.hostname().to_owned()),
    }
}

/// Whether a request to `url` dials an address rather than a name.
#[must_use]
pub fn is_address(url: &str) -> bool {
    dial_host(url).is_some_and(|h| h.parse::<IpAddr>().is_ok())
}

/// The rule for `url`, and the check of its dial host when that is an
/// address.
pub fn check_url(rule: &HttpRule, url: &str) -> Result<Mode, Refusal> {
    let mode = rule.mode(url)?;
    if let Some(host) = dial_host(url)
        && let Ok(ip) = host.parse::<IpAddr>()
    {
        ssrf::check(mode, rule.release, Client::Http, &host, ip)?;
    }
    Ok(mode)
}

/// What a lookup finds: the addresses to dial, or why there are none.
pub type Found = Result<Vec<SocketAddr>, Box<dyn std::error::Error + Send + Sync>>;

/// Resolves `host` on a thread of its own and keeps only the addresses
/// Kratos would dial under `mode`; when it would dial none, the first
/// refusal is the error.
pub fn lookup(host: String, mode: Mode, release: Release) -> impl Future<Output = Found> + Send {
    Lookup::spawn(move || {
        let addrs: Vec<_> = (host.as_str(), 0).to_socket_addrs()?.collect();
        let mut refused = None;
        let kept: Vec<_> = addrs
            .into_iter()
            .filter(
                |a| match ssrf::check(mode, release, Client::Http, &host, a.ip()) {
                    Ok(()) => true,
                    Err(r) => {
                        refused.get_or_insert(r);
                        false
                    }
                },
            )
            .collect();
        match (kept.is_empty(), refused) {
            (true, Some(r)) => Err(Box::new(r) as Box<_>),
            _ => Ok(kept),
        }
    })
}

/// A blocking lookup on a thread of its own, as a future.
struct Lookup {
    shared: Arc<Mutex<(Option<Found>, Option<Waker>)>>,
}

impl Lookup {
    fn spawn(f: impl FnOnce() -> Found + Send + 'static) -> Self {
        let shared = Arc::new(Mutex::new((None, None::<Waker>)));
        let theirs = Arc::clone(&shared);
        std::thread::spawn(move || {
            let found = f();
            let mut slot = theirs
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            slot.0 = Some(found);
            if let Some(w) = slot.1.take() {
                w.wake();
            }
        });
        Self { shared }
    }
}

impl Future for Lookup {
    type Output = Found;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Found> {
        let mut slot = self
            .shared
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match slot.0.take() {
            Some(found) => Poll::Ready(found),
            None => {
                slot.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// The refusal in an error chain, if that is why it failed.
pub fn refusal(e: &(dyn std::error::Error + 'static)) -> Option<Refusal> {
    std::iter::successors(Some(e), |s| s.source())
        .find_map(|s| s.downcast_ref::<Refusal>())
        .cloned()
}
