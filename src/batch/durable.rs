//! Which journal commits have returned. The driver hands a job out before
//! the commit that holds its claim has returned, so that the worker renders
//! the message meanwhile; the worker sends it only once that commit is on
//! disk, and never when the commit failed.

use std::sync::{Condvar, Mutex, PoisonError};

/// The commits done so far, shared by the driver and the workers.
#[derive(Default)]
pub struct Durable {
    state: Mutex<State>,
    returned: Condvar,
}

#[derive(Default)]
struct State {
    /// The number of the last commit that returned.
    done: u64,
    /// A commit failed: nothing claimed after the last good one may go.
    failed: bool,
}

impl Durable {
    /// Commit `seq` returned.
    pub fn publish(&self, seq: u64) {
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        s.done = s.done.max(seq);
        drop(s);
        self.returned.notify_all();
    }

    /// A commit failed: every waiting worker gives up its job.
    pub fn fail(&self) {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .failed = true;
        self.returned.notify_all();
    }

    /// Waits until commit `seq` has returned: false when a commit failed
    /// first (the job must not go out).
    pub fn wait(&self, seq: u64) -> bool {
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        while s.done < seq && !s.failed {
            s = self
                .returned
                .wait(s)
                .unwrap_or_else(PoisonError::into_inner);
        }
        s.done >= seq && !s.failed
    }
}

#[cfg(test)]
mod tests {
    use super::Durable;

    #[test]
    fn a_worker_waits_for_its_commit_and_gives_up_on_a_failure() {
        let d = Durable::default();
        d.publish(1);
        assert!(d.wait(1) && d.wait(0));
        std::thread::scope(|s| {
            let waiter = s.spawn(|| d.wait(3));
            d.publish(2);
            d.publish(3);
            assert!(waiter.join().unwrap());
            let waiter = s.spawn(|| d.wait(4));
            d.fail();
            assert!(!waiter.join().unwrap(), "a failed commit sends nothing");
        });
        assert!(!d.wait(3), "nothing goes out after a failure");
    }
}
