//! The embedded run store: one SQLite file, [`SQLITE_FILE`], under
//! `RUN_STORE_DIR`. The default when sessions are in memory, so runs
//! outlive a restart with no server to run.
//!
//! ```text
//! runs(run_id PRIMARY KEY, created_at_ms, status, plan_type, course_id, session_id, run JSON)
//!   runs_by_time    (created_at_ms, run_id)              every page's order, prune by count
//!   runs_by_status  (status, created_at_ms, run_id)      ?status=
//!   runs_by_course  (course_id, created_at_ms, run_id)   ?course_id=
//!   runs_by_plan    (plan_type, created_at_ms, run_id)   ?plan_type=
//! ```
//! `run` is the record as every store keeps it; the other columns are copies
//! of its fields for the indexes, written in the same statement. A page is
//! one query walking an index newest first from the cursor and stopping
//! after `limit + 1` rows: the same page as core's `runs_page`, without
//! reading the rest. WAL with `synchronous = NORMAL`: readers never wait for
//! the writer, a commit does not wait for the disk, and a crash of the
//! process loses nothing committed (a power cut may lose the last commits,
//! never the file).

use crate::store::StoreError;
use greenside_core::listing::{PruneReport, RunCursor, RunsQuery};
use greenside_core::run::{RunRecord, RunStatus};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The database's file name inside `RUN_STORE_DIR`.
pub const SQLITE_FILE: &str = "runs.sqlite3";

