//! The Kratos releases courier can act as (`--kratos-version`), in order,
//! and the span of releases each versioned fact holds in. The facts were
//! read from Kratos' source at each tag; code elsewhere asks
//! `release.has(SPAN)` instead of comparing versions.

use std::fmt;

/// The environment variable that selects the release (courier's own,
/// though it starts like Kratos' `COURIER_` overrides).
pub const ENV: &str = "COURIER_KRATOS_VERSION";

/// A Kratos release (or the development branch), oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Release {
    V1_0_0,
    V1_1_0,
    V1_2_0,
    V1_3_0,
    V1_3_1,
    V25_4_0,
    V26_2_0,
    /// Kratos' development branch as courier last read it.
    Master,
}

impl Release {
    /// Every release, oldest first.
    pub const ALL: [Release; 8] = [
        Release::V1_0_0,
        Release::V1_1_0,
        Release::V1_2_0,
        Release::V1_3_0,
        Release::V1_3_1,
        Release::V25_4_0,
        Release::V26_2_0,
        Release::Master,
    ];

    /// The default: the newest tagged release.
    pub const DEFAULT: Release = Release::V26_2_0;

    /// The name as Kratos tags it (`v1.3.1`, `master`).
    #[must_use]
    pub fn tag(self) -> &'static str {
        match self {
            Release::V1_0_0 => "v1.0.0",
            Release::V1_1_0 => "v1.1.0",
            Release::V1_2_0 => "v1.2.0",
            Release::V1_3_0 => "v1.3.0",
            Release::V1_3_1 => "v1.3.1",
            Release::V25_4_0 => "v25.4.0",
            Release::V26_2_0 => "v26.2.0",
            Release::Master => "master",
        }
    }

    /// A tag with or without its `v`, or `master`.
    pub fn parse(text: &str) -> Result<Release, String> {
        let t = text.trim();
        let bare = t.strip_prefix('v').unwrap_or(t);
        Release::ALL
            .into_iter()
            .find(|r| r.tag().trim_start_matches('v') == bare)
            .ok_or_else(|| {
                format!(
                    "`{t}` is not a Kratos release courier knows (one of: {})",
                    Release::list()
                )
            })
    }

    /// Every tag, comma-separated (for help and errors).
    #[must_use]
    pub fn list() -> String {
        Release::ALL.map(Release::tag).join(", ")
    }

    /// Whether a fact of `span` holds in this release.
    #[must_use]
    pub fn has(self, span: Span) -> bool {
        self >= span.since && span.until.is_none_or(|u| self < u)
    }
}

impl Release {
    /// The most Jsonnet output this release's evaluator passes on (v1.0.0
    /// had no cap: courier's own, master's 256 KiB, stands).
    #[must_use]
    pub fn jsonnet_output_cap(self) -> usize {
        if self >= Release::Master || self < Release::V1_1_0 {
            256 << 10
        } else {
            64 << 10
        }
    }

    /// The most Jsonnet input (the body and the ctx as JSON) this
    /// release's evaluator reads, when it has a cap (from v1.1.0).
    #[must_use]
    pub fn jsonnet_input_cap(self) -> Option<usize> {
        (self >= Release::V1_1_0).then_some(64 << 10)
    }
}

impl fmt::Display for Release {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

/// The releases a fact holds in: from `since` up to, not including,
/// `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub since: Release,
    pub until: Option<Release>,
}

impl Span {
    /// Every release.
    pub const ALWAYS: Span = Span::since(Release::V1_0_0);

    /// From `r` on.
    #[must_use]
    pub const fn since(r: Release) -> Span {
        Span {
            since: r,
            until: None,
        }
    }

    /// Up to, not including, `r`.
    #[must_use]
    pub const fn until(r: Release) -> Span {
        Span {
            since: Release::V1_0_0,
            until: Some(r),
        }
    }

