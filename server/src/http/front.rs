//! The front of every request, one middleware layer: request id and log
//! context, the guards of core's route table (API key, rate limit, admin
//! token); then metrics and the access line. The fallbacks answer unknown routes and methods in the error shape.

use super::wire::{HttpError, error_response};
use crate::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use greenside_core::error::{ApiError, ErrorCode};
use greenside_core::{guard, routes};
use std::sync::Arc;
use std::time::Instant;

pub async fn route_not_found(req: Request) -> HttpError {
    ApiError::new(ErrorCode::RouteNotFound, format!("no route for {} {}", req.method(), req.uri().path())).into()
}

pub async fn method_not_allowed(req: Request) -> HttpError {
    ApiError::new(ErrorCode::MethodNotAllowed, format!("{} is not allowed on {}", req.method(), req.uri().path()))
        .into()
}

pub fn panic_response(payload: Box<dyn std::any::Any + Send + 'static>) -> Response<Body> {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| String::from("a panic without a message"));
    // In the request's span (the front is outside this layer): the line
    // carries the request id the answer carries.
    tracing::error!(panic = what.as_str(), "handler panicked");
    error_response(&ApiError::new(ErrorCode::InternalError, "the server failed unexpectedly; the failure is logged"))
}

/// The front of every request, one middleware layer: request id and span,
/// the API key guard, the rate limit, the route; then metrics, the access
/// line and `x-request-id` on the response. (One layer instead of three:
/// each `from_fn` layer costs a boxed future and a clone of the inner
/// service per request.)
pub async fn front(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let t0 = Instant::now();
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_string)
        .unwrap_or_else(crate::request_id);
    let method = crate::metrics::method_label(req.method());
    let route = crate::metrics::route_label(req.extensions().get::<axum::extract::MatchedPath>().map(|p| p.as_str()));
    // The caller's trace or a new one (with export on, the request's span starts here).
    let trace = state.tracing.request(header_str(&req, "traceparent"), header_str(&req, "tracestate"), method, route);
    // Every line of the request (the access line included) carries the
    // request id and the trace id, and the session id once a handler records it.
    let ctx = crate::logging::RequestContext::new(id.clone(), trace);
    crate::logging::in_request(ctx, async move {
        let mut resp = guarded(&state, req, next).await;
        let status = resp.status().as_u16();
        let took = t0.elapsed();
        let latency_ms = took.as_secs_f64() * 1000.0;
        let m = &state.metrics;
        m.requests.get_or_create(&crate::metrics::HttpLabels { route, method, status }).inc();
        let code = resp.extensions().get::<ErrorCode>().map(|c| c.as_str());
        if let Some(code) = code {
            m.errors.get_or_create(&crate::metrics::CodeLabels { code }).inc();
        }
        crate::logging::with_trace(|t| t.end(status, code));
        m.request_seconds.get_or_create(&crate::metrics::RouteLabels { route }).observe(took.as_secs_f64());
        // Fields as plain strings, not `%` Display values: they are copied, not formatted.
        if status >= 500 {
            tracing::warn!(request_id = id.as_str(), method, route, status, latency_ms, "request");
        } else {
            tracing::info!(request_id = id.as_str(), method, route, status, latency_ms, "request");
        }
        if let Ok(v) = HeaderValue::from_str(&id) {
            resp.headers_mut().insert("x-request-id", v);
        }
        resp
    })
    .await
}

/// The guards core's route table gives the request ([`guard`]): the API
/// key, then the rate limit, then the admin token, then the route.
async fn guarded(state: &AppState, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    // The router has matched the path already: its template finds the
    // route without reading the path again (a path no route matched is read).
    let found = match req.extensions().get::<axum::extract::MatchedPath>() {
        Some(template) => routes::find_template(req.method().as_str(), template.as_str()),
        None => routes::find(req.method().as_str(), path),
    };
    let access = guard::access_of(&found, path);
    let group = routes::group_of(&found, path);
    let keys = state.settings.keys();
    if let Err(e) = guard::api_key(access, &keys, header(&req, "x-api-key")) {
        return error_response(&e);
    }
    let admin = guard::admin_token(access, &keys, header(&req, "x-admin-token"));
    let Some(group) = group else {
        // The probes, /metrics and the page: never limited, never shed.
        return admitted(admin, req, next).await;
    };
    // Beyond the bound in flight (or the client's share behind a proxy):
    // refused at once, before the rate limiter counts it.
    let client = state.in_flight.shares().then(|| client_of(state, &req));
    let Some(_entered) = state.in_flight.enter(client) else {
        state.metrics.shed.inc();
        return error_response(&guard::overloaded());
    };
    rate_limit(state, group, req, |req| async move { admitted(admin, req, next).await }).await
}

/// The client a request comes from, as the trusted proxy configuration decides it.
fn client_of(state: &AppState, req: &Request) -> String {
    let peer = req.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0);
    crate::ratelimit::client_of(req.headers(), state.settings.trusted_proxy_header.as_deref(), peer)
}

/// The route, or the admin guard's refusal (after the rate limit: a guess
/// at the token counts against the caller's limit).
async fn admitted(admin: Result<(), ApiError>, req: Request, next: Next) -> Response {
    match admin {
        Ok(()) => next.run(req).await,
        Err(e) => error_response(&e),
    }
}

fn header<'r>(req: &'r Request, name: &str) -> Option<&'r [u8]> {
    req.headers().get(name).map(HeaderValue::as_bytes)
}

fn header_str<'r>(req: &'r Request, name: &str) -> Option<&'r str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// Per-client GCRA limits (see `ratelimit`); 429 `rate_limited` with
/// `Retry-After`, and `RateLimit`/`RateLimit-Policy` headers on every limited route.
async fn rate_limit<F, Fut>(state: &AppState, group: &'static str, req: Request, then: F) -> Response
where
    F: FnOnce(Request) -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    let Some(limiter) = &state.limiter else { return then(req).await };
    let client = client_of(state, &req);
    let v = limiter.check(group, &client, crate::clock::system_now_ms());
    let (policy, ratelimit) = greenside_core::ratelimit::rate_limit_headers(&v.limit, v.remaining, v.retry_after_ms);
    let mut resp = if v.allowed {
        then(req).await
    } else {
        tracing::info!(%client, group, "rate limited");
        state.metrics.rate_limited.inc();
        error_response(&greenside_core::ratelimit::rate_limited(&v.limit, v.retry_after_ms))
    };
    let h = resp.headers_mut();
    if let Ok(p) = HeaderValue::from_str(&policy) {
        h.insert("ratelimit-policy", p);
    }
    if let Ok(r) = HeaderValue::from_str(&ratelimit) {
        h.insert("ratelimit", r);
    }
    resp
}
