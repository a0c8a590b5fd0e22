//! The worker's HTTP surface: the native server's routes, body pipeline,
//! guards and error shape (`server/src/http/mod.rs`), and the internal calls
//! to the Durable Objects.
//!
//! Order per request, as native: request id → API key guard (`/api/*`) →
//! rate limit (per route group) → route (404 `route_not_found`, 405
//! `method_not_allowed`) → handler; one JSON access line at the end.

use crate::settings::{self, Settings};
use greenside_core::api::{self, MAX_BODY_BYTES};
use greenside_core::error::{ApiError, ErrorCode};
use greenside_core::service;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::wasm_bindgen;
use worker::{Env, Headers, Method, Request, RequestInit, Response};

pub const SESSIONS: &str = "SESSIONS";
const TEST_NOW_HEADER: &str = "x-greenside-now-ms";

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues)]
    fn get_random_values(buf: &mut [u8]);
}

/// 16 bytes from the runtime's cryptographic generator (Web Crypto).
pub fn random_bytes() -> [u8; 16] {
    let mut b = [0u8; 16];
    get_random_values(&mut b);
    b
}

/// One JSON log line through `console` (Workers Logs / `wrangler tail`).
pub fn log(level: &str, message: &str, fields: &[(&str, Value)]) {
    let mut line = serde_json::Map::new();
    line.insert("timestamp_ms".into(), json!(settings::system_now_ms()));
    line.insert("level".into(), json!(level));
    line.insert("message".into(), json!(message));
    for (k, v) in fields {
        line.insert((*k).into(), v.clone());
    }
    let text = Value::Object(line).to_string();
    match level {
        "warn" | "error" => worker::console_error!("{text}"),
        _ => worker::console_log!("{text}"),
    }
}

// ---- internal calls to Durable Objects ------------------------------------

/// A call from the front to a Durable Object (POST, JSON).
#[derive(Debug, Serialize, Deserialize)]
pub struct Internal {
    pub op: String,
    pub session_id: String,
    pub now_ms: u64,
    pub body: Value,
}

impl Internal {
    pub fn new(op: &str, session_id: &str, now_ms: u64, body: Value) -> Internal {
        Internal { op: op.into(), session_id: session_id.into(), now_ms, body }
    }

    pub async fn read(mut req: Request) -> Result<Internal, ApiError> {
        req.json::<Internal>()
            .await
            .map_err(|e| ApiError::new(ErrorCode::InternalError, format!("bad internal call: {e}")))
    }
}

/// A Durable Object's answer: 200 with the value, or the error's status and shape.
pub fn internal_response(r: Result<Value, ApiError>) -> worker::Result<Response> {
    match r {
        Ok(v) => json_response(200, &v),
        Err(e) => error_response(&e),
    }
}

/// Calls object `name` of namespace `binding`.
pub async fn call_object(env: &Env, binding: &str, name: &str, call: &Internal) -> Result<Value, ApiError> {
    let unavailable =
        |e: String| ApiError::new(ErrorCode::SessionStoreUnavailable, format!("Durable Object call failed: {e}"));
    let stub =
        env.durable_object(binding).and_then(|ns| ns.get_by_name(name)).map_err(|e| unavailable(e.to_string()))?;
    let headers = Headers::new();
    let _ = headers.set("content-type", "application/json");
    let mut init = RequestInit::new();
    let body = serde_json::to_string(call).map_err(|e| unavailable(e.to_string()))?;
    init.with_method(Method::Post).with_headers(headers).with_body(Some(body.into()));
    let req = Request::new_with_init(&format!("https://{}/{}", binding.to_ascii_lowercase(), call.op), &init)
        .map_err(|e| unavailable(e.to_string()))?;
    let mut resp = stub.fetch_with_request(req).await.map_err(|e| unavailable(e.to_string()))?;
    let status = resp.status_code();
    let v: Value = resp.json().await.map_err(|e| unavailable(e.to_string()))?;
    if status == 200 {
        return Ok(v);
    }
    Err(serde_json::from_value::<greenside_core::error::OwnedErrorBody>(v)
        .map(|b| b.error)
        .unwrap_or_else(|e| unavailable(format!("unreadable answer ({status}): {e}"))))
}

/// A call to the session's own object.
pub async fn session_call(ctx: &Ctx, op: &str, session_id: &str, now: u64, body: Value) -> Result<Value, ApiError> {
    call_object(&ctx.env, SESSIONS, session_id, &Internal::new(op, session_id, now, body)).await
}

