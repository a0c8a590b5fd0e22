//! What a client shares with the servers beyond a session: the contract
//! version, the error codes with their HTTP statuses, the run lifecycle and
//! the rate limit's GCRA arithmetic, as free functions.

use crate::convert::{GcraDecision, to_js};
use crate::error::{bad_arg, js_error};
use greenside_core::error::ErrorCode;
use std::collections::BTreeMap;
use wasm_bindgen::prelude::*;

/// The HTTP API contract this package speaks.
#[wasm_bindgen(js_name = apiContractVersion)]
pub fn api_contract_version() -> String {
    greenside_core::API_CONTRACT_VERSION.to_string()
}

/// Every stable error code with its HTTP status, `{code: status}`.
#[wasm_bindgen(js_name = errorCodes, unchecked_return_type = "Record<string, number>")]
pub fn error_codes() -> JsValue {
    let m: BTreeMap<&str, u16> = ErrorCode::ALL.iter().map(|c| (c.as_str(), c.http_status())).collect();
    to_js(&m)
}

/// One GCRA decision (the rate-limit arithmetic the servers use), for
/// clients that want to pace themselves: `{allow: true, newTatUs}` or
/// `{allow: false, retryAfterMs}`.
#[wasm_bindgen(js_name = gcraCheck, unchecked_return_type = "{ allow: true; newTatUs: number } | { allow: false; retryAfterMs: number }")]
pub fn gcra_check(
    limit: u32,
    period_ms: f64,
    burst: u32,
    tat_us: Option<f64>,
    now_ms: f64,
) -> Result<JsValue, JsValue> {
    let g = greenside_core::gcra::Gcra::new(limit, period_ms.max(0.0) as u64, burst)
        .ok_or_else(|| bad_arg("limit", "limit, periodMs and burst must be at least 1".into()))?;
    let decision = g.check(tat_us.map(|t| t.max(0.0) as u64), now_ms.max(0.0) as u64);
    Ok(to_js(&GcraDecision::from(decision)))
}

/// Whether the run lifecycle allows `from → to` (`queued`, `processing`,
/// `succeeded`, `failed`); throws `run_invalid_transition` when it does not.
#[wasm_bindgen(js_name = checkRunTransition)]
pub fn check_run_transition(from: &str, to: &str) -> Result<(), JsValue> {
    use greenside_core::run::{RunError, RunStatus};
    let parse = |s: &str, field: &str| {
        RunStatus::parse(s).ok_or_else(|| bad_arg(field, format!("{field} must be a run status")))
    };
    let (f, t) = (parse(from, "from")?, parse(to, "to")?);
    if f.can_move_to(t) { Ok(()) } else { Err(js_error(RunError::InvalidTransition { from: f, to: t }.into())) }
}
