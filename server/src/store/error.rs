//! The one error of the stores (sessions and runs): a store that cannot
//! serve right now. Its own module so the run stores take it without
//! reaching into the session stores.

/// A store that cannot serve right now (Redis down, timed out, corrupt data).
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("session store unavailable: {0}")]
    Unavailable(String),
    #[error("stored session record is unreadable: {0}")]
    Corrupt(String),
}
