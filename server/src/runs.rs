//! Run records of advice calls, kept beside the sessions: in memory with the
//! memory store, in Redis with the Redis store.
//!
//! ```text
//! {prefix}:run:{run_id}   STRING  the run as JSON (no TTL: runs are pruned explicitly)
//! {prefix}:runs           ZSET    run_id scored by created_at_ms (listing, newest first)
//! ```
//! Only the request that created a run writes it, so a plain overwrite is safe.

use crate::store::StoreError;
use greenside_core::run::{RunRecord, RunStatus};
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Filters of `GET /runs/v1`.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    pub status: Option<RunStatus>,
    pub plan_type: Option<greenside_core::advice::PlanType>,
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

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PruneReport {
    pub scanned: u64,
    pub deleted: u64,
    pub kept: u64,
    /// The deleted run ids (debug bundles are removed with them).
    #[serde(skip)]
    pub deleted_ids: Vec<String>,
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
        .filter(|(i, r)| {
            let too_many = max_runs.is_some_and(|m| *i as u64 >= m);
            let too_old = max_age_ms.is_some_and(|a| now_ms.saturating_sub(r.created_at_ms) > a);
            r.status.is_terminal() && (too_many || too_old)
        })
        .map(|(_, r)| r.run_id.clone())
        .collect()
}

#[derive(Debug, Clone)]
pub enum RunStore {
    Memory(Arc<Mutex<BTreeMap<(u64, String), RunRecord>>>),
    Redis { conn: ConnectionManager, prefix: Arc<str> },
}

fn unavailable(e: redis::RedisError) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

impl RunStore {
    pub fn memory() -> RunStore {
        RunStore::Memory(Arc::default())
    }

    pub fn redis(conn: ConnectionManager, prefix: &str) -> RunStore {
        RunStore::Redis { conn, prefix: prefix.into() }
    }

    /// Creates or overwrites a run.
    pub async fn put(&self, run: &RunRecord) -> Result<(), StoreError> {
        match self {
            RunStore::Memory(m) => {
                let mut g = m.lock().unwrap_or_else(|p| p.into_inner());
                g.insert((run.created_at_ms, run.run_id.clone()), run.clone());
                Ok(())
            }
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
            RunStore::Redis { conn, prefix } => {
                let mut c = conn.clone();
                let text: Option<String> = c.get(format!("{prefix}:run:{run_id}")).await.map_err(unavailable)?;
                text.map(|t| serde_json::from_str(&t).map_err(|e| StoreError::Corrupt(e.to_string()))).transpose()
            }
        }
    }

    /// Every run, newest first.
    async fn all(&self) -> Result<Vec<RunRecord>, StoreError> {
        match self {
            RunStore::Memory(m) => {
                let g = m.lock().unwrap_or_else(|p| p.into_inner());
                Ok(g.values().rev().cloned().collect())
            }
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

    /// One page, newest first, after `cursor`.
    pub async fn list(
        &self,
        filter: &RunFilter,
        cursor: Option<&RunCursor>,
        limit: usize,
    ) -> Result<(Vec<RunRecord>, Option<RunCursor>), StoreError> {
        let all = self.all().await?;
        let mut page = Vec::new();
        let mut more = false;
        for r in all.into_iter() {
            if let Some((t, id)) = cursor {
                if (r.created_at_ms, &r.run_id) >= (*t, id) {
                    continue;
                }
            }
            if !filter.matches(&r) {
                continue;
            }
            if page.len() == limit {
                more = true;
                break;
            }
            page.push(r);
        }
        let next = if more { page.last().map(|r| (r.created_at_ms, r.run_id.clone())) } else { None };
        Ok((page, next))
    }

    /// Deletes terminal runs beyond `max_runs` or older than `max_age_ms`.
    pub async fn prune(
        &self,
        max_runs: Option<u64>,
        max_age_ms: Option<u64>,
        now_ms: u64,
    ) -> Result<PruneReport, StoreError> {
        let all = self.all().await?;
        let doomed = prune_plan(&all, max_runs, max_age_ms, now_ms);
        match self {
            RunStore::Memory(m) => {
                let mut g = m.lock().unwrap_or_else(|p| p.into_inner());
                g.retain(|_, r| !doomed.contains(&r.run_id));
            }
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
