//! The worker's front: the native server's routes, body pipeline, guards
//! and error shape (`server/src/http/mod.rs`). Session writes are decoded
//! once, here, into core's `Operation` and sent typed to the session's object,
//! whose answer text is the response body.
//!
//! Order per request, as native: request id → API key guard (`/api/*`) →
//! rate limit (per route group) → route (404 `route_not_found`, 405
//! `method_not_allowed`) → handler; one JSON access line at the end.

use crate::directory;
use crate::guards;
use crate::incoming::Incoming as Request;
use crate::respond::{self, internal};
use crate::rounds::{self, RoundAsk, RoundWrite};
use crate::runtime::{log, random_bytes};
use crate::session_object::{self, SessionAsk};
use crate::settings::{self, Settings};
use greenside_core::api::{self, MAX_BODY_BYTES};
use greenside_core::error::{ApiError, ErrorCode};
use greenside_core::guard;
use greenside_core::operation::Operation;
use greenside_core::routes::{self, Found, RouteId};
use greenside_core::trace::TraceIds;
use serde_json::json;
use std::cell::RefCell;
use std::rc::Rc;
use worker::{Env, Response};

const TEST_NOW_HEADER: &str = "x-greenside-now-ms";

/// Under the test clock only: writes run entries in the key-value form of
/// earlier versions into a run-log shard (`{"shard": 0, "entries": [[key,
/// value], …]}`), to test their move into SQL. No route of the table: it
/// answers 404 whenever the test clock is off.
const TEST_LEGACY_RUNS: &str = "/__test/run_log/legacy";

/// `docs/openapi.json`, served at `/openapi.json`.
const OPENAPI_JSON: &str = include_str!("../../docs/openapi.json");

/// What a handler needs: the environment, the settings, and the session the
/// request touches (for the access line).
struct Ctx {
    env: Env,
    settings: Rc<Settings>,
    session_id: RefCell<Option<String>>,
    now_header: Option<String>,
    /// What the request counts for `/metrics` besides its status (the
    /// session object's events, advice outcomes).
    counts: RefCell<crate::metrics::Delta>,
    /// The error code of an error answer made before the handler (a refused
    /// rate limit answers with headers, so as a response).
    refused: std::cell::Cell<Option<ErrorCode>>,
    /// The caller's W3C trace (`traceparent`), or a new one: its id is in
    /// the request's log lines and the run record, and goes downstream.
    trace: TraceIds,
}

impl Ctx {
    fn set_session(&self, id: &str) {
        *self.session_id.borrow_mut() = Some(id.to_string());
    }

    fn now(&self) -> u64 {
        settings::now_ms(&self.settings, self.now_header.clone())
    }
}

