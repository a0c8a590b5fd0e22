//! GCRA (generic cell rate algorithm) rate-limit arithmetic on integer time.
//!
//! The platform keeps one `tat` (theoretical arrival time) per client and
//! route; this module only decides. With emission interval `T = period / limit`
//! (rounded up to whole microseconds, so rounding never admits extra) and
//! burst `B`, a request at `now` is admitted when `tat - now <= T·(B-1)`, and
//! then `tat = max(tat, now) + T`. Over any window of length `W` at most
//! `B + ⌊W / T⌋` requests are admitted.

use serde::{Deserialize, Serialize};

/// A limit: `limit` requests per `period_ms`, with bursts up to `burst`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gcra {
    emission_us: u64,
    tolerance_us: u64,
}

/// The decision for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    /// Admit; store `new_tat_us` for the client.
    Allow { new_tat_us: u64 },
    /// Refuse; the client may retry after `retry_after_ms` (rounded up; `Retry-After` takes seconds, rounded up).
    Deny { retry_after_ms: u64 },
}

impl Gcra {
    /// `None` when `limit`, `period_ms` or `burst` is zero.
    pub fn new(limit: u32, period_ms: u64, burst: u32) -> Option<Gcra> {
        if limit == 0 || period_ms == 0 || burst == 0 {
            return None;
        }
        let emission_us = period_ms.checked_mul(1000)?.div_ceil(u64::from(limit)).max(1);
        let tolerance_us = emission_us.checked_mul(u64::from(burst - 1))?;
        Some(Gcra { emission_us, tolerance_us })
    }

    pub fn emission_us(&self) -> u64 {
        self.emission_us
    }

    /// Decides for a request at `now_ms` given the stored `tat_us` (None for a new client).
    pub fn check(&self, tat_us: Option<u64>, now_ms: u64) -> Decision {
        let now = now_ms.saturating_mul(1000);
        let tat = tat_us.unwrap_or(now).max(now);
        if tat - now > self.tolerance_us {
            let wait_us = tat - now - self.tolerance_us;
            Decision::Deny { retry_after_ms: wait_us.div_ceil(1000) }
        } else {
            Decision::Allow { new_tat_us: tat.saturating_add(self.emission_us) }
        }
    }

    /// Requests a client could still make at once at `now_ms`, given its
    /// stored `tat_us` (for `RateLimit` headers).
    pub fn remaining(&self, tat_us: u64, now_ms: u64) -> u64 {
        let now = now_ms.saturating_mul(1000);
        let used = tat_us.saturating_sub(now);
        (self.tolerance_us + self.emission_us).saturating_sub(used) / self.emission_us
    }

    /// Burst size (requests admitted at once from idle).
    pub fn burst(&self) -> u64 {
        self.tolerance_us / self.emission_us + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_steady_rate() {
        let g = Gcra::new(10, 1000, 3).unwrap(); // 10/s, burst 3
        let mut tat = None;
        let mut admitted = 0;
        for _ in 0..5 {
            if let Decision::Allow { new_tat_us } = g.check(tat, 0) {
                tat = Some(new_tat_us);
                admitted += 1;
            }
        }
        assert_eq!(admitted, 3);
        assert_eq!(g.check(tat, 0), Decision::Deny { retry_after_ms: 100 });
        assert!(matches!(g.check(tat, 100), Decision::Allow { .. }));
        assert!(Gcra::new(0, 1000, 1).is_none() && Gcra::new(1, 1000, 0).is_none());
        assert_eq!(g.burst(), 3);
        assert_eq!(g.remaining(0, 0), 3, "idle: a full burst");
        assert_eq!(g.remaining(300_000, 0), 0, "after a burst of three at t=0");
        assert_eq!(g.remaining(300_000, 100), 1);
    }
}
