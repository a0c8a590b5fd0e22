//! The HTTP surface: routing, the request body pipeline, the one error shape.
//!
//! Handlers decode (through core's `api::decode`), load, call core, save,
//! encode. No session or hysteresis rule lives here.

mod admin;
mod advice;
mod courses;
mod health;
mod runs;
mod session;

use crate::AppState;
use crate::clock::TEST_NOW_HEADER;
use axum::body::Body;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use axum::{Json, Router};
use greenside_core::api::{self, MAX_BODY_BYTES};
use greenside_core::error::{ApiError, ErrorCode};
use greenside_core::routes::{self, RouteId};
use std::sync::Arc;
use std::time::Instant;

/// An `ApiError` on its way out: the status of its code and the one body shape.
#[derive(Debug)]
pub struct HttpError(pub ApiError);

impl From<ApiError> for HttpError {
    fn from(e: ApiError) -> Self {
        HttpError(e)
    }
}

impl From<crate::store::StoreError> for HttpError {
    fn from(e: crate::store::StoreError) -> Self {
        HttpError(crate::store_error(e))
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        error_response(&self.0)
    }
}

pub fn error_response(e: &ApiError) -> Response {
    let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = (status, [(header::CONTENT_TYPE, "application/json")], e.to_json()).into_response();
    if let Some(secs) = e.details.get("retry_after_s").and_then(|v| v.as_u64()) {
        if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    resp
}

pub type HttpResult<T> = Result<T, HttpError>;

/// A POST body decoded by core: `application/json`, at most
/// [`MAX_BODY_BYTES`], then core's decode pipeline (contract version,
/// fields by name).
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: api::Request, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = HttpError;

    async fn from_request(req: Request, _: &S) -> Result<Self, Self::Rejection> {
        let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if mime != "application/json" {
            return Err(ApiError::new(
                ErrorCode::UnsupportedMediaType,
                format!("request body must be application/json (got `{}`)", if ct.is_empty() { "nothing" } else { ct }),
            )
            .into());
        }
        let bytes = read_body(req.into_body()).await?;
        Ok(ApiJson(api::decode(&bytes)?))
    }
}

/// One path parameter; a rejection (bad percent-encoding, not UTF-8) is a
/// 400 in the error shape instead of axum's plain-text answer.
#[derive(Debug)]
pub struct PathParam(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PathParam {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<String>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(PathParam(v)),
            Err(e) => Err(ApiError::new(ErrorCode::InvalidRequest, format!("bad path parameter: {e}")).into()),
        }
    }
}

/// The query string as name → value (last one wins); never rejects.
#[derive(Debug, Default)]
pub struct QueryParams(pub std::collections::HashMap<String, String>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for QueryParams {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        Ok(QueryParams(url::form_urlencoded::parse(q.as_bytes()).into_owned().collect()))
    }
}

/// How much of an oversized body is read (and discarded) before answering
/// 413, so the client sees the answer instead of a reset connection.
const DRAIN_LIMIT: usize = 1024 * 1024;

/// Reads at most [`MAX_BODY_BYTES`]; more is `payload_too_large`.
async fn read_body(body: Body) -> Result<Vec<u8>, ApiError> {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut buf = Vec::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame
            .map_err(|e| ApiError::new(ErrorCode::InvalidRequest, format!("could not read the request body: {e}")))?;
        if let Some(data) = frame.data_ref() {
            seen += data.len();
            if seen <= MAX_BODY_BYTES {
                buf.extend_from_slice(data);
            } else if seen > DRAIN_LIMIT {
                break;
            }
        }
    }
    if seen > MAX_BODY_BYTES {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("request body exceeds the {MAX_BODY_BYTES}-byte limit"),
        )
        .with("limit_bytes", MAX_BODY_BYTES));
    }
    Ok(buf)
}

/// The request's `now_ms` (the test clock's header when enabled).
pub fn now_ms(state: &AppState, headers: &HeaderMap) -> u64 {
    state.clock.now_for(headers.get(TEST_NOW_HEADER).and_then(|v| v.to_str().ok()))
}

