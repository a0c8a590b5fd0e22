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
//! {prefix}:runs:st:{status} ZSET   the same, one set per status (listing by status)
//! {prefix}:runs:index     STRING  "2" once the status sets hold every run
//! ```
//! The status sets came later: the first listing by status on a Redis
//! without the `runs:index` marker adds every run to its set first.
//! Only the request that created a run writes it, so a plain overwrite is safe.

pub mod sqlite;

use crate::store::StoreError;
use greenside_core::listing::{RunsPageBuilder, RunsQuery, prune_due};
use greenside_core::run::{RunRecord, RunStatus};
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{Arc, Mutex};

pub use greenside_core::listing::{PruneReport, RunCursor, RunFilter, prune_plan};
pub use sqlite::{SQLITE_FILE, SqliteRuns};

#[derive(Debug, Clone)]
pub enum RunStore {
    Memory(Arc<Mutex<BTreeMap<(u64, String), RunRecord>>>),
    Sqlite(Arc<SqliteRuns>),
    Redis { conn: ConnectionManager, prefix: Arc<str>, status_index: Arc<tokio::sync::OnceCell<()>> },
}

const STATUSES: [RunStatus; 4] = [RunStatus::Queued, RunStatus::Processing, RunStatus::Succeeded, RunStatus::Failed];

fn status_key(prefix: &str, status: RunStatus) -> String {
    format!("{prefix}:runs:st:{}", status.as_str())
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
        RunStore::Redis { conn, prefix: prefix.into(), status_index: Arc::default() }
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
            RunStore::Redis { conn, prefix, .. } => {
                let json = serde_json::to_string(run).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let mut c = conn.clone();
                let mut pipe = redis::pipe();
                pipe.atomic()
                    .set(format!("{prefix}:run:{}", run.run_id), json)
                    .ignore()
                    .zadd(format!("{prefix}:runs"), &run.run_id, run.created_at_ms)
                    .ignore();
                for st in STATUSES {
                    if st == run.status {
                        pipe.zadd(status_key(prefix, st), &run.run_id, run.created_at_ms).ignore();
                    } else {
                        pipe.zrem(status_key(prefix, st), &run.run_id).ignore();
                    }
                }
                let _: () = pipe.query_async(&mut c).await.map_err(unavailable)?;
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
            RunStore::Redis { conn, prefix, .. } => {
                let mut c = conn.clone();
                let text: Option<String> = c.get(format!("{prefix}:run:{run_id}")).await.map_err(unavailable)?;
                text.map(|t| serde_json::from_str(&t).map_err(|e| StoreError::Corrupt(e.to_string()))).transpose()
            }
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
            RunStore::Redis { conn, prefix, status_index } => {
                let key = match q.filter.status {
                    Some(st) => {
                        status_index.get_or_try_init(|| backfill_status_index(conn, prefix)).await?;
                        status_key(prefix, st)
                    }
                    None => format!("{prefix}:runs"),
                };
                redis_page(conn, prefix, &key, q).await
            }
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
            RunStore::Redis { conn, prefix, .. } => redis_prune(conn, prefix, max_runs, max_age_ms, now_ms).await?,
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
        max_runs: u64,
        max_age_days: u64,
        now_ms: u64,
    ) -> Result<(PruneReport, usize), StoreError> {
        let report = self.prune(Some(max_runs), Some(max_age_days.saturating_mul(86_400_000)), now_ms).await?;
        let bundles = crate::bundle::remove(bundle_dir, &report.deleted_ids).await;
        Ok((report, bundles))
    }
}

fn decode(text: &str) -> Result<RunRecord, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Members with scores in `[lo, hi]`, newest first (equal scores in reverse
/// member order: `run_id` desc, as core orders them), `offset` in.
async fn zrev_by_score(
    c: &mut ConnectionManager,
    key: &str,
    hi: u64,
    lo: u64,
    offset: usize,
    count: usize,
) -> Result<Vec<(String, u64)>, StoreError> {
    redis::cmd("ZREVRANGEBYSCORE")
        .arg(key)
        .arg(hi)
        .arg(lo)
        .arg("WITHSCORES")
        .arg("LIMIT")
        .arg(offset)
        .arg(count)
        .query_async(c)
        .await
        .map_err(unavailable)
}

async fn load(c: &mut ConnectionManager, prefix: &str, ids: &[&str]) -> Result<Vec<RunRecord>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<String> = ids.iter().map(|id| format!("{prefix}:run:{id}")).collect();
    let texts: Vec<Option<String>> = c.mget(keys).await.map_err(unavailable)?;
    // A run pruned between the index read and this one is simply gone.
    texts.into_iter().flatten().map(|t| decode(&t)).collect()
}

