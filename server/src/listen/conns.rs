//! The connections being served, and what pressure does to them (Envoy's
//! overload manager, in small): from 80 % of the connection budget, the
//! time a connection may sit without a request in progress (sending its
//! headers, or idle between requests) shrinks linearly from
//! `HTTP_HEADER_TIMEOUT_S` down to [`MIN_TIMEOUT`] at 100 %, and when a new
//! client waits at the cap the oldest such connection is closed for it.
//! A connection with a request in progress (its answer being written
//! included) is never closed by either. Pressure is remembered for 5 s
//! after its peak, and a connection accepted under pressure keeps the
//! short timeout it was accepted with: a flood that arrives slower than the
//! sweep closes it does not win the full timeout back.

use prometheus_client::metrics::counter::Counter;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// The shortest the header and idle timeouts get under pressure.
pub const MIN_TIMEOUT: Duration = Duration::from_secs(1);

/// Pressure from which the timeouts shrink (per cent of the budget).
pub const PRESSURE_PCT: usize = 80;

/// How long pressure is remembered after its peak.
pub const PRESSURE_MEMORY: Duration = Duration::from_secs(5);

/// How often the timeouts are applied under pressure.
pub const SWEEP_EVERY: Duration = Duration::from_millis(100);

impl Conn {
    /// No request in progress (sending its head, or idle between requests).
    pub fn is_quiet(&self) -> bool {
        self.busy.load(Ordering::Acquire) == 0
    }
}

/// One connection: whether a request is in progress, since when not.
#[derive(Debug)]
pub struct Conn {
    pub peer: IpAddr,
    /// Requests in progress (an answer counts until its last byte is handed over).
    busy: AtomicUsize,
    /// Milliseconds after `Conns::epoch` since which no request has been in progress.
    quiet_since_ms: AtomicU64,
    /// The timeout when it was accepted (ms): a connection accepted under
    /// pressure keeps its short leash after the pressure has passed, so a
    /// flood's last connections do not get the full timeout back.
    leash_ms: u64,
    /// Fired to close the connection.
    pub close: Notify,
}

