//! `POST /api/get_hole_advice` on the edge: the same steps as the native
//! handler (`server/src/http/advice.rs`) with `fetch` for the call. The run
//! is created, core routes, the service is called with `X-API-Key` and a
//! timeout (an `AbortController` fired by a timer), the outcome is recorded
//! on the run and the session, a debug bundle goes to R2, and core composes
//! the answer.

use crate::http::{Ctx, session_call};
use crate::settings::{Downstream, Settings};
use futures_util::future::{Either, select};
use greenside_core::advice::{AdviceDecision, PlanType};
use greenside_core::api::{AdviceRequest, HoleState};
use greenside_core::error::ApiError;
use greenside_core::run::{RunRecord, run_id_from_random};
use greenside_core::service::{self, CallOutcome, CallProblem, call_failure, parse_answer};
use greenside_core::session::{self, SessionRecord};
use serde_json::{Value, json};
use std::time::Duration;
use worker::{AbortController, Delay, Env, Fetch, Headers, Method, Request, RequestInit};

/// POSTs the decision's request to its service.
async fn call(cfg: &Downstream, d: &AdviceDecision) -> CallOutcome {
    let plan = d.plan_type;
    let Some(base) = cfg.url.as_deref() else {
        return Err(call_failure(plan, CallProblem::NotConfigured, None, None));
    };
    let t0 = crate::settings::system_now_ms();
    let elapsed = || Some(crate::settings::system_now_ms().saturating_sub(t0));
    let body = serde_json::to_string(&d.request).unwrap_or_default();
    let headers = Headers::new();
    let _ = headers.set("content-type", "application/json");
    let _ = headers.set("user-agent", concat!("greenside/", env!("CARGO_PKG_VERSION")));
    if let Some(key) = &cfg.api_key {
        let _ = headers.set("X-API-Key", key);
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_headers(headers).with_body(Some(body.into()));
    let url = format!("{base}{}", plan.path());
    let Ok(req) = Request::new_with_init(&url, &init) else {
        return Err(call_failure(plan, CallProblem::Connection { connect: true }, None, elapsed()));
    };
    let controller = AbortController::default();
    let signal = controller.signal();
    let fetch = Fetch::Request(req);
    let timeout_ms = cfg.timeout_ms;
    let send = Box::pin(fetch.send_with_signal(&signal));
    let timer = Delay::from(Duration::from_millis(timeout_ms));
    let mut resp = match select(send, timer).await {
        Either::Left((Ok(r), _)) => r,
        Either::Left((Err(_), _)) => {
            return Err(call_failure(plan, CallProblem::Connection { connect: true }, None, elapsed()));
        }
        Either::Right(_) => {
            controller.abort();
            let p = CallProblem::Timeout { timeout_ms, after_headers: false };
            return Err(call_failure(plan, p, None, elapsed()));
        }
    };
    let status = resp.status_code();
    if !(200..300).contains(&status) {
        return Err(call_failure(plan, CallProblem::Status, Some(status), elapsed()));
    }
    let left = timeout_ms.saturating_sub(elapsed().unwrap_or(0)).max(1);
    let read = Box::pin(resp.bytes());
    match select(read, Delay::from(Duration::from_millis(left))).await {
        Either::Left((Ok(bytes), _)) => {
            parse_answer(plan, status, &bytes, crate::settings::system_now_ms().saturating_sub(t0))
        }
        Either::Left((Err(e), _)) => {
            Err(call_failure(plan, CallProblem::Unreadable(e.to_string()), Some(status), elapsed()))
        }
        Either::Right(_) => {
            controller.abort();
            let p = CallProblem::Timeout { timeout_ms, after_headers: true };
            Err(call_failure(plan, p, Some(status), elapsed()))
        }
    }
}

/// What this isolate has seen of a service, for `/health` (core's record;
/// an isolate's memory, so per isolate).
pub type Seen = service::DownstreamSeen;

thread_local! {
    static SEEN: std::cell::RefCell<std::collections::BTreeMap<&'static str, Seen>> = std::cell::RefCell::default();
}

fn remember(service: &'static str, outcome: &CallOutcome) {
    let now = crate::settings::system_now_ms();
    SEEN.with(|m| m.borrow_mut().entry(service).or_default().record(outcome, now));
}

/// What this isolate has seen of `service`.
pub fn seen(service: &str) -> Option<Seen> {
    SEEN.with(|m| m.borrow().get(service).cloned())
}

struct BundleCtx<'a> {
    env: &'a Env,
    settings: &'a Settings,
    req: &'a AdviceRequest,
    rec: &'a SessionRecord,
    hole: &'a greenside_core::classify::PreparedHole,
    dataset_version: Option<String>,
    now: u64,
    t_start: u64,
}

async fn write_bundle(
    ctx: &BundleCtx<'_>,
    run: &RunRecord,
    decision: Option<&AdviceDecision>,
    call: Option<(&Downstream, &CallOutcome)>,
    after: Option<&SessionRecord>,
) {
    if !ctx.settings.debug_bundle_enabled {
        return;
    }
    let downstream = match (decision, call) {
        (Some(d), Some((cfg, outcome))) => {
            Some(service::BundleDownstream::of(d, cfg.url.as_deref(), cfg.api_key.is_some(), outcome))
        }
        _ => None,
    };
    let bundle = service::Bundle::new(service::BundleParts {
        run,
        request: ctx.req,
        now_ms: ctx.now,
        rules: &ctx.settings.rules,
        session_before: ctx.rec,
        session_after: after,
        hole: ctx.hole,
        dataset_version: ctx.dataset_version.clone(),
        decision,
        downstream,
        total_ms: crate::settings::system_now_ms().saturating_sub(ctx.t_start),
    });
    crate::runs::write_bundle(ctx.env, &bundle).await;
}

