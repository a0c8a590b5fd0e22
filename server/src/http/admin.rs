//! Admin routes, guarded by `ADMIN_TOKEN` (`x-admin-token`, constant-time
//! comparison). Without `ADMIN_TOKEN` the admin routes are disabled (403).

use super::{AppStateRef, HttpResult, QueryParams, now_ms, ok};
use crate::store::SessionStore;
use axum::http::HeaderMap;
use axum::response::Response;
use greenside_core::error::{ApiError, ErrorCode};
use serde_json::json;
use subtle::ConstantTimeEq;

/// Default and largest page size of `GET /api/sessions`.
pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 200;

pub fn check_admin(state: &crate::AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(token) = state.settings.admin_token.as_deref() else {
        return Err(ApiError::new(ErrorCode::Forbidden, "admin routes are disabled; set ADMIN_TOKEN to enable them"));
    };
    let given = headers.get("x-admin-token").map(|v| v.as_bytes()).unwrap_or(b"");
    if bool::from(given.ct_eq(token.as_bytes())) {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::Forbidden, "missing or wrong x-admin-token"))
    }
}

/// Cursors are opaque to clients: `c` + the last session number, in hex.
fn encode_cursor(after: u64) -> String {
    format!("c{after:x}")
}

fn decode_cursor(c: &str) -> Option<u64> {
    c.strip_prefix('c').and_then(|h| u64::from_str_radix(h, 16).ok())
}

pub async fn sessions(state: AppStateRef, headers: HeaderMap, QueryParams(q): QueryParams) -> HttpResult<Response> {
    check_admin(&state, &headers)?;
    let limit = match q.get("limit").map(String::as_str) {
        None => DEFAULT_LIMIT,
        Some(l) => match l.parse::<usize>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => {
                return Err(ApiError::new(ErrorCode::InvalidQuery, format!("limit must be 1..={MAX_LIMIT}"))
                    .field("limit")
                    .into());
            }
        },
    };
    let after = match q.get("cursor").map(String::as_str) {
        None | Some("") => 0,
        Some(c) => decode_cursor(c).ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidQuery, "cursor is not one this service issued").field("cursor")
        })?,
    };
    let now = now_ms(&state, &headers);
    let page = state.store.list(after, limit, now).await?;
    let counters = state.store.counters().await?;
    Ok(ok(json!({
        "sessions": page.sessions,
        "next_cursor": page.next_after.map(encode_cursor),
        "limit": limit,
        "counters": counters,
    })))
}
