//! `/health` and `/ready` on the edge: core's report, from the catalogue in
//! KV, a round trip to the directory object and what this isolate has seen
//! of the downstream services.

use crate::incoming::Incoming as Request;
use crate::respond::{body_as, internal};
use crate::settings::Settings;
use greenside_core::error::ApiError;
use worker::{Env, Response};

/// A service as the native `/health` shows it (core's body), from what
/// this isolate has seen.
fn downstream_health(d: &crate::settings::Downstream, service: &str) -> greenside_core::health::DownstreamHealth {
    let seen = crate::downstream::seen(service);
    greenside_core::health::downstream_health(d.url.as_deref(), d.timeout_ms, d.api_key.is_some(), seen.as_ref())
}

/// The session store's health: a round trip to every directory shard.
async fn store_health(env: &Env) -> greenside_core::health::StoreHealth {
    let t0 = crate::runtime::system_now_ms();
    let r = crate::directory::counters(env).await;
    let ms = crate::runtime::system_now_ms().saturating_sub(t0);
    let status = if r.is_ok() {
        greenside_core::health::HealthStatus::Healthy
    } else {
        greenside_core::health::HealthStatus::Unhealthy
    };
    greenside_core::health::StoreHealth {
        backend: "durable_objects".into(),
        requested: "durable_objects".into(),
        connected: r.is_ok(),
        redis_url: None,
        prefix: None,
        warnings: Vec::new(),
        error: r.as_ref().err().map(|e| e.message.clone()),
        counters: r.ok(),
        status,
        response_time_ms: ms as f64,
    }
}

pub async fn health(env: &Env, s: &Settings, req: &Request) -> Result<Response, ApiError> {
    let cat = crate::catalog::get(env).await;
    let registry = greenside_core::health::RegistryHealth::of(
        &cat.catalog,
        "kv",
        crate::catalog::REGISTRY_KEY.into(),
        format!("kv:{}", crate::catalog::BINDING),
        cat.load_ms,
    );
    let mut report = greenside_core::health::HealthReport::new(greenside_core::health::HealthParts {
        platform: Some("cloudflare-workers".into()),
        uptime_s: None,
        dataset_registry: registry,
        session_store: store_health(env).await,
        debug_bundles: greenside_core::health::BundlesInfo {
            enabled: s.debug_bundle_enabled,
            dir: format!("r2:{}", crate::runs::BUCKET),
            failures: 0,
            last_error: None,
        },
        downstream: greenside_core::health::DownstreamServices {
            putt_solver: downstream_health(&s.putt_solver, "putt_solver"),
            tee_to_green: downstream_health(&s.tee_to_green, "tee_to_green"),
        },
        test_clock: s.test_clock,
        admin_enabled: s.admin_token.is_some(),
        traces: None,
        run_store: Some(run_log_health(env).await),
    });
    // Where data lives is shown to the admin only, as on native.
    let token = crate::guards::header(req, "x-admin-token");
    if greenside_core::guard::is_admin(&s.keys(), token.as_deref().map(str::as_bytes)).is_err() {
        report.hide_paths();
    }
    let code = report.http_status();
    let accept = req.headers().get("accept").ok().flatten().unwrap_or_default();
    if accept.contains("application/health+json") {
        let text = serde_json::to_vec(&report.draft_body()).unwrap_or_default();
        return body_as(code, text, "application/health+json").map_err(internal);
    }
    crate::respond::json(code, &report.body()).map_err(internal)
}

pub async fn ready(env: &Env) -> Result<Response, ApiError> {
    let cat = crate::catalog::get(env).await;
    let store = store_health(env).await;
    let readiness = greenside_core::health::Readiness {
        registry: cat.catalog.registry.as_ref().map(|_| ()).map_err(|e| e.message.as_str()),
        store: store.error.map_or(Ok(()), Err),
        backend: "durable_objects",
        requested: None,
    };
    let (status, body) = readiness.answer();
    crate::respond::json(status, &body).map_err(internal)
}

/// The run log in `/health`: entries of earlier versions set aside as
/// unreadable (kept for someone to look at) make it `degraded`.
async fn run_log_health(env: &Env) -> greenside_core::health::RunStoreHealth {
    use greenside_core::health::{HealthStatus, RunStoreHealth};
    let (set_aside, last_error) = match crate::runs::set_aside(env).await {
        Ok(0) => (0, None),
        Ok(n) => (
            n,
            Some(format!(
                "{n} run entries of an earlier version could not be read; kept under `{}` in their run-log shard",
                crate::runs::SET_ASIDE_PREFIX
            )),
        ),
        Err(e) => (0, Some(format!("run_store_unavailable: {}", e.message))),
    };
    let status = if last_error.is_some() { HealthStatus::Degraded } else { HealthStatus::Healthy };
    RunStoreHealth { backend: "durable-object-sql".into(), status, failures: 0, last_error, set_aside }
}
