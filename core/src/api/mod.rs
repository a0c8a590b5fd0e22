//! Wire types of API contract 0.5.0 and the one decoding pipeline every
//! platform runs on a POST body:
//!
//! ```text
//! bytes ─ JSON? ─(malformed_json)→ object? ─(invalid_request)→ contract_version ─(unsupported_contract_version)→
//!   fields, by name ─(invalid_request / invalid_coordinates / invalid_accuracy / invalid_session_id / invalid_field)→ T
//! ```
//!
//! Fields are read by hand rather than by `#[derive(Deserialize)]` so every
//! error names its field (`ball_wgs84.lat`, `fixes[3].accuracy_m`) the same
//! way on every platform. Unknown fields are ignored (forward compatibility).

mod read;
mod requests;
mod responses;
mod round;

pub use read::{decode_value, parse_strict, whole_number};
pub use requests::*;
pub use responses::*;
pub use round::*;

use crate::error::{ApiError, ErrorCode};
use alloc::format;
use alloc::string::String;
use serde_json::{Map, Value};

/// Largest request body accepted, in bytes (platforms enforce it before decoding).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A request type read from a JSON object, field by field.
pub trait Request: Sized {
    fn from_object(obj: &Map<String, Value>) -> Result<Self, ApiError>;

    /// A quicker decode of a well-formed body, straight from the bytes into
    /// the request without building a [`Value`] first. `None` for anything it
    /// does not accept outright (unknown fields, nulls, escaped strings,
    /// wrong types, invalid values): such a body takes the general path,
    /// which decides the answer, error included. So this may only ever
    /// return what the general path would.
    fn decode_fast(_body: &[u8]) -> Option<Self> {
        None
    }
}

