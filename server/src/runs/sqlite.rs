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

use crate::store::error::StoreError;
use greenside_core::listing::{PruneReport, RunCursor, RunsQuery};
use greenside_core::run::RunRecord;
use greenside_core::runs_sql::{self, Arg, NEWEST_FIRST, page_query};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params_from_iter};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The database's file name inside `RUN_STORE_DIR`.
pub const SQLITE_FILE: &str = "runs.sqlite3";

/// `PRAGMA user_version` of the schema below; a file from a newer build is refused.
const SCHEMA_VERSION: i64 = 1;

/// `user_version` once the schema is in place.
const SCHEMA_VERSION_SET: &str = "PRAGMA user_version = 1";

pub(crate) fn to_sql(a: Arg) -> Value {
    match a {
        Arg::Int(i) => Value::Integer(i),
        Arg::Text(t) => Value::Text(t),
        Arg::Null => Value::Null,
    }
}

/// One connection, owned by one thread of its own (`run-store`), which runs
/// the calls sent to it in order. Every call is short (one statement, or a
/// page of at most 201 rows) but touches the file, and a write may wait on
/// another process's lock (busy timeout): done on the runtime's threads, that
/// would stall every request queued behind it on a two-core machine. One
/// connection is enough: SQLite runs one writer at a time anyway, and a page
/// is read in well under a millisecond through the indexes.
///
/// One thread, not tokio's blocking pool: SQLite allocates with the C
/// library's `malloc`, and glibc gives each thread that allocates its own
/// arena (up to eight per core). The pool grew to a dozen threads under
/// load, each taking turns on the connection, so SQLite's page cache and
/// statements were spread over a dozen arenas that each kept their freed
/// pages: the default configuration's resident memory grew 35 % in twenty
/// minutes (issue 41; docs/reliability.md has the profile). On one thread
/// SQLite's memory is one arena, bounded by [`CACHE_KIB`].
#[derive(Debug)]
pub struct SqliteRuns {
    calls: tokio::sync::mpsc::Sender<Call>,
    path: PathBuf,
}

/// A call for the connection's thread: it runs the closure and sends the
/// answer back itself.
type Call = Box<dyn FnOnce(&mut Connection) + Send>;

/// Calls waiting for the connection's thread before a caller waits to send
/// (backpressure instead of an unbounded queue).
const QUEUE: usize = 256;

/// SQLite's page cache for the connection, in KiB (`PRAGMA cache_size` takes
/// it negated). SQLite's own default, written down because it is most of
/// what the run store holds in memory: the kept runs live in the file.
pub const CACHE_KIB: u32 = 2_000;

/// The write-ahead log is truncated back to this size after a checkpoint
/// (SQLite keeps it at its largest otherwise).
const WAL_LIMIT_BYTES: u32 = 4 << 20;

pub(crate) fn unavailable(e: rusqlite::Error) -> StoreError {
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
        let fail = |e: rusqlite::Error| {
            format!(
                "cannot open the run store {}: {e} (the file is left as it is: restore it, or move it aside to start a new one)",
                path.display()
            )
        };
        let conn = Connection::open(&path).map_err(fail)?;
        // Another instance on the same file holds the write lock for a
        // statement at a time: wait for it rather than fail.
        conn.busy_timeout(Duration::from_secs(5)).map_err(fail)?;
        // A file damaged inside (a torn copy, a bad disk) is refused here
        // (before anything is written, the journal mode included),
        // named, rather than failing on some later page or being replaced.
        let check: String = conn.query_row("PRAGMA quick_check(1)", [], |r| r.get(0)).map_err(fail)?;
        if check != "ok" {
            return Err(format!(
                "the run store {} is damaged ({check}); the file is left as it is: restore it, or move it aside to start a new one",
                path.display()
            ));
        }
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).map_err(fail)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(format!(
                "the run store {} cannot use write-ahead logging (journal mode {mode})",
                path.display()
            ));
        }
        conn.execute_batch(&format!(
            "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -{CACHE_KIB}; PRAGMA journal_size_limit = {WAL_LIMIT_BYTES}"
        ))
        .map_err(fail)?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(fail)?;
        if version > SCHEMA_VERSION {
            return Err(format!(
                "the run store {} has schema version {version}, written by a newer greenside (this one knows {SCHEMA_VERSION})",
                path.display()
            ));
        }
        // The rounds share the file (`crate::rounds`): one embedded store.
        let tables: Vec<&str> =
            runs_sql::SCHEMA.iter().chain(greenside_core::listing::ROUNDS_SCHEMA).copied().collect();
        let schema = format!("BEGIN;\n{};\n{SCHEMA_VERSION_SET};\nCOMMIT;", tables.join(";\n"));
        conn.execute_batch(&schema).map_err(fail)?;
        let (calls, mut queue) = tokio::sync::mpsc::channel::<Call>(QUEUE);
        std::thread::Builder::new()
            .name("run-store".into())
            .spawn(move || {
                let mut conn = conn;
                // Ends when the store is dropped (every sender gone).
                while let Some(call) = queue.blocking_recv() {
                    call(&mut conn);
                }
            })
            .map_err(|e| format!("cannot start the run store's thread for {}: {e}", path.display()))?;
        Ok(SqliteRuns { calls, path })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on the connection's thread (see the type's doc) and waits
    /// for its answer without holding a runtime thread.
    pub(crate) async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let call: Call = Box::new(move |conn| {
            // A panic mid-call rolls its transaction back as it unwinds: the
            // connection is still good, and the thread goes on. The caller
            // sees its answer dropped.
            if let Ok(result) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(conn))) {
                let _ = answer.send(result);
            }
        });
        let gone = || StoreError::Unavailable("run store: the store's thread has stopped".into());
        self.calls.send(call).await.map_err(|_| gone())?;
        answered.await.unwrap_or_else(|_| Err(StoreError::Unavailable("run store: the call panicked".into())))
    }

    /// Runs `f` on the connection's thread and waits for it, from outside
    /// the runtime (tests).
    #[cfg(test)]
    fn blocking<T: Send + 'static>(&self, f: impl FnOnce(&mut Connection) -> T + Send + 'static) -> T {
        let (answer, answered) = std::sync::mpsc::channel();
        let call: Call = Box::new(move |conn| {
            let _ = answer.send(f(conn));
        });
        assert!(self.calls.blocking_send(call).is_ok(), "run store thread stopped");
        answered.recv().expect("run store thread answered")
    }

    pub async fn put(&self, run: &RunRecord) -> Result<(), StoreError> {
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

    pub async fn get(&self, run_id: &str) -> Result<Option<RunRecord>, StoreError> {
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
    pub async fn list(&self, q: &RunsQuery) -> Result<(Vec<RunRecord>, Option<RunCursor>), StoreError> {
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
        &self,
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
                let args: Vec<Value> = args.into_iter().map(to_sql).collect();
                let plan: Vec<String> = store.blocking(move |conn| {
                    let mut st = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
                    st.query_map(params_from_iter(args), |r| r.get(3)).unwrap().map(Result::unwrap).collect()
                });
                let plan = plan.join("; ");
                assert!(plan.contains("USING INDEX") || plan.contains("USING COVERING INDEX"), "{q:?}: {plan}");
                assert!(!plan.contains("TEMP B-TREE"), "{q:?} sorts: {plan}");
            }
        }
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
