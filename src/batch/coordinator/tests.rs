//! Table tests of the coordinator: claims and skips, verdicts, retries,
//! stops and interrupts.

use std::time::{Duration, Instant};

use super::{Coordinator, Event, Job, MAX_SERVER_DELAY, Outcome, Policy, Report, Skip, StopCause};
use crate::batch::journal::{Change, Known, Status};
use crate::batch::rows::Resolved;
use crate::delivery::verdict::{Action, Class, Scope, Verdict};
use crate::message::Channel;

fn policy() -> Policy {
    Policy {
        max_tries: 3,
        backoff: Duration::from_secs(1),
        retry_abandoned: false,
        resend_uncertain: false,
        stop_at_bad_row: false,
        journal: "j.db".into(),
    }
}

/// A coordinator whose jitter is the middle: backoffs are exact.
fn coordinator(p: Policy) -> Coordinator {
    Coordinator::new(p, Box::new(|| 0.5))
}

fn row(n: u64) -> (Resolved, String) {
    let r = Resolved {
        recipient: format!("r{n}@example.com"),
        ty: "login_code_valid".into(),
        channel: Channel::Email,
        data: serde_json::json!({}),
    };
    (r, format!("key{n}"))
}

fn known(n: u64, same_key: bool, status: Status, send_count: u32) -> Known {
    Known {
        key: if same_key {
            format!("key{n}")
        } else {
            "other".into()
        },
        status,
        send_count,
    }
}

fn verdict(action: Action, scope: Scope, class: Class) -> Verdict {
    Verdict {
        action,
        scope,
        class,
        retry_after: None,
        stage: Some("rcpt"),
        reply: Some("451 later".into()),
        error: Some("the server answered 451 later".into()),
        hint: None,
    }
}

/// A worker's report of `job`.
fn report(job: Job, outcome: Outcome) -> Report {
    Report {
        job,
        outcome,
        ms: 1.0,
    }
}

/// Admits row 1 and hands its job out (after the commit).
fn one_job(c: &mut Coordinator) -> Job {
    c.admit(1, Ok(row(1)), None);
    assert!(c.take_changes().is_empty(), "nothing is claimed on reading");
    c.claim_for(1, usize::MAX);
    assert!(
        c.next_job().is_none(),
        "no job before its claim is committed"
    );
    let changes = c.take_changes();
    assert!(matches!(changes.as_slice(), [Change::Claim(_)]));
    c.next_job().expect("a job after the commit")
}

#[derive(Debug, PartialEq)]
enum Admitted {
    Claimed { attempt: u32, replace: bool },
    Skipped(Skip),
    Stopped,
    Bad,
}

fn admit(p: Policy, k: Option<Known>, resolved_ok: bool) -> (Admitted, Coordinator) {
    let mut c = coordinator(p);
    let resolved = if resolved_ok {
        Ok(row(1))
    } else {
        Err("not an email address".into())
    };
    c.admit(1, resolved, k);
    c.claim_for(1, usize::MAX);
    let changes = c.take_changes();
    let events = c.take_events();
    let admitted = match (changes.as_slice(), events.as_slice()) {
        ([Change::Claim(claim)], []) => {
            let job = c.next_job().expect("claimed job");
            Admitted::Claimed {
                attempt: job.attempt,
                replace: claim.replace,
            }
        }
        ([], [Event::Skipped { reason, .. }]) => Admitted::Skipped(*reason),
        ([], [Event::Bad { .. }]) => Admitted::Bad,
        ([], []) if c.stopping() => Admitted::Stopped,
        other => panic!("unexpected {other:?}"),
    };
    (admitted, c)
}