pub async fn get_hole_advice(ctx: &Ctx, req: AdviceRequest, now: u64) -> Result<(u16, Value), ApiError> {
    let t_start = crate::settings::system_now_ms();
    let env = &ctx.env;
    let settings = &ctx.settings;
    greenside_core::validate::session_id(&req.session_id)?;
    ctx.set_session(&req.session_id);
    let rec: SessionRecord =
        serde_json::from_value(session_call(ctx, "record", &req.session_id, now, Value::Null).await?)
            .map_err(|e| ApiError::new(greenside_core::ErrorCode::InternalError, e.to_string()))?;
    let cat = crate::catalog::get(env).await;
    let hole = cat.catalog.hole(&rec.course_id, rec.hole_id)?;
    let dataset_version =
        cat.catalog.registry.as_ref().ok().and_then(|r| r.get(&rec.course_id)).map(|d| d.version.clone());
    let mut run = RunRecord::new(
        run_id_from_random(crate::http::random_bytes()),
        rec.session_id.clone(),
        rec.course_id.clone(),
        rec.hole_id,
        now,
    );
    crate::runs::put(env, &run).await?;
    let bctx = BundleCtx { env, settings, req: &req, rec: &rec, hole: &hole, dataset_version, now, t_start };

    let decision = match session::request_advice(&rec, &hole, &run.run_id, now) {
        Ok(d) => d,
        Err(e) => {
            run.fail(e.code, e.message.clone(), None, false, now).map_err(ApiError::from)?;
            crate::runs::put(env, &run).await?;
            write_bundle(&bctx, &run, None, None, None).await;
            return Err(e.with("run_id", run.run_id.as_str()));
        }
    };
    run.start(decision.plan_type, decision.reason.clone(), now).map_err(ApiError::from)?;
    crate::runs::put(env, &run).await?;

    let cfg = match decision.plan_type {
        PlanType::Putt => &settings.putt_solver,
        PlanType::TeeToGreen => &settings.tee_to_green,
    };
    let outcome = call(cfg, &decision).await;
    if cfg.url.is_some() {
        remember(service::service_name(decision.plan_type), &outcome);
    }
    let latency = match &outcome {
        Ok(a) => Some(a.latency_ms),
        Err(f) => f.latency_ms,
    };
    // Under the test clock time stands still except for what the call took.
    let finished = if settings.test_clock { now + latency.unwrap_or(0) } else { crate::settings::system_now_ms() };
    let status = match &outcome {
        Ok(a) => run.succeed(Some(a.latency_ms), false, finished),
        Err(f) => run.fail(f.error.code, f.error.message.clone(), f.latency_ms, true, finished),
    };
    status.map_err(ApiError::from)?;
    crate::runs::put(env, &run).await?;
    let service_name = service::service_name(decision.plan_type);
    match &outcome {
        Ok(a) => crate::http::log(
            "info",
            "advice",
            &[
                ("run_id", json!(run.run_id)),
                ("session_id", json!(rec.session_id)),
                ("service", json!(service_name)),
                ("latency_ms", json!(a.latency_ms)),
            ],
        ),
        Err(f) => crate::http::log(
            "warn",
            "advice failed; fallback used",
            &[
                ("run_id", json!(run.run_id)),
                ("session_id", json!(rec.session_id)),
                ("service", json!(service_name)),
                ("code", json!(f.error.code)),
            ],
        ),
    }

    // Remember the outcome on the session (a session deleted meanwhile is not an error here).
    let args = json!({"run_id": run.run_id, "plan_type": decision.plan_type, "run_status": run.status});
    let hole_state: Option<HoleState> = match session_call(ctx, "advice_result", &rec.session_id, now, args).await {
        Ok(v) => serde_json::from_value(v["hole_state"].clone()).ok(),
        Err(e) if e.code == greenside_core::ErrorCode::SessionNotFound => None,
        Err(e) => return Err(e),
    };
    if settings.debug_bundle_enabled {
        let after = match session_call(ctx, "record", &rec.session_id, now, Value::Null).await {
            Ok(v) => serde_json::from_value::<SessionRecord>(v).ok(),
            Err(_) => None,
        };
        write_bundle(&bctx, &run, Some(&decision), Some((cfg, &outcome)), after.as_ref()).await;
    }
    let mut plot = None;
    if req.want_plot {
        if let Some(raw) = cat.catalog.course(&rec.course_id).ok().and_then(|c| c.course.hole(rec.hole_id).cloned()) {
            let (b, c) = (decision.request.ball_wgs84, decision.request.cup_wgs84);
            plot = Some(greenside_core::plot::hole_svg(&raw, hole.frame(), Some(c), Some(b), Some((b, c))));
        }
    }
    Ok(service::advice_body(&decision, &run, hole_state.as_ref(), plot, &outcome))
}
