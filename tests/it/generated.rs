//! Completions and man pages are generated from the clap definition and
//! committed; this test fails when they are stale.
//! Refresh: `SNAPSHOTS=overwrite cargo test --test it generated`.

use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell;
use courier::cli::Cli;

use crate::support::root;

fn check(path: &Path, content: &[u8]) {
    if snapshots_overwrite() {
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        std::fs::write(path, content).expect("write generated file");
        return;
    }
    let current = std::fs::read(path).unwrap_or_default();
    assert!(
        current == content,
        "{} is stale; refresh with: SNAPSHOTS=overwrite cargo test --test it generated",
        path.display()
    );
}

#[test]
fn completions_are_current() {
    for (shell, file) in [
        (Shell::Bash, "courier.bash"),
        (Shell::Zsh, "_courier"),
        (Shell::Fish, "courier.fish"),
        (Shell::PowerShell, "_courier.ps1"),
        (Shell::Elvish, "courier.elv"),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "courier", &mut buf);
        check(&root().join("completions").join(file), &buf);
    }
}

/// `courier completions SHELL` prints what is committed in `completions/`.
#[test]
fn completions_command_prints_the_committed_scripts() {
    for (shell, file) in [
        ("bash", "courier.bash"),
        ("zsh", "_courier"),
        ("fish", "courier.fish"),
        ("powershell", "_courier.ps1"),
        ("elvish", "courier.elv"),
    ] {
        let out = crate::support::run(&root(), &["completions", shell], &[], None);
        assert_eq!(out.code, 0, "{shell}: {}", out.all());
        let committed = std::fs::read_to_string(root().join("completions").join(file))
            .expect("committed script");
        assert!(
            out.stdout == committed,
            "{shell}: differs from completions/{file}"
        );
    }
    let out = crate::support::run(&root(), &["completions", "tcsh"], &[], None);
    assert_eq!(out.code, 2, "{}", out.all());
}

#[test]
fn man_pages_are_current() {
    let tmp = tempfile::tempdir().expect("temp dir");
    clap_mangen::generate_to(Cli::command(), tmp.path()).expect("render man pages");
    let mut names: Vec<String> = std::fs::read_dir(tmp.path())
        .expect("generated dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(
        names.contains(&"courier.1".to_owned())
            && names.contains(&"courier-check-config.1".to_owned())
    );
    for name in &names {
        let content = std::fs::read(tmp.path().join(name)).expect("generated page");
        check(&root().join("man").join(name), &content);
    }
    let committed = std::fs::read_dir(root().join("man")).map_or(0, Iterator::count);
    assert!(
        snapshots_overwrite() || committed == names.len(),
        "man/ has pages that are no longer generated"
    );
}

fn snapshots_overwrite() -> bool {
    std::env::var("SNAPSHOTS").is_ok_and(|v| v == "overwrite")
}
