//! Course routes: the registry and one course's geometry (for maps).

use super::wire::{AppStateRef, HttpResult, PathParam, ok};
use axum::response::Response;

pub async fn list(state: AppStateRef) -> HttpResult<Response> {
    Ok(ok(state.catalog.list_body()?))
}

pub async fn one(state: AppStateRef, PathParam(course_id): PathParam) -> HttpResult<Response> {
    greenside_core::validate::course_id(&course_id)?;
    let c = state.catalog.course(&course_id)?;
    Ok(ok(&c.course))
}
