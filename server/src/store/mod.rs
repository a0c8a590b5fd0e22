//! Session stores: one small trait, two implementations (memory, Redis), one
//! conformance suite (`server/tests/it/store_conformance.rs`) run against both.
//!
//! Stores keep the core's `SessionRecord` as it is; they never interpret it
//! beyond its id, number, revision and expiry. `save` is a compare-and-set on
//! `revision`: it succeeds only when the stored revision is the one the
//! caller loaded, so concurrent writers never lose an update.
//!
//! The futures are `Send` (axum runs handlers on a multi-threaded runtime).

pub mod error;
pub mod memory;
pub mod redis;
pub mod redis_conn;

use greenside_core::session::SessionRecord;
use serde::Serialize;
use std::future::Future;

pub use error::StoreError;

/// What `save` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveOutcome {
    Saved,
    /// Someone else saved first: reload and retry.
    Conflict,
    /// The session is gone (deleted or expired).
    Missing,
}

pub use greenside_core::listing::SessionSummary;

/// One page of live sessions in `session_number` order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page {
    pub sessions: Vec<SessionSummary>,
    /// Pass as `after` for the next page; `None` on the last page.
    pub next_after: Option<u64>,
}

pub use greenside_core::listing::Counters;

/// The session store contract.
pub trait SessionStore: Send + Sync + 'static {
    /// `memory` or `redis`.
    fn backend(&self) -> &'static str;
    /// The next `session_number` (monotonic across instances).
    fn next_session_number(&self) -> impl Future<Output = Result<u64, StoreError>> + Send;
    /// Stores a new record; `Ok(false)` when the id already exists.
    fn create(&self, rec: &SessionRecord) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// The stored record, expired or not (the caller asks core whether it is live).
    fn load(&self, id: &str) -> impl Future<Output = Result<Option<SessionRecord>, StoreError>> + Send;
    /// A record to start a compare-and-set from: possibly this instance's last
    /// copy (`true`: from the cache, may be stale — `save` then answers
    /// `Conflict` and the next call has the current one). Default: `load`.
    fn load_for_update(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<(Option<SessionRecord>, bool), StoreError>> + Send {
        async move { Ok((self.load(id).await?, false)) }
    }
    /// Compare-and-set: stores `rec` when the stored revision is `expected_revision`,
    /// and refreshes the expiry.
    fn save(
        &self,
        rec: &SessionRecord,
        expected_revision: u64,
    ) -> impl Future<Output = Result<SaveOutcome, StoreError>> + Send;
    /// Deletes everything of the session; `Ok(false)` when there was nothing.
    fn delete(&self, id: &str) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Live sessions (expires_at_ms > now_ms) with `session_number > after`, at most `limit`.
    fn list(&self, after: u64, limit: usize, now_ms: u64) -> impl Future<Output = Result<Page, StoreError>> + Send;
    fn counters(&self) -> impl Future<Output = Result<Counters, StoreError>> + Send;
    /// A round trip to the backing service.
    fn ping(&self) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// The store the server runs on, chosen at start.
#[derive(Debug, Clone)]
pub enum Store {
    Memory(memory::MemoryStore),
    Redis(redis::RedisStore),
}

macro_rules! dispatch {
    ($self:ident, $s:ident => $e:expr) => {
        match $self {
            Store::Memory($s) => $e,
            Store::Redis($s) => $e,
        }
    };
}

impl SessionStore for Store {
    fn backend(&self) -> &'static str {
        dispatch!(self, s => s.backend())
    }
    async fn next_session_number(&self) -> Result<u64, StoreError> {
        dispatch!(self, s => s.next_session_number().await)
    }
    async fn create(&self, rec: &SessionRecord) -> Result<bool, StoreError> {
        dispatch!(self, s => s.create(rec).await)
    }
    async fn load(&self, id: &str) -> Result<Option<SessionRecord>, StoreError> {
        dispatch!(self, s => s.load(id).await)
    }
    async fn load_for_update(&self, id: &str) -> Result<(Option<SessionRecord>, bool), StoreError> {
        dispatch!(self, s => s.load_for_update(id).await)
    }
    async fn save(&self, rec: &SessionRecord, expected_revision: u64) -> Result<SaveOutcome, StoreError> {
        dispatch!(self, s => s.save(rec, expected_revision).await)
    }
    async fn delete(&self, id: &str) -> Result<bool, StoreError> {
        dispatch!(self, s => s.delete(id).await)
    }
    async fn list(&self, after: u64, limit: usize, now_ms: u64) -> Result<Page, StoreError> {
        dispatch!(self, s => s.list(after, limit, now_ms).await)
    }
    async fn counters(&self) -> Result<Counters, StoreError> {
        dispatch!(self, s => s.counters().await)
    }
    async fn ping(&self) -> Result<(), StoreError> {
        dispatch!(self, s => s.ping().await)
    }
}
