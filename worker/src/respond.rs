//! Answers as the native server sends them: JSON bodies, and errors in the
//! one error shape with the status of their code (and `Retry-After`).

use greenside_core::error::{ApiError, ErrorCode};
use worker::{Headers, Response};

/// `text` (JSON already encoded) with `status`.
pub fn json_text(status: u16, text: impl Into<Vec<u8>>) -> worker::Result<Response> {
    body_as(status, text, "application/json")
}

/// `body` with `status` and its content type (JSON, `application/health+json`,
/// OpenMetrics text).
pub fn body_as(status: u16, body: impl Into<Vec<u8>>, content_type: &str) -> worker::Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", content_type)?;
    Ok(Response::from_bytes(body.into())?.with_status(status).with_headers(headers))
}

/// `v` as JSON with `status`.
pub fn json<T: serde::Serialize>(status: u16, v: &T) -> worker::Result<Response> {
    json_text(status, serde_json::to_vec(v).map_err(|e| worker::Error::RustError(e.to_string()))?)
}

pub fn error(e: &ApiError) -> worker::Result<Response> {
    let mut resp = json_text(e.http_status(), e.to_json())?;
    if let Some(secs) = e.retry_after_s() {
        resp.headers_mut().set("retry-after", &secs.to_string())?;
    }
    Ok(resp)
}

/// A runtime failure while building an answer.
pub fn internal(e: worker::Error) -> ApiError {
    ApiError::new(ErrorCode::InternalError, format!("the worker failed unexpectedly: {e}"))
}
