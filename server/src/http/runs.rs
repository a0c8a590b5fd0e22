//! `GET /runs/v1`, `GET /runs/v1/{run_id}`, `POST /runs/v1/prune` (admin).

use super::admin::{DEFAULT_LIMIT, MAX_LIMIT, check_admin};
use super::{ApiJson, AppStateRef, HttpResult, PathParam, QueryParams, now_ms, ok};
use crate::runs::{RunCursor, RunFilter};
use axum::http::HeaderMap;
use axum::response::Response;
use greenside_core::advice::PlanType;
use greenside_core::api::PruneRequest;
use greenside_core::error::{ApiError, ErrorCode};
use greenside_core::run::RunStatus;
use serde_json::json;

fn bad(field: &str, msg: &str) -> ApiError {
    ApiError::new(ErrorCode::InvalidQuery, msg.to_string()).field(field)
}

/// Opaque to clients: `r` + created_at_ms in hex + `.` + run_id.
fn encode_cursor(c: &RunCursor) -> String {
    format!("r{:x}.{}", c.0, c.1)
}

fn decode_cursor(s: &str) -> Option<RunCursor> {
    let (t, id) = s.strip_prefix('r')?.split_once('.')?;
    let t = u64::from_str_radix(t, 16).ok()?;
    (id.starts_with("run_") && id.len() == 36 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .then(|| (t, id.to_string()))
}

pub async fn list(state: AppStateRef, headers: HeaderMap, QueryParams(q): QueryParams) -> HttpResult<Response> {
    check_admin(&state, &headers)?;
    let ms = |k: &str| -> Result<Option<u64>, ApiError> {
        q.get(k)
            .map(|v| v.parse::<u64>().map_err(|_| bad(k, &format!("{k} must be milliseconds since the epoch"))))
            .transpose()
    };
    let filter = RunFilter {
        status: q
            .get("status")
            .map(|s| {
                RunStatus::parse(s)
                    .ok_or_else(|| bad("status", "status must be queued, processing, succeeded or failed"))
            })
            .transpose()?,
        plan_type: q
            .get("plan_type")
            .map(|p| match p.as_str() {
                "PUTT" => Ok(PlanType::Putt),
                "TEE_TO_GREEN" => Ok(PlanType::TeeToGreen),
                _ => Err(bad("plan_type", "plan_type must be PUTT or TEE_TO_GREEN")),
            })
            .transpose()?,
        course_id: q.get("course_id").cloned(),
        created_from_ms: ms("created_from_ms")?,
        created_to_ms: ms("created_to_ms")?,
    };
    let limit = match q.get("limit") {
        None => DEFAULT_LIMIT,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| bad("limit", &format!("limit must be 1..={MAX_LIMIT}")))?,
    };
    let cursor = match q.get("cursor").map(String::as_str) {
        None | Some("") => None,
        Some(c) => Some(decode_cursor(c).ok_or_else(|| bad("cursor", "cursor is not one this service issued"))?),
    };
    let (runs, next) = state.runs.list(&filter, cursor.as_ref(), limit).await?;
    Ok(ok(json!({"runs": runs, "next_cursor": next.as_ref().map(encode_cursor), "limit": limit})))
}

pub async fn one(state: AppStateRef, headers: HeaderMap, PathParam(run_id): PathParam) -> HttpResult<Response> {
    check_admin(&state, &headers)?;
    let run = state.runs.get(&run_id).await?.ok_or_else(|| {
        ApiError::new(ErrorCode::RunNotFound, format!("no run `{run_id}`")).with("run_id", run_id.as_str())
    })?;
    Ok(ok(run))
}

pub async fn prune(
    state: AppStateRef,
    headers: HeaderMap,
    ApiJson(req): ApiJson<PruneRequest>,
) -> HttpResult<Response> {
    check_admin(&state, &headers)?;
    let s = &state.settings;
    let max_runs = req.max_runs.unwrap_or(s.runs_prune_max_runs);
    let max_age_days = req.max_age_days.unwrap_or(s.runs_prune_max_age_days);
    let now = now_ms(&state, &headers);
    let report = state.runs.prune(Some(max_runs), Some(max_age_days.saturating_mul(86_400_000)), now).await?;
    let bundles = crate::bundle::remove(&s.debug_bundle_dir, &report.deleted_ids).await;
    tracing::info!(scanned = report.scanned, deleted = report.deleted, bundles, "runs pruned");
    Ok(ok(json!({
        "scanned": report.scanned,
        "deleted": report.deleted,
        "kept": report.kept,
        "bundles_deleted": bundles,
        "max_runs": max_runs,
        "max_age_days": max_age_days,
    })))
}

/// The run's debug bundle, when bundles are enabled and it was written.
pub async fn bundle(state: AppStateRef, headers: HeaderMap, PathParam(run_id): PathParam) -> HttpResult<Response> {
    check_admin(&state, &headers)?;
    let missing = || {
        ApiError::new(ErrorCode::RunNotFound, format!("no debug bundle for run `{run_id}`"))
            .with("run_id", run_id.as_str())
    };
    // Run ids are `run_` + 32 hex digits: nothing else ever becomes a path.
    if !(run_id.len() == 36 && run_id.starts_with("run_") && run_id[4..].bytes().all(|b| b.is_ascii_hexdigit())) {
        return Err(missing().into());
    }
    let path = crate::bundle::path_for(&state.settings.debug_bundle_dir, &run_id);
    let text = tokio::fs::read_to_string(&path).await.map_err(|_| missing())?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|_| missing())?;
    Ok(ok(v))
}
