//! Typed settings lifted from a checked config, for the commands that
//! connect: the SMTP connection and the message defaults.

use crate::config::Loaded;
use crate::config::tree::Node;
use crate::connection_uri::SmtpUri;

/// What `courier test` and `courier send` need for SMTP.
#[derive(Debug, Clone)]
pub struct Smtp {
    pub uri: SmtpUri,
    pub from_address: String,
    pub from_name: String,
    pub headers: Vec<(String, String)>,
    pub local_name: String,
    /// Both paths, when both are set (Kratos ignores one alone).
    pub client_cert: Option<(String, String)>,
}

/// Why the settings cannot be used.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SettingsError {
    #[error("courier.smtp.connection_uri is not set")]
    NoUri,
    #[error("Kratos cannot parse courier.smtp.connection_uri: {0}")]
    BadUri(String),
    #[error("courier.smtp.connection_uri has no host")]
    NoHost,
    #[error("courier.smtp.connection_uri has no port: Kratos dials port 0")]
    NoPort,
    #[error("courier.smtp.connection_uri has port {0}, which is not a TCP port")]
    BadPort(String),
}

/// `courier.delivery_strategy` (default `smtp`).
#[must_use]
pub fn delivery_strategy(loaded: &Loaded) -> String {
    loaded
        .root
        .lookup(&["courier", "delivery_strategy"])
        .and_then(Node::as_str)
        .unwrap_or("smtp")
        .to_owned()
}

/// `courier.message_retries` (default 5): a message gets this many
/// retries, `message_retries + 1` attempts in all.
#[must_use]
pub fn message_retries(loaded: &Loaded) -> u32 {
    match loaded
        .root
        .lookup(&["courier", "message_retries"])
        .map(|n| &n.value)
    {
        Some(crate::config::tree::Value::Int(n)) => u32::try_from((*n).max(0)).unwrap_or(u32::MAX),
        _ => 5,
    }
}

fn string(root: &Node, path: &[&str]) -> Option<String> {
    root.lookup(path).and_then(Node::as_str).map(str::to_owned)
}

/// Lifts the SMTP settings with Kratos' defaults.
pub fn smtp(loaded: &Loaded) -> Result<Smtp, SettingsError> {
    let root = &loaded.root;
    let raw = string(root, &["courier", "smtp", "connection_uri"]).ok_or(SettingsError::NoUri)?;
    let uri = SmtpUri::parse(&raw).map_err(|e| SettingsError::BadUri(e.to_string()))?;
    if uri.host.is_empty() {
        return Err(SettingsError::NoHost);
    }
    if uri.port_text.is_empty() {
        return Err(SettingsError::NoPort);
    }
    if !(1..=65535).contains(&uri.port) {
        return Err(SettingsError::BadPort(uri.port_text.clone()));
    }
    let headers = root
        .lookup(&["courier", "smtp", "headers"])
        .map(|h| {
            h.entries()
                .iter()
                .filter_map(|e| e.node.as_str().map(|v| (e.key.clone(), v.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    let cert = string(root, &["courier", "smtp", "client_cert_path"]).filter(|s| !s.is_empty());
    let key = string(root, &["courier", "smtp", "client_key_path"]).filter(|s| !s.is_empty());
    Ok(Smtp {
        uri,
        from_address: string(root, &["courier", "smtp", "from_address"])
            .unwrap_or_else(|| "no-reply@ory.kratos.sh".to_owned()),
        from_name: string(root, &["courier", "smtp", "from_name"]).unwrap_or_default(),
        headers,
        local_name: string(root, &["courier", "smtp", "local_name"])
            .unwrap_or_else(|| "localhost".to_owned()),
        client_cert: cert.zip(key),
    })
}

/// The Jsonnet body Kratos uses when the email request config sets none.
pub const DEFAULT_BODY: &str = include_str!("../render/default_body.jsonnet");

/// Marker for [`DEFAULT_BODY`] in [`crate::request::RequestConfig::body`].
pub const DEFAULT_BODY_URI: &str = "courier:default-body";

fn request_config(node: &Node, with_defaults: bool) -> crate::request::RequestConfig {
    use crate::request::{Auth, RequestConfig};
    use crate::secret::Secret;
    let s = |k: &str| node.get(k).and_then(Node::as_str).map(str::to_owned);
    let auth = node.get("auth").and_then(|a| {
        let cfg = a.get("config")?;
        let c = |k: &str| {
            cfg.get(k)
                .and_then(Node::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        match a.get("type").and_then(Node::as_str)? {
            "basic_auth" => Some(Auth::Basic {
                user: c("user"),
                password: Secret::new(c("password")),
            }),
            "api_key" => Some(Auth::ApiKey {
                name: c("name"),
                value: Secret::new(c("value")),
                in_cookie: c("in") == "cookie",
            }),
            _ => None,
        }
    });
    let mut method = s("method").unwrap_or_default();
    let mut body = s("body");
    if with_defaults {
        if method.is_empty() && node.get("method").is_none() {
            method = "POST".into();
        }
        if body.is_none() {
            body = Some(DEFAULT_BODY_URI.into());
        }
    }
    RequestConfig {
        url: s("url").unwrap_or_default(),
        method,
        headers: node
            .get("headers")
            .map(|h| {
                h.entries()
                    .iter()
                    .filter_map(|e| e.node.as_str().map(|v| (e.key.clone(), v.to_owned())))
                    .collect()
            })
            .unwrap_or_default(),
        body,
        auth,
    }
}

/// The request config for email over HTTP (schema defaults applied, as
/// Kratos applies them outside arrays).
#[must_use]
pub fn email_http(loaded: &Loaded) -> Option<crate::request::RequestConfig> {
    let node = loaded.root.lookup(&["courier", "http", "request_config"]);
    match node {
        Some(n) => Some(request_config(n, true)),
        None => {
            (delivery_strategy(loaded) == "http").then(|| request_config(&Node::empty_map(), true))
        }
    }
}

/// The first `courier.channels` entry with `id: sms` (no defaults: Kratos
/// applies none inside arrays).
#[must_use]
pub fn sms_channel(loaded: &Loaded) -> Option<crate::request::RequestConfig> {
    loaded
        .root
        .lookup(&["courier", "channels"])?
        .items()
        .iter()
        .find(|c| c.get("id").and_then(Node::as_str) == Some("sms"))
        .and_then(|c| c.get("request_config"))
        .map(|n| request_config(n, false))
}

/// `serve.public.base_url` and the code lifespan, for sample data.
#[must_use]
pub fn sample_context(loaded: &Loaded) -> crate::sample::Context {
    let mut cx = crate::sample::Context::default();
    if let Some(b) = string(&loaded.root, &["serve", "public", "base_url"]) {
        cx.base_url = b.trim_end_matches('/').to_owned();
    }
    if let Some(m) = string(
        &loaded.root,
        &["selfservice", "methods", "code", "config", "lifespan"],
    )
    .and_then(|l| crate::config::lint::go_duration_minutes(&l))
    {
        cx.expires_in_minutes = m;
    }
    if let Some(m) = string(
        &loaded.root,
        &["selfservice", "methods", "link", "config", "lifespan"],
    )
    .and_then(|l| crate::config::lint::go_duration_minutes(&l))
    {
        cx.link_expires_in_minutes = m;
    }
    cx
}
