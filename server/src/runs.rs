//! Run records of advice calls: in an embedded SQLite file by default
//! (`sqlite`), in memory when asked for, in Redis beside Redis sessions.
//! `RUN_STORE_BACKEND` chooses (see `settings::RunBackend`); one
//! conformance suite (`server/tests/it/run_stores.rs`) holds every store to
//! core's `runs_page` and `prune_plan`.
//!
//! Redis keeps runs in the sessions' sharded layout (`runs/redis.rs`).

pub mod redis;
pub mod sqlite;

use crate::store::error::StoreError;
use crate::store::redis_conn::Conn;
use greenside_core::listing::{RunsPageBuilder, RunsQuery, prune_due};
use greenside_core::run::RunRecord;
use greenside_core::{ApiError, ErrorCode};
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{Arc, Mutex};

pub use greenside_core::listing::{PruneReport, RunCursor, RunFilter, prune_plan};
pub use sqlite::{SQLITE_FILE, SqliteRuns};

#[derive(Debug, Clone)]
pub enum RunStore {
    Memory(Arc<Mutex<BTreeMap<(u64, String), RunRecord>>>),
    Sqlite(Arc<SqliteRuns>),
    Redis { conn: Conn, prefix: Arc<str> },
}

impl RunStore {
    pub fn memory() -> RunStore {
        RunStore::Memory(Arc::default())
    }

    /// `dir/runs.sqlite3`, the directory and the file created if missing.
    pub fn sqlite(dir: &std::path::Path) -> Result<RunStore, String> {
        SqliteRuns::open(dir).map(|s| RunStore::Sqlite(Arc::new(s)))
    }

    pub fn redis(conn: Conn, prefix: &str) -> RunStore {
        RunStore::Redis { conn, prefix: prefix.into() }
    }

    /// `memory`, `sqlite` or `redis` (as `RUN_STORE_BACKEND` names it).
    pub fn backend(&self) -> &'static str {
        match self {
            RunStore::Memory(_) => "memory",
            RunStore::Sqlite(_) => "sqlite",
            RunStore::Redis { .. } => "redis",
        }
    }

    /// Creates or overwrites a run.
    pub async fn put(&self, run: &RunRecord) -> Result<(), StoreError> {
        let mut span = crate::logging::span("run_store.put");
        span.attr("db.system.name", self.backend());
        let r = self.put_untraced(run).await;
        if let Err(e) = &r {
            let code = match e {
                StoreError::Unavailable(_) => ErrorCode::RunStoreUnavailable,
                StoreError::Corrupt(_) => ErrorCode::InternalError,
            };
            span.fail(code.as_str());
        }
        r
    }

    async fn put_untraced(&self, run: &RunRecord) -> Result<(), StoreError> {
        match self {
            RunStore::Memory(m) => {
                let mut g = m.lock().unwrap_or_else(|p| p.into_inner());
                g.insert((run.created_at_ms, run.run_id.clone()), run.clone());
                Ok(())
            }
            RunStore::Sqlite(s) => s.put(run).await,
            RunStore::Redis { conn, prefix } => redis::put(conn, prefix, run).await,
        }
    }

    pub async fn get(&self, run_id: &str) -> Result<Option<RunRecord>, StoreError> {
        match self {
            RunStore::Memory(m) => {
                let g = m.lock().unwrap_or_else(|p| p.into_inner());
                Ok(g.values().find(|r| r.run_id == run_id).cloned())
            }
            RunStore::Sqlite(s) => s.get(run_id).await,
            RunStore::Redis { conn, prefix } => redis::get(conn, prefix, run_id).await,
        }
    }

    /// One page, newest first, after the query's cursor, walked through each
    /// store's time index (the memory map's order, Redis's sorted set,
    /// SQLite's indexes) from the cursor on: never every run.
    pub async fn list(&self, q: &RunsQuery) -> Result<(Vec<RunRecord>, Option<RunCursor>), StoreError> {
        match self {
            RunStore::Memory(m) => {
                let g = m.lock().unwrap_or_else(|p| p.into_inner());
                let upper = match &q.cursor {
                    Some((t, id)) => Bound::Excluded((*t, id.clone())),
                    None => Bound::Unbounded,
                };
                let mut page = RunsPageBuilder::new(q);
                for r in g.range((Bound::Unbounded, upper)).rev().map(|(_, r)| r) {
                    if !page.offer(r) {
                        break;
                    }
                }
                Ok(page.finish())
            }
            RunStore::Sqlite(s) => s.list(q).await,
            RunStore::Redis { conn, prefix } => redis::page(conn, prefix, q).await,
        }
    }

    /// Deletes what core's `prune_plan` would: terminal runs beyond the
    /// newest `max_runs` or older than `max_age_ms`, looking only at those
    /// the time index puts past either limit.
    pub async fn prune(
        &self,
        max_runs: Option<u64>,
        max_age_ms: Option<u64>,
        now_ms: u64,
    ) -> Result<PruneReport, StoreError> {
        let (scanned, deleted_ids) = match self {
            RunStore::Sqlite(s) => return s.prune(max_runs, max_age_ms, now_ms).await,
            RunStore::Memory(m) => {
                let mut g = m.lock().unwrap_or_else(|p| p.into_inner());
                let doomed: Vec<(u64, String)> = g
                    .iter()
                    .rev()
                    .enumerate()
                    .filter(|(i, (_, r))| prune_due(*i as u64, r, max_runs, max_age_ms, now_ms))
                    .map(|(_, (k, _))| k.clone())
                    .collect();
                let scanned = g.len() as u64;
                for k in &doomed {
                    g.remove(k);
                }
                (scanned, doomed.into_iter().map(|(_, id)| id).collect::<Vec<_>>())
            }
            RunStore::Redis { conn, prefix } => redis::prune(conn, prefix, max_runs, max_age_ms, now_ms).await?,
        };
        let deleted = deleted_ids.len() as u64;
        Ok(PruneReport { scanned, deleted, kept: scanned - deleted, deleted_ids })
    }

    /// Retention: a prune with the given limits, and the deleted runs' debug
    /// bundles removed. The prune route calls it with its body's limits, the
    /// retention sweeper with the settings'. Returns the bundles removed too.
    pub async fn retain(
        &self,
        bundle_dir: &std::path::Path,
        keep: greenside_core::listing::Retention,
        now_ms: u64,
    ) -> Result<(PruneReport, usize), StoreError> {
        let report = self.prune(Some(keep.max_runs), Some(keep.max_age_ms()), now_ms).await?;
        let bundles = crate::bundle::remove(bundle_dir, &report.deleted_ids).await;
        Ok((report, bundles))
    }
}

