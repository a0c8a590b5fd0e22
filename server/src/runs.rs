//! Run records of advice calls: in an embedded SQLite file by default
//! (`sqlite`), in memory when asked for, in Redis beside Redis sessions.
//! `RUN_STORE_BACKEND` chooses (see `settings::RunBackend`); one
//! conformance suite (`server/tests/it/run_stores.rs`) holds every store to
//! core's `runs_page` and `prune_plan`.
//!
//! Redis:
//! ```text
//! {prefix}:run:{run_id}   STRING  the run as JSON (no TTL: runs are pruned explicitly)
//! {prefix}:runs           ZSET    run_id scored by created_at_ms (listing, newest first)
//! ```
//! Only the request that created a run writes it, so a plain overwrite is safe.

pub mod sqlite;

use crate::store::StoreError;
use greenside_core::run::RunRecord;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

pub use greenside_core::listing::{PruneReport, RunCursor, RunFilter, prune_plan};
pub use sqlite::{SQLITE_FILE, SqliteRuns};

#[derive(Debug, Clone)]
pub enum RunStore {
    Memory(Arc<Mutex<BTreeMap<(u64, String), RunRecord>>>),
    Sqlite(Arc<SqliteRuns>),
    Redis { conn: ConnectionManager, prefix: Arc<str> },
}

fn unavailable(e: redis::RedisError) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

impl RunStore {
    pub fn memory() -> RunStore {
        RunStore::Memory(Arc::default())
    }

    /// `dir/runs.sqlite3`, the directory and the file created if missing.
    pub fn sqlite(dir: &std::path::Path) -> Result<RunStore, String> {
        SqliteRuns::open(dir).map(|s| RunStore::Sqlite(Arc::new(s)))
    }

    pub fn redis(conn: ConnectionManager, prefix: &str) -> RunStore {
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
        match self {
            RunStore::Memory(m) => {
                let mut g = m.lock().unwrap_or_else(|p| p.into_inner());
                g.insert((run.created_at_ms, run.run_id.clone()), run.clone());
                Ok(())
            }
            RunStore::Sqlite(s) => s.put(run).await,
            RunStore::Redis { conn, prefix } => {
                let json = serde_json::to_string(run).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let mut c = conn.clone();
                let _: () = redis::pipe()
                    .atomic()
                    .set(format!("{prefix}:run:{}", run.run_id), json)
                    .ignore()
                    .zadd(format!("{prefix}:runs"), &run.run_id, run.created_at_ms)
                    .ignore()
                    .query_async(&mut c)
                    .await
                    .map_err(unavailable)?;
                Ok(())
            }
        }
    }

    pub async fn get(&self, run_id: &str) -> Result<Option<RunRecord>, StoreError> {
        match self {
            RunStore::Memory(m) => {
                let g = m.lock().unwrap_or_else(|p| p.into_inner());
                Ok(g.values().find(|r| r.run_id == run_id).cloned())
            }
            RunStore::Sqlite(s) => s.get(run_id).await,
            RunStore::Redis { conn, prefix } => {
                let mut c = conn.clone();
                let text: Option<String> = c.get(format!("{prefix}:run:{run_id}")).await.map_err(unavailable)?;
                text.map(|t| serde_json::from_str(&t).map_err(|e| StoreError::Corrupt(e.to_string()))).transpose()
            }
        }
    }

    /// Every run, newest first (memory and Redis; SQLite pages and prunes in SQL).
    async fn all(&self) -> Result<Vec<RunRecord>, StoreError> {
        match self {
            RunStore::Memory(m) => {
                let g = m.lock().unwrap_or_else(|p| p.into_inner());
                Ok(g.values().rev().cloned().collect())
            }
            RunStore::Sqlite(_) => Err(StoreError::Unavailable("run store: SQLite never loads every run".into())),
            RunStore::Redis { conn, prefix } => {
                let mut c = conn.clone();
                let ids: Vec<String> = c.zrevrange(format!("{prefix}:runs"), 0, -1).await.map_err(unavailable)?;
                let mut out = Vec::with_capacity(ids.len());
                for chunk in ids.chunks(500) {
                    let keys: Vec<String> = chunk.iter().map(|id| format!("{prefix}:run:{id}")).collect();
                    let texts: Vec<Option<String>> = c.mget(keys).await.map_err(unavailable)?;
                    for t in texts.into_iter().flatten() {
                        out.push(serde_json::from_str(&t).map_err(|e| StoreError::Corrupt(e.to_string()))?);
                    }
                }
                // Same order as memory: created_at desc, then run_id desc.
                out.sort_by(|a: &RunRecord, b| (b.created_at_ms, &b.run_id).cmp(&(a.created_at_ms, &a.run_id)));
                Ok(out)
            }
        }
    }

    /// One page, newest first, after the query's cursor.
    pub async fn list(
        &self,
        q: &greenside_core::listing::RunsQuery,
    ) -> Result<(Vec<RunRecord>, Option<RunCursor>), StoreError> {
        match self {
            RunStore::Sqlite(s) => s.list(q).await,
            _ => Ok(greenside_core::listing::runs_page(self.all().await?, q)),
        }
    }

    /// Deletes terminal runs beyond `max_runs` or older than `max_age_ms`.
    pub async fn prune(
        &self,
        max_runs: Option<u64>,
        max_age_ms: Option<u64>,
        now_ms: u64,
    ) -> Result<PruneReport, StoreError> {
        if let RunStore::Sqlite(s) = self {
            return s.prune(max_runs, max_age_ms, now_ms).await;
        }
        let all = self.all().await?;
        let doomed = prune_plan(&all, max_runs, max_age_ms, now_ms);
        match self {
            RunStore::Memory(m) => {
                let mut g = m.lock().unwrap_or_else(|p| p.into_inner());
                g.retain(|_, r| !doomed.contains(&r.run_id));
            }
            RunStore::Sqlite(_) => {}
            RunStore::Redis { conn, prefix } => {
                let mut c = conn.clone();
                for chunk in doomed.chunks(500) {
                    let keys: Vec<String> = chunk.iter().map(|id| format!("{prefix}:run:{id}")).collect();
                    let _: () = redis::pipe()
                        .atomic()
                        .del(keys)
                        .ignore()
                        .zrem(format!("{prefix}:runs"), chunk)
                        .ignore()
                        .query_async(&mut c)
                        .await
                        .map_err(unavailable)?;
                }
            }
        }
        let scanned = all.len() as u64;
        let deleted = doomed.len() as u64;
        Ok(PruneReport { scanned, deleted, kept: scanned - deleted, deleted_ids: doomed })
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
