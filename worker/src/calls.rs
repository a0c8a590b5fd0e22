//! Typed calls between the front and the Durable Objects: each object takes
//! one serde enum of calls and answers JSON text (200) or the error shape.
//! The front passes a session's answer through as the response body (the
//! body stream itself, not a copy), so the text is made once, in the object.
//!
//! ```text
//! front: calls::send(env, SESSIONS, id, &SessionCall { .. }) ─► POST ─► object: calls::read ─► handle ─► calls::reply
//! ```

use greenside_core::error::{ApiError, ErrorCode, OwnedErrorBody};
use greenside_core::operation::Events;
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen_futures::JsFuture;
use worker::worker_sys::web_sys;
use worker::{Env, Headers, Method, Request, RequestInit, Response};

fn unavailable(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorCode::SessionStoreUnavailable, format!("Durable Object call failed: {e}"))
}

/// POSTs `call` to object `name` of namespace `binding`: the answer, as
/// the object sent it.
async fn post<C: Serialize>(env: &Env, binding: &str, name: &str, call: &C) -> Result<Response, ApiError> {
    let stub = env.durable_object(binding).and_then(|ns| ns.get_by_name(name)).map_err(unavailable)?;
    let headers = Headers::new();
    let _ = headers.set("content-type", "application/json");
    let mut init = RequestInit::new();
    let body = serde_json::to_string(call).map_err(unavailable)?;
    init.with_method(Method::Post).with_headers(headers).with_body(Some(body.into()));
    let url = format!("https://{}/", binding.to_ascii_lowercase());
    let req = Request::new_with_init(&url, &init).map_err(unavailable)?;
    stub.fetch_with_request(req).await.map_err(unavailable)
}

/// A body's bytes in one `arrayBuffer()` (workers-rs's `Response::bytes`
/// reads a fetched body chunk by chunk through a stream reader: a promise,
/// a microtask and a copy per chunk).
async fn bytes_of(resp: Response) -> Result<Vec<u8>, ApiError> {
    let raw: web_sys::Response = resp.into();
    let promise = raw.array_buffer().map_err(|e| unavailable(format!("{e:?}")))?;
    let buf = JsFuture::from(promise).await.map_err(|e| unavailable(format!("{e:?}")))?;
    Ok(js_sys::Uint8Array::new(&buf).to_vec())
}

/// An error answer's shape, back into the `ApiError` it was.
async fn error_of(resp: Response) -> ApiError {
    let status = resp.status_code();
    match bytes_of(resp).await {
        Ok(bytes) => serde_json::from_slice::<OwnedErrorBody>(&bytes)
            .map(|b| b.error)
            .unwrap_or_else(|e| unavailable(format!("unreadable answer ({status}): {e}"))),
        Err(e) => e,
    }
}

/// POSTs `call` to object `name` of namespace `binding`: the 200 answer's text.
pub async fn send<C: Serialize>(env: &Env, binding: &str, name: &str, call: &C) -> Result<Vec<u8>, ApiError> {
    let resp = post(env, binding, name, call).await?;
    if resp.status_code() == 200 { bytes_of(resp).await } else { Err(error_of(resp).await) }
}

/// [`send`] for an answer that goes out as it came: the object's 200
/// answer as the response to the client (its body streamed through, never
/// copied into this wasm), and core's events from its [`Events::HEADER`]
/// (what a session write did, for the metrics).
pub async fn pass_through<C: Serialize>(
    env: &Env,
    binding: &str,
    name: &str,
    call: &C,
) -> Result<(Response, Option<Events>), ApiError> {
    let resp = post(env, binding, name, call).await?;
    if resp.status_code() != 200 {
        return Err(error_of(resp).await);
    }
    let events = resp.headers().get(Events::HEADER).ok().flatten().map(|v| Events::from_header(&v));
    // A fetched response's headers are immutable: the answer is a new
    // response over the same body, with only its content type.
    let raw: web_sys::Response = resp.into();
    let headers = Headers::new();
    let _ = headers.set("content-type", "application/json");
    let out = Response::from_body(worker::ResponseBody::Stream(raw.body().ok_or_else(|| unavailable("no body"))?))
        .map_err(unavailable)?
        .with_headers(headers);
    Ok((out, events))
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
