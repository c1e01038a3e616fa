//! What a failed dispatch's error means: Kratos' error text (Go's words,
//! as its dispatcher stores them) matched against what `courier test`
//! knows, with the hint it gives and, when the config is at hand, the key
//! to change.

use serde::Serialize;

/// A failed dispatch, explained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// A stable name for the kind of failure (`smtp-auth`, `http-401`, …).
    pub kind: &'static str,
    /// What it means and what to do, in courier's words.
    pub hint: String,
    /// The config key to change, when the config was given (`-c`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// Where a message went out: the keys that configure it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Email over SMTP: `courier.smtp`.
    Smtp,
    /// Email over HTTP: `courier.http.request_config`.
    EmailHttp,
    /// SMS over a channel: `courier.channels[i].request_config` (or
    /// `courier.sms.request_config` before v1.1.0).
    Sms(String),
}

impl Route {
    fn request_key(&self) -> String {
        match self {
            Route::Smtp => "courier.smtp.connection_uri".to_owned(),
            Route::EmailHttp => "courier.http.request_config".to_owned(),
            Route::Sms(path) => path.clone(),
        }
    }
}

/// One rule: the texts that mark a failure (any of them, matched case-
/// insensitively), its kind, the hint, and the key under the route
/// (`""` is the route's own key).
struct Rule {
    any: &'static [&'static str],
    kind: &'static str,
    hint: &'static str,
    key: &'static str,
}

/// In order: the first rule whose text occurs wins (specific before
/// general).
const RULES: &[Rule] = &[
    Rule {
        any: &[
            "prohibited ip address",
            "not a permitted destination",
            "is not a public ip address",
        ],
        kind: "private-ip",
        hint: "Kratos refuses to dial a private address: set the endpoint to a public host, or allow it with clients.http.private_ip_exception_urls (HTTP) or by turning off the disallow_private_ip_ranges flag",
        key: "clients",
    },
    Rule {
        any: &[
            "certificate is valid for",
            "doesn't contain any ip sans",
            "not valid for any names",
        ],
        kind: "tls-name-mismatch",
        hint: "the server's certificate is for another name: connect by a name it is valid for, or set ?server_name=NAME in the connection URI (`courier test` shows the names)",
        key: "",
    },
    Rule {
        any: &[
            "certificate signed by unknown authority",
            "certificate is not trusted",
            "failed to verify certificate",
        ],
        kind: "tls-untrusted",
        hint: "Kratos does not trust the server's certificate: install its CA in Kratos' trust store, or (testing only) add ?skip_ssl_verify=true",
        key: "",
    },
    Rule {
        any: &["certificate has expired", "not yet valid"],
        kind: "tls-expired",
        hint: "the server's certificate has expired (or is not valid yet): renew it on the server",
        key: "",
    },
    Rule {
        any: &["first record does not look like a tls handshake"],
        kind: "tls-mode",
        hint: "smtps:// (implicit TLS) on a port that speaks plain SMTP first: use smtp:// for STARTTLS ports (587, 25)",
        key: "",
    },
    Rule {
        any: &[
            "does not support starttls",
            "starttls required",
            "must issue a starttls",
            "530 5.7.0",
        ],
        kind: "tls-mode",
        hint: "the server and the URI disagree about STARTTLS: use smtp:// on 587, smtps:// on 465; `courier test` shows what the server offers",
        key: "",
    },
    Rule {
        any: &[
            "535",
            "534",
            "authentication failed",
            "username and password not accepted",
            "invalid credentials",
            "auth: ",
        ],
        kind: "smtp-auth",
        hint: "the server refused the user name or password: check them, and percent-encode reserved characters (@ : / ? #) in the URI (`courier uri --decode` shows what Kratos reads)",
        key: "",
    },
    Rule {
        any: &["connection refused"],
        kind: "connection-refused",
        hint: "nothing accepts connections at that host and port: check the port (587 STARTTLS, 465 implicit TLS) and that the server runs and is reachable from Kratos",
        key: "",
    },
    Rule {
        any: &["no such host", "server misbehaving"],
        kind: "dns",
        hint: "the host name does not resolve from where Kratos runs: check its spelling and Kratos' DNS",
        key: "",
    },
    Rule {
        any: &["i/o timeout", "deadline exceeded", "timed out", "timeout"],
        kind: "timeout",
        hint: "the server did not answer in time: a firewall dropping packets, or smtp:// on an implicit-TLS port (465) waiting for a greeting that never comes",
        key: "",
    },
    Rule {
        any: &[
            "status code 401",
            "status code 403",
            "unauthorized",
            "forbidden",
        ],
        kind: "http-auth",
        hint: "the provider refused the credentials: check request_config.auth (api_key or basic_auth) and its headers",
        key: "auth",
    },
    Rule {
        any: &["status code 429", "too many requests"],
        kind: "http-throttled",
        hint: "the provider is rate limiting: Kratos retries later; raise the provider's limit or lower Kratos' pull_count / pull_wait pace",
        key: "",
    },
    Rule {
        any: &[
            "giving up after",
            "status code 5",
            "internal server error",
            "bad gateway",
            "service unavailable",
        ],
        kind: "http-server-error",
        hint: "the provider failed (5xx) or kept failing: Kratos gives up on this attempt and retries the message later; check the provider's status",
        key: "url",
    },
    Rule {
        any: &["status code 4", "bad request", "unprocessable"],
        kind: "http-rejected",
        hint: "the provider rejected the request: the payload does not fit its API; `courier render --part request` shows what Kratos sends",
        key: "body",
    },
    Rule {
        any: &["incorrect content-type"],
        kind: "content-type",
        hint: "Kratos accepts only Content-Type application/json or application/x-www-form-urlencoded, with no parameters (no ; charset=)",
        key: "headers",
    },
    Rule {
        any: &["got empty template path"],
        kind: "body-missing",
        hint: "the request config has no Jsonnet body: add body: file://… or base64://…",
        key: "body",
    },
    Rule {
        any: &[
            "runtime error",
            "static error",
            "jsonnet",
            "field does not exist",
            "token too long",
        ],
        kind: "jsonnet",
        hint: "the Jsonnet body failed for this message: `courier render --template TYPE` evaluates it with the same ctx shape and shows the error's line",
        key: "body",
    },
    Rule {
        any: &["unknown channel", "no courier channels configured"],
        kind: "channel-missing",
        hint: "no channel is configured for this message's type: SMS needs a courier.channels entry with id sms (and v1.1.0 drops email when channels are set)",
        key: "courier.channels",
    },
    Rule {
        any: &[
            "550",
            "551",
            "553",
            "554",
            "user unknown",
            "mailbox unavailable",
            "recipient rejected",
        ],
        kind: "recipient-rejected",
        hint: "the server refused this recipient or message for good: check the address; other messages are not affected",
        key: "",
    },
    Rule {
        any: &["421", "450", "451", "452"],
        kind: "smtp-temporary",
        hint: "the server deferred the message (4xx): Kratos retries it until message_retries runs out",
        key: "",
    },
];