pub async fn handle(mut req: Request, env: Env, wctx: worker::Context) -> worker::Result<Response> {
    let t0 = crate::runtime::system_now_ms();
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
            return respond::error(&e);
        }
    };
    // Each header read crosses into JavaScript: only those in use are read.
    let header = |name: &str| req.headers().get(name).ok().flatten();
    let now_header = if settings.test_clock { header(TEST_NOW_HEADER) } else { None };
    let origin = if settings.cors.is_empty() { None } else { header("origin") };
    let preflight = method == "OPTIONS" && req.headers().has("access-control-request-method").unwrap_or(false);
    if preflight && !settings.cors.is_empty() {
        // Answered before the guards, as natively: a browser sends no key with it.
        let mut resp = Response::empty()?.with_status(200);
        for (k, v) in settings.cors.preflight_headers(origin.as_deref()) {
            resp.headers_mut().set(k, &v)?;
        }
        return Ok(resp);
    }
    let cors = settings.cors.answer_headers(origin.as_deref());
    let trace = TraceIds::incoming(header("traceparent").as_deref(), header("tracestate").as_deref(), random_bytes);
    let ctx = Ctx {
        trace,
        env,
        settings,
        session_id: RefCell::new(None),
        now_header,
        counts: RefCell::default(),
        refused: std::cell::Cell::new(None),
    };
    let (route, result) = if ctx.settings.test_clock && method == "POST" && path == TEST_LEGACY_RUNS {
        ("<test>", test_legacy_runs(&ctx, &mut req).await)
    } else {
        dispatch(&ctx, &mut req, &method, &path).await
    };
    let (mut resp, code) = match result {
        Ok(r) => (r, ctx.refused.get()),
        Err(e) => (respond::error(&e)?, Some(e.code)),
    };
    if code == Some(ErrorCode::MethodNotAllowed) {
        // RFC 9110: a 405 says what is allowed (core's table, as axum writes it natively).
        resp.headers_mut().set("allow", &routes::allow(&path))?;
    }
    for (k, v) in cors {
        resp.headers_mut().set(k, &v)?;
    }
    let status = resp.status_code();
    let _ = resp.headers_mut().set("x-request-id", &request_id);
    let session_id = ctx.session_id.borrow().clone();
    log(
        if status >= 500 { "warn" } else { "info" },
        "request",
        &[
            ("request_id", json!(request_id)),
            ("trace_id", json!(ctx.trace.trace_id_hex())),
            ("session_id", json!(session_id)),
            ("method", json!(method)),
            ("route", json!(route)),
            ("status", json!(status)),
            ("latency_ms", json!(crate::runtime::system_now_ms().saturating_sub(t0))),
        ],
    );
    if ctx.settings.metrics_token.is_some() {
        // After the answer is made, off its path: the count goes to this
        // isolate's shard while the response is sent.
        let mut counts = ctx.counts.take();
        counts.request(route, greenside_core::metrics::method_label(&method), status, code);
        wctx.wait_until(crate::metrics::record(ctx.env.clone(), ctx.settings.metrics_shards, counts));
    }
    Ok(resp)
}

async fn dispatch(
    ctx: &Ctx,
    req: &mut Request,
    method: &str,
    path: &str,
) -> (&'static str, Result<Response, ApiError>) {
    let s = &ctx.settings;
    // The guards core's route table gives the request, in the native
    // server's order: the API key, the rate limit, the admin token.
    let found = routes::find(method, path);
    let access = guard::access_of(&found, path);
    let keys = s.keys();
    if let Err(e) = guard::api_key(access, &keys, guards::header(req, "x-api-key").as_deref().map(str::as_bytes)) {
        return ("<unmatched>", Err(e));
    }
    let group = routes::group_of(&found, path);
    let limit_headers = match guards::rate_limit(&ctx.env, s, req, group).await {
        Ok(h) => h,
        Err((e, h)) => {
            ctx.refused.set(Some(e.code));
            let mut resp = respond::error(&e).map_err(internal);
            if let Ok(r) = &mut resp {
                guards::set_limit_headers(r, &h);
            }
            return ("<limited>", resp);
        }
    };
    let admin = guard::admin_token(access, &keys, guards::header(req, "x-admin-token").as_deref().map(str::as_bytes));
    let (route, param) = match found {
        Found::Route(r, param) => (r, param),
        Found::MethodNotAllowed(r) => {
            let e = admin.err().unwrap_or_else(|| {
                ApiError::new(ErrorCode::MethodNotAllowed, format!("{method} is not allowed on {path}"))
            });
            return (r.path, Err(e));
        }
        Found::NotFound => {
            let e = ApiError::new(ErrorCode::RouteNotFound, format!("no route for {method} {path}"));
            return ("<unmatched>", Err(e));
        }
    };
    if let Err(e) = admin {
        return (route.path, Err(e));
    }
    let mut result = route_handler(ctx, req, route.id, param.unwrap_or("")).await;
    if let Ok(resp) = &mut result {
        guards::set_limit_headers(resp, &limit_headers);
    }
    (route.path, result)
}

/// `application/json`, at most [`MAX_BODY_BYTES`], then core's decode: the
/// body is parsed once.
async fn read_json<T: api::Request>(req: &mut Request) -> Result<T, ApiError> {
    api::decode(&read_body(req).await?)
}

