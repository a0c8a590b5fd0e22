//! The run table and its statements, as text: the native SQLite store
//! (`server/src/runs/sqlite.rs`, rusqlite) and the edge's run-log shards
//! (`worker/src/runs.rs`, Durable Object SQL) run the same SQL, so a page
//! and a prune are the same query in both.
//!
//! ```text
//! runs(run_id PRIMARY KEY, created_at_ms, status, plan_type, course_id, session_id, run JSON)
//!   runs_by_time    (created_at_ms, run_id)              every page's order, prune by count
//!   runs_by_status  (status, created_at_ms, run_id)      ?status=
//!   runs_by_course  (course_id, created_at_ms, run_id)   ?course_id=
//!   runs_by_plan    (plan_type, created_at_ms, run_id)   ?plan_type=
//! ```
//! `run` is the record as every store keeps it; the other columns are
//! copies of its fields for the indexes, written in the same statement.

use crate::listing::{RunCursor, RunsQuery};
use crate::run::{RunRecord, RunStatus};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// The table and its indexes (no transaction: each platform wraps them).
pub const SCHEMA: [&str; 5] = [
    "CREATE TABLE IF NOT EXISTS runs (
    run_id        TEXT PRIMARY KEY NOT NULL,
    created_at_ms INTEGER NOT NULL,
    status        TEXT NOT NULL,
    plan_type     TEXT,
    course_id     TEXT NOT NULL,
    session_id    TEXT NOT NULL,
    run           TEXT NOT NULL
)",
    "CREATE INDEX IF NOT EXISTS runs_by_time ON runs (created_at_ms, run_id)",
    "CREATE INDEX IF NOT EXISTS runs_by_status ON runs (status, created_at_ms, run_id)",
    "CREATE INDEX IF NOT EXISTS runs_by_course ON runs (course_id, created_at_ms, run_id)",
    "CREATE INDEX IF NOT EXISTS runs_by_plan ON runs (plan_type, created_at_ms, run_id)",
];

/// Writes a run (insert or replace), with [`put_args`].
pub const PUT: &str = "
INSERT INTO runs (run_id, created_at_ms, status, plan_type, course_id, session_id, run)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (run_id) DO UPDATE SET
    created_at_ms = excluded.created_at_ms, status = excluded.status, plan_type = excluded.plan_type,
    course_id = excluded.course_id, session_id = excluded.session_id, run = excluded.run";

/// Newest first, ties on the time broken by run id, as core's `runs_page`.
pub const NEWEST_FIRST: &str = " ORDER BY created_at_ms DESC, run_id DESC";

/// A bound value of a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Int(i64),
    Text(String),
    Null,
}

/// SQLite integers are signed: a time past `i64::MAX` ms cannot be stored.
pub fn stored_ms(ms: u64) -> Option<i64> {
    i64::try_from(ms).ok()
}

/// The arguments of [`PUT`] for `run`, kept as `json`; `None` when its time
/// cannot be stored.
pub fn put_args(run: &RunRecord, json: String) -> Option<Vec<Arg>> {
    Some(alloc::vec![
        Arg::Text(run.run_id.clone()),
        Arg::Int(stored_ms(run.created_at_ms)?),
        Arg::Text(run.status.as_str().into()),
        run.plan_type.map_or(Arg::Null, |p| Arg::Text(p.as_str().into())),
        Arg::Text(run.course_id.clone()),
        Arg::Text(run.session_id.clone()),
        Arg::Text(json),
    ])
}

/// `status IN (…)`: the terminal statuses, the only ones a prune deletes.
pub fn terminal() -> String {
    let all = [RunStatus::Queued, RunStatus::Processing, RunStatus::Succeeded, RunStatus::Failed];
    let names: Vec<String> = all.iter().filter(|s| s.is_terminal()).map(|s| format!("'{}'", s.as_str())).collect();
    format!("status IN ({})", names.join(", "))
}

/// The SQL and arguments of a page (`SELECT run …`, at most `limit + 1`
/// rows, newest first, through an index), or `None` when no run can match
/// (a bound past what SQLite stores). The caller truncates to `limit` and
/// gives a next cursor when a row more came back.
pub fn page_query(q: &RunsQuery) -> Option<(String, Vec<Arg>)> {
    let f = &q.filter;
    let mut sql = String::from("SELECT run FROM runs WHERE 1");
    let mut args = Vec::new();
    if let Some(s) = f.status {
        sql.push_str(" AND status = ?");
        args.push(Arg::Text(s.as_str().into()));
    }
    if let Some(p) = f.plan_type {
        sql.push_str(" AND plan_type = ?");
        args.push(Arg::Text(p.as_str().into()));
    }
    if let Some(c) = &f.course_id {
        sql.push_str(" AND course_id = ?");
        args.push(Arg::Text(c.clone()));
    }
    if let Some(t) = f.created_from_ms {
        // Every stored time is at most i64::MAX: a later bound matches nothing.
        sql.push_str(" AND created_at_ms >= ?");
        args.push(Arg::Int(stored_ms(t)?));
    }
    if let Some(t) = f.created_to_ms.and_then(stored_ms) {
        sql.push_str(" AND created_at_ms < ?");
        args.push(Arg::Int(t));
    }
    // A cursor past i64::MAX is after every stored run: no bound.
    if let Some((t, id)) = &q.cursor {
        if let Some(t) = stored_ms(*t) {
            sql.push_str(" AND (created_at_ms, run_id) < (?, ?)");
            args.extend([Arg::Int(t), Arg::Text(id.clone())]);
        }
    }
    sql.push_str(NEWEST_FIRST);
    sql.push_str(" LIMIT ?");
    args.push(Arg::Int(q.limit as i64 + 1));
    Some((sql, args))
}

/// The `WHERE` condition of a prune: terminal, and at or before `boundary`
/// (the run at index `max_runs`, so it and every older run are beyond the
/// limit) or older than `max_age_ms`. `None` when neither limit applies.
pub fn prune_condition(
    boundary: Option<&RunCursor>,
    max_age_ms: Option<u64>,
    now_ms: u64,
) -> Option<(String, Vec<Arg>)> {
    let mut due = Vec::new();
    let mut args = Vec::new();
    if let Some((t, id)) = boundary {
        due.push("(created_at_ms, run_id) <= (?, ?)");
        args.extend([Arg::Int(stored_ms(*t).unwrap_or(i64::MAX)), Arg::Text(id.clone())]);
    }
    // Older than `max_age_ms`: `now - created > age`, so created before
    // `now - age` (nothing when the age reaches back before the epoch).
    if let Some(cutoff) = max_age_ms.and_then(|a| now_ms.checked_sub(a)).filter(|c| *c > 0) {
        // `< cutoff` as `<= cutoff - 1`, so a cutoff past i64::MAX takes every run.
        due.push("created_at_ms <= ?");
        args.push(Arg::Int(stored_ms(cutoff - 1).unwrap_or(i64::MAX)));
    }
    if due.is_empty() {
        return None;
    }
    Some((format!("{} AND ({})", terminal(), due.join(" OR ")), args))
}

/// The run at offset `m` of the newest-first order (the prune's boundary
/// in one store), with `?` = `m`.
pub const NTH_NEWEST: &str =
    "SELECT created_at_ms, run_id FROM runs ORDER BY created_at_ms DESC, run_id DESC LIMIT 1 OFFSET ?";
