//! Admin routes, guarded by `ADMIN_TOKEN` (`x-admin-token`, constant-time
//! comparison). Without `ADMIN_TOKEN` the admin routes are disabled (403).

use super::wire::{AppStateRef, HttpResult, QueryParams, now_ms, ok};
use crate::store::SessionStore;
use axum::http::HeaderMap;
use axum::response::Response;
use greenside_core::error::{ApiError, ErrorCode};
use subtle::ConstantTimeEq;

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

/// Whether the request carries the admin token (`/health` shows paths only then).
pub fn is_admin(state: &crate::AppState, headers: &HeaderMap) -> bool {
    check_admin(state, headers).is_ok()
}

pub async fn sessions(state: AppStateRef, headers: HeaderMap, QueryParams(q): QueryParams) -> HttpResult<Response> {
    check_admin(&state, &headers)?;
    let (limit, after) = greenside_core::listing::parse_sessions_query(|k| q.get(k).cloned())?;
    let now = now_ms(&state, &headers);
    let page = state.store.list(after, limit, now).await?;
    let counters = state.store.counters().await?;
    Ok(ok(greenside_core::listing::sessions_page_body(&page.sessions, page.next_after, limit, &counters)))
}
