//! What the SMTP and HTTP reports of `courier test` share.

use serde::Serialize;

/// Where and why a test failed (a public interface).
#[derive(Debug, Serialize)]
pub struct ErrorReport {
    pub stage: Option<&'static str>,
    pub message: String,
    pub hint: Option<String>,
}
