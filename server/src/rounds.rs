//! Rounds, kept where the runs are (`RUN_STORE_BACKEND`): in the embedded
//! SQLite file by default (its `rounds` table, core's `ROUNDS_SCHEMA`), in
//! memory when asked for, in Redis beside Redis sessions (`rounds/redis.rs`).
//! Stores keep core's `RoundRecord` as it is and read only its id, creation
//! time and revision; `save` is a compare-and-set on the revision, so
//! writers on several instances never lose an update. One conformance suite
//! (`server/tests/it/rounds.rs`) runs against every store.

pub mod redis;

use crate::runs::{RunStore, SqliteRuns};
use crate::store::SaveOutcome;
use crate::store::error::StoreError;
use crate::store::redis_conn::Conn;
use greenside_core::listing::{RoundsPage, RoundsPageBuilder, RoundsQuery, rounds_page_query};
use greenside_core::round::{RoundRecord, RoundSummary, summary};
use rusqlite::OptionalExtension;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

#[derive(Debug, Default)]
pub struct MemoryRounds {
    records: BTreeMap<String, RoundRecord>,
    by_time: BTreeSet<(u64, String)>,
}

#[derive(Debug, Clone)]
pub enum RoundStore {
    Memory(Arc<Mutex<MemoryRounds>>),
    Sqlite(Arc<SqliteRuns>),
    Redis { conn: Conn, prefix: Arc<str> },
}

fn corrupt(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(format!("round store: {e}"))
}

fn sqlite_error(e: rusqlite::Error) -> StoreError {
    StoreError::Unavailable(format!("round store: {e}"))
}

fn to_i64(n: u64) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| StoreError::Corrupt(format!("round store: {n} is past i64::MAX")))
}

impl RoundStore {
    /// The rounds beside these runs.
    pub fn beside(runs: &RunStore) -> RoundStore {
        match runs {
            RunStore::Memory(_) => RoundStore::Memory(Arc::default()),
            RunStore::Sqlite(s) => RoundStore::Sqlite(s.clone()),
            RunStore::Redis { conn, prefix } => RoundStore::Redis { conn: conn.clone(), prefix: prefix.clone() },
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            RoundStore::Memory(_) => "memory",
            RoundStore::Sqlite(_) => "sqlite",
            RoundStore::Redis { .. } => "redis",
        }
    }

    fn memory(m: &Mutex<MemoryRounds>) -> std::sync::MutexGuard<'_, MemoryRounds> {
        m.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stores a new round; `Ok(false)` when the id is taken.
    pub async fn create(&self, rec: &RoundRecord) -> Result<bool, StoreError> {
        match self {
            RoundStore::Memory(m) => {
                let mut g = Self::memory(m);
                if g.records.contains_key(&rec.round_id) {
                    return Ok(false);
                }
                g.by_time.insert((rec.created_at_ms, rec.round_id.clone()));
                g.records.insert(rec.round_id.clone(), rec.clone());
                Ok(true)
            }
            RoundStore::Sqlite(s) => {
                let record = serde_json::to_string(rec).map_err(corrupt)?;
                let sum = serde_json::to_string(&summary(rec)).map_err(corrupt)?;
                let (id, t, rev) = (rec.round_id.clone(), to_i64(rec.created_at_ms)?, to_i64(rec.revision)?);
                s.with(move |c| {
                    let n = c
                        .prepare_cached(
                            "INSERT OR IGNORE INTO rounds (round_id, created_at_ms, summary, revision, record) VALUES (?1, ?2, ?3, ?4, ?5)",
                        )
                        .and_then(|mut st| st.execute(rusqlite::params![id, t, sum, rev, record]))
                        .map_err(sqlite_error)?;
                    Ok(n == 1)
                })
                .await
            }
            RoundStore::Redis { conn, prefix } => redis::create(conn, prefix, rec).await,
        }
    }

    pub async fn load(&self, id: &str) -> Result<Option<RoundRecord>, StoreError> {
        match self {
            RoundStore::Memory(m) => Ok(Self::memory(m).records.get(id).cloned()),
            RoundStore::Sqlite(s) => {
                let id = id.to_string();
                s.with(move |c| {
                    let text: Option<String> = c
                        .prepare_cached("SELECT record FROM rounds WHERE round_id = ?1")
                        .and_then(|mut st| st.query_row([&id], |r| r.get(0)).optional())
                        .map_err(sqlite_error)?;
                    text.map(|t| serde_json::from_str(&t).map_err(corrupt)).transpose()
                })
                .await
            }
            RoundStore::Redis { conn, prefix } => redis::load(conn, prefix, id).await,
        }
    }

