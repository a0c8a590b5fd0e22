//! The metric families of `/metrics`: one table of names, kinds and help
//! texts for both platforms. The native server registers each with
//! prometheus-client under the `greenside` prefix; the edge worker writes
//! the families marked `edge` itself from its counting objects. Either way
//! a scraper sees the same names and the same help on both.

/// How a family is exposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    Counter,
    Gauge,
    Histogram,
}

/// One metric family: `greenside_{name}` (counters add `_total` to each series).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Family {
    /// Without the `greenside_` prefix, as prometheus-client registers it.
    pub name: &'static str,
    /// Without the final full stop OpenMetrics adds.
    pub help: &'static str,
    pub kind: MetricKind,
    /// Also exposed by the edge worker (the rest are native only: latency
    /// histograms and the session store's own).
    pub edge: bool,
}

/// Every family's name starts with this and `_`.
pub const PREFIX: &str = "greenside";

const fn family(name: &'static str, help: &'static str, kind: MetricKind, edge: bool) -> Family {
    Family { name, help, kind, edge }
}

use MetricKind::{Counter, Gauge, Histogram};

pub const HTTP_REQUESTS: Family = family("http_requests", "HTTP requests by route, method and status", Counter, true);
pub const ERRORS: Family = family("errors", "Error answers by code", Counter, true);
pub const SURFACE_TRANSITIONS: Family =
    family("surface_transitions", "Committed surface-state switches, by target state", Counter, true);
pub const SUPPRESSED_FLICKERS: Family =
    family("suppressed_flickers", "Pending switches cancelled by an agreeing fix", Counter, true);
pub const BALL_FIXES: Family = family("ball_fixes", "Ball fixes applied", Counter, true);
pub const DUPLICATE_BALL_FIXES: Family =
    family("duplicate_ball_fixes", "Ball fixes acknowledged as duplicates (seq already accepted)", Counter, true);
pub const ADVICE_CALLS: Family =
    family("advice_calls", "Advice calls by service and outcome (ok or the failure's code)", Counter, true);
pub const DOWNSTREAM_ERRORS: Family =
    family("downstream_errors", "Downstream failures by service and code", Counter, true);
pub const RATE_LIMITED_REQUESTS: Family =
    family("rate_limited_requests", "Requests refused by the rate limiter", Counter, true);
pub const ACTIVE_SESSIONS: Family = family("active_sessions", "Sessions in the store (scraped)", Gauge, true);
pub const HTTP_REQUEST_DURATION: Family =
    family("http_request_duration_seconds", "HTTP request latency by route", Histogram, false);
pub const DOWNSTREAM_DURATION: Family =
    family("downstream_duration_seconds", "Downstream call latency by service", Histogram, false);
pub const STORE_DURATION: Family =
    family("store_duration_seconds", "Session store latency by operation", Histogram, false);
pub const STORE_ERRORS: Family = family("store_errors", "Session store failures by operation", Counter, false);

pub const SHED_REQUESTS: Family =
    family("shed_requests", "API requests refused with 503 overloaded (bound in flight reached)", Counter, false);
pub const CONNECTIONS_OPEN: Family =
    family("connections_open", "Client connections being served (scraped)", Gauge, false);
pub const CONNECTIONS_EVICTED: Family = family(
    "connections_evicted",
    "Connections without a request in progress closed under pressure (shrunk timeouts, a client waiting at the cap)",
    Counter,
    false,
);
pub const CONNECTIONS_REFUSED: Family =
    family("connections_refused", "Connections closed at once: the client held its share", Counter, false);

/// Every family, in the order the edge worker writes its own.
pub const FAMILIES: &[Family] = &[
    HTTP_REQUESTS,
    ERRORS,
    SURFACE_TRANSITIONS,
    SUPPRESSED_FLICKERS,
    BALL_FIXES,
    DUPLICATE_BALL_FIXES,
    ADVICE_CALLS,
    DOWNSTREAM_ERRORS,
    RATE_LIMITED_REQUESTS,
    ACTIVE_SESSIONS,
    HTTP_REQUEST_DURATION,
    DOWNSTREAM_DURATION,
    STORE_DURATION,
    STORE_ERRORS,
    SHED_REQUESTS,
    CONNECTIONS_OPEN,
    CONNECTIONS_EVICTED,
    CONNECTIONS_REFUSED,
];

/// The `method` label of a request: the method's name for the nine of RFC
/// 9110 and PATCH, `OTHER` for anything else (the label set stays bounded
/// whatever a client sends).
pub fn method_label(method: &str) -> &'static str {
    const KNOWN: [&str; 9] = ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE", "CONNECT"];
    KNOWN.iter().find(|m| **m == method).copied().unwrap_or("OTHER")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_labels_are_bounded() {
        assert_eq!(method_label("GET"), "GET");
        assert_eq!(method_label("QUERY"), "OTHER");
        assert_eq!(method_label("get"), "OTHER", "methods are case-sensitive (RFC 9110)");
    }

    #[test]
    fn names_are_unique_and_well_formed() {
        for (i, f) in FAMILIES.iter().enumerate() {
            assert!(f.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{}", f.name);
            assert!(!f.name.ends_with("_total") && !f.help.ends_with('.'), "{}", f.name);
            assert!(FAMILIES[..i].iter().all(|g| g.name != f.name), "{} twice", f.name);
        }
        // The edge writes counters and the one gauge; histograms are native only.
        assert!(FAMILIES.iter().filter(|f| f.edge).all(|f| f.kind != Histogram));
    }
}
