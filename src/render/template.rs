//! Email and SMS templates as Kratos renders them: Go's text/template for
//! subjects, plaintext and SMS, html/template (context-aware escaping) for the
//! HTML body, the Sprig helpers (the hermetic set for overrides), Kratos'
//! Go field names, and its loading precedence: the `courier.templates` URI
//! (no fallback when broken), then `template_override_path` (the file by
//! its Kratos name, parsed with its glob partials), then courier's own
//! built-in templates. The only user of `gotmpl` and `regex`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use gotmpl::{FuncMap, Value};
use serde_json::Value as Json;

use crate::sample::Channel;

/// One part of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    fn prefix(self) -> &'static str {
        match self {
            Part::Subject => "email.subject",
            Part::Text => "email.body.plaintext",
            Part::Html => "email.body",
            Part::Sms => "sms.body",
        }
    }

    /// The key under `courier.templates.<type>[.valid|.invalid]`.
    fn config_key(self) -> &'static [&'static str] {
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

/// courier's own templates, in Kratos' layout.
const BUILTIN: &[(&str, &str)] = &[
    (
        "authenticator_key_added/email.body.gotmpl",
        include_str!("builtin/authenticator_key_added/email.body.gotmpl"),
    ),
    (
        "authenticator_key_added/email.body.plaintext.gotmpl",
        include_str!("builtin/authenticator_key_added/email.body.plaintext.gotmpl"),
    ),
    (
        "authenticator_key_added/email.subject.gotmpl",
        include_str!("builtin/authenticator_key_added/email.subject.gotmpl"),
    ),
    (
        "authenticator_key_added/sms.body.gotmpl",
        include_str!("builtin/authenticator_key_added/sms.body.gotmpl"),
    ),
    (
        "login_code/valid/email.body.gotmpl",
        include_str!("builtin/login_code/valid/email.body.gotmpl"),
    ),
    (
        "login_code/valid/email.body.plaintext.gotmpl",
        include_str!("builtin/login_code/valid/email.body.plaintext.gotmpl"),
    ),
    (
        "login_code/valid/email.subject.gotmpl",
        include_str!("builtin/login_code/valid/email.subject.gotmpl"),
    ),
    (
        "login_code/valid/sms.body.gotmpl",
        include_str!("builtin/login_code/valid/sms.body.gotmpl"),
    ),
    (
        "recovery/invalid/email.body.gotmpl",
        include_str!("builtin/recovery/invalid/email.body.gotmpl"),
    ),
    (
        "recovery/invalid/email.body.plaintext.gotmpl",
        include_str!("builtin/recovery/invalid/email.body.plaintext.gotmpl"),
    ),
    (
        "recovery/invalid/email.subject.gotmpl",
        include_str!("builtin/recovery/invalid/email.subject.gotmpl"),
    ),
    (
        "recovery/valid/email.body.gotmpl",
        include_str!("builtin/recovery/valid/email.body.gotmpl"),
    ),
    (
        "recovery/valid/email.body.plaintext.gotmpl",
        include_str!("builtin/recovery/valid/email.body.plaintext.gotmpl"),
    ),
    (
        "recovery/valid/email.subject.gotmpl",
        include_str!("builtin/recovery/valid/email.subject.gotmpl"),
    ),
    (
        "recovery_code/invalid/email.body.gotmpl",
        include_str!("builtin/recovery_code/invalid/email.body.gotmpl"),
    ),
    (
        "recovery_code/invalid/email.body.plaintext.gotmpl",
        include_str!("builtin/recovery_code/invalid/email.body.plaintext.gotmpl"),
    ),
    (
        "recovery_code/invalid/email.subject.gotmpl",
        include_str!("builtin/recovery_code/invalid/email.subject.gotmpl"),
    ),
    (
        "recovery_code/valid/email.body.gotmpl",
        include_str!("builtin/recovery_code/valid/email.body.gotmpl"),
    ),
    (
        "recovery_code/valid/email.body.plaintext.gotmpl",
        include_str!("builtin/recovery_code/valid/email.body.plaintext.gotmpl"),
    ),
    (
        "recovery_code/valid/email.subject.gotmpl",
        include_str!("builtin/recovery_code/valid/email.subject.gotmpl"),
    ),
    (
        "recovery_code/valid/sms.body.gotmpl",
        include_str!("builtin/recovery_code/valid/sms.body.gotmpl"),
    ),
    (
        "registration_code/valid/email.body.gotmpl",
        include_str!("builtin/registration_code/valid/email.body.gotmpl"),
    ),
    (
        "registration_code/valid/email.body.plaintext.gotmpl",
        include_str!("builtin/registration_code/valid/email.body.plaintext.gotmpl"),
    ),
    (
        "registration_code/valid/email.subject.gotmpl",
        include_str!("builtin/registration_code/valid/email.subject.gotmpl"),
    ),
    (
        "registration_code/valid/sms.body.gotmpl",
        include_str!("builtin/registration_code/valid/sms.body.gotmpl"),
    ),
    (
        "verifiable_address_changed/email.body.gotmpl",
        include_str!("builtin/verifiable_address_changed/email.body.gotmpl"),
    ),
    (
        "verifiable_address_changed/email.body.plaintext.gotmpl",
        include_str!("builtin/verifiable_address_changed/email.body.plaintext.gotmpl"),
    ),
    (
        "verifiable_address_changed/email.subject.gotmpl",
        include_str!("builtin/verifiable_address_changed/email.subject.gotmpl"),
    ),
    (
        "verifiable_address_changed/sms.body.gotmpl",
        include_str!("builtin/verifiable_address_changed/sms.body.gotmpl"),
    ),
    (
        "verification/invalid/email.body.gotmpl",
        include_str!("builtin/verification/invalid/email.body.gotmpl"),
    ),
    (
        "verification/invalid/email.body.plaintext.gotmpl",
        include_str!("builtin/verification/invalid/email.body.plaintext.gotmpl"),
    ),
    (
        "verification/invalid/email.subject.gotmpl",
        include_str!("builtin/verification/invalid/email.subject.gotmpl"),
    ),
    (
        "verification/valid/email.body.gotmpl",
        include_str!("builtin/verification/valid/email.body.gotmpl"),
    ),
    (
        "verification/valid/email.body.plaintext.gotmpl",
        include_str!("builtin/verification/valid/email.body.plaintext.gotmpl"),
    ),
    (
        "verification/valid/email.subject.gotmpl",
        include_str!("builtin/verification/valid/email.subject.gotmpl"),
    ),
    (
        "verification_code/invalid/email.body.gotmpl",
        include_str!("builtin/verification_code/invalid/email.body.gotmpl"),
    ),
    (
        "verification_code/invalid/email.body.plaintext.gotmpl",
        include_str!("builtin/verification_code/invalid/email.body.plaintext.gotmpl"),
    ),
    (
        "verification_code/invalid/email.subject.gotmpl",
        include_str!("builtin/verification_code/invalid/email.subject.gotmpl"),
    ),
    (
        "verification_code/valid/email.body.gotmpl",
        include_str!("builtin/verification_code/valid/email.body.gotmpl"),
    ),
    (
        "verification_code/valid/email.body.plaintext.gotmpl",
        include_str!("builtin/verification_code/valid/email.body.plaintext.gotmpl"),
    ),
    (
        "verification_code/valid/email.subject.gotmpl",
        include_str!("builtin/verification_code/valid/email.subject.gotmpl"),
    ),
    (
        "verification_code/valid/sms.body.gotmpl",
        include_str!("builtin/verification_code/valid/sms.body.gotmpl"),
    ),
];

/// `recovery_code_valid` -> `recovery_code/valid`.
#[must_use]
pub fn dir_of(ty: &str) -> String {
    for state in ["valid", "invalid"] {
        if let Some(base) = ty.strip_suffix(&format!("_{state}")) {
            return format!("{base}/{state}");
        }
    }
    ty.to_owned()
}

/// The config key path of a part's override, e.g.
/// `courier.templates.recovery_code.valid.email.subject`.
#[must_use]
pub fn config_path(ty: &str, part: Part) -> Vec<String> {
    let mut p = vec!["courier".to_owned(), "templates".to_owned()];
    p.extend(dir_of(ty).split('/').map(str::to_owned));
    p.extend(part.config_key().iter().map(|s| (*s).to_owned()));
    p
}

/// Where a template came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// `courier.templates…` (the key path and URI).
    Config { path: String, uri: String },
    /// A file of `template_override_path`.
    Directory(PathBuf),
    /// courier's own.
    Builtin,
}

