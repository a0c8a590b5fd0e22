//! The admin listings both servers answer alike: `GET /api/sessions` and
//! `GET /runs/v1` (query parsing, opaque cursors, summaries, run filters)
//! and `POST /runs/v1/prune` (which runs go). Pure: the platforms page
//! through their stores and call these.

use crate::advice::PlanType;
use crate::error::{ApiError, ErrorCode};
use crate::hysteresis::GreenState;
use crate::run::{RunRecord, RunStatus};
use crate::session::SessionRecord;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Default and largest page size of `GET /api/sessions` and `GET /runs/v1`.
pub const DEFAULT_PAGE_LIMIT: usize = 50;
pub const MAX_PAGE_LIMIT: usize = 200;

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

fn invalid_query(field: &str, msg: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidQuery, msg).field(field)
}

fn page_limit(q: &dyn Fn(&str) -> Option<String>) -> Result<usize, ApiError> {
    match q("limit") {
        None => Ok(DEFAULT_PAGE_LIMIT),
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PAGE_LIMIT).contains(n))
            .ok_or_else(|| invalid_query("limit", format!("limit must be 1..={MAX_PAGE_LIMIT}"))),
    }
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

/// A cursor's number: 1 to 16 lowercase hex digits, as the encoders write
/// them (nothing else: `+1`, `A`, 17 digits are not this service's).
fn hex_u64(h: &str) -> Option<u64> {
    let ok = (1..=16).contains(&h.len()) && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if ok { u64::from_str_radix(h, 16).ok() } else { None }
}

/// The `cursor` of `GET /api/sessions` as the document gives it: empty (the
/// first page) or what [`encode_sessions_cursor`] writes.
pub const SESSIONS_CURSOR_PATTERN: &str = r"^(c[0-9a-f]{1,16})?$";

/// The `cursor` of `GET /runs/v1` as the document gives it: empty or what
/// [`encode_run_cursor`] writes.
pub const RUNS_CURSOR_PATTERN: &str = r"^(r[0-9a-f]{1,16}\.run_[0-9a-fA-F]{32})?$";

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

