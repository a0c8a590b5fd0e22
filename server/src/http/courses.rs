//! Course routes: the registry and one course's geometry (for maps).

use super::wire::{AppStateRef, HttpResult, PathParam, QueryParams, ok};
use axum::response::Response;

pub async fn list(state: AppStateRef) -> HttpResult<Response> {
    Ok(ok(state.catalog.list_body()?))
}

pub async fn one(state: AppStateRef, PathParam(course_id): PathParam) -> HttpResult<Response> {
    greenside_core::validate::course_id(&course_id)?;
    let c = state.catalog.course(&course_id)?;
    Ok(ok(&c.course))
}

pub async fn locate(
    state: AppStateRef,
    PathParam(course_id): PathParam,
    QueryParams(q): QueryParams,
) -> HttpResult<Response> {
    let located =
        greenside_core::locate::answer(&state.catalog, &course_id, |k| q.get(k).cloned(), &state.settings.rules)?;
    Ok(ok(&located))
}