// ---- responses --------------------------------------------------------------

pub fn json_response(status: u16, v: &Value) -> worker::Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    Ok(Response::ok(v.to_string())?.with_status(status).with_headers(headers))
}

pub fn error_response(e: &ApiError) -> worker::Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    if let Some(secs) = e.details.get("retry_after_s").and_then(Value::as_u64) {
        headers.set("retry-after", &secs.to_string())?;
    }
    Ok(Response::ok(e.to_json())?.with_status(e.http_status()).with_headers(headers))
}

// ---- request context --------------------------------------------------------

/// What a handler needs: the environment, the settings, and the session the
/// request touches (for the access line).
pub struct Ctx {
    pub env: Env,
    pub settings: Rc<Settings>,
    pub session_id: RefCell<Option<String>>,
    pub now_header: Option<String>,
}

impl Ctx {
    pub fn set_session(&self, id: &str) {
        *self.session_id.borrow_mut() = Some(id.to_string());
    }

    fn now(&self) -> u64 {
        settings::now_ms(&self.settings, self.now_header.clone())
    }
}

/// `application/json`, at most [`MAX_BODY_BYTES`], then core's decode.
async fn read_json<T: api::Request>(req: &mut Request) -> Result<(T, Value), ApiError> {
    let ct = req.headers().get("content-type").ok().flatten().unwrap_or_default();
    let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if mime != "application/json" {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            format!("request body must be application/json (got `{}`)", if ct.is_empty() { "nothing" } else { &ct }),
        ));
    }
    let bytes = req
        .bytes()
        .await
        .map_err(|e| ApiError::new(ErrorCode::InvalidRequest, format!("could not read the request body: {e}")))?;
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("request body exceeds the {MAX_BODY_BYTES}-byte limit"),
        )
        .with("limit_bytes", MAX_BODY_BYTES));
    }
    let decoded: T = api::decode(&bytes)?;
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::new(ErrorCode::MalformedJson, format!("request body is not valid JSON: {e}")))?;
    Ok((decoded, value))
}

/// Percent-decodes one path segment; bad encoding is a 400 as on native.
fn path_param(raw: &str) -> Result<String, ApiError> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = raw.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(b) => {
                    out.push(b);
                    i += 3;
                    continue;
                }
                None => out.push(b'%'),
            }
        } else {
            out.push(bytes[i]);
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| {
        ApiError::new(ErrorCode::InvalidRequest, "bad path parameter: Invalid UTF-8 in the percent-encoded path")
    })
}

fn query(req: &Request) -> Vec<(String, String)> {
    req.url().map(|u| u.query_pairs().into_owned().collect()).unwrap_or_default()
}

fn query_lookup(q: &[(String, String)]) -> impl Fn(&str) -> Option<String> + '_ {
    // Last one wins, as native.
    move |k| q.iter().rev().find(|(n, _)| n == k).map(|(_, v)| v.clone())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn check_admin(ctx: &Ctx, req: &Request) -> Result<(), ApiError> {
    let Some(token) = ctx.settings.admin_token.as_deref() else {
        return Err(ApiError::new(ErrorCode::Forbidden, "admin routes are disabled; set ADMIN_TOKEN to enable them"));
    };
    let given = req.headers().get("x-admin-token").ok().flatten().unwrap_or_default();
    if constant_time_eq(given.as_bytes(), token.as_bytes()) {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::Forbidden, "missing or wrong x-admin-token"))
    }
}

// ---- the entry point ----------------------------------------------------------

pub async fn handle(mut req: Request, env: Env) -> worker::Result<Response> {
    let t0 = settings::system_now_ms();
    let request_id = req
        .headers()
        .get("x-request-id")
        .ok()
        .flatten()
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or_else(|| greenside_core::validate::session_id_from_random(random_bytes())[3..19].to_string());
    let method = req.method();
    let path = req.path();
    let settings = match settings::get(&env) {
        Ok(s) => s,
        Err(e) => {
            log("error", "configuration invalid", &[("error", json!(e.message))]);
            return error_response(&e);
        }
    };
    let now_header = req.headers().get(TEST_NOW_HEADER).ok().flatten();
    let ctx = Ctx { env, settings, session_id: RefCell::new(None), now_header };
    let (route, result) = dispatch(&ctx, &mut req, &method, &path).await;
    let mut resp = match result {
        Ok(r) => r,
        Err(e) => error_response(&e)?,
    };
    let status = resp.status_code();
    let _ = resp.headers_mut().set("x-request-id", &request_id);
    let session_id = ctx.session_id.borrow().clone();
    log(
        if status >= 500 { "warn" } else { "info" },
        "request",
        &[
            ("request_id", json!(request_id)),
            ("session_id", json!(session_id)),
            ("method", json!(method.to_string())),
            ("route", json!(route)),
            ("status", json!(status)),
            ("latency_ms", json!(settings::system_now_ms().saturating_sub(t0))),
        ],
    );
    Ok(resp)
}

