//! The Jsonnet body of a request config, loaded as Kratos loads it (its
//! default body when `courier.http` sets none).

use crate::delivery::request::{BodySource, RequestConfig};
use crate::message::builtin::default_body;
use crate::release::Release;

/// Why a body cannot be had.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error(
        "the request config has no body: Kratos fails with \"got empty template path for request with body\""
    )]
    Missing,
    #[error("{0}: the remote body was not fetched")]
    NotFetched(String),
    #[error("cannot load the Jsonnet body: {0}")]
    Load(#[source] super::LoadError),
}

impl BodyError {
    /// What would fix it, where that is clear.
    #[must_use]
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Self::Missing => Some("add `body: file://...` with a Jsonnet template"),
            _ => None,
        }
    }
}

/// A loaded body: a short name for messages and the Jsonnet code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    pub name: String,
    pub code: String,
}

/// A short name for a body URI in messages (never a base64 payload, nor
/// the user info or query values of a URL).
#[must_use]
pub fn display_name(uri: &str) -> String {
    if uri.starts_with("base64://") {
        "base64 body".to_owned()
    } else if let Some(path) = uri.strip_prefix("file://") {
        path.to_owned()
    } else {
        crate::secret::mask_url(uri)
    }
}

/// Loads the body of `cfg`; `online` allows fetching `http(s)://` bodies.
pub fn load(cfg: &RequestConfig, online: bool, release: Release) -> Result<Body, BodyError> {
    let uri = match &cfg.body {
        None => return Err(BodyError::Missing),
        Some(BodySource::KratosDefault) => {
            return Ok(Body {
                name: "default body".into(),
                code: default_body(release).into(),
            });
        }
        Some(BodySource::Uri(uri)) => uri,
    };
    let name = display_name(uri);
    match super::load(uri, online) {
        Ok(Some(code)) => Ok(Body { name, code }),
        Ok(None) => Err(BodyError::NotFetched(name)),
        Err(e) => Err(BodyError::Load(e)),
    }
}
