//! Where Kratos' dialers refuse to connect, per release: the HTTP client
//! (`clients.http.disallow_private_ip_ranges` and
//! `private_ip_exception_urls`) and, in master, the SMTP dialer
//! (`clients.smtp.disallow_private_ip_ranges`). A [`Mode`] is the rule one
//! connection is dialled under; it judges every resolved address, as
//! Kratos' dialers do at connect time. `ranges` holds the address tables,
//! `glob` the exception patterns.
//!
//! - v1.0.0, HTTP only: with the flag on, Go's private, loopback and
//!   unspecified addresses are refused unless the URL (query dropped) is
//!   exactly an exception; link-local is not refused.
//! - v1.1.0 on: ssrf's deny list always applies; with the flag off, or for
//!   a URL an exception glob matches, 10/8, 127/8, 169.254/16, 172.16/12,
//!   192.168/16, ::1 and fc00::/7 are allowed first. An exception pattern
//!   that does not compile fails every request.
//! - SMTP: no rule before master; in master the deny list always applies,
//!   with the private ranges allowed unless the SMTP flag is on.

pub mod glob;
pub mod ranges;

use std::net::IpAddr;

use crate::release::{self, Release};
use glob::{Glob, GlobError};
use ranges::Denied;

/// The rule one connection is dialled under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// No check (v1.0.0 without the flag or for an exception; SMTP before
    /// master).
    Open,
    /// v1.0.0 with the flag: Go's private, loopback and unspecified
    /// addresses are refused.
    NotPublic,
    /// ssrf's deny list with the private ranges allowed first.
    AllowPrivate,
    /// ssrf's whole deny list.
    ProhibitPrivate,
}

impl Mode {
    /// Whether Kratos would dial `ip` under this rule.
    pub fn check(self, ip: IpAddr) -> Result<(), Denied> {
        match self {
            Mode::Open => Ok(()),
            Mode::NotPublic => ranges::go_not_public(ip),
            Mode::AllowPrivate => ranges::ssrf(ip, true),
            Mode::ProhibitPrivate => ranges::ssrf(ip, false),
        }
    }
}

/// Which client a refusal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    Http,
    Smtp,
}

impl Client {
    fn flag(self) -> &'static str {
        match self {
            Client::Http => "clients.http.disallow_private_ip_ranges",
            Client::Smtp => "clients.smtp.disallow_private_ip_ranges",
        }
    }
}

/// An address Kratos would not dial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub ip: IpAddr,
    /// The host as it was dialled: a name, or the address itself.
    pub host: String,
    pub denied: Denied,
    pub mode: Mode,
    pub release: Release,
    pub client: Client,
}

impl Address {
    /// The error text Kratos' dialer produces for it.
    #[must_use]
    pub fn kratos_error(&self) -> String {
        let ip = ranges::canonical(self.ip);
        match &self.denied {
            Denied::NotPublic => format!("{ip} is not a public IP address"),
            Denied::By(prefix) => format!(
                "prohibited IP address: {ip} is not a permitted destination (denied by: {prefix})"
            ),
            Denied::OutsideGlobalUnicast => format!(
                "prohibited IP address: {ip} is not a permitted destination as it's outside of \
                 the IPv6 Global Unicast range"
            ),
        }
    }

    /// Master hides the refusal: what its log shows instead.
    #[must_use]
    pub fn masked(&self) -> Option<String> {
        if !self.release.has(release::SMTP_DIAL_GUARD) {
            return None;
        }
        Some(if self.host.parse::<IpAddr>().is_ok() {
            "dial tcp: no route to host".to_owned()
        } else {
            format!("dial tcp: lookup {}: no such host", self.host)
        })
    }

    /// Whether the private ranges would have let it through.
    fn only_by_flag(&self) -> bool {
        match self.mode {
            Mode::NotPublic => true,
            Mode::ProhibitPrivate => Mode::AllowPrivate.check(self.ip).is_ok(),
            Mode::Open | Mode::AllowPrivate => false,
        }
    }

    /// What would let it through.
    #[must_use]
    pub fn hint(&self) -> String {
        match (self.only_by_flag(), self.client) {
            (true, Client::Http) => format!(
                "set {} to false, or add the URL (a glob from v1.1.0, the exact URL in v1.0.0) to \
                 clients.http.private_ip_exception_urls",
                self.client.flag()
            ),
            (true, Client::Smtp) => format!(
                "set {} to false, or use a server on a public address",
                self.client.flag()
            ),
            (false, _) => "use an endpoint on a public address: no setting lets Kratos dial this \
                 range"
                .to_owned(),
        }
    }
}

impl Address {
    /// The address, and the name it was reached by.
    fn shown(&self) -> String {
        let ip = ranges::canonical(self.ip);
        if self.host == ip.to_string() {
            ip.to_string()
        } else {
            format!("{ip} ({})", self.host)
        }
    }

    /// What Kratos says, and why.
    fn reason(&self) -> String {
        let mut s = format!("\"{}\"", self.kratos_error());
        if let Some(masked) = self.masked() {
            s.push_str(&format!(" (its log shows \"{masked}\")"));
        }
        if self.only_by_flag() {
            let exceptions = if self.client == Client::Http {
                " and the URL matches no clients.http.private_ip_exception_urls entry"
            } else {
                ""
            };
            s.push_str(&format!("; {} is true{exceptions}", self.client.flag()));
        } else {
            s.push_str(&format!(
                "; Kratos never dials this range, whatever {} says",
                self.client.flag()
            ));
        }
        s
    }

