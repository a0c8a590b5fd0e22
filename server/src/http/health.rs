//! `/health`, `/live`, `/ready`, `/startup`.
//!
//! `/health` reports every component with `status`
//! (`healthy|degraded|unhealthy|unknown`) and `response_time_ms`; a client
//! that asks for `application/health+json` gets the IETF draft's shape
//! (`pass|warn|fail`). Secrets never appear: downstream services show
//! whether a key is configured, never the key.

use super::{AppStateRef, error_response, ok};
use crate::AppState;
use crate::store::SessionStore;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use greenside_core::error::{ApiError, ErrorCode};
use serde_json::{Value, json};
use std::time::Instant;

fn worst(statuses: &[&str]) -> &'static str {
    if statuses.contains(&"unhealthy") {
        "unhealthy"
    } else if statuses.contains(&"degraded") {
        "degraded"
    } else {
        "healthy"
    }
}

/// A service's configuration and what this instance has seen of it: not
/// probed by `/health` (a probe would cost the service a plan); `healthy`
/// when the last call succeeded, `degraded` while calls fail (advice then
/// answers with the flagged fallback), `unknown` before the first call.
fn downstream(d: &crate::settings::Downstream, seen: Option<crate::downstream::Seen>) -> Value {
    let timeout_ms = d.timeout.as_millis() as u64;
    greenside_core::service::downstream_health(d.url.as_deref(), timeout_ms, d.api_key.is_some(), seen.as_ref())
}

/// The full report and its overall status.
pub async fn report(state: &AppState) -> (Value, &'static str) {
    let cat = &state.catalog;
    let (courses, holes, failed) = cat.counts();
    let registry_status = if !cat.loaded() {
        "unhealthy"
    } else if failed > 0 {
        "degraded"
    } else {
        "healthy"
    };
    let course_errors = cat.course_errors();
    let registry = json!({
        "loaded": cat.loaded(),
        "source": cat.source,
        "path": cat.registry_path.display().to_string(),
        "root": cat.root.display().to_string(),
        "courses": courses,
        "holes": holes,
        "failed_courses": failed,
        "error": cat.registry.as_ref().err(),
        "course_errors": course_errors,
        "status": registry_status,
        "response_time_ms": cat.load_ms,
    });

    let t0 = Instant::now();
    let ping = state.store.ping().await;
    let ping_ms = t0.elapsed().as_secs_f64() * 1000.0;
    let counters = match &ping {
        Ok(()) => state.store.counters().await.ok(),
        Err(_) => None,
    };
    let st = &state.store_status;
    let store_status = match (&ping, st.warnings.is_empty()) {
        (Err(_), _) => "unhealthy",
        (Ok(()), false) => "degraded",
        (Ok(()), true) => "healthy",
    };
    let store = json!({
        "backend": state.store.backend(),
        "requested": st.requested,
        "connected": ping.is_ok(),
        "redis_url": st.redis_url,
        "prefix": st.prefix,
        "warnings": st.warnings,
        "error": ping.as_ref().err().map(|e| e.to_string()),
        "counters": counters,
        "status": store_status,
        "response_time_ms": ping_ms,
    });
    let s = &state.settings;
    let putt = downstream(&s.putt_solver, state.clients.seen("putt_solver"));
    let ttg = downstream(&s.tee_to_green, state.clients.seen("tee_to_green"));
    let status = worst(&[
        registry_status,
        store_status,
        putt["status"].as_str().unwrap_or("unknown"),
        ttg["status"].as_str().unwrap_or("unknown"),
    ]);
    let body = json!({
        "status": status,
        "service": "greenside",
        "version": env!("CARGO_PKG_VERSION"),
        "contract_version": greenside_core::API_CONTRACT_VERSION,
        "manifest_contract_version": greenside_core::MANIFEST_CONTRACT_VERSION,
        "uptime_s": state.started.elapsed().as_secs(),
        "dataset_registry": registry,
        "session_store": store,
        "debug_bundles": {"enabled": s.debug_bundle_enabled, "dir": s.debug_bundle_dir.display().to_string()},
        "downstream": {"putt_solver": putt, "tee_to_green": ttg},
        "test_clock": state.clock.is_test(),
        "admin": {"enabled": s.admin_token.is_some()},
    });
    (body, status)
}

fn health_json(body: &Value, status: &str) -> Value {
    let map = |s: &str| match s {
        "healthy" => "pass",
        "degraded" => "warn",
        "unhealthy" => "fail",
        _ => "warn",
    };
    let check = |name: &str, c: &Value, component: &str| {
        json!([{
            "componentId": name,
            "componentType": component,
            "status": map(c["status"].as_str().unwrap_or("unknown")),
            "observedValue": c["response_time_ms"],
            "observedUnit": "ms",
            "output": c.get("error").filter(|e| !e.is_null()).map(|e| e.to_string()),
        }])
    };
    json!({
        "status": map(status),
        "version": body["version"],
        "serviceId": "greenside",
        "description": "greenside hole-session service",
        "checks": {
            "dataset_registry:responseTime": check("dataset_registry", &body["dataset_registry"], "datastore"),
            "session_store:responseTime": check("session_store", &body["session_store"], "datastore"),
        },
    })
}

pub async fn health(state: AppStateRef, headers: HeaderMap) -> Response {
    let (body, status) = report(&state).await;
    let code = if status == "unhealthy" { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::OK };
    let wants_health_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/health+json"));
    if wants_health_json {
        let text = health_json(&body, status).to_string();
        return (code, [(header::CONTENT_TYPE, "application/health+json")], text).into_response();
    }
    (code, axum::Json(body)).into_response()
}

pub async fn live() -> Response {
    ok(json!({"status": "alive"}))
}

/// 200 only when every required check passes; else 503 with the failing checks.
///
/// A server that fell back to memory because the requested Redis was not
/// there at start is not ready: taking traffic would split sessions between
/// instances. It still serves (a single dev instance works), and `/health`
/// explains.
pub async fn ready(state: AppStateRef) -> Response {
    let ping = state.store.ping().await;
    let as_requested = state.store.backend() == state.store_status.requested;
    let checks = json!({
        "dataset_registry": {"ok": state.catalog.loaded(), "error": state.catalog.registry.as_ref().err().map(|e| &e.message)},
        "session_store": {"ok": ping.is_ok(), "backend": state.store.backend(), "error": ping.as_ref().err().map(|e| e.to_string())},
        "session_store_backend": {"ok": as_requested, "requested": state.store_status.requested, "backend": state.store.backend()},
    });
    if state.catalog.loaded() && ping.is_ok() && as_requested {
        return ok(json!({"status": "ready", "checks": checks}));
    }
    let code = if ping.is_err() || !as_requested {
        ErrorCode::SessionStoreUnavailable
    } else {
        ErrorCode::CourseDataUnavailable
    };
    let err = ApiError::new(code, "not ready: a required check fails").with("checks", checks.clone());
    let mut resp = error_response(&err);
    // Probes read `status`; keep the error shape and add the probe fields.
    let body = json!({"status": "not_ready", "checks": checks, "error": err});
    *resp.body_mut() = axum::body::Body::from(body.to_string());
    resp
}

pub async fn startup(state: AppStateRef) -> Response {
    if state.catalog.loaded() {
        ok(json!({"status": "started"}))
    } else {
        error_response(&ApiError::new(
            ErrorCode::CourseDataUnavailable,
            "the dataset registry has not loaded; see /health",
        ))
    }
}
