//! Tests of the journal: states and attempts, resuming, replaced rows,
//! locks, and what is refused.

use super::view::Filter;
use super::{Change, Claim, Journal, Status};

fn claim(id: u64, key: &str, replace: bool) -> Change {
    Change::Claim(Claim {
        id,
        key: key.into(),
        recipient: format!("u{id}@example.com"),
        template_type: "login_code_valid".into(),
        channel: "email",
        replace,
    })
}

#[test]
fn states_attempts_and_resume() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    let mut j = Journal::open(&path).unwrap();
    j.apply(&[claim(2, "a", false), claim(3, "b", false)])
        .unwrap();
    j.apply(&[
        Change::Attempt {
            id: 2,
            attempt: 1,
            success: false,
            reply: Some("451 later".into()),
            error: Some("the server answered 451 later".into()),
            ms: 1.0,
            status: Status::Queued,
        },
        Change::Unclaim(3, Status::Queued),
    ])
    .unwrap();
    j.apply(&[claim(2, "a", false)]).unwrap();
    j.apply(&[Change::Attempt {
        id: 2,
        attempt: 2,
        success: true,
        reply: Some("250 ok".into()),
        error: None,
        ms: 1.0,
        status: Status::Sent,
    }])
    .unwrap();
    drop(j);
    let j = Journal::open_existing(&path).unwrap();
    let k2 = j.known(2).unwrap().unwrap();
    assert_eq!((k2.status, k2.send_count), (Status::Sent, 2));
    let k3 = j.known(3).unwrap().unwrap();
    assert_eq!((k3.status, k3.send_count), (Status::Queued, 0));
    let m = j.get(2).unwrap().unwrap();
    let d = m.dispatches.unwrap();
    assert_eq!(d.len(), 2);
    assert_eq!((d[0].attempt, d[0].status.as_str()), (2, "success"));
    assert_eq!(
        m.last_error.as_deref(),
        Some("the server answered 451 later")
    );
    let mut sent = Vec::new();
    j.each(
        &Filter {
            status: Some(Status::Sent),
            recipient: None,
        },
        |m| sent.push(m.id),
    )
    .unwrap();
    assert_eq!(sent, vec![2]);
}

#[test]
fn a_replaced_row_loses_its_history() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    let mut j = Journal::open(&path).unwrap();
    j.apply(&[claim(5, "a", false)]).unwrap();
    j.apply(&[Change::Attempt {
        id: 5,
        attempt: 1,
        success: false,
        reply: Some("550 no such user".into()),
        error: Some("rcpt: 550 no such user".into()),
        ms: 1.0,
        status: Status::Abandoned,
    }])
    .unwrap();
    j.apply(&[claim(5, "b", true)]).unwrap();
    let k = j.known(5).unwrap().unwrap();
    assert_eq!((k.key.as_str(), k.send_count), ("b", 1));
    assert_eq!(j.get(5).unwrap().unwrap().last_error, None);
}

#[test]
fn a_journal_in_use_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    let first = Journal::open(&path).unwrap();
    let second = Journal::open(&path).err().unwrap();
    assert!(second.busy, "{second}");
    // Reading it waits for the run's end.
    let reading = Journal::open_existing(&path).err().unwrap();
    assert!(reading.busy && reading.reading, "{reading}");
    drop(first);
    assert!(Journal::open(&path).is_ok());
}

#[test]
fn only_a_hot_rollback_journal_that_can_be_one_is_copied() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    let mut j = Journal::open(&path).unwrap();
    j.apply(&[claim(1, "a", false)]).unwrap();
    drop(j);
    let mut side = path.as_os_str().to_owned();
    side.push("-journal");
    // A finished commit's journal (its header zeroed) is no hot journal.
    std::fs::write(&side, [0_u8; 512]).unwrap();
    assert!(Journal::open_existing(&path).is_ok());
    // SQLite's magic, and far larger than any commit of this file: not
    // read, not copied.
    std::fs::write(&side, [0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7]).unwrap();
    let f = std::fs::OpenOptions::new().write(true).open(&side).unwrap();
    f.set_len(1 << 30).unwrap();
    let e = Journal::open_existing(&path).err().unwrap();
    assert!(e.to_string().contains("not a rollback journal"), "{e}");
}

#[test]
fn a_file_that_is_not_a_journal_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.csv");
    std::fs::write(&path, "recipient\na@example.com\n").unwrap();
    let e = Journal::open(&path).err().unwrap();
    assert!(e.to_string().contains("x.csv"), "{e}");
}
