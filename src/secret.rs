//! Secrets: a wrapper that prints `***` however it is formatted; the
//! secrets known to this run in every form they can take (raw, JSON-,
//! percent- and base64-encoded, inside an AUTH PLAIN or Basic credential),
//! registered once when the config is read; and the masking of values
//! where output is built: text that comes from outside (a server's reply,
//! a library's error, a line of a config file) is scrubbed of known
//! secrets before it goes into a result, and URLs and headers are masked
//! by their structure (userinfo, token-like query parameters, credential
//! header names). Nothing rewrites printed text afterwards.

use std::fmt;
use std::sync::RwLock;

/// What a secret looks like in any output.
pub const MASK: &str = "***";

/// A value that must never be printed: `Debug`, `Display` and `Serialize`
/// all give `***`. Read it with [`Secret::expose`] where it is used.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that sends it.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(MASK)
    }
}

/// Raw secrets shorter than this are masked where their place is known
/// (a config value, a URL's password, a credential header) but not
/// searched for in free text, where they would match ordinary words.
pub const MIN_SEARCHED: usize = 6;

/// Every secret known to this run, in every form it can take in a source
/// line or a message: raw, JSON-escaped, percent-encoded, base64.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    needles: Vec<String>,
}

impl Redactor {
    /// Registers a secret in all its forms. Empty strings are ignored.
    pub fn add(&mut self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        let mut forms = vec![secret.to_owned(), crate::b64::encode(secret.as_bytes())];
        let json = serde_json::to_string(secret).unwrap_or_default();
        if json.len() > 2 {
            forms.push(json[1..json.len() - 1].to_owned());
        }
        forms.push(crate::gourl::query_escape(secret));
        forms.push(crate::gourl::encode_userinfo(secret, false));
        for form in forms {
            self.add_form(form);
        }
    }

    /// Registers a user and password pair in the encoded credentials that
    /// carry them: SMTP AUTH PLAIN and HTTP Basic.
    pub fn add_login(&mut self, user: &str, password: &str) {
        if password.is_empty() {
            return;
        }
        self.add(password);
        for pair in [
            format!("\0{user}\0{password}"),
            format!("{user}:{password}"),
        ] {
            self.add_form(crate::b64::encode(pair.as_bytes()));
        }
    }

    fn add_form(&mut self, form: String) {
        if form.is_empty() || self.needles.contains(&form) {
            return;
        }
        self.needles.push(form);
        // Longest first, so that a secret containing another is masked whole.
        self.needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
    }

    /// Registers every secret of another redactor.
    pub fn extend(&mut self, other: &Redactor) {
        for n in &other.needles {
            self.add_form(n.clone());
        }
    }

    /// Whether `text` holds a known secret (in any form).
    #[must_use]
    pub fn reveals(&self, text: &str) -> bool {
        self.searched().any(|n| text.contains(n))
    }

    /// The text with every known secret replaced by `***`.
    #[must_use]
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        self.redact_in_place(&mut out);
        out
    }

    /// Replaces every known secret in `text` by `***` (no copy when there
    /// is none).
    pub fn redact_in_place(&self, text: &mut String) {
        for n in self.searched() {
            if text.contains(n) {
                *text = text.replace(n, MASK);
            }
        }
    }

    /// The forms long enough to look for in free text.
    fn searched(&self) -> impl Iterator<Item = &str> {
        self.needles
            .iter()
            .map(String::as_str)
            .filter(|n| n.len() >= MIN_SEARCHED)
    }
}

/// The secrets of this run (registered by the config loader and by the
/// commands that take a secret from elsewhere).
static KNOWN: RwLock<Option<Redactor>> = RwLock::new(None);

/// Makes these secrets known to [`scrub`] for the rest of the run.
pub fn register(secrets: &Redactor) {
    if let Ok(mut known) = KNOWN.write() {
        known.get_or_insert_with(Redactor::default).extend(secrets);
    }
}

/// Text from outside (a server reply, a library's error message, a line
/// of a file) with every known secret masked, before it becomes part of a
/// result.
#[must_use]
pub fn scrub(text: &str) -> String {
    match KNOWN.read() {
        Ok(known) => known
            .as_ref()
            .map_or_else(|| text.to_owned(), |r| r.redact(text)),
        Err(_) => MASK.to_owned(),
    }
}

/// Whether `text` holds a secret known to this run (in any form long
/// enough to search for).
#[must_use]
pub fn is_known(text: &str) -> bool {
    KNOWN.read().map_or(true, |known| {
        known.as_ref().is_some_and(|r| r.reveals(text))
    })
}