    /// The finding, before any connection (check-config).
    #[must_use]
    pub fn offline(&self) -> String {
        format!(
            "Kratos {} would refuse to connect to {}: {}",
            self.release,
            self.shown(),
            self.reason()
        )
    }
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "refused to connect to {}, as Kratos {} does: {}",
            self.shown(),
            self.release,
            self.reason()
        )
    }
}

/// Why Kratos would not make a request or a connection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{0}")]
    Address(Box<Address>),
    /// An exception pattern that does not compile fails every request.
    #[error(
        "clients.http.private_ip_exception_urls has {pattern:?}, which is no valid glob ({error}): \
         Kratos fails every HTTP request while private ranges are disallowed"
    )]
    Pattern { pattern: String, error: GlobError },
    /// A redirect to a URL under the other rule, to a host name: courier
    /// does not switch rules within one exchange.
    #[error(
        "the server redirected to {}, which clients.http.private_ip_exception_urls puts under \
         another private-IP rule than the URL before it; courier does not switch rules within \
         one request (Kratos would dial it under the other rule)",
        crate::secret::mask_url(to)
    )]
    RuleSwitch { to: String },
}

impl Refusal {
    /// What would fix it.
    #[must_use]
    pub fn hint(&self) -> String {
        match self {
            Refusal::Address(a) => a.hint(),
            Refusal::Pattern { .. } => {
                "fix the pattern (gobwas/glob syntax: *, **, ?, [a-z], {a,b}, \\ to escape)"
                    .to_owned()
            }
            Refusal::RuleSwitch { .. } => "point the URL at where the server redirects".to_owned(),
        }
    }
}

/// The HTTP client's rule, as the config sets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRule {
    pub release: Release,
    /// `clients.http.disallow_private_ip_ranges`.
    pub disallow: bool,
    /// `clients.http.private_ip_exception_urls`, in config order.
    pub exceptions: Vec<String>,
}

impl HttpRule {
    /// Kratos' default: private ranges allowed.
    #[must_use]
    pub fn open(release: Release) -> Self {
        Self {
            release,
            disallow: false,
            exceptions: Vec::new(),
        }
    }

    /// No rule: every address is dialled (what courier uses where the
    /// config is not known).
    #[must_use]
    pub fn unchecked() -> Self {
        Self::open(Release::V1_0_0)
    }

    /// The rule a request to `url` is dialled under, or the exception
    /// pattern that fails it.
    pub fn mode(&self, url: &str) -> Result<Mode, Refusal> {
        let glob = self.release.has(release::SSRF_DIALER);
        if !self.disallow {
            return Ok(if glob { Mode::AllowPrivate } else { Mode::Open });
        }
        let subject = matched_form(url);
        if !glob {
            let listed = self.exceptions.contains(&subject);
            return Ok(if listed { Mode::Open } else { Mode::NotPublic });
        }
        for pattern in &self.exceptions {
            let g = Glob::compile(pattern).map_err(|error| Refusal::Pattern {
                pattern: pattern.clone(),
                error,
            })?;
            if g.matches(&subject) {
                return Ok(Mode::AllowPrivate);
            }
        }
        Ok(Mode::ProhibitPrivate)
    }

    /// Whether Kratos would dial `ip` (reached as `host`) for `url`.
    pub fn check(&self, url: &str, host: &str, ip: IpAddr) -> Result<(), Refusal> {
        let mode = self.mode(url)?;
        check(mode, self.release, Client::Http, host, ip)
    }
}

/// Judges `ip` (dialled as `host`) under `mode`.
pub fn check(
    mode: Mode,
    release: Release,
    client: Client,
    host: &str,
    ip: IpAddr,
) -> Result<(), Refusal> {
    mode.check(ip).map_err(|denied| {
        Refusal::Address(Box::new(Address {
            ip,
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned(),
            denied,
            mode,
            release,
            client,
        }))
    })
}

/// The SMTP dialer's rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmtpRule {
    pub release: Release,
    /// `clients.smtp.disallow_private_ip_ranges` (read in master only).
    pub disallow: bool,
}

impl SmtpRule {
    /// The rule every SMTP connection is dialled under.
    #[must_use]
    pub fn mode(self) -> Mode {
        match (self.release.has(release::SMTP_DIAL_GUARD), self.disallow) {
            (false, _) => Mode::Open,
            (true, false) => Mode::AllowPrivate,
            (true, true) => Mode::ProhibitPrivate,
        }
    }

    /// Whether Kratos would dial `ip` (reached as `host`).
    pub fn check(self, host: &str, ip: IpAddr) -> Result<(), Refusal> {
        check(self.mode(), self.release, Client::Smtp, host, ip)
    }
}

/// The URL as Kratos matches it against the exceptions: without its
/// query (Go clears `RawQuery`; the fragment stays, as `String()` keeps
/// the decoded `Fragment`).
#[must_use]
pub fn matched_form(url: &str) -> String {
    let (head, fragment) = match url.split_once('#') {
        Some((h, f)) => (h, Some(f)),
        None => (url, None),
    };
    let base = head.split_once('?').map_or(head, |(b, _)| b);
    match fragment {
        Some(f) if !f.is_empty() => format!("{base}#{f}"),
        _ => base.to_owned(),
    }
}

#[cfg(test)]
mod tests;
