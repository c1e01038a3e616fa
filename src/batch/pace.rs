//! Pacing a batch: the `--rate` limit shared by every worker (a token
//! bucket holding one token, so sends are evenly spaced), and the
//! exponential backoff with jitter between attempts of one message.

use std::time::{Duration, Instant};

/// A rate such as `50/s`, `600/m` or `3600/h` (a bare number is per second).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub per_second: f64,
}

impl std::str::FromStr for Rate {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (n, unit) = s.split_once('/').unwrap_or((s, "s"));
        let n: f64 = n
            .trim()
            .parse()
            .map_err(|_| format!("{s:?} is not a rate: give N/s, N/m or N/h (e.g. 50/s)"))?;
        let secs = match unit.trim() {
            "s" | "sec" | "second" => 1.0,
            "m" | "min" | "minute" => 60.0,
            "h" | "hour" => 3600.0,
            other => {
                return Err(format!("unknown rate unit {other:?}: give N/s, N/m or N/h"));
            }
        };
        if !(n.is_finite() && n > 0.0) {
            return Err(format!("{s:?}: the rate must be above zero"));
        }
        Ok(Rate {
            per_second: n / secs,
        })
    }
}

/// Spaces sends `1/rate` apart across all workers: the driver claims a
/// message only in a free slot.
pub struct Limiter {
    interval: Duration,
    next: Option<Instant>,
}

impl Limiter {
    #[must_use]
    pub fn new(rate: Rate) -> Self {
        Self {
            interval: Duration::from_secs_f64(1.0 / rate.per_second),
            next: None,
        }
    }

    /// When the next slot is free; `None` before the first.
    #[must_use]
    pub fn next_slot(&self) -> Option<Instant> {
        self.next
    }

    /// Whether a slot is free at `now`.
    #[must_use]
    pub fn free(&self, now: Instant) -> bool {
        self.next.is_none_or(|n| n <= now)
    }

    /// Takes the slot that is free at `now`. A slot taken a little late
    /// keeps the schedule (the rate does not drift down with the driver's
    /// latency); one missed by a whole interval or more is not saved up,
    /// so sends never bunch.
    pub fn take(&mut self, now: Instant) {
        let base = match self.next {
            Some(n) if now < n + self.interval => n,
            _ => now,
        };
        self.next = Some(base + self.interval);
    }
}

/// The delay before attempt `attempt + 1` after `attempt` failed:
/// `base × 2^(attempt-1)`, capped at 60 s, with ±50 % jitter.
#[must_use]
pub fn backoff(base: Duration, attempt: u32, jitter: f64) -> Duration {
    let exp = 2f64.powi(i32::try_from(attempt.saturating_sub(1).min(30)).unwrap_or(30));
    let d = (base.as_secs_f64() * exp).min(60.0);
    Duration::from_secs_f64(d * (0.5 + jitter.clamp(0.0, 1.0)))
}

/// A cheap pseudo-random number in [0, 1) for jitter (xorshift seeded
/// from the clock; not for anything secret).
pub struct Jitter(u64);

impl Default for Jitter {
    fn default() -> Self {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x9e37_79b9, |d| d.as_nanos() as u64);
        Self(seed | 1)
    }
}

impl Jitter {
    pub fn sample(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::{Jitter, Limiter, Rate, backoff};
    use std::time::{Duration, Instant};

    #[test]
    fn rates() {
        assert_eq!("50/s".parse::<Rate>().unwrap().per_second, 50.0);
        assert_eq!("120/m".parse::<Rate>().unwrap().per_second, 2.0);
        assert_eq!("7".parse::<Rate>().unwrap().per_second, 7.0);
        assert!("0/s".parse::<Rate>().is_err());
        assert!("5/week".parse::<Rate>().unwrap_err().contains("unit"));
    }

    #[test]
    fn slots_are_spaced_and_never_saved_up() {
        let mut l = Limiter::new("10/s".parse().unwrap());
        let t0 = Instant::now();
        assert!(
            l.free(t0) && l.next_slot().is_none(),
            "the first slot is free"
        );
        l.take(t0);
        assert_eq!(l.next_slot(), Some(t0 + Duration::from_millis(100)));
        assert!(!l.free(t0 + Duration::from_millis(99)));
        assert!(l.free(t0 + Duration::from_millis(100)));
        // Taken a little late: the schedule holds.
        l.take(t0 + Duration::from_millis(130));
        assert_eq!(l.next_slot(), Some(t0 + Duration::from_millis(200)));
        // Taken a whole interval late or more: nothing is saved up.
        let late = t0 + Duration::from_secs(5);
        l.take(late);
        assert_eq!(l.next_slot(), Some(late + Duration::from_millis(100)));
    }

    #[test]
    fn backoff_doubles_with_jitter_and_a_cap() {
        let b = Duration::from_secs(1);
        assert_eq!(backoff(b, 1, 0.5), Duration::from_secs(1));
        assert_eq!(backoff(b, 3, 0.5), Duration::from_secs(4));
        assert_eq!(backoff(b, 3, 0.0), Duration::from_secs(2));
        assert_eq!(backoff(b, 40, 0.5), Duration::from_secs(60));
        let mut j = Jitter::default();
        assert!(
            (0..1000)
                .map(|_| j.sample())
                .all(|x| (0.0..1.0).contains(&x))
        );
    }
}
