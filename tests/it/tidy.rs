//! Layout rules: each outside crate is used by one module (a file or a
//! folder), only `output/` prints, `main.rs` is thin, no command imports
//! another, and the lower layers never reach up.

use std::path::Path;

use crate::support::root;

fn sources() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![root().join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root().join("src")).expect("under src");
                let text = std::fs::read_to_string(&path).expect("UTF-8 source");
                out.push((rel.display().to_string(), text));
            }
        }
    }
    out.sort();
    out
}

/// Code without `#[cfg(test)]` modules (tests may use what they like) and
/// without comments.
fn code(text: &str) -> String {
    text.split("#[cfg(test)]")
        .next()
        .unwrap_or(text)
        .lines()
        .map(|l| l.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether `file` is `owner`, or lies in it when `owner` is a folder;
/// `a|b` names two owners.
fn owned_by(file: &str, owner: &str) -> bool {
    owner
        .split('|')
        .any(|o| file == o || (o.ends_with('/') && file.starts_with(o)))
}

/// Whether `code` has `use KRATE`: the whole name (`use tokio_postgres`
/// is not `use tokio`), or any name it begins when it ends in `_`
/// (`jrsonnet_` for all of jrsonnet's crates).
fn uses(code: &str, krate: &str) -> bool {
    let pattern = format!("use {krate}");
    code.match_indices(&pattern).any(|(at, _)| {
        krate.ends_with('_')
            || code[at + pattern.len()..]
                .chars()
                .next()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
    })
}

#[test]
fn outside_crates_have_one_owner() {
    let owners: &[(&str, &str)] = &[
        ("serde_saphyr", "config/source.rs"),
        ("jrsonnet_", "render/jsonnet.rs"),
        ("reqwest", "delivery/http/mod.rs"),
        ("tokio", "delivery/http/mod.rs"),
        ("colored", "output/mod.rs"),
        ("clap", "cli/"),
        ("clap_complete", "cli/"),
        ("base64", "b64.rs"),
        ("rustls", "delivery/tls.rs"),
        ("x509_parser", "delivery/cert.rs"),
        ("md5", "delivery/smtp/auth.rs"),
        ("csv", "batch/recipients.rs"),
        ("indicatif", "output/progress.rs"),
        ("gotmpl", "render/template/"),
        ("regex", "render/template/sprig/patterns.rs"),
        ("sha2", "render/template/sprig/encoding.rs"),
        // Two unrelated databases: courier's journal, and Kratos' queue
        // in SQLite (README, design notes).
        ("rusqlite", "batch/journal/|watch/queue/lite.rs"),
        ("postgres", "watch/queue/pg.rs"),
        ("mysql", "watch/queue/my.rs"),
        ("tempfile", "batch/journal/"),
        ("ctrlc", "interrupt.rs"),
        ("rpassword", "prompt.rs"),
        ("rlimit", "render/sandbox/worker.rs"),
    ];
    for (file, text) in sources() {
        let code = code(&text);
        for (krate, owner) in owners {
            let used = code.contains(&format!("{krate}::")) || uses(&code, krate);
            assert!(
                !used || owned_by(&file, owner),
                "src/{file} uses `{krate}`, which belongs to {owner}"
            );
        }
    }
}

#[test]
fn only_output_prints() {
    for (file, text) in sources() {
        if owned_by(&file, "output/") {
            continue;
        }
        for mac in ["println!", "eprintln!", "print!(", "eprint!(", "dbg!("] {
            assert!(
                !code(&text).contains(mac),
                "src/{file} uses {mac}; print through output::Printer"
            );
        }
    }
}

#[test]
fn main_is_thin() {
    let main = std::fs::read_to_string(root().join("src/main.rs")).expect("main.rs");
    assert!(
        main.lines().count() <= 12,
        "src/main.rs should only parse and call courier::run"
    );
    assert!(Path::new(&root().join("src/lib.rs")).exists());
}

/// The commands: the modules under `src/commands/` with a `run`.
fn commands() -> Vec<String> {
    let dir = root().join("src/commands");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("src/commands") {
        let path = entry.expect("entry").path();
        let (name, file) = if path.is_dir() {
            let name = path
                .file_name()
                .expect("a name")
                .to_string_lossy()
                .into_owned();
            (name, path.join("mod.rs"))
        } else {
            let stem = path
                .file_stem()
                .expect("a stem")
                .to_string_lossy()
                .into_owned();
            (stem, path.clone())
        };
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        if name != "mod" && text.contains("pub fn run(") {
            names.push(name);
        }
    }
    names.sort();
    names
}

#[test]
fn no_command_imports_another() {
    let commands = commands();
    assert!(
        commands.len() >= 7 && commands.contains(&"send".to_owned()),
        "the commands are found: {commands:?}"
    );
    for (file, text) in sources() {
        let Some(rest) = file.strip_prefix("commands/") else {
            continue;
        };
        let own = rest.split(['/', '.']).next().unwrap_or_default();
        let code = code(&text);
        for other in commands.iter().filter(|c| *c != own) {
            for needle in [format!("commands::{other}"), format!("super::{other}::")] {
                // `super::` from a file in a folder names its own command.
                let from_folder = rest.contains('/') && needle.starts_with("super::");
                assert!(
                    from_folder || !code.contains(&needle),
                    "src/{file} (command `{own}`) reaches into command `{other}` ({needle}); \
                     move what they share below commands/"
                );
            }
        }
    }
}

#[test]
fn lower_layers_do_not_reach_up() {
    // (layer, what it must not import, why)
    let rules: &[(&str, &[&str], &str)] = &[
        (
            "delivery/",
            &[
                "crate::config",
                "crate::commands",
                "crate::output",
                "crate::batch",
                "crate::message",
            ],
            "delivery takes typed settings, never prints",
        ),
        (
            "render/",
            &[
                "crate::fetch",
                "crate::delivery",
                "crate::config",
                "crate::commands",
                "crate::output",
                "crate::batch",
            ],
            "rendering is text in, text out",
        ),
        (
            "message/",
            &[
                "crate::commands",
                "crate::output",
                "crate::batch",
                "crate::cli",
            ],
            "the composer knows no command",
        ),
        (
            "batch/",
            &["crate::commands", "crate::output", "crate::cli"],
            "batches hand events to a presenter",
        ),
        (
            "config/",
            &[
                "crate::commands",
                "crate::output",
                "crate::batch",
                "crate::cli",
                "crate::message::compose",
            ],
            "config lifts settings, never acts on them",
        ),
        (
            "fetch/",
            &[
                "crate::commands",
                "crate::output",
                "crate::batch",
                "crate::config",
            ],
            "fetching knows no config tree",
        ),
    ];
    for (file, text) in sources() {
        let code = code(&text);
        for (layer, forbidden, why) in rules {
            if !owned_by(&file, layer) {
                continue;
            }
            for f in *forbidden {
                assert!(!code.contains(f), "src/{file} uses {f}: {why}");
            }
        }
    }
}
