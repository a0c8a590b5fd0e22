//! `GET /metrics` on the edge: the native server's counters, kept in
//! sharded `MetricsShard` Durable Objects and read back as OpenMetrics text.
//!
//! On only when `METRICS_TOKEN` is set (a secret); then every request adds
//! its counts to one shard, and `/metrics` with `Authorization: Bearer
//! <METRICS_TOKEN>` sums the shards. Without the token the route answers 404
//! and nothing is counted (no extra object call).
//!
//! ```text
//! front: request ─► Delta (route, status, code, the session object's events, advice)
//!        └─ ctx.wait_until ─► MetricsShard "metrics-{k}", k = this isolate's shard
//! GET /metrics ─► every shard's counts, summed, + the directory's active sessions
//! ```
//!
//! Why objects and not Workers Analytics Engine: Analytics Engine is the
//! edge's own answer for high-volume events, but it is queried through
//! Cloudflare's SQL API, not scraped, and its local simulator in
//! Miniflare drops every data point (`writeDataPoint` is a no-op), so no
//! test here could read a count back. Shards keep the counts exact and
//! scrapeable by any Prometheus, and no single object takes every write
//! (worker/README.md has the arithmetic).

use crate::calls;
use greenside_core::error::{ApiError, ErrorCode};
use greenside_core::metrics::{self as f, Family};
use serde::{Deserialize, Serialize};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use worker::{DurableObject, Env, Request, Response, State, durable_object};

pub const BINDING: &str = "METRICS";
const KEY: &str = "counts";

/// Counts by series (`name{labels}`, as the exposition writes it).
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delta(pub BTreeMap<String, u64>);

