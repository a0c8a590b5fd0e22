//! Calls to the putt solver and the tee-to-green planner.
//!
//! One HTTP client (connection pooling, rustls), built once. The request body
//! is the one core built (`advice::DownstreamRequest`); `X-API-Key` is sent
//! when configured and never logged. What went wrong is mapped to a stable
//! code by core (`service::call_failure`, the same table as the edge worker).

use crate::settings::Downstream;
use greenside_core::advice::DownstreamRequest;
use greenside_core::service::{CallProblem, call_failure, parse_answer};
use std::time::{Duration, Instant};

pub use greenside_core::service::{Answer, Failure, MAX_RESPONSE_BYTES, service_name};

#[derive(Debug, Clone)]
pub struct Clients {
    http: reqwest::Client,
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
        let Some(base) = cfg.url.as_deref() else {
            return Err(call_failure(plan, CallProblem::NotConfigured, None, None));
        };
        let url = format!("{base}{}", plan.path());
        let mut req = self.http.post(&url).json(body).timeout(cfg.timeout);
        if let Some(key) = &cfg.api_key {
            req = req.header("X-API-Key", key);
        }
        let t0 = Instant::now();
        let elapsed = |t0: Instant| Some(t0.elapsed().as_millis() as u64);
        let timeout_ms = cfg.timeout.as_millis() as u64;
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) if e.is_timeout() => {
                let p = CallProblem::Timeout { timeout_ms, after_headers: false };
                return Err(call_failure(plan, p, None, elapsed(t0)));
            }
            // The error text may carry the URL, never the key; it is not passed on.
            Err(e) => {
                return Err(call_failure(plan, CallProblem::Connection { connect: e.is_connect() }, None, elapsed(t0)));
            }
        };
        let status = resp.status().as_u16();
        if !resp.status().is_success() {
            return Err(call_failure(plan, CallProblem::Status, Some(status), elapsed(t0)));
        }
        let bytes = match tokio::time::timeout(cfg.timeout.saturating_sub(t0.elapsed()), read_limited(resp)).await {
            Err(_) => {
                let p = CallProblem::Timeout { timeout_ms, after_headers: true };
                return Err(call_failure(plan, p, Some(status), elapsed(t0)));
            }
            Ok(Err(msg)) => return Err(call_failure(plan, CallProblem::Unreadable(msg), Some(status), elapsed(t0))),
            Ok(Ok(b)) => b,
        };
        parse_answer(plan, status, &bytes, t0.elapsed().as_millis() as u64)
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
