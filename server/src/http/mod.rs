//! The HTTP surface: the router made from core's route table (`handler`),
//! the web page, `/metrics` and `/openapi.json`. The body pipeline and the
//! error shape are `wire.rs`, the front middleware `front.rs`.
//!
//! Handlers decode (through core's `api::decode`), load, call core, save,
//! encode. No session or hysteresis rule lives here.

mod admin;
mod advice;
mod courses;
mod front;
mod health;
mod page;
mod rounds;
mod runs;
mod session;
mod wire;

use front::{front, method_not_allowed, panic_response, route_not_found};
pub use wire::{ApiJson, HttpError, HttpResult, Now, PathParam, error_response, now_ms, ok, ok_encoded};

use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use axum::{Json, Router};
use greenside_core::routes::{self, RouteId};
use std::sync::Arc;

/// Prometheus text (OpenMetrics). Holds no secrets; keep it on the internal network.
async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    use crate::store::SessionStore;
    if let Ok(c) = state.store.counters().await {
        state.metrics.active_sessions.set(i64::try_from(c.active_sessions).unwrap_or(i64::MAX));
    }
    state.metrics.connections_open.set(i64::try_from(state.conns.len()).unwrap_or(i64::MAX));
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
    let files = Arc::new(page::PageFiles::new(&s.web_root, &s.web_pkg_dir));
    Router::new()
        .route_service("/", ServeFile::new(s.web_root.join("index.html")))
        // The service worker lives at the root so its scope is the whole page.
        .route_service("/sw.js", ServeFile::new(s.web_root.join("sw.js")))
        .nest_service("/app", ServeDir::new(&s.web_root).not_found_service(route_not_found.into_service()))
        // The package's wasm and glue come precompressed (brotli 11, gzip 9:
        // scripts/build-wasm); a client that takes neither gets the file.
        .nest_service(
            "/pkg",
            ServeDir::new(&s.web_pkg_dir)
                .precompressed_br()
                .precompressed_gzip()
                .not_found_service(route_not_found.into_service()),
        )
        // The page, its service worker and the hashed names (page.rs).
        .layer(middleware::from_fn(move |req, next| page::serve(files.clone(), req, next)))
        // The small text files are compressed as they go (what already has a
        // Content-Encoding, the precompressed files, is left alone).
        .layer(compression())
        // Every file revalidates (Last-Modified / If-Modified-Since answers
        // 304): a new build is seen at once; offline, the service worker's
        // cache answers.
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        .layer(SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, csp))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
}

/// Brotli or gzip, as the client accepts, at level 5: most of level 11's
/// gain on JSON and scripts for a fraction of its time.
pub fn compression() -> tower_http::compression::CompressionLayer {
    tower_http::compression::CompressionLayer::new()
        .br(true)
        .gzip(true)
        .quality(tower_http::compression::CompressionLevel::Precise(5))
}

/// The handler of each route of core's table, on the route's method.
fn handler(r: &routes::Route) -> MethodRouter<Arc<AppState>> {
    use axum::routing::{MethodFilter, on};
    let m = match r.method {
        routes::Method::Get => MethodFilter::GET,
        routes::Method::Post => MethodFilter::POST,
        routes::Method::Delete => MethodFilter::DELETE,
    };
    match r.id {
        RouteId::Start => on(m, session::start),
        RouteId::SetCupLocation => on(m, session::set_cup),
        RouteId::SetBallLocation => on(m, session::set_ball),
        RouteId::SetBallLocations => on(m, session::set_balls),
        RouteId::GetSession => on(m, session::get),
        RouteId::DeleteSession => on(m, session::remove),
        RouteId::GetHoleAdvice => on(m, advice::get_hole_advice),
        RouteId::ListSessions => on(m, admin::sessions),
        RouteId::ListRuns => on(m, runs::list),
        RouteId::PruneRuns => on(m, runs::prune),
        RouteId::GetRun => on(m, runs::one),
        RouteId::GetRunBundle => on(m, runs::bundle),
        RouteId::ListCourses => on(m, courses::list),
        // Course files are large (Augusta's is 289 KB of JSON): compressed.
        RouteId::GetCourse => on(m, courses::one).layer(compression()),
        RouteId::LocateHole => on(m, courses::locate),
        RouteId::MeasureHole => on(m, courses::measure),
        RouteId::RoundStart => on(m, rounds::start),
        RouteId::RoundSetBallLocation => on(m, rounds::set_ball),
        RouteId::RoundNextHole => on(m, rounds::next_hole),
        RouteId::RoundSetScore => on(m, rounds::set_score),
        RouteId::GetRound => on(m, rounds::get),
        RouteId::DeleteRound => on(m, rounds::remove),
        RouteId::RoundGpx => on(m, rounds::gpx).layer(compression()),
        RouteId::RoundCsv => on(m, rounds::csv),
        RouteId::ListRounds => on(m, rounds::list),
        RouteId::Health => on(m, health::health),
        RouteId::Metrics => on(m, metrics),
        RouteId::Live => on(m, health::live),
        RouteId::Ready => on(m, health::ready),
        RouteId::Startup => on(m, health::startup),
        RouteId::OpenApi => on(m, openapi),
    }
}

/// The whole router: the web page, then every route of core's table.
pub fn router(state: Arc<AppState>) -> Router {
    let mut api = Router::new();
    for r in routes::ROUTES {
        // Routes on one path (GET and DELETE of a session) merge into one.
        api = api.route(r.path, handler(r));
    }
    layered(Router::new().merge(web(&state)).merge(api), state)
}

/// What wraps every route: the fallbacks, a panic turned into a 500 in the
/// error shape, the front middleware, and CORS. Public so a test can
/// put a route of its own (one that panics) behind exactly these layers.
pub fn layered(routes: Router<Arc<AppState>>, state: Arc<AppState>) -> Router {
    let cors = cors_layer(&state.settings.cors);
    let app = routes
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // Inside the front: a panic's 500 gets the request id, the access
        // line and its count in the metrics like any other answer.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panic_response))
        .layer(middleware::from_fn_with_state(state.clone(), front));
    // Outermost: a preflight is answered before the guards (a browser sends
    // no API key with it). No layer, no CORS header, without origins.
    match cors {
        Some(cors) => app.layer(cors).with_state(state),
        None => app.with_state(state),
    }
}

/// tower-http's CORS layer with core's policy: exact origins, core's
/// methods and headers, never credentials.
fn cors_layer(policy: &greenside_core::cors::Cors) -> Option<tower_http::cors::CorsLayer> {
    use greenside_core::cors::{ALLOWED_HEADERS, EXPOSED_HEADERS, MAX_AGE_S, METHODS};
    use tower_http::cors::{AllowOrigin, CorsLayer};
    if policy.is_empty() {
        return None;
    }
    let origins: Vec<HeaderValue> = policy.origins().iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    let methods: Vec<axum::http::Method> = METHODS.iter().filter_map(|m| m.parse().ok()).collect();
    let names = |list: &[&str]| -> Vec<header::HeaderName> { list.iter().filter_map(|h| h.parse().ok()).collect() };
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods(methods)
            .allow_headers(names(ALLOWED_HEADERS))
            .expose_headers(names(EXPOSED_HEADERS))
            .max_age(std::time::Duration::from_secs(MAX_AGE_S)),
    )
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
