//! Runs in Redis, in the sessions' sharded layout (one Redis or a cluster):
//!
//! ```text
//! {prefix}:{rNN}:run:{run_id}        STRING the run as JSON (no TTL: runs are pruned explicitly)
//! {prefix}:{rNN}:runs                ZSET   run_id scored by created_at_ms (listing, newest first)
//! {prefix}:{rNN}:runs:st:{status}    ZSET   the same, one set per status (listing by status)
//! ```
//! `NN` is core's `shard::of(run_id, 16)`: a run and its index entries share
//! one hash tag, so its write is one transaction in one slot. A page merges
//! the 16 time indexes newest first, reading only index entries until it
//! knows which runs come next, then loading just those (one MGET per shard).
//! Only the request that created a run writes it, so a plain overwrite is safe.

use crate::store::error::StoreError;
use crate::store::redis_conn::{Conn, SHARDS, each_shard, tag, tag_of, unavailable, zscan};
use greenside_core::listing::{RunCursor, RunsPageBuilder, RunsQuery};
use greenside_core::run::{RunRecord, RunStatus};
use redis::AsyncCommands;
use std::collections::VecDeque;

const STATUSES: [RunStatus; 4] = [RunStatus::Queued, RunStatus::Processing, RunStatus::Succeeded, RunStatus::Failed];

fn decode(text: &str) -> Result<RunRecord, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn run_key(prefix: &str, id: &str) -> String {
    format!("{}:run:{id}", tag_of(prefix, 'r', id))
}

fn time_index(prefix: &str, k: u32) -> String {
    format!("{}:runs", tag(prefix, 'r', k))
}

fn status_index(prefix: &str, k: u32, status: RunStatus) -> String {
    format!("{}:runs:st:{}", tag(prefix, 'r', k), status.as_str())
}

/// Writes a run and its index entries in one transaction (one slot).
pub async fn put(conn: &Conn, prefix: &str, run: &RunRecord) -> Result<(), StoreError> {
    let json = serde_json::to_string(run).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let k = greenside_core::shard::of(&run.run_id, SHARDS);
    let mut pipe = redis::pipe();
    pipe.atomic()
        .set(run_key(prefix, &run.run_id), json)
        .ignore()
        .zadd(time_index(prefix, k), &run.run_id, run.created_at_ms)
        .ignore();
    for st in STATUSES {
        if st == run.status {
            pipe.zadd(status_index(prefix, k, st), &run.run_id, run.created_at_ms).ignore();
        } else {
            pipe.zrem(status_index(prefix, k, st), &run.run_id).ignore();
        }
    }
    let _: () = pipe.query_async(&mut conn.clone()).await.map_err(unavailable)?;
    Ok(())
}

pub async fn get(conn: &Conn, prefix: &str, run_id: &str) -> Result<Option<RunRecord>, StoreError> {
    let text: Option<String> = conn.clone().get(run_key(prefix, run_id)).await.map_err(unavailable)?;
    text.as_deref().map(decode).transpose()
}

/// The runs of shard `k` with these ids (all of that shard), in their order;
/// a run pruned since its index entry was read is simply missing.
async fn load(conn: &Conn, prefix: &str, ids: &[&str]) -> Result<Vec<Option<RunRecord>>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<String> = ids.iter().map(|id| run_key(prefix, id)).collect();
    let texts: Vec<Option<String>> = conn.clone().mget(keys).await.map_err(unavailable)?;
    texts.into_iter().map(|t| t.as_deref().map(decode).transpose()).collect()
}

/// One shard's index read newest first from the page's upper bound, in
/// batches.
struct ShardWalk {
    key: String,
    hi: u64,
    lo: u64,
    /// Members at score `hi` already read (ties continue where they stopped).
    offset: usize,
    buf: VecDeque<(String, u64)>,
    finished: bool,
}

