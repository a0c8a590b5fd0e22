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

use crate::calls;
use greenside_core::error::{ApiError, ErrorCode};
use greenside_core::gcra::Decision;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::BTreeMap;
use worker::{DurableObject, Env, Request, Response, State, durable_object};

pub const BINDING: &str = "RATE_LIMITER";

#[durable_object(fetch)]
pub struct RateLimiter {
    env: Env,
    tat_us: RefCell<BTreeMap<String, u64>>,
}

/// One check of one client's group.
#[derive(Debug, Serialize, Deserialize)]
pub struct Check {
    pub group: String,
    pub now_ms: u64,
}

/// The limiter's verdict.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Verdict {
    pub allowed: bool,
    pub remaining: u64,
    pub retry_after_ms: u64,
}

impl RateLimiter {
    fn handle(&self, call: &Check) -> Result<Verdict, ApiError> {
        let settings = crate::settings::get(&self.env)?;
        let limits = settings
            .rate_limits
            .as_ref()
            .ok_or_else(|| ApiError::new(ErrorCode::InternalError, "rate limits are off"))?;
        let group = call.group.as_str();
        let limit = greenside_core::ratelimit::limit_for(limits, group)
            .ok_or_else(|| ApiError::new(ErrorCode::InternalError, "no default rate limit"))?;
        let now = call.now_ms;
        let mut t = self.tat_us.borrow_mut();
        let tat = t.get(group).copied();
        Ok(match limit.gcra.check(tat, now) {
            Decision::Allow { new_tat_us } => {
                t.insert(group.to_string(), new_tat_us);
                Verdict { allowed: true, remaining: limit.gcra.remaining(new_tat_us, now), retry_after_ms: 0 }
            }
            Decision::Deny { retry_after_ms } => Verdict { allowed: false, remaining: 0, retry_after_ms },
        })
    }
}

impl DurableObject for RateLimiter {
    fn new(_state: State, env: Env) -> Self {
        RateLimiter { env, tat_us: RefCell::new(BTreeMap::new()) }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        let verdict = calls::read::<Check>(req).await.and_then(|c| self.handle(&c));
        calls::reply(verdict.and_then(|v| calls::text(&v)))
    }
}

/// The limiter's verdict for `client` in `group`.
pub async fn check(env: &Env, client: &str, group: &str, now_ms: u64) -> Result<Verdict, ApiError> {
    calls::call(env, BINDING, client, &Check { group: group.into(), now_ms }).await
}
