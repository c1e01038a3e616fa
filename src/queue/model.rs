//! A courier message and its dispatches as Kratos' admin API returns them
//! (`GET /admin/courier/messages[/{id}]`), read leniently where Kratos'
//! own JSON varies (a missing `dispatches`, an `error` of any shape) and
//! strictly where a script relies on it (ids, statuses, counts, times).

use serde::{Deserialize, Serialize};

/// What Kratos writes instead of a body outside dev mode.
pub const REDACTED: &str = "<redacted-unless-dev-mode>";

/// A message of Kratos' queue.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Message {
    pub id: String,
    pub status: String,
    /// `email` or `phone`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The channel id (`email`, `sms`), from v1.1.0.
    #[serde(default)]
    pub channel: Option<String>,
    pub recipient: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub body: String,
    pub template_type: String,
    pub send_count: i64,
    #[serde(default)]
    pub dispatches: Option<Vec<Dispatch>>,
    pub created_at: String,
    pub updated_at: String,
}

/// One attempt of Kratos' worker.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Dispatch {
    pub id: String,
    /// `success` or `failed`.
    pub status: String,
    /// Kratos' error object (any JSON), when the attempt failed.
    #[serde(default)]
    pub error: Option<serde_json::Value>,
    pub created_at: String,
}

impl Dispatch {
    /// The error's text: its `message` (with `reason` when it adds one),
    /// or the JSON itself when it has no message.
    #[must_use]
    pub fn error_text(&self) -> Option<String> {
        let e = self.error.as_ref().filter(|e| !e.is_null())?;
        let field = |k: &str| {
            e.get(k)
                .and_then(serde_json::Value::as_str)
                .filter(|s| !s.is_empty())
        };
        let inner = e.get("error");
        let nested = |k: &str| {
            inner
                .and_then(|i| i.get(k))
                .and_then(serde_json::Value::as_str)
                .filter(|s| !s.is_empty())
        };
        let message = field("message").or_else(|| nested("message"));
        let reason = field("reason").or_else(|| nested("reason"));
        Some(match (message, reason) {
            (Some(m), Some(r)) if !m.contains(r) => format!("{r}: {m}"),
            (Some(m), _) => m.to_owned(),
            (None, Some(r)) => r.to_owned(),
            (None, None) => match e {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            },
        })
    }
}

impl Message {
    /// Whether Kratos redacted the texts (it runs outside dev mode).
    #[must_use]
    pub fn redacted(&self) -> bool {
        self.body == REDACTED || self.subject == REDACTED
    }

    /// The error of the newest failed dispatch.
    #[must_use]
    pub fn last_error(&self) -> Option<String> {
        self.dispatches
            .as_deref()?
            .iter()
            .filter(|d| d.status != "success")
            .max_by(|a, b| a.created_at.cmp(&b.created_at))
            .and_then(Dispatch::error_text)
    }
}

/// Kratos' JSON error, `{"error": {"code", "status", "message", "reason"}}`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ApiError {
    #[serde(default)]
    pub code: Option<i64>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// The error object of an answer, when it is Kratos' shape.
#[must_use]
pub fn api_error(body: &str) -> Option<ApiError> {
    #[derive(Deserialize)]
    struct Envelope {
        error: ApiError,
    }
    serde_json::from_str::<Envelope>(body).ok().map(|e| e.error)
}

#[cfg(test)]
mod tests {
    use super::{Dispatch, api_error};

    fn dispatch(error: serde_json::Value) -> Dispatch {
        Dispatch {
            id: "d".into(),
            status: "failed".into(),
            error: Some(error),
            created_at: "2026-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn error_texts_come_from_any_shape_kratos_stores() {
        let d = dispatch(
            serde_json::json!({"code": 500, "status": "Internal Server Error", "reason": "failed to send email via smtp", "message": "535 5.7.8 not accepted"}),
        );
        assert_eq!(
            d.error_text().as_deref(),
            Some("failed to send email via smtp: 535 5.7.8 not accepted")
        );
        let d = dispatch(
            serde_json::json!({"error": {"message": "upstream server replied with status code 401"}}),
        );
        assert_eq!(
            d.error_text().as_deref(),
            Some("upstream server replied with status code 401")
        );
        assert_eq!(
            dispatch(serde_json::json!("plain")).error_text().as_deref(),
            Some("plain")
        );
        assert_eq!(dispatch(serde_json::Value::Null).error_text(), None);
        let e = api_error(r#"{"error":{"code":404,"status":"Not Found","message":"The requested resource could not be found"}}"#).unwrap();
        assert_eq!(e.code, Some(404));
        assert!(api_error("<html>").is_none());
    }
}
