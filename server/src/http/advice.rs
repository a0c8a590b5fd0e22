//! `POST /api/get_hole_advice`: core routes (PUTT or TEE_TO_GREEN) and builds
//! the downstream request; this handler creates the run, calls the service,
//! records the outcome, and answers with the plan, or with the error and a
//! clearly flagged built-in fallback plan.

use super::session::{load_live, update};
use super::{ApiJson, AppStateRef, HttpResult, Now, ok};
use crate::clock::system_now_ms;
use crate::random_bytes;
use axum::response::Response;
use greenside_core::advice::PlanType;
use greenside_core::api::AdviceRequest;
use greenside_core::error::ErrorCode;
use greenside_core::run::{RunRecord, run_id_from_random};
use greenside_core::service::{self, service_name};
use greenside_core::session;

struct BundleCtx<'a> {
    state: &'a crate::AppState,
    req: &'a AdviceRequest,
    rec: &'a session::SessionRecord,
    hole: &'a greenside_core::classify::PreparedHole,
    now: u64,
    t_start: std::time::Instant,
}

type Outcome = service::CallOutcome;

/// Writes the run's debug bundle when enabled. A write failure is logged;
/// the advice answer does not depend on it.
async fn write_bundle(
    ctx: &BundleCtx<'_>,
    run: &RunRecord,
    decision: Option<&greenside_core::advice::AdviceDecision>,
    call: Option<(&crate::settings::Downstream, &Outcome)>,
    after: Option<&session::SessionRecord>,
) {
    let s = &ctx.state.settings;
    if !s.debug_bundle_enabled {
        return;
    }
    let downstream = match (decision, call) {
        (Some(d), Some((cfg, outcome))) => {
            Some(service::BundleDownstream::of(d, cfg.url.as_deref(), cfg.api_key.is_some(), outcome))
        }
        _ => None,
    };
    let version =
        ctx.state.catalog.registry.as_ref().ok().and_then(|r| r.get(&ctx.rec.course_id)).map(|d| d.version.clone());
    let bundle = service::Bundle::new(service::BundleParts {
        run,
        request: ctx.req,
        now_ms: ctx.now,
        rules: &s.rules,
        session_before: ctx.rec,
        session_after: after,
        hole: ctx.hole,
        dataset_version: version,
        decision,
        downstream,
        total_ms: ctx.t_start.elapsed().as_millis() as u64,
    });
    match crate::bundle::write(&s.debug_bundle_dir, &bundle).await {
        Ok(path) => tracing::debug!(run_id = %run.run_id, path = %path.display(), "debug bundle written"),
        Err(e) => tracing::warn!(run_id = %run.run_id, error = %e, "debug bundle not written"),
    }
}

pub async fn get_hole_advice(
    state: AppStateRef,
    Now(now): Now,
    ApiJson(req): ApiJson<AdviceRequest>,
) -> HttpResult<Response> {
    let t_start = std::time::Instant::now();
    let rec = load_live(&state, &req.session_id, now).await?;
    let hole = state.catalog.hole(&rec.course_id, rec.hole_id)?;
    let mut run = RunRecord::new(
        run_id_from_random(random_bytes()),
        rec.session_id.clone(),
        rec.course_id.clone(),
        rec.hole_id,
        now,
    );
    state.runs.put(&run).await?;

    let decision = match session::request_advice(&rec, &hole, &run.run_id, now) {
        Ok(d) => d,
        Err(e) => {
            run.fail(e.code, e.message.clone(), None, false, now).map_err(greenside_core::ApiError::from)?;
            state.runs.put(&run).await?;
            let ctx = BundleCtx { state: &state, req: &req, rec: &rec, hole: &hole, now, t_start };
            write_bundle(&ctx, &run, None, None, None).await;
            return Err(e.with("run_id", run.run_id.as_str()).into());
        }
    };
    run.start(decision.plan_type, decision.reason.clone(), now).map_err(greenside_core::ApiError::from)?;
    state.runs.put(&run).await?;

    let cfg = match decision.plan_type {
        PlanType::Putt => &state.settings.putt_solver,
        PlanType::TeeToGreen => &state.settings.tee_to_green,
    };
    let outcome = state.clients.call(cfg, &decision.request).await;
    let latency = match &outcome {
        Ok(a) => Some(a.latency_ms),
        Err(f) => f.latency_ms,
    };
    // Under the test clock time stands still except for what the call took.
    let finished = if state.clock.is_test() { now + latency.unwrap_or(0) } else { system_now_ms() };
    let status = match &outcome {
        Ok(a) => run.succeed(Some(a.latency_ms), false, finished),
        Err(f) => run.fail(f.error.code, f.error.message.clone(), f.latency_ms, true, finished),
    };
    status.map_err(greenside_core::ApiError::from)?;
    state.runs.put(&run).await?;
    let service = service_name(decision.plan_type);
    let labels = crate::metrics::ServiceLabels { service: service.to_string() };
    if let Some(ms) = latency {
        state.metrics.downstream_seconds.get_or_create(&labels).observe(ms as f64 / 1000.0);
    }
    if let Err(f) = &outcome {
        let code = f.error.code.as_str().to_string();
        state
            .metrics
            .downstream_errors
            .get_or_create(&crate::metrics::ServiceCodeLabels { service: service.to_string(), code })
            .inc();
    }
    match &outcome {
        Ok(a) => {
            tracing::info!(run_id = %run.run_id, session_id = %rec.session_id, service, latency_ms = a.latency_ms, "advice")
        }
        Err(f) => {
            tracing::warn!(run_id = %run.run_id, session_id = %rec.session_id, service, code = %f.error.code, "advice failed; fallback used")
        }
    }

    // Remember the outcome on the session (a session deleted meanwhile is not an error here).
    let rules = &state.settings.rules;
    let (plan, run_status, run_id) = (decision.plan_type, run.status, run.run_id.clone());
    let after = match update(&state, &rec.session_id, now, |r, _| {
        session::apply_advice_result(r, &run_id, plan, run_status, rules, now).map(|()| ((), true))
    })
    .await
    {
        Ok((r, ())) => Some(r),
        Err(e) if e.code == ErrorCode::SessionNotFound => None,
        Err(e) => return Err(e.into()),
    };
    let hole_state = after.as_ref().map(session::hole_state);
    let ctx = BundleCtx { state: &state, req: &req, rec: &rec, hole: &hole, now, t_start };
    write_bundle(&ctx, &run, Some(&decision), Some((cfg, &outcome)), after.as_ref()).await;

    let mut plot = None;
    if req.want_plot {
        let raw = state.catalog.course(&rec.course_id).ok().and_then(|c| c.course.hole(rec.hole_id).cloned());
        if let Some(raw) = raw {
            let (b, c) = (decision.request.ball_wgs84, decision.request.cup_wgs84);
            plot = Some(greenside_core::plot::hole_svg(&raw, hole.frame(), Some(c), Some(b), Some((b, c))));
        }
    }
    let (status, body) = service::advice_body(&decision, &run, hole_state.as_ref(), plot, &outcome);
    let mut resp = ok(body);
    *resp.status_mut() = axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::BAD_GATEWAY);
    Ok(resp)
}