/// A template failure, with the template's name and line where known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TemplateError {
    pub origin_text: String,
    pub message: String,
    pub line: Option<usize>,
}

/// What the loader may read.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// `courier.templates` URIs by key path (`courier.templates.x.valid.email.subject`).
    pub uris: BTreeMap<String, String>,
    /// `template_override_path` (Kratos' default: `courier/builtin/templates`).
    pub override_dir: Option<PathBuf>,
    /// Fetch `http(s)://` templates.
    pub online: bool,
    /// Compiled templates by type, channel and part (a batch parses each
    /// template once).
    pub cache: std::rc::Rc<std::cell::RefCell<BTreeMap<String, std::rc::Rc<Compiled>>>>,
}

impl Sources {
    /// Reads `courier.templates` and `template_override_path` from a config.
    #[must_use]
    pub fn from_config(loaded: &crate::config::Loaded, online: bool) -> Self {
        let mut uris = BTreeMap::new();
        fn walk(
            node: &crate::config::tree::Node,
            path: &mut Vec<String>,
            out: &mut BTreeMap<String, String>,
        ) {
            if let Some(s) = node.as_str()
                && !s.is_empty()
            {
                out.insert(path.join("."), s.to_owned());
            }
            for e in node.entries() {
                path.push(e.key.clone());
                walk(&e.node, path, out);
                path.pop();
            }
        }
        if let Some(t) = loaded.root.lookup(&["courier", "templates"]) {
            walk(
                t,
                &mut vec!["courier".into(), "templates".into()],
                &mut uris,
            );
        }
        let override_dir = loaded
            .root
            .lookup(&["courier", "template_override_path"])
            .and_then(crate::config::tree::Node::as_str)
            .map_or_else(|| PathBuf::from("courier/builtin/templates"), PathBuf::from);
        Self {
            uris,
            override_dir: Some(override_dir),
            online,
            cache: std::rc::Rc::default(),
        }
    }
}

/// A loaded, not yet parsed template: its files (name, text) and origin;
/// the first file is the one executed.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub origin: Origin,
    pub files: Vec<(String, String)>,
    pub hermetic: bool,
}

/// Loads a part with Kratos' precedence; `None` when the type has no such
/// part (e.g. SMS for a link template).
pub fn load(ty: &str, part: Part, sources: &Sources) -> Result<Option<Loaded>, TemplateError> {
    let key = config_path(ty, part).join(".");
    if let Some(uri) = sources.uris.get(&key) {
        let text = match crate::fetch::load(uri, sources.online) {
            Ok(Some(t)) => t,
            Ok(None) => {
                return Err(TemplateError {
                    origin_text: key.clone(),
                    message: format!("{key} is fetched over HTTP; pass --online to load it"),
                    line: None,
                });
            }
            Err(e) => {
                return Err(TemplateError {
                    origin_text: key.clone(),
                    message: format!("{key}: {e}"),
                    line: None,
                });
            }
        };
        return Ok(Some(Loaded {
            origin: Origin::Config {
                path: key,
                uri: uri.clone(),
            },
            files: vec![(part.file().to_owned(), text)],
            hermetic: true,
        }));
    }
    let rel = format!("{}/{}", dir_of(ty), part.file());
    if let Some(dir) = &sources.override_dir {
        let primary = dir.join(&rel);
        if primary.is_file() {
            let folder = primary.parent().unwrap_or(Path::new("."));
            let mut files = vec![(part.file().to_owned(), read(&primary)?)];
            let mut partials: Vec<PathBuf> = std::fs::read_dir(folder)
                .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
                .unwrap_or_default();
            partials.sort();
            for p in partials {
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if name != part.file() && name.starts_with(part.prefix()) && p.is_file() {
                    files.push((name, read(&p)?));
                }
            }
            return Ok(Some(Loaded {
                origin: Origin::Directory(primary),
                files,
                hermetic: true,
            }));
        }
    }
    Ok(BUILTIN
        .iter()
        .find(|(p, _)| *p == rel)
        .map(|(_, text)| Loaded {
            origin: Origin::Builtin,
            files: vec![(part.file().to_owned(), (*text).to_owned())],
            hermetic: false,
        }))
}

fn read(path: &Path) -> Result<String, TemplateError> {
    std::fs::read_to_string(path).map_err(|e| TemplateError {
        origin_text: path.display().to_string(),
        message: format!("cannot read {}: {e}", path.display()),
        line: None,
    })
}

impl Loaded {
    /// Where it came from, for messages.
    #[must_use]
    pub fn describe(&self) -> String {
        match &self.origin {
            Origin::Config { path, .. } => path.clone(),
            Origin::Directory(p) => p.display().to_string(),
            Origin::Builtin => format!("courier built-in {}", self.files[0].0),
        }
    }

    /// Parses and executes with `data` (the model with Go field names).
    /// Parses and executes with `data` (the model with Go field names).
    pub fn render(
        &self,
        part: Part,
        data: &Value,
        model: &str,
        fields: &[&str],
    ) -> Result<String, TemplateError> {
        self.compile(part, model, fields)?.execute(data)
    }

    /// Maps a gotmpl error to ours, in Go's words, with the line.
    fn error(&self, e: &gotmpl::TemplateError) -> TemplateError {
        let mut text = e.to_string();
        let mut line = line_of(&text);
        if let Some(func) = text
            .strip_prefix("undefined function: ")
            .map(|f| f.trim().to_owned())
        {
            let found = self.files.iter().find_map(|(fname, src)| {
                src.lines()
                    .position(|l| l.contains("{{") && l.contains(func.as_str()))
                    .map(|i| (fname.clone(), i + 1))
            });
            if let Some((fname, l)) = found {
                line = Some(l);
                text = format!("template: {fname}:{l}: function {func:?} not defined");
            } else {
                text = format!("function {func:?} not defined");
            }
        }
        TemplateError {
            origin_text: self.describe(),
            line,
            message: format!("{}: {}", self.describe(), text),
        }
    }