/// Marks its connection busy for as long as it lives.
#[derive(Debug)]
pub struct Busy {
    conn: Arc<Conn>,
    epoch: Instant,
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.conn.quiet_since_ms.store(ms_since(self.epoch), Ordering::Relaxed);
        self.conn.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

fn ms_since(epoch: Instant) -> u64 {
    u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Every connection being served.
#[derive(Debug)]
pub struct Conns {
    epoch: Instant,
    cap: usize,
    base_timeout: Duration,
    next_id: AtomicU64,
    open: Mutex<HashMap<u64, Arc<Conn>>>,
    /// Open connections accepted under pressure (with a short leash).
    leashed: AtomicUsize,
    /// The most connections open lately, and when (ms): pressure is
    /// remembered for [`PRESSURE_MEMORY`] after its peak, so a flood that
    /// arrives slower than the sweep closes it still meets short timeouts.
    peak: Mutex<(usize, u64)>,
    /// Closed by pressure (the sweep or a waiting client), for `/metrics`.
    pub evicted: Counter,
    /// Closed at once because the client held its share, for `/metrics`.
    pub refused: Counter,
}

impl Conns {
    /// `cap` connections, `base_timeout` without pressure; what pressure
    /// closes is counted in `evicted` and `refused` (the metrics' counters).
    pub fn new(cap: usize, base_timeout: Duration, evicted: Counter, refused: Counter) -> Conns {
        Conns {
            epoch: Instant::now(),
            cap: cap.max(1),
            base_timeout,
            next_id: AtomicU64::new(0),
            open: Mutex::new(HashMap::new()),
            leashed: AtomicUsize::new(0),
            peak: Mutex::new((0, 0)),
            evicted,
            refused,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Conn>>> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Connections `peer` holds.
    pub fn of(&self, peer: IpAddr) -> usize {
        self.lock().values().filter(|c| c.peer == peer).count()
    }

    /// Registers a new connection; it leaves when the returned handle drops.
    pub fn open(self: &Arc<Self>, peer: IpAddr) -> Registered {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut open = self.lock();
        let leash = self.timeout_at(self.pressure(open.len() + 1));
        let conn = Arc::new(Conn {
            peer,
            busy: AtomicUsize::new(0),
            quiet_since_ms: AtomicU64::new(ms_since(self.epoch)),
            leash_ms: u64::try_from(leash.as_millis()).unwrap_or(u64::MAX),
            close: Notify::new(),
        });
        if leash < self.base_timeout {
            self.leashed.fetch_add(1, Ordering::Relaxed);
        }
        open.insert(id, conn.clone());
        drop(open);
        Registered { conns: self.clone(), id, conn }
    }

    /// The connections pressure is judged by: `open` now, or the peak of
    /// the last [`PRESSURE_MEMORY`] when higher.
    fn pressure(&self, open: usize) -> usize {
        let now = ms_since(self.epoch);
        let mut peak = self.peak.lock().unwrap_or_else(|p| p.into_inner());
        let memory = u64::try_from(PRESSURE_MEMORY.as_millis()).unwrap_or(u64::MAX);
        if open >= peak.0 || now.saturating_sub(peak.1) > memory {
            *peak = (open, now);
        }
        peak.0
    }

    /// The header and idle timeout at `open` connections: the configured one
    /// below [`PRESSURE_PCT`] of the cap, then linearly down to [`MIN_TIMEOUT`].
    pub fn timeout_at(&self, open: usize) -> Duration {
        let from = self.cap * PRESSURE_PCT / 100;
        if open <= from || self.base_timeout <= MIN_TIMEOUT {
            return self.base_timeout;
        }
        let span = (self.cap - from).max(1) as f64;
        let past = ((open - from) as f64 / span).min(1.0);
        let base = self.base_timeout.as_secs_f64();
        Duration::from_secs_f64(base - (base - MIN_TIMEOUT.as_secs_f64()) * past)
    }

    /// Closes every connection quiet for longer than the shrunk timeout
    /// (now, or when it was accepted); answers how many. Nothing to do
    /// without pressure, now or at any open connection's accept.
    pub fn sweep(&self) -> usize {
        let open = self.lock();
        let timeout = self.timeout_at(self.pressure(open.len()));
        if timeout >= self.base_timeout && self.leashed.load(Ordering::Relaxed) == 0 {
            return 0;
        }
        let now = ms_since(self.epoch);
        let limit = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        let mut closed = 0;
        for c in open.values() {
            if c.busy.load(Ordering::Acquire) == 0
                && now.saturating_sub(c.quiet_since_ms.load(Ordering::Relaxed)) >= limit.min(c.leash_ms)
            {
                c.close.notify_one();
                closed += 1;
            }
        }
        self.evicted.inc_by(closed as u64);
        closed
    }

    /// Closes the connection quiet the longest, for a client waiting at the
    /// cap; `false` when every connection has a request in progress.
    pub fn evict_oldest_quiet(&self) -> bool {
        let open = self.lock();
        let oldest = open
            .values()
            .filter(|c| c.busy.load(Ordering::Acquire) == 0)
            .min_by_key(|c| c.quiet_since_ms.load(Ordering::Relaxed));
        match oldest {
            Some(c) => {
                c.close.notify_one();
                self.evicted.inc();
                true
            }
            None => false,
        }
    }
}

/// A connection's place in [`Conns`], for as long as it is served.
#[derive(Debug)]
pub struct Registered {
    conns: Arc<Conns>,
    id: u64,
    pub conn: Arc<Conn>,
}

impl Registered {
    /// Marks a request in progress until the guard drops.
    pub fn busy(&self) -> Busy {
        self.conn.busy.fetch_add(1, Ordering::AcqRel);
        Busy { conn: self.conn.clone(), epoch: self.conns.epoch }
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.conns.lock().remove(&self.id);
        if u128::from(self.conn.leash_ms) < self.conns.base_timeout.as_millis() {
            self.conns.leashed.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    #[test]
    fn timeouts_shrink_from_eighty_per_cent() {
        let c = Conns::new(100, Duration::from_secs(10), Counter::default(), Counter::default());
        assert_eq!(c.timeout_at(0), Duration::from_secs(10));
        assert_eq!(c.timeout_at(80), Duration::from_secs(10));
        assert_eq!(c.timeout_at(90), Duration::from_secs_f64(5.5));
        assert_eq!(c.timeout_at(100), MIN_TIMEOUT);
        assert_eq!(c.timeout_at(150), MIN_TIMEOUT);
    }

    #[tokio::test]
    async fn the_oldest_quiet_connection_goes_first_and_a_busy_one_never() {
        let conns = Arc::new(Conns::new(3, Duration::from_secs(10), Counter::default(), Counter::default()));
        let first = conns.open(PEER);
        tokio::time::sleep(Duration::from_millis(5)).await;
        let second = conns.open(PEER);
        let busy = first.busy();
        assert!(conns.evict_oldest_quiet());
        // `second` was asked to close: `first` is busy though older.
        tokio::time::timeout(Duration::from_millis(100), second.conn.close.notified()).await.unwrap();
        drop(second);
        assert!(!conns.evict_oldest_quiet(), "only a busy connection is left");
        drop(busy);
        assert!(conns.evict_oldest_quiet());
        assert_eq!((conns.len(), conns.of(PEER)), (1, 1));
        drop(first);
        assert_eq!(conns.len(), 0);
    }

    #[tokio::test]
    async fn a_connection_accepted_under_pressure_keeps_its_short_leash() {
        let conns = Arc::new(Conns::new(2, Duration::from_secs(10), Counter::default(), Counter::default()));
        let calm = conns.open(PEER);
        let pressed = conns.open(PEER); // at 100 %: a 1 s leash
        drop(calm); // fewer connections (the pressure is remembered a while)
        tokio::time::sleep(MIN_TIMEOUT + Duration::from_millis(20)).await;
        assert_eq!(conns.sweep(), 1, "the connection accepted under pressure still goes after 1 s");
        tokio::time::timeout(Duration::from_millis(100), pressed.conn.close.notified()).await.unwrap();
        drop(pressed);
        assert_eq!(conns.leashed.load(Ordering::Relaxed), 0);
    }

    #[tokio::test]
    async fn under_pressure_the_sweep_closes_what_waited_past_the_shrunk_timeout() {
        let conns = Arc::new(Conns::new(2, Duration::from_secs(10), Counter::default(), Counter::default()));
        let a = conns.open(PEER);
        assert_eq!(conns.sweep(), 0, "no pressure at half the cap");
        let b = conns.open(PEER);
        let _busy = b.busy();
        assert_eq!(conns.sweep(), 0, "nothing has waited a second yet");
        tokio::time::sleep(MIN_TIMEOUT + Duration::from_millis(20)).await;
        assert_eq!(conns.sweep(), 1, "the quiet one goes, the busy one stays");
        tokio::time::timeout(Duration::from_millis(100), a.conn.close.notified()).await.unwrap();
    }
}