    /// Compare-and-set: stores `rec` when the stored revision is `expected`.
    pub async fn save(&self, rec: &RoundRecord, expected: u64) -> Result<SaveOutcome, StoreError> {
        match self {
            RoundStore::Memory(m) => {
                let mut g = Self::memory(m);
                match g.records.get_mut(&rec.round_id) {
                    None => Ok(SaveOutcome::Missing),
                    Some(r) if r.revision != expected => Ok(SaveOutcome::Conflict),
                    Some(r) => {
                        *r = rec.clone();
                        Ok(SaveOutcome::Saved)
                    }
                }
            }
            RoundStore::Sqlite(s) => {
                let record = serde_json::to_string(rec).map_err(corrupt)?;
                let (id, rev, expected) = (rec.round_id.clone(), to_i64(rec.revision)?, to_i64(expected)?);
                s.with(move |c| {
                    let n = c
                        .prepare_cached(
                            "UPDATE rounds SET record = ?1, revision = ?2 WHERE round_id = ?3 AND revision = ?4",
                        )
                        .and_then(|mut st| st.execute(rusqlite::params![record, rev, id, expected]))
                        .map_err(sqlite_error)?;
                    if n == 1 {
                        return Ok(SaveOutcome::Saved);
                    }
                    let there: Option<i64> = c
                        .prepare_cached("SELECT revision FROM rounds WHERE round_id = ?1")
                        .and_then(|mut st| st.query_row([&id], |r| r.get(0)).optional())
                        .map_err(sqlite_error)?;
                    Ok(if there.is_some() { SaveOutcome::Conflict } else { SaveOutcome::Missing })
                })
                .await
            }
            RoundStore::Redis { conn, prefix } => redis::save(conn, prefix, rec, expected).await,
        }
    }

    /// Deletes a round; `Ok(false)` when there was none.
    pub async fn delete(&self, id: &str) -> Result<bool, StoreError> {
        match self {
            RoundStore::Memory(m) => {
                let mut g = Self::memory(m);
                let Some(r) = g.records.remove(id) else { return Ok(false) };
                g.by_time.remove(&(r.created_at_ms, r.round_id));
                Ok(true)
            }
            RoundStore::Sqlite(s) => {
                let id = id.to_string();
                s.with(move |c| {
                    let n = c
                        .prepare_cached("DELETE FROM rounds WHERE round_id = ?1")
                        .and_then(|mut st| st.execute([&id]))
                        .map_err(sqlite_error)?;
                    Ok(n == 1)
                })
                .await
            }
            RoundStore::Redis { conn, prefix } => redis::delete(conn, prefix, id).await,
        }
    }

    /// One page, newest first, after the query's cursor, walked through
    /// each store's time index (never every round).
    pub async fn list(&self, q: &RoundsQuery) -> Result<RoundsPage, StoreError> {
        match self {
            RoundStore::Memory(m) => {
                let g = Self::memory(m);
                let mut page = RoundsPageBuilder::new(q);
                let upper = match &q.cursor {
                    Some(c) => std::ops::Bound::Excluded(c.clone()),
                    None => std::ops::Bound::Unbounded,
                };
                for (_, id) in g.by_time.range((std::ops::Bound::Unbounded, upper)).rev() {
                    if let Some(r) = g.records.get(id) {
                        if !page.offer(&summary(r)) {
                            break;
                        }
                    }
                }
                Ok(page.finish())
            }
            RoundStore::Sqlite(s) => {
                let (sql, args) = rounds_page_query(q);
                let args: Vec<rusqlite::types::Value> = args.into_iter().map(crate::runs::sqlite::to_sql).collect();
                let texts: Vec<String> = s
                    .with(move |c| {
                        c.prepare_cached(sql)
                            .and_then(|mut st| {
                                st.query_map(rusqlite::params_from_iter(args), |r| r.get::<_, String>(0))?
                                    .collect::<Result<Vec<_>, _>>()
                            })
                            .map_err(sqlite_error)
                    })
                    .await?;
                let mut page = RoundsPageBuilder::new(q);
                for t in &texts {
                    let s: RoundSummary = serde_json::from_str(t).map_err(corrupt)?;
                    if !page.offer(&s) {
                        break;
                    }
                }
                Ok(page.finish())
            }
            RoundStore::Redis { conn, prefix } => redis::page(conn, prefix, q).await,
        }
    }
}