/// A JSON body's bytes: `application/json`, at most [`MAX_BODY_BYTES`].
async fn read_body(req: &mut Request) -> Result<Vec<u8>, ApiError> {
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
    Ok(bytes)
}

/// Percent-decodes one path segment; bad encoding is a 400 as on native.
fn path_param(raw: &str) -> Result<String, ApiError> {
    percent_encoding::percent_decode_str(raw).decode_utf8().map(|s| s.into_owned()).map_err(|_| {
        ApiError::new(ErrorCode::InvalidRequest, "bad path parameter: Invalid UTF-8 in the percent-encoded path")
    })
}

fn query(req: &Request) -> Vec<(String, String)> {
    req.query_pairs()
}

fn query_lookup(q: &[(String, String)]) -> impl Fn(&str) -> Option<String> + '_ {
    // Last one wins, as native.
    move |k| q.iter().rev().find(|(n, _)| n == k).map(|(_, v)| v.clone())
}

/// [`TEST_LEGACY_RUNS`].
async fn test_legacy_runs(ctx: &Ctx, req: &mut Request) -> Result<Response, ApiError> {
    #[derive(serde::Deserialize)]
    struct Legacy {
        shard: u32,
        entries: Vec<(String, String)>,
    }
    let bytes = req.bytes().await.map_err(|e| ApiError::new(ErrorCode::InvalidRequest, e.to_string()))?;
    let legacy: Legacy =
        serde_json::from_slice(&bytes).map_err(|e| ApiError::new(ErrorCode::InvalidRequest, e.to_string()))?;
    crate::runs::test_legacy(&ctx.env, legacy.shard, legacy.entries).await?;
    ok(&())
}

fn ok<T: serde::Serialize>(v: &T) -> Result<Response, ApiError> {
    respond::json(200, v).map_err(internal)
}

/// A write to a session: core's operation, typed, to the session's object.
async fn write(ctx: &Ctx, op: Operation) -> Result<Response, ApiError> {
    let id = op.session_id().to_string();
    ctx.set_session(&id);
    let (resp, events) = session_object::pass_through(&ctx.env, &id, ctx.now(), SessionAsk::Apply { op }).await?;
    if let Some(e) = events {
        ctx.counts.borrow_mut().events(&e);
    }
    Ok(resp)
}

