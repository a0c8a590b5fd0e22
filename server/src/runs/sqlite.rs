//! The embedded run store: one SQLite file, [`SQLITE_FILE`], under
//! `RUN_STORE_DIR`. The default when sessions are in memory, so runs
//! outlive a restart with no server to run.
//!
//! The table, its indexes and every statement are core's (`runs_sql`),
//! shared with the edge's run-log shards. A page is one query walking an
//! index newest first from the cursor and stopping after `limit + 1` rows:
//! the same page as core's `runs_page`, without reading the rest.
//! WAL with `synchronous = NORMAL`: readers never wait for
//! the writer, a commit does not wait for the disk, and a crash of the
//! process loses nothing committed (a power cut may lose the last commits,
//! never the file).

use crate::store::StoreError;
use greenside_core::listing::{PruneReport, RunCursor, RunsQuery};
use greenside_core::run::RunRecord;
use greenside_core::runs_sql::{self, Arg, NEWEST_FIRST, page_query};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params_from_iter};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The database's file name inside `RUN_STORE_DIR`.
pub const SQLITE_FILE: &str = "runs.sqlite3";

/// `PRAGMA user_version` of the schema below; a file from a newer build is refused.
const SCHEMA_VERSION: i64 = 1;

/// `user_version` once the schema is in place.
const SCHEMA_VERSION_SET: &str = "PRAGMA user_version = 1";

fn to_sql(a: Arg) -> Value {
    match a {
        Arg::Int(i) => Value::Integer(i),
        Arg::Text(t) => Value::Text(t),
        Arg::Null => Value::Null,
    }
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
    runs_sql::stored_ms(ms)
        .ok_or_else(|| StoreError::Corrupt(format!("run store: created_at_ms {ms} is past i64::MAX")))
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
        let schema = format!("BEGIN;\n{};\n{SCHEMA_VERSION_SET};\nCOMMIT;", runs_sql::SCHEMA.join(";\n"));
        conn.execute_batch(&schema).map_err(fail)?;
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
        stored_ms(run.created_at_ms)?;
        let args: Vec<Value> = runs_sql::put_args(run, json).unwrap_or_default().into_iter().map(to_sql).collect();
        self.with(move |c| {
            c.prepare_cached(runs_sql::PUT)
                .and_then(|mut st| st.execute(params_from_iter(args)))
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
        let args: Vec<Value> = args.into_iter().map(to_sql).collect();
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
                    .query_row(runs_sql::NTH_NEWEST, [i64::try_from(m).unwrap_or(i64::MAX)], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })
                    .optional()
                    .map_err(unavailable)?,
            };
            let boundary = boundary.map(|(t, id)| (u64::try_from(t).unwrap_or(0), id));
            let due = runs_sql::prune_condition(boundary.as_ref(), max_age_ms, now_ms);
            let mut deleted_ids = Vec::new();
            if let Some((cond, args)) = due {
                let args: Vec<Value> = args.into_iter().map(to_sql).collect();
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use greenside_core::advice::PlanType;
    use greenside_core::listing::RunFilter;
    use greenside_core::run::RunStatus;

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
                let args: Vec<Value> = args.into_iter().map(to_sql).collect();
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
