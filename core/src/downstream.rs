//! A downstream call as core sees it: the services' names, what a call
//! returned or how it failed, the one table from failure to stable error
//! code, and what an instance has seen of each service (for `/health`). The
//! platforms make the HTTP call and report what they observed.

use crate::error::{ApiError, ErrorCode};
use crate::plan::PlanType;
use alloc::format;
use alloc::string::{String, ToString};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The service's name in messages, logs and `/health`.
pub fn service_name(plan: PlanType) -> &'static str {
    match plan {
        PlanType::Putt => "putt_solver",
        PlanType::TeeToGreen => "tee_to_green",
    }
}

/// The variable that configures the service's URL.
pub fn url_var(plan: PlanType) -> &'static str {
    match plan {
        PlanType::Putt => "PUTT_SOLVER_URL",
        PlanType::TeeToGreen => "TEE_TO_GREEN_URL",
    }
}

/// Largest downstream answer read, in bytes.
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// What a successful call returned.
#[derive(Debug, Clone, PartialEq)]
pub struct CallAnswer {
    pub plan: Value,
    pub status: u16,
    pub latency_ms: u64,
}

/// A failed call: the error for the client and what was observed.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub error: ApiError,
    pub status: Option<u16>,
    pub latency_ms: Option<u64>,
}

pub type CallOutcome = Result<CallAnswer, Failure>;

/// What went wrong with a call, as a platform observed it.
#[derive(Debug, Clone, PartialEq)]
pub enum CallProblem {
    /// No URL configured.
    NotConfigured,
    /// No answer (or not all of it) within the timeout.
    Timeout { timeout_ms: u64, after_headers: bool },
    /// Refused connection, reset, or a failure before any status.
    Connection { connect: bool },
    /// A status outside 2xx (401/403 mean our key was refused).
    Status,
    /// The body could not be read (too large, cut off).
    Unreadable(String),
    /// A 2xx whose body is not JSON (`Some(parser message)`) or not an object (`None`).
    NotAnObject(Option<String>),
}

fn codes(plan: PlanType) -> [ErrorCode; 5] {
    match plan {
        PlanType::Putt => [
            ErrorCode::PuttSolverNotConfigured,
            ErrorCode::PuttSolverTimeout,
            ErrorCode::PuttSolverUnauthorized,
            ErrorCode::PuttSolverUnavailable,
            ErrorCode::PuttSolverBadResponse,
        ],
        PlanType::TeeToGreen => [
            ErrorCode::TeeToGreenNotConfigured,
            ErrorCode::TeeToGreenTimeout,
            ErrorCode::TeeToGreenUnauthorized,
            ErrorCode::TeeToGreenUnavailable,
            ErrorCode::TeeToGreenBadResponse,
        ],
    }
}

/// The stable error of a failed call:
///
/// | what happened | putt solver | tee-to-green |
/// | --- | --- | --- |
/// | URL not set | `putt_solver_not_configured` 503 | `tee_to_green_not_configured` 503 |
/// | no answer within the timeout | `putt_solver_timeout` 504 | `tee_to_green_timeout` 504 |
/// | 401 / 403 (our key refused) | `putt_solver_unauthorized` 502 | `tee_to_green_unauthorized` 502 |
/// | refused connection, reset, other non-2xx | `putt_solver_unavailable` 502 | `tee_to_green_unavailable` 502 |
/// | 2xx that is not a JSON object | `putt_solver_bad_response` 502 | `tee_to_green_bad_response` 502 |
pub fn call_failure(plan: PlanType, problem: CallProblem, status: Option<u16>, latency_ms: Option<u64>) -> Failure {
    let [not_configured, timeout, unauthorized, unavailable, bad] = codes(plan);
    let name = service_name(plan);
    let (code, msg) = match problem {
        CallProblem::NotConfigured => (not_configured, format!("the {name} is not configured; set {}", url_var(plan))),
        CallProblem::Timeout { timeout_ms, after_headers: false } => {
            (timeout, format!("the {name} did not answer within {timeout_ms} ms"))
        }
        CallProblem::Timeout { after_headers: true, .. } => {
            (timeout, format!("the {name} did not finish its answer in time"))
        }
        CallProblem::Connection { connect } => {
            let why = if connect { "could not connect" } else { "the connection failed" };
            (unavailable, format!("the {name} is unavailable: {why}"))
        }
        CallProblem::Status => match status {
            Some(s @ (401 | 403)) => (unauthorized, format!("the {name} refused our service key ({s})")),
            Some(s) => (unavailable, format!("the {name} answered {s}")),
            None => (unavailable, format!("the {name} answered without a status")),
        },
        CallProblem::Unreadable(m) => (bad, format!("the {name} answer could not be read: {m}")),
        CallProblem::NotAnObject(None) => (bad, format!("the {name} answered JSON that is not an object")),
        CallProblem::NotAnObject(Some(m)) => (bad, format!("the {name} answered something that is not JSON: {m}")),
    };
    Failure { error: ApiError::new(code, msg).with("service", name), status, latency_ms }
}

