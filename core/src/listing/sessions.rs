//! `GET /api/sessions`: the query, the cursor, the one paging rule every
//! store follows, and the answer.

use super::{hex_u64, invalid_query, page_limit};
use crate::error::ApiError;
use crate::hysteresis::GreenState;
use crate::session::SessionRecord;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A row of the admin session listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionSummary {
    pub session_id: String,
    pub session_number: u64,
    pub course_id: String,
    pub hole_id: u32,
    pub surface_state: GreenState,
    pub fix_count: u64,
    pub created_at_ms: u64,
    pub updated_at_ms: u64,
    pub expires_at_ms: u64,
}

impl From<&SessionRecord> for SessionSummary {
    fn from(r: &SessionRecord) -> Self {
        SessionSummary {
            session_id: r.session_id.clone(),
            session_number: r.session_number,
            course_id: r.course_id.clone(),
            hole_id: r.hole_id,
            surface_state: r.hysteresis.committed,
            fix_count: r.fix_count,
            created_at_ms: r.created_at_ms,
            updated_at_ms: r.updated_at_ms,
            expires_at_ms: r.expires_at_ms,
        }
    }
}

/// Counters shared by every instance on the same store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Counters {
    /// The last `session_number` handed out.
    pub session_number: u64,
    /// Sessions ever created.
    pub total_sessions: u64,
    /// Sessions currently stored (expired ones may linger until swept).
    pub active_sessions: u64,
}

/// `GET /api/sessions?limit&cursor`: the page size and the session number to
/// list after. Cursors are opaque to clients: `c` + the last session number in hex.
pub fn parse_sessions_query(q: impl Fn(&str) -> Option<String>) -> Result<(usize, u64), ApiError> {
    let limit = page_limit(&q)?;
    let after = match q("cursor").as_deref() {
        None | Some("") => 0,
        Some(c) => c
            .strip_prefix('c')
            .and_then(hex_u64)
            .ok_or_else(|| invalid_query("cursor", "cursor is not one this service issued".into()))?,
    };
    Ok((limit, after))
}

/// The `cursor` of `GET /api/sessions` as the document gives it: empty (the
/// first page) or what [`encode_sessions_cursor`] writes.
pub const SESSIONS_CURSOR_PATTERN: &str = r"^(c[0-9a-f]{1,16})?$";

pub fn encode_sessions_cursor(after: u64) -> String {
    format!("c{after:x}")
}

/// A `GET /api/sessions` page filled session by session in session-number
/// order: every store's one paging rule (as [`RunsPageBuilder`] is for
/// runs). Numbers up to the cursor and expired sessions are skipped (expiry
/// as [`crate::session::is_expired`] decides it); the next cursor is the
/// last session returned, and only when another live session follows.
#[derive(Debug)]
pub struct SessionsPageBuilder {
    after: u64,
    limit: usize,
    now_ms: u64,
    sessions: Vec<SessionSummary>,
    more: bool,
}

impl SessionsPageBuilder {
    pub fn new(after: u64, limit: usize, now_ms: u64) -> Self {
        SessionsPageBuilder { after, limit, now_ms, sessions: Vec::new(), more: false }
    }

    /// Takes the next session record in order; false once the page is
    /// complete (the caller stops walking).
    pub fn offer(&mut self, rec: &crate::session::SessionRecord) -> bool {
        if crate::session::is_expired(rec, self.now_ms) {
            return !self.more;
        }
        self.offer_summary(SessionSummary::from(rec))
    }

    /// Takes the next session, already known to be live, as its summary
    /// (a store that asks each session for its own summary).
    pub fn offer_summary(&mut self, s: SessionSummary) -> bool {
        if self.more {
            return false;
        }
        if s.session_number <= self.after {
            return true;
        }
        if self.sessions.len() == self.limit {
            self.more = true;
            return false;
        }
        self.sessions.push(s);
        true
    }

    /// How many more sessions can change the page (the rest of it and the
    /// one that tells whether another follows); 0 once it is complete.
    pub fn wanted(&self) -> usize {
        if self.more { 0 } else { self.limit + 1 - self.sessions.len() }
    }

    /// The page and the cursor of the next one (the last session's number).
    pub fn finish(self) -> (Vec<SessionSummary>, Option<u64>) {
        let next = if self.more { self.sessions.last().map(|s| s.session_number) } else { None };
        (self.sessions, next)
    }
}

/// The body of `GET /api/sessions`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionsPage {
    pub sessions: Vec<SessionSummary>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
    pub limit: usize,
    pub counters: Counters,
}

/// The body of `GET /api/sessions`.
pub fn sessions_page_body(
    sessions: &[SessionSummary],
    next_after: Option<u64>,
    limit: usize,
    counters: &Counters,
) -> Value {
    crate::json::to_value(&SessionsPage {
        sessions: sessions.to_vec(),
        next_cursor: next_after.map(encode_sessions_cursor),
        limit,
        counters: *counters,
    })
}

// ---- admin: runs ----------------------------------------------------------
