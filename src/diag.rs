//! Findings about a configuration: severity, stable code, key path, place,
//! message and help, and their two renderings (a snippet with a caret for
//! people, a flat object for JSON).

use serde::Serialize;

use crate::config::source::Sources;
use crate::config::tree::{Loc, Origin};
use crate::secret::Redactor;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable kebab-case identifier, documented in the README.
    pub code: &'static str,
    /// Key path such as `courier.smtp.connection_uri`; empty when the
    /// finding is about a whole file.
    pub path: String,
    pub loc: Option<Loc>,
    pub message: String,
    pub help: Option<String>,
}

impl Diagnostic {
    #[must_use]
    pub fn error(code: &'static str, path: impl ToString, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            code,
            path: path.to_string(),
            loc: None,
            message: message.into(),
            help: None,
        }
    }

    #[must_use]
    pub fn warning(code: &'static str, path: impl ToString, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(code, path, message)
        }
    }

    #[must_use]
    pub fn at(mut self, loc: &Loc) -> Self {
        self.loc = Some(loc.clone());
        self
    }

    #[must_use]
    pub fn at_opt(mut self, loc: Option<&Loc>) -> Self {
        self.loc = loc.cloned();
        self
    }

    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The flat JSON form (`file`, `line`, `column` are null where no place
    /// applies; an environment override's file is `env:NAME`).
    #[must_use]
    pub fn to_json(&self, sources: &Sources, redactor: &Redactor) -> JsonDiagnostic {
        let (file, line, column) = match &self.loc {
            None => (None, None, None),
            Some(loc) => match &loc.origin {
                Origin::Env(var) => (Some(format!("env:{var}")), None, None),
                Origin::File(_) => (
                    sources.file(&loc.origin).map(|f| f.name.clone()),
                    Some(loc.line),
                    Some(loc.column),
                ),
            },
        };
        JsonDiagnostic {
            severity: self.severity,
            code: self.code,
            path: (!self.path.is_empty()).then(|| self.path.clone()),
            file,
            line,
            column,
            message: redactor.redact(&self.message),
            help: self.help.as_ref().map(|h| redactor.redact(h)),
        }
    }

    /// The human form: headline, place, source line with a caret, key path
    /// and help, styled through `paint`.
    #[must_use]
    pub fn render_human(
        &self,
        sources: &Sources,
        redactor: &Redactor,
        paint: &dyn Paint,
    ) -> String {
        let mut out = String::new();
        let (label, role) = match self.severity {
            Severity::Error => ("error", Role::Error),
            Severity::Warning => ("warning", Role::Warning),
        };
        out.push_str(&paint.paint(&format!("{label}[{}]", self.code), role));
        out.push_str(&paint.paint(
            &format!(": {}", escape_controls(&redactor.redact(&self.message))),
            Role::Strong,
        ));
        out.push('\n');
        let mut width = 0;
        if let Some(loc) = &self.loc {
            match &loc.origin {
                Origin::Env(var) => {
                    width = 1;
                    out.push_str(&format!(
                        " {} environment variable {var}\n",
                        paint.paint("-->", Role::Gutter)
                    ));
                }
                Origin::File(_) => {
                    let name = sources.file(&loc.origin).map_or("<input>", |f| &f.name);
                    let line_no = loc.line.to_string();
                    width = line_no.len();
                    let pad = " ".repeat(width);
                    out.push_str(&format!(
                        "{pad}{} {name}:{}:{}\n",
                        paint.paint("-->", Role::Gutter),
                        loc.line,
                        loc.column
                    ));
                    if let Some(text) = sources.file(&loc.origin).and_then(|f| f.line(loc.line)) {
                        let bar = paint.paint("|", Role::Gutter);
                        let prefix: String = text
                            .chars()
                            .take((loc.column as usize).saturating_sub(1))
                            .collect();
                        let mask = |upto| {
                            sources
                                .file(&loc.origin)
                                .and_then(|f| {
                                    crate::secret::mask_source_line(&f.text, loc.line, upto)
                                })
                                .unwrap_or_default()
                        };
                        let shown = mask(None);
                        let caret_at = mask(Some(prefix.chars().count())).chars().count();
                        out.push_str(&format!("{pad} {bar}\n"));
                        out.push_str(&format!(
                            "{} {bar} {}\n",
                            paint.paint(&line_no, Role::Gutter),
                            escape_controls(&shown)
                        ));
                        out.push_str(&format!(
                            "{pad} {bar} {}{}\n",
                            " ".repeat(caret_at),
                            paint.paint("^", role)
                        ));
                    }
                }
            }
        }
        let pad = " ".repeat(width);
        if !self.path.is_empty() {
            out.push_str(&format!("{pad} = key: {}\n", self.path));
        }
        if let Some(help) = &self.help {
            out.push_str(&format!(
                "{pad} = {}: {}\n",
                paint.paint("help", Role::Help),
                escape_controls(&redactor.redact(help))
            ));
        }
        out
    }
}