/// A URL as courier shows it: the user info and every query value are
/// masked (either may be a credential: a password, a signed-URL token),
/// the fragment is dropped. A URL Go cannot parse shows its scheme only.
/// Known secrets elsewhere in it (a path token) are scrubbed too.
#[must_use]
pub fn mask_url(raw: &str) -> String {
    use crate::gourl::{get_scheme, go_parse};
    let Ok(u) = go_parse(raw) else {
        return match get_scheme(raw) {
            Ok((scheme, _)) if !scheme.is_empty() => format!("{scheme}://{MASK}"),
            _ => MASK.to_owned(),
        };
    };
    let raw = raw.split('#').next().unwrap_or(raw);
    let (head, query) = match raw.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (raw, None),
    };
    let mut out = head.to_owned();
    if u.user.is_some()
        && let Some(start) = head.find("//").map(|i| i + 2)
    {
        let end = head[start..].find('/').map_or(head.len(), |i| start + i);
        if let Some(at) = head[start..end].rfind('@') {
            out = format!("{}{MASK}{}", &head[..start], &head[start + at..]);
        }
    }
    if let Some(q) = query.filter(|q| !q.is_empty()) {
        let pairs: Vec<String> = q
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, "")) => format!("{k}="),
                Some((k, _)) => format!("{k}={MASK}"),
                None if pair.is_empty() => String::new(),
                None => MASK.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    scrub(&out)
}

/// Whether a key or parameter name says its value is a credential, by
/// its words (`X-Postmark-Server-Token`, `api_key`, `Authorization`), also
/// when misspelled (`pasword`, `apikye`).
#[must_use]
pub fn is_secret_name(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "password",
        "passwd",
        "pass",
        "pwd",
        "secret",
        "secrets",
        "token",
        "tokens",
        "apikey",
        "credential",
        "credentials",
        "cookie",
        "cookies",
        "authorization",
        "auth",
        "signature",
        "sig",
        "bearer",
    ];
    let words = words(name);
    words.iter().any(|w| {
        WORDS.contains(&w.as_str())
            || ["pass", "secret", "token"].iter().any(|p| w.starts_with(p))
            || (w.len() >= 6
                && ["password", "passwd", "secret", "apikey"].iter().any(|s| {
                    let d = crate::typo::edit_distance(w, s);
                    d == 1 || (w.len() >= 7 && d == 2)
                }))
    }) || words.last().is_some_and(|w| w == "key")
        || words.windows(2).any(|p| p[0] == "api" && p[1] == "key")
}

/// The lowercase words of a name: split at anything not alphanumeric and
/// where a lowercase letter meets an uppercase one.
fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            prev_lower = false;
            out.push(String::new());
            continue;
        }
        if c.is_uppercase() && prev_lower {
            out.push(String::new());
        }
        prev_lower = c.is_lowercase();
        match out.last_mut() {
            Some(w) => w.extend(c.to_lowercase()),
            None => out.push(c.to_lowercase().collect()),
        }
    }
    out.retain(|w| !w.is_empty());
    out
}

/// Line `line_no` (from 1) of a YAML or JSON config text as a diagnostic
/// may quote it: the value of a credential-named key masked (also on the
/// continuation lines of a multi-line value), a URL's password masked,
/// and any known secret scrubbed. With `upto`, only the line's first
/// `upto` characters (where a caret goes).
#[must_use]
pub fn mask_source_line(text: &str, line_no: u32, upto: Option<usize>) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let index = usize::try_from(line_no).ok()?.checked_sub(1)?;
    let full = lines.get(index)?.trim_end();
    let cut = upto.map_or(full.len(), |n| {
        full.char_indices().nth(n).map_or(full.len(), |(i, _)| i)
    });
    let line = &full[..cut];
    let indent = |l: &str| l.len() - l.trim_start().len();
    // A continuation of a credential's value: a line more indented than a
    // credential key above it, inside its block scalar (`|`, `>`), or a
    // plain scalar's next line (which is not itself an entry).
    let owner = lines[..index]
        .iter()
        .rev()
        .find(|l| !l.trim().is_empty() && indent(l) < indent(line));
    if !line.trim().is_empty()
        && let Some(owner) = owner
        && let Some((_, value_start)) = secret_key_value(owner)
    {
        let block = owner[value_start..].starts_with(['|', '>']);
        let trimmed = line.trim_start();
        let entry = trimmed.starts_with("- ") || trimmed.contains(": ") || trimmed.ends_with(':');
        if block || !entry {
            return Some(format!("{}{MASK}", &line[..indent(line)]));
        }
    }
    let masked = match secret_key_value(line) {
        Some((_, value_start)) if value_start < line.len() => {
            format!("{}{MASK}", &line[..value_start])
        }
        _ => mask_urls_in(line),
    };
    Some(scrub(&masked))
}

