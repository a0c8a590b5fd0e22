//! `POST /api/get_hole_advice`: core's advice machine (`advice_call`) says
//! what to send and what to write; this handler makes the call and the writes.

use super::session::{apply, load_live};
use super::{ApiJson, AppStateRef, HttpResult, Now, ok};
use greenside_core::advice_call::{AdviceCall, Context, Done, Endpoint};
use greenside_core::{ErrorCode, api::AdviceRequest, run::run_id_from_random};

pub async fn get_hole_advice(
    state: AppStateRef,
    Now(now): Now,
    ApiJson(req): ApiJson<AdviceRequest>,
) -> HttpResult<axum::response::Response> {
    let t0 = std::time::Instant::now();
    let rec = load_live(&state, &req.session_id, now).await?;
    let hole = state.catalog.hole(&rec.course_id, rec.hole_id)?;
    let s = &state.settings;
    let ctx = Context { catalog: &state.catalog, rules: &s.rules, bundles: s.debug_bundle_enabled };
    let (mut call, run) = AdviceCall::begin(req, rec, run_id_from_random(crate::random_bytes()), now);
    state.runs.put(&run).await?;
    let done = match call.route(&hole, &ctx) {
        Err(done) => *done,
        Ok(send) => {
            state.runs.put(call.run()).await?;
            let cfg = s.downstream(send.plan);
            let outcome = state.clients.call(cfg, &send).await;
            let after_call = (!state.clock.is_test()).then(crate::clock::system_now_ms);
            let endpoint = Endpoint { url: cfg.url.as_deref(), key_set: cfg.api_key.is_some() };
            let (run, op) = call.received(outcome, endpoint, after_call)?;
            state.runs.put(&run).await?;
            let after = match apply(&state, now, &op).await {
                Ok((after, _)) => Some(after),
                Err(e) if e.code == ErrorCode::SessionNotFound => None,
                Err(e) => return Err(e.into()),
            };
            call.finish(after.as_ref(), &hole, &ctx, t0.elapsed().as_millis() as u64)?
        }
    };
    finish(&state, done).await
}

/// Writes what the call ended as (run, bundle, metrics, log) and answers.
async fn finish(state: &crate::AppState, done: Done) -> HttpResult<axum::response::Response> {
    state.runs.put(&done.run).await?;
    if let Some(b) = &done.bundle {
        match crate::bundle::write(&state.settings.debug_bundle_dir, b).await {
            Ok(path) => tracing::debug!(run_id = %b.run.run_id, path = %path.display(), "debug bundle written"),
            Err(e) => tracing::warn!(run_id = %b.run.run_id, error = %e, "debug bundle not written"),
        }
    }
    let run = &done.run;
    if let Some(service) = done.service {
        state.metrics.downstream(service, done.latency_ms, done.error);
        match done.error {
            None => {
                tracing::info!(run_id = %run.run_id, session_id = %run.session_id, service, latency_ms = done.latency_ms, "advice")
            }
            Some(code) => {
                tracing::warn!(run_id = %run.run_id, session_id = %run.session_id, service, %code, "advice failed; fallback used")
            }
        }
    }
    let (status, body) = done.answer?;
    let mut resp = ok(body);
    *resp.status_mut() = axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::BAD_GATEWAY);
    Ok(resp)
}
