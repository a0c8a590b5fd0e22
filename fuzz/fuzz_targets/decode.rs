//! Request decoding and validation: any bytes, every request type, and the
//! admin query parsers. Never a panic; an error is always one of the codes.
//! The fast `set_ball_location` decode, whenever it takes a body, answers
//! exactly what the general path (strict JSON, then the fields by name) does.
#![no_main]

use greenside_core::api::{self, AdviceRequest, PruneRequest, SetBallRequest, SetBallsRequest, SetCupRequest, StartRequest};
use greenside_core::error::ErrorCode;
use libfuzzer_sys::fuzz_target;

fn check<T: api::Request>(data: &[u8]) {
    if let Err(e) = api::decode::<T>(data) {
        assert!(ErrorCode::from_code(e.code.as_str()).is_some());
        assert!((400..600).contains(&e.http_status()));
    }
}

fuzz_target!(|data: &[u8]| {
    check::<StartRequest>(data);
    check::<SetCupRequest>(data);
    check::<SetBallRequest>(data);
    if let Some(fast) = <SetBallRequest as api::Request>::decode_fast(data) {
        let general = api::parse_strict(data).and_then(|v| api::decode_value::<SetBallRequest>(&v));
        assert_eq!(Ok(fast), general, "the fast decode took a body the general path answers otherwise");
    }
    check::<SetBallsRequest>(data);
    check::<AdviceRequest>(data);
    check::<PruneRequest>(data);
    // The same bytes as query values.
    if let Ok(text) = std::str::from_utf8(data) {
        let parts: Vec<&str> = text.split('&').collect();
        let q = |k: &str| parts.iter().find_map(|p| p.strip_prefix(k).and_then(|v| v.strip_prefix('='))).map(str::to_string);
        let _ = greenside_core::listing::parse_runs_query(q);
        let _ = greenside_core::listing::parse_sessions_query(q);
        let _ = greenside_core::listing::decode_run_cursor(text);
        let _ = greenside_core::validate::session_id(text);
        let _ = greenside_core::validate::course_id(text);
    }
});
