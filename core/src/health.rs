//! `/health`, `/ready` and the probes: every component's entry and the
//! report's status, the IETF health-check draft's shape, the same on both
//! servers.

use crate::downstream::DownstreamSeen;
use crate::error::{ApiError, ErrorCode};
use crate::listing::Counters;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A component's status in `/health`: `healthy`, `degraded` (working, with
/// something to look at), `unhealthy` (not working), `unknown` (not seen yet).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    Healthy,
    Degraded,
    Unhealthy,
    Unknown,
}

impl HealthStatus {
    /// The overall status of components: the worst one; `unknown` counts as healthy.
    pub fn worst(all: &[HealthStatus]) -> HealthStatus {
        if all.contains(&HealthStatus::Unhealthy) {
            HealthStatus::Unhealthy
        } else if all.contains(&HealthStatus::Degraded) {
            HealthStatus::Degraded
        } else {
            HealthStatus::Healthy
        }
    }

    /// The IETF health-check draft's word (`pass`, `warn`, `fail`).
    pub fn draft(self) -> &'static str {
        match self {
            HealthStatus::Healthy => "pass",
            HealthStatus::Unhealthy => "fail",
            HealthStatus::Degraded | HealthStatus::Unknown => "warn",
        }
    }
}

/// A downstream service's entry in `/health`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DownstreamHealth {
    pub configured: bool,
    pub url: Option<String>,
    pub timeout_s: f64,
    /// Whether a key is configured; the key itself never appears.
    pub api_key_configured: bool,
    pub status: HealthStatus,
    /// Always null: services are not probed (a probe would cost a plan).
    pub response_time_ms: Option<f64>,
    pub seen: Option<DownstreamSeen>,
}

/// A service's entry in `/health`: `unknown` before the first call,
/// `healthy` after a success, `degraded` while calls fail.
pub fn downstream_health(
    url: Option<&str>,
    timeout_ms: u64,
    api_key_configured: bool,
    seen: Option<&DownstreamSeen>,
) -> DownstreamHealth {
    let status = match seen {
        None => HealthStatus::Unknown,
        Some(s) if s.consecutive_failures > 0 => HealthStatus::Degraded,
        Some(_) => HealthStatus::Healthy,
    };
    DownstreamHealth {
        configured: url.is_some(),
        url: url.map(crate::redact::url),
        timeout_s: timeout_ms as f64 / 1000.0,
        api_key_configured,
        status,
        response_time_ms: None,
        seen: seen.cloned(),
    }
}

/// The course catalogue's entry in `/health`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistryHealth {
    pub loaded: bool,
    /// Where course data comes from (`bundled`, `disk`, `kv`).
    pub source: String,
    pub path: String,
    pub root: String,
    pub courses: usize,
    pub holes: usize,
    pub failed_courses: usize,
    /// Why the registry did not load.
    pub error: Option<crate::catalog::LoadError>,
    pub course_errors: Vec<crate::catalog::CourseLoadError>,
    pub status: HealthStatus,
    /// How long loading took.
    pub response_time_ms: f64,
}

impl RegistryHealth {
    /// The entry of a catalogue loaded from `source` (`path` in `root`) in `load_ms`.
    pub fn of(cat: &crate::catalog::Catalog, source: &str, path: String, root: String, load_ms: u64) -> Self {
        let (courses, holes, failed) = cat.counts();
        let status = if !cat.loaded() {
            HealthStatus::Unhealthy
        } else if failed > 0 {
            HealthStatus::Degraded
        } else {
            HealthStatus::Healthy
        };
        RegistryHealth {
            loaded: cat.loaded(),
            source: source.into(),
            path,
            root,
            courses,
            holes,
            failed_courses: failed,
            error: cat.registry.as_ref().err().cloned(),
            course_errors: cat.course_errors(),
            status,
            response_time_ms: load_ms as f64,
        }
    }
}

/// The session store's entry in `/health`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoreHealth {
    /// `memory`, `redis` or `durable_objects`.
    pub backend: String,
    /// The backend the configuration asked for.
    pub requested: String,
    pub connected: bool,
    /// The Redis URL with any password removed.
    pub redis_url: Option<String>,
    pub prefix: Option<String>,
    pub warnings: Vec<String>,
    pub error: Option<String>,
    pub counters: Option<Counters>,
    pub status: HealthStatus,
    /// One round trip to the store.
    pub response_time_ms: f64,
}

/// Where debug bundles go, and whether writing them fails.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BundlesInfo {
    pub enabled: bool,
    pub dir: String,
    /// Writes that failed since start (native; the answers went out regardless).
    #[serde(default)]
    pub failures: u64,
    /// The last write's failure (`debug_bundle_write_failed: …`), until a write succeeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

/// The native run store in `/health`: its writes.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunStoreHealth {
    /// `sqlite`, `memory` or `redis`.
    pub backend: String,
    /// `degraded` while the last write failed.
    pub status: HealthStatus,
    /// Writes that failed since start (each answered 503 `run_store_unavailable`).
    pub failures: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Runs kept by an earlier version that could not be read when moved
    /// into the current store: set aside, not deleted (edge: under
    /// `unreadable:r:…` in their run-log shard). `degraded` while any are.
    #[serde(default)]
    pub set_aside: u64,
}

