//! Many `courier watch` processes on one PostgreSQL queue: 8 processes
//! over 5,000 messages deliver each exactly once (the SMTP server counts);
//! with one of them killed by SIGKILL midway, nothing is lost and the
//! duplicates are at most its messages in flight.

use std::collections::BTreeMap;

use crate::support::Running;
use crate::support::batch::{delivered, plain_uri, wait_exit, wait_for};
use crate::support::kratos_db::KratosDb;
use crate::support::smtp::{Mode, Sink};
use crate::support::watch::{recovery, setup, spawn_watch, watch};

const MESSAGES: usize = 5000;
const PROCESSES: usize = 8;
/// Each process's concurrency: the most it can have in flight.
const WORKERS: &str = "4";

fn queue_of(n: usize) -> (KratosDb, Vec<String>) {
    let mut db = KratosDb::postgres("v26.2.0");
    let recipients: Vec<String> = (1..=n).map(|i| format!("user{i}@example.com")).collect();
    let queued: Vec<_> = recipients
        .iter()
        .map(|r| recovery("v26.2.0", r, "123456"))
        .collect();
    db.enqueue(&queued);
    (db, recipients)
}

fn spawn_all(dir: &std::path::Path, db: &KratosDb) -> Vec<Running> {
    (0..PROCESSES)
        .map(|_| spawn_watch(dir, db, &["--once", "-j", WORKERS]))
        .collect()
}

/// Every row sent once, with one success dispatch each.
fn assert_all_sent(db: &KratosDb) {
    let rows = db.messages();
    assert_eq!(rows.len(), MESSAGES);
    let left: Vec<_> = rows.iter().filter(|r| r.status != 2).collect();
    assert!(
        left.is_empty(),
        "rows not sent: {:?}",
        &left[..left.len().min(5)]
    );
    let dispatches = db.dispatches();
    let mut per: BTreeMap<&str, usize> = BTreeMap::new();
    for d in &dispatches {
        *per.entry(d.message_id.as_str()).or_default() += 1;
    }
    assert_eq!(per.len(), MESSAGES, "a message without a dispatch row");
}

#[test]
fn eight_processes_deliver_every_message_exactly_once() {
    let sink = Sink::start(Mode::Plain, false);
    let dir = setup(&plain_uri(&sink), "");
    let (db, recipients) = queue_of(MESSAGES);
    let mut children = spawn_all(dir.path(), &db);
    for c in &mut children {
        assert_eq!(wait_exit(c), 0, "a watch failed");
    }
    let got = delivered(&sink, MESSAGES);
    assert_eq!(got.len(), MESSAGES, "every recipient got a message");
    let twice: Vec<_> = got.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent twice: {twice:?}");
    assert!(recipients.iter().all(|r| got.contains_key(r)));
    assert_all_sent(&db);
    let rows = db.messages();
    assert!(rows.iter().all(|r| r.send_count == 1), "one attempt each");
}

#[test]
fn a_process_killed_midway_loses_nothing_and_duplicates_at_most_its_flight() {
    let sink = Sink::start(Mode::Plain, false);
    let dir = setup(&plain_uri(&sink), "");
    let (db, recipients) = queue_of(MESSAGES);
    let mut children = spawn_all(dir.path(), &db);
    wait_for(&sink, MESSAGES / 3);
    children[0].kill().expect("SIGKILL");
    let _ = children[0].wait();
    for c in &mut children[1..] {
        assert_eq!(wait_exit(c), 0, "a watch failed");
    }
    // What the killed process held is left `processing`: at most its
    // workers' messages.
    let stuck = db.messages().iter().filter(|r| r.status == 3).count();
    assert!(stuck <= 4, "{stuck} rows left processing");
    // A reclaim puts them back and delivers them.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let out = watch(dir.path(), &db, &["--once", "--reclaim-after", "1s"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let got = delivered(&sink, MESSAGES);
    assert!(
        recipients.iter().all(|r| got.contains_key(r)),
        "a message was lost"
    );
    let duplicates: usize = got.values().map(|n| n - 1).sum();
    let rows = db.messages();
    let twice: Vec<_> = rows
        .iter()
        .filter(|r| got.get(&r.recipient).is_some_and(|n| *n > 1))
        .collect();
    assert!(
        duplicates <= 4,
        "{duplicates} duplicates ({stuck} were left processing): {twice:?}"
    );
    assert_all_sent(&db);
}

/// `processes` watches of `-j workers` over `n` messages of `db`: each
/// delivered exactly once, every row sent once with one dispatch row.
fn exactly_once(mut db: KratosDb, n: usize, processes: usize, workers: &str) {
    let sink = Sink::start(Mode::Plain, false);
    let dir = setup(&plain_uri(&sink), "");
    let queued: Vec<_> = (1..=n)
        .map(|i| recovery(db.release, &format!("user{i}@example.com"), "1"))
        .collect();
    db.enqueue(&queued);
    let mut children: Vec<Running> = (0..processes)
        .map(|_| spawn_watch(dir.path(), &db, &["--once", "-j", workers]))
        .collect();
    for c in &mut children {
        assert_eq!(wait_exit(c), 0, "a watch failed");
    }
    let got = delivered(&sink, n);
    assert_eq!(got.len(), n);
    assert!(got.values().all(|c| *c == 1), "a message was sent twice");
    assert!(
        db.messages()
            .iter()
            .all(|r| r.status == 2 && r.send_count == 1)
    );
    assert_eq!(db.dispatches().len(), n);
}

#[test]
fn processes_on_one_host_share_an_sqlite_queue_exactly_once() {
    exactly_once(KratosDb::sqlite("v25.4.0"), 1000, 4, "2");
}

#[test]
fn processes_share_a_mariadb_queue_exactly_once() {
    exactly_once(KratosDb::mysql("v26.2.0"), 2000, PROCESSES, WORKERS);
}
