//! An SMTP client that dials exactly as Kratos' mailer does: 10-second
//! deadlines, EHLO with `local_name` (HELO as fallback), STARTTLS mandatory
//! for `smtp://`, opportunistic with `disable_starttls`, implicit TLS for
//! `smtps://`, AUTH as Go chooses it (CRAM-MD5, else LOGIN when PLAIN is not
//! offered, else PLAIN, which is refused over cleartext except to
//! localhost), `MAIL FROM` with `BODY=8BITMIME`/`SMTPUTF8` when offered,
//! `RCPT TO` per recipient, `DATA`, `QUIT`. Every step is recorded as a
//! stage with its time, and every line in a transcript (credentials
//! masked). TCP_NODELAY is set.
//!
//! Hostile servers are bounded: every read and write ends by the step's
//! deadline, replies by `reply`'s limits (2 KiB a line, 100 lines, 64 KiB),
//! the transcript at 256 KiB, and bytes a server sends after its answer to
//! STARTTLS, before the handshake, end the session.
//!
//! `session`: the session, its records and its line I/O; `reply`: replies
//! and their bounds; `dial` walks from connect to AUTH, `auth` holds Go's
//! mechanisms, `transaction` sends.

mod auth;
mod dial;
mod reply;
mod session;
mod transaction;

pub use dial::open;
pub use reply::{Assembler, MAX_LINE, MAX_LINES, MAX_REPLY, Overrun, Reply, Unreadable, take_line};
pub use session::{
    Dir, Line, MAX_TRANSCRIPT, Outcome, Session, SmtpError, Stage, StageRecord, Target,
    failed_stage, security_name,
};
pub use transaction::{dot_stuff, rehearse, send};