impl ShardWalk {
    /// Reads the next batch when the buffer is empty.
    async fn fill(&mut self, conn: &Conn, batch: usize) -> Result<(), StoreError> {
        if !self.buf.is_empty() || self.finished {
            return Ok(());
        }
        let items: Vec<(String, u64)> = redis::cmd("ZREVRANGEBYSCORE")
            .arg(&self.key)
            .arg(self.hi)
            .arg(self.lo)
            .arg("WITHSCORES")
            .arg("LIMIT")
            .arg(self.offset)
            .arg(batch)
            .query_async(&mut conn.clone())
            .await
            .map_err(unavailable)?;
        self.finished = items.len() < batch;
        if let Some((_, last)) = items.last() {
            self.offset = if *last == self.hi {
                self.offset + items.len()
            } else {
                items.iter().rev().take_while(|(_, s)| s == last).count()
            };
            self.hi = *last;
        }
        self.buf.extend(items);
        Ok(())
    }

    /// The next entry's order key (newest first: the greatest comes first).
    fn head(&self) -> Option<(u64, &str)> {
        self.buf.front().map(|(id, t)| (*t, id.as_str()))
    }
}

/// A page: the shards' indexes (their status index with a status filter)
/// merged newest first from the cursor or the `created_to_ms` bound down to
/// `created_from_ms`. Runs are loaded in groups of as many as the page
/// still needs, so an unfiltered or status-only page loads its runs and one
/// more; plan-type and course filters are checked on the loaded runs.
pub async fn page(conn: &Conn, prefix: &str, q: &RunsQuery) -> Result<(Vec<RunRecord>, Option<RunCursor>), StoreError> {
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
    let mut walks: Vec<ShardWalk> = (0..SHARDS)
        .map(|k| ShardWalk {
            key: match q.filter.status {
                Some(st) => status_index(prefix, k, st),
                None => time_index(prefix, k),
            },
            hi,
            lo,
            offset: 0,
            buf: VecDeque::new(),
            finished: false,
        })
        .collect();
    // Each shard holds about 1/16 of a page: read twice that share of index
    // entries at a time (at least 8), refilled when a shard runs dry.
    let batch = ((q.limit + 1) * 2 / SHARDS as usize).clamp(8, 1000);
    let mut page = RunsPageBuilder::new(q);
    loop {
        let need = (q.limit + 1 - page_len(&page, q)).max(1);
        futures_util::future::try_join_all(walks.iter_mut().map(|w| w.fill(conn, batch))).await?;
        // The next `need` entries in the merged order.
        let mut next: Vec<(usize, String)> = Vec::with_capacity(need);
        while next.len() < need {
            let Some(k) = (0..walks.len())
                .filter(|k| walks[*k].head().is_some())
                .max_by(|a, b| walks[*a].head().cmp(&walks[*b].head()))
            else {
                break;
            };
            let Some((id, _)) = walks[k].buf.pop_front() else { break };
            next.push((k, id));
            if walks[k].buf.is_empty() && !walks[k].finished {
                break; // refill that shard before going on
            }
        }
        if next.is_empty() {
            return Ok(page.finish());
        }
        let loaded = each_shard(|k| {
            let ids: Vec<&str> = next.iter().filter(|(s, _)| *s == k as usize).map(|(_, id)| id.as_str()).collect();
            async move { load(conn, prefix, &ids).await }
        })
        .await?;
        let mut per_shard: Vec<std::vec::IntoIter<Option<RunRecord>>> =
            loaded.into_iter().map(Vec::into_iter).collect();
        for (k, _) in &next {
            if let Some(Some(r)) = per_shard[*k].next() {
                if !page.offer(&r) {
                    return Ok(page.finish());
                }
            }
        }
    }
}

fn page_len(page: &RunsPageBuilder<'_>, q: &RunsQuery) -> usize {
    page.len().min(q.limit)
}

