//! A deadline one thread sets and another watches by polling, so that
//! setting and clearing it cost no system call and wake no thread: the
//! evaluations it times are far longer than the polling period.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How often a watchdog looks at its deadline.
pub const POLL: Duration = Duration::from_millis(10);

/// Nanoseconds since `origin` at which time is up; 0 while none is set.
#[derive(Debug)]
pub struct Deadline {
    origin: Instant,
    at: AtomicU64,
}

impl Default for Deadline {
    fn default() -> Self {
        Self {
            origin: Instant::now(),
            at: AtomicU64::new(0),
        }
    }
}

impl Deadline {
    fn now(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// Time is up `limit` from now.
    pub fn set(&self, limit: Duration) {
        let limit = u64::try_from(limit.as_nanos()).unwrap_or(u64::MAX);
        let at = self.now().saturating_add(limit).max(1);
        self.at.store(at, Ordering::SeqCst);
    }

    /// No deadline (the work finished).
    pub fn clear(&self) {
        self.at.store(0, Ordering::SeqCst);
    }

    /// Whether a deadline is set and has passed.
    #[must_use]
    pub fn passed(&self) -> bool {
        let at = self.at.load(Ordering::SeqCst);
        at != 0 && self.now() > at
    }
}

#[cfg(test)]
mod tests {
    use super::Deadline;
    use std::time::Duration;

    #[test]
    fn passes_only_when_set_and_due() {
        let d = Deadline::default();
        assert!(!d.passed());
        d.set(Duration::from_millis(5));
        assert!(!d.passed());
        std::thread::sleep(Duration::from_millis(10));
        assert!(d.passed());
        d.clear();
        assert!(!d.passed());
    }
}
