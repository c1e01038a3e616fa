//! The state of a queue at a glance: how many messages are in each state,
//! how long the oldest queued one has waited (queue lag), and which have
//! been `processing` for longer than a threshold (stuck after a worker
//! crash: Kratos never takes them back).

use std::time::Duration;

use serde::Serialize;

use super::model::Message;

/// Counts and ages of the messages seen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub queued: u64,
    pub processing: u64,
    pub sent: u64,
    pub abandoned: u64,
    /// Seconds the oldest queued message has waited.
    pub oldest_queued_age_s: Option<u64>,
    /// The messages `processing` for longer than the threshold.
    pub stuck: Vec<String>,
    /// The threshold, in seconds.
    pub stuck_after_s: u64,
}

impl Summary {
    /// A summary that flags `processing` messages older than `stuck_after`.
    #[must_use]
    pub fn new(stuck_after: Duration) -> Self {
        Self {
            stuck_after_s: stuck_after.as_secs(),
            ..Self::default()
        }
    }

    /// Counts `m`, judged at `now` (Unix seconds). Kratos does not touch
    /// `updated_at` when it claims a message, so the age of a
    /// `processing` message is counted from its last update.
    pub fn add(&mut self, m: &Message, now: i64) {
        let age = |t: &str| parse_time(t).map(|t| u64::try_from(now - t).unwrap_or(0));
        match m.status.as_str() {
            "queued" => {
                self.queued += 1;
                if let Some(a) = age(&m.created_at) {
                    self.oldest_queued_age_s =
                        Some(self.oldest_queued_age_s.map_or(a, |o| o.max(a)));
                }
            }
            "processing" => {
                self.processing += 1;
                if age(&m.updated_at).is_some_and(|a| a > self.stuck_after_s) {
                    self.stuck.push(m.id.clone());
                }
            }
            "sent" => self.sent += 1,
            "abandoned" => self.abandoned += 1,
            _ => {}
        }
    }

    /// All messages counted.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.queued + self.processing + self.sent + self.abandoned
    }
}

/// An RFC 3339 time as Kratos writes it (`2026-11-30T13:34:04.123456Z`,
/// or with an offset) as Unix seconds.
#[must_use]
pub fn parse_time(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let mut rest = &text[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        o if o.len() == 6 && matches!(o.as_bytes()[0], b'+' | b'-') && o.as_bytes()[3] == b':' => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            sign * (o[1..3].parse::<i64>().ok()? * 3600 + o[4..6].parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    Some(crate::calendar::days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - offset)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{Summary, parse_time};
    use crate::queue::model::Message;

    #[test]
    fn times_as_kratos_writes_them() {
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_time("2026-11-30T13:34:04.123456Z"),
            Some(1_796_045_644)
        );
        assert_eq!(parse_time("2026-11-30T14:34:04+01:00"), Some(1_796_045_644));
        assert_eq!(parse_time("2000-02-29T00:00:00Z"), Some(951_782_400));
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time("2026-13-01T00:00:00Z"), None);
    }

    #[test]
    fn lag_and_stuck_messages() {
        let msg = |id: &str, status: &str, at: &str| Message {
            id: id.into(),
            status: status.into(),
            kind: "email".into(),
            channel: None,
            recipient: "a@b.c".into(),
            subject: String::new(),
            body: String::new(),
            template_type: "stub".into(),
            send_count: 0,
            dispatches: None,
            created_at: at.into(),
            updated_at: at.into(),
        };
        let now = parse_time("2026-01-01T01:00:00Z").unwrap();
        let mut s = Summary::new(Duration::from_secs(600));
        s.add(&msg("q1", "queued", "2026-01-01T00:30:00Z"), now);
        s.add(&msg("q2", "queued", "2026-01-01T00:59:00Z"), now);
        s.add(&msg("p1", "processing", "2026-01-01T00:00:00Z"), now);
        s.add(&msg("p2", "processing", "2026-01-01T00:55:00Z"), now);
        s.add(&msg("s", "sent", "2026-01-01T00:00:00Z"), now);
        assert_eq!((s.queued, s.processing, s.sent, s.abandoned), (2, 2, 1, 0));
        assert_eq!(s.oldest_queued_age_s, Some(1800));
        assert_eq!(s.stuck, ["p1"]);
        assert_eq!(s.total(), 5);
    }
}
