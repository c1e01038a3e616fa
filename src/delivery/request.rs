//! The HTTP request Kratos builds for a rendered Jsonnet payload: the method
//! (empty means GET), configured headers added under their canonical names,
//! `Content-Type: application/json` unless set, auth, and the body by exact
//! `Content-Type`: the Jsonnet text for JSON, `url.Values.Encode` of an
//! all-strings object for forms, an error for anything else.

use crate::gourl::query_escape;
use crate::secret::Secret;

/// `request_config` as Kratos reads it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestConfig {
    pub url: String,
    /// As configured; empty means GET (Go's default).
    pub method: String,
    /// In config order.
    pub headers: Vec<(String, String)>,
    /// Where the Jsonnet body comes from; `None` when unset in a channel.
    pub body: Option<BodySource>,
    pub auth: Option<Auth>,
}

/// Where a request config's Jsonnet body comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodySource {
    /// Kratos' default email body (`courier.http` without `body`).
    KratosDefault,
    /// A `file://`, `base64://` or `http(s)://` URI.
    Uri(String),
}

/// `request_config.auth`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    Basic {
        user: String,
        password: Secret,
    },
    ApiKey {
        name: String,
        value: Secret,
        in_cookie: bool,
    },
}

/// A request ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: String,
    pub url: String,
    /// Canonical names, sorted as Go writes them; values may repeat.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The names of the headers that carry a credential (see
    /// [`RequestConfig::credential_headers`]): the request never follows
    /// a redirect to another origin with them.
    pub credentials: Vec<String>,
}

/// Why Kratos would not send the request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("invalid config - incorrect Content-Type for request with body: {0:?}")]
    ContentType(String),
    #[error("a form-encoded body must be a JSON object of strings: {0}")]
    Form(String),
    /// Go's client refuses such a request before sending it.
    #[error("net/http: invalid header field name {0:?}")]
    HeaderName(String),
}

/// Whether `name` is an HTTP header field name (an RFC 9110 token), which
/// Go's client insists on.
#[must_use]
pub fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Go's `textproto.CanonicalMIMEHeaderKey`.
#[must_use]
pub fn canonical(name: &str) -> String {
    if !is_token(name) {
        return name.to_owned();
    }
    let mut upper = true;
    name.chars()
        .map(|c| {
            let out = if upper {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            };
            upper = c == '-';
            out
        })
        .collect()
}

impl RequestConfig {
    /// The method Kratos uses.
    #[must_use]
    pub fn effective_method(&self) -> String {
        if self.method.is_empty() {
            "GET".to_owned()
        } else {
            self.method.clone()
        }
    }

    /// The request for a rendered payload (`None` only for TRACE, which has
    /// no body).
    pub fn build(&self, payload: Option<&str>) -> Result<HttpRequest, RequestError> {
        let mut headers: Vec<(String, String)> = Vec::new();
        let auth_name = match &self.auth {
            Some(Auth::ApiKey {
                name,
                in_cookie: false,
                ..
            }) => Some(name),
            _ => None,
        };
        for k in self.headers.iter().map(|(k, _)| k).chain(auth_name) {
            if !is_token(k) {
                return Err(RequestError::HeaderName(k.clone()));
            }
        }
        for (k, v) in &self.headers {
            headers.push((canonical(k), v.clone()));
        }
        let get = |h: &[(String, String)], k: &str| {
            h.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
        };
        if get(&headers, "Content-Type").is_none() {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        match &self.auth {
            Some(Auth::Basic { user, password }) => {
                let token = crate::b64::encode(format!("{user}:{}", password.expose()).as_bytes());
                headers.retain(|(n, _)| n != "Authorization");
                headers.push(("Authorization".into(), format!("Basic {token}")));
            }
            Some(Auth::ApiKey {
                name,
                value,
                in_cookie: false,
            }) => {
                let name = canonical(name);
                headers.retain(|(n, _)| *n != name);
                headers.push((name, value.expose().to_owned()));
            }
            Some(Auth::ApiKey {
                name,
                value,
                in_cookie: true,
            }) => {
                let v = value.expose();
                let v = if v.contains([' ', ',']) {
                    format!("\"{v}\"")
                } else {
                    v.to_owned()
                };
                let cookie = format!("{name}={v}");
                match headers.iter_mut().find(|(n, _)| n == "Cookie") {
                    Some((_, existing)) => {
                        existing.push_str("; ");
                        existing.push_str(&cookie);
                    }
                    None => headers.push(("Cookie".into(), cookie)),
                }
            }
            None => {}
        }
        headers.sort_by(|a, b| a.0.cmp(&b.0));
        let method = self.effective_method();
        let body = match payload {
            None => Vec::new(),
            Some(text) => {
                let ct = get(&headers, "Content-Type").unwrap_or_default();
                match ct.as_str() {
                    "application/json" => text.as_bytes().to_vec(),
                    "application/x-www-form-urlencoded" => form_body(text)?.into_bytes(),
                    other => return Err(RequestError::ContentType(other.to_owned())),
                }
            }
        };
        Ok(HttpRequest {
            method,
            url: self.url.clone(),
            headers,
            body,
            credentials: self.credential_headers(),
        })
    }

    /// The canonical names of the headers that carry a credential: the
    /// basic-auth `Authorization`, the API key's header (any name) or
    /// `Cookie`, and every configured header named like a credential.
    #[must_use]
    pub fn credential_headers(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .headers
            .iter()
            .map(|(k, _)| canonical(k))
            .filter(|k| crate::secret::is_secret_header(k))
            .collect();
        match &self.auth {
            Some(Auth::Basic { .. }) => names.push("Authorization".into()),
            Some(Auth::ApiKey {
                in_cookie: true, ..
            }) => names.push("Cookie".into()),
            Some(Auth::ApiKey { name, .. }) => names.push(canonical(name)),
            None => {}
        }
        names.sort();
        names.dedup();
        names
    }

    /// Whether Kratos renders a body for this method (all but TRACE).
    #[must_use]
    pub fn has_body(&self) -> bool {
        !self.effective_method().eq_ignore_ascii_case("TRACE")
    }
}

/// A request as shown to people: secret header values masked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RequestView {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpRequest {
    /// The request with credentials masked (`auth` names the API-key
    /// header, which may have any name).
    #[must_use]
    pub fn view(&self, auth: Option<&Auth>) -> RequestView {
        let api_key = match auth {
            Some(Auth::ApiKey {
                name,
                in_cookie: false,
                ..
            }) => Some(canonical(name)),
            _ => None,
        };
        let headers = self
            .headers
            .iter()
            .map(|(k, v)| {
                let secret = k == "Authorization"
                    || k == "Cookie"
                    || api_key.as_deref() == Some(k.as_str())
                    || crate::secret::is_secret_header(k)
                    || crate::secret::is_known(v);
                (k.clone(), if secret { mask_value(k, v) } else { v.clone() })
            })
            .collect();
        RequestView {
            method: self.method.clone(),
            url: crate::secret::mask_url(&self.url),
            headers,
            body: String::from_utf8_lossy(&self.body).into_owned(),
        }
    }
}