fn label(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

impl Delta {
    fn add(&mut self, series: String, n: u64) {
        if n > 0 {
            *self.0.entry(series).or_default() += n;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// One answered request: by route template, method and status, and by
    /// error code when it is an error.
    pub fn request(&mut self, route: &str, method: &str, status: u16, code: Option<ErrorCode>) {
        let (route, method) = (label(route), label(method));
        self.add(
            series(f::HTTP_REQUESTS, &format!("{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}}")),
            1,
        );
        if let Some(code) = code {
            self.add(series(f::ERRORS, &format!("{{code=\"{}\"}}", code.as_str())), 1);
        }
        if code == Some(ErrorCode::RateLimited) {
            self.add(series(f::RATE_LIMITED_REQUESTS, ""), 1);
        }
    }

    /// What a session write did (core's events, from the object's answer).
    pub fn events(&mut self, e: &greenside_core::operation::Events) {
        self.add(series(f::BALL_FIXES, ""), e.fixes.into());
        self.add(series(f::DUPLICATE_BALL_FIXES, ""), e.duplicate_fixes.into());
        self.add(series(f::SURFACE_TRANSITIONS, "{to=\"ON_GREEN\"}"), e.to_on_green.into());
        self.add(series(f::SURFACE_TRANSITIONS, "{to=\"OFF_GREEN\"}"), e.to_off_green.into());
        self.add(series(f::SUPPRESSED_FLICKERS, ""), e.suppressed_flickers.into());
    }

    /// An advice call's outcome at its service: `ok` or the failure's code.
    pub fn advice(&mut self, service: &str, error: Option<ErrorCode>) {
        let outcome = error.map_or("ok", ErrorCode::as_str);
        let service = label(service);
        self.add(series(f::ADVICE_CALLS, &format!("{{service=\"{service}\",outcome=\"{outcome}\"}}")), 1);
        if let Some(code) = error {
            self.add(series(f::DOWNSTREAM_ERRORS, &format!("{{service=\"{service}\",code=\"{}\"}}", code.as_str())), 1);
        }
    }

    fn merge(&mut self, other: &Delta) {
        for (k, v) in &other.0 {
            *self.0.entry(k.clone()).or_default() += v;
        }
    }
}

/// A counter's series: `greenside_{name}_total` and its labels (core's names).
fn series(family: Family, labels: &str) -> String {
    format!("{}_{}_total{labels}", f::PREFIX, family.name)
}

/// OpenMetrics text: every family (a family with no count yet says so by
/// its `# TYPE` line alone), then the active sessions gauge.
pub fn exposition(counts: &Delta, active_sessions: u64) -> String {
    use f::{ACTIVE_SESSIONS, FAMILIES, MetricKind, PREFIX};
    let mut out = String::new();
    for f in FAMILIES.iter().filter(|f| f.edge && f.kind == MetricKind::Counter) {
        let (family, help) = (format!("{PREFIX}_{}", f.name), f.help);
        out.push_str(&format!("# HELP {family} {help}.\n# TYPE {family} counter\n"));
        let prefix = format!("{family}_total");
        for (series, n) in &counts.0 {
            let rest = series.strip_prefix(prefix.as_str()).unwrap_or("-");
            if rest.is_empty() || rest.starts_with('{') {
                out.push_str(&format!("{series} {n}\n"));
            }
        }
    }
    let gauge = format!("{PREFIX}_{}", ACTIVE_SESSIONS.name);
    out.push_str(&format!("# HELP {gauge} {}.\n# TYPE {gauge} gauge\n", ACTIVE_SESSIONS.help));
    out.push_str(&format!("{gauge} {active_sessions}\n# EOF\n"));
    out
}

thread_local! {
    /// This isolate's shard (chosen at random once), so one isolate's
    /// writes go to one object in order and isolates spread over shards.
    static SHARD: Cell<Option<u32>> = const { Cell::new(None) };
}

fn shard_name(k: u32) -> String {
    format!("metrics-{k}")
}

/// Adds `delta` to this isolate's shard. Failures are logged, not
/// answered: the request it counts has been answered already.
pub async fn record(env: Env, shards: u32, delta: Delta) {
    if delta.is_empty() {
        return;
    }
    let k = SHARD.with(|s| {
        s.get().unwrap_or_else(|| {
            let b = crate::runtime::random_bytes();
            let k = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) % shards.max(1);
            s.set(Some(k));
            k
        })
    });
    if let Err(e) = calls::send(&env, BINDING, &shard_name(k), &MetricsCall::Add { delta }).await {
        crate::runtime::log("warn", "metrics not recorded", &[("error", serde_json::json!(e.message))]);
    }
}

/// Every shard's counts, summed.
pub async fn read_all(env: &Env, shards: u32) -> Result<Delta, ApiError> {
    let names: Vec<String> = (0..shards.max(1)).map(shard_name).collect();
    let calls = names.iter().map(|n| calls::call::<_, Delta>(env, BINDING, n, &MetricsCall::Read));
    let mut total = Delta::default();
    for r in futures_util::future::join_all(calls).await {
        total.merge(&r?);
    }
    Ok(total)
}

/// What the front asks of a shard.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum MetricsCall {
    Add { delta: Delta },
    Read,
}

/// One shard of the counters: the sums of what the isolates that picked it
/// sent, under one storage key (a few hundred series at most: the labels
/// are route templates, methods, statuses, codes and the two services).
#[durable_object(fetch)]
pub struct MetricsShard {
    state: State,
    counts: RefCell<Option<Delta>>,
}

fn storage_error(e: worker::Error) -> ApiError {
    ApiError::new(ErrorCode::SessionStoreUnavailable, format!("Durable Object storage failed: {e}"))
}

impl MetricsShard {
    async fn current(&self) -> Result<Delta, ApiError> {
        if let Some(c) = self.counts.borrow().clone() {
            return Ok(c);
        }
        let c: Delta = self.state.storage().get(KEY).await.map_err(storage_error)?.unwrap_or_default();
        *self.counts.borrow_mut() = Some(c.clone());
        Ok(c)
    }

    async fn handle(&self, call: MetricsCall) -> Result<Vec<u8>, ApiError> {
        let mut counts = self.current().await?;
        match call {
            MetricsCall::Add { delta } => {
                counts.merge(&delta);
                *self.counts.borrow_mut() = Some(counts.clone());
                self.state.storage().put(KEY, &counts).await.map_err(storage_error)?;
                calls::text(&serde_json::json!({"ok": true}))
            }
            MetricsCall::Read => calls::text(&counts),
        }
    }
}

impl DurableObject for MetricsShard {
    fn new(state: State, _env: Env) -> Self {
        MetricsShard { state, counts: RefCell::new(None) }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        match calls::read::<MetricsCall>(req).await {
            Ok(call) => calls::reply(self.handle(call).await),
            Err(e) => calls::reply(Err(e)),
        }
    }
}
