//! `GET /runs/v1`, `GET /runs/v1/{run_id}`, `POST /runs/v1/prune`: admin
//! routes (the front's guard has checked the token).

use super::wire::{ApiJson, AppStateRef, HttpResult, PathParam, QueryParams, now_ms, ok};
use axum::http::HeaderMap;
use axum::response::Response;
use greenside_core::api::PruneRequest;

pub async fn list(state: AppStateRef, QueryParams(q): QueryParams) -> HttpResult<Response> {
    let query = greenside_core::listing::parse_runs_query(|k| q.get(k).cloned())?;
    let (runs, next) = state.runs.list(&query).await?;
    Ok(ok(greenside_core::listing::runs_page_body(&runs, next.as_ref(), query.limit)))
}

pub async fn one(state: AppStateRef, PathParam(run_id): PathParam) -> HttpResult<Response> {
    let run = state.runs.get(&run_id).await?.ok_or_else(|| greenside_core::listing::run_not_found(&run_id))?;
    Ok(ok(run))
}

pub async fn prune(
    state: AppStateRef,
    headers: HeaderMap,
    ApiJson(req): ApiJson<PruneRequest>,
) -> HttpResult<Response> {
    let s = &state.settings;
    let keep = greenside_core::listing::Retention::of(&req, s.retention);
    let now = now_ms(&state, &headers);
    let (report, bundles) = state.runs.retain(&s.debug_bundle_dir, keep, now).await?;
    tracing::info!(scanned = report.scanned, deleted = report.deleted, bundles, trigger = "route", "runs pruned");
    Ok(ok(keep.body(&report, bundles)))
}

/// The run's debug bundle, when bundles are enabled and it was written.
pub async fn bundle(state: AppStateRef, PathParam(run_id): PathParam) -> HttpResult<Response> {
    let missing = || greenside_core::listing::bundle_not_found(&run_id);
    // Run ids are `run_` + 32 hex digits: nothing else ever becomes a path.
    if !greenside_core::listing::is_run_id(&run_id) {
        return Err(missing().into());
    }
    let path = crate::bundle::path_for(&state.settings.debug_bundle_dir, &run_id);
    let text = tokio::fs::read_to_string(&path).await.map_err(|_| missing())?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|_| missing())?;
    Ok(ok(v))
}
