//! Course routes: the registry and one course's geometry (for maps).

use super::{AppStateRef, HttpResult, PathParam, ok};
use axum::response::Response;
use greenside_core::error::{ApiError, ErrorCode};
use serde_json::json;

pub async fn list(state: AppStateRef) -> HttpResult<Response> {
    let reg = state.catalog.registry.as_ref().map_err(|e| {
        ApiError::new(ErrorCode::CourseDataUnavailable, "the dataset registry failed to load; see /health")
            .with("reason", e.code.as_str())
    })?;
    let courses: Vec<_> = reg
        .datasets
        .iter()
        .map(|d| {
            let loaded = state.catalog.courses.get(&d.course_id);
            let holes: Vec<u32> = match loaded {
                Some(Ok(c)) => c.course.holes.iter().map(|h| h.hole_id).collect(),
                _ => Vec::new(),
            };
            json!({
                "course_id": d.course_id,
                "name": d.name,
                "version": d.version,
                "available": matches!(loaded, Some(Ok(_))),
                "holes": holes,
                "attribution": loaded.and_then(|c| c.as_ref().ok()).and_then(|c| c.course.attribution.clone()),
            })
        })
        .collect();
    Ok(ok(json!({"manifest_contract_version": greenside_core::MANIFEST_CONTRACT_VERSION, "courses": courses})))
}

pub async fn one(state: AppStateRef, PathParam(course_id): PathParam) -> HttpResult<Response> {
    greenside_core::validate::course_id(&course_id)?;
    let c = state.catalog.course(&course_id)?;
    Ok(ok(&c.course))
}
