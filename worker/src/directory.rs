//! The `Directory` Durable Objects: `DIRECTORY_SHARDS` of them (default 8),
//! each holding the session numbers, totals and admin-listing index of the
//! sessions whose id falls in it (core's `shard::of(session_id, shards)`).
//! Shard 0 is named `directory` (the one object of earlier versions, whose
//! state it keeps), shard k `directory-{k}`.
//!
//! ```text
//! n          last session_number this shard handed out
//! total      sessions ever created in this shard
//! active     sessions of this shard alive now
//! i:{n:016x} session id of session number n (while the session lives)
//! ```
//! Numbers come from core's `shard::next_number`: shard k hands out only
//! numbers that are k + 1 modulo the shard count, each above its last one
//! and above the highest this isolate has seen, so no two sessions share a
//! number, one isolate's sessions are numbered in order, and no number waits
//! on another shard. A shard with no number yet (new, or added by raising
//! the count) starts above the highest number of every shard. The totals
//! are exact: the sum over the shards.
//!
//! A session's object removes its entry when it is deleted or its alarm
//! expires it. The listing merges the shards' index pages in number order
//! (core's `merge_pages`) and asks each listed session's object for its
//! current summary, so rows are never stale; an entry whose session has gone
//! (its removal still in flight) is skipped.

use crate::calls;
use greenside_core::error::{ApiError, ErrorCode};
use greenside_core::listing::Counters;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::cell::Cell;
use worker::{DurableObject, Env, ListOptions, Request, Response, State, durable_object};

pub const BINDING: &str = "DIRECTORY";
/// The name of shard 0 (shard k is `{NAME}-{k}`).
const NAME: &str = "directory";

#[durable_object(fetch)]
pub struct Directory {
    state: State,
}

/// What the front asks of a directory shard.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum DirectoryCall {
    /// Hands out this shard's next number above `seen` and indexes the
    /// session under it. A shard with no number yet needs `floor`, the
    /// highest number of every shard: without it, it answers `NeedFloor`.
    Allocate { session_id: String, shard: u32, shards: u32, seen: u64, floor: Option<u64> },
    /// Drops a session from the index.
    Forget { session_number: u64 },
    /// This shard's totals ([`Counters`]).
    Counters,
    /// Entries after `after`, at most `limit` ([`Page`]).
    Page { after: u64, limit: u64 },
}

/// The answer to `Allocate`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Allocation {
    Number(u64),
    NeedFloor,
}

/// A page of the index.
#[derive(Debug, Serialize, Deserialize)]
pub struct Page {
    pub entries: Vec<Entry>,
    pub more: bool,
}

/// One index entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub session_number: u64,
    pub session_id: String,
}

fn key(n: u64) -> String {
    format!("i:{n:016x}")
}

fn storage_error(e: worker::Error) -> ApiError {
    ApiError::new(ErrorCode::SessionStoreUnavailable, format!("Durable Object storage failed: {e}"))
}

impl Directory {
    async fn number(&self, k: &str) -> Result<u64, ApiError> {
        Ok(self.state.storage().get::<u64>(k).await.map_err(storage_error)?.unwrap_or(0))
    }

    async fn counters(&self) -> Result<Counters, ApiError> {
        Ok(Counters {
            session_number: self.number("n").await?,
            total_sessions: self.number("total").await?,
            active_sessions: self.number("active").await?,
        })
    }

    async fn handle(&self, call: DirectoryCall) -> Result<Vec<u8>, ApiError> {
        let storage = self.state.storage();
        use calls::text;
        match call {
            DirectoryCall::Allocate { session_id, shard, shards, seen, floor } => {
                // Only storage is awaited here, so no other call comes in
                // between the read and the writes (input gates).
                let last = match (storage.get::<u64>("n").await.map_err(storage_error)?, floor) {
                    (Some(n), _) => n.max(seen),
                    (None, Some(f)) => f.max(seen),
                    (None, None) => return text(&Allocation::NeedFloor),
                };
                let c = self.counters().await?;
                let n = greenside_core::shard::next_number(last, shard, shards);
                storage.put("n", n).await.map_err(storage_error)?;
                storage.put("total", c.total_sessions + 1).await.map_err(storage_error)?;
                storage.put("active", c.active_sessions + 1).await.map_err(storage_error)?;
                storage.put(&key(n), session_id).await.map_err(storage_error)?;
                text(&Allocation::Number(n))
            }
            DirectoryCall::Forget { session_number } => {
                if storage.delete(&key(session_number)).await.map_err(storage_error)? {
                    let active = self.number("active").await?;
                    storage.put("active", active.saturating_sub(1)).await.map_err(storage_error)?;
                }
                text(&())
            }
            DirectoryCall::Counters => text(&self.counters().await?),
            DirectoryCall::Page { after, limit } => {
                let limit = limit.clamp(1, 1000) as usize;
                let start = key(after.saturating_add(1));
                let opts = ListOptions::new().prefix("i:").start(&start).limit(limit);
                let map = storage.list_with_options(opts).await.map_err(storage_error)?;
                let mut entries = Vec::new();
                map.for_each(&mut |value, k| {
                    let n = k.as_string().and_then(|k| u64::from_str_radix(k.trim_start_matches("i:"), 16).ok());
                    if let (Some(n), Some(id)) = (n, value.as_string()) {
                        entries.push(Entry { session_number: n, session_id: id });
                    }
                });
                entries.sort_by_key(|e| e.session_number);
                let more = entries.len() == limit;
                text(&Page { entries, more })
            }
        }
    }
}