/// Span export (OTLP) in `/health`, native only and only when configured.
/// Not part of the overall status: a collector that is down loses spans,
/// never a golfer's answer.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TracesHealth {
    /// `healthy`, or `degraded` while the last export failed.
    pub status: HealthStatus,
    /// Where spans go (credentials redacted).
    pub endpoint: String,
    /// Exports answered 2xx, and those that failed, since start.
    pub exports: u64,
    pub failures: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

/// The downstream services in `/health`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DownstreamServices {
    pub putt_solver: DownstreamHealth,
    pub tee_to_green: DownstreamHealth,
}

/// Whether the admin routes are on.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminInfo {
    pub enabled: bool,
}

/// `GET /health`: every component, and the worst of them as `status`
/// (503 when `unhealthy`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthReport {
    pub status: HealthStatus,
    /// Always `greenside`.
    pub service: String,
    /// `cloudflare-workers` on the edge worker; absent on the native server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    pub version: String,
    pub contract_version: String,
    pub manifest_contract_version: String,
    /// Seconds since the process started (native server only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uptime_s: Option<u64>,
    pub dataset_registry: RegistryHealth,
    pub session_store: StoreHealth,
    pub debug_bundles: BundlesInfo,
    pub downstream: DownstreamServices,
    /// True when the test clock (`x-test-now-ms`) is enabled.
    pub test_clock: bool,
    pub admin: AdminInfo,
    /// Span export, when configured (native server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traces: Option<TracesHealth>,
    /// The run store's writes (native server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_store: Option<RunStoreHealth>,
}

/// What a platform knows about itself for `/health`.
#[derive(Debug)]
pub struct HealthParts {
    pub platform: Option<String>,
    pub uptime_s: Option<u64>,
    pub dataset_registry: RegistryHealth,
    pub session_store: StoreHealth,
    pub debug_bundles: BundlesInfo,
    pub downstream: DownstreamServices,
    pub test_clock: bool,
    pub admin_enabled: bool,
    pub traces: Option<TracesHealth>,
    pub run_store: Option<RunStoreHealth>,
}

impl HealthReport {
    pub fn new(p: HealthParts) -> HealthReport {
        let status = HealthStatus::worst(&[
            p.dataset_registry.status,
            p.session_store.status,
            p.downstream.putt_solver.status,
            p.downstream.tee_to_green.status,
            p.run_store.as_ref().map_or(HealthStatus::Healthy, |r| r.status),
            if p.debug_bundles.last_error.is_some() { HealthStatus::Degraded } else { HealthStatus::Healthy },
        ]);
        HealthReport {
            status,
            service: "greenside".into(),
            platform: p.platform,
            version: env!("CARGO_PKG_VERSION").into(),
            contract_version: crate::API_CONTRACT_VERSION.into(),
            manifest_contract_version: crate::MANIFEST_CONTRACT_VERSION.into(),
            uptime_s: p.uptime_s,
            dataset_registry: p.dataset_registry,
            session_store: p.session_store,
            debug_bundles: p.debug_bundles,
            downstream: p.downstream,
            test_clock: p.test_clock,
            admin: AdminInfo { enabled: p.admin_enabled },
            traces: p.traces,
            run_store: p.run_store,
        }
    }

    /// Hides where the files are (absolute paths of the server's disk) from a
    /// caller without the admin token: the registry's path and root, the
    /// bundle directory, and the root inside load errors.
    pub fn hide_paths(&mut self) {
        const HIDDEN: &str = "[hidden: send x-admin-token]";
        let r = &mut self.dataset_registry;
        let root = core::mem::replace(&mut r.root, HIDDEN.into());
        r.path = HIDDEN.into();
        let strip = |s: &mut String| {
            if !root.is_empty() && s.contains(root.as_str()) {
                *s = s.replace(root.as_str(), "${COURSE_DATA_ROOT}");
            }
        };
        if let Some(e) = r.error.as_mut() {
            strip(&mut e.path);
            strip(&mut e.message);
        }
        for e in &mut r.course_errors {
            strip(&mut e.message);
        }
        let dir = core::mem::replace(&mut self.debug_bundles.dir, HIDDEN.into());
        if let Some(e) = self.debug_bundles.last_error.as_mut() {
            if !dir.is_empty() && e.contains(dir.as_str()) {
                *e = e.replace(dir.as_str(), "${DEBUG_BUNDLE_DIR}");
            }
        }
    }

    /// The HTTP status: 503 when unhealthy, else 200.
    pub fn http_status(&self) -> u16 {
        if self.status == HealthStatus::Unhealthy { 503 } else { 200 }
    }

    /// The body as JSON (keys sorted, as every answer).
    pub fn body(&self) -> Value {
        crate::json::to_value(self)
    }

