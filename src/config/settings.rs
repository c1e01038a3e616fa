//! The `courier` section lifted once into types, with Kratos' defaults:
//! the delivery strategy, what every email carries, the SMTP connection,
//! the HTTP request config of each channel, the template sources, the
//! retry allowance and the values sample data is built from. Commands work
//! from [`Settings`]; only `config/` sees the located tree.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::config::schema::formats::go_duration_minutes;
use crate::config::tree::{Node, Value};
use crate::connection_uri::SmtpUri;
use crate::delivery::mime::MimeError;
use crate::delivery::request::{Auth, BodySource, RequestConfig};
use crate::delivery::smtp::Target;
use crate::delivery::ssrf::{HttpRule, SmtpRule};
use crate::delivery::tls::TlsOptions;
use crate::fetch::templates::TemplateSources;
use crate::message::{Channel, sample};
use crate::release::Release;
use crate::secret::Secret;

/// Kratos' sender address when `from_address` is not set.
pub const KRATOS_FROM_ADDRESS: &str = "no-reply@ory.kratos.sh";

/// `courier.delivery_strategy`: how emails go out (SMS always over HTTP).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    Smtp,
    Http,
}

/// What Kratos' mailer writes into every email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub from_address: String,
    pub from_name: String,
    /// `courier.smtp.headers`, in config order.
    pub headers: Vec<(String, String)>,
}

impl Mail {
    /// The envelope sender, as every email has it: the address of a
    /// configured `Sender`, else of a configured `From`, else
    /// `from_address`.
    pub fn envelope_sender(&self) -> Result<String, MimeError> {
        crate::delivery::mime::sender(&self.from_address, &self.headers)
    }
}

/// The SMTP connection, as Kratos dials it.
#[derive(Debug, Clone)]
pub struct Smtp {
    pub uri: SmtpUri,
    /// `local_name` (default `localhost`), said in `EHLO`.
    pub local_name: String,
    /// Both paths, when both are set (Kratos ignores one alone).
    pub client_cert: Option<(String, String)>,
    /// Where Kratos' SMTP dialer refuses to connect.
    pub guard: SmtpRule,
}

impl Smtp {
    /// The warning when the client certificate is configured but does not
    /// load: Kratos logs it and connects without one, and so does courier.
    #[must_use]
    pub fn client_cert_warning(&self) -> Option<String> {
        let (cert, key) = self.client_cert.as_ref()?;
        let why = crate::delivery::tls::client_cert_problem(cert, key)?;
        Some(format!(
            "courier: warning: cannot load the client certificate (client_cert_path {cert}, \
             client_key_path {key}): {why}; connecting without one, as Kratos does"
        ))
    }

    /// What to dial, with every deadline `timeout`.
    #[must_use]
    pub fn target(&self, timeout: Duration) -> Target {
        Target {
            host: self.uri.host.clone(),
            port: u16::try_from(self.uri.port).unwrap_or(0),
            security: self.uri.security(),
            tls: TlsOptions {
                name: self.uri.tls_name().to_owned(),
                skip_verify: self.uri.skip_ssl_verify,
                client_cert: self.client_cert.clone(),
            },
            local_name: self.local_name.clone(),
            username: self.uri.username.clone(),
            password: self.uri.password.clone(),
            timeout,
            guard: self.guard,
        }
    }
}

/// Why a part of the settings cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
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
    #[error("there is no courier.channels entry with id sms")]
    NoSmsChannel,
    #[error("Kratos v1.0.0 sends SMS through courier.sms, and courier.sms.enabled is not true")]
    SmsDisabled,
    #[error(
        "Kratos v1.1.0 drops its email channel when courier.channels is set: every email fails (unknown channel \"email\")"
    )]
    EmailChannelDropped,
    #[error("the request config has no usable http(s):// url")]
    NoUrl,
    #[error("the proxy from the environment is not a URL Go can parse: {0}")]
    BadProxy(String),
}

