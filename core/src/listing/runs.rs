//! `GET /runs/v1`: the query and its filter, the cursor, the paging rule
//! and the merge of shards' pages, the answer and the not-found errors.

use super::{hex_u64, invalid_query, merge_pages, page_limit};
use crate::advice::PlanType;
use crate::error::{ApiError, ErrorCode};
use crate::run::{RunRecord, RunStatus};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `cursor` of `GET /runs/v1` as the document gives it: empty or what
/// [`encode_run_cursor`] writes.
pub const RUNS_CURSOR_PATTERN: &str = r"^(r[0-9a-f]{1,16}\.run_[0-9a-fA-F]{32})?$";

/// Filters of `GET /runs/v1`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunFilter {
    pub status: Option<RunStatus>,
    pub plan_type: Option<PlanType>,
    pub course_id: Option<String>,
    pub created_from_ms: Option<u64>,
    pub created_to_ms: Option<u64>,
}

impl RunFilter {
    pub fn matches(&self, r: &RunRecord) -> bool {
        self.status.is_none_or(|s| r.status == s)
            && self.plan_type.is_none_or(|p| r.plan_type == Some(p))
            && self.course_id.as_deref().is_none_or(|c| r.course_id == c)
            && self.created_from_ms.is_none_or(|t| r.created_at_ms >= t)
            && self.created_to_ms.is_none_or(|t| r.created_at_ms < t)
    }
}

/// Position in the newest-first order: runs strictly after `(created_at_ms, run_id)`.
pub type RunCursor = (u64, String);

/// A parsed `GET /runs/v1` query.
#[derive(Debug, Clone, PartialEq)]
pub struct RunsQuery {
    pub filter: RunFilter,
    pub limit: usize,
    pub cursor: Option<RunCursor>,
}

/// Opaque to clients: `r` + created_at_ms in hex + `.` + run_id.
pub fn encode_run_cursor(c: &RunCursor) -> String {
    format!("r{:x}.{}", c.0, c.1)
}

pub fn decode_run_cursor(s: &str) -> Option<RunCursor> {
    let (t, id) = s.strip_prefix('r')?.split_once('.')?;
    let t = hex_u64(t)?;
    is_run_id(id).then(|| (t, id.to_string()))
}

