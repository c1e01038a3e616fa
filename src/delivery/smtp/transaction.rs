//! Sending on an open session: `MAIL FROM` (with `BODY=8BITMIME` and
//! `SMTPUTF8` when offered), `RCPT TO`, `DATA` with the dot-stuffed
//! message, `QUIT`; a batch's pipelined transactions on a kept connection;
//! and the rehearsal `courier test` makes, which never says `DATA`.

use std::io::Write;
use std::time::{Duration, Instant};

use super::dial::open;
use super::reply::Reply;
use super::session::{Line, Session, SmtpError, Stage, Target};
use crate::delivery::mime::Built;
use crate::delivery::tls::Stream;

/// Why the envelope cannot go to a server as written, if it cannot: a
/// line break (Go's `validateLine`), or an address that is not ASCII when
/// the server does not offer SMTPUTF8 (RFC 6531). Addresses are never
/// rewritten (no RFC 2047, no punycode): the envelope is the address that
/// was validated, or nothing.
#[must_use]
pub fn envelope_refusal<'a>(
    addresses: impl IntoIterator<Item = &'a str>,
    smtputf8: bool,
) -> Option<String> {
    for a in addresses {
        if a.contains(['\r', '\n']) {
            return Some("smtp: A line must not contain CR or LF".to_owned());
        }
        if !a.is_ascii() && !smtputf8 {
            return Some(format!(
                "the address {a} is not ASCII and the server does not offer SMTPUTF8, \
                 so it cannot be sent as written"
            ));
        }
    }
    None
}

impl Session {
    /// Checks the envelope before `MAIL FROM` (a refusal is recorded as
    /// the `mail` stage's failure; nothing goes on the wire).
    fn check_envelope(&mut self, from: &str, to: &[String]) -> Result<(), SmtpError> {
        let start = Instant::now();
        let addresses = std::iter::once(from).chain(to.iter().map(String::as_str));
        match envelope_refusal(addresses, self.has_ext("SMTPUTF8")) {
            None => Ok(()),
            Some(message) => {
                let r: Result<(), SmtpError> = Err(SmtpError::Envelope(message));
                self.record(Stage::Mail, start, &r, String::new());
                r
            }
        }
    }

    /// Restarts the deadline, as Kratos' mailer does before `MAIL FROM`.
    pub fn reset_deadline(&mut self) {
        self.deadline = Instant::now() + self.timeout;
    }

    fn mail_line(&self, from: &str) -> String {
        let mut line = format!("MAIL FROM:<{from}>");
        if self.has_ext("8BITMIME") {
            line.push_str(" BODY=8BITMIME");
        }
        if self.has_ext("SMTPUTF8") {
            line.push_str(" SMTPUTF8");
        }
        line
    }

    /// `MAIL FROM`, with `BODY=8BITMIME` and `SMTPUTF8` when offered.
    pub fn mail(&mut self, from: &str) -> Result<(), SmtpError> {
        let start = Instant::now();
        let line = self.mail_line(from);
        let r = self.cmd(&line, &line, &[250]);
        self.record(
            Stage::Mail,
            start,
            &r,
            r.as_ref().map(Reply::text).unwrap_or_default(),
        );
        r.map(|_| ())
    }

    /// `RCPT TO` for each recipient.
    pub fn rcpt(&mut self, to: &[String]) -> Result<(), SmtpError> {
        let start = Instant::now();
        let mut r = Ok(String::new());
        for addr in to {
            let line = format!("RCPT TO:<{addr}>");
            match self.cmd(&line, &line, &[250, 251]) {
                Ok(reply) => r = Ok(reply.text()),
                Err(e) => {
                    r = Err(e);
                    break;
                }
            }
        }
        let detail = r.as_ref().cloned().unwrap_or_default();
        self.record(Stage::Rcpt, start, &r, detail);
        r.map(|_| ())
    }

    /// `DATA`, the dot-stuffed message, and the final reply.
    pub fn data(&mut self, message: &[u8]) -> Result<Reply, SmtpError> {
        let start = Instant::now();
        let r = (|| {
            self.cmd("DATA", "DATA", &[354])?;
            let stuffed = dot_stuff(message);
            let dir = self.sent_dir();
            self.push_line(Line {
                dir,
                text: format!("<message, {} bytes>", message.len()),
            });
            self.push_line(Line {
                dir,
                text: ".".into(),
            });
            self.write_raw(&stuffed)?;
            // Written to the end: from here the server may store it.
            self.body_in_flight = true;
            let reply = self.read_reply()?;
            self.body_in_flight = false;
            if reply.code == 250 {
                Ok(reply)
            } else {
                Err(SmtpError::Reply(reply))
            }
        })();
        self.record(
            Stage::Data,
            start,
            &r,
            r.as_ref().map(Reply::text).unwrap_or_default(),
        );
        r
    }