#[test]
fn claims_and_skips() {
    use Admitted::{Bad, Claimed, Skipped, Stopped};
    use Status::{Abandoned, Processing, Queued, Sent};
    let retry_abandoned = Policy {
        retry_abandoned: true,
        ..policy()
    };
    let resend = Policy {
        resend_uncertain: true,
        ..policy()
    };
    #[rustfmt::skip]
    let rows = [
        (policy(), None, true, Claimed { attempt: 1, replace: false }),
        (policy(), None, false, Bad),
        (policy(), Some(known(1, true, Queued, 2)), true, Claimed { attempt: 3, replace: false }),
        (policy(), Some(known(1, true, Sent, 1)), true, Skipped(Skip::SentBefore)),
        (policy(), Some(known(1, true, Abandoned, 6)), true, Skipped(Skip::AbandonedBefore)),
        (retry_abandoned, Some(known(1, true, Abandoned, 6)), true, Claimed { attempt: 7, replace: false }),
        (policy(), Some(known(1, true, Processing, 1)), true, Skipped(Skip::Uncertain)),
        (resend, Some(known(1, true, Processing, 1)), true, Claimed { attempt: 2, replace: false }),
        (policy(), Some(known(1, false, Queued, 1)), true, Claimed { attempt: 1, replace: true }),
        (policy(), Some(known(1, false, Abandoned, 6)), true, Claimed { attempt: 1, replace: true }),
        (policy(), Some(known(1, false, Sent, 1)), true, Stopped),
        (policy(), Some(known(1, false, Processing, 1)), true, Stopped),
    ];
    for (p, k, ok, want) in rows {
        let (got, c) = admit(p, k.clone(), ok);
        assert_eq!(got, want, "known {k:?}");
        let f = c.finish();
        assert_eq!(f.counts.rows, 1);
        if want == Stopped {
            let s = f.stopped.expect("a stop");
            assert_eq!(s.cause, StopCause::ChangedInput);
            assert!(s.message.contains("line 1 changed"), "{}", s.message);
            assert!(f.stopped_early && !f.interrupted);
        }
    }
}

#[test]
fn a_bad_row_stops_the_batch_when_asked() {
    let mut c = coordinator(Policy {
        stop_at_bad_row: true,
        ..policy()
    });
    c.admit(1, Ok(row(1)), None);
    c.admit(2, Err("bad".into()), None);
    assert!(c.stopping() && !c.wants_rows(8));
    c.claim_for(4, usize::MAX);
    assert!(
        c.take_changes().is_empty(),
        "nothing is claimed after a stop"
    );
    assert!(c.next_job().is_none(), "row 1 never goes out");
    let f = c.finish();
    assert_eq!((f.counts.bad, f.counts.queued), (1, 1));
    assert!(f.stopped_early && f.stopped.is_none());
}

#[test]
fn a_cut_input_sends_what_came_before_and_counts_as_stopped() {
    let mut c = coordinator(policy());
    c.admit(1, Ok(row(1)), None);
    c.input_cut();
    c.admit(2, Err("the row is larger than 64 KiB".into()), None);
    assert!(!c.stopping(), "the rows before it still go out");
    c.claim_for(4, usize::MAX);
    let _ = c.take_changes();
    let job = c.next_job().expect("row 1 goes out");
    c.report(
        report(
            job,
            Outcome::Delivered(verdict(Action::Sent, Scope::Message, Class::Ok)),
        ),
        Instant::now(),
    );
    let f = c.finish();
    assert_eq!((f.counts.sent, f.counts.bad), (1, 1));
    assert!(f.stopped_early && f.stopped.is_none() && !f.interrupted);
}

/// What a verdict leaves: the journal state, the counts, the retry.
#[derive(Debug, PartialEq)]
struct After {
    status: Status,
    sent: u64,
    abandoned: u64,
    queued: u64,
    retries: u64,
    retry_in: Option<Duration>,
    stop: Option<StopCause>,
    paused: bool,
}