/// Decodes and validates a POST body (see the module docs for the order of checks).
pub fn decode<T: Request>(body: &[u8]) -> Result<T, ApiError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("request body is {} bytes; the limit is {MAX_BODY_BYTES}", body.len()),
        )
        .with("limit_bytes", MAX_BODY_BYTES));
    }
    if let Some(req) = T::decode_fast(body) {
        return Ok(req);
    }
    decode_value(&parse_strict(body)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The general path alone (what `decode` does without the fast one).
    fn general<T: Request>(body: &[u8]) -> Result<T, ApiError> {
        decode_value(&parse_strict(body)?)
    }

    #[test]
    fn whole_numbers_may_be_written_with_a_fraction() {
        use serde_json::json;
        for (v, want) in [
            (json!(68), Some(68)),
            (json!(68.0), Some(68)),
            (json!(0.0), Some(0)),
            (json!(-0.0), Some(0)),
            (json!(2300.0), Some(2300)),
            (json!(68.5), None),
            (json!(-1), None),
            (json!(-1.0), None),
            (json!(9_007_199_254_740_991.0), Some(9_007_199_254_740_991)),
            (json!(9_007_199_254_740_992.0), None),
            (json!(u64::MAX), Some(u64::MAX)),
            (json!("68"), None),
        ] {
            assert_eq!(whole_number(&v), want, "{v}");
        }
        let start: StartRequest =
            decode(br#"{"contract_version":"0.5.0","course_id":"riverside","hole_id":1.0}"#).unwrap();
        assert_eq!(start.hole_id, 1);
        let e = decode::<StartRequest>(br#"{"contract_version":"0.5.0","course_id":"riverside","hole_id":1.5}"#)
            .unwrap_err();
        assert_eq!(
            (e.code, e.details.get("field").and_then(Value::as_str)),
            (ErrorCode::InvalidRequest, Some("hole_id"))
        );
        let id = "gs_0123456789abcdef0123456789abcdef";
        let body = format!(
            r#"{{"contract_version":"0.5.0","session_id":"{id}","ball_wgs84":{{"lat":1,"lon":2}},"seq":2300.0}}"#
        );
        assert_eq!(decode::<SetBallRequest>(body.as_bytes()).unwrap().fix.seq, Some(2300));
        let body = body.replace("2300.0", "7.5");
        let e = decode::<SetBallRequest>(body.as_bytes()).unwrap_err();
        assert_eq!(e.details.get("field").and_then(Value::as_str), Some("seq"));
    }

    #[test]
    fn a_repeated_key_is_refused_wherever_it_is() {
        for (body, key) in [
            (r#"{"a":1,"a":2}"#, "a"),
            (r#"{"x":{"lat":91,"lat":40.2}}"#, "lat"),
            (r#"[{"k":1},{"k":1,"k":1}]"#, "k"),
            (r#"{"a b":1,"a b":2}"#, "a b"),
        ] {
            let e = parse_strict(body.as_bytes()).unwrap_err();
            assert_eq!(
                (e.code, e.details.get("key").and_then(Value::as_str)),
                (ErrorCode::DuplicateKey, Some(key)),
                "{body}"
            );
        }
        assert_eq!(parse_strict(br#"{"a":1,"b":{"a":2}}"#).unwrap(), serde_json::json!({"a":1,"b":{"a":2}}));
        assert_eq!(parse_strict(b"{").unwrap_err().code, ErrorCode::MalformedJson);
        let v = parse_strict(br#"{"n":-1,"f":1.5,"s":"x","z":null,"t":true,"a":[1]}"#).unwrap();
        assert_eq!(v, serde_json::from_str::<Value>(r#"{"n":-1,"f":1.5,"s":"x","z":null,"t":true,"a":[1]}"#).unwrap());
    }

    #[test]
    fn the_fast_set_ball_decode_answers_what_the_general_path_does() {
        let id = "gs_0123456789abcdef0123456789abcdef";
        let bodies: Vec<String> = [
            r#"{"contract_version":"0.5.0","session_id":"ID","ball_wgs84":{"lat":40.2682,"lon":-111.6595},"accuracy_m":4}"#,
            r#"{"contract_version":"0.5.7","session_id":"ID","ball_wgs84":{"lon":-111.6595,"lat":40},"seq":7,"client_time_ms":1795650000000,"accuracy_kind":"p68"}"#,
            r#"{"session_id":"ID","ball_wgs84":{"lat":1,"lon":2},"contract_version":"0.5.0","accuracy_m":null,"seq":null}"#,
            r#"{"contract_version":"0.5.0","session_id":"ID","ball_wgs84":{"lat":1,"lon":2},"extra":[1e400]}"#,
            r#"{"contract_version":"0.5.0","session_id":"\u0067s_0123456789abcdef0123456789abcdef","ball_wgs84":{"lat":1,"lon":2}}"#,
            r#"{"contract_version":"0.5.0","session_id":"ID","ball_wgs84":{"lat":1,"lon":2,"alt":3}}"#,
            r#"{"contract_version":"0.5.0","session_id":"ID","session_id":"gs_ffffffffffffffffffffffffffffffff","ball_wgs84":{"lat":1,"lon":2}}"#,
            r#"{"contract_version":"0.4.0","session_id":"ID","ball_wgs84":{"lat":1,"lon":2}}"#,
            r#"{"session_id":"ID","ball_wgs84":{"lat":1,"lon":2}}"#,
            r#"{"contract_version":"0.5.0","session_id":"gs_nothex","ball_wgs84":{"lat":1,"lon":2}}"#,
            r#"{"contract_version":"0.5.0","session_id":"ID","ball_wgs84":{"lat":91,"lon":2}}"#,
            r#"{"contract_version":"0.5.0","session_id":"ID","ball_wgs84":{"lat":"1","lon":2}}"#,
            r#"{"contract_version":"0.5.0","session_id":"ID","ball_wgs84":{"lat":1}}"#,
            r#"{"contract_version":"0.5.0","session_id":"ID","ball_wgs84":[1,2]}"#,
            r#"["0.5.0","ID",{"lat":1,"lon":2}]"#,
            r#"{"contract_version":"0.5.0","session_id":"ID","ball_wgs84":{"lat":1,"lon":2,"lat":3}}"#,
            r#"{"contract_version":"0.5.0","session_id":"ID","ball_wgs84":{"lat":null,"lon":2}}"#,
            r#" {"contract_version":"0.5.0","session_id":"ID","ball_wgs84":{"lat":1,"lon":2}}"#,
            r#"{"contract_version":"0.5.0","session_id":"ID","ball_wgs84":{"lat":1,"lon":2},"accuracy_m":0}"#,
            r#"{"contract_version":"0.5.0","session_id":"ID","ball_wgs84":{"lat":1,"lon":2},"accuracy_m":1001}"#,
            r#"{"contract_version":"0.5.0","session_id":"ID","ball_wgs84":{"lat":1,"lon":2},"accuracy_kind":"p50"}"#,
            r#"{"contract_version":"0.5.0","session_id":"ID","ball_wgs84":{"lat":1,"lon":2},"seq":-1}"#,
            r#"{"contract_version":"0.5.0","session_id":"ID","ball_wgs84":{"lat":1,"lon":2},"seq":1.5}"#,
            r#"{"contract_version":"0.5.0","session_id":"ID","ball_wgs84":{"lat":1,"lon":2}} x"#,
            r#"{"contract_version":"0.5.0","session_id":"ID","ball_wgs84":{"lat":1e400,"lon":2}}"#,
            r#"{"contract_version":5,"session_id":"ID","ball_wgs84":{"lat":1,"lon":2}}"#,
            r#"[]"#,
            r#""#,
        ]
        .iter()
        .map(|b| b.replace("ID", id))
        .collect();
        let mut fast_taken = 0;
        for b in &bodies {
            let via_decode = decode::<SetBallRequest>(b.as_bytes());
            let via_general = general::<SetBallRequest>(b.as_bytes());
            assert_eq!(via_decode, via_general, "{b}");
            if SetBallRequest::decode_fast(b.as_bytes()).is_some() {
                fast_taken += 1;
                assert!(via_general.is_ok(), "{b}");
            }
        }
        // The fast path is taken for the plain bodies (else this test proves nothing).
        assert_eq!(fast_taken, 4);
    }
}
