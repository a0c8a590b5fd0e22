//! Rate-limit policies: the route groups, `RATE_LIMITS` parsing, the 429
//! answer and the `RateLimit` headers (GCRA arithmetic is `gcra.rs`).

use crate::error::{ApiError, ErrorCode};
use crate::gcra::Gcra;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;

/// Route groups with their own limits.
pub const RATE_LIMIT_GROUPS: &[&str] =
    &["default", "start", "set_cup_location", "set_ball_location", "get_hole_advice", "session_read", "admin"];

/// Defaults: a phone sends about one fix a second; bursts cover reconnects.
pub const DEFAULT_RATE_LIMITS: &str =
    "default=600/60:100,start=60/60:20,set_ball_location=600/60:120,get_hole_advice=120/60:30,admin=600/60:100";

/// One group's limit.
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    pub limit: u32,
    pub period_ms: u64,
    pub burst: u32,
    pub gcra: Gcra,
}

/// Parses `RATE_LIMITS` (`group=limit/period_s[:burst],...`); `default` is
/// always present (every group without an entry uses it).
pub fn parse_rate_limits(spec: &str) -> Result<BTreeMap<&'static str, Limit>, String> {
    let mut out = BTreeMap::new();
    for entry in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (group, rest) =
            entry.split_once('=').ok_or_else(|| format!("`{entry}`: expected group=limit/period_s[:burst]"))?;
        let group = *RATE_LIMIT_GROUPS
            .iter()
            .find(|g| **g == group.trim())
            .ok_or_else(|| format!("unknown route group `{group}`"))?;
        let (rate, burst) = match rest.split_once(':') {
            Some((r, b)) => (r, Some(b)),
            None => (rest, None),
        };
        let (limit, period) = rate.split_once('/').ok_or_else(|| format!("`{entry}`: expected limit/period_s"))?;
        let limit: u32 = limit.trim().parse().map_err(|_| format!("`{entry}`: limit must be a whole number"))?;
        let period_s: f64 =
            period.trim().trim_end_matches('s').parse().map_err(|_| format!("`{entry}`: period must be seconds"))?;
        if !(period_s.is_finite() && period_s > 0.0 && period_s <= 86_400.0) {
            return Err(format!("`{entry}`: period must be in (0, 86400] seconds"));
        }
        let burst: u32 = match burst {
            Some(b) => b.trim().parse().map_err(|_| format!("`{entry}`: burst must be a whole number"))?,
            None => limit.max(1),
        };
        let period_ms = libm::round(period_s * 1000.0) as u64;
        let gcra = Gcra::new(limit, period_ms, burst)
            .ok_or_else(|| format!("`{entry}`: limit and burst must be at least 1"))?;
        out.insert(group, Limit { limit, period_ms, burst, gcra });
    }
    if !out.contains_key("default") {
        out.extend(parse_rate_limits("default=600/60:100")?);
    }
    Ok(out)
}

/// The limit of a group (`default` for a group without its own).
pub fn limit_for<'a>(limits: &'a BTreeMap<&'static str, Limit>, group: &str) -> Option<&'a Limit> {
    limits.get(group).or_else(|| limits.get("default"))
}

/// The 429 answer of a denied request.
pub fn rate_limited(limit: &Limit, retry_after_ms: u64) -> ApiError {
    let reset_s = retry_after_ms.div_ceil(1000);
    ApiError::new(ErrorCode::RateLimited, format!("too many requests; retry in {reset_s} s"))
        .with("retry_after_s", reset_s.max(1))
        .with("limit", limit.limit)
        .with("period_s", limit.period_ms.div_ceil(1000))
}

/// `RateLimit-Policy` and `RateLimit` header values.
pub fn rate_limit_headers(limit: &Limit, remaining: u64, retry_after_ms: u64) -> (String, String) {
    let reset_s = retry_after_ms.div_ceil(1000);
    (
        format!("{};w={}", limit.limit, limit.period_ms.div_ceil(1000)),
        format!("limit={}, remaining={}, reset={}", limit.limit, remaining, reset_s),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn limits_parse_and_name_the_problem() {
        let l = parse_rate_limits("start=10/60:5, set_ball_location=2/1s").unwrap();
        assert_eq!((l["start"].limit, l["start"].period_ms, l["start"].burst), (10, 60_000, 5));
        assert_eq!(l["set_ball_location"].burst, 2);
        assert!(l.contains_key("default"));
        for bad in ["nowhere=1/1", "start=0/1", "start=1/0", "start", "start=1/1:x", "start=1/-1"] {
            assert!(parse_rate_limits(bad).is_err(), "{bad}");
        }
        assert!(parse_rate_limits(DEFAULT_RATE_LIMITS).is_ok());
    }
}