impl RequestView {
    /// The request as text: `METHOD URL`, the headers, a blank line, the
    /// body (ending in a newline).
    #[must_use]
    pub fn text(&self) -> String {
        let mut s = format!("{} {}\n", self.method, self.url);
        for (k, v) in &self.headers {
            s.push_str(&format!("{k}: {v}\n"));
        }
        s.push('\n');
        s.push_str(&self.body);
        if !self.body.ends_with('\n') {
            s.push('\n');
        }
        s
    }
}

/// A credential header's value as shown: the scheme of `Authorization`
/// and the names of cookies stay, the secrets go.
fn mask_value(name: &str, value: &str) -> String {
    use crate::secret::MASK;
    if let Some((scheme, _)) = value.split_once(' ').filter(|_| name == "Authorization") {
        format!("{scheme} {MASK}")
    } else if name == "Cookie" {
        value
            .split("; ")
            .map(|c| {
                c.split_once('=')
                    .map_or(c.to_owned(), |(n, _)| format!("{n}={MASK}"))
            })
            .collect::<Vec<_>>()
            .join("; ")
    } else {
        MASK.to_owned()
    }
}

/// `url.Values.Encode` of the payload, as Kratos reads it into a Go
/// `map[string]string`: keys sorted, `null` values kept as empty strings
/// (Go's decoder leaves a string element empty for `null`), and a
/// top-level `null` an empty body.
pub fn form_body(json: &str) -> Result<String, RequestError> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| RequestError::Form(e.to_string()))?;
    let mut pairs = form_values(&value).map_err(|(key, go)| {
        RequestError::Form(match key {
            Some(k) => format!("{go} (the value of {k:?})"),
            None => go,
        })
    })?;
    pairs.sort();
    Ok(pairs
        .iter()
        .map(|(k, v)| format!("{}={}", query_escape(k), query_escape(v)))
        .collect::<Vec<_>>()
        .join("&"))
}

/// Go's error for a form payload, with the key of the value it refused
/// (none when it refused the whole payload).
pub type FormRefusal = (Option<String>, String);