/// A 2xx body: a JSON object is the plan; anything else is `*_bad_response`.
pub fn parse_answer(plan: PlanType, status: u16, body: &[u8], latency_ms: u64) -> CallOutcome {
    if body.len() > MAX_RESPONSE_BYTES {
        let m = format!("larger than {MAX_RESPONSE_BYTES} bytes");
        return Err(call_failure(plan, CallProblem::Unreadable(m), Some(status), Some(latency_ms)));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(v @ Value::Object(_)) => Ok(CallAnswer { plan: v, status, latency_ms }),
        Ok(_) => Err(call_failure(plan, CallProblem::NotAnObject(None), Some(status), Some(latency_ms))),
        Err(e) => {
            Err(call_failure(plan, CallProblem::NotAnObject(Some(e.to_string())), Some(status), Some(latency_ms)))
        }
    }
}

/// What an instance (or an isolate) has seen of a downstream service, for
/// `/health` (the services are not probed: a probe would cost a plan).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DownstreamSeen {
    pub calls: u64,
    pub failures: u64,
    pub consecutive_failures: u64,
    pub last_success_at_ms: Option<u64>,
    pub last_error_code: Option<String>,
    pub last_error_at_ms: Option<u64>,
}

impl DownstreamSeen {
    /// Counts one call's outcome at `now_ms`.
    pub fn record(&mut self, outcome: &CallOutcome, now_ms: u64) {
        self.calls += 1;
        match outcome {
            Ok(_) => {
                self.consecutive_failures = 0;
                self.last_success_at_ms = Some(now_ms);
            }
            Err(f) => {
                self.failures += 1;
                self.consecutive_failures += 1;
                self.last_error_code = Some(f.error.code.as_str().to_string());
                self.last_error_at_ms = Some(now_ms);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn call_failures_map_to_stable_codes() {
        let f = |p, s| call_failure(PlanType::Putt, p, s, None).error.code;
        assert_eq!(f(CallProblem::NotConfigured, None), ErrorCode::PuttSolverNotConfigured);
        assert_eq!(f(CallProblem::Status, Some(401)), ErrorCode::PuttSolverUnauthorized);
        assert_eq!(f(CallProblem::Status, Some(500)), ErrorCode::PuttSolverUnavailable);
        assert_eq!(
            call_failure(
                PlanType::TeeToGreen,
                CallProblem::Timeout { timeout_ms: 5, after_headers: false },
                None,
                None
            )
            .error
            .code,
            ErrorCode::TeeToGreenTimeout
        );
        assert!(parse_answer(PlanType::Putt, 200, b"{}", 1).is_ok());
        assert_eq!(
            parse_answer(PlanType::Putt, 200, b"[]", 1).unwrap_err().error.code,
            ErrorCode::PuttSolverBadResponse
        );
        assert_eq!(
            parse_answer(PlanType::Putt, 200, b"<", 1).unwrap_err().error.code,
            ErrorCode::PuttSolverBadResponse
        );
    }
}
