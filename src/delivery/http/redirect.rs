//! Redirects: which ones courier follows, and what Kratos would forward.
//!
//! Kratos' client is Go's: it follows up to 10 redirects, and on every hop
//! it copies the headers of the first request. Only `Authorization`,
//! `Www-Authenticate`, `Cookie`, `Cookie2`, `Proxy-Authorization` and
//! `Proxy-Authenticate` are dropped, and only once a hop goes to a host
//! that is neither the first host nor one of its subdomains (the port and
//! scheme do not count; Go's `shouldCopyHeaderOnRedirect`). Every other
//! header goes wherever the server points, an API key in `X-Api-Key`
//! included. 307 and 308 resend the method and the body (the message);
//! 301, 302 and 303 turn into a GET without it.
//!
//! courier follows redirects within the origin of the configured URL
//! (scheme, host and port) as Go does, at most 10. A redirect to another
//! origin is followed only when the request carries no credential: with
//! one, the exchange fails instead, so neither the credential nor the
//! message reaches a host the operator did not configure. Following it
//! without the credentials was the alternative; it was not taken because
//! the message (codes, links, addresses) would still go to that host, and
//! the provider would answer 401 there anyway.

use crate::gourl;

/// Go's limit: `stopped after 10 redirects`.
pub const MAX_REDIRECTS: usize = 10;

/// The headers Go drops on a redirect to another domain.
const GO_SENSITIVE: [&str; 6] = [
    "Authorization",
    "Www-Authenticate",
    "Cookie",
    "Cookie2",
    "Proxy-Authorization",
    "Proxy-Authenticate",
];

/// Scheme, host and port: what a redirect must keep for credentials to
/// follow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub scheme: String,
    pub host: String,
    pub port: u16,
}

impl Origin {
    /// The origin of an absolute `http(s)://` URL.
    #[must_use]
    pub fn of(url: &str) -> Option<Self> {
        let u = gourl::go_parse(url).ok()?;
        let default = match u.scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return None,
        };
        let host = u.hostname().to_ascii_lowercase();
        if host.is_empty() {
            return None;
        }
        Some(Self {
            port: u.port().parse().unwrap_or(default),
            host,
            scheme: u.scheme,
        })
    }
}

/// Whether `next` is in the origin of `first` (a URL that does not parse
/// is another origin).
#[must_use]
pub fn same_origin(first: &str, next: &str) -> bool {
    matches!((Origin::of(first), Origin::of(next)), (Some(a), Some(b)) if a == b)
}

/// Why a redirect was not followed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedirectError {
    /// A request with credentials was redirected to another origin. The
    /// URLs are kept raw; they are shown masked.
    #[error(
        "the server redirected ({status}) to {}; courier does not forward credentials to another origin",
        crate::secret::mask_url(to)
    )]
    CrossOrigin {
        status: u16,
        from: String,
        to: String,
    },
    #[error("stopped after {MAX_REDIRECTS} redirects, as Kratos' client does")]
    TooMany,
}

/// Whether courier follows a redirect to `next` in a chain that started at
/// `first` (the configured URL) and has sent `sent` requests so far (Go
/// refuses the redirect that would make the 11th), for a request with or
/// without credentials.
pub fn check(
    first: &str,
    next: &str,
    status: u16,
    sent: usize,
    credentials: bool,
) -> Result<(), RedirectError> {
    if sent >= MAX_REDIRECTS {
        return Err(RedirectError::TooMany);
    }
    if credentials && !same_origin(first, next) {
        return Err(RedirectError::CrossOrigin {
            status,
            from: first.to_owned(),
            to: next.to_owned(),
        });
    }
    Ok(())
}

/// Go's `isDomainOrSubdomain` (an IPv6 address is no domain).
#[must_use]
pub fn is_domain_or_subdomain(sub: &str, parent: &str) -> bool {
    if sub == parent {
        return true;
    }
    if sub.contains([':', '%']) {
        return false;
    }
    sub.len() > parent.len()
        && sub.ends_with(parent)
        && sub.as_bytes()[sub.len() - parent.len() - 1] == b'.'
}

/// What Kratos would do with `credentials` (header names) on a redirect
/// from `first` to `next` with `status`, as a clause for messages:
/// "Kratos would forward the X-Api-Key header there, with the message".
#[must_use]
pub fn kratos_would(credentials: &[String], first: &str, next: &str, status: u16) -> String {
    let host = |u: &str| {
        gourl::go_parse(u)
            .map(|u| u.hostname().to_ascii_lowercase())
            .unwrap_or_default()
    };
    let keeps_domain = is_domain_or_subdomain(&host(next), &host(first));
    let (forwarded, dropped): (Vec<&String>, Vec<&String>) = credentials
        .iter()
        .partition(|h| keeps_domain || !GO_SENSITIVE.contains(&h.as_str()));
    let with_body = matches!(status, 307 | 308);
    let list = |names: &[&String]| {
        let names: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
        let noun = if names.len() == 1 {
            "header"
        } else {
            "headers"
        };
        format!("the {} {noun}", names.join(" and "))
    };
    let message = if with_body { ", with the message" } else { "" };
    if forwarded.is_empty() {
        let then = if with_body {
            "but would still send the message there"
        } else {
            "but would still follow it"
        };
        format!(
            "Kratos would drop {} there (another domain), {then}",
            list(&dropped)
        )
    } else {
        format!("Kratos would forward {} there{message}", list(&forwarded))
    }
}

#[cfg(test)]
mod tests {
    use super::{RedirectError, check, is_domain_or_subdomain, kratos_would, same_origin};

    #[test]
    fn origins() {
        assert!(same_origin(
            "https://API.example.com/a",
            "https://api.example.com:443/b"
        ));
        assert!(!same_origin(
            "https://api.example.com/a",
            "http://api.example.com/a"
        ));
        assert!(!same_origin(
            "http://127.0.0.1:80/a",
            "http://127.0.0.1:81/a"
        ));
        assert!(!same_origin("https://a.example/", "https://b.example/"));
        assert!(!same_origin("https://a.example/", "not a url"));
    }

    #[test]
    fn credentials_stay_in_their_origin() {
        let (a, b) = ("https://a.example/x", "https://b.example/y?t=1");
        assert_eq!(check(a, b, 307, 0, false), Ok(()));
        assert_eq!(check(a, "https://a.example/z", 302, 3, true), Ok(()));
        let err = check(a, b, 307, 0, true).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the server redirected (307) to https://b.example/y?t=***; courier does not forward credentials to another origin"
        );
        assert_eq!(check(a, a, 302, 10, false), Err(RedirectError::TooMany));
    }

    #[test]
    fn what_go_forwards() {
        assert!(is_domain_or_subdomain("api.example.com", "example.com"));
        assert!(!is_domain_or_subdomain("badexample.com", "example.com"));
        assert!(!is_domain_or_subdomain("::1", "1"));
        let key = vec!["X-Api-Key".to_owned()];
        let basic = vec!["Authorization".to_owned()];
        let (a, b) = ("https://a.example/x", "https://b.example/y");
        assert_eq!(
            kratos_would(&key, a, b, 307),
            "Kratos would forward the X-Api-Key header there, with the message"
        );
        assert_eq!(
            kratos_would(&basic, a, b, 307),
            "Kratos would drop the Authorization header there (another domain), but would still send the message there"
        );
        assert_eq!(
            kratos_would(&basic, a, "https://eu.a.example/", 302),
            "Kratos would forward the Authorization header there"
        );
    }
}