/// The JSON shape of one diagnostic (a public interface; see README).
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic {
    pub severity: Severity,
    pub code: &'static str,
    pub path: Option<String>,
    pub file: Option<String>,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
    pub help: Option<String>,
}

/// What a piece of human output means, for colouring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Error,
    Warning,
    Success,
    Strong,
    Gutter,
    Help,
}

/// Styles text for a role; the printer decides whether colour is on.
pub trait Paint {
    fn paint(&self, text: &str, role: Role) -> String;
}

/// No styling at all.
pub struct Plain;

impl Paint for Plain {
    fn paint(&self, text: &str, _role: Role) -> String {
        text.to_owned()
    }
}

/// Orders findings by file, line and column, errors before warnings at the
/// same place; findings without a place come last.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            d.loc
                .as_ref()
                .map_or((2, String::new(), 0, 0), |l| match &l.origin {
                    Origin::File(i) => (0, format!("{i:08}"), l.line, l.column),
                    Origin::Env(v) => (1, v.clone(), 0, 0),
                })
        };
        key(a)
            .cmp(&key(b))
            .then(a.severity.cmp(&b.severity))
            .then(a.code.cmp(b.code))
    });
}

/// The closest candidate to `word`, if one is close enough to be a typo.
#[must_use]
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word_l = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (crate::typo::edit_distance(&word_l, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Text from outside as a terminal may show it: control characters other
/// than newline and tab (escape sequences that retitle a window or clear
/// the screen, a carriage return that overwrites a line) written as
/// `\u{1b}`, so they are seen and not obeyed.
#[must_use]
pub fn escape_controls(text: &str) -> String {
    if !text.chars().any(is_hostile_control) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if is_hostile_control(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn is_hostile_control(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

#[cfg(test)]
mod tests {
    use super::{Diagnostic, Plain, did_you_mean};
    use crate::config::source::{SourceFile, Sources};
    use crate::config::tree::{Loc, Origin};
    use crate::secret::Redactor;

    #[test]
    fn suggestions_catch_typos_only() {
        let keys = ["connection_uri", "from_address", "from_name"];
        assert_eq!(did_you_mean("conection_uri", keys), Some("connection_uri"));
        assert_eq!(did_you_mean("from_adress", keys), Some("from_address"));
        assert_eq!(did_you_mean("banana", keys), None);
        // A swap of two neighbours is one edit.
        assert_eq!(did_you_mean("smpt", ["smtp", "http"]), Some("smtp"));
        assert_eq!(
            did_you_mean(
                "recovery_code_vaild",
                ["recovery_code_valid", "recovery_code_invalid"]
            ),
            Some("recovery_code_valid")
        );
    }

    #[test]
    fn human_form_has_caret_and_masks_secrets() {
        let sources = Sources {
            files: vec![SourceFile {
                name: "k.yml".into(),
                text: "a:\n  uri: smtp://u:s3cretpw@h/ # x\n".into(),
            }],
        };
        let mut r = Redactor::default();
        r.add("s3cretpw");
        let d = Diagnostic::error("smtp-port-missing", "a.uri", "no port")
            .at(&Loc {
                origin: Origin::File(0),
                line: 2,
                column: 26,
            })
            .help("add one");
        let text = d.render_human(&sources, &r, &Plain);
        assert!(!text.contains("s3cretpw"), "{text}");
        assert!(text.contains("--> k.yml:2:26"), "{text}");
        let lines: Vec<&str> = text.lines().collect();
        let src = lines.iter().find(|l| l.contains("smtp://")).unwrap();
        let caret = lines.iter().find(|l| l.trim_end().ends_with('^')).unwrap();
        let h = src.find("h/").unwrap();
        assert_eq!(caret.find('^').unwrap(), h, "{text}");
    }
}
