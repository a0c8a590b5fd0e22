//! `POST /api/get_hole_advice` on the edge: core's advice machine
//! (`advice_call`) says what to send and what to write; this makes the
//! `fetch` (`downstream.rs`) and the writes (the run log, the session's
//! object, R2).

use crate::runtime::system_now_ms;
use crate::session_object::{self, SessionAsk};
use crate::settings::Settings;
use greenside_core::advice_call::{AdviceCall, Context, Endpoint, updated};
use greenside_core::api::{AdviceRequest, AdviceTarget};
use greenside_core::{ApiError, run::run_id_from_random, session::SessionRecord};
use serde_json::Value;
use worker::Env;

pub async fn get_hole_advice(
    env: &Env,
    s: &Settings,
    target: AdviceTarget,
    now: u64,
    counts: &std::cell::RefCell<crate::metrics::Delta>,
    trace: &greenside_core::trace::TraceIds,
) -> Result<(u16, Value), ApiError> {
    let t0 = system_now_ms();
    let cat = crate::catalog::get(env).await;
    // A round's current hole is advised as a hole session core makes from it (not kept).
    let (rec, req, round) = match target {
        AdviceTarget::Session(req) => {
            let rec: SessionRecord = session_object::call(env, &req.session_id, now, SessionAsk::Record).await?;
            (rec, req, false)
        }
        AdviceTarget::Round(r) => {
            let text = crate::rounds::send(env, &r.round_id, now, crate::rounds::RoundAsk::Record).await?;
            let round: greenside_core::round::RoundRecord = serde_json::from_slice(&text)
                .map_err(|e| ApiError::new(greenside_core::ErrorCode::RoundStoreUnavailable, e.to_string()))?;
            let hole = cat.catalog.hole(&round.course_id, round.current_hole_id)?;
            let rec = greenside_core::round::advice_session(&round, &hole, &s.rules, now)?;
            let req = AdviceRequest { session_id: rec.session_id.clone(), want_plot: r.want_plot };
            (rec, req, true)
        }
    };
    let hole = cat.catalog.hole(&rec.course_id, rec.hole_id)?;
    let ctx = Context { catalog: &cat.catalog, rules: &s.rules, bundles: s.debug_bundle_enabled };
    let run_id = run_id_from_random(crate::runtime::random_bytes());
    let (mut call, run) = AdviceCall::begin(req, rec, run_id, Some(trace.trace_id_hex()), now);
    crate::runs::put(env, &run).await?;
    let done = match call.route(&hole, &ctx) {
        Err(done) => *done,
        Ok(send) => {
            crate::runs::put(env, call.run()).await?;
            let cfg = s.downstream(send.plan);
            let (outcome, traceparent) = crate::downstream::call(cfg, &send, trace).await;
            let endpoint = Endpoint {
                url: cfg.url.as_deref(),
                key_set: cfg.api_key.is_some(),
                traceparent: traceparent.as_deref(),
            };
            let (run, op) = call.received(outcome, endpoint, (!s.test_clock).then(system_now_ms))?;
            crate::runs::put(env, &run).await?;
            let after = if round {
                None
            } else {
                updated(session_object::call(env, &run.session_id, now, SessionAsk::ApplyForRecord { op }).await)?
            };
            call.finish(after.as_ref(), &hole, &ctx, system_now_ms().saturating_sub(t0))?
        }
    };
    crate::runs::put(env, &done.run).await?;
    crate::runs::write_bundle(env, done.bundle.as_ref()).await;
    crate::downstream::observed(&done);
    if let Some(service) = done.service {
        counts.borrow_mut().advice(service, done.error);
    }
    done.answer
}
