//! A running Kratos' courier queue, read through its admin API
//! (`GET /admin/courier/messages`, `GET /admin/courier/messages/{id}`):
//! pages followed by their `Link` header and handed on one message at a
//! time, so a large queue never sits in memory; every request bounded in
//! time and size; the token sent as a bearer token and never shown.
//! [`explain`] says what a failed dispatch means, [`summary`] counts.

pub mod explain;
pub mod model;
pub mod summary;

use std::time::Duration;

use crate::delivery::http::{self, FetchError};
use crate::gourl::query_escape;
use crate::secret::Secret;
use model::{Message, api_error};

/// The API path below the admin URL.
const MESSAGES: &str = "admin/courier/messages";
/// Messages asked for per page (Kratos' maximum is 1,000, its default
/// 250).
pub const PAGE_SIZE: u32 = 250;
/// The most a page may weigh (250 messages with dispatches and bodies in
/// dev mode stay far below).
const PAGE_CAP: usize = 16 << 20;
/// Pages followed at most in one listing: a server whose `Link` never
/// ends is stopped.
const MAX_PAGES: usize = 100_000;

/// Where the queue is and how to ask it.
#[derive(Debug, Clone)]
pub struct Source {
    /// The admin URL, without a trailing `/` (`http://127.0.0.1:4434`,
    /// `https://PROJECT.projects.oryapis.com`).
    pub base: String,
    /// The Ory Network API key (bearer token), when there is one.
    pub token: Option<Secret>,
    /// Per request.
    pub timeout: Duration,
}

/// Which messages to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<String>,
    pub recipient: Option<String>,
}

/// Why the queue could not be read.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("cannot reach Kratos' admin API at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("Kratos' admin API refused the request ({status}){}", detail(.message))]
    Refused {
        status: u16,
        message: Option<String>,
    },
    #[error("{url} answered 404: {what}")]
    NotFound { url: String, what: String },
    #[error("Kratos answered {status}{}", detail(.message))]
    Failed {
        status: u16,
        message: Option<String>,
    },
    #[error("the answer of {url} is not what Kratos' admin API returns: {reason}")]
    Malformed { url: String, reason: String },
    #[error("no message {id} in Kratos' queue")]
    NoMessage { id: String },
    #[error("`{0}` is not an admin URL courier can use: give http(s)://host[:port]")]
    BadUrl(String),
}

fn detail(message: &Option<String>) -> String {
    message
        .as_ref()
        .map(|m| format!(": {m}"))
        .unwrap_or_default()
}

impl QueueError {
    /// What would help.
    #[must_use]
    pub fn hint(&self) -> Option<&'static str> {
        Some(match self {
            Self::Unreachable { .. } => {
                "check the URL and that Kratos' admin port (4434 by default) is reachable from here"
            }
            Self::Refused { status: 401, .. } => {
                "the Ory Network needs an API key: set ORY_API_KEY (a project API key, ory_pat_…)"
            }
            Self::Refused { .. } => "the API key is wrong or lacks access to this project",
            Self::NotFound { .. } => {
                "give the admin URL (port 4434 by default, not the public 4433), without a path"
            }
            Self::Malformed { .. } => {
                "is this Kratos' admin API? courier reads the message JSON of Kratos v1.0.0 to master"
            }
            _ => return None,
        })
    }
}

impl Source {
    /// A source at `url` (its path, query and trailing `/` are dropped).
    pub fn new(url: &str, token: Option<Secret>, timeout: Duration) -> Result<Self, QueueError> {
        let u =
            crate::gourl::go_parse(url.trim()).map_err(|_| QueueError::BadUrl(url.to_owned()))?;
        if !matches!(u.scheme.as_str(), "http" | "https") || u.host.is_empty() || u.user.is_some() {
            return Err(QueueError::BadUrl(crate::secret::mask_url(url)));
        }
        let base = format!("{}://{}", u.scheme, u.host);
        Ok(Self {
            base,
            token,
            timeout,
        })
    }

    /// GETs `path_and_query` below the admin URL: the status, the `Link`
    /// header and the body.
    fn get(&self, path_and_query: &str) -> Result<http::Got, QueueError> {
        let url = format!("{}/{path_and_query}", self.base);
        let bearer = self
            .token
            .as_ref()
            .map(|t| format!("Bearer {}", t.expose()));
        let headers: Vec<(&str, &str)> = bearer
            .iter()
            .map(|b| ("Authorization", b.as_str()))
            .chain(std::iter::once(("Accept", "application/json")))
            .collect();
        let shown = crate::secret::mask_url(&url);
        let got = http::get(&url, &headers, self.timeout, PAGE_CAP).map_err(|e| match e {
            FetchError::TooLarge => QueueError::Malformed {
                url: shown.clone(),
                reason: format!("a page larger than {} MiB", PAGE_CAP >> 20),
            },
            FetchError::Redirect(r) => QueueError::NotFound {
                url: shown.clone(),
                what: format!(
                    "not Kratos' admin API: {r} (Kratos' public port redirects admin paths to the admin URL)"
                ),
            },
            other => QueueError::Unreachable {
                url: shown.clone(),
                reason: crate::secret::scrub(&other.to_string()),
            },
        })?;
        match got.status {
            200..=299 => Ok(got),
            status @ (401 | 403) => Err(QueueError::Refused {
                status,
                message: message_of(&got.body),
            }),
            404 => Err(QueueError::NotFound {
                url: shown,
                what: not_found(&got.body),
            }),
            status => Err(QueueError::Failed {
                status,
                message: message_of(&got.body),
            }),
        }
    }