/// Deletes terminal runs past the newest `max_runs` (across every shard) or
/// older than `max_age_ms`. Only candidates are read: per shard, the members
/// at or before the run at index `max_runs` (found by counting, see
/// [`nth_newest`]) and those scored before the age cutoff. Deleted ids
/// newest first, as core's `prune_plan` lists them.
pub async fn prune(
    conn: &Conn,
    prefix: &str,
    max_runs: Option<u64>,
    max_age_ms: Option<u64>,
    now_ms: u64,
) -> Result<(u64, Vec<String>), StoreError> {
    let cards = each_shard(|k| async move {
        let n: u64 = conn.clone().zcard(time_index(prefix, k)).await.map_err(unavailable)?;
        Ok(n)
    })
    .await?;
    let scanned: u64 = cards.iter().sum();
    // Per shard: (member, score) candidates.
    let mut candidates: Vec<std::collections::BTreeSet<(u64, String)>> = vec![Default::default(); SHARDS as usize];
    if let Some(m) = max_runs.filter(|m| *m < scanned) {
        if let Some((t, id)) = nth_newest(conn, prefix, m).await? {
            // Beyond the limit: the run at index m and every older one.
            let beyond = scored_up_to(conn, prefix, &t.to_string()).await?;
            for (k, older) in beyond.into_iter().enumerate() {
                candidates[k].extend(older.into_iter().filter(|(i, s)| (*s, i) <= (t, &id)).map(|(i, s)| (s, i)));
            }
        }
    }
    if let Some(cutoff) = max_age_ms.and_then(|a| now_ms.checked_sub(a)).filter(|c| *c > 0) {
        let old = scored_up_to(conn, prefix, &format!("({cutoff}")).await?;
        for (k, old) in old.into_iter().enumerate() {
            candidates[k].extend(old.into_iter().map(|(id, t)| (t, id)));
        }
    }
    let deleted = each_shard(|k| {
        let mine: Vec<(u64, String)> = candidates[k as usize].iter().cloned().collect();
        async move { prune_shard(conn, prefix, k, &mine).await }
    })
    .await?;
    let mut deleted: Vec<(u64, String)> = deleted.into_iter().flatten().collect();
    deleted.sort_by(|a, b| b.cmp(a));
    Ok((scanned, deleted.into_iter().map(|(_, id)| id).collect()))
}

/// Every shard's members scored from 0 up to `max` (a `ZRANGEBYSCORE`
/// bound: `t` inclusive, `(t` exclusive), with their scores, in shard order.
async fn scored_up_to(conn: &Conn, prefix: &str, max: &str) -> Result<Vec<Vec<(String, u64)>>, StoreError> {
    each_shard(|k| async move {
        let members: Vec<(String, u64)> = redis::cmd("ZRANGEBYSCORE")
            .arg(time_index(prefix, k))
            .arg(0)
            .arg(max)
            .arg("WITHSCORES")
            .query_async(&mut conn.clone())
            .await
            .map_err(unavailable)?;
        Ok(members)
    })
    .await
}

/// Deletes the terminal runs among one shard's candidates (every candidate
/// is already past a limit; only the status decides).
async fn prune_shard(
    conn: &Conn,
    prefix: &str,
    k: u32,
    candidates: &[(u64, String)],
) -> Result<Vec<(u64, String)>, StoreError> {
    let mut doomed = Vec::new();
    for chunk in candidates.chunks(500) {
        let ids: Vec<&str> = chunk.iter().map(|(_, id)| id.as_str()).collect();
        let runs = load(conn, prefix, &ids).await?;
        doomed
            .extend(runs.into_iter().flatten().filter(|r| r.status.is_terminal()).map(|r| (r.created_at_ms, r.run_id)));
    }
    for chunk in doomed.chunks(500) {
        let ids: Vec<&str> = chunk.iter().map(|(_, id)| id.as_str()).collect();
        let keys: Vec<String> = ids.iter().map(|id| run_key(prefix, id)).collect();
        let mut pipe = redis::pipe();
        pipe.atomic().del(keys).ignore().zrem(time_index(prefix, k), &ids).ignore();
        for st in STATUSES {
            pipe.zrem(status_index(prefix, k, st), &ids).ignore();
        }
        let _: () = pipe.query_async(&mut conn.clone()).await.map_err(unavailable)?;
    }
    Ok(doomed)
}