impl DurableObject for Directory {
    fn new(state: State, _env: Env) -> Self {
        Directory { state }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        match calls::read::<DirectoryCall>(req).await {
            Ok(call) => calls::reply(self.handle(call).await),
            Err(e) => calls::reply(Err(e)),
        }
    }
}

/// The object name of shard `k`.
pub fn shard_name(k: u32) -> String {
    calls::shard_name(NAME, k)
}

fn shards(env: &Env) -> Result<u32, ApiError> {
    Ok(crate::settings::get(env)?.directory_shards.max(1))
}

/// Calls shard `k`; the answer parsed as `T`.
async fn call<T: serde::de::DeserializeOwned>(env: &Env, k: u32, call: &DirectoryCall) -> Result<T, ApiError> {
    calls::call(env, BINDING, &shard_name(k), call).await
}

/// Asks every shard at once; the answers in shard order.
async fn each<T: serde::de::DeserializeOwned>(env: &Env, c: &DirectoryCall) -> Result<Vec<T>, ApiError> {
    calls::each_shard(env, BINDING, NAME, shards(env)?, c).await
}

thread_local! {
    /// The highest session number this isolate has handed out or seen.
    static SEEN: Cell<u64> = const { Cell::new(0) };
}

/// A number for a new session, indexed in its shard.
pub async fn allocate(env: &Env, session_id: &str) -> Result<u64, ApiError> {
    let shards = shards(env)?;
    let shard = greenside_core::shard::of(session_id, shards);
    let seen = SEEN.with(Cell::get);
    let mut floor = None;
    loop {
        let c = DirectoryCall::Allocate { session_id: session_id.into(), shard, shards, seen, floor };
        match call(env, shard, &c).await? {
            Allocation::Number(n) => {
                SEEN.with(|s| s.set(s.get().max(n)));
                return Ok(n);
            }
            // Once per shard ever: its first number goes above every shard's.
            Allocation::NeedFloor if floor.is_none() => floor = Some(counters(env).await?.session_number),
            Allocation::NeedFloor => {
                return Err(ApiError::new(ErrorCode::InternalError, "a directory shard refused its floor"));
            }
        }
    }
}

/// The totals over every shard: created and active sessions summed, the
/// highest number handed out.
pub async fn counters(env: &Env) -> Result<Counters, ApiError> {
    let all: Vec<Counters> = each(env, &DirectoryCall::Counters).await?;
    let c = Counters {
        session_number: all.iter().map(|c| c.session_number).max().unwrap_or(0),
        total_sessions: all.iter().map(|c| c.total_sessions).sum(),
        active_sessions: all.iter().map(|c| c.active_sessions).sum(),
    };
    SEEN.with(|s| s.set(s.get().max(c.session_number)));
    Ok(c)
}

/// Index entries after `after` over every shard, in number order, at most
/// `limit`, and whether more follow.
pub async fn page(env: &Env, after: u64, limit: u64) -> Result<Page, ApiError> {
    let pages: Vec<Page> = each(env, &DirectoryCall::Page { after, limit }).await?;
    let limit = limit.clamp(1, 1000) as usize;
    let (entries, more) = greenside_core::listing::merge_pages(
        pages.into_iter().map(|p| (p.entries, p.more)).collect(),
        limit,
        |e: &Entry| e.session_number,
    );
    Ok(Page { entries, more })
}

/// Drops a session from its shard's index; a failure is logged (the
/// listing skips entries whose session has gone anyway).
pub async fn forget(env: &Env, session_id: &str, session_number: u64) {
    let r = async {
        let shard = greenside_core::shard::of(session_id, shards(env)?);
        call::<()>(env, shard, &DirectoryCall::Forget { session_number }).await
    }
    .await;
    if let Err(e) = r {
        crate::runtime::log("warn", "directory forget failed", &[("error", json!(e.message))]);
    }
}