    /// Checks and parses the files (once; execute many times).
    pub fn compile(
        &self,
        part: Part,
        model: &str,
        fields: &[&str],
    ) -> Result<Compiled, TemplateError> {
        let name = &self.files[0].0;
        for (fname, text) in &self.files {
            if let Some((msg, line)) = unbalanced(text) {
                return Err(TemplateError {
                    origin_text: self.describe(),
                    line: Some(line),
                    message: format!("{}: template: {fname}:{line}: {msg}", self.describe()),
                });
            }
            if let Some(missing) = missing_root_field(text, fields) {
                let line = missing.1;
                return Err(TemplateError {
                    origin_text: self.describe(),
                    line: Some(line),
                    message: format!(
                        "{}: template: {fname}:{line}: can't evaluate field {} in type *{model}",
                        self.describe(),
                        missing.0
                    ),
                });
            }
        }
        let source = |fname: &str, text: &str| {
            if fname == name {
                text.to_owned()
            } else {
                format!("{{{{define \"{fname}\"}}}}{text}{{{{end}}}}")
            }
        };
        let funcs = sprig(self.hermetic);
        let engine = if part == Part::Html {
            let mut t = gotmpl::html::Template::new(name).funcs(funcs);
            for (fname, text) in &self.files {
                t = t.parse(&source(fname, text)).map_err(|e| self.error(&e))?;
            }
            Engine::Html(t)
        } else {
            let mut t = gotmpl::Template::new(name).funcs(funcs);
            for (fname, text) in &self.files {
                t = t.parse(&source(fname, text)).map_err(|e| self.error(&e))?;
            }
            Engine::Text(t)
        };
        Ok(Compiled {
            engine,
            loaded: self.clone(),
        })
    }
}

enum Engine {
    Text(gotmpl::Template),
    Html(gotmpl::html::Template),
}

/// A parsed template, ready to execute many times.
pub struct Compiled {
    engine: Engine,
    loaded: Loaded,
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compiled")
            .field("origin", &self.loaded.origin)
            .finish_non_exhaustive()
    }
}

impl Compiled {
    /// Executes with `data`.
    pub fn execute(&self, data: &Value) -> Result<String, TemplateError> {
        match &self.engine {
            Engine::Text(t) => t.execute_to_string(data),
            Engine::Html(t) => t.execute_to_string(data),
        }
        .map_err(|e| self.loaded.error(&e))
    }
}

fn line_of(text: &str) -> Option<usize> {
    // "template: name:LINE:COL: ..." or "name:LINE: ..."
    text.split(':')
        .skip(1)
        .find_map(|s| s.trim().parse::<usize>().ok())
}

/// The actions of a template, trimmed of `-` and blanks, with their line.
fn actions(text: &str) -> Vec<(&str, usize)> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut offset = 0;
    while let Some(start) = rest.find("{{") {
        let Some(end) = rest[start..].find("}}") else {
            break;
        };
        let action =
            rest[start + 2..start + end].trim_matches(|c: char| c == '-' || c.is_whitespace());
        out.push((action, text[..offset + start].matches('\n').count() + 1));
        offset += start + end + 2;
        rest = &rest[start + end + 2..];
    }
    out
}

/// Go's parser rejects a block without `{{end}}` ("unexpected EOF") and an
/// `{{end}}` without a block; checked here as well.
fn unbalanced(text: &str) -> Option<(String, usize)> {
    let mut open: Vec<usize> = Vec::new();
    for (action, line) in actions(text) {
        match action.split_whitespace().next().unwrap_or_default() {
            "if" | "range" | "with" | "define" | "block" => open.push(line),
            "end" if open.pop().is_none() => return Some(("unexpected {{end}}".to_owned(), line)),
            _ => {}
        }
    }
    open.pop()
        .map(|_| ("unexpected EOF".to_owned(), text.matches('\n').count() + 1))
}

