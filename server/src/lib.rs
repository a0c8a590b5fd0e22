//! greenside's native server: an axum app over greenside-core.
//!
//! ```text
//! main ─► Settings::from_env ─► build_state (catalog, store with Redis fallback, run store, sweeper) ─► serve
//! request ─► http::ApiJson (content type, size, core decode) ─► handler ─► store (CAS) ─► JSON
//! ```

pub mod bundle;
pub mod clock;
pub mod courses;
pub mod doctor;
pub mod downstream;
pub mod http;
pub mod import_osm;
pub mod listen;
pub mod logging;
pub mod metrics;
pub mod ratelimit;
pub mod rounds;
pub mod runs;
pub mod settings;
pub mod store;
pub mod trace;
pub mod track;
pub mod writes;

use clock::Clock;
use courses::CourseData;
use greenside_core::error::{ApiError, ErrorCode};
use serde::Serialize;
use settings::{RunBackend, Settings, StoreRequest, redact_url};
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::memory::MemoryStore;
use store::redis::RedisStore;
use store::{Store, StoreError};

/// How long start-up waits for Redis before falling back to memory.
pub const REDIS_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Per-session lock stripes (one writer per session per instance).
const LOCK_STRIPES: usize = 256;

/// What the store selection ended up as (for `/health`).
#[derive(Debug, Clone, Serialize)]
pub struct StoreStatus {
    pub requested: &'static str,
    pub redis_url: Option<String>,
    pub prefix: Option<String>,
    pub warnings: Vec<String>,
}

#[derive(Debug)]
pub struct AppState {
    pub settings: Settings,
    pub catalog: CourseData,
    pub store: Store,
    pub store_status: StoreStatus,
    pub runs: runs::RunStore,
    /// Rounds, kept where the runs are (`rounds.rs`).
    pub rounds: rounds::RoundStore,
    pub clients: downstream::Clients,
    /// Span export (OTLP), when configured; traces propagate either way.
    pub tracing: trace::Tracing,
    /// What the descriptor limit allows (`listen::budget`), the connections
    /// being served and the API requests in flight.
    pub budget: listen::Budget,
    /// Whether run and debug bundle writes are failing (`/health`).
    pub run_writes: writes::Writes,
    pub bundle_writes: writes::Writes,
    pub conns: Arc<listen::conns::Conns>,
    pub in_flight: listen::InFlight,
    pub limiter: Option<ratelimit::Limiter>,
    pub metrics: metrics::Metrics,
    pub clock: Clock,
    pub started: Instant,
    locks: Vec<tokio::sync::Mutex<()>>,
}

impl AppState {
    /// The lock stripe of a session.
    pub fn session_lock(&self, id: &str) -> &tokio::sync::Mutex<()> {
        // Core's shard hash: stable and cheap; ids are random so stripes spread evenly.
        &self.locks[greenside_core::shard::of(id, LOCK_STRIPES as u32) as usize]
    }
}

/// A round store's failure as the API's error (nothing was written).
pub fn round_store_error(e: StoreError) -> ApiError {
    match e {
        StoreError::Unavailable(msg) => {
            tracing::warn!(error = %msg, "round store unavailable");
            ApiError::new(
                ErrorCode::RoundStoreUnavailable,
                "the round store is unavailable; nothing was written, retry shortly",
            )
        }
        StoreError::Corrupt(msg) => {
            tracing::error!(error = %msg, "unreadable round record");
            ApiError::new(ErrorCode::InternalError, "a stored round record could not be read")
        }
    }
}

/// 16 bytes from the operating system's CSPRNG.
pub fn random_bytes() -> [u8; 16] {
    let mut b = [0u8; 16];
    // The OS generator failing is not recoverable; a predictable id would be worse.
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut b).expect("the operating system's random number generator failed");
    b
}

/// 32 hex digits from the operating system's CSPRNG: for secrets and names
/// that must not be guessed.
pub fn random_token() -> String {
    greenside_core::validate::session_id_from_random(random_bytes())[3..].to_string()
}

/// A request id: 16 hex digits, unique within the process and unrelated
/// between processes, without a system call per request. A counter goes
/// through a bijection of u64 (splitmix64's finalizer) offset by a key drawn
/// once from the OS, so ids never repeat within 2^64 requests and two
/// instances' ids look independent. Not a secret: it is only a correlation id.
pub fn request_id() -> String {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static KEY: OnceLock<u64> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let key = *KEY.get_or_init(|| {
        let b = random_bytes();
        u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
    });
    let mut z = NEXT.fetch_add(1, Ordering::Relaxed).wrapping_add(key);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    format!("{:016x}", z ^ (z >> 31))
}

