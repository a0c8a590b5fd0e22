//! Calls to the putt solver and the tee-to-green planner over `fetch`, and
//! what this isolate has seen of them for `/health`.

use crate::settings::Downstream;
use futures_util::future::{Either, select};
use greenside_core::advice_call::Send;
use greenside_core::downstream::{CallOutcome, CallProblem, call_failure, parse_answer};
use greenside_core::trace::TraceIds;
use std::time::Duration;
use worker::{AbortController, Delay, Fetch, Headers, Method, Request, RequestInit};

/// Sends core's request in the request's trace (a `traceparent` naming a
/// new span id of this call, and the caller's `tracestate`) and remembers
/// the outcome (a service that is not configured is neither called nor
/// counted). Also answers the `traceparent` sent, for the debug bundle.
pub async fn call(cfg: &Downstream, send: &Send, trace: &TraceIds) -> (CallOutcome, Option<String>) {
    if cfg.url.is_none() {
        return (Err(call_failure(send.plan, CallProblem::NotConfigured, None, None)), None);
    }
    let b = crate::runtime::random_bytes();
    let mut span_id = [0u8; 8];
    span_id.copy_from_slice(&b[..8]);
    span_id[0] |= 1; // never all zero
    let traceparent = trace.traceparent_from(span_id);
    let outcome = call_once(cfg, send, &traceparent, trace.tracestate.as_deref()).await;
    remember(send.service, &outcome);
    (outcome, Some(traceparent))
}

/// POSTs core's request to its service, with `X-API-Key` and a timeout (an
/// `AbortController` fired by a timer); what went wrong goes through core's
/// failure table.
async fn call_once(cfg: &Downstream, send: &Send, traceparent: &str, tracestate: Option<&str>) -> CallOutcome {
    let plan = send.plan;
    let Some(base) = cfg.url.as_deref() else {
        return Err(call_failure(plan, CallProblem::NotConfigured, None, None));
    };
    let t0 = crate::runtime::system_now_ms();
    let elapsed = || Some(crate::runtime::system_now_ms().saturating_sub(t0));
    let headers = Headers::new();
    let _ = headers.set("content-type", "application/json");
    let _ = headers.set("user-agent", concat!("greenside/", env!("CARGO_PKG_VERSION")));
    let _ = headers.set("traceparent", traceparent);
    if let Some(state) = tracestate {
        let _ = headers.set("tracestate", state);
    }
    if let Some(key) = &cfg.api_key {
        let _ = headers.set("X-API-Key", key.expose());
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(js_sys::Uint8Array::from(send.body.as_slice()).into()));
    let url = format!("{base}{}", send.path);
    let Ok(req) = Request::new_with_init(&url, &init) else {
        return Err(call_failure(plan, CallProblem::Connection { connect: true }, None, elapsed()));
    };
    let controller = AbortController::default();
    let signal = controller.signal();
    let fetch = Fetch::Request(req);
    let timeout_ms = cfg.timeout_ms;
    let send = Box::pin(fetch.send_with_signal(&signal));
    let timer = Delay::from(Duration::from_millis(timeout_ms));
    let mut resp = match select(send, timer).await {
        Either::Left((Ok(r), _)) => r,
        Either::Left((Err(_), _)) => {
            return Err(call_failure(plan, CallProblem::Connection { connect: true }, None, elapsed()));
        }
        Either::Right(_) => {
            controller.abort();
            let p = CallProblem::Timeout { timeout_ms, after_headers: false };
            return Err(call_failure(plan, p, None, elapsed()));
        }
    };
    let status = resp.status_code();
    if !(200..300).contains(&status) {
        return Err(call_failure(plan, CallProblem::Status, Some(status), elapsed()));
    }
    let left = timeout_ms.saturating_sub(elapsed().unwrap_or(0)).max(1);
    let read = Box::pin(resp.bytes());
    match select(read, Delay::from(Duration::from_millis(left))).await {
        Either::Left((Ok(bytes), _)) => {
            parse_answer(plan, status, &bytes, crate::runtime::system_now_ms().saturating_sub(t0))
        }
        Either::Left((Err(e), _)) => {
            Err(call_failure(plan, CallProblem::Unreadable(e.to_string()), Some(status), elapsed()))
        }
        Either::Right(_) => {
            controller.abort();
            let p = CallProblem::Timeout { timeout_ms, after_headers: true };
            Err(call_failure(plan, p, Some(status), elapsed()))
        }
    }
}

/// What this isolate has seen of a service, for `/health` (core's record;
/// an isolate's memory, so per isolate).
pub type Seen = greenside_core::downstream::DownstreamSeen;

thread_local! {
    static SEEN: std::cell::RefCell<std::collections::BTreeMap<&'static str, Seen>> = std::cell::RefCell::default();
}

fn remember(service: &'static str, outcome: &CallOutcome) {
    let now = crate::runtime::system_now_ms();
    SEEN.with(|m| m.borrow_mut().entry(service).or_default().record(outcome, now));
}

/// What this isolate has seen of `service`.
pub fn seen(service: &str) -> Option<Seen> {
    SEEN.with(|m| m.borrow().get(service).cloned())
}

/// What an advice call saw of its service, as a log line (`remember` has
/// kept it for `/health`). A session that could not be advised made no call.
pub fn observed(done: &greenside_core::advice_call::Done) {
    use serde_json::json;
    let (run, Some(service)) = (&done.run, done.service) else { return };
    let mut fields = vec![
        ("run_id", json!(run.run_id)),
        ("session_id", json!(run.session_id)),
        ("trace_id", json!(run.trace_id)),
        ("service", json!(service)),
    ];
    match done.error {
        None => {
            fields.push(("latency_ms", json!(done.latency_ms)));
            crate::runtime::log("info", "advice", &fields);
        }
        Some(code) => {
            fields.push(("code", json!(code)));
            crate::runtime::log("warn", "advice failed; fallback used", &fields);
        }
    }
}