/// Runs with a score of at least each of `times`, summed over every shard.
async fn count_from(conn: &Conn, prefix: &str, times: &[u64]) -> Result<Vec<u64>, StoreError> {
    let per_shard = each_shard(|k| async move {
        let mut pipe = redis::pipe();
        for t in times {
            pipe.zcount(time_index(prefix, k), *t, "+inf");
        }
        let counts: Vec<u64> = pipe.query_async(&mut conn.clone()).await.map_err(unavailable)?;
        Ok(counts)
    })
    .await?;
    Ok((0..times.len()).map(|i| per_shard.iter().map(|c| c[i]).sum()).collect())
}

/// The run at index `m` of the newest-first order over every shard (0 is
/// the newest): core's `NthNewest` search, each round one pipeline of
/// `ZCOUNT`s per shard, never reading a run. `m` must be below the count.
async fn nth_newest(conn: &Conn, prefix: &str, m: u64) -> Result<Option<RunCursor>, StoreError> {
    let ends = each_shard(|k| async move {
        type Ends = Vec<(String, u64)>;
        let (first, last): (Ends, Ends) = redis::pipe()
            .zrange_withscores(time_index(prefix, k), 0, 0)
            .zrevrange_withscores(time_index(prefix, k), 0, 0)
            .query_async(&mut conn.clone())
            .await
            .map_err(unavailable)?;
        Ok((first.first().map(|(_, t)| *t), last.first().map(|(_, t)| *t)))
    })
    .await?;
    let oldest = ends.iter().filter_map(|(o, _)| *o).min().unwrap_or(0);
    let newest = ends.iter().filter_map(|(_, n)| *n).max().unwrap_or(0);
    let mut search = greenside_core::listing::NthNewest::new(m, oldest, newest);
    let t = loop {
        if let Some(t) = search.time() {
            break t;
        }
        let probes = search.probes();
        let counts = count_from(conn, prefix, &probes).await?;
        search.narrow(&probes, &counts);
    };
    let newer = count_from(conn, prefix, &[t + 1]).await?[0];
    let at_t = each_shard(|k| async move {
        let ids: Vec<String> = conn.clone().zrangebyscore(time_index(prefix, k), t, t).await.map_err(unavailable)?;
        Ok(ids)
    })
    .await?;
    Ok(search.pick(t, newer, at_t.into_iter().flatten().collect()))
}

/// Moves runs written before the shards (`{prefix}:run:{id}` indexed by
/// `{prefix}:runs`) into their shards, with their status entries, and drops
/// the old index, status sets and marker. Answers how many moved.
pub async fn migrate(conn: &Conn, prefix: &str) -> Result<u64, StoreError> {
    let mut c = conn.clone();
    let old_index = format!("{prefix}:runs");
    let mut moved = 0;
    let mut cursor = 0u64;
    loop {
        let (next, flat) = zscan(&mut c, &old_index, cursor).await?;
        let ids: Vec<&str> = flat.iter().step_by(2).map(String::as_str).collect();
        if !ids.is_empty() {
            let keys: Vec<String> = ids.iter().map(|id| format!("{prefix}:run:{id}")).collect();
            let texts: Vec<Option<String>> = c.mget(&keys).await.map_err(unavailable)?;
            for (key, text) in keys.iter().zip(texts) {
                if let Some(text) = text {
                    put(conn, prefix, &decode(&text)?).await?;
                    let _: () = c.del(key).await.map_err(unavailable)?;
                    moved += 1;
                }
            }
        }
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    let mut pipe = redis::pipe();
    pipe.del(&old_index).ignore().del(format!("{prefix}:runs:index")).ignore();
    for st in STATUSES {
        pipe.del(format!("{prefix}:runs:st:{}", st.as_str())).ignore();
    }
    let _: () = pipe.query_async(&mut c).await.map_err(unavailable)?;
    Ok(moved)
}