    /// `QUIT`; its errors are ignored, as in Kratos. Before the server's
    /// greeting there is nothing to say `QUIT` to: the connection is just
    /// closed.
    pub fn quit(&mut self) {
        if self.stream.is_none() {
            return;
        }
        let start = Instant::now();
        self.deadline = start + self.timeout.min(Duration::from_secs(2));
        if self.greeted {
            let r = self.cmd("QUIT", "QUIT", &[221]);
            self.record(
                Stage::Quit,
                start,
                &r,
                r.as_ref().map(Reply::text).unwrap_or_default(),
            );
        } else {
            self.info("no greeting read: closing without QUIT");
        }
        if let Some(mut stream) = self.stream.take() {
            stream.set_deadline(self.deadline);
            if let Stream::Tls(t) = &mut stream {
                t.conn.send_close_notify();
                let _ = t.flush();
            }
        }
    }
}

impl Session {
    /// Whether the connection is still there.
    #[must_use]
    pub fn is_open(&self) -> bool {
        self.stream.is_some()
    }

    /// Whether the server may be holding a message body that was written
    /// but not yet answered (a failure then may still have delivered it).
    #[must_use]
    pub fn body_in_flight(&self) -> bool {
        self.body_in_flight
    }

    /// Whether the last transaction failed before any reply came back as
    /// expected (on a kept connection: the server had dropped it idle).
    #[must_use]
    pub fn failed_at_first_reply(&self) -> bool {
        self.txn_ok == 0
    }

    /// Stops recording the transcript (a batch sends too many messages to
    /// keep one).
    pub fn stop_recording(&mut self) {
        self.recording = false;
        self.clear_transcript();
    }

    /// Closes the connection without `QUIT` (after a failure).
    pub fn drop_connection(&mut self) {
        self.stream = None;
        self.buf.clear();
    }

    /// One message on an open, authenticated session, as a batch sends it:
    /// `RSET` first when `rset` (the previous transaction's state is
    /// cleared), then `MAIL`, `RCPT` and `DATA` in one write when the
    /// server offers PIPELINING (RFC 2920: two round trips per message),
    /// one command at a time otherwise. Only the last transaction's
    /// transcript and stages are kept, so a long session does not grow.
    pub fn transaction(&mut self, built: &Built, rset: bool) -> Result<Reply, SmtpError> {
        self.clear_transcript();
        self.stages.clear();
        self.body_in_flight = false;
        self.txn_ok = 0;
        self.reset_deadline();
        self.check_envelope(&built.mail_from, &built.recipients)?;
        if !self.has_ext("PIPELINING") {
            if rset {
                self.cmd("RSET", "RSET", &[250])?;
                self.txn_ok += 1;
            }
            self.mail(&built.mail_from)?;
            self.txn_ok += 1;
            self.rcpt(&built.recipients)?;
            self.txn_ok += 1;
            return self.data(&built.bytes);
        }
        let start = Instant::now();
        let mut commands: Vec<(Stage, String, &[u16])> = Vec::new();
        if rset {
            commands.push((Stage::Mail, "RSET".to_owned(), &[250]));
        }
        commands.push((Stage::Mail, self.mail_line(&built.mail_from), &[250]));
        for addr in &built.recipients {
            commands.push((Stage::Rcpt, format!("RCPT TO:<{addr}>"), &[250, 251]));
        }
        commands.push((Stage::Data, "DATA".to_owned(), &[354]));
        let dir = self.sent_dir();
        let mut wire = String::new();
        for (_, line, _) in &commands {
            if self.recording {
                self.push_line(Line {
                    dir,
                    text: line.clone(),
                });
            }
            wire.push_str(line);
            wire.push_str("\r\n");
        }
        let r = self.pipelined(&commands, &wire, &built.bytes);
        let stage = match &r {
            Ok(_) => Stage::Data,
            Err((stage, _)) => *stage,
        };
        let r = r.map_err(|(_, e)| e);
        if r.is_err() && !matches!(r, Err(SmtpError::Reply(_))) {
            // Out of step with the server (or cut off): never reuse it.
            self.drop_connection();
        }
        self.record(
            stage,
            start,
            &r,
            r.as_ref().map(Reply::text).unwrap_or_default(),
        );
        r
    }

