//! Round routes: decode, load, call core's `round::apply`, compare-and-save,
//! encode. No scoring or hole-detection rule lives here.

use super::wire::{ApiJson, AppStateRef, HttpResult, Now, PathParam, QueryParams, ok, ok_encoded};
use crate::store::SaveOutcome;
use crate::{AppState, random_bytes, round_store_error};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use greenside_core::api::{NextHoleRequest, RoundFixRequest, RoundStartRequest, SetScoreRequest};
use greenside_core::error::{ApiError, ErrorCode};
use greenside_core::round::{self, RoundDeleted, RoundOp, RoundRecord};

/// Compare-and-set attempts before answering `round_conflict`.
const MAX_CAS_ATTEMPTS: u32 = 64;

/// A round store call, traced and its failure worded.
async fn timed<T>(
    op: &'static str,
    fut: impl std::future::Future<Output = Result<T, crate::store::StoreError>>,
    backend: &'static str,
) -> Result<T, ApiError> {
    let mut span = crate::logging::span(op);
    span.attr("db.system.name", backend);
    let r = fut.await.map_err(round_store_error);
    if let Err(e) = &r {
        span.fail(e.code.as_str());
    }
    r
}

pub async fn start(
    state: AppStateRef,
    Now(now): Now,
    ApiJson(req): ApiJson<RoundStartRequest>,
) -> HttpResult<Response> {
    let course = state.catalog.course(&req.course_id)?;
    let refs = course.holes_in_order();
    let backend = state.rounds.backend();
    // 128 random bits: a collision is not expected, but never overwrite one.
    for _ in 0..3 {
        let id = greenside_core::validate::round_id_from_random(random_bytes());
        let rec = round::start(&req, id.clone(), &course.course, &refs, now)?;
        if timed("round_store.create", state.rounds.create(&rec), backend).await? {
            tracing::info!(round_id = %id, course_id = %req.course_id, competition = req.competition, "round started");
            return Ok(ok_encoded(round::answer_json(&rec)));
        }
    }
    Err(ApiError::new(ErrorCode::InternalError, "could not allocate a round id").into())
}

/// A live round or `round_not_found`.
pub async fn load(state: &AppState, id: &str) -> Result<RoundRecord, ApiError> {
    greenside_core::validate::round_id(id)?;
    timed("round_store.load", state.rounds.load(id), state.rounds.backend()).await?.ok_or_else(|| round::not_found(id))
}

/// Load → core's `round::apply` → compare-and-save, retried on conflict.
async fn write(state: &AppState, now: u64, op: RoundOp) -> HttpResult<Response> {
    let id = op.round_id().to_string();
    greenside_core::validate::round_id(&id)?;
    let backend = state.rounds.backend();
    let _guard = state.session_lock(&id).lock().await;
    for attempt in 0..MAX_CAS_ATTEMPTS {
        let mut rec = load(state, &id).await?;
        let course = state.catalog.course(&rec.course_id)?;
        let refs = course.holes_in_order();
        let expected = rec.revision;
        let applied = round::apply(&mut rec, &op, &refs, &state.settings.rules, now)?;
        if !applied.save {
            return Ok(ok_encoded(applied.answer));
        }
        match timed("round_store.save", state.rounds.save(&rec, expected), backend).await? {
            SaveOutcome::Saved => return Ok(ok_encoded(applied.answer)),
            SaveOutcome::Missing => return Err(round::not_found(&id).into()),
            SaveOutcome::Conflict => super::session::backoff(attempt).await,
        }
    }
    Err(ApiError::new(ErrorCode::RoundConflict, "the round kept changing under concurrent writers; retry")
        .with("round_id", id.as_str())
        .with("attempts", MAX_CAS_ATTEMPTS)
        .into())
}

pub async fn set_ball(
    state: AppStateRef,
    Now(now): Now,
    ApiJson(req): ApiJson<RoundFixRequest>,
) -> HttpResult<Response> {
    write(&state, now, RoundOp::SetBallLocation(req)).await
}

pub async fn next_hole(
    state: AppStateRef,
    Now(now): Now,
    ApiJson(req): ApiJson<NextHoleRequest>,
) -> HttpResult<Response> {
    write(&state, now, RoundOp::NextHole(req)).await
}

pub async fn set_score(
    state: AppStateRef,
    Now(now): Now,
    ApiJson(req): ApiJson<SetScoreRequest>,
) -> HttpResult<Response> {
    write(&state, now, RoundOp::SetScore(req)).await
}

pub async fn get(state: AppStateRef, PathParam(id): PathParam) -> HttpResult<Response> {
    Ok(ok_encoded(round::answer_json(&load(&state, &id).await?)))
}

pub async fn remove(state: AppStateRef, PathParam(id): PathParam) -> HttpResult<Response> {
    let _guard = state.session_lock(&id).lock().await;
    load(&state, &id).await?;
    if !timed("round_store.delete", state.rounds.delete(&id), state.rounds.backend()).await? {
        return Err(round::not_found(&id).into());
    }
    tracing::info!(round_id = %id, "round deleted");
    Ok(ok(RoundDeleted::of(&id)))
}

/// A download: its content type and a file name.
fn download(body: String, content_type: &'static str, name: String) -> Response {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    ([(header::CONTENT_TYPE, HeaderValue::from_static(content_type)), (header::CONTENT_DISPOSITION, disposition)], body)
        .into_response()
}

pub async fn gpx(state: AppStateRef, PathParam(id): PathParam) -> HttpResult<Response> {
    let rec = load(&state, &id).await?;
    Ok(download(round::export::gpx(&rec), round::export::GPX_CONTENT_TYPE, format!("{id}.gpx")))
}

pub async fn csv(state: AppStateRef, PathParam(id): PathParam) -> HttpResult<Response> {
    let rec = load(&state, &id).await?;
    Ok(download(round::export::csv(&rec), round::export::CSV_CONTENT_TYPE, format!("{id}.csv")))
}

pub async fn list(state: AppStateRef, QueryParams(q): QueryParams) -> HttpResult<Response> {
    let q = greenside_core::listing::parse_rounds_query(|k| q.get(k).cloned())?;
    let page = timed("round_store.list", state.rounds.list(&q), state.rounds.backend()).await?;
    Ok(ok(page))
}