/// `PRAGMA user_version` of the schema below; a file from a newer build is refused.
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
BEGIN;
CREATE TABLE IF NOT EXISTS runs (
    run_id        TEXT PRIMARY KEY NOT NULL,
    created_at_ms INTEGER NOT NULL,
    status        TEXT NOT NULL,
    plan_type     TEXT,
    course_id     TEXT NOT NULL,
    session_id    TEXT NOT NULL,
    run           TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_time ON runs (created_at_ms, run_id);
CREATE INDEX IF NOT EXISTS runs_by_status ON runs (status, created_at_ms, run_id);
CREATE INDEX IF NOT EXISTS runs_by_course ON runs (course_id, created_at_ms, run_id);
CREATE INDEX IF NOT EXISTS runs_by_plan ON runs (plan_type, created_at_ms, run_id);
PRAGMA user_version = 1;
COMMIT;
";

const PUT: &str = "
INSERT INTO runs (run_id, created_at_ms, status, plan_type, course_id, session_id, run)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
ON CONFLICT (run_id) DO UPDATE SET
    created_at_ms = excluded.created_at_ms, status = excluded.status, plan_type = excluded.plan_type,
    course_id = excluded.course_id, session_id = excluded.session_id, run = excluded.run";

/// Newest first, ties on the time broken by run id, as core's `runs_page`.
const NEWEST_FIRST: &str = " ORDER BY created_at_ms DESC, run_id DESC";

/// The terminal statuses, the only ones a prune deletes, as the column holds them.
fn terminal() -> String {
    let all = [RunStatus::Queued, RunStatus::Processing, RunStatus::Succeeded, RunStatus::Failed];
    let names: Vec<String> = all.iter().filter(|s| s.is_terminal()).map(|s| format!("'{}'", s.as_str())).collect();
    format!("status IN ({})", names.join(", "))
}

/// One connection behind a `std` mutex, used only inside
/// `tokio::task::spawn_blocking`. Every call is short (one statement, or a
/// page of at most 201 rows) but touches the file, and a write may wait on
/// another process's lock (busy timeout): done on the runtime's threads, that
/// would stall every request queued behind it on a two-core machine, while
/// the hand-off to the blocking pool costs microseconds. One connection is
/// enough: SQLite runs one writer at a time anyway, and a page is read in
/// well under a millisecond through the indexes.
#[derive(Debug)]
pub struct SqliteRuns {
    conn: Mutex<Connection>,
    path: PathBuf,
}

fn unavailable(e: rusqlite::Error) -> StoreError {
    StoreError::Unavailable(format!("run store: {e}"))
}

fn corrupt(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(format!("run store: {e}"))
}

/// SQLite integers are signed: times past `i64::MAX` ms (292 million
/// years) cannot be stored; a request with such a test-clock time fails.
fn stored_ms(ms: u64) -> Result<i64, StoreError> {
    i64::try_from(ms).map_err(|_| StoreError::Corrupt(format!("run store: created_at_ms {ms} is past i64::MAX")))
}

impl SqliteRuns {
    /// Opens (creating the directory and the file if missing) `dir/runs.sqlite3`.
    pub fn open(dir: &Path) -> Result<SqliteRuns, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the run store directory {}: {e}", dir.display()))?;
        let path = dir.join(SQLITE_FILE);
        let fail = |e: rusqlite::Error| format!("cannot open the run store {}: {e}", path.display());
        let conn = Connection::open(&path).map_err(fail)?;
        // Another instance on the same file holds the write lock for a
        // statement at a time: wait for it rather than fail.
        conn.busy_timeout(Duration::from_secs(5)).map_err(fail)?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).map_err(fail)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(format!(
                "the run store {} cannot use write-ahead logging (journal mode {mode})",
                path.display()
            ));
        }
        conn.execute_batch("PRAGMA synchronous = NORMAL").map_err(fail)?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(fail)?;
        if version > SCHEMA_VERSION {
            return Err(format!(
                "the run store {} has schema version {version}, written by a newer greenside (this one knows {SCHEMA_VERSION})",
                path.display()
            ));
        }
        conn.execute_batch(SCHEMA).map_err(fail)?;
        Ok(SqliteRuns { conn: Mutex::new(conn), path })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on the connection in the blocking pool (see the type's doc).
    async fn with<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let me = self.clone();
        tokio::task::spawn_blocking(move || {
            // A panic mid-call rolled its transaction back when it unwound:
            // the connection is still good.
            let mut conn = me.conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut conn)
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("run store: {e}")))?
    }

    pub async fn put(self: &Arc<Self>, run: &RunRecord) -> Result<(), StoreError> {
        let json = serde_json::to_string(run).map_err(corrupt)?;
        let created = stored_ms(run.created_at_ms)?;
        let run = run.clone();
        self.with(move |c| {
            c.prepare_cached(PUT)
                .and_then(|mut st| {
                    st.execute(params![
                        run.run_id,
                        created,
                        run.status.as_str(),
                        run.plan_type.map(|p| p.as_str()),
                        run.course_id,
                        run.session_id,
                        json
                    ])
                })
                .map_err(unavailable)?;
            Ok(())
        })
        .await
    }

    pub async fn get(self: &Arc<Self>, run_id: &str) -> Result<Option<RunRecord>, StoreError> {
        let run_id = run_id.to_string();
        self.with(move |c| {
            let text: Option<String> = c
                .prepare_cached("SELECT run FROM runs WHERE run_id = ?1")
                .and_then(|mut st| st.query_row([&run_id], |r| r.get(0)).optional())
                .map_err(unavailable)?;
            text.map(|t| serde_json::from_str(&t).map_err(corrupt)).transpose()
        })
        .await
    }

    /// One page, newest first, after the query's cursor: what core's
    /// `runs_page` gives over every run, from one indexed query.
    pub async fn list(self: &Arc<Self>, q: &RunsQuery) -> Result<(Vec<RunRecord>, Option<RunCursor>), StoreError> {
        let Some((sql, args)) = page_query(q) else { return Ok((Vec::new(), None)) };
        let limit = q.limit;
        self.with(move |c| {
            let mut st = c.prepare_cached(&sql).map_err(unavailable)?;
            let texts = st
                .query_map(params_from_iter(args), |r| r.get::<_, String>(0))
                .and_then(Iterator::collect::<Result<Vec<String>, _>>)
                .map_err(unavailable)?;
            let mut page = texts
                .iter()
                .map(|t| serde_json::from_str(t).map_err(corrupt))
                .collect::<Result<Vec<RunRecord>, _>>()?;
            let more = page.len() > limit;
            page.truncate(limit);
            let next = if more { page.last().map(|r| (r.created_at_ms, r.run_id.clone())) } else { None };
            Ok((page, next))
        })
        .await
    }

    /// Deletes what core's `prune_plan` would over every run: terminal runs
    /// beyond the newest `max_runs` or older than `max_age_ms`, in one
    /// transaction, through the time and status indexes.
    pub async fn prune(
        self: &Arc<Self>,
        max_runs: Option<u64>,
        max_age_ms: Option<u64>,
        now_ms: u64,
    ) -> Result<PruneReport, StoreError> {
        self.with(move |c| {
            let tx = c.transaction().map_err(unavailable)?;
            let scanned: i64 = tx.query_row("SELECT COUNT(*) FROM runs", [], |r| r.get(0)).map_err(unavailable)?;
            // Beyond the newest `max_runs`: at or after the run at that offset.
            let boundary: Option<(i64, String)> = match max_runs {
                None => None,
                Some(m) => tx
                    .query_row(
                        &format!("SELECT created_at_ms, run_id FROM runs{NEWEST_FIRST} LIMIT 1 OFFSET ?1"),
                        [i64::try_from(m).unwrap_or(i64::MAX)],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()
                    .map_err(unavailable)?,
            };
            // Older than `max_age_ms`: `now - created > age`, so created before
            // `now - age` (nothing when the age reaches back before the epoch).
            let cutoff = max_age_ms.and_then(|a| now_ms.checked_sub(a)).filter(|c| *c > 0);
            let mut due = Vec::new();
            let mut args: Vec<Value> = Vec::new();
            if let Some((t, id)) = boundary {
                due.push("(created_at_ms, run_id) <= (?, ?)");
                args.extend([Value::Integer(t), Value::Text(id)]);
            }
            if let Some(cutoff) = cutoff {
                // `< cutoff` as `<= cutoff - 1`, so a cutoff past i64::MAX takes every run.
                due.push("created_at_ms <= ?");
                args.push(Value::Integer(i64::try_from(cutoff - 1).unwrap_or(i64::MAX)));
            }
            let mut deleted_ids = Vec::new();
            if !due.is_empty() {
                let cond = format!("{} AND ({})", terminal(), due.join(" OR "));
                deleted_ids = tx
                    .prepare(&format!("SELECT run_id FROM runs WHERE {cond}{NEWEST_FIRST}"))
                    .and_then(|mut st| {
                        st.query_map(params_from_iter(args.iter()), |r| r.get::<_, String>(0))?
                            .collect::<Result<Vec<_>, _>>()
                    })
                    .map_err(unavailable)?;
                tx.execute(&format!("DELETE FROM runs WHERE {cond}"), params_from_iter(args.iter()))
                    .map_err(unavailable)?;
            }
            tx.commit().map_err(unavailable)?;
            let scanned = scanned as u64;
            let deleted = deleted_ids.len() as u64;
            Ok(PruneReport { scanned, deleted, kept: scanned - deleted, deleted_ids })
        })
        .await
    }
}