/// The route's handler; `param` is the path's parameter as sent.
async fn route_handler(ctx: &Ctx, req: &mut Request, id: RouteId, param: &str) -> Result<Response, ApiError> {
    let last_param = || path_param(param);
    let id_is = |r: RouteId| id == r;
    let s = &ctx.settings;
    match id {
        RouteId::Start => start(ctx, req).await,
        RouteId::SetCupLocation => write(ctx, Operation::SetCupLocation(read_json(req).await?)).await,
        RouteId::SetBallLocation => write(ctx, Operation::SetBallLocation(read_json(req).await?)).await,
        RouteId::SetBallLocations => write(ctx, Operation::SetBallLocations(read_json(req).await?)).await,
        RouteId::GetSession | RouteId::DeleteSession => {
            let id = last_param()?;
            greenside_core::validate::session_id(&id)?;
            ctx.set_session(&id);
            let delete = id_is(RouteId::DeleteSession);
            let ask = if delete { SessionAsk::Delete } else { SessionAsk::Get };
            let (resp, _) = session_object::pass_through(&ctx.env, &id, ctx.now(), ask).await?;
            if delete {
                log("info", "session deleted", &[("session_id", json!(id))]);
            }
            Ok(resp)
        }
        RouteId::GetHoleAdvice => {
            let r: api::AdviceTarget = read_json(req).await?;
            if let api::AdviceTarget::Session(r) = &r {
                ctx.set_session(&r.session_id);
            }
            let (status, body) =
                crate::advice::get_hole_advice(&ctx.env, s, r, ctx.now(), &ctx.counts, &ctx.trace).await?;
            respond::json(status, &body).map_err(internal)
        }
        RouteId::ListSessions => {
            let q = query(req);
            let (limit, after) = greenside_core::listing::parse_sessions_query(query_lookup(&q))?;
            sessions_page(ctx, limit, after).await
        }
        RouteId::ListRuns => {
            let q = query(req);
            let query = greenside_core::listing::parse_runs_query(query_lookup(&q))?;
            let pairs = greenside_core::listing::RUNS_QUERY_KEYS
                .iter()
                .filter_map(|k| query_lookup(&q)(k).map(|v| (k.to_string(), v)))
                .collect();
            let (runs, next) = crate::runs::page(&ctx.env, &query, pairs).await?;
            ok(&greenside_core::listing::runs_page_body(&runs, next.as_ref(), query.limit))
        }
        RouteId::PruneRuns => {
            let r: api::PruneRequest = read_json(req).await?;
            let keep = greenside_core::listing::Retention::of(&r, s.retention);
            let report = crate::runs::prune(&ctx.env, keep, ctx.now()).await?;
            let bundles = crate::runs::remove_bundles(&ctx.env, &report.deleted_ids).await;
            log(
                "info",
                "runs pruned",
                &[("scanned", json!(report.scanned)), ("deleted", json!(report.deleted)), ("bundles", json!(bundles))],
            );
            ok(&keep.body(&report, bundles))
        }
        RouteId::GetRun => {
            let id = last_param()?;
            let run =
                crate::runs::get(&ctx.env, &id).await?.ok_or_else(|| greenside_core::listing::run_not_found(&id))?;
            ok(&run)
        }
        RouteId::GetRunBundle => {
            let id = last_param()?;
            if !greenside_core::listing::is_run_id(&id) {
                return Err(greenside_core::listing::bundle_not_found(&id));
            }
            let v = crate::runs::read_bundle(&ctx.env, &id)
                .await
                .ok_or_else(|| greenside_core::listing::bundle_not_found(&id))?;
            ok(&v)
        }
        RouteId::ListCourses => {
            let cat = crate::catalog::get(&ctx.env).await;
            ok(&cat.catalog.list_body()?)
        }
        RouteId::GetCourse => {
            let id = last_param()?;
            greenside_core::validate::course_id(&id)?;
            let cat = crate::catalog::get(&ctx.env).await;
            let c = cat.catalog.course(&id)?;
            ok(&c.course)
        }
        RouteId::LocateHole => {
            let id = last_param()?;
            let q = query(req);
            let cat = crate::catalog::get(&ctx.env).await;
            ok(&greenside_core::locate::answer(&cat.catalog, &id, query_lookup(&q), &s.rules)?)
        }
        RouteId::MeasureHole => {
            let path = req.path();
            let route = greenside_core::routes::by_id(RouteId::MeasureHole);
            let ids = greenside_core::routes::path_params(route.path, &path);
            let (course, hole) = match ids.as_slice() {
                [c, h] => (path_param(c)?, path_param(h)?),
                _ => return Err(ApiError::new(ErrorCode::InvalidRequest, "bad path parameters")),
            };
            let q = query(req);
            let cat = crate::catalog::get(&ctx.env).await;
            ok(&greenside_core::measure::answer(&cat.catalog, &course, &hole, query_lookup(&q), &s.rules)?)
        }
        RouteId::RoundStart
        | RouteId::RoundSetBallLocation
        | RouteId::RoundNextHole
        | RouteId::RoundSetScore
        | RouteId::GetRound
        | RouteId::DeleteRound
        | RouteId::RoundGpx
        | RouteId::RoundCsv
        | RouteId::ListRounds => Box::pin(round_route(ctx, req, id, param)).await,
        RouteId::Health => crate::health::health(&ctx.env, s, req).await,
        RouteId::Live => ok(&greenside_core::health::ProbeAnswer { status: "alive".into() }),
        // The committed document: the native server generates the same text
        // from core's types (CI checks both), without utoipa in this wasm.
        RouteId::OpenApi => respond::json_text(200, OPENAPI_JSON).map_err(internal),
        RouteId::Ready => crate::health::ready(&ctx.env).await,
        RouteId::Startup => ok(&greenside_core::health::startup(crate::catalog::get(&ctx.env).await.catalog.loaded())?),
        RouteId::Metrics => {
            let Some(token) = s.metrics_token.as_ref() else {
                return Err(ApiError::new(
                    ErrorCode::RouteNotFound,
                    "no route for GET /metrics on the edge: set METRICS_TOKEN to turn the metrics on",
                ));
            };
            guards::bearer(req, token)?;
            let counts = crate::metrics::read_all(&ctx.env, s.metrics_shards).await?;
            let totals = directory::counters(&ctx.env).await?;
            let text = crate::metrics::exposition(&counts, totals.active_sessions);
            respond::body_as(200, text, "application/openmetrics-text; version=1.0.0; charset=utf-8").map_err(internal)
        }
    }
}

