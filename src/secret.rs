//! Secrets: a wrapper that prints `***` however it is formatted, and a
//! redactor that the printer runs over every line it writes, as a second
//! line of defence.

use std::fmt;

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

/// Every secret known to this run, in every form it can take in a source
/// line or a message (raw, percent-encoded, JSON-escaped). Replacing them
/// is the last step before a line is written.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    needles: Vec<String>,
}

impl Redactor {
    /// Registers a secret. Empty strings are ignored.
    pub fn add(&mut self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        let mut forms = vec![secret.to_owned()];
        let json = serde_json::to_string(secret).unwrap_or_default();
        if json.len() > 2 {
            forms.push(json[1..json.len() - 1].to_owned());
        }
        for form in forms {
            if !self.needles.contains(&form) {
                self.needles.push(form);
            }
        }
        // Longest first, so that a secret containing another is masked whole.
        self.needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
    }

    /// Registers every secret of another redactor.
    pub fn extend(&mut self, other: &Redactor) {
        for n in &other.needles {
            self.add(n);
        }
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
        for n in &self.needles {
            if text.contains(n.as_str()) {
                *text = text.replace(n.as_str(), MASK);
            }
        }
    }
}

/// Header names whose values are credentials.
#[must_use]
pub fn is_secret_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "authorization",
        "api-key",
        "apikey",
        "api_key",
        "token",
        "secret",
        "password",
        "cookie",
    ]
    .iter()
    .any(|s| n.contains(s))
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
    fn redactor_masks_every_form() {
        let mut r = Redactor::default();
        r.add("p\"w");
        r.add("");
        assert_eq!(r.redact("a p\"w b p\\\"w"), "a *** b ***");
        assert_eq!(r.redact("nothing"), "nothing");
    }
}