    /// How a user learns where the fact holds: `added in v1.1.0`,
    /// `removed in v25.4.0`, `only in master`.
    #[must_use]
    pub fn describe(self) -> String {
        match (self.since, self.until) {
            (Release::Master, _) => {
                "only in Kratos' development branch (master), in no release yet".to_owned()
            }
            (Release::V1_0_0, None) => "in every release".to_owned(),
            (s, None) => format!("added in {s}"),
            (Release::V1_0_0, Some(u)) => format!("removed in {u}"),
            (s, Some(u)) => format!("added in {s}, removed in {u}"),
        }
    }
}

/// `courier.sms` (the SMS sender before channels).
pub const SMS_SECTION: Span = Span::until(Release::V25_4_0);
/// `courier.channels`, `courier.worker`, the `login_code` and
/// `registration_code` templates, and SMS templates of the older types.
pub const CHANNELS: Span = Span::since(Release::V1_1_0);
/// `courier` needs `smtp`.
pub const COURIER_REQUIRES_SMTP: Span = Span::until(Release::V1_1_0);
/// `courier.smtp` needs `connection_uri`.
pub const SMTP_REQUIRES_URI: Span = Span::until(Release::V1_2_0);
/// `courier.templates.registration_code.valid.sms`.
pub const REGISTRATION_CODE_SMS: Span = Span::since(Release::V25_4_0);
/// `clients.web_hook.header_allowlist`.
pub const HEADER_ALLOWLIST: Span = Span::since(Release::V25_4_0);
/// `html_body` in the HTTP ctx.
pub const HTML_BODY_CTX: Span = Span::since(Release::V25_4_0);
/// `request_headers` in the HTTP ctx.
pub const REQUEST_HEADERS: Span = Span::since(Release::V26_2_0);
/// An ad-hoc (stub) email's HTML part falls back to its plain text.
pub const STUB_HTML_FALLBACK: Span = Span::since(Release::V26_2_0);
/// Kratos' HTTP client checks every dialled address against the ssrf deny
/// list (before: a lookup of its own, and Go's private ranges only), and
/// exception URLs are globs (before: exact URLs).
pub const SSRF_DIALER: Span = Span::since(Release::V1_1_0);
/// The SMTP dialer checks every dialled address against the ssrf deny list
/// (`clients.smtp.disallow_private_ip_ranges` adds the private ranges),
/// and a refused dial is reported as `no route to host` or `no such host`.
pub const SMTP_DIAL_GUARD: Span = Span::since(Release::Master);
/// `courier.templates.verifiable_address_changed` and
/// `clients.smtp.disallow_private_ip_ranges`.
pub const UNRELEASED: Span = Span::since(Release::Master);

#[cfg(test)]
mod tests {
    use super::{CHANNELS, Release, SMS_SECTION, Span, UNRELEASED};

    #[test]
    fn parses_tags_with_or_without_v_and_refuses_others() {
        assert_eq!(Release::parse("v1.3.1"), Ok(Release::V1_3_1));
        assert_eq!(Release::parse("25.4.0"), Ok(Release::V25_4_0));
        assert_eq!(Release::parse("master"), Ok(Release::Master));
        let err = Release::parse("v1.4.0").unwrap_err();
        assert!(err.contains("v1.0.0, v1.1.0"), "{err}");
        assert!(Release::parse("1.3").is_err());
        assert_eq!(Release::DEFAULT.tag(), "v26.2.0");
    }

    #[test]
    fn spans_hold_where_they_say() {
        assert!(Release::V1_3_1.has(SMS_SECTION));
        assert!(!Release::V25_4_0.has(SMS_SECTION));
        assert!(!Release::V1_0_0.has(CHANNELS));
        assert!(Release::V1_1_0.has(CHANNELS));
        assert!(!Release::V26_2_0.has(UNRELEASED));
        assert!(Release::Master.has(UNRELEASED));
        assert_eq!(SMS_SECTION.describe(), "removed in v25.4.0");
        assert_eq!(CHANNELS.describe(), "added in v1.1.0");
        assert_eq!(Span::ALWAYS.describe(), "in every release");
    }
}
