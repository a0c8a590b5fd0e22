//! What the front needs beside core's `guard`: request headers, the
//! `/metrics` bearer token, and the per-client rate limit (a `RateLimiter`
//! object per client, core's GCRA and headers).

use crate::incoming::Incoming as Request;
use crate::settings::Settings;
use greenside_core::error::{ApiError, ErrorCode};
use serde_json::json;
use subtle::ConstantTimeEq;
use worker::{Env, Response};

pub fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}

/// Constant time in the secret's content (its length may show).
fn same(given: &str, secret: &str) -> bool {
    bool::from(given.as_bytes().ct_eq(secret.as_bytes()))
}

/// `Authorization: Bearer <token>` (what a Prometheus scrape config sends
/// with `authorization: {credentials: ...}`); else 401 `unauthorized`.
pub fn bearer(req: &Request, token: &crate::settings::Secret) -> Result<(), ApiError> {
    let given = header(req, "authorization").unwrap_or_default();
    let given = given.strip_prefix("Bearer ").unwrap_or("");
    if given.is_empty() || !same(given, token.expose()) {
        return Err(ApiError::new(ErrorCode::Unauthorized, "missing or wrong bearer token for /metrics"));
    }
    Ok(())
}

/// The client: the trusted proxy header's right-most entry when configured,
/// else `CF-Connecting-IP`.
fn client_of(req: &Request, trusted: Option<&str>) -> String {
    if let Some(v) = trusted.and_then(|t| header(req, t)) {
        let last = v.rsplit(',').next().unwrap_or("").trim().to_string();
        if !last.is_empty() && last.len() <= 64 {
            return last;
        }
    }
    header(req, "cf-connecting-ip").filter(|v| v.len() <= 64).unwrap_or_else(|| "unknown".into())
}

/// The `RateLimit-Policy` and `RateLimit` values to add to the answer.
pub type LimitHeaders = Option<(String, String)>;

/// The rate limit of the request's group: `Ok(headers)` to go on, or the
/// 429 error with its headers. A limiter that fails admits the request
/// (logged): it must not take the service down.
pub async fn rate_limit(
    env: &Env,
    s: &Settings,
    req: &Request,
    group: Option<&'static str>,
) -> Result<LimitHeaders, (ApiError, LimitHeaders)> {
    let (Some(limits), Some(group)) = (&s.rate_limits, group) else {
        return Ok(None);
    };
    let client = client_of(req, s.trusted_proxy_header.as_deref());
    let Some(limit) = greenside_core::ratelimit::limit_for(limits, group).cloned() else { return Ok(None) };
    match crate::limiter::check(env, &client, group, crate::runtime::system_now_ms()).await {
        Ok(v) => {
            let headers = Some(greenside_core::ratelimit::rate_limit_headers(&limit, v.remaining, v.retry_after_ms));
            if v.allowed {
                return Ok(headers);
            }
            crate::runtime::log("info", "rate limited", &[("client", json!(client)), ("group", json!(group))]);
            Err((greenside_core::ratelimit::rate_limited(&limit, v.retry_after_ms), headers))
        }
        Err(e) => {
            crate::runtime::log("warn", "rate limiter unavailable; request admitted", &[("error", json!(e.message))]);
            Ok(None)
        }
    }
}

pub fn set_limit_headers(resp: &mut Response, h: &LimitHeaders) {
    if let Some((policy, rl)) = h {
        let _ = resp.headers_mut().set("ratelimit-policy", policy);
        let _ = resp.headers_mut().set("ratelimit", rl);
    }
}
