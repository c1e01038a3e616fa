//! The command line itself: help text, usage errors, commands not yet built.

use crate::support::{golden, root, run};

#[test]
fn help_is_golden() {
    let out = run(&root(), &["--help"], &[], None);
    assert_eq!(out.code, 0);
    golden(&root().join("tests/snapshots/help.txt"), &out.stdout);
    let out = run(&root(), &["check-config", "--help"], &[], None);
    assert_eq!(out.code, 0);
    golden(
        &root().join("tests/snapshots/check-config-help.txt"),
        &out.stdout,
    );
}

#[test]
fn usage_errors_exit_2() {
    let out = run(&root(), &["check-config", "--bogus"], &[], None);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(out.stderr.contains("--bogus"), "{}", out.stderr);
    let out = run(&root(), &["check-config"], &[], None);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(out.stderr.contains("no config given"), "{}", out.stderr);
}

#[test]
fn log_without_a_journal_says_where_to_find_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = run(dir.path(), &["log"], &[], None);
    assert_eq!(out.code, 66, "{}", out.all());
    assert!(out.stderr.contains("no journal"), "{}", out.stderr);
    assert!(out.stderr.contains("--journal"), "{}", out.stderr);
    let out = run(dir.path(), &["--format", "json", "log"], &[], None);
    assert_eq!(out.code, 66);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("one JSON document");
    assert_eq!(v["type"], "error");
    assert_eq!(v["exit_code"], 66);
    let out = run(dir.path(), &["log", "--journal", "missing.db"], &[], None);
    assert_eq!(out.code, 66, "{}", out.all());
    assert!(out.stderr.contains("missing.db"), "{}", out.stderr);
}

/// The exit statuses as `courier --help` prints them and as the README's
/// "Exit status" section lists them: both must be the table in `exit.rs`.
#[test]
fn exit_code_tables_agree() {
    let table: Vec<(u8, &str)> = courier::exit::TABLE
        .iter()
        .map(|(_, code, meaning)| (*code, *meaning))
        .collect();
    let help = run(&root(), &["--help"], &[], None).stdout;
    let in_help: Vec<(u8, String)> = help
        .lines()
        .skip_while(|l| *l != "Exit status:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| {
            let (code, meaning) = l.trim().split_once(char::is_whitespace)?;
            Some((code.parse().ok()?, meaning.trim().to_owned()))
        })
        .collect();
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let in_readme: Vec<(u8, String)> = readme
        .lines()
        .skip_while(|l| *l != "## Exit status")
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            Some((cells.first()?.parse().ok()?, cells.get(1)?.to_string()))
        })
        .collect();
    for (name, found) in [("courier --help", &in_help), ("README.md", &in_readme)] {
        let found: Vec<(u8, &str)> = found.iter().map(|(c, m)| (*c, m.as_str())).collect();
        assert_eq!(found, table, "{name} disagrees with src/exit.rs");
    }
}

/// `courier … | head -1`: a closed stdout ends the command quietly (no
/// panic, exit 0), whether the reader left before the first write or
/// after the first line.
#[test]
fn a_closed_stdout_ends_quietly() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Child, Command, Stdio};
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_courier"))
            .current_dir(root())
            .args([
                "render",
                "--all-templates",
                "-c",
                "tests/examples/kratos.yml",
            ])
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("courier starts")
    };
    let finish = |mut child: Child| {
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .expect("piped")
            .read_to_string(&mut stderr)
            .expect("stderr");
        let status = child.wait().expect("courier ends");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(status.code(), Some(0), "{stderr}");
    };
    // The reader is gone before courier has rendered anything.
    let mut child = spawn();
    drop(child.stdout.take());
    finish(child);
    // The reader takes one line and leaves.
    let mut child = spawn();
    let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("a first line");
    assert!(first.starts_with("== "), "{first}");
    drop(stdout);
    finish(child);
}

/// `-c` where a command reads no config is refused, never ignored.
#[test]
fn c_is_refused_where_no_config_is_read() {
    for (args, says) in [
        (&["log", "-c", "k.yml"][..], "`courier log` reads no config"),
        (
            &[
                "init",
                "--strategy",
                "smtp",
                "--host",
                "mail.acme.test",
                "-c",
                "k.yml",
            ],
            "--merge FILE",
        ),
        (
            &["uri", "--host", "mail.acme.test", "-c", "k.yml"],
            "only with --decode",
        ),
    ] {
        let out = run(&root(), args, &[], None);
        assert_eq!(out.code, 2, "{args:?}: {}", out.all());
        assert!(out.stderr.contains(says), "{args:?}: {}", out.stderr);
    }
}

/// Every command's help lists its own options first and the global ones
/// under their own heading, and no example line wraps mid-command.
#[test]
fn help_keeps_global_options_apart_and_examples_whole() {
    for command in [
        "check-config",
        "test",
        "render",
        "send",
        "log",
        "uri",
        "init",
        "completions",
    ] {
        let help = run(&root(), &[command, "--help"], &[], None).stdout;
        let global = help
            .find("\nGlobal options:\n")
            .expect("a Global options heading");
        let own = help.find("\nOptions:\n").expect("an Options heading");
        assert!(own < global, "{command}");
        assert!(help[global..].contains("--config <FILE>"), "{command}");
        assert!(!help[own..global].contains("--config <FILE>"), "{command}");
        let examples = help
            .lines()
            .skip_while(|l| *l != "Examples:")
            .skip(1)
            .take_while(|l| !l.is_empty());
        for line in examples {
            assert!(
                line.starts_with("  courier ") || line.starts_with("  ory "),
                "{command}: an example line wraps: {line:?}"
            );
        }
    }
}

/// A usage error says what else would do.
#[test]
fn usage_errors_point_the_way() {
    let out = run(&root(), &["uri"], &[], None);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(out.stderr.contains("--decode URI"), "{}", out.stderr);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("k.yml"),
        "courier:\n  smtp:\n    connection_uri: smtp://127.0.0.1:1/\n",
    )
    .unwrap();
    let out = run(
        dir.path(),
        &["send", "-c", "k.yml", "--to", "j@acme.test", "--text", "t"],
        &[],
        None,
    );
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(out.stderr.contains("--template TYPE"), "{}", out.stderr);
}

/// The help names every release `--kratos-version` accepts and the
/// default, from the one list in `release.rs`.
#[test]
fn help_lists_every_release_and_the_default() {
    use courier::release::Release;
    let out = run(&root(), &["check-config", "--help"], &[], None);
    assert_eq!(out.code, 0, "{}", out.all());
    let help = out.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    for r in Release::ALL {
        assert!(help.contains(r.tag()), "{r} missing from: {help}");
    }
    assert!(
        help.contains(&format!("[default: {}]", Release::DEFAULT)),
        "{help}"
    );
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(
        readme.contains(&format!("the newest release, **{}**", Release::DEFAULT)),
        "the README names another default"
    );
}