async fn start(ctx: &Ctx, req: &mut Request) -> Result<Response, ApiError> {
    let request: api::StartRequest = read_json(req).await?;
    let now = ctx.now();
    let cat = crate::catalog::get(&ctx.env).await;
    cat.catalog.hole(&request.course_id, request.hole_id)?;
    let id = greenside_core::validate::session_id_from_random(random_bytes());
    let number = directory::allocate(&ctx.env, &id).await?;
    ctx.set_session(&id);
    let (course_id, hole_id) = (request.course_id.clone(), request.hole_id);
    match session_object::send(&ctx.env, &id, now, SessionAsk::Start { session_number: number, request }).await {
        Ok(text) => {
            log(
                "info",
                "session started",
                &[
                    ("session_id", json!(id)),
                    ("session_number", json!(number)),
                    ("course_id", json!(course_id)),
                    ("hole_id", json!(hole_id)),
                ],
            );
            respond::json_text(200, text).map_err(internal)
        }
        Err(e) => {
            directory::forget(&ctx.env, &id, number).await;
            Err(e)
        }
    }
}

/// The round routes, in a future of their own (boxed: not a part of every
/// request's state machine).
async fn round_route(ctx: &Ctx, req: &mut Request, id: RouteId, param: &str) -> Result<Response, ApiError> {
    match id {
        RouteId::RoundStart => round_start(ctx, req).await,
        RouteId::RoundSetBallLocation => {
            round_write::<api::RoundFixRequest>(ctx, req, RoundWrite::SetBallLocation).await
        }
        RouteId::RoundNextHole => round_write::<api::NextHoleRequest>(ctx, req, RoundWrite::NextHole).await,
        RouteId::RoundSetScore => round_write::<api::SetScoreRequest>(ctx, req, RoundWrite::SetScore).await,
        RouteId::GetRound | RouteId::DeleteRound | RouteId::RoundGpx | RouteId::RoundCsv => {
            let round_id = path_param(param)?;
            greenside_core::validate::round_id(&round_id)?;
            let (ask, download) = match id {
                RouteId::DeleteRound => (RoundAsk::Delete, None),
                RouteId::RoundGpx => (RoundAsk::Gpx, Some((greenside_core::round::export::GPX_CONTENT_TYPE, "gpx"))),
                RouteId::RoundCsv => (RoundAsk::Csv, Some((greenside_core::round::export::CSV_CONTENT_TYPE, "csv"))),
                _ => (RoundAsk::Get, None),
            };
            let delete = matches!(ask, RoundAsk::Delete);
            let body = rounds::send(&ctx.env, &round_id, ctx.now(), ask).await?;
            if delete {
                log("info", "round deleted", &[("round_id", json!(round_id))]);
            }
            let Some((content_type, ext)) = download else { return respond::json_text(200, body).map_err(internal) };
            let mut resp = respond::body_as(200, body, content_type).map_err(internal)?;
            let disposition = format!("attachment; filename=\"{round_id}.{ext}\"");
            resp.headers_mut().set("content-disposition", &disposition).map_err(internal)?;
            Ok(resp)
        }
        RouteId::ListRounds => {
            let q = query(req);
            let q = greenside_core::listing::parse_rounds_query(query_lookup(&q))?;
            respond::json_text(200, rounds::page(&ctx.env, &q).await?).map_err(internal)
        }
        _ => Err(ApiError::new(ErrorCode::InternalError, "not a round route")),
    }
}