/// Writes `run`, noting the outcome for `/health`; a failure is 503
/// `run_store_unavailable` (the advice is not given: its run would be lost).
pub async fn put_noted(runs: &RunStore, writes: &crate::writes::Writes, run: &RunRecord) -> Result<(), ApiError> {
    match runs.put(run).await {
        Ok(()) => {
            writes.record(Ok(()));
            Ok(())
        }
        Err(e) => {
            let why = match &e {
                StoreError::Unavailable(m) | StoreError::Corrupt(m) => m.clone(),
            };
            tracing::warn!(code = "run_store_unavailable", run_id = %run.run_id, error = %why, "run not written");
            writes.record(Err(format!("run_store_unavailable: {why}")));
            Err(ApiError::new(
                ErrorCode::RunStoreUnavailable,
                "the run store could not write this advice call's run; the advice was not given, retry shortly",
            )
            .with("run_id", run.run_id.as_str()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use greenside_core::error::ErrorCode;
    use greenside_core::run::RunStatus;

    fn run(i: u64, status: RunStatus) -> RunRecord {
        let mut r = RunRecord::new(format!("run_{i:032x}"), "gs_x".into(), "riverside".into(), 1, i * 1000);
        match status {
            RunStatus::Queued => {}
            RunStatus::Processing => r.start(greenside_core::advice::PlanType::Putt, "t".into(), i * 1000).unwrap(),
            RunStatus::Succeeded => {
                r.start(greenside_core::advice::PlanType::Putt, "t".into(), i * 1000).unwrap();
                r.succeed(Some(1), false, i * 1000 + 1).unwrap();
            }
            RunStatus::Failed => r.fail(ErrorCode::PuttSolverTimeout, "t".into(), None, true, i * 1000).unwrap(),
        }
        r
    }

    #[test]
    fn prune_never_touches_runs_in_flight() {
        // Newest first: 9..0; 3 and 7 are still in flight.
        let all: Vec<RunRecord> = (0..10)
            .rev()
            .map(|i| {
                run(
                    i,
                    if i == 3 {
                        RunStatus::Processing
                    } else if i == 7 {
                        RunStatus::Queued
                    } else {
                        RunStatus::Succeeded
                    },
                )
            })
            .collect();
        let doomed = prune_plan(&all, Some(2), None, 100_000);
        let ids: Vec<u64> = doomed.iter().map(|id| u64::from_str_radix(&id[4..], 16).unwrap()).collect();
        assert_eq!(ids, vec![6, 5, 4, 2, 1, 0]);
        let doomed = prune_plan(&all, None, Some(5_500), 10_000);
        let ids: Vec<u64> = doomed.iter().map(|id| u64::from_str_radix(&id[4..], 16).unwrap()).collect();
        assert_eq!(ids, vec![4, 2, 1, 0], "older than 5.5 s at t=10 s, in flight kept");
    }
}
