//! `POST /api/get_hole_advice`: core routes (PUTT or TEE_TO_GREEN) and builds
//! the downstream request; this handler creates the run, calls the service,
//! records the outcome, and answers with the plan, or with the error and a
//! clearly flagged built-in fallback plan.

use super::session::{load_live, update};
use super::{ApiJson, AppStateRef, HttpResult, error_response, now_ms, ok};
use crate::clock::system_now_ms;
use crate::downstream::service_name;
use crate::random_bytes;
use axum::http::HeaderMap;
use axum::response::Response;
use greenside_core::advice::PlanType;
use greenside_core::api::AdviceRequest;
use greenside_core::error::ErrorCode;
use greenside_core::run::{RunRecord, run_id_from_random};
use greenside_core::session;
use serde_json::{Value, json};

pub async fn get_hole_advice(
    state: AppStateRef,
    headers: HeaderMap,
    ApiJson(req): ApiJson<AdviceRequest>,
) -> HttpResult<Response> {
    let now = now_ms(&state, &headers);
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
    let hole_state = match update(&state, &rec.session_id, now, |r, _| {
        session::apply_advice_result(r, &run_id, plan, run_status, rules, now).map(|()| ((), true))
    })
    .await
    {
        Ok((r, ())) => Some(session::hole_state(&r)),
        Err(e) if e.code == ErrorCode::SessionNotFound => None,
        Err(e) => return Err(e.into()),
    };

    let mut body = json!({
        "plan_type": decision.plan_type,
        "surface_state": decision.surface_state,
        "reason": decision.reason,
        "routing": {"plan_type": decision.plan_type, "surface_state": decision.surface_state, "reason": decision.reason, "service": service},
        "request": decision.request,
        "fallback": decision.fallback,
        "run_id": run.run_id,
        "run_status": run.status,
        "hole_state": hole_state,
    });
    match outcome {
        Ok(a) => {
            body["plan"] = a.plan;
            body["fallback_used"] = Value::Bool(false);
            body["downstream"] = json!({"service": service, "status": a.status, "latency_ms": a.latency_ms});
            Ok(ok(body))
        }
        Err(f) => {
            body["plan"] = Value::Null;
            body["fallback_used"] = Value::Bool(true);
            body["downstream"] =
                json!({"service": service, "status": f.status, "latency_ms": f.latency_ms, "error_code": f.error.code});
            let err = f.error.with("run_id", run.run_id.as_str());
            let mut resp = error_response(&err);
            body["error"] = serde_json::to_value(&err).unwrap_or(Value::Null);
            *resp.body_mut() = axum::body::Body::from(body.to_string());
            Ok(resp)
        }
    }
}
