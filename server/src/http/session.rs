//! Session routes: decode, load, call core, compare-and-save, encode.

use super::wire::{ApiJson, AppStateRef, HttpResult, Now, PathParam, ok, ok_encoded};
use crate::store::{SaveOutcome, SessionStore};
use crate::{AppState, random_bytes};
use axum::response::Response;
use greenside_core::api::{
    HoleStateResponse, SetBallRequest, SetBallsRequest, SetCupRequest, StartRequest, StartResponse,
};
use greenside_core::error::{ApiError, ErrorCode};
use greenside_core::operation::{self, Applied, Operation};
use greenside_core::session::{self, SessionRecord};
use greenside_core::validate;
use std::time::Duration;

/// Compare-and-set attempts before answering `session_conflict`.
const MAX_CAS_ATTEMPTS: u32 = 64;

pub async fn start(state: AppStateRef, Now(now): Now, ApiJson(req): ApiJson<StartRequest>) -> HttpResult<Response> {
    let hole = state.catalog.hole(&req.course_id, req.hole_id)?;
    let number = timed(&state, "next_session_number", state.store.next_session_number()).await?;
    // 128 random bits: a collision is not expected, but never overwrite one.
    for _ in 0..3 {
        let id = validate::session_id_from_random(random_bytes());
        let rec = session::start(&req, id.clone(), number, &hole, &state.settings.rules, now)?;
        if timed(&state, "create", state.store.create(&rec)).await? {
            crate::logging::record_session_id(&id);
            tracing::info!(session_id = %id, session_number = number, course_id = %req.course_id, hole_id = req.hole_id, "session started");
            return Ok(ok(StartResponse { session_id: id, hole_state: session::hole_state(&rec) }));
        }
    }
    Err(ApiError::new(ErrorCode::InternalError, "could not allocate a session id").into())
}

/// Runs a store call, recording its latency and failure in the metrics.
pub async fn timed<T>(
    state: &AppState,
    op: &'static str,
    fut: impl std::future::Future<Output = Result<T, crate::store::StoreError>>,
) -> Result<T, ApiError> {
    let mut span = crate::logging::span(store_span_name(op));
    span.attr("db.system.name", state.store.backend());
    span.attr("db.operation.name", op);
    let t0 = std::time::Instant::now();
    let r = fut.await;
    state.metrics.observe_store(op, t0.elapsed(), r.is_ok());
    let r = r.map_err(crate::store_error);
    if let Err(e) = &r {
        span.fail(e.code.as_str());
    }
    r
}

