//! Calls to the putt solver and the tee-to-green planner.
//!
//! One HTTP client (connection pooling, rustls), built once. The request body
//! is the one core built (`advice::DownstreamRequest`); `X-API-Key` is sent
//! when configured and never logged. Every failure maps to a stable code:
//!
//! | what happened | putt solver | tee-to-green |
//! | --- | --- | --- |
//! | URL not set | `putt_solver_not_configured` 503 | `tee_to_green_not_configured` 503 |
//! | no answer within the timeout | `putt_solver_timeout` 504 | `tee_to_green_timeout` 504 |
//! | 401 / 403 (our key refused) | `putt_solver_unauthorized` 502 | `tee_to_green_unauthorized` 502 |
//! | refused connection, reset, other non-2xx | `putt_solver_unavailable` 502 | `tee_to_green_unavailable` 502 |
//! | 2xx that is not a JSON object | `putt_solver_bad_response` 502 | `tee_to_green_bad_response` 502 |

use crate::settings::Downstream;
use greenside_core::advice::{DownstreamRequest, PlanType};
use greenside_core::error::{ApiError, ErrorCode};
use serde_json::Value;
use std::time::{Duration, Instant};

/// Largest downstream answer read, in bytes.
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Clients {
    http: reqwest::Client,
}

/// What a successful call returned.
#[derive(Debug, Clone)]
pub struct Answer {
    pub plan: Value,
    pub status: u16,
    pub latency_ms: u64,
}

/// A failed call: the error for the client and what was observed.
#[derive(Debug, Clone)]
pub struct Failure {
    pub error: ApiError,
    pub status: Option<u16>,
    pub latency_ms: Option<u64>,
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

/// The service's name in messages, logs and `/health`.
pub fn service_name(plan: PlanType) -> &'static str {
    match plan {
        PlanType::Putt => "putt_solver",
        PlanType::TeeToGreen => "tee_to_green",
    }
}

impl Clients {
    pub fn new() -> Result<Clients, reqwest::Error> {
        let http = reqwest::Client::builder()
            .pool_idle_timeout(Duration::from_secs(60))
            .connect_timeout(Duration::from_secs(2))
            .user_agent(concat!("greenside/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Clients { http })
    }

    /// POSTs `body` to the service of its plan type.
    pub async fn call(&self, cfg: &Downstream, body: &DownstreamRequest) -> Result<Answer, Failure> {
        let plan = body.plan_type;
        let [not_configured, timeout, unauthorized, unavailable, bad] = codes(plan);
        let name = service_name(plan);
        let Some(base) = cfg.url.as_deref() else {
            let var = if plan == PlanType::Putt { "PUTT_SOLVER_URL" } else { "TEE_TO_GREEN_URL" };
            return Err(Failure {
                error: ApiError::new(not_configured, format!("the {name} is not configured; set {var}"))
                    .with("service", name),
                status: None,
                latency_ms: None,
            });
        };
        let url = format!("{base}{}", plan.path());
        let mut req = self.http.post(&url).json(body).timeout(cfg.timeout);
        if let Some(key) = &cfg.api_key {
            req = req.header("X-API-Key", key);
        }
        let t0 = Instant::now();
        let elapsed = |t0: Instant| t0.elapsed().as_millis() as u64;
        let fail = |code: ErrorCode, msg: String, status: Option<u16>, t0: Instant| Failure {
            error: ApiError::new(code, msg).with("service", name),
            status,
            latency_ms: Some(elapsed(t0)),
        };
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) if e.is_timeout() => {
                return Err(fail(timeout, format!("the {name} did not answer within {:?}", cfg.timeout), None, t0));
            }
            Err(e) => {
                // The error text may carry the URL, never the key (headers are not part of it).
                let why = if e.is_connect() { "could not connect" } else { "the connection failed" };
                return Err(fail(unavailable, format!("the {name} is unavailable: {why}"), None, t0));
            }
        };
        let status = resp.status().as_u16();
        if status == 401 || status == 403 {
            return Err(fail(unauthorized, format!("the {name} refused our service key ({status})"), Some(status), t0));
        }
        if !resp.status().is_success() {
            return Err(fail(unavailable, format!("the {name} answered {status}"), Some(status), t0));
        }
        let bytes = match tokio::time::timeout(cfg.timeout.saturating_sub(t0.elapsed()), read_limited(resp)).await {
            Err(_) => {
                return Err(fail(timeout, format!("the {name} did not finish its answer in time"), Some(status), t0));
            }
            Ok(Err(msg)) => {
                return Err(fail(bad, format!("the {name} answer could not be read: {msg}"), Some(status), t0));
            }
            Ok(Ok(b)) => b,
        };
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(v @ Value::Object(_)) => Ok(Answer { plan: v, status, latency_ms: elapsed(t0) }),
            Ok(_) => Err(fail(bad, format!("the {name} answered JSON that is not an object"), Some(status), t0)),
            Err(e) => Err(fail(bad, format!("the {name} answered something that is not JSON: {e}"), Some(status), t0)),
        }
    }
}

async fn read_limited(mut resp: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| e.to_string())? {
        out.extend_from_slice(&chunk);
        if out.len() > MAX_RESPONSE_BYTES {
            return Err(format!("larger than {MAX_RESPONSE_BYTES} bytes"));
        }
    }
    Ok(out)
}
