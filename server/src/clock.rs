//! Time for the core. Production reads the system clock; with
//! `GREENSIDE_TEST_CLOCK=1` a request may set the time with the
//! `x-greenside-now-ms` header (the shared vectors drive time this way), and
//! the memory store's sweeper follows the latest time seen.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The header a test clock reads.
pub const TEST_NOW_HEADER: &str = "x-greenside-now-ms";

#[derive(Debug, Default)]
pub struct Clock {
    test: bool,
    latest_test_ms: AtomicU64,
}

pub fn system_now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

impl Clock {
    pub fn new(test: bool) -> Clock {
        Clock { test, latest_test_ms: AtomicU64::new(0) }
    }

    pub fn is_test(&self) -> bool {
        self.test
    }

    /// The time for a request carrying `header` (the test header's value, if any).
    pub fn now_for(&self, header: Option<&str>) -> u64 {
        if self.test {
            if let Some(ms) = header.and_then(|h| h.trim().parse::<u64>().ok()) {
                self.latest_test_ms.fetch_max(ms, Ordering::Relaxed);
                return ms;
            }
            return self.latest_test_ms.load(Ordering::Relaxed);
        }
        system_now_ms()
    }

    /// The time for background work (the sweeper).
    pub fn now(&self) -> u64 {
        if self.test { self.latest_test_ms.load(Ordering::Relaxed) } else { system_now_ms() }
    }
}