/// The request's `now_ms` as an extractor: reads the test clock's header in
/// place (taking `HeaderMap` would copy every header of the request).
#[derive(Debug, Clone, Copy)]
pub struct Now(pub u64);

impl axum::extract::FromRequestParts<Arc<AppState>> for Now {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        Ok(Now(now_ms(state, &parts.headers)))
    }
}

async fn route_not_found(req: Request) -> HttpError {
    ApiError::new(ErrorCode::RouteNotFound, format!("no route for {} {}", req.method(), req.uri().path())).into()
}

async fn method_not_allowed(req: Request) -> HttpError {
    ApiError::new(ErrorCode::MethodNotAllowed, format!("{} is not allowed on {}", req.method(), req.uri().path()))
        .into()
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response<Body> {
    error_response(&ApiError::new(ErrorCode::InternalError, "the server failed unexpectedly; the failure is logged"))
}

/// The front of every request, one middleware layer: request id and span,
/// the API key guard, the rate limit, the route; then metrics, the access
/// line and `x-request-id` on the response. (One layer instead of three:
/// each `from_fn` layer costs a boxed future and a clone of the inner
/// service per request.)
async fn front(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
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
    // Every line of the request (the access line included) carries the
    // request id, and the session id once a handler records it.
    let ctx = crate::logging::RequestContext::new(id.clone());
    crate::logging::in_request(ctx, async move {
        let mut resp = guarded(&state, req, next).await;
        let status = resp.status().as_u16();
        let took = t0.elapsed();
        let latency_ms = took.as_secs_f64() * 1000.0;
        let m = &state.metrics;
        m.requests.get_or_create(&crate::metrics::HttpLabels { route, method, status }).inc();
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

/// The API key guard, then the rate limit, then the route.
async fn guarded(state: &AppState, req: Request, next: Next) -> Response {
    if let Some(denied) = api_key_denied(state, &req) {
        return denied;
    }
    rate_limit(state, req, next).await
}

/// `REQUIRE_API_KEY=1`: every `/api/*` request needs `x-api-key` equal to
/// `API_KEY` (compared in constant time); else 401 `unauthorized`.
fn api_key_denied(state: &AppState, req: &Request) -> Option<Response> {
    use subtle::ConstantTimeEq;
    if state.settings.require_api_key && req.uri().path().starts_with("/api/") {
        let expected = state.settings.api_key.as_deref().unwrap_or("").as_bytes();
        let given = req.headers().get("x-api-key").map(|v| v.as_bytes()).unwrap_or(b"");
        if expected.is_empty() || !bool::from(given.ct_eq(expected)) {
            return Some(error_response(&ApiError::new(ErrorCode::Unauthorized, "missing or wrong x-api-key")));
        }
    }
    None
}

/// Per-client GCRA limits (see `ratelimit`); 429 `rate_limited` with
/// `Retry-After`, and `RateLimit`/`RateLimit-Policy` headers on every limited route.
async fn rate_limit(state: &AppState, req: Request, next: Next) -> Response {
    let Some(limiter) = &state.limiter else { return next.run(req).await };
    let Some(group) = crate::ratelimit::group_of(req.method(), req.uri().path()) else { return next.run(req).await };
    let peer = req.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0);
    let client = crate::ratelimit::client_of(req.headers(), state.settings.trusted_proxy_header.as_deref(), peer);
    let v = limiter.check(group, &client, crate::clock::system_now_ms());
    let (policy, ratelimit) = greenside_core::ratelimit::rate_limit_headers(&v.limit, v.remaining, v.retry_after_ms);
    let mut resp = if v.allowed {
        next.run(req).await
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

/// Prometheus text (OpenMetrics). Holds no secrets; keep it on the internal network.
async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    use crate::store::SessionStore;
    if let Ok(c) = state.store.counters().await {
        state.metrics.active_sessions.set(i64::try_from(c.active_sessions).unwrap_or(i64::MAX));
    }
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], state.metrics.encode())
        .into_response()
}

/// The OpenAPI 3.1 document, built once from core's wire types.
async fn openapi() -> Response {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let doc = DOC.get_or_init(greenside_core::openapi::document);
    ([(header::CONTENT_TYPE, "application/json")], doc.as_str()).into_response()
}

/// The web page: `/` (index), `/app/*` (its files), `/pkg/*` (the npm
/// package's web build). Missing files answer `route_not_found` in the error shape.
fn web(state: &AppState) -> Router<Arc<AppState>> {
    use axum::handler::HandlerWithoutStateExt;
    use tower_http::services::{ServeDir, ServeFile};
    use tower_http::set_header::SetResponseHeaderLayer;
    let s = &state.settings;
    let csp = HeaderValue::from_static(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
    );
    Router::new()
        .route_service("/", ServeFile::new(s.web_root.join("index.html")))
        // The service worker lives at the root so its scope is the whole page.
        .route_service("/sw.js", ServeFile::new(s.web_root.join("sw.js")))
        .nest_service("/app", ServeDir::new(&s.web_root).not_found_service(route_not_found.into_service()))
        .nest_service("/pkg", ServeDir::new(&s.web_pkg_dir).not_found_service(route_not_found.into_service()))
        .layer(SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, csp))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
}

/// The handler of each route of core's table.
fn handler(id: RouteId) -> MethodRouter<Arc<AppState>> {
    use axum::routing::{delete, get, post};
    match id {
        RouteId::Start => post(session::start),
        RouteId::SetCupLocation => post(session::set_cup),
        RouteId::SetBallLocation => post(session::set_ball),
        RouteId::SetBallLocations => post(session::set_balls),
        RouteId::GetSession => get(session::get),
        RouteId::DeleteSession => delete(session::remove),
        RouteId::GetHoleAdvice => post(advice::get_hole_advice),
        RouteId::ListSessions => get(admin::sessions),
        RouteId::ListRuns => get(runs::list),
        RouteId::PruneRuns => post(runs::prune),
        RouteId::GetRun => get(runs::one),
        RouteId::GetRunBundle => get(runs::bundle),
        RouteId::ListCourses => get(courses::list),
        RouteId::GetCourse => get(courses::one),
        RouteId::Health => get(health::health),
        RouteId::Metrics => get(metrics),
        RouteId::Live => get(health::live),
        RouteId::Ready => get(health::ready),
        RouteId::Startup => get(health::startup),
        RouteId::OpenApi => get(openapi),
    }
}

/// The whole router: the web page, then every route of core's table.
pub fn router(state: Arc<AppState>) -> Router {
    let mut api = Router::new();
    for r in routes::ROUTES {
        // Routes on one path (GET and DELETE of a session) merge into one.
        api = api.route(r.path, handler(r.id));
    }
    Router::new()
        .merge(web(&state))
        .merge(api)
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), front))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panic_response))
        .with_state(state)
}

/// The benchmarks' baseline (`greenside bench-echo`, `benches/router.rs`):
/// an axum handler that only parses the JSON body and echoes it, on every
/// POST path. Not part of the service.
pub fn echo_router() -> Router {
    async fn echo(body: axum::body::Bytes) -> Response {
        match serde_json::from_slice::<serde_json::Value>(&body) {
            Ok(v) => Json(v).into_response(),
            Err(_) => StatusCode::BAD_REQUEST.into_response(),
        }
    }
    Router::new().fallback(axum::routing::post(echo))
}

/// JSON with a 200.
pub fn ok<T: serde::Serialize>(v: T) -> Response {
    Json(v).into_response()
}

/// Already encoded JSON with a 200 (the hot answers, see `greenside_core::json`).
pub fn ok_encoded(body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
}

/// Unused-state helper so handlers can take `State` uniformly.
pub type AppStateRef = State<Arc<AppState>>;
