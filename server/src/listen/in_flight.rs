//! The bound on API requests in flight (tower's `load_shed` over a
//! `concurrency_limit`, in one step): beyond it a new request is answered
//! 503 `overloaded` with `Retry-After` at once instead of queueing without
//! end. Behind a trusted proxy, each client (as the proxy names it) also has
//! a share of its own (`HTTP_MAX_CONNECTIONS_PER_CLIENT`): the connections
//! are the proxy's, so the share is of requests, not connections.

use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::{Semaphore, SemaphorePermit};

/// Requests in flight, and per client when shares apply.
#[derive(Debug)]
pub struct InFlight {
    slots: Semaphore,
    per_client: usize,
    clients: Mutex<HashMap<String, usize>>,
}

/// A request's place; given back when dropped.
#[derive(Debug)]
pub struct Entered<'a> {
    _slot: SemaphorePermit<'a>,
    client: Option<(&'a InFlight, String)>,
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        if let Some((f, client)) = self.client.take() {
            let mut m = f.clients.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(n) = m.get_mut(&client) {
                *n -= 1;
                if *n == 0 {
                    m.remove(&client);
                }
            }
        }
    }
}

impl InFlight {
    /// `bound` requests at once; `per_client` each (0: no share).
    pub fn new(bound: usize, per_client: usize) -> InFlight {
        InFlight { slots: Semaphore::new(bound.max(1)), per_client, clients: Mutex::new(HashMap::new()) }
    }

    /// Whether a client's share applies (set, and the client named).
    pub fn shares(&self) -> bool {
        self.per_client > 0
    }

    /// A place for a request (of `client`, when shares apply), or `None`:
    /// shed it.
    pub fn enter(&self, client: Option<String>) -> Option<Entered<'_>> {
        let slot = self.slots.try_acquire().ok()?;
        let client = match client.filter(|_| self.shares()) {
            None => None,
            Some(c) => {
                let mut m = self.clients.lock().unwrap_or_else(|p| p.into_inner());
                let n = m.entry(c.clone()).or_insert(0);
                if *n >= self.per_client {
                    return None;
                }
                *n += 1;
                Some((self, c))
            }
        };
        Some(Entered { _slot: slot, client })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_and_the_shares_hold_and_are_given_back() {
        let f = InFlight::new(3, 2);
        let a1 = f.enter(Some("a".into())).unwrap();
        let _a2 = f.enter(Some("a".into())).unwrap();
        assert!(f.enter(Some("a".into())).is_none(), "a is at its share");
        let b = f.enter(Some("b".into())).unwrap();
        assert!(f.enter(Some("c".into())).is_none(), "the bound is reached");
        drop(b);
        drop(a1);
        assert!(f.enter(Some("a".into())).is_some());
        let unshared = InFlight::new(1, 0);
        let _x = unshared.enter(Some("a".into())).unwrap();
        assert!(unshared.enter(None).is_none());
    }
}