impl SettingsError {
    /// What would fix it.
    #[must_use]
    pub fn hint(&self) -> &'static str {
        match self {
            Self::NoSmsChannel => {
                "SMS goes through courier.channels: [{id: sms, type: http, request_config: {...}}]"
            }
            Self::SmsDisabled => {
                "set courier.sms.enabled: true and courier.sms.request_config (url, method, body)"
            }
            Self::EmailChannelDropped => {
                "upgrade to v1.2.0 or later (which keeps email beside channels), or remove courier.channels"
            }
            Self::NoUrl => "`courier check-config` explains the request config",
            Self::BadProxy(_) => "fix HTTPS_PROXY / HTTP_PROXY (or unset them)",
            _ => "`courier check-config` explains the connection URI",
        }
    }
}

/// The courier section, typed.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The Kratos release the settings were read as.
    pub release: Release,
    pub strategy: Strategy,
    pub mail: Mail,
    pub smtp: Result<Smtp, SettingsError>,
    /// `courier.http.request_config` with the schema's defaults, when the
    /// strategy is `http`.
    pub email_http: Option<RequestConfig>,
    /// The first `courier.channels` entry with `id: sms` (no defaults:
    /// Kratos applies none inside arrays); before v1.1.0,
    /// `courier.sms.request_config` when `courier.sms.enabled`.
    pub sms: Option<RequestConfig>,
    /// `courier.sms.from` (default `Ory Kratos`): the sender in the ctx of
    /// v1.0.0's SMS.
    pub sms_from: String,
    /// Whether `courier.channels` has entries (v1.1.0 then drops email).
    pub channels_set: bool,
    pub templates: TemplateSources,
    /// `message_retries` (default 5): `message_retries + 1` attempts; a
    /// negative value makes Kratos abandon every message unattempted.
    pub message_retries: i64,
    /// `serve.public.base_url` and the code lifespans.
    pub sample: sample::Context,
    /// Where Kratos' HTTP client refuses to connect (`clients.http`).
    pub http_rule: HttpRule,
    /// `courier.worker.pull_count` (default 10), as Kratos casts it to an
    /// 8-bit integer (v1.0.0 always pulls 10).
    pub pull_count: usize,
    /// `courier.worker.pull_wait` (default 1s).
    pub pull_wait: std::time::Duration,
}

/// How a message of a channel goes out.
#[derive(Debug, Clone, Copy)]
pub enum Route<'a> {
    Smtp,
    Http(&'a RequestConfig),
}

impl Settings {
    /// Attempts per message: `message_retries + 1`, none when it is
    /// negative (Kratos then abandons every message at its first pickup,
    /// as its send count, 0, is already over the allowance).
    #[must_use]
    pub fn attempts(&self) -> u32 {
        u32::try_from(self.message_retries.saturating_add(1).max(0)).unwrap_or(u32::MAX)
    }

    /// Why Kratos abandons every message without trying, if it does.
    #[must_use]
    pub fn abandons_all(&self) -> Option<String> {
        (self.message_retries < 0).then(|| {
            format!(
                "courier.message_retries is {}: Kratos abandons every message without \
                 an attempt (a message is abandoned once its send count, 0 at first, \
                 exceeds the allowance)",
                self.message_retries
            )
        })
    }

