//! In-memory store: the default. Sliding TTL comes from the record's
//! `expires_at_ms` (core slides it on every write and decides when it has
//! passed); a background sweeper reclaims expired sessions.

use super::{Counters, Page, SaveOutcome, SessionStore, StoreError};
use greenside_core::session::SessionRecord;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Debug, Default)]
struct Inner {
    records: HashMap<String, SessionRecord>,
    /// session_number → session_id, for ordered listing.
    by_number: BTreeMap<u64, String>,
}

#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    inner: Arc<Mutex<Inner>>,
    session_number: Arc<AtomicU64>,
    total: Arc<AtomicU64>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave a half-written record
        // (every write is one insert), so a poisoned lock is still consistent.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Removes every session expired at `now_ms`; returns how many.
    pub fn sweep(&self, now_ms: u64) -> usize {
        let mut g = self.lock();
        let expired: Vec<(String, u64)> = g
            .records
            .values()
            .filter(|r| greenside_core::session::is_expired(r, now_ms))
            .map(|r| (r.session_id.clone(), r.session_number))
            .collect();
        for (id, n) in &expired {
            g.records.remove(id);
            g.by_number.remove(n);
        }
        expired.len()
    }
}

impl SessionStore for MemoryStore {
    fn backend(&self) -> &'static str {
        "memory"
    }

    async fn next_session_number(&self) -> Result<u64, StoreError> {
        Ok(self.session_number.fetch_add(1, Ordering::SeqCst) + 1)
    }

    async fn create(&self, rec: &SessionRecord) -> Result<bool, StoreError> {
        let mut g = self.lock();
        if g.records.contains_key(&rec.session_id) {
            return Ok(false);
        }
        g.by_number.insert(rec.session_number, rec.session_id.clone());
        g.records.insert(rec.session_id.clone(), rec.clone());
        self.total.fetch_add(1, Ordering::SeqCst);
        Ok(true)
    }

    async fn load(&self, id: &str) -> Result<Option<SessionRecord>, StoreError> {
        Ok(self.lock().records.get(id).cloned())
    }

    async fn save(&self, rec: &SessionRecord, expected_revision: u64) -> Result<SaveOutcome, StoreError> {
        let mut g = self.lock();
        match g.records.get_mut(&rec.session_id) {
            None => Ok(SaveOutcome::Missing),
            Some(cur) if cur.revision != expected_revision => Ok(SaveOutcome::Conflict),
            Some(cur) => {
                *cur = rec.clone();
                Ok(SaveOutcome::Saved)
            }
        }
    }

    async fn delete(&self, id: &str) -> Result<bool, StoreError> {
        let mut g = self.lock();
        match g.records.remove(id) {
            Some(r) => {
                g.by_number.remove(&r.session_number);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn list(&self, after: u64, limit: usize, now_ms: u64) -> Result<Page, StoreError> {
        let g = self.lock();
        let mut page = greenside_core::listing::SessionsPageBuilder::new(after, limit, now_ms);
        for id in g.by_number.range(after.saturating_add(1)..).map(|(_, id)| id) {
            if let Some(r) = g.records.get(id)
                && !page.offer(r)
            {
                break;
            }
        }
        let (sessions, next_after) = page.finish();
        Ok(Page { sessions, next_after })
    }

    async fn counters(&self) -> Result<Counters, StoreError> {
        Ok(Counters {
            session_number: self.session_number.load(Ordering::SeqCst),
            total_sessions: self.total.load(Ordering::SeqCst),
            active_sessions: self.lock().records.len() as u64,
        })
    }

    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }
}