    fn pipelined(
        &mut self,
        commands: &[(Stage, String, &[u16])],
        wire: &str,
        message: &[u8],
    ) -> Result<Reply, (Stage, SmtpError)> {
        self.write_raw(wire.as_bytes())
            .map_err(|e| (Stage::Mail, e))?;
        let mut first_failure: Option<(Stage, Reply)> = None;
        let mut data_reply = None;
        for (stage, _, want) in commands {
            let reply = match self.read_reply() {
                Ok(r) => r,
                // A server that refused a command and hung up (421): its
                // refusal is the news. The session is out of step now.
                Err(e) => {
                    self.drop_connection();
                    return Err(match first_failure {
                        Some((s, r)) => (s, SmtpError::Reply(r)),
                        None => (*stage, e),
                    });
                }
            };
            if *stage == Stage::Data {
                data_reply = Some(reply);
            } else if !want.contains(&reply.code) && first_failure.is_none() {
                first_failure = Some((*stage, reply));
            } else if first_failure.is_none() {
                self.txn_ok += 1;
            }
        }
        let data_reply = data_reply.ok_or((Stage::Data, SmtpError::Closed))?;
        if data_reply.code != 354 {
            let (stage, reply) = first_failure.unwrap_or((Stage::Data, data_reply));
            return Err((stage, SmtpError::Reply(reply)));
        }
        if let Some((stage, reply)) = first_failure {
            // The server took DATA although a command failed. Ending it
            // with an empty message would deliver that to the recipients
            // it accepted (a Bcc, say): hang up instead, which discards it.
            self.drop_connection();
            return Err((stage, SmtpError::Reply(reply)));
        }
        let dir = self.sent_dir();
        self.push_line(Line {
            dir,
            text: format!("<message, {} bytes>", message.len()),
        });
        self.write_raw(&dot_stuff(message))
            .map_err(|e| (Stage::Data, e))?;
        // Written to the end: from here the server may store it.
        self.body_in_flight = true;
        let reply = self.read_reply().map_err(|e| (Stage::Data, e))?;
        self.body_in_flight = false;
        if reply.code == 250 {
            Ok(reply)
        } else {
            Err((Stage::Data, SmtpError::Reply(reply)))
        }
    }
}

/// CRLF line ends, leading dots doubled, and the final `.` line.
#[must_use]
pub fn dot_stuff(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + message.len() / 32 + 8);
    let mut rest = message;
    while !rest.is_empty() {
        let (line, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        if line.first() == Some(&b'.') {
            out.push(b'.');
        }
        // A bare LF becomes CRLF; an existing CRLF stays one.
        let line = match next {
            Some(_) => line.strip_suffix(b"\r").unwrap_or(line),
            None => line,
        };
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
        rest = next.unwrap_or_default();
    }
    out.extend_from_slice(b".\r\n");
    out
}

/// Sends a built message as Kratos does: dial, TLS, AUTH, `MAIL`, `RCPT`,
/// `DATA`, `QUIT`.
pub fn send(target: &Target, built: &Built) -> (Session, Result<Reply, SmtpError>) {
    let (mut s, r) = open(target, Stage::Auth);
    let result = r.and_then(|()| {
        s.reset_deadline();
        s.check_envelope(&built.mail_from, &built.recipients)?;
        s.mail(&built.mail_from)?;
        s.rcpt(&built.recipients)?;
        s.data(&built.bytes)
    });
    s.quit();
    (s, result)
}

/// What `courier test` does: dial up to `until` (at most AUTH), then
/// `MAIL FROM:<from>` and `RCPT TO:<to>` when `until` reaches them, and
/// `QUIT` — never `DATA`.
pub fn rehearse(
    target: &Target,
    until: Stage,
    from: &str,
    to: Option<&str>,
) -> (Session, Result<(), SmtpError>) {
    let (mut s, mut result) = open(target, until.min(Stage::Auth));
    if result.is_ok() && until >= Stage::Mail {
        s.reset_deadline();
        let to_list: Vec<String> = to.iter().map(|t| (*t).to_owned()).collect();
        result = s.check_envelope(from, &to_list).and_then(|()| s.mail(from));
        if result.is_ok()
            && until >= Stage::Rcpt
            && let Some(to) = to
        {
            result = s.rcpt(&[to.to_owned()]);
        }
    }
    s.quit();
    (s, result)
}

#[cfg(test)]
mod tests {
    use super::{dot_stuff, envelope_refusal};

    #[test]
    fn the_envelope_goes_as_written_or_not_at_all() {
        assert_eq!(envelope_refusal(["a@b.c", "\"x<y>\"@b.c"], false), None);
        assert_eq!(envelope_refusal(["jörg@b.c"], true), None);
        let refused = envelope_refusal(["a@b.c", "jörg@b.c"], false).unwrap();
        assert!(refused.contains("jörg@b.c is not ASCII"), "{refused}");
        assert!(refused.contains("SMTPUTF8"), "{refused}");
        assert_eq!(
            envelope_refusal(["a@b.c\r\nRCPT TO:<e@x>"], true).as_deref(),
            Some("smtp: A line must not contain CR or LF")
        );
    }

    #[test]
    fn dot_stuffing() {
        assert_eq!(dot_stuff(b"a\r\n.b\nc"), b"a\r\n..b\r\nc\r\n.\r\n".to_vec());
        assert_eq!(dot_stuff(b".x\r\n"), b"..x\r\n.\r\n".to_vec());
        assert_eq!(dot_stuff(b"a\rb\r"), b"a\rb\r\r\n.\r\n".to_vec());
        assert_eq!(dot_stuff(b""), b".\r\n".to_vec());
        assert_eq!(dot_stuff(b"\n\n."), b"\r\n\r\n..\r\n.\r\n".to_vec());
    }
}