/// A page from the `{prefix}:runs` sorted set: from the cursor (or the
/// `created_to_ms` bound) down to `created_from_ms`, in batches, each run
/// loaded with one MGET per batch, until the page and one more match are
/// found. Filters other than time are checked on the loaded runs.
async fn redis_page(
    conn: &ConnectionManager,
    prefix: &str,
    key: &str,
    q: &RunsQuery,
) -> Result<(Vec<RunRecord>, Option<RunCursor>), StoreError> {
    let mut c = conn.clone();
    let lo = q.filter.created_from_ms.unwrap_or(0);
    let mut hi = u64::MAX;
    if let Some(to) = q.filter.created_to_ms {
        let Some(last) = to.checked_sub(1) else { return Ok((Vec::new(), None)) };
        hi = hi.min(last);
    }
    if let Some((t, _)) = &q.cursor {
        hi = hi.min(*t);
    }
    if hi < lo {
        return Ok((Vec::new(), None));
    }
    let batch = (q.limit + 1).clamp(64, 1000);
    let mut page = RunsPageBuilder::new(q);
    // Members at score `hi` already read (ties continue where they stopped).
    let mut offset = 0;
    loop {
        let items = zrev_by_score(&mut c, key, hi, lo, offset, batch).await?;
        let ids: Vec<&str> = items.iter().map(|(id, _)| id.as_str()).collect();
        let runs = load(&mut c, prefix, &ids).await?;
        if !runs.iter().all(|r| page.offer(r)) || items.len() < batch {
            break;
        }
        let Some((_, last)) = items.last() else { break };
        offset =
            if *last == hi { offset + items.len() } else { items.iter().rev().take_while(|(_, s)| s == last).count() };
        hi = *last;
    }
    Ok(page.finish())
}

/// Puts every run into its status set unless the `runs:index` marker says
/// that is done (runs written before the status sets existed). Idempotent;
/// a run whose status changes meanwhile may leave a stale member in its old
/// set, which listing skips (the loaded run's status is checked again).
async fn backfill_status_index(conn: &ConnectionManager, prefix: &str) -> Result<(), StoreError> {
    let mut c = conn.clone();
    let marker = format!("{prefix}:runs:index");
    let done: Option<String> = c.get(&marker).await.map_err(unavailable)?;
    if done.as_deref() == Some("2") {
        return Ok(());
    }
    let key = format!("{prefix}:runs");
    // ZSCAN returns every member present for the whole scan, whatever is
    // added or pruned meanwhile (an index walk could skip some).
    let mut cursor = 0u64;
    loop {
        let (next, flat): (u64, Vec<String>) = redis::cmd("ZSCAN")
            .arg(&key)
            .arg(cursor)
            .arg("COUNT")
            .arg(500)
            .query_async(&mut c)
            .await
            .map_err(unavailable)?;
        let refs: Vec<&str> = flat.iter().step_by(2).map(String::as_str).collect();
        let runs = load(&mut c, prefix, &refs).await?;
        if !runs.is_empty() {
            let mut pipe = redis::pipe();
            for r in runs {
                pipe.zadd(status_key(prefix, r.status), &r.run_id, r.created_at_ms).ignore();
            }
            let _: () = pipe.query_async(&mut c).await.map_err(unavailable)?;
        }
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    let _: () = c.set(&marker, "2").await.map_err(unavailable)?;
    tracing::info!(prefix, "runs: status index built");
    Ok(())
}

/// Prune on Redis: the candidates are the members past the newest
/// `max_runs` and those scored before the age cutoff (both read from the
/// sorted set); only they are loaded, and the terminal ones deleted with
/// their index entries. Deleted ids in core's order (newest first).
async fn redis_prune(
    conn: &ConnectionManager,
    prefix: &str,
    max_runs: Option<u64>,
    max_age_ms: Option<u64>,
    now_ms: u64,
) -> Result<(u64, Vec<String>), StoreError> {
    let mut c = conn.clone();
    let key = format!("{prefix}:runs");
    let scanned: u64 = c.zcard(&key).await.map_err(unavailable)?;
    let mut candidates = std::collections::BTreeSet::new();
    if let Some(m) = max_runs.filter(|m| *m < scanned) {
        let beyond: Vec<(String, u64)> =
            c.zrevrange_withscores(&key, isize::try_from(m).unwrap_or(isize::MAX), -1).await.map_err(unavailable)?;
        candidates.extend(beyond.into_iter().map(|(id, t)| (t, id)));
    }
    if let Some(cutoff) = max_age_ms.and_then(|a| now_ms.checked_sub(a)).filter(|c| *c > 0) {
        let old: Vec<(String, u64)> = redis::cmd("ZRANGEBYSCORE")
            .arg(&key)
            .arg(0)
            .arg(format!("({cutoff}"))
            .arg("WITHSCORES")
            .query_async(&mut c)
            .await
            .map_err(unavailable)?;
        candidates.extend(old.into_iter().map(|(id, t)| (t, id)));
    }
    let candidates: Vec<(u64, String)> = candidates.into_iter().rev().collect();
    let mut doomed = Vec::new();
    for chunk in candidates.chunks(500) {
        let ids: Vec<&str> = chunk.iter().map(|(_, id)| id.as_str()).collect();
        // Every candidate is already past a limit; only the status decides.
        doomed
            .extend(load(&mut c, prefix, &ids).await?.into_iter().filter(|r| r.status.is_terminal()).map(|r| r.run_id));
    }
    for chunk in doomed.chunks(500) {
        let keys: Vec<String> = chunk.iter().map(|id| format!("{prefix}:run:{id}")).collect();
        let mut pipe = redis::pipe();
        pipe.atomic().del(keys).ignore().zrem(&key, chunk).ignore();
        for st in STATUSES {
            pipe.zrem(status_key(prefix, st), chunk).ignore();
        }
        let _: () = pipe.query_async(&mut c).await.map_err(unavailable)?;
    }
    Ok((scanned, doomed))
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
