//! `POST /api/get_hole_advice`: core's advice machine (`advice_call`) says
//! what to send and what to write; this handler makes the call and the writes.

use super::session::{apply, load_live};
use super::wire::{ApiJson, AppStateRef, HttpResult, Now, ok_status};
use crate::runs::put_noted;
use greenside_core::api::{AdviceRequest, AdviceTarget};
use greenside_core::{advice_call::*, run::run_id_from_random};

type Answer = HttpResult<axum::response::Response>;

pub async fn get_hole_advice(state: AppStateRef, Now(now): Now, ApiJson(target): ApiJson<AdviceTarget>) -> Answer {
    let (t0, s) = (std::time::Instant::now(), &state.settings);
    // A round's current hole is advised as a hole session core makes from it (not kept).
    let (rec, req, round) = match target {
        AdviceTarget::Session(req) => (load_live(&state, &req.session_id, now).await?, req, false),
        AdviceTarget::Round(r) => {
            let round = super::rounds::load(&state, &r.round_id).await?;
            let hole = state.catalog.hole(&round.course_id, round.current_hole_id)?;
            let rec = greenside_core::round::advice_session(&round, &hole, &s.rules, now)?;
            (rec.clone(), AdviceRequest { session_id: rec.session_id, want_plot: r.want_plot }, true)
        }
    };
    let hole = state.catalog.hole(&rec.course_id, rec.hole_id)?;
    let ctx = Context { catalog: &state.catalog, rules: &s.rules, bundles: s.debug_bundle_enabled };
    let trace_id = crate::logging::with_trace(|t| t.trace_id.clone());
    let (mut call, run) = AdviceCall::begin(req, rec, run_id_from_random(crate::random_bytes()), trace_id, now);
    put_noted(&state.runs, &state.run_writes, &run).await?;
    let done = match call.route(&hole, &ctx) {
        Err(done) => *done,
        Ok(send) => {
            put_noted(&state.runs, &state.run_writes, call.run()).await?;
            let cfg = s.downstream(send.plan);
            let (outcome, traceparent) = state.clients.call(cfg, &send).await;
            let endpoint = Endpoint {
                url: cfg.url.as_deref(),
                key_set: cfg.api_key.is_some(),
                traceparent: traceparent.as_deref(),
            };
            let after_call = (!state.clock.is_test()).then(crate::clock::system_now_ms);
            let (run, op) = call.received(outcome, endpoint, after_call)?;
            put_noted(&state.runs, &state.run_writes, &run).await?;
            let after = if round { None } else { updated(apply(&state, now, &op).await.map(|(after, _)| after))? };
            call.finish(after.as_ref(), &hole, &ctx, t0.elapsed().as_millis() as u64)?
        }
    };
    put_noted(&state.runs, &state.run_writes, &done.run).await?;
    crate::bundle::write_logged(&s.debug_bundle_dir, done.bundle.as_ref(), &state.bundle_writes).await;
    crate::downstream::observed(&state.metrics, &done);
    let (status, body) = done.answer?;
    Ok(ok_status(status, body))
}