/// A `.Field` on the root data that the model does not have (Go: "can't
/// evaluate field"). Dot is the root outside `range` and `with`; `$.X` is
/// always the root.
fn missing_root_field(text: &str, fields: &[&str]) -> Option<(String, usize)> {
    let mut depth_dot_changed = 0usize;
    let mut stack: Vec<bool> = Vec::new();
    for (action, line) in actions(text) {
        match action.split_whitespace().next().unwrap_or_default() {
            "range" | "with" => {
                stack.push(true);
                depth_dot_changed += 1;
            }
            "if" | "define" | "block" => stack.push(false),
            "end" if stack.pop() == Some(true) => depth_dot_changed -= 1,
            _ => {}
        }
        if action.starts_with("/*") {
            continue;
        }
        let bytes = action.as_bytes();
        for (i, _) in action.match_indices('.') {
            let prev = if i == 0 { b' ' } else { bytes[i - 1] };
            let is_root_var = prev == b'$';
            let is_dot = matches!(prev, b' ' | b'(' | b'|') || i == 0;
            let root_dot = is_root_var || (is_dot && depth_dot_changed == 0);
            if !root_dot {
                continue;
            }
            let name: String = action[i + 1..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if name.starts_with(|c: char| c.is_ascii_uppercase())
                && !fields.contains(&name.as_str())
            {
                return Some((name, line));
            }
        }
    }
    None
}

/// The Go model of a template type: its type name and, field by field, the
/// Go name and the JSON name in `template_data`.
#[must_use]
pub fn model(ty: &str, channel: Channel) -> (String, Vec<(&'static str, &'static str)>) {
    let pkg = if channel == Channel::Sms {
        "sms"
    } else {
        "email"
    };
    let camel: String = ty
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    let mut f: Vec<(&str, &str)> = vec![("To", "to")];
    let common = |f: &mut Vec<(&'static str, &'static str)>| {
        f.extend([
            ("RequestURL", "request_url"),
            ("TransientPayload", "transient_payload"),
        ]);
    };
    match (ty, channel) {
        (t, _) if t.ends_with("_invalid") => common(&mut f),
        ("recovery_valid", _) => {
            f.extend([
                ("RecoveryURL", "recovery_url"),
                ("Identity", "identity"),
                ("ExpiresInMinutes", "expires_in_minutes"),
            ]);
            common(&mut f);
        }
        ("recovery_code_valid", Channel::Email) => {
            f.extend([
                ("RecoveryCode", "recovery_code"),
                ("Identity", "identity"),
                ("ExpiresInMinutes", "expires_in_minutes"),
                ("UserRequestHeaders", ""),
            ]);
            common(&mut f);
        }
        ("recovery_code_valid", Channel::Sms) => {
            f.extend([
                ("RecoveryCode", "verification_code"),
                ("Identity", "identity"),
                ("RequestURLDomain", "request_url_domain"),
                ("ExpiresInMinutes", "expires_in_minutes"),
                ("UserRequestHeaders", ""),
            ]);
            common(&mut f);
        }
        ("verification_valid", _) => {
            f.extend([
                ("VerificationURL", "verification_url"),
                ("Identity", "identity"),
                ("ExpiresInMinutes", "expires_in_minutes"),
                ("OAuth2LoginRequest", "oauth2_login_request"),
            ]);
            common(&mut f);
        }
        ("verification_code_valid", Channel::Email) => {
            f.extend([
                ("VerificationURL", "verification_url"),
                ("VerificationCode", "verification_code"),
                ("Identity", "identity"),
                ("ExpiresInMinutes", "expires_in_minutes"),
                ("OAuth2LoginRequest", "oauth2_login_request"),
            ]);
            common(&mut f);
        }
        ("verification_code_valid", Channel::Sms) => {
            f.extend([
                ("VerificationCode", "verification_code"),
                ("Identity", "identity"),
                ("RequestURLDomain", "request_url_domain"),
                ("ExpiresInMinutes", "expires_in_minutes"),
                ("OAuth2LoginRequest", "oauth2_login_request"),
            ]);
            common(&mut f);
        }
        ("login_code_valid", _) => {
            f.extend([
                ("LoginCode", "login_code"),
                ("Identity", "identity"),
                ("ExpiresInMinutes", "expires_in_minutes"),
                ("OAuth2LoginRequest", "oauth2_login_request"),
                ("UserRequestHeaders", ""),
            ]);
            if channel == Channel::Sms {
                f.push(("RequestURLDomain", "request_url_domain"));
            }
            common(&mut f);
        }
        ("registration_code_valid", Channel::Email) => {
            f.extend([
                ("Traits", "traits"),
                ("RegistrationCode", "registration_code"),
                ("ExpiresInMinutes", "expires_in_minutes"),
                ("OAuth2LoginRequest", "oauth2_login_request"),
                ("UserRequestHeaders", ""),
            ]);
            common(&mut f);
        }
        ("registration_code_valid", Channel::Sms) => {
            f.extend([
                ("RegistrationCode", "registration_code"),
                ("Identity", "identity"),
                ("RequestURLDomain", "request_url_domain"),
                ("ExpiresInMinutes", "expires_in_minutes"),
                ("OAuth2LoginRequest", "oauth2_login_request"),
                ("UserRequestHeaders", ""),
            ]);
            common(&mut f);
        }
        ("verifiable_address_changed", _) => f.extend([
            ("Identity", "identity"),
            ("ChangedAt", "changed_at"),
            ("TransientPayload", "transient_payload"),
        ]),
        ("authenticator_key_added", _) => f.extend([
            ("Identity", "identity"),
            ("AddedAt", "added_at"),
            ("TransientPayload", "transient_payload"),
        ]),
        ("stub", _) => f.extend([
            ("Subject", "subject"),
            ("Body", "body"),
            ("HTMLBody", "html_body"),
            ("Identity", "identity"),
        ]),
        _ => common(&mut f),
    }
    if channel == Channel::Sms
        && matches!(ty, "verifiable_address_changed" | "authenticator_key_added")
    {
        f.push(("UserRequestHeaders", ""));
    }
    (format!("{pkg}.{camel}Model"), f)
}

/// The template data with Go field names (request headers from the ctx).
#[must_use]
pub fn data(fields: &[(&str, &str)], template_data: &Json, request_headers: &Json) -> Value {
    let mut m: BTreeMap<Arc<str>, Value> = BTreeMap::new();
    for (go, json) in fields {
        let v = if json.is_empty() {
            to_value(request_headers)
        } else {
            template_data.get(*json).map_or(Value::Nil, to_value)
        };
        m.insert(Arc::from(*go), v);
    }
    Value::Map(Arc::new(m))
}

/// JSON to a template value (numbers that are whole stay integers).
#[must_use]
pub fn to_value(j: &Json) -> Value {
    match j {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => n
            .as_i64()
            .map_or_else(|| Value::Float(n.as_f64().unwrap_or(0.0)), Value::Int),
        Json::String(s) => Value::String(Arc::from(s.as_str())),
        Json::Array(a) => Value::List(a.iter().map(to_value).collect()),
        Json::Object(o) => Value::Map(Arc::new(
            o.iter()
                .map(|(k, v)| (Arc::from(k.as_str()), to_value(v)))
                .collect(),
        )),
    }
}

fn to_json(v: &Value) -> Json {
    match v {
        Value::Nil => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Uint(u) => Json::from(*u),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::String(s) => Json::String(s.to_string()),
        Value::List(l) => Json::Array(l.iter().map(to_json).collect()),
        Value::Map(m) => Json::Object(m.iter().map(|(k, v)| (k.to_string(), to_json(v))).collect()),
        _ => Json::String(v.to_string()),
    }
}

type FResult = Result<Value, gotmpl::TemplateError>;

fn err(name: &str, msg: &str) -> gotmpl::TemplateError {
    gotmpl::TemplateError::Exec(format!("error calling {name}: {msg}"))
}

fn s(v: &Value) -> String {
    match v {
        Value::Nil => String::new(),
        other => other
            .as_str()
            .map_or_else(|| other.to_string(), str::to_owned),
    }
}

fn n(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        Value::Uint(u) => i64::try_from(*u).unwrap_or(i64::MAX),
        Value::Float(f) => *f as i64,
        Value::String(x) => x.trim().parse().unwrap_or(0),
        Value::Bool(b) => i64::from(*b),
        _ => 0,
    }
}

fn f(v: &Value) -> f64 {
    match v {
        Value::Float(x) => *x,
        Value::String(x) => x.trim().parse().unwrap_or(0.0),
        other => n(other) as f64,
    }
}

fn list_of(v: &Value) -> Vec<Value> {
    match v {
        Value::List(l) => l.to_vec(),
        Value::Nil => Vec::new(),
        other => vec![other.clone()],
    }
}

/// Sprig's word split for snake/kebab/camel case.
fn words(t: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in t.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn wrap(t: &str, width: usize) -> String {
    let mut out = String::new();
    for (i, line) in t.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let mut len = 0;
        for (j, w) in line.split(' ').enumerate() {
            if j > 0 && len + 1 + w.len() > width {
                out.push('\n');
                len = 0;
            } else if j > 0 {
                out.push(' ');
                len += 1;
            }
            out.push_str(w);
            len += w.len();
        }
    }
    out
}

fn empty(v: &Value) -> bool {
    match v {
        Value::Nil => true,
        Value::Bool(b) => !b,
        Value::Int(i) => *i == 0,
        Value::Uint(u) => *u == 0,
        Value::Float(f) => *f == 0.0,
        Value::String(x) => x.is_empty(),
        Value::List(l) => l.is_empty(),
        Value::Map(m) => m.is_empty(),
        _ => false,
    }
}

fn str_v(x: impl Into<String>) -> Value {
    Value::String(Arc::from(x.into().as_str()))
}

fn arg<'a>(args: &'a [Value], i: usize, name: &str) -> Result<&'a Value, gotmpl::TemplateError> {
    args.get(i)
        .ok_or_else(|| err(name, "wrong number of arguments"))
}

