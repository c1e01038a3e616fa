//! Batches killed with SIGKILL: claims are just in time, so a kill at any
//! point leaves at most one uncertain message per worker; the journal alone
//! (without its sidecar files) holds every commit; `courier log` reads a
//! killed run's journal, even one killed in the middle of a commit, and
//! leaves nothing behind.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::support::batch::{
    courier, delivered, dir_with, log_json, plain_uri, refused_batch, refused_rerun, smtp_config,
    spawn, summary, wait_for, write_csv,
};
use crate::support::run;
use crate::support::smtp::{Mode, Sink, python};

const WORKERS: usize = 4;
const ROWS: usize = 120;
const ROUNDS: usize = 10;

/// A small xorshift; every failure names its seed, to replay it with
/// `CRASH_SEED=...`.
struct Random(u64);

impl Random {
    fn new() -> Self {
        let seed = std::env::var("CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
                    | 1
            });
        Self(seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn args(extra: &[&'static str]) -> Vec<&'static str> {
    let mut a = vec![
        "send",
        "--batch",
        "r.csv",
        "--template",
        "verification_code_valid",
        "-j",
        "4",
        "--rate",
        "300/s",
        "--format",
        "json",
    ];
    a.extend(extra);
    a
}

/// How often the sink stored each of `rcpts`.
fn stored(sink: &Sink, rcpts: &[String]) -> BTreeMap<String, usize> {
    let all = delivered(sink, 0);
    rcpts
        .iter()
        .map(|r| (r.clone(), all.get(r).copied().unwrap_or(0)))
        .collect()
}

/// The round number in a round's tag, for unique recipients.
fn rcpt_tag(round: &str) -> &str {
    round.split_whitespace().nth(1).unwrap_or(round)
}

fn listing(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect()
}

/// The journal's statuses by recipient, as `courier log` reads them from
/// the killed run's folder (which it must leave as it found it).
fn statuses(dir: &Path) -> BTreeMap<String, String> {
    let before = listing(dir);
    let log = log_json(dir, &[]);
    assert_eq!(listing(dir), before, "courier log left files behind");
    log.as_array()
        .expect("a list")
        .iter()
        .map(|m| {
            (
                m["recipient"].as_str().expect("recipient").to_owned(),
                m["status"].as_str().expect("status").to_owned(),
            )
        })
        .collect()
}

/// Whether SQLite's rollback journal next to `journal` holds a commit a
/// kill interrupted (its header, zeroed after each commit, holds SQLite's
/// magic).
fn hot(journal: &Path) -> bool {
    let mut side = journal.as_os_str().to_owned();
    side.push("-journal");
    std::fs::read(side)
        .is_ok_and(|b| b.starts_with(&[0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7]))
}

/// One round: a batch killed after `at` messages (+ up to 3 ms), checked,
/// resumed from a copy of the journal file alone, checked, resumed with
/// `--resend-uncertain`, checked. Whether the kill cut a commit short.
fn round(sink: &Sink, round: &str, at: usize, jitter_ms: u64, extra: &[&'static str]) -> bool {
    let dir = dir_with(&smtp_config(&plain_uri(sink), ""));
    let rcpts: Vec<String> = (1..=ROWS)
        .map(|i| format!("k{}-u{i}@example.com", rcpt_tag(round)))
        .collect();
    write_csv(dir.path(), "r.csv", &rcpts);
    let base = delivered(sink, 0).values().sum::<usize>();
    let mut child = spawn(dir.path(), &args(extra));
    wait_for(sink, base + at);
    std::thread::sleep(Duration::from_millis(jitter_ms));
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    // What the server was sent before the kill, it has stored by now.
    std::thread::sleep(Duration::from_millis(300));
    let first = stored(sink, &rcpts);
    assert!(
        first.values().all(|&n| n <= 1),
        "round {round}: a message went out twice in one run"
    );
    assert!(
        first.values().any(|&n| n == 0),
        "round {round}: the kill came after the end"
    );

    let status = statuses(dir.path());
    for (r, s) in &status {
        if s == "sent" {
            assert_eq!(first[r], 1, "round {round}: {r} is sent in the journal");
        }
    }
    let uncertain: Vec<&String> = status
        .iter()
        .filter(|(_, s)| *s == "processing")
        .map(|(r, _)| r)
        .collect();
    assert!(
        uncertain.len() <= WORKERS,
        "round {round}: {} uncertain rows with {WORKERS} workers: {uncertain:?}",
        uncertain.len()
    );

    // The journal file alone, as if copied after the kill (its rollback
    // journal too when a commit was cut short: it undoes that commit).
    let journal = dir.path().join("r.csv.courier.db");
    let was_hot = hot(&journal);
    let copy = dir_with(&smtp_config(&plain_uri(sink), ""));
    std::fs::copy(dir.path().join("r.csv"), copy.path().join("r.csv")).expect("copy the input");
    std::fs::copy(&journal, copy.path().join("r.csv.courier.db")).expect("copy the journal");
    if was_hot {
        let mut side = journal.as_os_str().to_owned();
        side.push("-journal");
        std::fs::copy(side, copy.path().join("r.csv.courier.db-journal")).expect("copy");
    }
    let out = courier(copy.path(), &args(extra));
    let s = summary(&out);
    assert_eq!(
        out.code,
        if uncertain.is_empty() { 0 } else { 1 },
        "round {round}: {}",
        out.all()
    );
    assert_eq!(s["uncertain"].as_u64(), Some(uncertain.len() as u64), "{s}");
    let second = stored(sink, &rcpts);
    for r in &rcpts {
        let want = usize::from(!(uncertain.contains(&r) && first[r] == 0));
        assert_eq!(
            second[r], want,
            "round {round}: {r} after a plain resume (no duplicate, only never-sent uncertain rows left)"
        );
    }

    let mut resend = extra.to_vec();
    resend.push("--resend-uncertain");
    let out = courier(copy.path(), &args(&resend));
    assert_eq!(out.code, 0, "round {round}: {}", out.all());
    let third = stored(sink, &rcpts);
    assert!(
        third.values().all(|&n| n >= 1),
        "round {round}: a message was lost"
    );
    let twice = third.values().filter(|&&n| n > 1).count();
    assert!(
        twice <= WORKERS,
        "round {round}: {twice} duplicates with {WORKERS} workers"
    );
    was_hot
}

#[test]
fn sigkill_at_random_points_loses_nothing_and_leaves_at_most_one_uncertain_per_worker() {
    kill_rounds(ROUNDS, &[]);
}

/// Without syncs, commits still reach the OS before anything goes out: a
/// killed courier loses nothing either.
#[test]
fn sigkill_without_journal_syncs_loses_nothing_either() {
    kill_rounds(4, &["--no-journal-sync"]);
}

fn kill_rounds(rounds: usize, extra: &[&'static str]) {
    let sink = Sink::start(Mode::Plain, false);
    let mut random = Random::new();
    let seed = random.0;
    let mut alone = 0;
    for r in 0..rounds {
        let at = 1 + random.below((ROWS - 2 * WORKERS) as u64) as usize;
        let jitter = random.below(4);
        let tag = format!("round {r} (CRASH_SEED={seed}, killed after {at} + {jitter} ms)");
        let was_hot = round(&sink, &tag, at, jitter, extra);
        alone += usize::from(!was_hot);
    }
    // A kill lands inside a commit about one time in five: the other
    // rounds resumed from the journal file alone.
    assert!(
        alone > 0 || rounds < ROUNDS,
        "no round resumed from the file alone (CRASH_SEED={seed})"
    );
}

/// A run killed in the middle of a commit leaves SQLite's rollback journal
/// beside the file. Made here by a Python process that writes into the
/// journal with a tiny page cache (so changed pages reach the file before
/// the commit) and kills itself.
fn kill_mid_commit(journal: &Path) {
    let script = r#"
import os, signal, sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("PRAGMA journal_mode = TRUNCATE")
c.execute("PRAGMA cache_size = 1")
c.execute("BEGIN IMMEDIATE")
c.execute("UPDATE messages SET status = 'sent', last_error = hex(randomblob(3000))")
os.kill(os.getpid(), signal.SIGKILL)
"#;
    let status = std::process::Command::new(python())
        .args(["-c", script])
        .arg(journal)
        .status()
        .expect("python runs");
    assert!(!status.success(), "the writer was killed");
    assert!(hot(journal), "a commit was left half-written");
}

#[test]
fn a_journal_killed_mid_commit_reads_as_before_the_commit() {
    let (dir, out) = refused_batch(40, &[]);
    assert_eq!(out.code, 69, "{}", out.all());
    let before = statuses(dir.path());
    assert!(
        !before.is_empty() && before.values().all(|s| s == "queued"),
        "{before:?}"
    );
    let journal = dir.path().join("r.csv.courier.db");
    kill_mid_commit(&journal);
    // courier log reads what was committed, and writes nothing: the
    // rollback happens on a private copy.
    let bytes = std::fs::read(&journal).expect("journal");
    assert_eq!(
        statuses(dir.path()),
        before,
        "the half-written commit shows"
    );
    assert_eq!(std::fs::read(&journal).expect("journal"), bytes);
    assert!(hot(&journal), "the rollback journal is left to its owner");
    // The next batch rolls it back and carries on.
    let out = refused_rerun(dir.path(), &[]);
    assert_eq!(out.code, 69, "{}", out.all());
    assert!(!hot(&journal));
    let after = run(dir.path(), &["log", "--format", "json"], &[], None);
    assert_eq!(after.code, 0, "{}", after.all());
}