/// The form's pairs (in the payload's order), or Go's `json.Unmarshal`
/// error for a `map[string]string` with the key of the first value it
/// refuses (none when the whole payload is refused).
pub fn form_values(value: &serde_json::Value) -> Result<Vec<(String, String)>, FormRefusal> {
    use serde_json::Value;
    let go = |v: &Value| match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let map = match value {
        Value::Object(map) => map,
        Value::Null => return Ok(Vec::new()),
        other => {
            return Err((
                None,
                format!(
                    "json: cannot unmarshal {} into Go value of type map[string]string",
                    go(other)
                ),
            ));
        }
    };
    let mut pairs = Vec::new();
    for (k, v) in map {
        match v {
            Value::String(s) => pairs.push((k.clone(), s.clone())),
            Value::Null => pairs.push((k.clone(), String::new())),
            other => {
                return Err((
                    Some(k.clone()),
                    format!(
                        "json: cannot unmarshal {} into Go value of type string",
                        go(other)
                    ),
                ));
            }
        }
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::{Auth, RequestConfig, RequestError, canonical, form_body};
    use crate::secret::Secret;

    #[test]
    fn canonical_names() {
        assert_eq!(canonical("content-type"), "Content-Type");
        assert_eq!(canonical("x-api-KEY"), "X-Api-Key");
        assert_eq!(canonical("bad header"), "bad header");
        let cfg = RequestConfig {
            url: "https://x".into(),
            headers: vec![("X-A\r\nX-Evil".into(), "v".into())],
            ..RequestConfig::default()
        };
        assert_eq!(
            cfg.build(Some("{}")),
            Err(RequestError::HeaderName("X-A\r\nX-Evil".into()))
        );
    }

    #[test]
    fn form_encoding_as_go() {
        let body =
            form_body(r#"{"to":"+14134242223","from":"+13104661805","body":"test-sms-body"}"#)
                .unwrap();
        assert_eq!(
            body,
            "body=test-sms-body&from=%2B13104661805&to=%2B14134242223"
        );
        assert_eq!(form_body(r#"{"a":"x y/z"}"#).unwrap(), "a=x+y%2Fz");
        assert!(matches!(
            form_body(r#"{"a":1}"#),
            Err(RequestError::Form(_))
        ));
    }

    /// Go 1.19, `json.Unmarshal` into `map[string]string` then
    /// `url.Values.Encode` (tests/fixtures/go/form_body.go).
    #[test]
    fn form_nulls_and_go_errors() {
        assert_eq!(
            form_body(r#"{"a": null, "b": "x y+z"}"#).unwrap(),
            "a=&b=x+y%2Bz"
        );
        assert_eq!(form_body("null").unwrap(), "");
        let err = |json: &str| match form_body(json) {
            Err(RequestError::Form(m)) => m,
            other => panic!("{other:?}"),
        };
        for (json, go) in [
            (r#"{"a": null, "b": 1.5, "c": false}"#, "number"),
            (r#"{"a": true}"#, "bool"),
            (r#"{"a": {"x": 1}}"#, "object"),
            (r#"{"a": [1]}"#, "array"),
        ] {
            let m = err(json);
            assert!(
                m.starts_with(&format!(
                    "json: cannot unmarshal {go} into Go value of type string"
                )),
                "{json}: {m}"
            );
        }
        assert_eq!(
            err("[1]"),
            "json: cannot unmarshal array into Go value of type map[string]string"
        );
        assert_eq!(
            err(r#""s""#),
            "json: cannot unmarshal string into Go value of type map[string]string"
        );
        assert!(err(r#"{"b": 1, "a": true}"#).contains("number"));
    }

    #[test]
    fn headers_auth_and_content_types() {
        let mut cfg = RequestConfig {
            url: "https://x".into(),
            method: String::new(),
            headers: vec![("x-token".into(), "a".into())],
            body: None,
            auth: Some(Auth::Basic {
                user: "u".into(),
                password: Secret::new("p"),
            }),
        };
        let r = cfg.build(Some("{}\n")).unwrap();
        assert_eq!(r.method, "GET");
        assert_eq!(
            r.headers,
            vec![
                ("Authorization".into(), "Basic dTpw".into()),
                ("Content-Type".into(), "application/json".into()),
                ("X-Token".into(), "a".into())
            ]
        );
        assert_eq!(r.body, b"{}\n");
        cfg.auth = Some(Auth::ApiKey {
            name: "session".into(),
            value: Secret::new("a b"),
            in_cookie: true,
        });
        cfg.headers.push((
            "Content-Type".into(),
            "application/json; charset=utf-8".into(),
        ));
        assert!(matches!(
            cfg.build(Some("{}")),
            Err(RequestError::ContentType(_))
        ));
        cfg.headers.pop();
        let r = cfg.build(Some("{}")).unwrap();
        assert!(
            r.headers
                .contains(&("Cookie".into(), "session=\"a b\"".into()))
        );
        assert_eq!(r.credentials, ["Cookie", "X-Token"]);
        cfg.auth = Some(Auth::ApiKey {
            name: "x-provider".into(),
            value: Secret::new("k"),
            in_cookie: false,
        });
        cfg.headers = vec![("x-trace".into(), "t".into())];
        assert_eq!(cfg.build(None).unwrap().credentials, ["X-Provider"]);
        cfg.auth = None;
        assert!(cfg.build(None).unwrap().credentials.is_empty());
    }
}