/// Pages of several shards merged into one: each shard's page is its own
/// first `limit` items in the same order (`key` ascending) after the same
/// cursor, with `true` when it had more. The answer is the first `limit` of
/// them all, and whether anything follows (in a page or in a shard): every
/// item of the true first `limit` is within its own shard's first `limit`,
/// so nothing is skipped and, the next cursor being the last item returned,
/// nothing is repeated.
pub fn merge_pages<T, K: Ord>(pages: Vec<(Vec<T>, bool)>, limit: usize, key: impl Fn(&T) -> K) -> (Vec<T>, bool) {
    let more_in_a_shard = pages.iter().any(|(_, more)| *more);
    let mut all: Vec<T> = pages.into_iter().flat_map(|(items, _)| items).collect();
    all.sort_by_key(|t| key(t));
    let more = all.len() > limit || (more_in_a_shard && all.len() == limit);
    all.truncate(limit);
    let more = more && !all.is_empty();
    (all, more)
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

/// Finds the run at index `m` of the newest-first order over several
/// shards by counting runs, never by reading them: a search on the time in
/// which each round asks every shard how many runs are at or after each of
/// a few probe times (`count_from`), then the runs at the time found decide
/// the tie. Redis (`ZCOUNT`) and the edge's run-log shards (`COUNT(*)`) both
/// prune by the global `max_runs` through it.
#[derive(Debug, Clone)]
pub struct NthNewest {
    m: u64,
    /// `count_from(lo) > m` and `count_from(hi + 1) <= m` throughout.
    lo: u64,
    hi: u64,
}

/// Probe times per round: a round shrinks the range about 32 times.
const PROBES: u64 = 31;

impl NthNewest {
    /// For `m` below the number of runs, whose times span `oldest..=newest`.
    pub fn new(m: u64, oldest: u64, newest: u64) -> NthNewest {
        NthNewest { m, lo: oldest, hi: newest.max(oldest) }
    }

    /// The times to count from next (none once the time is found).
    pub fn probes(&self) -> Vec<u64> {
        let span = self.hi - self.lo;
        let mut p: Vec<u64> = (1..=PROBES)
            .map(|j| self.lo + ((u128::from(span) * u128::from(j)).div_ceil(u128::from(PROBES)) as u64))
            .filter(|t| *t > self.lo)
            .collect();
        p.dedup();
        p
    }

    /// Takes the summed `count_from` of every probe (in `probes()` order).
    pub fn narrow(&mut self, probes: &[u64], counts: &[u64]) {
        for (t, n) in probes.iter().zip(counts) {
            if *n > self.m {
                self.lo = self.lo.max(*t);
            } else {
                self.hi = self.hi.min(t.saturating_sub(1));
            }
        }
        self.hi = self.hi.max(self.lo);
    }

    /// The time of the run at index `m`, once found.
    pub fn time(&self) -> Option<u64> {
        (self.lo == self.hi).then_some(self.lo)
    }

    /// The run at index `m`: `newer` runs are after time `t`, and `at_t` are
    /// the ids of the runs at `t` (any order, every shard's).
    pub fn pick(&self, t: u64, newer: u64, mut at_t: Vec<String>) -> Option<RunCursor> {
        at_t.sort_by(|a, b| b.cmp(a));
        let i = usize::try_from(self.m.checked_sub(newer)?).ok()?;
        at_t.into_iter().nth(i).map(|id| (t, id))
    }
}

/// Whether a prune deletes `r` given the run at index `max_runs` (found by
/// [`NthNewest`]; every run at or before it in the newest-first order is
/// beyond the limit): [`prune_due`] for stores that do not walk every run.
pub fn prune_due_from(r: &RunRecord, boundary: Option<&RunCursor>, max_age_ms: Option<u64>, now_ms: u64) -> bool {
    let beyond = boundary.is_some_and(|(t, id)| (r.created_at_ms, &r.run_id) <= (*t, id));
    let too_old = max_age_ms.is_some_and(|a| now_ms.saturating_sub(r.created_at_ms) > a);
    r.status.is_terminal() && (beyond || too_old)
}

/// Which terminal runs a prune deletes: older than `max_age_ms`, or beyond
/// the newest `max_runs` runs. Non-terminal runs are always kept.
pub fn prune_plan(
    all_newest_first: &[RunRecord],
    max_runs: Option<u64>,
    max_age_ms: Option<u64>,
    now_ms: u64,
) -> Vec<String> {
    all_newest_first
        .iter()
        .enumerate()
        .filter(|(i, r)| prune_due(*i as u64, r, max_runs, max_age_ms, now_ms))
        .map(|(_, r)| r.run_id.clone())
        .collect()
}

/// Whether a prune deletes `r`, the run at `index` in the newest-first order:
/// terminal, and beyond the newest `max_runs` or older than `max_age_ms`.
/// Stores that walk their own index ask this run by run.
pub fn prune_due(index: u64, r: &RunRecord, max_runs: Option<u64>, max_age_ms: Option<u64>, now_ms: u64) -> bool {
    let too_many = max_runs.is_some_and(|m| index >= m);
    let too_old = max_age_ms.is_some_and(|a| now_ms.saturating_sub(r.created_at_ms) > a);
    r.status.is_terminal() && (too_many || too_old)
}

/// What a prune did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PruneReport {
    pub scanned: u64,
    pub deleted: u64,
    pub kept: u64,
    /// The deleted run ids (debug bundles are removed with them).
    #[serde(skip)]
    pub deleted_ids: Vec<String>,
}

/// The body of `POST /runs/v1/prune`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PruneResponse {
    /// Runs looked at.
    pub scanned: u64,
    /// Runs deleted.
    pub deleted: u64,
    /// Runs kept.
    pub kept: u64,
    /// Debug bundles deleted with their runs.
    pub bundles_deleted: u64,
    /// The limits this prune used.
    pub max_runs: u64,
    pub max_age_days: u64,
}

