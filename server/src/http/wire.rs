//! The request body pipeline and the one error shape: core's decode behind
//! axum extractors (`ApiJson`, `PathParam`, `QueryParams`, `Now`), and the
//! answers (`ok`, `ok_encoded`, `HttpError`).

use crate::AppState;
use crate::clock::TEST_NOW_HEADER;
use axum::Json;
use axum::body::Body;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use greenside_core::api::{self, MAX_BODY_BYTES};
use greenside_core::error::{ApiError, ErrorCode};
use std::sync::Arc;

/// An `ApiError` on its way out: the status of its code and the one body shape.
#[derive(Debug)]
pub struct HttpError(pub ApiError);

impl From<ApiError> for HttpError {
    fn from(e: ApiError) -> Self {
        HttpError(e)
    }
}

impl From<crate::store::StoreError> for HttpError {
    fn from(e: crate::store::StoreError) -> Self {
        HttpError(crate::store_error(e))
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        error_response(&self.0)
    }
}

/// Whether `If-None-Match` names `etag` (a list, `*`, or a weak `W/` tag:
/// the weak comparison RFC 9110 asks of `If-None-Match`).
pub fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_string();
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == "*" || bare(t) == bare(etag))
}

pub fn error_response(e: &ApiError) -> Response {
    let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = (status, [(header::CONTENT_TYPE, "application/json")], e.to_json()).into_response();
    // For the front's `errors_total{code}`.
    resp.extensions_mut().insert(e.code);
    if let Some(secs) = e.retry_after_s() {
        if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    resp
}

pub type HttpResult<T> = Result<T, HttpError>;

/// A POST body decoded by core: `application/json`, at most
/// [`MAX_BODY_BYTES`], then core's decode pipeline (contract version,
/// fields by name).
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: api::Request, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = HttpError;

    async fn from_request(req: Request, _: &S) -> Result<Self, Self::Rejection> {
        let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if mime != "application/json" {
            return Err(ApiError::new(
                ErrorCode::UnsupportedMediaType,
                format!("request body must be application/json (got `{}`)", if ct.is_empty() { "nothing" } else { ct }),
            )
            .into());
        }
        let bytes = read_body(req.into_body()).await?;
        Ok(ApiJson(api::decode(&bytes)?))
    }
}

/// One path parameter; a rejection (bad percent-encoding, not UTF-8) is a
/// 400 in the error shape instead of axum's plain-text answer.
#[derive(Debug)]
pub struct PathParam(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PathParam {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<String>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(PathParam(v)),
            Err(e) => Err(ApiError::new(ErrorCode::InvalidRequest, format!("bad path parameter: {e}")).into()),
        }
    }
}

/// Every path parameter, in order (a route with more than one).
pub struct PathParams(pub Vec<String>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PathParams {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<Vec<String>>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(PathParams(v)),
            Err(e) => Err(ApiError::new(ErrorCode::InvalidRequest, format!("bad path parameter: {e}")).into()),
        }
    }
}

/// The query string as name → value (last one wins); never rejects.
#[derive(Debug, Default)]
pub struct QueryParams(pub std::collections::HashMap<String, String>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for QueryParams {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        Ok(QueryParams(url::form_urlencoded::parse(q.as_bytes()).into_owned().collect()))
    }
}

/// How much of an oversized body is read (and discarded) before answering
/// 413, so the client sees the answer instead of a reset connection.
const DRAIN_LIMIT: usize = 1024 * 1024;

/// Reads at most [`MAX_BODY_BYTES`]; more is `payload_too_large`.
async fn read_body(body: Body) -> Result<Vec<u8>, ApiError> {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut buf = Vec::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame
            .map_err(|e| ApiError::new(ErrorCode::InvalidRequest, format!("could not read the request body: {e}")))?;
        if let Some(data) = frame.data_ref() {
            seen += data.len();
            if seen <= MAX_BODY_BYTES {
                buf.extend_from_slice(data);
            } else if seen > DRAIN_LIMIT {
                break;
            }
        }
    }
    if seen > MAX_BODY_BYTES {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("request body exceeds the {MAX_BODY_BYTES}-byte limit"),
        )
        .with("limit_bytes", MAX_BODY_BYTES));
    }
    Ok(buf)
}

/// The request's `now_ms` (the test clock's header when enabled).
pub fn now_ms(state: &AppState, headers: &HeaderMap) -> u64 {
    state.clock.now_for(headers.get(TEST_NOW_HEADER).and_then(|v| v.to_str().ok()))
}

/// The request's `now_ms` as an extractor: reads the test clock's header in
/// place (taking `HeaderMap` would copy every header of the request).
#[derive(Debug, Clone, Copy)]
pub struct Now(pub u64);

impl axum::extract::FromRequestParts<Arc<AppState>> for Now {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        Ok(Now(now_ms(state, &parts.headers)))
    }
}

/// JSON with a 200.
pub fn ok<T: serde::Serialize>(v: T) -> Response {
    Json(v).into_response()
}

/// JSON with the given status (an advice answer carries its failure's).
pub fn ok_status<T: serde::Serialize>(status: u16, v: T) -> Response {
    let mut resp = ok(v);
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    resp
}

/// Already encoded JSON with a 200 (the hot answers, see `greenside_core::json`).
pub fn ok_encoded(body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
}

/// The server's state as every handler takes it (axum's `State` extractor).
pub type AppStateRef = State<Arc<AppState>>;