/// `POST /api/round/start`: a new id, the round's object starts it (and
/// lists it). The body goes to the object as it came (the object decodes
/// it with core, as the front has to check it).
async fn round_start(ctx: &Ctx, req: &mut Request) -> Result<Response, ApiError> {
    let body = read_body(req).await?;
    let request: api::RoundStartRequest = api::decode(&body)?;
    crate::catalog::get(&ctx.env).await.catalog.course(&request.course_id)?;
    let id = greenside_core::validate::round_id_from_random(random_bytes());
    let body = String::from_utf8(body).map_err(|_| ApiError::new(ErrorCode::MalformedJson, "the body is not UTF-8"))?;
    let text = rounds::send(&ctx.env, &id, ctx.now(), RoundAsk::Start { body }).await?;
    log(
        "info",
        "round started",
        &[
            ("round_id", json!(id)),
            ("course_id", json!(request.course_id)),
            ("competition", json!(request.competition)),
        ],
    );
    respond::json_text(200, text).map_err(internal)
}

/// A write to a round: checked here, then its body to the round's object.
async fn round_write<T: api::Request + RoundId>(
    ctx: &Ctx,
    req: &mut Request,
    write: RoundWrite,
) -> Result<Response, ApiError> {
    let body = read_body(req).await?;
    let id = api::decode::<T>(&body)?.round_id().to_string();
    let body = String::from_utf8(body).map_err(|_| ApiError::new(ErrorCode::MalformedJson, "the body is not UTF-8"))?;
    let text = rounds::send(&ctx.env, &id, ctx.now(), RoundAsk::Apply { write, body }).await?;
    respond::json_text(200, text).map_err(internal)
}

/// The round a write names.
trait RoundId {
    fn round_id(&self) -> &str;
}

impl RoundId for api::RoundFixRequest {
    fn round_id(&self) -> &str {
        api::RoundFixRequest::round_id(self)
    }
}

impl RoundId for api::NextHoleRequest {
    fn round_id(&self) -> &str {
        &self.round_id
    }
}

impl RoundId for api::SetScoreRequest {
    fn round_id(&self) -> &str {
        &self.round_id
    }
}

/// `GET /api/sessions`: index entries after `after`, each session's live
/// summary from its own object; sessions that have gone are skipped.
async fn sessions_page(ctx: &Ctx, limit: usize, after: u64) -> Result<Response, ApiError> {
    let now = ctx.now();
    let mut page = greenside_core::listing::SessionsPageBuilder::new(after, limit, now);
    let mut cursor = after;
    let mut more_in_index = true;
    while page.wanted() > 0 && more_in_index {
        let index = directory::page(&ctx.env, cursor, page.wanted() as u64).await?;
        more_in_index = index.more;
        let Some(last) = index.entries.last() else { break };
        cursor = last.session_number;
        let calls =
            index.entries.iter().map(|e| session_object::call(&ctx.env, &e.session_id, now, SessionAsk::Summary));
        for r in futures_util::future::join_all(calls).await {
            match r {
                Ok(s) => {
                    page.offer_summary(s);
                }
                Err(e) if e.code == ErrorCode::SessionNotFound => {}
                Err(e) => return Err(e),
            }
        }
    }
    let (sessions, next_after) = page.finish();
    let counters = directory::counters(&ctx.env).await?;
    ok(&greenside_core::listing::sessions_page_body(&sessions, next_after, limit, &counters))
}
