//! `GET /api/sessions`, an admin route: the front's guard (core's
//! `guard`, from the route table) has checked the token.

use super::wire::{AppStateRef, HttpResult, QueryParams, now_ms, ok};
use crate::store::SessionStore;
use axum::http::HeaderMap;
use axum::response::Response;

pub async fn sessions(state: AppStateRef, headers: HeaderMap, QueryParams(q): QueryParams) -> HttpResult<Response> {
    let (limit, after) = greenside_core::listing::parse_sessions_query(|k| q.get(k).cloned())?;
    let now = now_ms(&state, &headers);
    let page = state.store.list(after, limit, now).await?;
    let counters = state.store.counters().await?;
    Ok(ok(greenside_core::listing::sessions_page_body(&page.sessions, page.next_after, limit, &counters)))
}