/// For `key: value` with a credential-named key: where the key ends and
/// where its value starts.
fn secret_key_value(line: &str) -> Option<(usize, usize)> {
    let start = line.len() - line.trim_start().trim_start_matches("- ").len();
    let colon = start + line[start..].find(':')?;
    let key = line[start..colon]
        .trim()
        .trim_matches(|c| c == '"' || c == '\'');
    if key.is_empty() || key.contains(char::is_whitespace) || !is_secret_name(key) {
        return None;
    }
    let after = &line[colon + 1..];
    let value_start = colon + 1 + (after.len() - after.trim_start().len());
    let value = line[value_start..].trim();
    // A map or a list under the key holds no value on this line.
    if value.starts_with('{') || value.starts_with('[') {
        return None;
    }
    Some((colon, value_start))
}

/// Every `scheme://user:password@` in a line with the password masked
/// (the user stays: diagnostics are about it too).
fn mask_urls_in(line: &str) -> String {
    line.split(' ')
        .map(|word| match crate::gourl::password_span(word) {
            Some((start, end)) => format!("{}{MASK}{}", &word[..start], &word[end..]),
            None => word.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Header names whose values are credentials.
#[must_use]
pub fn is_secret_header(name: &str) -> bool {
    is_secret_name(name)
}

#[cfg(test)]
mod tests {
    use super::{Redactor, Secret};

    #[test]
    fn secret_never_formats() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s} {s:?}"), "*** ***");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"***\"");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn redactor_masks_every_form_of_long_enough_secrets() {
        let mut r = Redactor::default();
        r.add("p\"w/x@yz");
        r.add("");
        r.add("mail");
        r.add_login("bob", "hunter22");
        assert_eq!(r.redact("a p\"w/x@yz b p\\\"w/x@yz"), "a *** b ***");
        assert_eq!(r.redact("p%22w%2Fx%40yz"), "***");
        assert_eq!(r.redact(&crate::b64::encode(b"\0bob\0hunter22")), "***");
        assert_eq!(r.redact(&crate::b64::encode(b"bob:hunter22")), "***");
        // Short secrets are masked where their place is known, not searched
        // for in free text, where they would garble ordinary words.
        assert_eq!(r.redact("250 mail.example.com"), "250 mail.example.com");
        assert_eq!(r.redact("nothing"), "nothing");
    }

    #[test]
    fn urls_are_shown_without_credentials() {
        use super::mask_url;
        assert_eq!(
            mask_url("https://u:p%40ss@api.example.com:8443/v1/send?token=abc&v=&x#frag"),
            "https://***@api.example.com:8443/v1/send?token=***&v=&***"
        );
        assert_eq!(
            mask_url("http://127.0.0.1:99/a@b/t.gotmpl"),
            "http://127.0.0.1:99/a@b/t.gotmpl"
        );
        assert_eq!(mask_url("https://host"), "https://host");
        assert_eq!(mask_url("https://u:p/w@host/x"), "https://***");
        assert_eq!(mask_url("not a url\u{7f}"), "***");
    }

    #[test]
    fn names_are_judged_by_their_words() {
        for name in [
            "X-Postmark-Server-Token",
            "Authorization",
            "pasword",
            "apikye",
            "X-Api-Key",
        ] {
            assert!(super::is_secret_name(name), "{name}");
        }
        for name in [
            "Content-Type",
            "from_address",
            "url",
            "method",
            "authenticator_key_added",
            "oauth2_provider",
            "secure",
        ] {
            assert!(!super::is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn source_lines_mask_credential_values_and_their_continuations() {
        let text =
            "smtp:\n  pasword: ab\n  password: first\n    second\n  x: 1\n  uri: smtp://u:pw@h/\n";
        let line = |n| super::mask_source_line(text, n, None).unwrap();
        assert_eq!(line(2), "  pasword: ***");
        assert_eq!(line(3), "  password: ***");
        assert_eq!(line(4), "    ***");
        assert_eq!(line(5), "  x: 1");
        assert_eq!(line(6), "  uri: smtp://u:***@h/");
        assert_eq!(
            super::mask_source_line(text, 6, Some(16)).unwrap(),
            "  uri: smtp://u:"
        );
    }
}
