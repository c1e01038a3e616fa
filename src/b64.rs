//! Standard base64 with padding (what Go's `base64.StdEncoding` reads and
//! writes). The only `base64` user.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Encodes bytes.
#[must_use]
pub fn encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Decodes standard, padded base64.
pub fn decode(text: &str) -> Result<Vec<u8>, String> {
    STANDARD
        .decode(text.trim().as_bytes())
        .map_err(|e| e.to_string())
}