/// The Sprig helpers courier implements. Kratos removes the date, random,
/// uuid, env and DNS helpers for overrides (`hermetic`); courier implements
/// none of those, so both sets are the same here, and any other Sprig
/// function is "not defined" at parse time with the template's line.
fn sprig(_hermetic: bool) -> FuncMap {
    let mut m = FuncMap::new();
    let mut add = |name: &'static str, f: fn(&'static str, &[Value]) -> FResult| {
        m.insert(name.to_owned(), Arc::new(move |a: &[Value]| f(name, a)));
    };
    add("default", |nm, a| {
        let d = arg(a, 0, nm)?;
        Ok(match a.get(1) {
            Some(v) if !empty(v) => v.clone(),
            _ => d.clone(),
        })
    });
    add("empty", |_, a| Ok(Value::Bool(a.first().is_none_or(empty))));
    add("coalesce", |_, a| {
        Ok(a.iter().find(|v| !empty(v)).cloned().unwrap_or(Value::Nil))
    });
    add("ternary", |nm, a| {
        Ok(if arg(a, 2, nm)?.is_truthy() {
            a[0].clone()
        } else {
            a[1].clone()
        })
    });
    add("upper", |nm, a| Ok(str_v(s(arg(a, 0, nm)?).to_uppercase())));
    add("lower", |nm, a| Ok(str_v(s(arg(a, 0, nm)?).to_lowercase())));
    add("title", |nm, a| {
        let t = s(arg(a, 0, nm)?);
        let mut out = String::new();
        let mut prev_letter = false;
        for c in t.chars() {
            out.extend(if prev_letter {
                c.to_lowercase().collect::<Vec<_>>()
            } else {
                c.to_uppercase().collect()
            });
            prev_letter = c.is_alphanumeric() || c == '\'';
        }
        Ok(str_v(out))
    });
    add("trim", |nm, a| Ok(str_v(s(arg(a, 0, nm)?).trim())));
    add("trimAll", |nm, a| {
        let cut = s(arg(a, 0, nm)?);
        Ok(str_v(s(arg(a, 1, nm)?).trim_matches(|c| cut.contains(c))))
    });
    add("trimPrefix", |nm, a| {
        let p = s(arg(a, 0, nm)?);
        let t = s(arg(a, 1, nm)?);
        Ok(str_v(t.strip_prefix(p.as_str()).unwrap_or(&t)))
    });
    add("trimSuffix", |nm, a| {
        let p = s(arg(a, 0, nm)?);
        let t = s(arg(a, 1, nm)?);
        Ok(str_v(t.strip_suffix(p.as_str()).unwrap_or(&t)))
    });
    add("replace", |nm, a| {
        Ok(str_v(s(arg(a, 2, nm)?).replace(&s(&a[0]), &s(&a[1]))))
    });
    add("contains", |nm, a| {
        Ok(Value::Bool(s(arg(a, 1, nm)?).contains(&s(&a[0]))))
    });
    add("hasPrefix", |nm, a| {
        Ok(Value::Bool(s(arg(a, 1, nm)?).starts_with(&s(&a[0]))))
    });
    add("hasSuffix", |nm, a| {
        Ok(Value::Bool(s(arg(a, 1, nm)?).ends_with(&s(&a[0]))))
    });
    add("quote", |_, a| {
        Ok(str_v(
            a.iter()
                .filter(|v| !matches!(v, Value::Nil))
                .map(|v| format!("{:?}", s(v)))
                .collect::<Vec<_>>()
                .join(" "),
        ))
    });
    add("squote", |_, a| {
        Ok(str_v(
            a.iter()
                .filter(|v| !matches!(v, Value::Nil))
                .map(|v| format!("'{}'", s(v)))
                .collect::<Vec<_>>()
                .join(" "),
        ))
    });
    add("substr", |nm, a| {
        let t: Vec<char> = s(arg(a, 2, nm)?).chars().collect();
        let (st, en) = (n(&a[0]), n(&a[1]));
        let len = t.len() as i64;
        let st = if st < 0 { 0 } else { st.min(len) } as usize;
        let en = if en < 0 || en > len { len } else { en } as usize;
        Ok(str_v(if st > en {
            String::new()
        } else {
            t[st..en].iter().collect()
        }))
    });
    add("trunc", |nm, a| {
        let t: Vec<char> = s(arg(a, 1, nm)?).chars().collect();
        let c = n(&a[0]);
        let len = t.len() as i64;
        Ok(str_v(if c >= 0 {
            t[..(c.min(len) as usize)].iter().collect::<String>()
        } else {
            t[((len + c).max(0) as usize)..].iter().collect()
        }))
    });
    add("abbrev", |nm, a| {
        let w = n(arg(a, 0, nm)?);
        let t = s(arg(a, 1, nm)?);
        let chars: Vec<char> = t.chars().collect();
        Ok(str_v(if w < 4 || chars.len() as i64 <= w {
            t
        } else {
            chars[..(w as usize - 3)].iter().collect::<String>() + "..."
        }))
    });
    add("indent", |nm, a| {
        let pad = " ".repeat(n(arg(a, 0, nm)?).max(0) as usize);
        Ok(str_v(format!(
            "{pad}{}",
            s(arg(a, 1, nm)?).replace('\n', &format!("\n{pad}"))
        )))
    });
    add("nindent", |nm, a| {
        let pad = " ".repeat(n(arg(a, 0, nm)?).max(0) as usize);
        Ok(str_v(format!(
            "\n{pad}{}",
            s(arg(a, 1, nm)?).replace('\n', &format!("\n{pad}"))
        )))
    });
    add("nospace", |nm, a| {
        Ok(str_v(
            s(arg(a, 0, nm)?)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>(),
        ))
    });
    add("repeat", |nm, a| {
        Ok(str_v(
            s(arg(a, 1, nm)?).repeat(n(&a[0]).clamp(0, 10_000) as usize),
        ))
    });
    add("split", |nm, a| {
        let sep = s(arg(a, 0, nm)?);
        let parts: BTreeMap<Arc<str>, Value> = s(arg(a, 1, nm)?)
            .split(sep.as_str())
            .enumerate()
            .map(|(i, p)| (Arc::from(format!("_{i}").as_str()), str_v(p)))
            .collect();
        Ok(Value::Map(Arc::new(parts)))
    });
    add("splitList", |nm, a| {
        let sep = s(arg(a, 0, nm)?);
        Ok(Value::List(
            s(arg(a, 1, nm)?).split(sep.as_str()).map(str_v).collect(),
        ))
    });
    add("join", |nm, a| {
        let sep = s(arg(a, 0, nm)?);
        Ok(str_v(match arg(a, 1, nm)? {
            Value::List(l) => l.iter().map(s).collect::<Vec<_>>().join(&sep),
            other => s(other),
        }))
    });
    add("regexMatch", |nm, a| {
        let re = regex::Regex::new(&s(arg(a, 0, nm)?)).map_err(|e| err(nm, &e.to_string()))?;
        Ok(Value::Bool(re.is_match(&s(arg(a, 1, nm)?))))
    });
    add("regexReplaceAll", |nm, a| {
        let re = regex::Regex::new(&s(arg(a, 0, nm)?)).map_err(|e| err(nm, &e.to_string()))?;
        Ok(str_v(re.replace_all(
            &s(arg(a, 1, nm)?),
            s(arg(a, 2, nm)?).as_str(),
        )))
    });
    add("list", |_, a| Ok(Value::List(a.iter().cloned().collect())));
    add("first", |nm, a| {
        Ok(match arg(a, 0, nm)? {
            Value::List(l) => l.first().cloned().unwrap_or(Value::Nil),
            _ => Value::Nil,
        })
    });
    add("last", |nm, a| {
        Ok(match arg(a, 0, nm)? {
            Value::List(l) => l.last().cloned().unwrap_or(Value::Nil),
            _ => Value::Nil,
        })
    });
    add("dict", |_, a| {
        let mut m = BTreeMap::new();
        for pair in a.chunks(2) {
            m.insert(
                Arc::from(s(&pair[0]).as_str()),
                pair.get(1).cloned().unwrap_or_else(|| str_v("")),
            );
        }
        Ok(Value::Map(Arc::new(m)))
    });
    add("get", |nm, a| {
        Ok(match arg(a, 0, nm)? {
            Value::Map(m) => m
                .get(s(arg(a, 1, nm)?).as_str())
                .cloned()
                .unwrap_or_else(|| str_v("")),
            _ => str_v(""),
        })
    });
    add("set", |nm, a| {
        let Value::Map(m) = arg(a, 0, nm)? else {
            return Err(err(nm, "not a dict"));
        };
        let mut m = (**m).clone();
        m.insert(
            Arc::from(s(arg(a, 1, nm)?).as_str()),
            arg(a, 2, nm)?.clone(),
        );
        Ok(Value::Map(Arc::new(m)))
    });
    add("hasKey", |nm, a| {
        Ok(Value::Bool(match arg(a, 0, nm)? {
            Value::Map(m) => m.contains_key(s(arg(a, 1, nm)?).as_str()),
            _ => false,
        }))
    });
    add("keys", |_, a| {
        let mut k: Vec<Value> = a
            .iter()
            .filter_map(|v| {
                if let Value::Map(m) = v {
                    Some(m.keys().map(|k| str_v(k.to_string())).collect::<Vec<_>>())
                } else {
                    None
                }
            })
            .flatten()
            .collect();
        k.sort_by_key(s);
        Ok(Value::List(k.into()))
    });
    add("add", |_, a| {
        Ok(Value::Int(a.iter().map(n).fold(0i64, i64::wrapping_add)))
    });
    add("sub", |nm, a| {
        Ok(Value::Int(
            n(arg(a, 0, nm)?).wrapping_sub(n(arg(a, 1, nm)?)),
        ))
    });
    add("mul", |_, a| {
        Ok(Value::Int(a.iter().map(n).fold(1i64, i64::wrapping_mul)))
    });
    add("div", |nm, a| {
        let d = n(arg(a, 1, nm)?);
        if d == 0 {
            return Err(err(nm, "division by zero"));
        }
        Ok(Value::Int(n(&a[0]) / d))
    });
    add("mod", |nm, a| {
        let d = n(arg(a, 1, nm)?);
        if d == 0 {
            return Err(err(nm, "division by zero"));
        }
        Ok(Value::Int(n(&a[0]) % d))
    });
    add("max", |_, a| {
        Ok(Value::Int(a.iter().map(n).max().unwrap_or(0)))
    });
    add("min", |_, a| {
        Ok(Value::Int(a.iter().map(n).min().unwrap_or(0)))
    });
    add("int", |nm, a| Ok(Value::Int(n(arg(a, 0, nm)?))));
    add("int64", |nm, a| Ok(Value::Int(n(arg(a, 0, nm)?))));
    add("atoi", |nm, a| {
        Ok(Value::Int(s(arg(a, 0, nm)?).trim().parse().unwrap_or(0)))
    });
    add("toString", |nm, a| Ok(str_v(s(arg(a, 0, nm)?))));
    add("b64enc", |nm, a| {
        Ok(str_v(crate::b64::encode(s(arg(a, 0, nm)?).as_bytes())))
    });
    add("b64dec", |nm, a| {
        Ok(str_v(
            crate::b64::decode(&s(arg(a, 0, nm)?))
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_else(|e| e),
        ))
    });
    add("toJson", |nm, a| {
        Ok(str_v(
            serde_json::to_string(&to_json(arg(a, 0, nm)?)).unwrap_or_default(),
        ))
    });
    add("fromJson", |nm, a| {
        Ok(serde_json::from_str::<Json>(&s(arg(a, 0, nm)?)).map_or(Value::Nil, |j| to_value(&j)))
    });
    add("cat", |_, a| {
        Ok(str_v(
            a.iter()
                .filter(|v| !matches!(v, Value::Nil))
                .map(s)
                .collect::<Vec<_>>()
                .join(" "),
        ))
    });
    add("untitle", |nm, a| {
        let t = s(arg(a, 0, nm)?);
        let mut prev_space = true;
        Ok(str_v(
            t.chars()
                .map(|c| {
                    let out = if prev_space {
                        c.to_lowercase().next().unwrap_or(c)
                    } else {
                        c
                    };
                    prev_space = c.is_whitespace();
                    out
                })
                .collect::<String>(),
        ))
    });
    add("swapcase", |nm, a| {
        Ok(str_v(
            s(arg(a, 0, nm)?)
                .chars()
                .map(|c| {
                    if c.is_uppercase() {
                        c.to_lowercase().next().unwrap_or(c)
                    } else {
                        c.to_uppercase().next().unwrap_or(c)
                    }
                })
                .collect::<String>(),
        ))
    });
    add("initials", |nm, a| {
        Ok(str_v(
            s(arg(a, 0, nm)?)
                .split_whitespace()
                .filter_map(|w| w.chars().next())
                .collect::<String>(),
        ))
    });
    add("snakecase", |nm, a| {
        Ok(str_v(words(&s(arg(a, 0, nm)?)).join("_")))
    });
    add("kebabcase", |nm, a| {
        Ok(str_v(words(&s(arg(a, 0, nm)?)).join("-")))
    });
    add("camelcase", |nm, a| {
        Ok(str_v(
            words(&s(arg(a, 0, nm)?))
                .iter()
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                        .unwrap_or_default()
                })
                .collect::<String>(),
        ))
    });
    add("plural", |nm, a| {
        Ok(if n(arg(a, 2, nm)?) == 1 {
            a[0].clone()
        } else {
            a[1].clone()
        })
    });
    add("wrap", |nm, a| {
        Ok(str_v(wrap(&s(arg(a, 1, nm)?), n(&a[0]).max(1) as usize)))
    });
    add("toPrettyJson", |nm, a| {
        Ok(str_v(
            serde_json::to_string_pretty(&to_json(arg(a, 0, nm)?)).unwrap_or_default(),
        ))
    });
    add("toRawJson", |nm, a| {
        Ok(str_v(
            serde_json::to_string(&to_json(arg(a, 0, nm)?)).unwrap_or_default(),
        ))
    });
    add("append", |nm, a| {
        let mut l = list_of(arg(a, 0, nm)?);
        l.push(arg(a, 1, nm)?.clone());
        Ok(Value::List(l.into()))
    });
    add("push", |nm, a| {
        let mut l = list_of(arg(a, 0, nm)?);
        l.push(arg(a, 1, nm)?.clone());
        Ok(Value::List(l.into()))
    });
    add("prepend", |nm, a| {
        let mut l = list_of(arg(a, 0, nm)?);
        l.insert(0, arg(a, 1, nm)?.clone());
        Ok(Value::List(l.into()))
    });
    add("rest", |nm, a| {
        Ok(Value::List(
            list_of(arg(a, 0, nm)?).into_iter().skip(1).collect(),
        ))
    });
    add("initial", |nm, a| {
        let mut l = list_of(arg(a, 0, nm)?);
        l.pop();
        Ok(Value::List(l.into()))
    });
    add("reverse", |nm, a| {
        let mut l = list_of(arg(a, 0, nm)?);
        l.reverse();
        Ok(Value::List(l.into()))
    });
    add("uniq", |nm, a| {
        let mut out: Vec<Value> = Vec::new();
        for v in list_of(arg(a, 0, nm)?) {
            if !out.iter().any(|o| o.to_string() == v.to_string()) {
                out.push(v);
            }
        }
        Ok(Value::List(out.into()))
    });
    add("compact", |nm, a| {
        Ok(Value::List(
            list_of(arg(a, 0, nm)?)
                .into_iter()
                .filter(|v| !empty(v))
                .collect(),
        ))
    });
    add("has", |nm, a| {
        let needle = arg(a, 0, nm)?.to_string();
        Ok(Value::Bool(
            list_of(arg(a, 1, nm)?)
                .iter()
                .any(|v| v.to_string() == needle),
        ))
    });
    add("without", |nm, a| {
        let drop: Vec<String> = a[1..].iter().map(ToString::to_string).collect();
        Ok(Value::List(
            list_of(arg(a, 0, nm)?)
                .into_iter()
                .filter(|v| !drop.contains(&v.to_string()))
                .collect(),
        ))
    });
    add("concat", |_, a| {
        Ok(Value::List(a.iter().flat_map(list_of).collect()))
    });
    add("values", |nm, a| {
        Ok(Value::List(match arg(a, 0, nm)? {
            Value::Map(m) => m.values().cloned().collect(),
            _ => Vec::new().into(),
        }))
    });
    add("pick", |nm, a| {
        let Value::Map(m) = arg(a, 0, nm)? else {
            return Err(err(nm, "not a dict"));
        };
        let keep: Vec<String> = a[1..].iter().map(s).collect();
        Ok(Value::Map(Arc::new(
            m.iter()
                .filter(|(k, _)| keep.contains(&k.to_string()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        )))
    });
    add("omit", |nm, a| {
        let Value::Map(m) = arg(a, 0, nm)? else {
            return Err(err(nm, "not a dict"));
        };
        let drop: Vec<String> = a[1..].iter().map(s).collect();
        Ok(Value::Map(Arc::new(
            m.iter()
                .filter(|(k, _)| !drop.contains(&k.to_string()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        )))
    });
    add("merge", |nm, a| {
        let mut out = BTreeMap::new();
        for v in a.iter().rev() {
            if let Value::Map(m) = v {
                for (k, val) in m.iter() {
                    out.insert(k.clone(), val.clone());
                }
            }
        }
        if a.is_empty() {
            return Err(err(nm, "wrong number of arguments"));
        }
        Ok(Value::Map(Arc::new(out)))
    });
    add("dig", |nm, a| {
        if a.len() < 3 {
            return Err(err(nm, "wrong number of arguments"));
        }
        let (keys, rest) = a.split_at(a.len() - 2);
        let mut cur = rest[1].clone();
        for k in keys {
            cur = match &cur {
                Value::Map(m) => match m.get(s(k).as_str()) {
                    Some(v) => v.clone(),
                    None => return Ok(rest[0].clone()),
                },
                _ => return Ok(rest[0].clone()),
            };
        }
        Ok(cur)
    });
    add("until", |nm, a| {
        Ok(Value::List(
            (0..n(arg(a, 0, nm)?).clamp(0, 10_000))
                .map(Value::Int)
                .collect(),
        ))
    });
    add("seq", |_, a| {
        let (start, end) = match a.len() {
            1 => (1, n(&a[0])),
            _ => (n(&a[0]), n(&a[1])),
        };
        let step = if start <= end { 1 } else { -1 };
        let mut out = Vec::new();
        let mut i = start;
        while out.len() < 10_000 {
            out.push(i.to_string());
            if i == end {
                break;
            }
            i += step;
        }
        Ok(str_v(out.join(" ")))
    });
    add("float64", |nm, a| {
        Ok(Value::Float(match arg(a, 0, nm)? {
            Value::Float(f) => *f,
            Value::String(x) => x.trim().parse().unwrap_or(0.0),
            other => n(other) as f64,
        }))
    });
    add("floor", |nm, a| Ok(Value::Float(f(arg(a, 0, nm)?).floor())));
    add("ceil", |nm, a| Ok(Value::Float(f(arg(a, 0, nm)?).ceil())));
    add("round", |nm, a| {
        let p = a.get(1).map_or(0, n).clamp(0, 15) as i32;
        let m = 10f64.powi(p);
        Ok(Value::Float((f(arg(a, 0, nm)?) * m).round() / m))
    });
    add("addf", |_, a| Ok(Value::Float(a.iter().map(f).sum())));
    add("subf", |nm, a| {
        Ok(Value::Float(
            a[1..].iter().map(f).fold(f(arg(a, 0, nm)?), |x, y| x - y),
        ))
    });
    add("mulf", |_, a| Ok(Value::Float(a.iter().map(f).product())));
    add("divf", |nm, a| {
        let d = f(arg(a, 1, nm)?);
        Ok(Value::Float(f(&a[0]) / d))
    });
    add("add1", |nm, a| Ok(Value::Int(n(arg(a, 0, nm)?) + 1)));
    add("toStrings", |nm, a| {
        Ok(Value::List(
            list_of(arg(a, 0, nm)?)
                .iter()
                .map(|v| str_v(s(v)))
                .collect(),
        ))
    });
    add("regexFind", |nm, a| {
        let re = regex::Regex::new(&s(arg(a, 0, nm)?)).map_err(|e| err(nm, &e.to_string()))?;
        Ok(str_v(
            re.find(&s(arg(a, 1, nm)?)).map_or("", |m| m.as_str()),
        ))
    });
    add("regexFindAll", |nm, a| {
        let re = regex::Regex::new(&s(arg(a, 0, nm)?)).map_err(|e| err(nm, &e.to_string()))?;
        let t = s(arg(a, 1, nm)?);
        let lim = a.get(2).map_or(-1, n);
        Ok(Value::List(
            re.find_iter(&t)
                .take(if lim < 0 { usize::MAX } else { lim as usize })
                .map(|m| str_v(m.as_str()))
                .collect(),
        ))
    });
    add("regexSplit", |nm, a| {
        let re = regex::Regex::new(&s(arg(a, 0, nm)?)).map_err(|e| err(nm, &e.to_string()))?;
        Ok(Value::List(
            re.split(&s(arg(a, 1, nm)?)).map(str_v).collect(),
        ))
    });
    add("regexQuoteMeta", |nm, a| {
        Ok(str_v(regex::escape(&s(arg(a, 0, nm)?))))
    });
    add("regexReplaceAllLiteral", |nm, a| {
        let re = regex::Regex::new(&s(arg(a, 0, nm)?)).map_err(|e| err(nm, &e.to_string()))?;
        Ok(str_v(re.replace_all(
            &s(arg(a, 1, nm)?),
            regex::NoExpand(&s(arg(a, 2, nm)?)),
        )))
    });
    add("base", |nm, a| {
        Ok(str_v(
            s(arg(a, 0, nm)?).rsplit('/').next().unwrap_or_default(),
        ))
    });
    add("ext", |nm, a| {
        let t = s(arg(a, 0, nm)?);
        let b = t.rsplit('/').next().unwrap_or_default();
        Ok(str_v(b.rfind('.').map_or("", |i| &b[i..])))
    });
    add("typeOf", |nm, a| Ok(str_v(arg(a, 0, nm)?.type_name())));
    add("kindIs", |nm, a| {
        Ok(Value::Bool(arg(a, 1, nm)?.type_name() == s(&a[0])))
    });
    add("fail", |nm, a| Err(err(nm, &s(arg(a, 0, nm)?))));
    add("sha256sum", |nm, a| {
        use sha2::Digest;
        Ok(str_v(
            sha2::Sha256::digest(s(arg(a, 0, nm)?).as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>(),
        ))
    });
    m
}

/// The rendered texts of one message, as Kratos renders them: the subject
/// trimmed, plaintext and HTML from the same data (the HTML without request
/// headers, which Kratos loses before it renders HTML), or the SMS text.
pub fn render_texts(
    ty: &str,
    channel: Channel,
    template_data: &Json,
    request_headers: &Json,
    sources: &Sources,
) -> Result<crate::sample::Texts, TemplateError> {
    let (model_name, fields) = model(ty, channel);
    let go_names: Vec<&str> = fields.iter().map(|(g, _)| *g).collect();
    let data_full = data(&fields, template_data, request_headers);
    let part = |p: Part, d: &Value| -> Result<String, TemplateError> {
        let key = format!("{ty}/{}/{}", channel.as_str(), p.name());
        let cached = sources.cache.borrow().get(&key).cloned();
        let compiled = match cached {
            Some(c) => c,
            None => match load(ty, p, sources)? {
                Some(l) => {
                    let c = std::rc::Rc::new(l.compile(p, &model_name, &go_names)?);
                    sources.cache.borrow_mut().insert(key, c.clone());
                    c
                }
                None => return Ok(String::new()),
            },
        };
        compiled.execute(d)
    };
    Ok(match channel {
        Channel::Email => {
            let html_data = data(&fields, template_data, &serde_json::json!({}));
            crate::sample::Texts {
                subject: part(Part::Subject, &data_full)?.trim().to_owned(),
                body: part(Part::Text, &data_full)?,
                html_body: part(Part::Html, &html_data)?,
            }
        }
        Channel::Sms => crate::sample::Texts {
            subject: String::new(),
            body: part(Part::Sms, &data_full)?,
            html_body: String::new(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::{Loaded, Origin, Part, data, dir_of, missing_root_field, model};
    use crate::sample::Channel;

    fn one(text: &str) -> Loaded {
        Loaded {
            origin: Origin::Builtin,
            files: vec![("t".into(), text.into())],
            hermetic: true,
        }
    }

    #[test]
    fn names_and_dirs() {
        assert_eq!(dir_of("recovery_code_valid"), "recovery_code/valid");
        assert_eq!(
            dir_of("verifiable_address_changed"),
            "verifiable_address_changed"
        );
        assert_eq!(
            model("recovery_code_valid", Channel::Email).0,
            "email.RecoveryCodeValidModel"
        );
    }

    #[test]
    fn text_html_and_missing_values() {
        let (_, fields) = model("recovery_valid", Channel::Email);
        let d = data(
            &fields,
            &serde_json::json!({"to": "a@b.c", "recovery_url": "https://x/?a=1&b=<2>", "identity": {"id": "i1"}}),
            &serde_json::json!({}),
        );
        let t = one("{{ .RecoveryURL }} {{ .Identity.nope }} {{ index .Identity \"ID\" }}");
        assert_eq!(
            t.render(Part::Text, &d, "m", &["RecoveryURL", "Identity"])
                .unwrap(),
            "https://x/?a=1&b=<2> <no value> <no value>"
        );
        let h = one(
            "<a href=\"{{ .RecoveryURL }}\">{{ .RecoveryURL }}</a>{{ index .Identity \"ID\" }}",
        );
        assert_eq!(
            h.render(Part::Html, &d, "m", &["RecoveryURL", "Identity"])
                .unwrap(),
            "<a href=\"https://x/?a=1&amp;b=%3c2%3e\">https://x/?a=1&amp;b=&lt;2&gt;</a>"
        );
        let err = one("Hi {{ .RecoveryCode }}")
            .render(Part::Text, &d, "email.RecoveryValidModel", &["RecoveryURL"])
            .unwrap_err();
        assert!(
            err.message
                .contains("can't evaluate field RecoveryCode in type *email.RecoveryValidModel"),
            "{err:?}"
        );
        assert!(
            missing_root_field("{{ range .Identity.x }}{{ .Foo }}{{ end }}", &["Identity"])
                .is_none()
        );
        assert_eq!(
            missing_root_field("a\n{{ with .Identity }}{{ $.Bad }}{{ end }}", &["Identity"])
                .map(|m| m.1),
            Some(2)
        );
    }

    #[test]
    fn sprig_subset_and_unknown_functions() {
        let d = data(
            &[("To", "to")],
            &serde_json::json!({"to": "jane@example.com"}),
            &serde_json::json!({}),
        );
        let t = one(
            "{{ .To | upper }}|{{ default \"x\" \"\" }}|{{ trunc 4 .To }}|{{ splitList \"@\" .To | last }}|{{ add 1 2 3 }}|{{ b64enc \"hi\" }}|{{ toJson (dict \"a\" 1) }}|{{ ternary \"y\" \"n\" true }}|{{ regexReplaceAll \"[aeiou]\" .To \"*\" }}",
        );
        assert_eq!(
            t.render(Part::Text, &d, "m", &["To"]).unwrap(),
            "JANE@EXAMPLE.COM|x|jane|example.com|6|aGk=|{\"a\":1}|y|j*n*@*x*mpl*.c*m"
        );
        let err = one("line one\n{{ now }}")
            .render(Part::Text, &d, "m", &["To"])
            .unwrap_err();
        assert!(err.message.contains("now"), "{err:?}");
        assert_eq!(err.line, Some(2), "{err:?}");
    }
}
