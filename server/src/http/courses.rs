//! Course routes: the registry and one course's geometry (for maps).

use super::wire::{AppStateRef, HttpResult, PathParam, PathParams, QueryParams, ok};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use greenside_core::error::{ApiError, ErrorCode};

pub async fn list(state: AppStateRef) -> HttpResult<Response> {
    Ok(ok(state.catalog.list_body()?))
}

/// One course file, as JSON encoded once at load, with its ETag: a client
/// that has it (`If-None-Match`) gets 304 and no body.
pub async fn one(state: AppStateRef, PathParam(course_id): PathParam, headers: HeaderMap) -> HttpResult<Response> {
    greenside_core::validate::course_id(&course_id)?;
    state.catalog.course(&course_id)?;
    let (body, etag) = state.catalog.course_json(&course_id)?;
    let tag = HeaderValue::from_str(etag).map_err(|_| ApiError::new(ErrorCode::InternalError, "bad ETag"))?;
    let cache = (header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if super::wire::etag_matches(&headers, etag) {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, tag), cache]).into_response());
    }
    let json = (header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok((StatusCode::OK, [(header::ETAG, tag), cache, json], body.clone()).into_response())
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

/// `GET /api/courses/{course_id}/holes/{hole_id}/measure?from=&to=`: core's measure route.
pub async fn measure(
    state: AppStateRef,
    PathParams(ids): PathParams,
    QueryParams(q): QueryParams,
) -> HttpResult<Response> {
    let [course_id, hole_id] = ids.as_slice() else {
        return Err(ApiError::new(ErrorCode::InvalidRequest, "bad path parameters").into());
    };
    let measured = greenside_core::measure::answer(
        &state.catalog,
        course_id,
        hole_id,
        |k| q.get(k).cloned(),
        &state.settings.rules,
    )?;
    Ok(ok(&measured))
}
