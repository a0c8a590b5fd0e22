//! Per-client rate limiting with the core's GCRA.
//!
//! Limits are per route group, from `RATE_LIMITS`
//! (`group=limit/period_s[:burst],...`; groups: `default`, `start`,
//! `set_cup_location`, `set_ball_location`, `get_hole_advice`, `session_read`,
//! `admin`). The client is the socket's peer address, unless
//! `TRUSTED_PROXY_HEADER` names a header a trusted proxy sets (for
//! `x-forwarded-for`, the right-most entry: the one that proxy appended).
//! The key table holds at most `RATE_LIMIT_MAX_CLIENTS` entries; entries whose
//! theoretical arrival time has passed carry no state (the client is back to
//! a full burst) and are dropped first; when the table is still full new
//! clients are admitted without tracking (fail open, counted and logged).

use greenside_core::gcra::{Decision, Gcra};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

pub use greenside_core::ratelimit::{DEFAULT_RATE_LIMITS as DEFAULT_LIMITS, Limit};

/// Parses `RATE_LIMITS` (core's parser; the edge worker uses the same).
pub fn parse_limits(spec: &str) -> Result<HashMap<&'static str, Limit>, String> {
    greenside_core::ratelimit::parse_rate_limits(spec).map(|m| m.into_iter().collect())
}

/// What the limiter decided, with the numbers for the headers.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub allowed: bool,
    pub limit: Limit,
    pub remaining: u64,
    pub retry_after_ms: u64,
}

#[derive(Debug)]
pub struct Limiter {
    limits: HashMap<&'static str, Limit>,
    table: Mutex<HashMap<(&'static str, String), u64>>,
    max_clients: usize,
    pub untracked: AtomicU64,
}

impl Limiter {
    pub fn new(limits: HashMap<&'static str, Limit>, max_clients: usize) -> Limiter {
        Limiter { limits, table: Mutex::new(HashMap::new()), max_clients, untracked: AtomicU64::new(0) }
    }

    pub fn limit_for(&self, group: &'static str) -> &Limit {
        self.limits.get(group).or_else(|| self.limits.get("default")).unwrap_or_else(|| unreachable_default())
    }

    pub fn check(&self, group: &'static str, client: &str, now_ms: u64) -> Verdict {
        let limit = self.limit_for(group).clone();
        let mut t = self.table.lock().unwrap_or_else(|p| p.into_inner());
        let key = (group, client.to_string());
        if !t.contains_key(&key) && t.len() >= self.max_clients {
            let now_us = now_ms.saturating_mul(1000);
            t.retain(|_, tat| *tat > now_us);
            if t.len() >= self.max_clients {
                drop(t);
                if self.untracked.fetch_add(1, Ordering::Relaxed) % 1000 == 0 {
                    tracing::warn!(max = self.max_clients, "rate-limit table full; admitting new clients untracked");
                }
                return Verdict { allowed: true, remaining: limit.gcra.burst(), retry_after_ms: 0, limit };
            }
        }
        let tat = t.get(&key).copied();
        match limit.gcra.check(tat, now_ms) {
            Decision::Allow { new_tat_us } => {
                t.insert(key, new_tat_us);
                Verdict { allowed: true, remaining: limit.gcra.remaining(new_tat_us, now_ms), retry_after_ms: 0, limit }
            }
            Decision::Deny { retry_after_ms } => Verdict { allowed: false, remaining: 0, retry_after_ms, limit },
        }
    }

    pub fn clients(&self) -> usize {
        self.table.lock().map(|t| t.len()).unwrap_or(0)
    }
}

#[cold]
fn unreachable_default() -> &'static Limit {
    // parse_limits always inserts `default`; keep a safe limit if it ever does not.
    static FALLBACK: std::sync::OnceLock<Limit> = std::sync::OnceLock::new();
    FALLBACK.get_or_init(|| {
        let gcra = Gcra::new(600, 60_000, 100).unwrap_or_else(|| unreachable!("constant limits are valid"));
        Limit { limit: 600, period_ms: 60_000, burst: 100, gcra }
    })
}

/// The client's identity: the trusted proxy header when configured, else the peer address.
pub fn client_of(headers: &axum::http::HeaderMap, trusted: Option<&str>, peer: Option<std::net::SocketAddr>) -> String {
    if let Some(h) = trusted {
        if let Some(v) = headers.get(h).and_then(|v| v.to_str().ok()) {
            let last = v.rsplit(',').next().unwrap_or("").trim();
            if !last.is_empty() && last.len() <= 64 {
                return last.to_string();
            }
        }
    }
    peer.map(|p| p.ip().to_string()).unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_are_limited_separately_and_the_table_is_bounded() {
        let lim = Limiter::new(parse_limits("start=2/1:2").unwrap(), 3);
        assert!(lim.check("start", "a", 0).allowed);
        assert!(lim.check("start", "a", 0).allowed);
        let v = lim.check("start", "a", 0);
        assert!(!v.allowed && v.retry_after_ms == 500);
        assert!(lim.check("start", "b", 0).allowed, "another client is unaffected");
        lim.check("start", "c", 0);
        assert_eq!(lim.clients(), 3);
        assert!(lim.check("start", "d", 0).allowed, "full table fails open");
        assert_eq!(lim.clients(), 3);
        // Later, idle entries are dropped to make room.
        assert!(lim.check("start", "e", 10_000).allowed);
        assert_eq!(lim.clients(), 1);
    }

    #[test]
    fn the_client_is_the_peer_unless_a_proxy_is_trusted() {
        let mut h = axum::http::HeaderMap::new();
        h.insert("x-forwarded-for", "1.2.3.4, 10.0.0.9".parse().unwrap());
        let peer = Some("127.0.0.1:5000".parse().unwrap());
        assert_eq!(client_of(&h, None, peer), "127.0.0.1");
        assert_eq!(client_of(&h, Some("x-forwarded-for"), peer), "10.0.0.9");
    }
}