fn after(v: Verdict, tries: u32) -> After {
    let mut c = coordinator(policy());
    let mut job = one_job(&mut c);
    job.tries = tries;
    let now = Instant::now();
    c.report(report(job, Outcome::Delivered(v)), now);
    let changes = c.take_changes();
    let status = match changes.as_slice() {
        [Change::Attempt { status, .. }] => *status,
        other => panic!("one attempt recorded: {other:?}"),
    };
    let retry_in = c.next_due().map(|t| t - now);
    let paused = !c.stopping() && !c.wants_rows(8);
    let f = c.finish();
    After {
        status,
        sent: f.counts.sent,
        abandoned: f.counts.abandoned,
        queued: f.counts.queued,
        retries: f.counts.retries,
        retry_in,
        stop: f.stopped.map(|s| s.cause),
        paused,
    }
}

#[test]
fn verdicts_retry_abandon_and_stop() {
    use Action::{Abandon, Retry, Sent, Stop};
    use Class::{Permanent, Temporary};
    use Scope::{Message, Server};
    let s = |secs| Some(Duration::from_secs(secs));
    let mut throttled = verdict(Retry, Message, Temporary);
    throttled.retry_after = Some(Duration::from_secs(30));
    let mut flooding = verdict(Retry, Message, Temporary);
    flooding.retry_after = Some(Duration::from_secs(86_400));
    #[rustfmt::skip]
    let rows = [
        // verdict, tries so far, status, sent, abandoned, queued (at the end), retries, retry in, stop, paused
        (verdict(Sent, Message, Class::Ok), 1, Status::Sent, 1, 0, 0, 0, None, None, false),
        (verdict(Retry, Message, Temporary), 1, Status::Queued, 0, 0, 1, 1, s(1), None, false),
        (verdict(Retry, Message, Temporary), 2, Status::Queued, 0, 0, 1, 1, s(2), None, false),
        (verdict(Retry, Message, Temporary), 3, Status::Abandoned, 0, 1, 0, 0, None, None, false),
        (throttled, 1, Status::Queued, 0, 0, 1, 1, s(30), None, false),
        (flooding, 1, Status::Queued, 0, 0, 1, 1, Some(MAX_SERVER_DELAY), None, false),
        (verdict(Abandon, Message, Permanent), 1, Status::Abandoned, 0, 1, 0, 0, None, None, false),
        (verdict(Retry, Server, Permanent), 1, Status::Queued, 0, 0, 1, 1, s(1), None, true),
        (verdict(Retry, Server, Temporary), 3, Status::Queued, 0, 0, 1, 0, None, Some(StopCause::Server(Temporary)), false),
        (verdict(Retry, Server, Permanent), 3, Status::Queued, 0, 0, 1, 0, None, Some(StopCause::Server(Permanent)), false),
        (verdict(Stop, Server, Permanent), 1, Status::Queued, 0, 0, 1, 0, None, Some(StopCause::Server(Permanent)), false),
    ];
    for (v, tries, status, sent, abandoned, queued, retries, retry_in, stop, paused) in rows {
        let what = format!("{:?} after {tries} tries", v.action);
        let got = after(v, tries);
        let want = After {
            status,
            sent,
            abandoned,
            queued,
            retries,
            retry_in,
            stop,
            paused,
        };
        assert_eq!(got, want, "{what}");
    }
}

#[test]
fn a_message_answer_ends_server_trouble() {
    let mut c = coordinator(policy());
    c.admit(1, Ok(row(1)), None);
    c.admit(2, Ok(row(2)), None);
    c.claim_for(2, usize::MAX);
    c.take_changes();
    let (a, b) = (c.next_job().unwrap(), c.next_job().unwrap());
    let now = Instant::now();
    let server = verdict(Action::Retry, Scope::Server, Class::Permanent);
    c.report(report(a, Outcome::Delivered(server)), now);
    assert!(!c.wants_rows(8), "no new rows while the server fails");
    let ok = verdict(Action::Sent, Scope::Message, Class::Ok);
    c.report(report(b, Outcome::Delivered(ok)), now);
    assert!(c.wants_rows(8), "an answer clears it");
}

