//! Loading the identity config as Kratos loads it: the files given with
//! `-c` (later files win, merged key by key), then environment overrides;
//! then schema validation and the send-time lint.

pub mod data;
pub mod env;
pub mod lint;
pub mod schema;
mod secrets;
pub mod section;
pub mod settings;
pub mod source;
pub mod tree;

use std::path::PathBuf;

use crate::diag::Diagnostic;
use crate::input::InputError;
use crate::release::Release;
use crate::secret::Redactor;
use source::{SourceFile, Sources};
use tree::{KeyPath, Loc, Node, Origin, Value};

/// A config that could be read (it may still be invalid).
#[derive(Debug, Clone)]
pub struct Loaded {
    pub sources: Sources,
    /// The Kratos release the config is judged and used as.
    pub release: Release,
    /// The merged tree; only `config/` reads it ([`Loaded::settings`] lifts
    /// what commands use).
    pub(in crate::config) root: Node,
    /// Findings from reading (syntax errors, bad environment overrides).
    pub diagnostics: Vec<Diagnostic>,
    /// Every secret found anywhere in the inputs.
    pub redactor: Redactor,
}

/// Reads the files (`-` is standard input; each at most
/// [`crate::input::CONFIG`]) and applies the environment, as release `r`
/// does.
pub fn load(paths: &[PathBuf], env: &[(String, String)], r: Release) -> Result<Loaded, InputError> {
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        files.push(crate::input::read_text(path, crate::input::CONFIG)?);
    }
    Ok(from_texts(files, env, r))
}

/// Loads files already read, as `(display name, text)`: what
/// `init --merge` checks before it writes anything.
#[must_use]
pub fn from_texts(files: Vec<(String, String)>, env: &[(String, String)], r: Release) -> Loaded {
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
    for (name, mut text) in files {
        // Go's YAML reader skips a byte order mark; so do the columns.
        if text.starts_with(crate::input::BOM) {
            text.drain(..crate::input::BOM.len());
        }
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
    diagnostics.extend(env::apply(&mut root, env, r));
    let mut redactor = Redactor::default();
    secrets::collect(&root, &KeyPath::default(), &mut redactor);
    // Files that did not parse are not in the tree: scan their text too.
    for f in &sources.files {
        secrets::scan_text(&f.text, &mut redactor);
    }
    // Kratos' database DSN (`courier watch` reads it) holds a password too.
    if let Some(dsn) = root.lookup(&["dsn"]).and_then(Node::as_str) {
        for s in crate::watch::dsn::secrets(dsn) {
            redactor.add(&s);
        }
    }
    for (name, value) in env {
        if name.ends_with("CONNECTION_URI") {
            for s in crate::connection_uri::secrets(value) {
                redactor.add(&s);
            }
        }
        if name == "DSN" {
            for s in crate::watch::dsn::secrets(value) {
                redactor.add(&s);
            }
        }
    }
    crate::secret::register(&redactor);
    Loaded {
        sources,
        release: r,
        root,
        diagnostics,
        redactor,
    }
}

impl Loaded {
    /// The courier section, typed.
    #[must_use]
    pub fn settings(&self) -> settings::Settings {
        settings::Settings::lift(&self.root, self.release)
    }

    /// Kratos' database: `DSN` from `env` (which wins, as in Kratos), or
    /// the `dsn` key.
    #[must_use]
    pub fn dsn(&self, env: &[(String, String)]) -> Option<String> {
        env.iter()
            .find(|(k, _)| k == "DSN")
            .map(|(_, v)| v.clone())
            .or_else(|| {
                self.root
                    .lookup(&["dsn"])
                    .and_then(Node::as_str)
                    .map(str::to_owned)
            })
    }

    /// `courier.smtp.connection_uri` as written (after environment
    /// overrides), when it is a string.
    #[must_use]
    pub fn connection_uri(&self) -> Option<&str> {
        self.root
            .lookup(&["courier", "smtp", "connection_uri"])
            .and_then(Node::as_str)
    }

    /// Where the key at `path` is set: `file:line:col`, or `env:NAME`;
    /// `None` when it is not set.
    #[must_use]
    pub fn place(&self, path: &[&str]) -> Option<String> {
        let loc = &self.root.lookup(path)?.loc;
        Some(match &loc.origin {
            Origin::Env(var) => format!("env:{var}"),
            origin => {
                let name = self
                    .sources
                    .file(origin)
                    .map_or("<input>", |f| f.name.as_str());
                format!("{name}:{}:{}", loc.line, loc.column)
            }
        })
    }

    /// The index of the first `courier.channels` entry with `id`.
    #[must_use]
    pub fn channel_index(&self, id: &str) -> Option<usize> {
        self.root
            .lookup(&["courier", "channels"])?
            .items()
            .iter()
            .position(|c| c.get("id").and_then(Node::as_str) == Some(id))
    }

    /// Every finding: reading, schema, send-time lint.
    #[must_use]
    pub fn check(&self, options: &lint::Options) -> Vec<Diagnostic> {
        check(self, options)
    }

    /// The errors that make the config unusable for a command that uses
    /// the keys `uses` accepts (whole-file errors always count). Body
    /// errors are left to the command, which evaluates the body itself,
    /// and a destination Kratos would not dial to the command, which
    /// refuses it where it dials (exit 69, the failing stage in `test`).
    #[must_use]
    pub fn blocking(&self, uses: &dyn Fn(&str) -> bool) -> Vec<Diagnostic> {
        self.check(&lint::Options::default())
            .into_iter()
            .filter(|d| d.severity == crate::diag::Severity::Error)
            .filter(|d| d.path.is_empty() || uses(&d.path))
            .filter(|d| !d.code.starts_with("body-") && d.code != "form-body-not-strings")
            .filter(|d| d.code != "private-ip-refused")
            .collect()
    }
}

/// A config with errors in the parts a command uses (exit 78).
#[derive(Debug, thiserror::Error)]
#[error("the configuration has {count} error(s) that make it unusable")]
pub struct Unusable {
    pub count: usize,
}

/// Validates against the schema facts and runs the send-time lint.
fn check(loaded: &Loaded, options: &lint::Options) -> Vec<Diagnostic> {
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
    schema::validate::validate(
        &loaded.root,
        &schema::facts::root(loaded.release),
        &KeyPath::default(),
        loaded.release,
        &mut schema_diags,
    );
    out.extend(schema_diags);
    out.extend(lint::lint(
        &loaded.root,
        &loaded.sources,
        loaded.release,
        options,
    ));
    crate::diag::sort(&mut out);
    out
}