/// How many runs to keep and for how long: what `POST /runs/v1/prune`
/// and the retention sweeper apply, on every run store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub max_runs: u64,
    pub max_age_days: u64,
}

/// A day in milliseconds.
pub const DAY_MS: u64 = 86_400_000;

impl Retention {
    /// A prune request's limits, each the platform's default (`RUNS_PRUNE_MAX_RUNS`,
    /// `RUNS_PRUNE_MAX_AGE_DAYS`) where the body leaves it out.
    pub fn of(req: &crate::api::PruneRequest, defaults: Retention) -> Retention {
        Retention {
            max_runs: req.max_runs.unwrap_or(defaults.max_runs),
            max_age_days: req.max_age_days.unwrap_or(defaults.max_age_days),
        }
    }

    /// The age limit in milliseconds (saturating: ten years fits many times).
    pub const fn max_age_ms(&self) -> u64 {
        self.max_age_days.saturating_mul(DAY_MS)
    }

    /// The body of `POST /runs/v1/prune`.
    pub fn body(&self, report: &PruneReport, bundles_deleted: usize) -> Value {
        crate::json::to_value(&PruneResponse {
            scanned: report.scanned,
            deleted: report.deleted,
            kept: report.kept,
            bundles_deleted: bundles_deleted as u64,
            max_runs: self.max_runs,
            max_age_days: self.max_age_days,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Sessions 1..=10, each started at `10 * n` ms; the even ones expire at 1,000.
    fn sessions() -> alloc::vec::Vec<crate::session::SessionRecord> {
        use crate::api::StartRequest;
        let course = crate::course::Course::from_json(crate::example::RIVERSIDE_COURSE_JSON).unwrap();
        let hole = course.prepare_hole(1).unwrap();
        let rules = crate::rules::Rules::default();
        let start = StartRequest { course_id: "riverside".into(), hole_id: 1 };
        (1..=10u64)
            .map(|n| {
                let id = alloc::format!("gs_{n:032x}");
                let mut r = crate::session::start(&start, id, n, &hole, &rules, 10 * n).unwrap();
                if n % 2 == 0 {
                    r.expires_at_ms = 1_000;
                }
                r
            })
            .collect()
    }

    fn walk(
        all: &[crate::session::SessionRecord],
        after: u64,
        limit: usize,
        now: u64,
    ) -> (alloc::vec::Vec<u64>, Option<u64>, usize) {
        let mut page = SessionsPageBuilder::new(after, limit, now);
        let mut read = 0;
        for r in all {
            read += 1;
            if !page.offer(r) {
                break;
            }
        }
        let (items, next) = page.finish();
        (items.iter().map(|s| s.session_number).collect(), next, read)
    }

    #[test]
    fn the_runs_query_reads_exactly_its_keys() {
        let read = core::cell::RefCell::new(alloc::vec::Vec::new());
        parse_runs_query(|k| {
            read.borrow_mut().push(String::from(k));
            None
        })
        .unwrap();
        let mut read = read.into_inner();
        read.sort();
        read.dedup();
        let mut keys: alloc::vec::Vec<String> = RUNS_QUERY_KEYS.iter().map(|k| String::from(*k)).collect();
        keys.sort();
        assert_eq!(read, keys);
    }

    #[test]
    fn one_paging_rule_for_sessions() {
        let all = sessions();
        // Before 1,000 ms every session is live.
        assert_eq!(walk(&all, 0, 3, 999), (alloc::vec![1, 2, 3], Some(3), 4));
        // At 1,000 the even ones have expired (core's is_expired): skipped.
        assert_eq!(walk(&all, 0, 3, 1_000), (alloc::vec![1, 3, 5], Some(5), 7));
        assert_eq!(walk(&all, 5, 3, 1_000), (alloc::vec![7, 9], None, 10));
        // A page that ends exactly where the live sessions end has no next cursor.
        assert_eq!(walk(&all, 6, 2, 1_000), (alloc::vec![7, 9], None, 10));
        assert_eq!(walk(&all, 10, 5, 0), (alloc::vec![], None, 10));
        let mut p = SessionsPageBuilder::new(0, 2, 0);
        assert_eq!(p.wanted(), 3);
        assert!(p.offer_summary(SessionSummary::from(&all[0])));
        assert_eq!(p.wanted(), 2);
        assert!(p.offer_summary(SessionSummary::from(&all[1])));
        assert!(!p.offer_summary(SessionSummary::from(&all[2])));
        assert_eq!(p.wanted(), 0);
        assert_eq!(p.finish().1, Some(2));
    }

    #[test]
    fn cursors_round_trip_and_reject_strangers() {
        let c = (0x1234u64, String::from("run_0123456789abcdef0123456789abcdef"));
        assert_eq!(decode_run_cursor(&encode_run_cursor(&c)), Some(c));
        for bad in ["", "r", "r12", "rzz.run_x", "r1.run_../../etc"] {
            assert_eq!(decode_run_cursor(bad), None, "{bad}");
        }
        let q = |k: &str| (k == "cursor").then(|| encode_sessions_cursor(77));
        assert_eq!(parse_sessions_query(q).unwrap(), (DEFAULT_PAGE_LIMIT, 77));
        let bad = |k: &str| (k == "limit").then(|| String::from("0"));
        assert_eq!(parse_sessions_query(bad).unwrap_err().code, ErrorCode::InvalidQuery);
    }

    /// The cursor patterns the document gives and the parsers agree: every
    /// string a pattern matches is taken, and the near misses (what
    /// `from_str_radix` alone would take) are refused as `invalid_query`.
    #[test]
    fn cursor_patterns_are_what_the_parsers_take() {
        use proptest::strategy::{Strategy, ValueTree};
        use proptest::test_runner::TestRunner;
        let sessions = |c: &str| {
            let c = String::from(c);
            parse_sessions_query(move |k| (k == "cursor").then(|| c.clone()))
        };
        let runs = |c: &str| {
            let c = String::from(c);
            parse_runs_query(move |k| (k == "cursor").then(|| c.clone()))
        };
        let mut runner = TestRunner::deterministic();
        for (pattern, sessions_side) in [(SESSIONS_CURSOR_PATTERN, true), (RUNS_CURSOR_PATTERN, false)] {
            let parses = |c: &str| if sessions_side { sessions(c).is_ok() } else { runs(c).is_ok() };
            // Strings the pattern matches (proptest generates without the anchors)...
            let unanchored = pattern.trim_start_matches('^').trim_end_matches('$');
            let strategy = proptest::string::string_regex(unanchored).unwrap();
            for _ in 0..500 {
                let c = strategy.new_tree(&mut runner).unwrap().current();
                assert!(parses(&c), "{pattern} matches {c:?}, which the parser refuses");
            }
            // ...and strings near them: the parser takes exactly what the pattern matches.
            let re = regex::Regex::new(pattern).unwrap();
            let near = proptest::string::string_regex("[cr][0-9a-fA-F+ .]{0,18}(run_[0-9a-fA-Fx]{31,33})?").unwrap();
            for _ in 0..3000 {
                let c = near.new_tree(&mut runner).unwrap().current();
                assert_eq!(parses(&c), re.is_match(&c), "{pattern} and the parser disagree on {c:?}");
            }
        }
        let run = "run_0123456789abcdef0123456789abcdef";
        for bad in ["c", "c+1", "cA", "C1", "c00000000000000001", " c1", "c1 ", "zzz"] {
            assert_eq!(sessions(bad).unwrap_err().code, ErrorCode::InvalidQuery, "{bad}");
        }
        for bad in [
            alloc::format!("r+1.{run}"),
            alloc::format!("rA.{run}"),
            alloc::format!("r.{run}"),
            alloc::format!("r00000000000000001.{run}"),
            String::from("r1.run_x"),
        ] {
            assert_eq!(runs(&bad).unwrap_err().code, ErrorCode::InvalidQuery, "{bad}");
        }
        assert!(sessions("").is_ok() && runs("").is_ok(), "an empty cursor is the first page");
    }
}