    /// The route of `channel`: email by the strategy, SMS by its channel.
    pub fn route(&self, channel: Channel) -> Result<Route<'_>, SettingsError> {
        if channel == Channel::Email && self.release == Release::V1_1_0 && self.channels_set {
            return Err(SettingsError::EmailChannelDropped);
        }
        if channel == Channel::Sms && !self.release.has(crate::release::CHANNELS) {
            return self
                .sms
                .as_ref()
                .map(Route::Http)
                .ok_or(SettingsError::SmsDisabled);
        }
        match (channel, self.strategy, &self.email_http) {
            (Channel::Email, Strategy::Http, Some(cfg)) => Ok(Route::Http(cfg)),
            (Channel::Email, ..) => Ok(Route::Smtp),
            (Channel::Sms, ..) => self
                .sms
                .as_ref()
                .map(Route::Http)
                .ok_or(SettingsError::NoSmsChannel),
        }
    }

    /// The SMTP connection, or why it cannot be used.
    pub fn smtp(&self) -> Result<&Smtp, SettingsError> {
        self.smtp.as_ref().map_err(Clone::clone)
    }

    /// Lifts the settings from a loaded tree.
    #[must_use]
    pub fn lift(root: &Node, release: Release) -> Self {
        let strategy = match string(root, &["courier", "delivery_strategy"]).as_deref() {
            Some("http") => Strategy::Http,
            _ => Strategy::Smtp,
        };
        let email_http = (strategy == Strategy::Http).then(|| {
            let node = root.lookup(&["courier", "http", "request_config"]);
            request_config(node.unwrap_or(&Node::empty_map()), true)
        });
        Self {
            release,
            strategy,
            mail: mail(root),
            smtp: smtp(root, release),
            email_http,
            sms: if release.has(crate::release::CHANNELS) {
                sms_channel(root)
            } else {
                legacy_sms(root)
            },
            sms_from: string(root, &["courier", "sms", "from"])
                .unwrap_or_else(|| "Ory Kratos".to_owned()),
            channels_set: root
                .lookup(&["courier", "channels"])
                .is_some_and(|c| !c.items().is_empty()),
            templates: templates(root),
            message_retries: message_retries(root),
            sample: sample_context(root, release),
            http_rule: http_rule(root, release),
            pull_count: pull_count(root, release),
            pull_wait: string(root, &["courier", "worker", "pull_wait"])
                .and_then(|w| crate::config::schema::formats::go_duration(&w))
                .unwrap_or(std::time::Duration::from_secs(1)),
        }
    }
}

/// Kratos' `uint8(pull_count)`: the low 8 bits of the configured count.
fn pull_count(root: &Node, release: Release) -> usize {
    if !release.has(crate::release::CHANNELS) {
        return 10;
    }
    root.lookup(&["courier", "worker", "pull_count"])
        .and_then(|n| crate::config::schema::validate::integral(&n.value))
        .map_or(10, |n| (n & 0xff) as usize)
}

fn string(root: &Node, path: &[&str]) -> Option<String> {
    root.lookup(path).and_then(Node::as_str).map(str::to_owned)
}

fn string_pairs(node: Option<&Node>) -> Vec<(String, String)> {
    node.map(|h| {
        h.entries()
            .iter()
            .filter_map(|e| e.node.as_str().map(|v| (e.key.clone(), v.to_owned())))
            .collect()
    })
    .unwrap_or_default()
}

fn message_retries(root: &Node) -> i64 {
    root.lookup(&["courier", "message_retries"])
        .and_then(|n| crate::config::schema::validate::integral(&n.value))
        .unwrap_or(5)
}

fn mail(root: &Node) -> Mail {
    Mail {
        from_address: string(root, &["courier", "smtp", "from_address"])
            .unwrap_or_else(|| KRATOS_FROM_ADDRESS.to_owned()),
        from_name: string(root, &["courier", "smtp", "from_name"]).unwrap_or_default(),
        headers: string_pairs(root.lookup(&["courier", "smtp", "headers"])),
    }
}

fn flag(root: &Node, path: &[&str]) -> bool {
    root.lookup(path)
        .is_some_and(|n| matches!(n.value, Value::Bool(true)))
}

