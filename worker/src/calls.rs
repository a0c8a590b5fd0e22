//! Typed calls between the front and the Durable Objects: each object takes
//! one serde enum of calls and answers JSON text (200) or the error shape.
//! The front passes a session's answer through as the response body, so the
//! text is made once, in the object.
//!
//! ```text
//! front: calls::send(env, SESSIONS, id, &SessionCall { .. }) ─► POST ─► object: calls::read ─► handle ─► calls::reply
//! ```

use greenside_core::error::{ApiError, ErrorCode, OwnedErrorBody};
use serde::Serialize;
use serde::de::DeserializeOwned;
use worker::{Env, Headers, Method, Request, RequestInit, Response};

fn unavailable(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorCode::SessionStoreUnavailable, format!("Durable Object call failed: {e}"))
}

/// POSTs `call` to object `name` of namespace `binding`: the 200 answer's text.
pub async fn send<C: Serialize>(env: &Env, binding: &str, name: &str, call: &C) -> Result<Vec<u8>, ApiError> {
    send_with_events(env, binding, name, call).await.map(|(body, _)| body)
}

/// [`send`], and the answer's [`crate::metrics::EVENTS_HEADER`] (what a
/// session write did, for the metrics).
pub async fn send_with_events<C: Serialize>(
    env: &Env,
    binding: &str,
    name: &str,
    call: &C,
) -> Result<(Vec<u8>, Option<String>), ApiError> {
    let stub = env.durable_object(binding).and_then(|ns| ns.get_by_name(name)).map_err(unavailable)?;
    let headers = Headers::new();
    let _ = headers.set("content-type", "application/json");
    let mut init = RequestInit::new();
    let body = serde_json::to_string(call).map_err(unavailable)?;
    init.with_method(Method::Post).with_headers(headers).with_body(Some(body.into()));
    let url = format!("https://{}/", binding.to_ascii_lowercase());
    let req = Request::new_with_init(&url, &init).map_err(unavailable)?;
    let mut resp = stub.fetch_with_request(req).await.map_err(unavailable)?;
    let status = resp.status_code();
    let events = resp.headers().get(crate::metrics::EVENTS_HEADER).ok().flatten();
    let bytes = resp.bytes().await.map_err(unavailable)?;
    if status == 200 {
        return Ok((bytes, events));
    }
    Err(serde_json::from_slice::<OwnedErrorBody>(&bytes)
        .map(|b| b.error)
        .unwrap_or_else(|e| unavailable(format!("unreadable answer ({status}): {e}"))))
}

/// [`send`], the answer parsed as `T`.
pub async fn call<C: Serialize, T: DeserializeOwned>(
    env: &Env,
    binding: &str,
    name: &str,
    call: &C,
) -> Result<T, ApiError> {
    let bytes = send(env, binding, name, call).await?;
    serde_json::from_slice(&bytes).map_err(|e| unavailable(format!("unreadable answer: {e}")))
}

/// In an object: the call it was sent.
pub async fn read<C: DeserializeOwned>(mut req: Request) -> Result<C, ApiError> {
    let bytes =
        req.bytes().await.map_err(|e| ApiError::new(ErrorCode::InternalError, format!("bad internal call: {e}")))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::new(ErrorCode::InternalError, format!("bad internal call: {e}")))
}

/// In an object: 200 with the answer's text, or the error's status and shape.
pub fn reply(r: Result<Vec<u8>, ApiError>) -> worker::Result<Response> {
    match r {
        Ok(text) => crate::respond::json_text(200, text),
        Err(e) => crate::respond::error(&e),
    }
}

/// In an object: an answer's JSON text.
pub fn text<T: Serialize>(v: &T) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(v).map_err(|e| ApiError::new(ErrorCode::InternalError, e.to_string()))
}

/// The object name of shard `k` of a sharded namespace: `base` for shard 0
/// (so the single object of earlier versions keeps its state), `base-{k}`
/// for the others.
pub fn shard_name(base: &str, k: u32) -> String {
    if k == 0 { base.to_string() } else { format!("{base}-{k}") }
}

/// Calls shards `0..n` of `binding` at once; the answers in shard order.
pub async fn each_shard<C: Serialize, T: DeserializeOwned>(
    env: &Env,
    binding: &str,
    base: &str,
    n: u32,
    call: &C,
) -> Result<Vec<T>, ApiError> {
    futures_util::future::try_join_all((0..n).map(|k| {
        let name = shard_name(base, k);
        async move { self::call(env, binding, &name, call).await }
    }))
    .await
}