/// `docs/openapi.json`, served at `/openapi.json`.
const OPENAPI_JSON: &str = include_str!("../../docs/openapi.json");

/// The route template a path matches, and the methods it allows.
fn route_of(path: &str) -> Option<(&'static str, &'static [Method])> {
    use Method::{Delete, Get, Post};
    let segs: Vec<&str> = path.split('/').collect();
    Some(match segs.as_slice() {
        ["", "api", "session", "start"] => ("/api/session/start", &[Post]),
        ["", "api", "session", "set_cup_location"] => ("/api/session/set_cup_location", &[Post]),
        ["", "api", "session", "set_ball_location"] => ("/api/session/set_ball_location", &[Post]),
        ["", "api", "session", "set_ball_locations"] => ("/api/session/set_ball_locations", &[Post]),
        ["", "api", "session", id] if !id.is_empty() => ("/api/session/{session_id}", &[Get, Delete]),
        ["", "api", "get_hole_advice"] => ("/api/get_hole_advice", &[Post]),
        ["", "api", "sessions"] => ("/api/sessions", &[Get]),
        ["", "runs", "v1"] => ("/runs/v1", &[Get]),
        ["", "runs", "v1", "prune"] => ("/runs/v1/prune", &[Post]),
        ["", "runs", "v1", id] if !id.is_empty() => ("/runs/v1/{run_id}", &[Get]),
        ["", "runs", "v1", id, "bundle"] if !id.is_empty() => ("/runs/v1/{run_id}/bundle", &[Get]),
        ["", "api", "courses"] => ("/api/courses", &[Get]),
        ["", "api", "courses", id] if !id.is_empty() => ("/api/courses/{course_id}", &[Get]),
        ["", "health"] => ("/health", &[Get]),
        ["", "live"] => ("/live", &[Get]),
        ["", "ready"] => ("/ready", &[Get]),
        ["", "startup"] => ("/startup", &[Get]),
        ["", "openapi.json"] => ("/openapi.json", &[Get]),
        _ => return None,
    })
}

async fn dispatch(
    ctx: &Ctx,
    req: &mut Request,
    method: &Method,
    path: &str,
) -> (&'static str, Result<Response, ApiError>) {
    let s = &ctx.settings;
    if s.require_api_key && path.starts_with("/api/") {
        let expected = s.api_key.as_deref().unwrap_or("");
        let given = req.headers().get("x-api-key").ok().flatten().unwrap_or_default();
        if expected.is_empty() || !constant_time_eq(given.as_bytes(), expected.as_bytes()) {
            return ("<unmatched>", Err(ApiError::new(ErrorCode::Unauthorized, "missing or wrong x-api-key")));
        }
    }
    let mut limit_headers = None;
    if let (Some(limits), Some(group)) = (&s.rate_limits, service::rate_limit_group(method.as_ref(), path)) {
        let client = client_of(req, s.trusted_proxy_header.as_deref());
        let limit = service::limit_for(limits, group).cloned();
        match (limit, crate::limiter::check(&ctx.env, &client, group, settings::system_now_ms()).await) {
            (Some(limit), Ok((allowed, remaining, retry_after_ms))) => {
                limit_headers = Some(service::rate_limit_headers(&limit, remaining, retry_after_ms));
                if !allowed {
                    log("info", "rate limited", &[("client", json!(client)), ("group", json!(group))]);
                    let mut resp = error_response(&service::rate_limited(&limit, retry_after_ms));
                    if let (Ok(r), Some((policy, rl))) = (&mut resp, &limit_headers) {
                        let _ = r.headers_mut().set("ratelimit-policy", policy);
                        let _ = r.headers_mut().set("ratelimit", rl);
                    }
                    return ("<limited>", resp.map_err(internal));
                }
            }
            // The limiter failing must not take the service down: fail open, logged.
            (_, Err(e)) => log("warn", "rate limiter unavailable; request admitted", &[("error", json!(e.message))]),
            (None, _) => {}
        }
    }
    let Some((route, methods)) = route_of(path) else {
        return ("<unmatched>", Err(ApiError::new(ErrorCode::RouteNotFound, format!("no route for {method} {path}"))));
    };
    if !methods.contains(method) {
        return (route, Err(ApiError::new(ErrorCode::MethodNotAllowed, format!("{method} is not allowed on {path}"))));
    }
    let mut result = route_handler(ctx, req, method, route, path).await;
    if let (Ok(resp), Some((policy, rl))) = (&mut result, limit_headers) {
        let _ = resp.headers_mut().set("ratelimit-policy", &policy);
        let _ = resp.headers_mut().set("ratelimit", &rl);
    }
    (route, result)
}

