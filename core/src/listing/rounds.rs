//! `GET /api/rounds`: the rounds kept, newest first, a page at a time
//! behind an opaque cursor. Every store walks its own time index and offers
//! each round to [`RoundsPageBuilder`], so the page is the same everywhere.

use super::{hex_u64, invalid_query, page_limit};
use crate::error::ApiError;
use crate::round::RoundSummary;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// Where a page starts: after this round (its creation time and id).
pub type RoundCursor = (u64, String);

/// The cursor's pattern (the parser takes exactly these).
pub const ROUNDS_CURSOR_PATTERN: &str = r"^(o[0-9a-f]{1,16}\.gr_[0-9a-f]{32})?$";

/// A parsed `GET /api/rounds` query.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundsQuery {
    pub limit: usize,
    pub cursor: Option<RoundCursor>,
}

/// Opaque to clients: `o` + created_at_ms in hex + `.` + round_id.
pub fn encode_round_cursor(c: &RoundCursor) -> String {
    format!("o{:x}.{}", c.0, c.1)
}

pub fn decode_round_cursor(s: &str) -> Option<RoundCursor> {
    let (t, id) = s.strip_prefix('o')?.split_once('.')?;
    let t = hex_u64(t)?;
    crate::validate::round_id(id).is_ok().then(|| (t, id.to_string()))
}

/// Parses `limit` and `cursor`.
pub fn parse_rounds_query(q: impl Fn(&str) -> Option<String>) -> Result<RoundsQuery, ApiError> {
    let limit = page_limit(&q)?;
    let cursor = match q("cursor").filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(
            decode_round_cursor(&c)
                .ok_or_else(|| invalid_query("cursor", String::from("cursor is not one this service gave")))?,
        ),
    };
    Ok(RoundsQuery { limit, cursor })
}

/// One page, from rounds offered newest first (by creation time, then id).
#[derive(Debug)]
pub struct RoundsPageBuilder<'q> {
    q: &'q RoundsQuery,
    rounds: Vec<RoundSummary>,
    more: bool,
}

impl<'q> RoundsPageBuilder<'q> {
    pub fn new(q: &'q RoundsQuery) -> Self {
        RoundsPageBuilder { q, rounds: Vec::new(), more: false }
    }

    /// Takes the next round in order; false once the page is complete.
    pub fn offer(&mut self, r: &RoundSummary) -> bool {
        if let Some((t, id)) = &self.q.cursor {
            if (r.created_at_ms, &r.round_id) >= (*t, id) {
                return true;
            }
        }
        if self.rounds.len() == self.q.limit {
            self.more = true;
            return false;
        }
        self.rounds.push(r.clone());
        true
    }

    /// The page's body.
    pub fn finish(self) -> RoundsPage {
        let next = if self.more { self.rounds.last().map(|r| (r.created_at_ms, r.round_id.clone())) } else { None };
        RoundsPage { rounds: self.rounds, next_cursor: next.as_ref().map(encode_round_cursor), limit: self.q.limit }
    }
}

/// The body of `GET /api/rounds`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundsPage {
    pub rounds: Vec<RoundSummary>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
    pub limit: usize,
}

/// The rounds table every SQL store keeps (the native SQLite file, the
/// edge's round index): the listing's summary, and on the native store the
/// record and its revision (null where another store keeps the record).
pub const ROUNDS_SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS rounds (round_id TEXT PRIMARY KEY, created_at_ms INTEGER NOT NULL, summary TEXT NOT NULL, revision INTEGER, record TEXT)",
    "CREATE INDEX IF NOT EXISTS rounds_by_time ON rounds (created_at_ms DESC, round_id DESC)",
];

/// The first page's query; its one argument is the page size plus one.
pub const ROUNDS_FIRST_PAGE: &str = "SELECT summary FROM rounds ORDER BY created_at_ms DESC, round_id DESC LIMIT ?";

/// A later page's query: after the cursor; its arguments are the cursor's
/// time, the time again, its id, and the page size plus one
/// ([`rounds_page_args`]).
pub const ROUNDS_PAGE_AFTER: &str = "SELECT summary FROM rounds WHERE created_at_ms < ? OR (created_at_ms = ? AND round_id < ?) ORDER BY created_at_ms DESC, round_id DESC LIMIT ?";

/// The page query of `q` and its arguments (times and sizes as integers,
/// the id as text): the one statement every SQL store runs.
pub fn rounds_page_query(q: &RoundsQuery) -> (&'static str, Vec<crate::runs_sql::Arg>) {
    use crate::runs_sql::Arg;
    let n = Arg::Int(i64::try_from(q.limit as u64 + 1).unwrap_or(i64::MAX));
    match &q.cursor {
        None => (ROUNDS_FIRST_PAGE, alloc::vec![n]),
        Some((t, id)) => {
            let t = i64::try_from(*t).unwrap_or(i64::MAX);
            (ROUNDS_PAGE_AFTER, alloc::vec![Arg::Int(t), Arg::Int(t), Arg::Text(id.clone()), n])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(t: u64, n: u8) -> RoundSummary {
        RoundSummary {
            round_id: crate::validate::round_id_from_random([n; 16]),
            course_id: "riverside".into(),
            course_name: "Riverside".into(),
            competition: false,
            created_at_ms: t,
        }
    }

    #[test]
    fn pages_follow_their_cursor_without_repeats_or_gaps() {
        let all: Vec<RoundSummary> = (0..7u8).rev().map(|i| summary(u64::from(i) * 10, i)).collect();
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let q = RoundsQuery { limit: 3, cursor: cursor.clone() };
            let mut b = RoundsPageBuilder::new(&q);
            for r in &all {
                if !b.offer(r) {
                    break;
                }
            }
            let page = b.finish();
            seen.extend(page.rounds.iter().map(|r| r.round_id.clone()));
            match page.next_cursor {
                Some(c) => cursor = Some(decode_round_cursor(&c).unwrap()),
                None => break,
            }
        }
        assert_eq!(seen, all.iter().map(|r| r.round_id.clone()).collect::<Vec<_>>());
        let q = |k: &str| (k == "cursor").then(|| String::from("o1.gs_0"));
        assert!(parse_rounds_query(q).is_err());
    }
}