/// Explains a dispatch error of a message that went out on `route`;
/// `None` when courier does not recognise it.
#[must_use]
pub fn explain(error: &str, route: &Route) -> Option<Explanation> {
    let lower = error.to_ascii_lowercase();
    let rule = RULES
        .iter()
        .find(|r| r.any.iter().any(|needle| occurs(&lower, needle)))?;
    let key = match rule.key {
        "" => route.request_key(),
        k if k.starts_with("courier.") || k == "clients" => match (k, route) {
            ("clients", Route::Smtp) => "clients.smtp.disallow_private_ip_ranges".to_owned(),
            ("clients", _) => "clients.http.disallow_private_ip_ranges".to_owned(),
            (k, _) => k.to_owned(),
        },
        sub => match route {
            Route::Smtp => route.request_key(),
            _ => format!("{}.{sub}", route.request_key()),
        },
    };
    Some(Explanation {
        kind: rule.kind,
        hint: rule.hint.to_owned(),
        key: Some(key),
    })
}

/// Whether `needle` occurs in `text`; a reply code (digits alone) only as
/// a word of its own, so `535` does not match a port or an id.
fn occurs(text: &str, needle: &str) -> bool {
    if !needle.bytes().all(|b| b.is_ascii_digit()) {
        return text.contains(needle);
    }
    text.match_indices(needle).any(|(i, _)| {
        let before = text[..i].bytes().next_back();
        let after = text[i + needle.len()..].bytes().next();
        !before.is_some_and(|b| b.is_ascii_alphanumeric())
            && !after.is_some_and(|b| b.is_ascii_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::{Route, explain};

    #[test]
    fn kratos_errors_are_explained_with_the_key_to_change() {
        let sms = Route::Sms("courier.channels[0].request_config".into());
        let cases = [
            (
                "failed to send email via smtp: 535 5.7.8 Username and Password not accepted",
                Route::Smtp,
                "smtp-auth",
                "courier.smtp.connection_uri",
            ),
            (
                "tls: failed to verify certificate: x509: certificate signed by unknown authority",
                Route::Smtp,
                "tls-untrusted",
                "courier.smtp.connection_uri",
            ),
            (
                "x509: certificate is valid for mail.example.com, not smtp.example.com",
                Route::Smtp,
                "tls-name-mismatch",
                "courier.smtp.connection_uri",
            ),
            (
                "dial tcp 10.0.0.5:587: connect: connection refused",
                Route::Smtp,
                "connection-refused",
                "courier.smtp.connection_uri",
            ),
            (
                "tls: first record does not look like a TLS handshake",
                Route::Smtp,
                "tls-mode",
                "courier.smtp.connection_uri",
            ),
            (
                "upstream server replied with status code 401",
                Route::EmailHttp,
                "http-auth",
                "courier.http.request_config.auth",
            ),
            (
                "upstream server replied with status code 403",
                sms.clone(),
                "http-auth",
                "courier.channels[0].request_config.auth",
            ),
            (
                "POST https://api.example.com giving up after 3 attempt(s)",
                Route::EmailHttp,
                "http-server-error",
                "courier.http.request_config.url",
            ),
            (
                "upstream server replied with status code 429",
                sms.clone(),
                "http-throttled",
                "courier.channels[0].request_config",
            ),
            (
                "RUNTIME ERROR: Field does not exist: recipient",
                sms,
                "jsonnet",
                "courier.channels[0].request_config.body",
            ),
            (
                "dial tcp: lookup smtp.example.con: no such host",
                Route::Smtp,
                "dns",
                "courier.smtp.connection_uri",
            ),
            (
                "prohibited IP address: 10.0.0.5 is not a permitted destination",
                Route::EmailHttp,
                "private-ip",
                "clients.http.disallow_private_ip_ranges",
            ),
        ];
        for (error, route, kind, key) in cases {
            let e = explain(error, &route).unwrap_or_else(|| panic!("{error}"));
            assert_eq!((e.kind, e.key.as_deref()), (kind, Some(key)), "{error}");
        }
        assert!(explain("something courier has never seen", &Route::Smtp).is_none());
        assert!(explain("dial tcp 10.0.0.5:5350: no route", &Route::Smtp).is_none());
    }
}
