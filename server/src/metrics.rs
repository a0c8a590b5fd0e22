//! `GET /metrics`: Prometheus text format, through `prometheus-client`.
//!
//! requests by route/method/status, request latency by route, active sessions,
//! surface transitions and suppressed flickers, fixes and duplicate fixes,
//! downstream latency and errors by service and code, advice calls by
//! service and outcome, error answers by code, store latency and errors by
//! operation, rate-limited requests. The edge worker reports the same
//! counters (`worker/src/metrics.rs`).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::time::Duration;

// Labels on the request path are `&'static str`, so recording a request
// allocates nothing: routes are interned once (`route_label`), methods and
// store operations are literals.

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    pub route: &'static str,
    pub method: &'static str,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ToLabels {
    pub to: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ServiceLabels {
    pub service: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ServiceCodeLabels {
    pub service: String,
    pub code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CodeLabels {
    pub code: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub service: String,
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OpLabels {
    pub op: &'static str,
}

/// A route template (axum's matched path) as a `&'static str` label. The
/// templates are the router's own, a fixed set of a few dozen, so each is
/// leaked once and the set never grows with traffic; a request that matched
/// no route is `<unmatched>`.
pub fn route_label(template: Option<&str>) -> &'static str {
    use std::sync::RwLock;
    static ROUTES: RwLock<Vec<&'static str>> = RwLock::new(Vec::new());
    let Some(t) = template else { return "<unmatched>" };
    let known = |v: &[&'static str]| v.iter().copied().find(|r| *r == t);
    if let Some(r) = known(&ROUTES.read().unwrap_or_else(|p| p.into_inner())) {
        return r;
    }
    let mut w = ROUTES.write().unwrap_or_else(|p| p.into_inner());
    if let Some(r) = known(&w) {
        return r;
    }
    let r: &'static str = Box::leak(t.to_owned().into_boxed_str());
    w.push(r);
    r
}

/// The method as a label: the standard ones by name, anything else `OTHER`
/// (a client cannot grow the label set by inventing methods).
pub fn method_label(m: &axum::http::Method) -> &'static str {
    greenside_core::metrics::method_label(m.as_str())
}

fn latency_histogram() -> Histogram {
    // 0.25 ms .. ~8 s
    Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
}

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub requests: Family<HttpLabels, Counter>,
    pub request_seconds: Family<RouteLabels, Histogram, fn() -> Histogram>,
    pub active_sessions: Gauge,
    pub transitions: Family<ToLabels, Counter>,
    pub suppressed_flickers: Counter,
    pub fixes: Counter,
    pub duplicate_fixes: Counter,
    pub downstream_seconds: Family<ServiceLabels, Histogram, fn() -> Histogram>,
    pub downstream_errors: Family<ServiceCodeLabels, Counter>,
    pub advice_calls: Family<OutcomeLabels, Counter>,
    pub errors: Family<CodeLabels, Counter>,
    pub store_seconds: Family<OpLabels, Histogram, fn() -> Histogram>,
    pub store_errors: Family<OpLabels, Counter>,
    pub rate_limited: Counter,
    pub shed: Counter,
    pub connections_open: Gauge,
    /// Counted by the accept loop (`listen::conns::Conns` holds clones).
    pub connections_evicted: Counter,
    pub connections_refused: Counter,
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix(greenside_core::metrics::PREFIX);
        let m = Metrics {
            requests: Family::default(),
            request_seconds: Family::new_with_constructor(latency_histogram),
            active_sessions: Gauge::default(),
            transitions: Family::default(),
            suppressed_flickers: Counter::default(),
            fixes: Counter::default(),
            duplicate_fixes: Counter::default(),
            downstream_seconds: Family::new_with_constructor(latency_histogram),
            downstream_errors: Family::default(),
            advice_calls: Family::default(),
            errors: Family::default(),
            store_seconds: Family::new_with_constructor(latency_histogram),
            store_errors: Family::default(),
            rate_limited: Counter::default(),
            shed: Counter::default(),
            connections_open: Gauge::default(),
            connections_evicted: Counter::default(),
            connections_refused: Counter::default(),
            registry: Registry::default(),
        };
        // Names and help from core's table, as the edge worker writes them.
        use greenside_core::metrics as f;
        registry.register(f::HTTP_REQUESTS.name, f::HTTP_REQUESTS.help, m.requests.clone());
        registry.register(f::HTTP_REQUEST_DURATION.name, f::HTTP_REQUEST_DURATION.help, m.request_seconds.clone());
        registry.register(f::ACTIVE_SESSIONS.name, f::ACTIVE_SESSIONS.help, m.active_sessions.clone());
        registry.register(f::SURFACE_TRANSITIONS.name, f::SURFACE_TRANSITIONS.help, m.transitions.clone());
        registry.register(f::SUPPRESSED_FLICKERS.name, f::SUPPRESSED_FLICKERS.help, m.suppressed_flickers.clone());
        registry.register(f::BALL_FIXES.name, f::BALL_FIXES.help, m.fixes.clone());
        registry.register(f::DUPLICATE_BALL_FIXES.name, f::DUPLICATE_BALL_FIXES.help, m.duplicate_fixes.clone());
        registry.register(f::DOWNSTREAM_DURATION.name, f::DOWNSTREAM_DURATION.help, m.downstream_seconds.clone());
        registry.register(f::DOWNSTREAM_ERRORS.name, f::DOWNSTREAM_ERRORS.help, m.downstream_errors.clone());
        registry.register(f::ADVICE_CALLS.name, f::ADVICE_CALLS.help, m.advice_calls.clone());
        registry.register(f::ERRORS.name, f::ERRORS.help, m.errors.clone());
        registry.register(f::STORE_DURATION.name, f::STORE_DURATION.help, m.store_seconds.clone());
        registry.register(f::STORE_ERRORS.name, f::STORE_ERRORS.help, m.store_errors.clone());
        registry.register(f::RATE_LIMITED_REQUESTS.name, f::RATE_LIMITED_REQUESTS.help, m.rate_limited.clone());
        registry.register(f::SHED_REQUESTS.name, f::SHED_REQUESTS.help, m.shed.clone());
        registry.register(f::CONNECTIONS_OPEN.name, f::CONNECTIONS_OPEN.help, m.connections_open.clone());
        registry.register(f::CONNECTIONS_EVICTED.name, f::CONNECTIONS_EVICTED.help, m.connections_evicted.clone());
        registry.register(f::CONNECTIONS_REFUSED.name, f::CONNECTIONS_REFUSED.help, m.connections_refused.clone());
        Metrics { registry, ..m }
    }

    pub fn observe_store(&self, op: &'static str, took: Duration, ok: bool) {
        let l = OpLabels { op };
        self.store_seconds.get_or_create(&l).observe(took.as_secs_f64());
        if !ok {
            self.store_errors.get_or_create(&l).inc();
        }
    }

    /// Counts what one session operation did (core's events).
    pub fn count(&self, e: &greenside_core::operation::Events) {
        let add = |c: &Counter, n: u32| {
            if n > 0 {
                c.inc_by(u64::from(n));
            }
        };
        add(&self.fixes, e.fixes);
        add(&self.duplicate_fixes, e.duplicate_fixes);
        add(&self.suppressed_flickers, e.suppressed_flickers);
        for (to, n) in e.transitions() {
            self.transitions.get_or_create(&ToLabels { to: to.as_str() }).inc_by(u64::from(n));
        }
    }

    /// Counts a downstream call: its latency and, when it failed, its code.
    pub fn downstream(&self, service: &str, latency_ms: Option<u64>, error: Option<greenside_core::ErrorCode>) {
        let outcome = error.map_or("ok", greenside_core::ErrorCode::as_str);
        self.advice_calls.get_or_create(&OutcomeLabels { service: service.into(), outcome }).inc();
        if let Some(ms) = latency_ms {
            self.downstream_seconds
                .get_or_create(&ServiceLabels { service: service.into() })
                .observe(ms as f64 / 1000.0);
        }
        if let Some(code) = error {
            let labels = ServiceCodeLabels { service: service.into(), code: code.as_str().into() };
            self.downstream_errors.get_or_create(&labels).inc();
        }
    }

    pub fn encode(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
