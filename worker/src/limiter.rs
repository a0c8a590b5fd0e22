//! Per-client rate limiting with core's GCRA in a `RateLimiter` Durable
//! Object, one per client address (`CF-Connecting-IP`, or the trusted proxy
//! header), so the limit holds across every isolate and location.
//!
//! Why not the Workers rate-limiting binding: its limits are per location and
//! eventually consistent, its periods are only 10 s or 60 s, and it gives no
//! remaining count or retry time, so it could not answer the same
//! `RateLimit`/`Retry-After` headers as the native server. The object keeps
//! each group's theoretical arrival time in memory: an evicted object
//! forgets it, which only hands that client a fresh burst.

use crate::http::{Internal, internal_response};
use greenside_core::error::{ApiError, ErrorCode};
use greenside_core::gcra::Decision;
use greenside_core::service;
use serde_json::{Value, json};
use std::cell::RefCell;
use std::collections::BTreeMap;
use worker::{DurableObject, Env, Request, Response, State, durable_object};

pub const BINDING: &str = "RATE_LIMITER";

#[durable_object]
pub struct RateLimiter {
    env: Env,
    tat_us: RefCell<BTreeMap<String, u64>>,
}

impl RateLimiter {
    fn handle(&self, call: &Internal) -> Result<Value, ApiError> {
        let settings = crate::settings::get(&self.env)?;
        let limits = settings
            .rate_limits
            .as_ref()
            .ok_or_else(|| ApiError::new(ErrorCode::InternalError, "rate limits are off"))?;
        let group = call.body["group"].as_str().unwrap_or("default");
        let limit = service::limit_for(limits, group)
            .ok_or_else(|| ApiError::new(ErrorCode::InternalError, "no default rate limit"))?;
        let now = call.now_ms;
        let mut t = self.tat_us.borrow_mut();
        let tat = t.get(group).copied();
        Ok(match limit.gcra.check(tat, now) {
            Decision::Allow { new_tat_us } => {
                t.insert(group.to_string(), new_tat_us);
                json!({"allowed": true, "remaining": limit.gcra.remaining(new_tat_us, now), "retry_after_ms": 0})
            }
            Decision::Deny { retry_after_ms } => {
                json!({"allowed": false, "remaining": 0, "retry_after_ms": retry_after_ms})
            }
        })
    }
}

impl DurableObject for RateLimiter {
    fn new(_state: State, env: Env) -> Self {
        RateLimiter { env, tat_us: RefCell::new(BTreeMap::new()) }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        match Internal::read(req).await {
            Ok(call) => internal_response(self.handle(&call)),
            Err(e) => internal_response(Err(e)),
        }
    }
}

/// The limiter's verdict: (allowed, remaining, retry_after_ms).
pub async fn check(env: &Env, client: &str, group: &str, now_ms: u64) -> Result<(bool, u64, u64), ApiError> {
    let v =
        crate::http::call_object(env, BINDING, client, &Internal::new("check", "", now_ms, json!({"group": group})))
            .await?;
    Ok((
        v["allowed"].as_bool().unwrap_or(true),
        v["remaining"].as_u64().unwrap_or(0),
        v["retry_after_ms"].as_u64().unwrap_or(0),
    ))
}