/// The SQL and arguments of a page, or `None` when no run can match (a
/// bound past what SQLite stores).
fn page_query(q: &RunsQuery) -> Option<(String, Vec<Value>)> {
    let f = &q.filter;
    let mut sql = String::from("SELECT run FROM runs WHERE 1");
    let mut args = Vec::new();
    if let Some(s) = f.status {
        sql.push_str(" AND status = ?");
        args.push(Value::Text(s.as_str().into()));
    }
    if let Some(p) = f.plan_type {
        sql.push_str(" AND plan_type = ?");
        args.push(Value::Text(p.as_str().into()));
    }
    if let Some(c) = &f.course_id {
        sql.push_str(" AND course_id = ?");
        args.push(Value::Text(c.clone()));
    }
    if let Some(t) = f.created_from_ms {
        // Every stored time is at most i64::MAX: a later bound matches nothing.
        sql.push_str(" AND created_at_ms >= ?");
        args.push(Value::Integer(i64::try_from(t).ok()?));
    }
    if let Some(t) = f.created_to_ms.and_then(|t| i64::try_from(t).ok()) {
        sql.push_str(" AND created_at_ms < ?");
        args.push(Value::Integer(t));
    }
    // A cursor past i64::MAX is after every stored run: no bound.
    if let Some((t, id)) = &q.cursor {
        if let Ok(t) = i64::try_from(*t) {
            sql.push_str(" AND (created_at_ms, run_id) < (?, ?)");
            args.extend([Value::Integer(t), Value::Text(id.clone())]);
        }
    }
    sql.push_str(NEWEST_FIRST);
    sql.push_str(" LIMIT ?");
    args.push(Value::Integer(q.limit as i64 + 1));
    Some((sql, args))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use greenside_core::advice::PlanType;
    use greenside_core::listing::RunFilter;

    /// Every filter's page walks an index in order: no full scan, no sort.
    #[test]
    fn pages_walk_an_index_without_sorting() {
        let dir = std::env::temp_dir().join(format!("greenside-sqlite-plan-{}", crate::random_token()));
        let store = SqliteRuns::open(&dir).unwrap();
        let conn = store.conn.lock().unwrap();
        let cursor = Some((5u64, String::from("run_00000000000000000000000000000005")));
        let filters = [
            RunFilter::default(),
            RunFilter { status: Some(RunStatus::Succeeded), ..RunFilter::default() },
            RunFilter { plan_type: Some(PlanType::Putt), ..RunFilter::default() },
            RunFilter { course_id: Some("riverside".into()), ..RunFilter::default() },
            RunFilter { created_from_ms: Some(1), created_to_ms: Some(9), ..RunFilter::default() },
            RunFilter {
                status: Some(RunStatus::Failed),
                course_id: Some("riverside".into()),
                created_from_ms: Some(1),
                ..RunFilter::default()
            },
        ];
        for filter in filters {
            for cursor in [None, cursor.clone()] {
                let q = RunsQuery { filter: filter.clone(), limit: 50, cursor };
                let (sql, args) = page_query(&q).unwrap();
                let mut st = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
                let plan: Vec<String> =
                    st.query_map(params_from_iter(args), |r| r.get(3)).unwrap().map(Result::unwrap).collect();
                let plan = plan.join("; ");
                assert!(plan.contains("USING INDEX") || plan.contains("USING COVERING INDEX"), "{q:?}: {plan}");
                assert!(!plan.contains("TEMP B-TREE"), "{q:?} sorts: {plan}");
            }
        }
        drop(conn);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
