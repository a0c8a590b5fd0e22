//! Redis store: sessions shared by every instance and surviving restarts,
//! on one Redis or on a Redis Cluster, with the same keys on both.
//!
//! ```text
//! {prefix}:{sNN}:{session_id}     HASH  rev = revision, rec = the record as JSON   (PEXPIRE = TTL, refreshed on every write)
//! {prefix}:{sNN}:index            ZSET  session_id scored by session_number        (listing; expired members dropped by the sweeper)
//! {prefix}:{sNN}:total_sessions   INCR  sessions ever created in shard NN
//! {prefix}:session_number         INCR  the last session_number handed out (one key, one command)
//! {prefix}:layout                 STRING "sharded-16" once keys written before the shards are moved
//! ```
//!
//! `NN` is the session's shard, core's `shard::of(session_id, 16)` as two
//! digits. The braces are a hash tag: a cluster puts every key of one shard
//! in one slot, so each script and transaction touches one slot (a cluster
//! answers CROSSSLOT otherwise), and the 16 shards spread over the masters.
//! Counters and the listing read every shard and add or merge.
//!
//! Every write is one round trip: a Lua script checks the stored revision
//! and writes (compare-and-set), so concurrent writers on any number of
//! instances never lose an update. An update starts from this instance's
//! last copy of the record when it has one, so in the steady state an update
//! is that single round trip; a stale copy costs a conflict, whose answer
//! carries the current record. A connection manager (one Redis) or the
//! cluster client (following MOVED and ASK and the slot map after a
//! failover) reconnects by itself; while Redis is away every call fails fast
//! with `Unavailable`.

pub use super::redis_conn::{Conn, SHARDS, tag_of};
use super::redis_conn::{LAYOUT, each_shard, tag, unavailable, zscan};
use super::{Counters, Page, SaveOutcome, SessionStore, StoreError};
use greenside_core::session::SessionRecord;
use greenside_core::shard;
use redis::aio::ConnectionManagerConfig;
use redis::{AsyncCommands, Script};
use std::sync::Arc;
use std::time::Duration;

// On Redis 7 and later the scripts start with `#!lua` (script flags, none
// given): the script is then a write, so a replica answers MOVED instead of
// running it. The cluster client keeps READONLY connections, and a master
// demoted by a failover would otherwise run a flagless script and fail it
// as read-only instead of redirecting. Older Redis rejects the line, so it
// is added only when the server's version allows it.
const CREATE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'rev', ARGV[1], 'rec', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[4])
redis.call('INCR', KEYS[3])
return 1
";

const SAVE: &str = r"
local cur = redis.call('HGET', KEYS[1], 'rev')
if not cur then return {-1, ''} end
if cur ~= ARGV[1] then return {0, redis.call('HGET', KEYS[1], 'rec') or ''} end
redis.call('HSET', KEYS[1], 'rev', ARGV[2], 'rec', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {1, ''}
";

/// Records this instance last saw, so a steady-state update is one round trip.
const CACHE_MAX: usize = 10_000;

#[derive(Clone)]
pub struct RedisStore {
    conn: Conn,
    prefix: Arc<str>,
    create: Arc<Script>,
    save: Arc<Script>,
    /// This instance's last copy of each session it wrote or read. Never
    /// trusted: the compare-and-set checks it, and a conflict returns the
    /// current record in the same round trip.
    cache: Arc<std::sync::Mutex<std::collections::HashMap<String, SessionRecord>>>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .field("cluster", &matches!(self.conn, Conn::Cluster(_)))
            .finish_non_exhaustive()
    }
}

async fn within<T>(
    timeout: Duration,
    f: impl std::future::Future<Output = redis::RedisResult<T>>,
) -> Result<T, StoreError> {
    tokio::time::timeout(timeout, f)
        .await
        .map_err(|_| StoreError::Unavailable(format!("no answer from Redis within {timeout:?}")))?
        .map_err(unavailable)
}

impl RedisStore {
    /// Connects to one Redis (failing within `timeout` when it is not there).
    pub async fn connect(url: &str, prefix: &str, timeout: Duration) -> Result<RedisStore, StoreError> {
        let client = redis::Client::open(url).map_err(unavailable)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let conn = within(timeout, client.get_connection_manager_with_config(config)).await?;
        RedisStore::ready(Conn::Single(conn), prefix).await
    }

    /// Connects to a Redis Cluster through any of its nodes (`redis://`
    /// URLs); the client learns the rest of the cluster from them.
    pub async fn connect_cluster(nodes: &[String], prefix: &str, timeout: Duration) -> Result<RedisStore, StoreError> {
        let client = redis::cluster::ClusterClient::builder(nodes.to_vec())
            .connection_timeout(timeout)
            .response_timeout(timeout)
            .retries(6)
            .max_retry_wait(500)
            .build()
            .map_err(unavailable)?;
        let conn = within(timeout, client.get_async_connection()).await?;
        RedisStore::ready(Conn::Cluster(conn), prefix).await
    }

