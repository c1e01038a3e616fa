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
