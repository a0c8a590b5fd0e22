//! The `Directory` Durable Object (one instance, named `directory`): the
//! session counter, the totals and the index of sessions for the admin
//! listing.
//!
//! ```text
//! n          last session_number handed out
//! total      sessions ever created
//! i:{n:016x} session id of session number n (while the session lives)
//! ```
//! A session's object removes its entry when it is deleted or its alarm
//! expires it. The listing asks each listed session's object for its current
//! summary, so rows are never stale; an entry whose session has gone (its
//! removal still in flight) is skipped.

use crate::calls;
use greenside_core::error::{ApiError, ErrorCode};
use greenside_core::listing::Counters;
use serde::{Deserialize, Serialize};
use serde_json::json;
use worker::{DurableObject, Env, ListOptions, Request, Response, State, durable_object};

pub const BINDING: &str = "DIRECTORY";
const NAME: &str = "directory";

#[durable_object]
pub struct Directory {
    state: State,
}

/// What the front asks of the directory.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum DirectoryCall {
    /// Hands out the next number and indexes the session under it: answers the number.
    Allocate { session_id: String },
    /// Drops a session from the index.
    Forget { session_number: u64 },
    /// The totals ([`Counters`]).
    Counters,
    /// Entries after `after`, at most `limit` ([`Page`]).
    Page { after: u64, limit: u64 },
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
            DirectoryCall::Allocate { session_id } => {
                let c = self.counters().await?;
                let n = c.session_number + 1;
                storage.put("n", n).await.map_err(storage_error)?;
                storage.put("total", c.total_sessions + 1).await.map_err(storage_error)?;
                storage.put("active", c.active_sessions + 1).await.map_err(storage_error)?;
                storage.put(&key(n), session_id).await.map_err(storage_error)?;
                text(&n)
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

/// Calls the directory; the answer parsed as `T`.
pub async fn call<T: serde::de::DeserializeOwned>(env: &Env, call: DirectoryCall) -> Result<T, ApiError> {
    calls::call(env, BINDING, NAME, &call).await
}

/// Drops a session from the index; a failure is logged (the listing skips
/// entries whose session has gone anyway).
pub async fn forget(env: &Env, session_number: u64) {
    if let Err(e) = call::<()>(env, DirectoryCall::Forget { session_number }).await {
        crate::runtime::log("warn", "directory forget failed", &[("error", json!(e.message))]);
    }
}
