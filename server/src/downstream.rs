//! Calls to the putt solver and the tee-to-green planner.
//!
//! One HTTP client (connection pooling, rustls), built once. The request body
//! is the one core built (`advice::DownstreamRequest`); `X-API-Key` is sent
//! when configured and never logged. What went wrong is mapped to a stable
//! code by core (`greenside_core::downstream::call_failure`, the same table as the edge worker).

use crate::settings::Downstream;
use greenside_core::advice_call::Send;
use greenside_core::downstream::{CallProblem, call_failure, parse_answer};
use std::time::{Duration, Instant};

pub use greenside_core::downstream::{CallAnswer, Failure, MAX_RESPONSE_BYTES, service_name};

#[derive(Debug, Clone)]
pub struct Clients {
    http: reqwest::Client,
    seen: std::sync::Arc<std::sync::Mutex<std::collections::BTreeMap<&'static str, Seen>>>,
}

/// What this instance has seen of a service, for `/health` (core's record).
pub type Seen = greenside_core::downstream::DownstreamSeen;

impl Clients {
    pub fn new() -> Result<Clients, reqwest::Error> {
        let http = reqwest::Client::builder()
            .pool_idle_timeout(Duration::from_secs(60))
            .connect_timeout(Duration::from_secs(2))
            .user_agent(concat!("greenside/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Clients { http, seen: Default::default() })
    }

    /// What this instance has seen of `service` (`putt_solver`, `tee_to_green`).
    pub fn seen(&self, service: &str) -> Option<Seen> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).get(service).cloned()
    }

    /// POSTs core's request to the service it names, in a CLIENT span of
    /// the request's trace, and remembers the outcome for `/health` (a
    /// service that is not configured is neither called nor counted).
    /// Also answers the `traceparent` sent, for the debug bundle.
    pub async fn call(&self, cfg: &Downstream, send: &Send) -> (Result<CallAnswer, Failure>, Option<String>) {
        let Some(base) = cfg.url.as_deref() else {
            return (Err(call_failure(send.plan, CallProblem::NotConfigured, None, None)), None);
        };
        let url = format!("{base}{}", send.path);
        let (mut span, traceparent, tracestate) = crate::logging::client_span(send.service);
        span.attr("http.request.method", "POST");
        span.attr("url.full", greenside_core::redact::url(&url));
        span.attr("greenside.service", send.service);
        let out = self.call_once(cfg, send, &url, &traceparent, tracestate.as_deref()).await;
        match &out {
            Ok(a) => span.attr("http.response.status_code", i64::from(a.status)),
            Err(f) => {
                if let Some(s) = f.status {
                    span.attr("http.response.status_code", i64::from(s));
                }
                span.fail(f.error.code.as_str());
            }
        }
        drop(span);
        let now = crate::clock::system_now_ms();
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.entry(send.service).or_default().record(&out, now);
        (out, Some(traceparent))
    }

    async fn call_once(
        &self,
        cfg: &Downstream,
        send: &Send,
        url: &str,
        traceparent: &str,
        tracestate: Option<&str>,
    ) -> Result<CallAnswer, Failure> {
        let plan = send.plan;
        let mut req = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("traceparent", traceparent)
            .body(send.body.clone())
            .timeout(cfg.timeout);
        if let Some(state) = tracestate {
            req = req.header("tracestate", state);
        }
        if let Some(key) = &cfg.api_key {
            req = req.header("X-API-Key", key);
        }
        let t0 = Instant::now();
        let elapsed = |t0: Instant| Some(t0.elapsed().as_millis() as u64);
        let timeout_ms = cfg.timeout.as_millis() as u64;
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) if e.is_timeout() => {
                let p = CallProblem::Timeout { timeout_ms, after_headers: false };
                return Err(call_failure(plan, p, None, elapsed(t0)));
            }
            // The error text may carry the URL, never the key; it is not passed on.
            Err(e) => {
                return Err(call_failure(plan, CallProblem::Connection { connect: e.is_connect() }, None, elapsed(t0)));
            }
        };
        let status = resp.status().as_u16();
        if !resp.status().is_success() {
            return Err(call_failure(plan, CallProblem::Status, Some(status), elapsed(t0)));
        }
        let bytes = match tokio::time::timeout(cfg.timeout.saturating_sub(t0.elapsed()), read_limited(resp)).await {
            Err(_) => {
                let p = CallProblem::Timeout { timeout_ms, after_headers: true };
                return Err(call_failure(plan, p, Some(status), elapsed(t0)));
            }
            // reqwest's own request timeout also covers the body: a body cut short by it is a timeout.
            Ok(Err(ReadError::Timeout)) => {
                let p = CallProblem::Timeout { timeout_ms, after_headers: true };
                return Err(call_failure(plan, p, Some(status), elapsed(t0)));
            }
            Ok(Err(ReadError::Other(msg))) => {
                return Err(call_failure(plan, CallProblem::Unreadable(msg), Some(status), elapsed(t0)));
            }
            Ok(Ok(b)) => b,
        };
        parse_answer(plan, status, &bytes, t0.elapsed().as_millis() as u64)
    }
}

/// Why an answer's body could not be read.
#[derive(Debug)]
enum ReadError {
    Timeout,
    Other(String),
}

async fn read_limited(mut resp: reqwest::Response) -> Result<Vec<u8>, ReadError> {
    let mut out = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                out.extend_from_slice(&chunk);
                if out.len() > MAX_RESPONSE_BYTES {
                    return Err(ReadError::Other(format!("larger than {MAX_RESPONSE_BYTES} bytes")));
                }
            }
            Ok(None) => return Ok(out),
            Err(e) if e.is_timeout() => return Err(ReadError::Timeout),
            Err(e) => return Err(ReadError::Other(e.to_string())),
        }
    }
}

/// What an advice call saw of its service: the latency and the failure's
/// code in the metrics, and the advice line in the log. A session that
/// could not be advised made no call: nothing to observe.
pub fn observed(metrics: &crate::metrics::Metrics, done: &greenside_core::advice_call::Done) {
    let (run, Some(service)) = (&done.run, done.service) else { return };
    metrics.downstream(service, done.latency_ms, done.error);
    let (run_id, session_id) = (run.run_id.as_str(), run.session_id.as_str());
    match done.error {
        None => tracing::info!(run_id, session_id, service, latency_ms = done.latency_ms, "advice"),
        Some(code) => tracing::warn!(run_id, session_id, service, %code, "advice failed; fallback used"),
    }
}