/// Store failures on the wire.
pub fn store_error(e: StoreError) -> ApiError {
    match e {
        StoreError::Unavailable(msg) => {
            tracing::warn!(error = %msg, "session store unavailable");
            ApiError::new(
                ErrorCode::SessionStoreUnavailable,
                "the session store is unavailable; nothing was written, retry shortly",
            )
        }
        StoreError::Corrupt(msg) => {
            tracing::error!(error = %msg, "unreadable session record");
            ApiError::new(ErrorCode::InternalError, "a stored session record could not be read")
        }
    }
}

/// Chooses the store: memory, or Redis with a fallback to memory (and a
/// warning) when Redis cannot be reached at start.
pub async fn select_store(settings: &Settings) -> (Store, StoreStatus) {
    match &settings.store {
        StoreRequest::Memory => (
            Store::Memory(MemoryStore::new()),
            StoreStatus { requested: "memory", redis_url: None, prefix: None, warnings: Vec::new() },
        ),
        StoreRequest::Redis { url, cluster } => {
            let shown = url.split(',').map(redact_url).collect::<Vec<_>>().join(",");
            let prefix = &settings.redis_session_prefix;
            let connected = if *cluster {
                let nodes: Vec<String> = url.split(',').map(str::to_string).collect();
                RedisStore::connect_cluster(&nodes, prefix, REDIS_CONNECT_TIMEOUT).await
            } else {
                RedisStore::connect(url, prefix, REDIS_CONNECT_TIMEOUT).await
            };
            match connected {
                Ok(s) => (
                    Store::Redis(s),
                    StoreStatus {
                        requested: "redis",
                        redis_url: Some(shown),
                        prefix: Some(settings.redis_session_prefix.clone()),
                        warnings: Vec::new(),
                    },
                ),
                Err(e) => {
                    let warning = format!(
                        "Redis was requested at {shown} but could not be reached at start ({e}); running on the in-memory store: sessions are not shared and do not survive a restart"
                    );
                    tracing::warn!(%warning, "session store fallback");
                    (
                        Store::Memory(MemoryStore::new()),
                        StoreStatus {
                            requested: "redis",
                            redis_url: Some(shown),
                            prefix: Some(settings.redis_session_prefix.clone()),
                            warnings: vec![warning],
                        },
                    )
                }
            }
        }
    }
}

/// Chooses the run store (`RUN_STORE_BACKEND`): SQLite under
/// `RUN_STORE_DIR` (created if missing), memory, or the sessions' Redis.
/// When Redis was asked for but the session store fell back to memory, runs
/// follow it into memory: the fallback keeps a server up, and `/health`
/// already says why.
pub fn select_runs(settings: &Settings, store: &Store) -> Result<runs::RunStore, String> {
    let runs = match (settings.run_store, store) {
        (RunBackend::Memory, _) => runs::RunStore::memory(),
        (RunBackend::Sqlite, _) => runs::RunStore::sqlite(&settings.run_store_dir).map_err(|e| {
            format!(
                "{e} (set RUN_STORE_DIR to a writable directory, or RUN_STORE_BACKEND=memory to keep runs in memory)"
            )
        })?,
        (RunBackend::Redis, Store::Redis(r)) => runs::RunStore::redis(r.connection(), r.prefix()),
        (RunBackend::Redis, Store::Memory(_)) => {
            tracing::warn!("runs kept in memory with the fallback session store: they do not survive a restart");
            runs::RunStore::memory()
        }
    };
    match &runs {
        runs::RunStore::Sqlite(s) => tracing::info!(path = %s.path().display(), "runs in SQLite"),
        other => tracing::info!(backend = other.backend(), "run store"),
    }
    Ok(runs)
}

