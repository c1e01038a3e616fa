//! Layout rules: each outside crate is used by one module, and only
//! `output.rs` prints.

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

/// Code without `#[cfg(test)]` modules (tests may use what they like).
fn non_test(text: &str) -> &str {
    text.split("#[cfg(test)]").next().unwrap_or(text)
}

#[test]
fn outside_crates_have_one_owner() {
    let owners: &[(&str, &[&str])] = &[
        ("serde_saphyr", &["config/source.rs"]),
        ("jrsonnet_", &["render/jsonnet.rs"]),
        ("reqwest", &["http.rs"]),
        ("colored", &["output.rs"]),
        ("clap", &["cli.rs"]),
        ("base64", &["b64.rs"]),
        ("rustls", &["tls.rs"]),
        ("x509_parser", &["cert.rs"]),
        ("md5", &["smtp.rs"]),
        ("csv", &["recipients.rs"]),
        ("indicatif", &["output.rs"]),
        ("gotmpl", &["render/template.rs"]),
        ("regex", &["render/template.rs"]),
        ("sha2", &["render/template.rs"]),
        ("rusqlite", &["journal.rs"]),
        ("ctrlc", &["interrupt.rs"]),
    ];
    for (file, text) in sources() {
        let code = non_test(&text);
        for (krate, allowed) in owners {
            let used =
                code.contains(&format!("{krate}::")) || code.contains(&format!("use {krate}"));
            assert!(
                !used || allowed.contains(&file.as_str()),
                "src/{file} uses `{krate}`, which belongs to {allowed:?}"
            );
        }
    }
}

#[test]
fn only_output_prints() {
    for (file, text) in sources() {
        if file == "output.rs" {
            continue;
        }
        for mac in ["println!", "eprintln!", "print!(", "eprint!(", "dbg!("] {
            assert!(
                !non_test(&text).contains(mac),
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