fn internal(e: worker::Error) -> ApiError {
    ApiError::new(ErrorCode::InternalError, format!("the worker failed unexpectedly: {e}"))
}

/// The client: the trusted proxy header's right-most entry when configured,
/// else `CF-Connecting-IP`.
fn client_of(req: &Request, trusted: Option<&str>) -> String {
    let h = |name: &str| req.headers().get(name).ok().flatten();
    if let Some(v) = trusted.and_then(h) {
        let last = v.rsplit(',').next().unwrap_or("").trim().to_string();
        if !last.is_empty() && last.len() <= 64 {
            return last;
        }
    }
    h("cf-connecting-ip").filter(|v| v.len() <= 64).unwrap_or_else(|| "unknown".into())
}

fn ok(v: &Value) -> Result<Response, ApiError> {
    json_response(200, v).map_err(internal)
}

async fn route_handler(
    ctx: &Ctx,
    req: &mut Request,
    method: &Method,
    route: &'static str,
    path: &str,
) -> Result<Response, ApiError> {
    let last_param = || path_param(path.rsplit('/').next().unwrap_or(""));
    match route {
        "/api/session/start" => start(ctx, req).await,
        "/api/session/set_cup_location" => {
            let (r, v): (api::SetCupRequest, Value) = read_json(req).await?;
            session_update(ctx, "set_cup_location", &r.session_id, v).await
        }
        "/api/session/set_ball_location" => {
            let (r, v): (api::SetBallRequest, Value) = read_json(req).await?;
            session_update(ctx, "set_ball_location", &r.session_id, v).await
        }
        "/api/session/set_ball_locations" => {
            let (r, v): (api::SetBallsRequest, Value) = read_json(req).await?;
            session_update(ctx, "set_ball_locations", &r.session_id, v).await
        }
        "/api/session/{session_id}" => {
            let id = last_param()?;
            let op = if *method == Method::Delete { "delete" } else { "get" };
            let v = session_update_value(ctx, op, &id, Value::Null).await?;
            if op == "delete" {
                log("info", "session deleted", &[("session_id", json!(id))]);
            }
            ok(&v)
        }
        "/api/get_hole_advice" => {
            let (r, _): (api::AdviceRequest, Value) = read_json(req).await?;
            let now = ctx.now();
            let (status, body) = crate::advice::get_hole_advice(ctx, r, now).await?;
            json_response(status, &body).map_err(internal)
        }
        "/api/sessions" => {
            check_admin(ctx, req)?;
            let q = query(req);
            let (limit, after) = service::parse_sessions_query(query_lookup(&q))?;
            sessions_page(ctx, limit, after).await
        }
        "/runs/v1" => {
            check_admin(ctx, req)?;
            let q = query(req);
            let query = service::parse_runs_query(query_lookup(&q))?;
            let (runs, next) = service::runs_page(crate::runs::all(&ctx.env).await?, &query);
            ok(&service::runs_page_body(&runs, next.as_ref(), query.limit))
        }
        "/runs/v1/prune" => {
            check_admin(ctx, req)?;
            let (r, _): (api::PruneRequest, Value) = read_json(req).await?;
            let s = &ctx.settings;
            let max_runs = r.max_runs.unwrap_or(s.runs_prune_max_runs);
            let max_age_days = r.max_age_days.unwrap_or(s.runs_prune_max_age_days);
            let report =
                crate::runs::prune(&ctx.env, max_runs, max_age_days.saturating_mul(86_400_000), ctx.now()).await?;
            let bundles = crate::runs::remove_bundles(&ctx.env, &report.deleted_ids).await;
            log(
                "info",
                "runs pruned",
                &[("scanned", json!(report.scanned)), ("deleted", json!(report.deleted)), ("bundles", json!(bundles))],
            );
            ok(&service::prune_body(&report, bundles, max_runs, max_age_days))
        }
        "/runs/v1/{run_id}" => {
            check_admin(ctx, req)?;
            let id = last_param()?;
            let run = crate::runs::get(&ctx.env, &id).await?.ok_or_else(|| service::run_not_found(&id))?;
            ok(&json!(run))
        }
        "/runs/v1/{run_id}/bundle" => {
            check_admin(ctx, req)?;
            let raw = path.trim_end_matches("/bundle").rsplit('/').next().unwrap_or("");
            let id = path_param(raw)?;
            if !service::is_run_id(&id) {
                return Err(service::bundle_not_found(&id));
            }
            let v = crate::runs::read_bundle(&ctx.env, &id).await.ok_or_else(|| service::bundle_not_found(&id))?;
            ok(&v)
        }
        "/api/courses" => {
            let cat = crate::catalog::get(&ctx.env).await;
            ok(&cat.catalog.list_body()?)
        }
        "/api/courses/{course_id}" => {
            let id = last_param()?;
            greenside_core::validate::course_id(&id)?;
            let cat = crate::catalog::get(&ctx.env).await;
            let c = cat.catalog.course(&id)?;
            ok(&json!(c.course))
        }
        "/health" => health(ctx, req).await,
        "/live" => ok(&json!(service::ProbeAnswer { status: "alive".into() })),
        // The committed document: the native server generates the same text
        // from core's types (CI checks both), without utoipa in this wasm.
        "/openapi.json" => {
            let headers = Headers::new();
            let _ = headers.set("content-type", "application/json");
            Ok(Response::ok(OPENAPI_JSON).map_err(internal)?.with_headers(headers))
        }
        "/ready" => ready(ctx).await,
        "/startup" => {
            let cat = crate::catalog::get(&ctx.env).await;
            if cat.catalog.loaded() {
                ok(&json!(service::ProbeAnswer { status: "started".into() }))
            } else {
                Err(ApiError::new(ErrorCode::CourseDataUnavailable, "the dataset registry has not loaded; see /health"))
            }
        }
        other => Err(ApiError::new(ErrorCode::RouteNotFound, format!("no route for {method} {other}"))),
    }
}