#[test]
fn retries_fall_due_and_are_claimed_again() {
    let mut c = coordinator(policy());
    let job = one_job(&mut c);
    let now = Instant::now();
    let retry = verdict(Action::Retry, Scope::Message, Class::Temporary);
    c.report(report(job, Outcome::Delivered(retry)), now);
    c.take_changes();
    c.release_due(now);
    c.claim_for(1, usize::MAX);
    assert!(
        c.take_changes().is_empty() && c.next_job().is_none(),
        "not yet due"
    );
    c.release_due(now + Duration::from_secs(2));
    c.claim_for(1, usize::MAX);
    let changes = c.take_changes();
    assert!(matches!(changes.as_slice(), [Change::Claim(cl)] if !cl.replace));
    let again = c.next_job().expect("the retry");
    assert_eq!(
        (again.attempt, again.tries, again.before),
        (2, 2, Status::Queued)
    );
    assert!(!c.finished(true), "it is out");
}

#[test]
fn interrupt_unclaims_what_did_not_go_out() {
    let mut c = coordinator(policy());
    for n in 1..=4 {
        c.admit(n, Ok(row(n)), None);
    }
    c.claim_for(3, usize::MAX);
    c.take_changes();
    let out = c.next_job().expect("one goes out");
    c.interrupt();
    assert!(c.stopping() && !c.wants_rows(8));
    let changes = c.take_changes();
    assert!(
        matches!(
            changes.as_slice(),
            [
                Change::Unclaim(2, Status::Queued),
                Change::Unclaim(3, Status::Queued)
            ]
        ),
        "{changes:?}"
    );
    assert!(!c.finished(false), "one is still out");
    // A transient failure while stopping stays queued, not retried.
    let retry = verdict(Action::Retry, Scope::Message, Class::Temporary);
    c.report(report(out, Outcome::Delivered(retry)), Instant::now());
    assert!(matches!(
        c.take_changes().as_slice(),
        [Change::Attempt {
            status: Status::Queued,
            ..
        }]
    ));
    assert!(c.finished(false));
    let f = c.finish();
    // Rows 2 and 3 went back; row 4 was never claimed.
    assert_eq!((f.counts.queued, f.counts.retries), (4, 0));
    assert!(f.interrupted && !f.stopped_early);
}

#[test]
fn unstarted_and_unrendered_jobs_go_back() {
    let mut c = coordinator(policy());
    c.admit(1, Ok(row(1)), Some(known(1, true, Status::Abandoned, 6)));
    c.take_events();
    assert!(c.take_changes().is_empty(), "skipped, abandoned before");
    let mut c = coordinator(policy());
    c.admit(1, Ok(row(1)), None);
    c.admit(2, Ok(row(2)), None);
    c.claim_for(2, usize::MAX);
    c.take_changes();
    let (a, b) = (c.next_job().unwrap(), c.next_job().unwrap());
    c.report(report(a, Outcome::Unstarted), Instant::now());
    c.report(
        report(b, Outcome::Bad("template fails".into())),
        Instant::now(),
    );
    let changes = c.take_changes();
    assert!(matches!(
        changes.as_slice(),
        [
            Change::Unclaim(1, Status::Queued),
            Change::Forget(2, Status::Queued)
        ]
    ));
    assert!(matches!(
        c.take_events().as_slice(),
        [Event::Bad { line: 2, .. }]
    ));
    let f = c.finish();
    assert_eq!((f.counts.queued, f.counts.bad), (1, 1));
    assert_eq!(f.causes.len(), 1);
}

