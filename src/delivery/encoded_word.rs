//! RFC 2047 encoded words as Go's `mime.QEncoding` and `mime.BEncoding`
//! write them (UTF-8): what Kratos' mailer puts in headers with non-ASCII
//! text.

use std::fmt::Write as _;

/// The charset every encoded word names.
pub const CHARSET: &str = "UTF-8";

fn needs_encoding(s: &str) -> bool {
    s.chars().any(|c| !(' '..='~').contains(&c) && c != '\t')
}

/// Go's `mime.QEncoding.Encode("UTF-8", s)`.
#[must_use]
pub fn q_encode(s: &str) -> String {
    if !needs_encoding(s) {
        return s.to_owned();
    }
    const MAX: usize = 75 - "=?".len() - CHARSET.len() - "?q?".len() - "?=".len();
    let mut out = format!("=?{CHARSET}?q?");
    let mut current = 0;
    for ch in s.chars() {
        let mut buf = [0u8; 4];
        let bytes = ch.encode_utf8(&mut buf).as_bytes();
        let plain =
            bytes.len() == 1 && (b' '..=b'~').contains(&bytes[0]) && !b"=?_".contains(&bytes[0]);
        let len = if plain { 1 } else { 3 * bytes.len() };
        if current + len > MAX {
            let _ = write!(out, "?= =?{CHARSET}?q?");
            current = 0;
        }
        for &b in bytes {
            match b {
                b' ' => out.push('_'),
                b'!'..=b'~' if !b"=?_".contains(&b) => out.push(b as char),
                _ => {
                    let _ = write!(out, "={b:02X}");
                }
            }
        }
        current += len;
    }
    out.push_str("?=");
    out
}

/// Go's `mime.BEncoding.Encode("UTF-8", s)`.
#[must_use]
pub fn b_encode(s: &str) -> String {
    if !needs_encoding(s) && !s.is_empty() {
        // BEncoding encodes only when needed too.
        return s.to_owned();
    }
    const MAX_CONTENT: usize = 75 - "=?".len() - CHARSET.len() - "?b?".len() - "?=".len();
    const MAX_BYTES: usize = MAX_CONTENT / 4 * 3;
    let mut words = Vec::new();
    let mut chunk: Vec<u8> = Vec::new();
    for ch in s.chars() {
        let mut buf = [0u8; 4];
        let bytes = ch.encode_utf8(&mut buf).as_bytes();
        if chunk.len() + bytes.len() > MAX_BYTES {
            words.push(std::mem::take(&mut chunk));
        }
        chunk.extend_from_slice(bytes);
    }
    words.push(chunk);
    words
        .iter()
        .map(|w| format!("=?{CHARSET}?b?{}?=", crate::b64::encode(w)))
        .collect::<Vec<_>>()
        .join(" ")
}