async fn session_update_value(ctx: &Ctx, op: &str, session_id: &str, body: Value) -> Result<Value, ApiError> {
    greenside_core::validate::session_id(session_id)?;
    ctx.set_session(session_id);
    session_call(ctx, op, session_id, ctx.now(), body).await
}

async fn session_update(ctx: &Ctx, op: &str, session_id: &str, body: Value) -> Result<Response, ApiError> {
    ok(&session_update_value(ctx, op, session_id, body).await?)
}

async fn start(ctx: &Ctx, req: &mut Request) -> Result<Response, ApiError> {
    let (r, v): (api::StartRequest, Value) = read_json(req).await?;
    let now = ctx.now();
    let cat = crate::catalog::get(&ctx.env).await;
    cat.catalog.hole(&r.course_id, r.hole_id)?;
    let id = greenside_core::validate::session_id_from_random(random_bytes());
    let n = crate::directory::call(&ctx.env, "allocate", json!({"session_id": id})).await?;
    let number = n["session_number"].as_u64().unwrap_or(0);
    ctx.set_session(&id);
    let args = json!({"session_id": id, "session_number": number, "request": v});
    match session_call(ctx, "start", &id, now, args).await {
        Ok(body) => {
            log(
                "info",
                "session started",
                &[
                    ("session_id", json!(id)),
                    ("session_number", json!(number)),
                    ("course_id", json!(r.course_id)),
                    ("hole_id", json!(r.hole_id)),
                ],
            );
            ok(&body)
        }
        Err(e) => {
            crate::directory::forget(&ctx.env, number).await;
            Err(e)
        }
    }
}