/// `run_` + 32 hex digits (what `run::run_id_from_random` makes).
pub fn is_run_id(id: &str) -> bool {
    id.len() == 36 && id.starts_with("run_") && id[4..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// Parses `status`, `plan_type`, `course_id`, `created_from_ms`,
/// `created_to_ms`, `limit` and `cursor`.
/// The largest time a runs query takes, in ms: the largest integer JSON
/// numbers hold exactly (2^53 - 1, JavaScript's `Number.MAX_SAFE_INTEGER`;
/// the year 287,396), so every client can write it.
pub const MAX_QUERY_MS: u64 = (1 << 53) - 1;

/// Every query parameter [`parse_runs_query`] reads (a platform that hands
/// the query on, as the worker does to its shards, passes exactly these).
pub const RUNS_QUERY_KEYS: &[&str] =
    &["status", "plan_type", "course_id", "created_from_ms", "created_to_ms", "limit", "cursor"];

pub fn parse_runs_query(q: impl Fn(&str) -> Option<String>) -> Result<RunsQuery, ApiError> {
    let ms = |k: &str| -> Result<Option<u64>, ApiError> {
        q(k).map(|v| {
            v.parse::<u64>().ok().filter(|t| *t <= MAX_QUERY_MS).ok_or_else(|| {
                invalid_query(k, format!("{k} must be milliseconds since the epoch, at most {MAX_QUERY_MS}"))
            })
        })
        .transpose()
    };
    let filter = RunFilter {
        status: q("status")
            .map(|s| {
                RunStatus::parse(&s).ok_or_else(|| {
                    invalid_query("status", "status must be queued, processing, succeeded or failed".into())
                })
            })
            .transpose()?,
        plan_type: q("plan_type")
            .map(|p| match p.as_str() {
                "PUTT" => Ok(PlanType::Putt),
                "TEE_TO_GREEN" => Ok(PlanType::TeeToGreen),
                _ => Err(invalid_query("plan_type", "plan_type must be PUTT or TEE_TO_GREEN".into())),
            })
            .transpose()?,
        course_id: q("course_id"),
        created_from_ms: ms("created_from_ms")?,
        created_to_ms: ms("created_to_ms")?,
    };
    let limit = page_limit(&q)?;
    let cursor = match q("cursor").as_deref() {
        None | Some("") => None,
        Some(c) => Some(
            decode_run_cursor(c)
                .ok_or_else(|| invalid_query("cursor", "cursor is not one this service issued".into()))?,
        ),
    };
    Ok(RunsQuery { filter, limit, cursor })
}

/// One page from every run, newest first (`created_at_ms` desc, then `run_id` desc).
pub fn runs_page(all_newest_first: Vec<RunRecord>, q: &RunsQuery) -> (Vec<RunRecord>, Option<RunCursor>) {
    let mut page = RunsPageBuilder::new(q);
    for r in &all_newest_first {
        if !page.offer(r) {
            break;
        }
    }
    page.finish()
}

/// A `GET /runs/v1` page filled run by run in the newest-first order: the
/// rule of [`runs_page`] (cursor, filter, limit, a next cursor only when
/// another match exists) for stores that walk their own time index in
/// batches instead of loading every run.
#[derive(Debug)]
pub struct RunsPageBuilder<'q> {
    q: &'q RunsQuery,
    runs: Vec<RunRecord>,
    more: bool,
}

impl<'q> RunsPageBuilder<'q> {
    pub fn new(q: &'q RunsQuery) -> Self {
        RunsPageBuilder { q, runs: Vec::new(), more: false }
    }

    /// Takes the next run in order; false once the page is complete (the
    /// caller stops walking).
    pub fn offer(&mut self, r: &RunRecord) -> bool {
        if let Some((t, id)) = &self.q.cursor {
            if (r.created_at_ms, &r.run_id) >= (*t, id) {
                return true;
            }
        }
        if !self.q.filter.matches(r) {
            return true;
        }
        if self.runs.len() == self.q.limit {
            self.more = true;
            return false;
        }
        self.runs.push(r.clone());
        true
    }

    /// Matches taken so far.
    pub fn len(&self) -> usize {
        self.runs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    pub fn finish(self) -> (Vec<RunRecord>, Option<RunCursor>) {
        let next = if self.more { self.runs.last().map(|r| (r.created_at_ms, r.run_id.clone())) } else { None };
        (self.runs, next)
    }
}

/// One `GET /runs/v1` page from the pages several run shards gave for the
/// same query ([`merge_pages`] in core's newest-first order).
pub fn merge_runs_pages(
    q: &RunsQuery,
    pages: Vec<(Vec<RunRecord>, Option<RunCursor>)>,
) -> (Vec<RunRecord>, Option<RunCursor>) {
    let pages = pages.into_iter().map(|(runs, next)| (runs, next.is_some())).collect();
    let (runs, more) =
        merge_pages(pages, q.limit, |r: &RunRecord| core::cmp::Reverse((r.created_at_ms, r.run_id.clone())));
    let next = if more { runs.last().map(|r| (r.created_at_ms, r.run_id.clone())) } else { None };
    (runs, next)
}

/// The body of `GET /runs/v1`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunsPage {
    pub runs: Vec<RunRecord>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
    pub limit: usize,
}

/// The body of `GET /runs/v1`.
pub fn runs_page_body(runs: &[RunRecord], next: Option<&RunCursor>, limit: usize) -> Value {
    crate::json::to_value(&RunsPage { runs: runs.to_vec(), next_cursor: next.map(encode_run_cursor), limit })
}

pub fn run_not_found(run_id: &str) -> ApiError {
    ApiError::new(ErrorCode::RunNotFound, format!("no run `{run_id}`")).with("run_id", run_id)
}

pub fn bundle_not_found(run_id: &str) -> ApiError {
    ApiError::new(ErrorCode::RunNotFound, format!("no debug bundle for run `{run_id}`")).with("run_id", run_id)
}