    async fn ready(mut conn: Conn, prefix: &str) -> Result<RedisStore, StoreError> {
        let _: String = redis::cmd("PING").query_async(&mut conn).await.map_err(unavailable)?;
        // Whether the server takes script flags (Redis before 7 refuses the
        // line); a read-only probe, since a cluster may send it to a replica.
        let probe: redis::RedisResult<i64> =
            redis::cmd("EVAL").arg("#!lua flags=no-writes\nreturn 1").arg(0).query_async(&mut conn).await;
        let shebang = if probe.is_ok() { "#!lua" } else { "" };
        let store = RedisStore {
            conn,
            prefix: prefix.into(),
            create: Arc::new(Script::new(&format!("{shebang}{CREATE}"))),
            save: Arc::new(Script::new(&format!("{shebang}{SAVE}"))),
            cache: Arc::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// The shared connection (the run store rides on it).
    pub fn connection(&self) -> Conn {
        self.conn.clone()
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn remember(&self, rec: &SessionRecord) {
        let mut c = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if c.len() >= CACHE_MAX && !c.contains_key(&rec.session_id) {
            c.clear();
        }
        c.insert(rec.session_id.clone(), rec.clone());
    }

    fn forget(&self, id: &str) {
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).remove(id);
    }

    fn key(&self, id: &str) -> String {
        format!("{}:{id}", tag_of(&self.prefix, 's', id))
    }

    fn index_of(&self, id: &str) -> String {
        format!("{}:index", tag_of(&self.prefix, 's', id))
    }

    fn index(&self, k: u32) -> String {
        format!("{}:index", tag(&self.prefix, 's', k))
    }

    /// Drops the index members whose session is gone (Redis let its key go
    /// by its TTL). The listing drops the ones it meets, but an index that
    /// nobody lists kept a member per expired session for ever: a 30-minute
    /// soak left 101,100 of them beside a hundred live sessions, and
    /// `/health` counted them as active. One pass over every shard at once:
    /// ZSCAN steps of 500, an EXISTS pipeline per step, one ZREM for what is
    /// gone. Answers how many members went.
    pub async fn sweep_index(&self) -> Result<u64, StoreError> {
        let removed = each_shard(|k| {
            let mut c = self.conn.clone();
            async move {
                let index = self.index(k);
                let (mut cursor, mut removed) = (0u64, 0u64);
                loop {
                    let (next, flat) = zscan(&mut c, &index, cursor).await?;
                    let ids: Vec<&str> = flat.iter().step_by(2).map(String::as_str).collect();
                    if !ids.is_empty() {
                        let mut pipe = redis::pipe();
                        for id in &ids {
                            pipe.exists(self.key(id));
                        }
                        let there: Vec<bool> = pipe.query_async(&mut c).await.map_err(unavailable)?;
                        let gone: Vec<&str> = ids.iter().zip(there).filter(|(_, t)| !t).map(|(id, _)| *id).collect();
                        if !gone.is_empty() {
                            let n: u64 = c.zrem(&index, &gone).await.map_err(unavailable)?;
                            removed += n;
                        }
                    }
                    if next == 0 {
                        return Ok(removed);
                    }
                    cursor = next;
                }
            }
        })
        .await?;
        Ok(removed.into_iter().sum())
    }

    fn total(&self, k: u32) -> String {
        format!("{}:total_sessions", tag(&self.prefix, 's', k))
    }

    fn meta(&self, name: &str) -> String {
        format!("{}:{name}", self.prefix)
    }

    /// Moves keys written before the shards (`{prefix}:{id}`, `{prefix}:index`,
    /// `{prefix}:total_sessions`, and the runs' `{prefix}:run:{id}`,
    /// `{prefix}:runs`, `{prefix}:runs:st:*`) into the sharded layout, once
    /// (the `layout` key says it is done). Only a single Redis can hold such
    /// keys: a cluster never accepted the old cross-slot writes. Safe to
    /// repeat and to run on several instances at once: every step reads what
    /// is still there.
    async fn migrate(&self) -> Result<(), StoreError> {
        let mut c = self.conn.clone();
        let done: Option<String> = c.get(self.meta("layout")).await.map_err(unavailable)?;
        if done.as_deref() == Some(LAYOUT) {
            return Ok(());
        }
        let (sessions, runs) = match &self.conn {
            Conn::Single(_) => {
                (self.migrate_sessions().await?, crate::runs::redis::migrate(&self.conn, &self.prefix).await?)
            }
            Conn::Cluster(_) => (0, 0),
        };
        let _: () = c.set(self.meta("layout"), LAYOUT).await.map_err(unavailable)?;
        if sessions + runs > 0 {
            tracing::info!(prefix = %self.prefix, sessions, runs, "redis: keys moved into the sharded layout");
        }
        Ok(())
    }

    async fn migrate_sessions(&self) -> Result<u64, StoreError> {
        let mut c = self.conn.clone();
        let old_index = self.meta("index");
        let mut moved = 0;
        let mut cursor = 0u64;
        loop {
            let (next, flat) = zscan(&mut c, &old_index, cursor).await?;
            for pair in flat.chunks(2) {
                let [id, score] = pair else { continue };
                let old = self.meta(id);
                let exists: bool = c.exists(&old).await.map_err(unavailable)?;
                if exists {
                    // RENAME keeps the hash and its TTL.
                    let mut pipe = redis::pipe();
                    pipe.atomic()
                        .rename(&old, self.key(id))
                        .ignore()
                        .cmd("ZADD")
                        .arg(self.index_of(id))
                        .arg(score)
                        .arg(id)
                        .ignore();
                    let _: () = pipe.query_async(&mut c).await.map_err(unavailable)?;
                    moved += 1;
                }
            }
            cursor = next;
            if cursor == 0 {
                break;
            }
        }
        let total: Option<u64> = c.get(self.meta("total_sessions")).await.map_err(unavailable)?;
        let mut pipe = redis::pipe();
        pipe.atomic().del(&old_index).ignore().del(self.meta("total_sessions")).ignore();
        if let Some(t) = total.filter(|t| *t > 0) {
            pipe.incr(self.total(0), t).ignore();
        }
        let _: () = pipe.query_async(&mut c).await.map_err(unavailable)?;
        Ok(moved)
    }

    /// Up to `n` index entries of shard `k` with a number above `after`.
    async fn index_batch(&self, k: u32, after: u64, n: usize) -> Result<Vec<(String, u64)>, StoreError> {
        let mut c = self.conn.clone();
        let batch: Vec<(String, f64)> = c
            .zrangebyscore_limit_withscores(self.index(k), format!("({after}"), "+inf", 0, n as isize)
            .await
            .map_err(unavailable)?;
        Ok(batch.into_iter().map(|(id, s)| (id, s as u64)).collect())
    }
}

fn encode(rec: &SessionRecord) -> Result<String, StoreError> {
    serde_json::to_string(rec).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn decode(text: &str) -> Result<SessionRecord, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl SessionStore for RedisStore {
    fn backend(&self) -> &'static str {
        "redis"
    }

    async fn next_session_number(&self) -> Result<u64, StoreError> {
        let mut c = self.conn.clone();
        c.incr(self.meta("session_number"), 1u64).await.map_err(unavailable)
    }

    async fn create(&self, rec: &SessionRecord) -> Result<bool, StoreError> {
        let mut c = self.conn.clone();
        let id = &rec.session_id;
        let created: i64 = self
            .create
            .key(self.key(id))
            .key(self.index_of(id))
            .key(self.total(shard::of(id, SHARDS)))
            .arg(rec.revision)
            .arg(encode(rec)?)
            .arg(greenside_core::session::ttl_ms(rec))
            .arg(id)
            .arg(rec.session_number)
            .invoke_async(&mut c)
            .await
            .map_err(unavailable)?;
        Ok(created == 1)
    }

    async fn load(&self, id: &str) -> Result<Option<SessionRecord>, StoreError> {
        let mut c = self.conn.clone();
        let text: Option<String> = c.hget(self.key(id), "rec").await.map_err(unavailable)?;
        let rec = text.as_deref().map(decode).transpose()?;
        match &rec {
            Some(r) => self.remember(r),
            None => self.forget(id),
        }
        Ok(rec)
    }

    async fn load_for_update(&self, id: &str) -> Result<(Option<SessionRecord>, bool), StoreError> {
        let cached = self.cache.lock().unwrap_or_else(|p| p.into_inner()).get(id).cloned();
        match cached {
            Some(r) => Ok((Some(r), true)),
            None => Ok((self.load(id).await?, false)),
        }
    }

    async fn save(&self, rec: &SessionRecord, expected_revision: u64) -> Result<SaveOutcome, StoreError> {
        let mut c = self.conn.clone();
        let r: (i64, String) = self
            .save
            .key(self.key(&rec.session_id))
            .arg(expected_revision)
            .arg(rec.revision)
            .arg(encode(rec)?)
            .arg(greenside_core::session::ttl_ms(rec))
            .invoke_async(&mut c)
            .await
            .map_err(unavailable)?;
        Ok(match r {
            (1, _) => {
                self.remember(rec);
                SaveOutcome::Saved
            }
            (0, current) if !current.is_empty() => {
                self.remember(&decode(&current)?);
                SaveOutcome::Conflict
            }
            (0, _) => {
                self.forget(&rec.session_id);
                SaveOutcome::Conflict
            }
            _ => {
                self.forget(&rec.session_id);
                SaveOutcome::Missing
            }
        })
    }

    async fn delete(&self, id: &str) -> Result<bool, StoreError> {
        self.forget(id);
        let mut c = self.conn.clone();
        let (deleted, _): (u64, u64) = redis::pipe()
            .atomic()
            .del(self.key(id))
            .zrem(self.index_of(id), id)
            .query_async(&mut c)
            .await
            .map_err(unavailable)?;
        Ok(deleted > 0)
    }

    /// Merges the shards' indexes in number order: each shard is read in
    /// batches from the cursor, and only entries no later than every
    /// unfinished shard's last read one are taken (a shard could still hold
    /// an entry before anything after that), in core's paging rule. Stale
    /// entries (keys Redis expired) are skipped and dropped.
    async fn list(&self, after: u64, limit: usize, now_ms: u64) -> Result<Page, StoreError> {
        let mut c = self.conn.clone();
        let mut page = greenside_core::listing::SessionsPageBuilder::new(after, limit, now_ms);
        let batch = limit + 1;
        let mut done = vec![false; SHARDS as usize];
        let mut cursor = after;
        loop {
            let reads = each_shard(|k| {
                let skip = done[k as usize];
                async move { if skip { Ok(Vec::new()) } else { self.index_batch(k, cursor, batch).await } }
            })
            .await?;
            // Entries up to `safe` are complete across shards.
            let safe = reads.iter().filter(|b| b.len() == batch).filter_map(|b| b.last().map(|(_, n)| *n)).min();
            let safe = safe.unwrap_or(u64::MAX);
            let mut entries = Vec::new();
            for (k, items) in reads.into_iter().enumerate() {
                if items.len() < batch && items.last().is_none_or(|(_, n)| *n <= safe) {
                    done[k] = true;
                }
                entries.extend(items.into_iter().filter(|(_, n)| *n <= safe).map(|(id, n)| (n, id, k)));
            }
            entries.sort();
            let mut by_shard: Vec<Vec<&str>> = vec![Vec::new(); SHARDS as usize];
            for (_, id, k) in &entries {
                by_shard[*k].push(id);
            }
            let texts = each_shard(|k| {
                let ids = &by_shard[k as usize];
                let mut c = self.conn.clone();
                async move {
                    if ids.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut pipe = redis::pipe();
                    for id in ids {
                        pipe.hget(self.key(id), "rec");
                    }
                    let texts: Vec<Option<String>> = pipe.query_async(&mut c).await.map_err(unavailable)?;
                    Ok(texts)
                }
            })
            .await?;
            let mut text_of = std::collections::HashMap::new();
            for (k, texts) in texts.into_iter().enumerate() {
                for (id, text) in by_shard[k].iter().zip(texts) {
                    text_of.insert(*id, text);
                }
            }
            let mut stale: Vec<&str> = Vec::new();
            let mut complete = false;
            for (number, id, _) in &entries {
                match text_of.remove(id.as_str()).flatten().as_deref().map(decode).transpose()? {
                    Some(r) if !page.offer(&r) => {
                        complete = true;
                        break;
                    }
                    Some(_) => {}
                    None => stale.push(id),
                }
                cursor = *number;
            }
            for id in stale {
                let _: u64 = c.zrem(self.index_of(id), id).await.map_err(unavailable)?;
            }
            if complete || done.iter().all(|d| *d) {
                let (sessions, next_after) = page.finish();
                return Ok(Page { sessions, next_after });
            }
        }
    }

    async fn counters(&self) -> Result<Counters, StoreError> {
        let mut c = self.conn.clone();
        let n: Option<u64> = c.get(self.meta("session_number")).await.map_err(unavailable)?;
        let shards = each_shard(|k| {
            let mut c = self.conn.clone();
            async move {
                let (total, active): (Option<u64>, u64) = redis::pipe()
                    .get(self.total(k))
                    .zcard(self.index(k))
                    .query_async(&mut c)
                    .await
                    .map_err(unavailable)?;
                Ok((total.unwrap_or(0), active))
            }
        })
        .await?;
        Ok(Counters {
            session_number: n.unwrap_or(0),
            total_sessions: shards.iter().map(|(t, _)| t).sum(),
            active_sessions: shards.iter().map(|(_, a)| a).sum(),
        })
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let mut c = self.conn.clone();
        let _: String = redis::cmd("PING").query_async(&mut c).await.map_err(unavailable)?;
        Ok(())
    }
}