fn http_rule(root: &Node, release: Release) -> HttpRule {
    let exceptions = root
        .lookup(&["clients", "http", "private_ip_exception_urls"])
        .map(|n| {
            n.items()
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    HttpRule {
        release,
        disallow: flag(root, &["clients", "http", "disallow_private_ip_ranges"]),
        exceptions,
    }
}

fn smtp(root: &Node, release: Release) -> Result<Smtp, SettingsError> {
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
    let path = |k: &str| string(root, &["courier", "smtp", k]).filter(|s| !s.is_empty());
    Ok(Smtp {
        uri,
        // An empty name is no name: Kratos' dialer skips its own EHLO and
        // Go's client greets with `localhost`.
        local_name: string(root, &["courier", "smtp", "local_name"])
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "localhost".to_owned()),
        client_cert: path("client_cert_path").zip(path("client_key_path")),
        guard: SmtpRule {
            release,
            disallow: flag(root, &["clients", "smtp", "disallow_private_ip_ranges"]),
        },
    })
}

fn auth(node: &Node) -> Option<Auth> {
    let cfg = node.get("config")?;
    let c = |k: &str| {
        cfg.get(k)
            .and_then(Node::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    match node.get("type").and_then(Node::as_str)? {
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
}

/// A request config; `with_defaults` applies the schema's defaults (POST,
/// Kratos' default body), as Kratos does outside arrays.
fn request_config(node: &Node, with_defaults: bool) -> RequestConfig {
    let s = |k: &str| node.get(k).and_then(Node::as_str).map(str::to_owned);
    let mut method = s("method").unwrap_or_default();
    let mut body = s("body").map(BodySource::Uri);
    if with_defaults {
        if method.is_empty() && node.get("method").is_none() {
            method = "POST".into();
        }
        body.get_or_insert(BodySource::KratosDefault);
    }
    RequestConfig {
        url: s("url").unwrap_or_default(),
        method,
        headers: string_pairs(node.get("headers")),
        body,
        auth: node.get("auth").and_then(auth),
    }
}

fn sms_channel(root: &Node) -> Option<RequestConfig> {
    root.lookup(&["courier", "channels"])?
        .items()
        .iter()
        .find(|c| c.get("id").and_then(Node::as_str) == Some("sms"))
        .and_then(|c| c.get("request_config"))
        .map(|n| request_config(n, false))
}

/// `courier.sms.request_config` when `courier.sms.enabled` (v1.0.0);
/// the schema requires url and method, and gives no default body.
fn legacy_sms(root: &Node) -> Option<RequestConfig> {
    let enabled = root.lookup(&["courier", "sms", "enabled"]);
    if enabled.is_none_or(|n| n.value != crate::config::tree::Value::Bool(true)) {
        return None;
    }
    let node = root.lookup(&["courier", "sms", "request_config"]);
    Some(request_config(node.unwrap_or(&Node::empty_map()), false))
}

fn templates(root: &Node) -> TemplateSources {
    fn walk(node: &Node, path: &mut Vec<String>, out: &mut BTreeMap<String, String>) {
        if let Some(s) = node.as_str().filter(|s| !s.is_empty()) {
            out.insert(path.join("."), s.to_owned());
        }
        for e in node.entries() {
            path.push(e.key.clone());
            walk(&e.node, path, out);
            path.pop();
        }
    }
    let mut uris = BTreeMap::new();
    if let Some(t) = root.lookup(&["courier", "templates"]) {
        walk(
            t,
            &mut vec!["courier".into(), "templates".into()],
            &mut uris,
        );
    }
    TemplateSources {
        uris,
        override_dir: string(root, &["courier", "template_override_path"]).map(PathBuf::from),
    }
}

/// `serve.public.base_url` and the code and link lifespans.
fn sample_context(root: &Node, release: Release) -> sample::Context {
    let mut cx = sample::Context {
        release,
        ..sample::Context::default()
    };
    if let Some(b) = string(root, &["serve", "public", "base_url"]) {
        cx.base_url = b.trim_end_matches('/').to_owned();
    }
    let minutes = |method: &str| {
        string(
            root,
            &["selfservice", "methods", method, "config", "lifespan"],
        )
        .and_then(|l| go_duration_minutes(&l))
    };
    if let Some(m) = minutes("code") {
        cx.expires_in_minutes = m;
    }
    if let Some(m) = minutes("link") {
        cx.link_expires_in_minutes = m;
    }
    cx
}