#[test]
fn claims_come_just_in_time_with_the_outcome_before() {
    let workers = 2;
    let mut c = coordinator(policy());
    let mut line = 0;
    while c.wants_rows(6) {
        line += 1;
        c.admit(line, Ok(row(line)), None);
    }
    assert_eq!(line, 6, "rows are read up to the window");
    assert_eq!(c.claim_for(workers, 1), 1, "one claim for one --rate slot");
    assert_eq!(c.claim_for(workers, usize::MAX), 1, "the other free worker");
    let claims = |ch: &[Change]| {
        ch.iter()
            .filter_map(|c| match c {
                Change::Claim(cl) => Some(cl.id),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(claims(&c.take_changes()), [1, 2], "one claim per worker");
    c.claim_for(workers, usize::MAX);
    assert!(c.take_changes().is_empty(), "no claim while both are busy");
    let (a, b) = (c.next_job().unwrap(), c.next_job().unwrap());
    assert!(c.next_job().is_none());
    let sent = || verdict(Action::Sent, Scope::Message, Class::Ok);
    c.report(report(a, Outcome::Delivered(sent())), Instant::now());
    c.claim_for(workers, usize::MAX);
    let changes = c.take_changes();
    assert!(
        matches!(
            changes.as_slice(),
            [Change::Attempt { id: 1, status: Status::Sent, .. }, Change::Claim(cl)] if cl.id == 3
        ),
        "the outcome and the next claim share a commit: {changes:?}"
    );
    // A crash now leaves rows 2 and 3 claimed: one per worker.
    c.interrupt();
    let changes = c.take_changes();
    assert!(
        matches!(changes.as_slice(), [Change::Unclaim(3, _)]),
        "{changes:?}"
    );
    c.report(report(b, Outcome::Delivered(sent())), Instant::now());
    let f = c.finish();
    assert_eq!((f.counts.sent, f.counts.queued), (2, 4));
}

/// Rows 1..=`rows` claimed, row 1 out and back with a server-wide
/// failure; until its retry is out, the other rows wait.
fn server_down(rows: u64) -> (Coordinator, Job, Instant) {
    let mut c = coordinator(policy());
    for n in 1..=rows {
        c.admit(n, Ok(row(n)), None);
    }
    c.claim_for(1, usize::MAX);
    c.take_changes();
    let first = c.next_job().expect("row 1");
    let now = Instant::now();
    let down = verdict(Action::Retry, Scope::Server, Class::Permanent);
    c.report(report(first, Outcome::Delivered(down)), now);
    c.claim_for(1, usize::MAX);
    assert!(
        matches!(c.take_changes().as_slice(), [Change::Attempt { .. }]),
        "nothing new is claimed"
    );
    assert!(c.next_job().is_none(), "the other rows wait");
    assert!(!c.wants_rows(8) && !c.finished(false));
    c.release_due(now + Duration::from_secs(2));
    c.claim_for(1, usize::MAX);
    c.take_changes();
    let retry = c.next_job().expect("the retry goes out");
    assert_eq!((retry.id, retry.tries), (1, 2));
    (c, retry, now)
}

#[test]
fn while_the_server_fails_only_retries_go_out() {
    let (mut c, retry, now) = server_down(3);
    assert!(c.next_job().is_none(), "still waiting");
    let sent = verdict(Action::Sent, Scope::Message, Class::Ok);
    c.report(report(retry, Outcome::Delivered(sent)), now);
    c.claim_for(1, usize::MAX);
    c.take_changes();
    assert_eq!(c.next_job().map(|j| j.id), Some(2), "the server is back");
}

#[test]
fn server_trouble_ends_when_nothing_can_tell() {
    // The input is read; the retry that was to probe the server comes back
    // unrendered: the rows that waited must go out, not wait forever.
    let (mut c, retry, now) = server_down(2);
    c.report(
        report(retry, Outcome::Bad("template fetch failed".into())),
        now,
    );
    c.claim_for(1, usize::MAX);
    c.take_changes();
    assert_eq!(c.next_job().map(|j| j.id), Some(2), "row 2 goes out");
    assert!(!c.finished(true));
}
