//! Ctrl-C for batches: the first interrupt asks the batch to stop taking
//! rows and wind down (in-flight messages finish and are recorded); a
//! second one exits at once with 130. The only `ctrlc` user.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

/// Set once the user pressed Ctrl-C (or the batch must stop for another
/// reason).
#[derive(Clone, Default)]
pub struct Stop(Arc<AtomicBool>);

impl Stop {
    #[must_use]
    pub fn requested(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    pub fn request(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Routes SIGINT/SIGTERM to `stop`. Only the first call installs a
/// handler (the process has one); later calls return false.
pub fn install(stop: &Stop) -> bool {
    static PRESSED: AtomicU8 = AtomicU8::new(0);
    let flag = stop.clone();
    ctrlc::set_handler(move || {
        if PRESSED.fetch_add(1, Ordering::SeqCst) >= 1 {
            std::process::exit(130);
        }
        flag.request();
    })
    .is_ok()
}
