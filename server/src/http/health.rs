//! `/health`, `/live`, `/ready`, `/startup`.
//!
//! `/health` reports every component with `status`
//! (`healthy|degraded|unhealthy|unknown`) and `response_time_ms`; a client
//! that asks for `application/health+json` gets the IETF draft's shape
//! (`pass|warn|fail`). Secrets never appear: downstream services show
//! whether a key is configured, never the key.

use super::wire::{AppStateRef, error_response, ok};
use crate::AppState;
use crate::store::SessionStore;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use greenside_core::health::{
    BundlesInfo, DownstreamHealth, DownstreamServices, HealthParts, HealthReport, HealthStatus, ProbeAnswer,
    RegistryHealth, RunStoreHealth, StoreHealth,
};
use std::time::Instant;

/// A service's configuration and what this instance has seen of it: not
/// probed by `/health` (a probe would cost the service a plan); `healthy`
/// when the last call succeeded, `degraded` while calls fail (advice then
/// answers with the flagged fallback), `unknown` before the first call.
fn downstream(d: &crate::settings::Downstream, seen: Option<crate::downstream::Seen>) -> DownstreamHealth {
    let timeout_ms = d.timeout.as_millis() as u64;
    greenside_core::health::downstream_health(d.url.as_deref(), timeout_ms, d.api_key.is_some(), seen.as_ref())
}

/// The full report.
pub async fn report(state: &AppState) -> HealthReport {
    let cat = &state.catalog;
    let registry = RegistryHealth::of(
        cat,
        cat.source,
        cat.registry_path.display().to_string(),
        cat.root.display().to_string(),
        cat.load_ms,
    );
    let t0 = Instant::now();
    let ping = state.store.ping().await;
    let ping_ms = t0.elapsed().as_secs_f64() * 1000.0;
    let counters = match &ping {
        Ok(()) => state.store.counters().await.ok(),
        Err(_) => None,
    };
    let st = &state.store_status;
    let store_status = match (&ping, st.warnings.is_empty()) {
        (Err(_), _) => HealthStatus::Unhealthy,
        (Ok(()), false) => HealthStatus::Degraded,
        (Ok(()), true) => HealthStatus::Healthy,
    };
    let store = StoreHealth {
        backend: state.store.backend().into(),
        requested: st.requested.to_string(),
        connected: ping.is_ok(),
        redis_url: st.redis_url.clone(),
        prefix: st.prefix.clone(),
        warnings: st.warnings.clone(),
        error: ping.as_ref().err().map(|e| e.to_string()),
        counters,
        status: store_status,
        response_time_ms: ping_ms,
    };
    let s = &state.settings;
    HealthReport::new(HealthParts {
        platform: None,
        uptime_s: Some(state.started.elapsed().as_secs()),
        dataset_registry: registry,
        session_store: store,
        debug_bundles: BundlesInfo {
            enabled: s.debug_bundle_enabled,
            dir: s.debug_bundle_dir.display().to_string(),
            failures: state.bundle_writes.failures(),
            last_error: state.bundle_writes.last_error(),
        },
        downstream: DownstreamServices {
            putt_solver: downstream(&s.putt_solver, state.clients.seen("putt_solver")),
            tee_to_green: downstream(&s.tee_to_green, state.clients.seen("tee_to_green")),
        },
        test_clock: state.clock.is_test(),
        admin_enabled: s.admin_token.is_some(),
        traces: state.tracing.health(),
        run_store: Some({
            let last_error = state.run_writes.last_error();
            RunStoreHealth {
                backend: state.runs.backend().into(),
                status: if last_error.is_some() { HealthStatus::Degraded } else { HealthStatus::Healthy },
                failures: state.run_writes.failures(),
                last_error,
                set_aside: 0,
            }
        }),
    })
}

pub async fn health(state: AppStateRef, headers: HeaderMap) -> Response {
    let mut report = report(&state).await;
    let token = headers.get("x-admin-token").map(|v| v.as_bytes());
    if greenside_core::guard::is_admin(&state.settings.keys(), token).is_err() {
        report.hide_paths();
    }
    let code = StatusCode::from_u16(report.http_status()).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let wants_health_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/health+json"));
    if wants_health_json {
        let text = serde_json::to_string(&report.draft_body()).unwrap_or_default();
        return (code, [(header::CONTENT_TYPE, "application/health+json")], text).into_response();
    }
    (code, axum::Json(report.body())).into_response()
}

pub async fn live() -> Response {
    ok(ProbeAnswer { status: "alive".into() })
}

/// 200 only when every required check passes; else 503 with the failing checks.
///
/// A server that fell back to memory because the requested Redis was not
/// there at start is not ready: taking traffic would split sessions between
/// instances. It still serves (a single dev instance works), and `/health`
/// explains.
pub async fn ready(state: AppStateRef) -> Response {
    let ping = state.store.ping().await;
    let readiness = greenside_core::health::Readiness {
        registry: state.catalog.registry.as_ref().map(|_| ()).map_err(|e| e.message.as_str()),
        store: ping.map_err(|e| e.to_string()),
        backend: state.store.backend(),
        requested: Some(state.store_status.requested),
    };
    let (status, body) = readiness.answer();
    (StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE), axum::Json(body)).into_response()
}

pub async fn startup(state: AppStateRef) -> Response {
    match greenside_core::health::startup(state.catalog.loaded()) {
        Ok(answer) => ok(answer),
        Err(e) => error_response(&e),
    }
}