    /// One message with its dispatches.
    pub fn message(&self, id: &str) -> Result<Message, QueueError> {
        let path = format!("{MESSAGES}/{}", query_escape(id));
        let got = self.get(&path).map_err(|e| match e {
            QueueError::NotFound { what, .. } if what.starts_with("Kratos") => {
                QueueError::NoMessage { id: id.to_owned() }
            }
            other => other,
        })?;
        serde_json::from_str(&got.body).map_err(|e| QueueError::Malformed {
            url: crate::secret::mask_url(&format!("{}/{path}", self.base)),
            reason: e.to_string(),
        })
    }

    /// Calls `each` with every message that `filter` selects, page by
    /// page, until `each` returns false or the last page.
    pub fn list(
        &self,
        filter: &Filter,
        page_size: u32,
        mut each: impl FnMut(Message) -> bool,
    ) -> Result<(), QueueError> {
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut query = vec![format!("page_size={page_size}")];
            if let Some(t) = &token {
                query.push(format!("page_token={}", query_escape(t)));
            }
            if let Some(s) = &filter.status {
                query.push(format!("status={}", query_escape(s)));
            }
            if let Some(r) = &filter.recipient {
                query.push(format!("recipient={}", query_escape(r)));
            }
            let path = format!("{MESSAGES}?{}", query.join("&"));
            let got = self.get(&path)?;
            let messages: Vec<serde_json::Value> =
                serde_json::from_str(&got.body).map_err(|e| self.malformed(&path, &e))?;
            // Kratos never links past an empty page.
            let empty = messages.is_empty();
            for value in messages {
                let m: Message =
                    serde_json::from_value(value).map_err(|e| self.malformed(&path, &e))?;
                if !each(m) {
                    return Ok(());
                }
            }
            match got.link.as_deref().and_then(next_token) {
                Some(next) if !empty && Some(&next) != token.as_ref() => token = Some(next),
                _ => return Ok(()),
            }
        }
        Err(QueueError::Malformed {
            url: crate::secret::mask_url(&self.base),
            reason: format!("more than {MAX_PAGES} pages: the Link header does not end"),
        })
    }

    fn malformed(&self, path: &str, e: &serde_json::Error) -> QueueError {
        QueueError::Malformed {
            url: crate::secret::mask_url(&format!(
                "{}/{}",
                self.base,
                path.split('?').next().unwrap_or(path)
            )),
            reason: e.to_string(),
        }
    }
}

/// The message of Kratos' error JSON, scrubbed, at most 300 characters.
fn message_of(body: &str) -> Option<String> {
    let e = api_error(body)?;
    let text = match (e.message, e.reason) {
        (Some(m), Some(r)) => format!("{m} ({r})"),
        (Some(m), None) => m,
        (None, Some(r)) => r,
        (None, None) => return None,
    };
    Some(crate::secret::scrub(&text).chars().take(300).collect())
}

/// What a 404 says: Kratos' JSON means the admin API is there and the
/// message is not; anything else is not Kratos' admin API (often the
/// public port).
fn not_found(body: &str) -> String {
    if api_error(body).is_some() {
        "Kratos has no such resource".to_owned()
    } else {
        "not Kratos' admin API (the public port 4433, or a path in the URL?)".to_owned()
    }
}

/// The `page_token` of the `rel="next"` link of a `Link` header.
#[must_use]
pub fn next_token(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let (target, params) = part.trim().split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"" || p.trim() == "rel=next");
        if !is_next {
            return None;
        }
        let url = target.trim().trim_start_matches('<').trim_end_matches('>');
        crate::gourl::go_parse(url)
            .ok()?
            .query()
            .into_iter()
            .find_map(|(k, v)| (k == "page_token").then_some(v))
    })
}

#[cfg(test)]
mod tests {
    use super::next_token;

    #[test]
    fn next_page_tokens_come_from_the_link_header() {
        let link = "<http://k:4434/admin/courier/messages?page_size=2&page_token=abc%3D%3D>; rel=\"first\",<http://k:4434/admin/courier/messages?page_size=2&page_token=eyJ9%2B>; rel=\"next\"";
        assert_eq!(next_token(link).as_deref(), Some("eyJ9+"));
        assert_eq!(next_token("<http://k/x?page_token=a>; rel=\"first\""), None);
        assert_eq!(next_token(""), None);
    }
}