/// Builds the application state (loads courses, selects the store, builds
/// the downstream HTTP client).
pub async fn build_state(settings: Settings) -> Result<Arc<AppState>, String> {
    let catalog = if !settings.course_data_explicit && !settings.dataset_registry_path.exists() {
        tracing::info!("no course data folder found; serving the example course compiled into the binary");
        CourseData::embedded()
    } else {
        CourseData::load(&settings.course_data_root, &settings.dataset_registry_path)
    };
    let (store, store_status) = select_store(&settings).await;
    let runs = select_runs(&settings, &store)?;
    let clients = downstream::Clients::new().map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    if settings.test_clock {
        tracing::warn!(
            "GREENSIDE_TEST_CLOCK is on: requests may set the time (x-greenside-now-ms); never use this in production"
        );
    }
    let limiter = settings.rate_limits.clone().map(|l| ratelimit::Limiter::new(l, settings.rate_limit_max_clients));
    let tracing = trace::Tracing::start(settings.otlp.as_ref())?;
    let budget = listen::Budget::new(
        listen::budget::descriptor_limit(),
        settings.max_connections,
        settings.max_in_flight,
        settings.max_connections_per_client,
    );
    tracing::info!(
        descriptors = budget.descriptors,
        reserve = listen::budget::RESERVE,
        connections = budget.connections,
        in_flight = budget.in_flight,
        per_client = budget.per_client,
        "descriptor budget"
    );
    let metrics = metrics::Metrics::new();
    let conns = Arc::new(listen::conns::Conns::new(
        budget.connections,
        settings.header_timeout,
        metrics.connections_evicted.clone(),
        metrics.connections_refused.clone(),
    ));
    // Behind a trusted proxy a client's share is of requests (its connections are the proxy's).
    let shares = if settings.trusted_proxy_header.is_some() { budget.per_client } else { 0 };
    let in_flight = listen::InFlight::new(budget.in_flight, shares);
    Ok(Arc::new(AppState {
        clock: Clock::new(settings.test_clock),
        settings,
        catalog,
        store,
        store_status,
        rounds: rounds::RoundStore::beside(&runs),
        runs,
        clients,
        tracing,
        budget,
        run_writes: writes::Writes::default(),
        bundle_writes: writes::Writes::default(),
        conns,
        in_flight,
        limiter,
        metrics,
        started: Instant::now(),
        locks: (0..LOCK_STRIPES).map(|_| tokio::sync::Mutex::new(())).collect(),
    }))
}

/// Runs `work` every `every` (first at once) for as long as the state lives.
fn every<F, Fut>(state: &Arc<AppState>, every: std::time::Duration, work: F)
where
    F: Fn(Arc<AppState>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let weak = Arc::downgrade(state);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let Some(state) = weak.upgrade() else { break };
            work(state).await;
        }
    });
}

/// Every `SESSION_SWEEP_INTERVAL_S`: reclaims the memory store's expired
/// sessions, or drops the Redis index members of sessions Redis has let
/// expire (with many instances each sweeps; removing a gone member is
/// idempotent).
pub fn spawn_sweeper(state: &Arc<AppState>) {
    every(state, state.settings.sweep_interval, |state| async move {
        match &state.store {
            Store::Memory(mem) => {
                let n = mem.sweep(state.clock.now());
                if n > 0 {
                    tracing::info!(expired = n, "swept expired sessions");
                }
            }
            Store::Redis(redis) => match redis.sweep_index().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(expired = n, "swept the index members of expired sessions"),
                Err(e) => {
                    tracing::warn!(error = %e, "session index sweep: Redis did not answer; next try in one interval")
                }
            },
        }
    });
}

/// Retention: every `RUNS_RETENTION_INTERVAL_S` (first at start-up), prunes
/// the runs past `RUNS_PRUNE_MAX_RUNS` or `RUNS_PRUNE_MAX_AGE_DAYS` and their
/// debug bundles, on whichever run store is in use. With many instances on
/// one Redis each sweeps; a prune is idempotent, so they only repeat work.
pub fn spawn_retention(state: &Arc<AppState>) {
    let Some(interval) = state.settings.runs_retention_interval else { return };
    every(state, interval, |state| async move {
        let s = &state.settings;
        let now = state.clock.now();
        let swept = state.runs.retain(&s.debug_bundle_dir, s.retention, now).await;
        // Every sweep says it ran (a stalled sweeper is told from one that found nothing).
        if let Ok((report, _)) = &swept {
            tracing::debug!(scanned = report.scanned, deleted = report.deleted, "retention sweep");
        }
        match swept {
            Ok((report, bundles)) if report.deleted > 0 => {
                tracing::info!(
                    scanned = report.scanned,
                    deleted = report.deleted,
                    bundles,
                    trigger = "retention",
                    "runs pruned"
                );
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "retention: the run store did not answer; next try in one interval")
            }
        }
    });
}
