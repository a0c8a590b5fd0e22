//! The descriptor budget: how many connections and requests in flight the
//! process can hold without running out of file descriptors.
//!
//! ```text
//! descriptor limit (RLIMIT_NOFILE, soft)      e.g. 256
//!   − reserve (stdio, the listener, the log, SQLite's three files,
//!     Redis connections, bundle writes)       64
//!   = budget                                  192
//!     connections:  ¾ of it (at most HTTP_MAX_CONNECTIONS)          144
//!     in flight:    the rest (at most HTTP_MAX_IN_FLIGHT): each may
//!                   hold one more socket, to the putt solver or planner  48
//! ```

/// Descriptors kept for what is not a client connection.
pub const RESERVE: u64 = 64;

/// The smallest budget a server starts with (a limit below `RESERVE + 8`
/// still serves, a few connections at a time).
const MIN_BUDGET: u64 = 8;

/// What the server may hold at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// The process's descriptor limit, when it could be read.
    pub descriptors: Option<u64>,
    /// Client connections served at once.
    pub connections: usize,
    /// API requests in flight; more are shed with 503 `overloaded`.
    pub in_flight: usize,
    /// Connections one client may hold (0: no limit of its own).
    pub per_client: usize,
}

impl Budget {
    /// The budget under `descriptors` for the configured maxima (which it
    /// only ever lowers).
    pub fn new(descriptors: Option<u64>, max_connections: usize, max_in_flight: usize, per_client: usize) -> Budget {
        let (connections, in_flight) = match descriptors {
            None => (max_connections, max_in_flight),
            Some(fds) => {
                let budget = fds.saturating_sub(RESERVE).max(MIN_BUDGET);
                let connections = usize::try_from(budget * 3 / 4).unwrap_or(usize::MAX).min(max_connections).max(1);
                let rest = usize::try_from(budget).unwrap_or(usize::MAX).saturating_sub(connections).max(1);
                (connections, rest.min(max_in_flight))
            }
        };
        Budget { descriptors, connections, in_flight, per_client: per_client.min(connections) }
    }
}

/// The soft limit on open files (`Max open files` of `/proc/self/limits`);
/// `None` off Linux or when unlimited.
pub fn descriptor_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    parse_limit(&limits)
}

fn parse_limit(limits: &str) -> Option<u64> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line["Max open files".len()..].split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_is_read_from_proc() {
        let text = "Limit                     Soft Limit           Hard Limit           Units     \n\
                    Max cpu time              unlimited            unlimited            seconds   \n\
                    Max open files            256                  524288               files     \n";
        assert_eq!(parse_limit(text), Some(256));
        assert_eq!(parse_limit("Max open files            unlimited            unlimited            files"), None);
        #[cfg(target_os = "linux")]
        assert!(descriptor_limit().is_some_and(|n| n > 0));
    }

    #[test]
    fn the_budget_stays_under_the_limit() {
        let b = Budget::new(Some(256), 1024, 512, 64);
        assert_eq!((b.connections, b.in_flight, b.per_client), (144, 48, 64));
        assert!(b.connections as u64 + b.in_flight as u64 + RESERVE <= 256);
        // The settings only ever lower it.
        assert_eq!(Budget::new(Some(1_048_576), 1024, 512, 0).connections, 1024);
        assert_eq!(Budget::new(Some(1_048_576), 1024, 512, 0).in_flight, 512);
        assert_eq!(Budget::new(None, 1024, 512, 2000).per_client, 1024);
        // A tiny limit still serves.
        let tiny = Budget::new(Some(20), 1024, 512, 0);
        assert!(tiny.connections >= 1 && tiny.in_flight >= 1);
    }
}
