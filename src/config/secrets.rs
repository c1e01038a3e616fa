//! Finding every secret of the inputs, so that nothing prints them: in the
//! loaded tree (connection-URI passwords, auth passwords and API keys,
//! credential headers, and the value of any key named like a credential,
//! misspelled ones too) and in the raw text of files that did not parse.
//! A user and password pair is also registered in its AUTH PLAIN and
//! Basic encodings.

use crate::config::tree::{KeyPath, Node, Value};
use crate::secret::Redactor;

/// Registers every secret of the tree: connection-URI passwords, auth
/// passwords and API keys, credential headers.
pub fn collect(node: &Node, path: &KeyPath, redactor: &mut Redactor) {
    let p = path.to_string();
    let scalar = |n: &Node| match &n.value {
        Value::Str(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        _ => None,
    };
    match &node.value {
        Value::Map(entries) => {
            let in_auth_config = p.ends_with("auth.config");
            for e in entries {
                let child = path.key(&e.key);
                let secret_here =
                    (in_auth_config && e.key == "value") || crate::secret::is_secret_name(&e.key);
                if secret_here && let Some(s) = scalar(&e.node) {
                    redactor.add(&s);
                }
                if in_auth_config && e.key == "password" {
                    let user = node.get("user").and_then(Node::as_str).unwrap_or_default();
                    redactor.add_login(user, &scalar(&e.node).unwrap_or_default());
                }
                if let Some(s) = e.node.as_str()
                    && s.contains("://")
                {
                    url_secrets(s, redactor);
                }
                collect(&e.node, &child, redactor);
            }
        }
        Value::Seq(items) => {
            for (i, n) in items.iter().enumerate() {
                collect(n, &path.index(i), redactor);
            }
        }
        _ => {}
    }
}

/// The secrets of a URL anywhere in the config (a connection URI, a
/// request URL, a template URI): the password of its user info, raw and
/// decoded, with the AUTH PLAIN and Basic credentials that carry it, and
/// the values of token-like query parameters.
fn url_secrets(raw: &str, redactor: &mut Redactor) {
    for secret in crate::connection_uri::secrets(raw) {
        redactor.add(&secret);
    }
    let Ok(url) = crate::gourl::go_parse(raw) else {
        return;
    };
    if let Some((user, Some(password))) = &url.user {
        redactor.add_login(user, password);
    }
    for (key, value) in url.query() {
        if crate::secret::is_secret_name(&key) {
            redactor.add(&value);
        }
    }
}

/// Finds secrets in raw text, line by line: passwords in any `scheme://`
/// URI, and the values of password, API-key and credential-header keys.
pub fn scan_text(text: &str, redactor: &mut Redactor) {
    for line in text.lines() {
        let mut rest = line;
        while let Some(i) = rest.find("://") {
            // After the last separator before `://` (which may be any
            // width: a no-break space is whitespace too).
            let start = rest[..i]
                .char_indices()
                .rfind(|(_, c)| c.is_whitespace() || *c == '"' || *c == '\'' || *c == '=')
                .map_or(0, |(p, c)| p + c.len_utf8());
            let token: String = rest[start..]
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '"' && *c != '\'')
                .collect();
            for s in crate::connection_uri::secrets(&token) {
                redactor.add(&s);
            }
            rest = &rest[i + 3..];
        }
        let trimmed = line.trim_start().trim_start_matches("- ");
        if let Some((key, value)) = trimmed.split_once(':') {
            let key = key.trim().trim_matches(|c| c == '"' || c == '\'');
            if key == "value" || crate::secret::is_secret_name(key) {
                let value = value.split(" #").next().unwrap_or_default().trim();
                let value = value
                    .trim_end_matches(',')
                    .trim_matches(|c| c == '"' || c == '\'');
                if !value.is_empty() && !value.starts_with('{') {
                    redactor.add(value);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::scan_text;
    use crate::secret::Redactor;

    #[test]
    fn raw_text_with_wide_separators_is_scanned_without_a_panic() {
        // Found by the fuzz harness: a no-break space before a URL.
        let mut r = Redactor::default();
        scan_text("\u{a0}https://u:Pass-Word-1@h.test/x", &mut r);
        assert_eq!(r.redact("Pass-Word-1"), "***");
        scan_text("\u{a0}https://api.test/send", &mut r);
    }
}