/// `GET /api/sessions`: index entries after `after`, each session's live
/// summary from its own object; sessions that have gone are skipped.
async fn sessions_page(ctx: &Ctx, limit: usize, after: u64) -> Result<Response, ApiError> {
    let now = ctx.now();
    let mut sessions: Vec<service::SessionSummary> = Vec::new();
    let mut cursor = after;
    let mut more_in_index = true;
    while sessions.len() <= limit && more_in_index {
        let want = (limit + 1 - sessions.len()).max(1);
        let page = crate::directory::call(&ctx.env, "page", json!({"after": cursor, "limit": want})).await?;
        let entries: Vec<crate::directory::Entry> = serde_json::from_value(page["entries"].clone()).unwrap_or_default();
        more_in_index = page["more"].as_bool().unwrap_or(false);
        let Some(last) = entries.last() else { break };
        cursor = last.session_number;
        let calls = entries.iter().map(|e| session_call(ctx, "summary", &e.session_id, now, Value::Null));
        for r in futures_util::future::join_all(calls).await {
            match r {
                Ok(v) => {
                    if let Ok(s) = serde_json::from_value(v) {
                        sessions.push(s);
                    }
                }
                Err(e) if e.code == ErrorCode::SessionNotFound => {}
                Err(e) => return Err(e),
            }
        }
    }
    let next_after = if sessions.len() > limit {
        sessions.truncate(limit);
        sessions.last().map(|s| s.session_number)
    } else {
        None
    };
    let counters: service::Counters =
        serde_json::from_value(crate::directory::call(&ctx.env, "counters", Value::Null).await?).unwrap_or_default();
    ok(&service::sessions_page_body(&sessions, next_after, limit, &counters))
}

/// A service as the native `/health` shows it (core's body), from what
/// this isolate has seen.
fn downstream_health(d: &crate::settings::Downstream, service: &str) -> service::DownstreamHealth {
    let seen = crate::advice::seen(service);
    service::downstream_health(d.url.as_deref(), d.timeout_ms, d.api_key.is_some(), seen.as_ref())
}

/// The session store's health: a round trip to the directory object.
async fn store_health(ctx: &Ctx) -> service::StoreHealth {
    let t0 = settings::system_now_ms();
    let r = crate::directory::call(&ctx.env, "counters", Value::Null).await;
    let ms = settings::system_now_ms().saturating_sub(t0);
    let status = if r.is_ok() { service::HealthStatus::Healthy } else { service::HealthStatus::Unhealthy };
    service::StoreHealth {
        backend: "durable_objects".into(),
        requested: "durable_objects".into(),
        connected: r.is_ok(),
        redis_url: None,
        prefix: None,
        warnings: Vec::new(),
        error: r.as_ref().err().map(|e| e.message.clone()),
        counters: r.ok().and_then(|v| serde_json::from_value(v).ok()),
        status,
        response_time_ms: ms as f64,
    }
}

async fn health(ctx: &Ctx, req: &Request) -> Result<Response, ApiError> {
    let cat = crate::catalog::get(&ctx.env).await;
    let registry = service::RegistryHealth::of(
        &cat.catalog,
        "kv",
        crate::catalog::REGISTRY_KEY.into(),
        format!("kv:{}", crate::catalog::BINDING),
        cat.load_ms,
    );
    let s = &ctx.settings;
    let report = service::HealthReport::new(service::HealthParts {
        platform: Some("cloudflare-workers".into()),
        uptime_s: None,
        dataset_registry: registry,
        session_store: store_health(ctx).await,
        debug_bundles: service::BundlesInfo {
            enabled: s.debug_bundle_enabled,
            dir: format!("r2:{}", crate::runs::BUCKET),
        },
        downstream: service::DownstreamServices {
            putt_solver: downstream_health(&s.putt_solver, "putt_solver"),
            tee_to_green: downstream_health(&s.tee_to_green, "tee_to_green"),
        },
        test_clock: s.test_clock,
        admin_enabled: s.admin_token.is_some(),
    });
    let code = report.http_status();
    let accept = req.headers().get("accept").ok().flatten().unwrap_or_default();
    if accept.contains("application/health+json") {
        let text = serde_json::to_string(&report.draft_body()).unwrap_or_default();
        let headers = Headers::new();
        let _ = headers.set("content-type", "application/health+json");
        return Ok(Response::ok(text).map_err(internal)?.with_status(code).with_headers(headers));
    }
    json_response(code, &report.body()).map_err(internal)
}

async fn ready(ctx: &Ctx) -> Result<Response, ApiError> {
    let cat = crate::catalog::get(&ctx.env).await;
    let store_ok = store_health(ctx).await.connected;
    let checks = json!({
        "dataset_registry": {"ok": cat.catalog.loaded(), "error": cat.catalog.registry.as_ref().err().map(|e| &e.message)},
        "session_store": {"ok": store_ok, "backend": "durable_objects"},
    });
    let failing = if cat.catalog.loaded() && store_ok {
        None
    } else if store_ok {
        Some(ErrorCode::CourseDataUnavailable)
    } else {
        Some(ErrorCode::SessionStoreUnavailable)
    };
    let (status, body) = service::ReadyAnswer::of(checks, failing);
    json_response(status, &body).map_err(internal)
}
