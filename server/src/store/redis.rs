//! Redis store: sessions shared by every instance and surviving restarts.
//!
//! ```text
//! {prefix}:{session_id}     HASH  rev = revision, rec = the record as JSON   (PEXPIRE = TTL, refreshed on every write)
//! {prefix}:index            ZSET  session_id scored by session_number        (listing; stale members dropped lazily)
//! {prefix}:session_number   INCR  the last session_number handed out
//! {prefix}:total_sessions   INCR  sessions ever created
//! ```
//!
//! Every write is one round trip: a Lua script checks the stored revision
//! and writes (compare-and-set), so concurrent writers on any number of
//! instances never lose an update. An update starts from this instance's
//! last copy of the record when it has one, so in the steady state an update
//! is that single round trip; a stale copy costs a conflict, whose answer
//! carries the current record. A connection manager reconnects by
//! itself; while Redis is away every call fails fast with `Unavailable`.

use super::{Counters, Page, SaveOutcome, SessionStore, SessionSummary, StoreError};
use greenside_core::session::SessionRecord;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, Script};
use std::sync::Arc;
use std::time::Duration;

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
    conn: ConnectionManager,
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
        f.debug_struct("RedisStore").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

fn unavailable(e: redis::RedisError) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

/// The TTL to give Redis: what core set (`expires_at_ms - updated_at_ms`), at least 1 ms.
fn ttl_ms(rec: &SessionRecord) -> u64 {
    rec.expires_at_ms.saturating_sub(rec.updated_at_ms).max(1)
}

impl RedisStore {
    /// Connects (failing within `timeout` when Redis is not there).
    pub async fn connect(url: &str, prefix: &str, timeout: Duration) -> Result<RedisStore, StoreError> {
        let client = redis::Client::open(url).map_err(unavailable)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let mut conn = tokio::time::timeout(timeout, client.get_connection_manager_with_config(config))
            .await
            .map_err(|_| StoreError::Unavailable(format!("no answer from Redis within {timeout:?}")))?
            .map_err(unavailable)?;
        let _: String = redis::cmd("PING").query_async(&mut conn).await.map_err(unavailable)?;
        Ok(RedisStore {
            conn,
            prefix: prefix.into(),
            create: Arc::new(Script::new(CREATE)),
            save: Arc::new(Script::new(SAVE)),
            cache: Arc::default(),
        })
    }

    /// The shared connection (the run store rides on it).
    pub fn connection(&self) -> ConnectionManager {
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
        format!("{}:{id}", self.prefix)
    }

    fn meta(&self, name: &str) -> String {
        format!("{}:{name}", self.prefix)
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
        let created: i64 = self
            .create
            .key(self.key(&rec.session_id))
            .key(self.meta("index"))
            .key(self.meta("total_sessions"))
            .arg(rec.revision)
            .arg(encode(rec)?)
            .arg(ttl_ms(rec))
            .arg(&rec.session_id)
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
            .arg(ttl_ms(rec))
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
            .zrem(self.meta("index"), id)
            .query_async(&mut c)
            .await
            .map_err(unavailable)?;
        Ok(deleted > 0)
    }

    async fn list(&self, after: u64, limit: usize, now_ms: u64) -> Result<Page, StoreError> {
        let mut c = self.conn.clone();
        let mut sessions = Vec::new();
        let mut cursor = after;
        // Stale index members (expired keys) are skipped and dropped, so a
        // page may take more than one batch to fill.
        loop {
            let batch: Vec<(String, f64)> = c
                .zrangebyscore_limit_withscores(
                    self.meta("index"),
                    format!("({cursor}"),
                    "+inf",
                    0,
                    (limit + 1) as isize,
                )
                .await
                .map_err(unavailable)?;
            if batch.is_empty() {
                return Ok(Page { sessions, next_after: None });
            }
            let mut pipe = redis::pipe();
            for (id, _) in &batch {
                pipe.hget(self.key(id), "rec");
            }
            let texts: Vec<Option<String>> = pipe.query_async(&mut c).await.map_err(unavailable)?;
            let mut stale = Vec::new();
            for ((id, score), text) in batch.iter().zip(texts) {
                let number = *score as u64;
                match text.as_deref().map(decode).transpose()? {
                    Some(r) if now_ms < r.expires_at_ms => {
                        if sessions.len() == limit {
                            let next_after = sessions.last().map(|s: &SessionSummary| s.session_number);
                            return Ok(Page { sessions, next_after });
                        }
                        sessions.push(SessionSummary::from(&r));
                    }
                    Some(_) => {}
                    None => stale.push(id.clone()),
                }
                cursor = number;
            }
            if !stale.is_empty() {
                let _: u64 = c.zrem(self.meta("index"), stale).await.map_err(unavailable)?;
            }
        }
    }

    async fn counters(&self) -> Result<Counters, StoreError> {
        let mut c = self.conn.clone();
        let (n, total, active): (Option<u64>, Option<u64>, u64) = redis::pipe()
            .get(self.meta("session_number"))
            .get(self.meta("total_sessions"))
            .zcard(self.meta("index"))
            .query_async(&mut c)
            .await
            .map_err(unavailable)?;
        Ok(Counters { session_number: n.unwrap_or(0), total_sessions: total.unwrap_or(0), active_sessions: active })
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let mut c = self.conn.clone();
        let _: String = redis::cmd("PING").query_async(&mut c).await.map_err(unavailable)?;
        Ok(())
    }
}
