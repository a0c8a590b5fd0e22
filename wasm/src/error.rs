//! Errors as JavaScript sees them: an `Error` named `GreensideError` with
//! the HTTP API's stable `code` and its `details`.

use greenside_core::error::{ApiError, ErrorCode};
use serde::Serialize;
use wasm_bindgen::JsValue;

/// An `ApiError` as a JS `Error` named `GreensideError` with `code` and `details`.
pub(crate) fn js_error(e: ApiError) -> JsValue {
    let err = js_sys::Error::new(&e.message);
    err.set_name("GreensideError");
    let obj: &JsValue = err.as_ref();
    let _ = js_sys::Reflect::set(obj, &"code".into(), &e.code.as_str().into());
    let details = e.details.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).unwrap_or(JsValue::NULL);
    let _ = js_sys::Reflect::set(obj, &"details".into(), &details);
    err.into()
}

/// `invalid_request` naming the argument `field`.
pub(crate) fn bad_arg(field: &str, message: String) -> JsValue {
    js_error(ApiError::new(ErrorCode::InvalidRequest, message).field(field))
}