    /// The IETF health-check draft's shape (`application/health+json`).
    pub fn draft_body(&self) -> HealthDraft {
        let check = |name: &str, status: HealthStatus, ms: f64, error: Option<String>| {
            alloc::vec![HealthDraftCheck {
                component_id: name.into(),
                component_type: "datastore".into(),
                status: status.draft().into(),
                observed_value: ms,
                observed_unit: "ms".into(),
                output: error,
            }]
        };
        let reg = &self.dataset_registry;
        let store = &self.session_store;
        let reg_error = reg.error.as_ref().and_then(|e| serde_json::to_string(e).ok());
        let store_error = store.error.as_ref().and_then(|e| serde_json::to_string(e).ok());
        let mut checks = BTreeMap::new();
        checks.insert(
            "dataset_registry:responseTime".into(),
            check("dataset_registry", reg.status, reg.response_time_ms, reg_error),
        );
        checks.insert(
            "session_store:responseTime".into(),
            check("session_store", store.status, store.response_time_ms, store_error),
        );
        HealthDraft {
            status: self.status.draft().into(),
            version: self.version.clone(),
            service_id: "greenside".into(),
            description: "greenside hole-session service".into(),
            checks,
        }
    }
}

/// `GET /health` with `Accept: application/health+json`
/// (draft-inadarei-api-health-check).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthDraft {
    /// `pass`, `warn` or `fail`.
    pub status: String,
    pub version: String,
    pub service_id: String,
    pub description: String,
    pub checks: BTreeMap<String, Vec<HealthDraftCheck>>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthDraftCheck {
    pub component_id: String,
    pub component_type: String,
    pub status: String,
    pub observed_value: f64,
    pub observed_unit: String,
    pub output: Option<String>,
}

/// `GET /live`, `GET /startup`: `{"status": "alive" | "started"}`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeAnswer {
    pub status: String,
}

/// What `/ready` saw, on either platform: its required checks.
#[derive(Debug, Clone)]
pub struct Readiness<'a> {
    /// The dataset registry: loaded, or why not.
    pub registry: Result<(), &'a str>,
    /// A round trip to the session store: made, or its error.
    pub store: Result<(), String>,
    /// The session store serving.
    pub backend: &'a str,
    /// The backend asked for, where another can serve instead (the native
    /// server falls back to memory when the requested Redis was not there
    /// at start): not ready then, since taking traffic would split
    /// sessions between instances.
    pub requested: Option<&'a str>,
}

impl Readiness<'_> {
    /// The answer: 200 `ready` when every check passes, else 503 with the
    /// checks and the failing code (the session store's before the course
    /// data's).
    pub fn answer(&self) -> (u16, Value) {
        let mut checks = serde_json::Map::new();
        let check = |ok: bool, rest: &[(&str, Value)]| {
            let mut c = serde_json::Map::new();
            c.insert("ok".into(), Value::Bool(ok));
            for (k, v) in rest {
                c.insert((*k).into(), v.clone());
            }
            Value::Object(c)
        };
        let text = |s: Option<&str>| s.map_or(Value::Null, |s| Value::String(s.into()));
        checks.insert("dataset_registry".into(), check(self.registry.is_ok(), &[("error", text(self.registry.err()))]));
        checks.insert(
            "session_store".into(),
            check(
                self.store.is_ok(),
                &[
                    ("backend", Value::String(self.backend.into())),
                    ("error", text(self.store.as_ref().err().map(String::as_str))),
                ],
            ),
        );
        let as_requested = self.requested.is_none_or(|r| r == self.backend);
        if let Some(requested) = self.requested {
            checks.insert(
                "session_store_backend".into(),
                check(
                    as_requested,
                    &[("requested", Value::String(requested.into())), ("backend", Value::String(self.backend.into()))],
                ),
            );
        }
        let failing = if self.store.is_err() || !as_requested {
            Some(ErrorCode::SessionStoreUnavailable)
        } else if self.registry.is_err() {
            Some(ErrorCode::CourseDataUnavailable)
        } else {
            None
        };
        ReadyAnswer::of(Value::Object(checks), failing)
    }
}

/// `GET /startup`: `started` once the dataset registry has loaded, else
/// `course_data_unavailable`.
pub fn startup(registry_loaded: bool) -> Result<ProbeAnswer, ApiError> {
    if registry_loaded {
        Ok(ProbeAnswer { status: "started".into() })
    } else {
        Err(ApiError::new(ErrorCode::CourseDataUnavailable, "the dataset registry has not loaded; see /health"))
    }
}

/// `GET /ready`: `ready` (200) or `not_ready` (503, with the error).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadyAnswer {
    /// `ready` or `not_ready`.
    pub status: String,
    /// Each required check: `ok` and what it saw.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub checks: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
}

impl ReadyAnswer {
    /// The answer for `checks`, ready when `failing` is `None`: its status and body.
    pub fn of(checks: Value, failing: Option<ErrorCode>) -> (u16, Value) {
        match failing {
            None => (200, crate::json::to_value(&ReadyAnswer { status: "ready".into(), checks, error: None })),
            Some(code) => {
                let err = ApiError::new(code, "not ready: a required check fails").with("checks", checks.clone());
                let status = err.http_status();
                (status, crate::json::to_value(&ReadyAnswer { status: "not_ready".into(), checks, error: Some(err) }))
            }
        }
    }
}
