//! Email and SMS templates as Kratos renders them: Go's text/template for
//! subjects, plaintext and SMS, html/template (context-aware escaping) for
//! the HTML body, the Sprig helpers ([`sprig`]), Kratos' Go models and
//! field names ([`model`]). [`compile`] parses once, executes many times;
//! [`lex`] makes gotmpl read comments and trim markers as Go does.
//! Loading (Kratos' precedence of overrides) is [`crate::fetch::templates`]'
//! work; nothing here reads a file or the network. The only user of
//! `gotmpl`.

pub mod compile;
pub mod lex;
pub mod model;
pub mod sprig;

use std::path::PathBuf;

/// The data a template executes with (Go field names to values).
pub type Data = gotmpl::Value;

/// One part of a message.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Part {
    Subject,
    Text,
    Html,
    Sms,
}

impl Part {
    /// Kratos' file name for the part.
    #[must_use]
    pub fn file(self) -> &'static str {
        match self {
            Part::Subject => "email.subject.gotmpl",
            Part::Text => "email.body.plaintext.gotmpl",
            Part::Html => "email.body.gotmpl",
            Part::Sms => "sms.body.gotmpl",
        }
    }

    /// The glob prefix Kratos parses partials with.
    pub fn prefix(self) -> &'static str {
        match self {
            Part::Subject => "email.subject",
            Part::Text => "email.body.plaintext",
            Part::Html => "email.body",
            Part::Sms => "sms.body",
        }
    }

    /// The key under `courier.templates.<type>[.valid|.invalid]`.
    pub fn config_key(self) -> &'static [&'static str] {
        match self {
            Part::Subject => &["email", "subject"],
            Part::Text => &["email", "body", "plaintext"],
            Part::Html => &["email", "body", "html"],
            Part::Sms => &["sms", "body", "plaintext"],
        }
    }

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Part::Subject => "subject",
            Part::Text => "text",
            Part::Html => "html",
            Part::Sms => "sms",
        }
    }
}

/// Where a template came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Origin {
    /// `courier.templates…` (the key path and URI).
    Config { path: String, uri: String },
    /// A file of `template_override_path`.
    Directory(PathBuf),
    /// courier's own.
    Builtin,
}

/// A template failure, with the template's name and line where known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[error("{message}")]
pub struct TemplateError {
    pub origin_text: String,
    pub message: String,
    pub line: Option<usize>,
}

/// A loaded, not yet parsed template: its files (name, text) and origin;
/// the first file is the one executed.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TemplateFiles {
    pub origin: Origin,
    pub files: Vec<(String, String)>,
}

impl TemplateFiles {
    /// Where it came from, for messages.
    #[must_use]
    pub fn describe(&self) -> String {
        match &self.origin {
            Origin::Config { path, .. } => path.clone(),
            Origin::Directory(p) => p.display().to_string(),
            Origin::Builtin => format!("courier built-in {}", self.files[0].0),
        }
    }
}
