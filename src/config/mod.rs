//! Loading the identity config as Kratos loads it: the files given with
//! `-c` (later files win, merged key by key), then environment overrides;
//! then schema validation and the send-time lint.

pub mod env;
pub mod lint;
pub mod schema;
pub mod settings;
pub mod source;
pub mod tree;

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::secret::Redactor;
use source::{SourceFile, Sources};
use tree::{KeyPath, Loc, Node, Origin, Value};

/// A config that could be read (it may still be invalid).
#[derive(Debug, Clone)]
pub struct Loaded {
    pub sources: Sources,
    pub root: Node,
    /// Findings from reading (syntax errors, bad environment overrides).
    pub diagnostics: Vec<Diagnostic>,
    /// Every secret found anywhere in the inputs.
    pub redactor: Redactor,
}

/// A named input that could not be read (exit 66).
#[derive(Debug, thiserror::Error)]
#[error("cannot read {name}: {source}")]
pub struct Unreadable {
    pub name: String,
    #[source]
    pub source: std::io::Error,
}

/// Reads the files (`-` is standard input) and applies the environment.
pub fn load(paths: &[PathBuf], env: &[(String, String)]) -> Result<Loaded, Unreadable> {
    let mut sources = Sources::default();
    let mut diagnostics = Vec::new();
    let mut root = Node {
        value: Value::Map(Vec::new()),
        loc: Loc {
            origin: Origin::File(0),
            line: 1,
            column: 1,
        },
    };
    for path in paths {
        let (name, text) = read(path)?;
        let index = sources.files.len();
        sources.files.push(SourceFile { name, text });
        match source::parse(&sources.files[index].text, index) {
            Ok(doc) => match doc.value {
                Value::Map(_) => root.merge(doc),
                Value::Null => {}
                _ => diagnostics.push(
                    Diagnostic::error(
                        "config-not-object",
                        "",
                        format!(
                            "the document is {}, not a mapping of keys",
                            doc.value.type_name()
                        ),
                    )
                    .at(&doc.loc),
                ),
            },
            Err(e) => diagnostics.push(
                Diagnostic::error(
                    "yaml-syntax",
                    "",
                    format!("cannot parse the file: {}", e.message),
                )
                .at(&e.loc),
            ),
        }
    }
    diagnostics.extend(env::apply(&mut root, env));
    let mut redactor = Redactor::default();
    collect_secrets(&root, &KeyPath::default(), &mut redactor);
    // Files that did not parse are not in the tree: scan their text too.
    for f in &sources.files {
        scan_text_secrets(&f.text, &mut redactor);
    }
    for (name, value) in env {
        if name.ends_with("CONNECTION_URI") {
            for s in crate::connection_uri::secrets(value) {
                redactor.add(&s);
            }
        }
    }
    Ok(Loaded {
        sources,
        root,
        diagnostics,
        redactor,
    })
}

fn read(path: &Path) -> Result<(String, String), Unreadable> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|source| Unreadable {
                name: "<stdin>".into(),
                source,
            })?;
        return Ok(("<stdin>".into(), text));
    }
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| Unreadable {
        name: name.clone(),
        source,
    })?;
    let text = String::from_utf8(bytes).map_err(|_| Unreadable {
        name: name.clone(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"),
    })?;
    Ok((name, text))
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

/// Registers every secret of the tree: connection-URI passwords, auth
/// passwords and API keys, credential headers.
fn collect_secrets(node: &Node, path: &KeyPath, redactor: &mut Redactor) {
    let p = path.to_string();
    let scalar = |n: &Node| match &n.value {
        Value::Str(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        _ => None,
    };
    match &node.value {
        Value::Map(entries) => {
            for e in entries {
                let child = path.key(&e.key);
                let in_auth_config = p.ends_with("auth.config");
                let secret_here = (in_auth_config
                    && matches!(e.key.as_str(), "password" | "value"))
                    || (p.ends_with("headers") && is_secret_header(&e.key));
                if secret_here && let Some(s) = scalar(&e.node) {
                    redactor.add(&s);
                }
                if e.key == "connection_uri"
                    && let Some(s) = e.node.as_str()
                {
                    for secret in crate::connection_uri::secrets(s) {
                        redactor.add(&secret);
                    }
                }
                collect_secrets(&e.node, &child, redactor);
            }
        }
        Value::Seq(items) => {
            for (i, n) in items.iter().enumerate() {
                collect_secrets(n, &path.index(i), redactor);
            }
        }
        _ => {}
    }
}

/// Finds secrets in raw text, line by line: passwords in any `scheme://`
/// URI, and the values of password, API-key and credential-header keys.
fn scan_text_secrets(text: &str, redactor: &mut Redactor) {
    for line in text.lines() {
        let mut rest = line;
        while let Some(i) = rest.find("://") {
            let start = rest[..i]
                .rfind(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '=')
                .map_or(0, |p| p + 1);
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
            if matches!(key, "password" | "value") || is_secret_header(key) {
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

/// Validates against the schema facts and runs the send-time lint.
#[must_use]
pub fn check(loaded: &Loaded, options: &lint::Options) -> Vec<Diagnostic> {
    let mut out = loaded.diagnostics.clone();
    if out
        .iter()
        .any(|d| matches!(d.code, "yaml-syntax" | "config-not-object"))
    {
        // The tree is incomplete: anything more would be noise.
        crate::diag::sort(&mut out);
        return out;
    }
    let mut schema_diags = Vec::new();
    schema::validate(
        &loaded.root,
        &schema::root(),
        &KeyPath::default(),
        &mut schema_diags,
    );
    out.extend(schema_diags);
    out.extend(lint::lint(loaded, options));
    crate::diag::sort(&mut out);
    out
}