/// A store call's span name (low cardinality, as OpenTelemetry asks).
fn store_span_name(op: &'static str) -> &'static str {
    match op {
        "load" => "session_store.load",
        "save" => "session_store.save",
        "delete" => "session_store.delete",
        "create" => "session_store.create",
        _ => "session_store",
    }
}

/// Loads a live session: 404 when missing; an expired one is deleted and 404.
pub async fn load_live(state: &AppState, id: &str, now: u64) -> Result<SessionRecord, ApiError> {
    validate::session_id(id)?;
    crate::logging::record_session_id(id);
    let rec = timed(state, "load", state.store.load(id)).await?;
    expire_or_missing(state, id, rec, now).await
}

/// The stored record when it is live; else 404, deleting an expired one.
async fn expire_or_missing(
    state: &AppState,
    id: &str,
    rec: Option<SessionRecord>,
    now: u64,
) -> Result<SessionRecord, ApiError> {
    let rec = rec.ok_or_else(|| session::not_found(id))?;
    if let Err(e) = session::check_live(&rec, now) {
        timed(state, "delete", state.store.delete(id)).await?;
        return Err(e);
    }
    Ok(rec)
}

/// Load → core's `operation::apply` → compare-and-save, retried on
/// conflict; the events are counted once the write is in. Core says whether
/// the record changed (a repeated fix is not saved).
pub async fn apply(state: &AppState, now: u64, op: &Operation) -> Result<(SessionRecord, Applied), ApiError> {
    let id = op.session_id();
    validate::session_id(id)?;
    crate::logging::record_session_id(id);
    // One writer per session per instance; the CAS handles other instances.
    let _guard = state.session_lock(id).lock().await;
    for attempt in 0..MAX_CAS_ATTEMPTS {
        let mut rec = match timed(state, "load", state.store.load_for_update(id)).await? {
            // A live record is a fine starting point, cached or not (the CAS checks a cached one).
            (Some(r), _) if session::check_live(&r, now).is_ok() => r,
            // Missing or expired in the store itself: 404 (an expired one is deleted).
            (r, false) => expire_or_missing(state, id, r, now).await?,
            // A cached copy that looks expired may just be old: ask the store.
            (_, true) => load_live(state, id, now).await?,
        };
        let hole = state.catalog.hole(&rec.course_id, rec.hole_id)?;
        let expected = rec.revision;
        let applied = {
            let mut span = crate::logging::span(op.span_name());
            operation::apply(&mut rec, op, &hole, &state.settings.rules, now)
                .inspect_err(|e| span.fail(e.code.as_str()))?
        };
        if !applied.save {
            state.metrics.count(&applied.events);
            return Ok((rec, applied));
        }
        match timed(state, "save", state.store.save(&rec, expected)).await? {
            SaveOutcome::Saved => {
                state.metrics.count(&applied.events);
                return Ok((rec, applied));
            }
            SaveOutcome::Missing => return Err(session::not_found(id)),
            SaveOutcome::Conflict => backoff(attempt).await,
        }
    }
    Err(ApiError::new(ErrorCode::SessionConflict, "the session kept changing under concurrent writers; retry")
        .with("session_id", id)
        .with("attempts", MAX_CAS_ATTEMPTS))
}

/// The wait before compare-and-set attempt `attempt + 1` (sessions and
/// rounds): a random 0 to 2^min(attempt, 5) ms, so writers on several
/// instances stop colliding.
pub async fn backoff(attempt: u32) {
    let cap = 1u64 << attempt.min(5);
    let jitter = u64::from(random_bytes()[0]) % (cap + 1);
    tokio::time::sleep(Duration::from_millis(jitter)).await;
}

/// A session write route: the operation through [`apply`], core's answer.
async fn write(state: &AppState, now: u64, op: Operation) -> HttpResult<Response> {
    Ok(ok_encoded(apply(state, now, &op).await?.1.answer.to_json()))
}

pub async fn set_cup(state: AppStateRef, Now(now): Now, ApiJson(req): ApiJson<SetCupRequest>) -> HttpResult<Response> {
    write(&state, now, Operation::SetCupLocation(req)).await
}

pub async fn set_ball(
    state: AppStateRef,
    Now(now): Now,
    ApiJson(req): ApiJson<SetBallRequest>,
) -> HttpResult<Response> {
    write(&state, now, Operation::SetBallLocation(req)).await
}

pub async fn set_balls(
    state: AppStateRef,
    Now(now): Now,
    ApiJson(req): ApiJson<SetBallsRequest>,
) -> HttpResult<Response> {
    write(&state, now, Operation::SetBallLocations(req)).await
}

pub async fn get(state: AppStateRef, Now(now): Now, PathParam(id): PathParam) -> HttpResult<Response> {
    let rec = load_live(&state, &id, now).await?;
    Ok(ok(HoleStateResponse { hole_state: session::hole_state(&rec) }))
}

pub async fn remove(state: AppStateRef, Now(now): Now, PathParam(id): PathParam) -> HttpResult<Response> {
    let _guard = state.session_lock(&id).lock().await;
    load_live(&state, &id, now).await?;
    if !timed(&state, "delete", state.store.delete(&id)).await? {
        return Err(session::not_found(&id).into());
    }
    tracing::info!(session_id = %id, "session deleted");
    Ok(ok(greenside_core::api::DeletedResponse::of(&id)))
}
