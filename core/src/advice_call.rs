//! `POST /api/get_hole_advice` as a sans-IO machine (the quinn-proto shape):
//! core says what to send and, given what came back, what to write and what
//! to answer. A platform keeps only the HTTP call and the writes.
//!
//! ```text
//! let (call, run) = AdviceCall::begin(req, session, run_id, trace_id, now)   platform: runs.put(run)
//! match call.route(&hole) {
//!     Err(done)  => platform: runs.put(done.run), bundle, answer done      (no ball, no cup, …)
//!     Ok(send)   => platform: runs.put(call.run()), outcome = POST send.body to the service (+ key, timeout)
//! }
//! let (run, op) = call.received(outcome, endpoint, now_after)      platform: runs.put(run), session update with op
//! let done = call.finish(session_after, &context, total_ms)        platform: bundle, answer done
//! ```
//!
//! Under the test clock time stands still except for what the call took, so
//! a run's end is `now + latency` there (`now_after` = `None`).

use crate::advice::{AdviceDecision, PlanType};
use crate::api::AdviceRequest;
use crate::bundle::{Bundle, BundleDownstream, BundleParts};
use crate::catalog::Catalog;
use crate::classify::PreparedHole;
use crate::downstream::CallOutcome;
use crate::error::ApiError;
use crate::operation::{AdviceResult, Operation};
use crate::rules::Rules;
use crate::run::RunRecord;
use crate::session::{self, SessionRecord};
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use serde_json::Value;

/// The session after the advice flow's update: a session deleted meanwhile
/// is not an error here (the answer goes without `hole_state`).
pub fn updated<T>(update: Result<T, ApiError>) -> Result<Option<T>, ApiError> {
    match update {
        Ok(after) => Ok(Some(after)),
        Err(e) if e.code == crate::ErrorCode::SessionNotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// An advice request in flight.
#[derive(Debug)]
pub struct AdviceCall {
    request: AdviceRequest,
    before: SessionRecord,
    run: RunRecord,
    now_ms: u64,
    decision: Option<AdviceDecision>,
    call: Option<(BundleDownstream, CallOutcome)>,
}

/// What to send: POST `body` to `{the service's base URL}{path}` with
/// `content-type: application/json` and the service's key as `X-API-Key`.
#[derive(Debug, Clone, PartialEq)]
pub struct Send {
    pub plan: PlanType,
    /// `putt_solver` or `tee_to_green`: which of the platform's endpoints.
    pub service: &'static str,
    pub path: &'static str,
    pub body: Vec<u8>,
}

/// A service as the platform has it configured (the key stays with the platform).
#[derive(Debug, Clone, Copy)]
pub struct Endpoint<'a> {
    pub url: Option<&'a str>,
    pub key_set: bool,
    /// The `traceparent` header sent with the call (kept in the bundle).
    pub traceparent: Option<&'a str>,
}

/// What the platform knows that the answer and the bundle need.
#[derive(Debug)]
pub struct Context<'a> {
    pub catalog: &'a Catalog,
    pub rules: &'a Rules,
    /// Whether a debug bundle is wanted.
    pub bundles: bool,
}

/// How the call ended: the answer, the run as it ends, and the bundle to write.
#[derive(Debug)]
pub struct Done {
    /// `Ok((status, body))`, or the error answered when no call was made.
    pub answer: Result<(u16, Value), ApiError>,
    pub run: RunRecord,
    pub bundle: Option<Bundle>,
    /// The service asked, its latency and the failure's code, for metrics and logs.
    pub service: Option<&'static str>,
    pub latency_ms: Option<u64>,
    pub error: Option<crate::ErrorCode>,
}

impl AdviceCall {
    /// Starts the flow on a live session: the run is created queued, in
    /// the request's trace (`trace_id`, 32 hex digits, when the platform traces).
    pub fn begin(
        request: AdviceRequest,
        before: SessionRecord,
        run_id: String,
        trace_id: Option<String>,
        now_ms: u64,
    ) -> (AdviceCall, RunRecord) {
        let mut run =
            RunRecord::new(run_id, before.session_id.clone(), before.course_id.clone(), before.hole_id, now_ms);
        run.trace_id = trace_id;
        (AdviceCall { request, before, run: run.clone(), now_ms, decision: None, call: None }, run)
    }

    /// The run as it stands.
    pub fn run(&self) -> &RunRecord {
        &self.run
    }

    /// The session as the decision read it.
    pub fn session(&self) -> &SessionRecord {
        &self.before
    }

    /// Routes: the request to send (the run is now processing), or, when the
    /// session cannot be advised (no ball, no cup), the failed run and the error.
    pub fn route(&mut self, hole: &PreparedHole, ctx: &Context<'_>) -> Result<Send, Box<Done>> {
        let fail = |me: &mut AdviceCall, e: ApiError| {
            let _ = me.run.fail(e.code, e.message.clone(), None, false, me.now_ms);
            let bundle = me.bundle(hole, ctx, None, 0);
            let error = Some(e.code);
            let answer = Err(e.with("run_id", me.run.run_id.as_str()));
            Box::new(Done { answer, run: me.run.clone(), bundle, service: None, latency_ms: None, error })
        };
        let decision = match crate::advice::request(&self.before, hole, &self.run.run_id, self.now_ms) {
            Ok(d) => d,
            Err(e) => return Err(fail(self, e)),
        };
        if let Err(e) = self.run.start(decision.plan_type, decision.reason.clone(), self.now_ms) {
            return Err(fail(self, e.into()));
        }
        // The request holds strings, numbers and a frame description: it always serializes.
        let body = serde_json::to_vec(&decision.request).unwrap_or_default();
        let plan = decision.plan_type;
        self.decision = Some(decision);
        Ok(Send { plan, service: crate::downstream::service_name(plan), path: plan.path(), body })
    }

    /// What came back from the service (core's failure table applied by the
    /// platform's client): the run as it ends, and the session update.
    /// `now_after` is the time after the call, `None` under the test clock.
    pub fn received(
        &mut self,
        outcome: CallOutcome,
        endpoint: Endpoint<'_>,
        now_after: Option<u64>,
    ) -> Result<(RunRecord, Operation), ApiError> {
        let decision = self
            .decision
            .as_ref()
            .ok_or_else(|| ApiError::new(crate::ErrorCode::InternalError, "advice received before it was routed"))?;
        let latency = match &outcome {
            Ok(a) => Some(a.latency_ms),
            Err(f) => f.latency_ms,
        };
        let finished = now_after.unwrap_or(self.now_ms + latency.unwrap_or(0));
        match &outcome {
            Ok(a) => self.run.succeed(Some(a.latency_ms), false, finished),
            Err(f) => self.run.fail(f.error.code, f.error.message.clone(), f.latency_ms, true, finished),
        }?;
        let downstream = BundleDownstream::of(decision, endpoint.url, endpoint.key_set, endpoint.traceparent, &outcome);
        self.call = Some((downstream, outcome));
        let op = Operation::AdviceResult(AdviceResult {
            session_id: self.before.session_id.clone(),
            run_id: self.run.run_id.clone(),
            plan_type: decision.plan_type,
            run_status: self.run.status,
        });
        Ok((self.run.clone(), op))
    }

    /// The answer, once the session has been updated (`after` is `None`
    /// when the session was deleted meanwhile: not an error here).
    pub fn finish(
        self,
        after: Option<&SessionRecord>,
        hole: &PreparedHole,
        ctx: &Context<'_>,
        total_ms: u64,
    ) -> Result<Done, ApiError> {
        let (Some(decision), Some((_, outcome))) = (&self.decision, &self.call) else {
            return Err(ApiError::new(crate::ErrorCode::InternalError, "advice finished before a call"));
        };
        let mut plot = None;
        if self.request.want_plot {
            let rec = &self.before;
            if let Some(raw) = ctx.catalog.course(&rec.course_id).ok().and_then(|c| c.course.hole(rec.hole_id)) {
                let (b, c) = (decision.request.ball_wgs84, decision.request.cup_wgs84);
                plot = Some(crate::plot::hole_svg(raw, hole.frame(), Some(c), Some(b), Some((b, c))));
            }
        }
        let hole_state = after.map(session::hole_state);
        let answer = crate::advice::advice_body(decision, &self.run, hole_state.as_ref(), plot, outcome);
        let (latency_ms, error) = match outcome {
            Ok(a) => (Some(a.latency_ms), None),
            Err(f) => (f.latency_ms, Some(f.error.code)),
        };
        let bundle = self.bundle(hole, ctx, after, total_ms);
        let service = Some(crate::downstream::service_name(decision.plan_type));
        Ok(Done { answer: Ok(answer), run: self.run, bundle, service, latency_ms, error })
    }

    fn bundle(
        &self,
        hole: &PreparedHole,
        ctx: &Context<'_>,
        after: Option<&SessionRecord>,
        total_ms: u64,
    ) -> Option<Bundle> {
        if !ctx.bundles {
            return None;
        }
        let rec = &self.before;
        let dataset_version =
            ctx.catalog.registry.as_ref().ok().and_then(|r| r.get(&rec.course_id)).map(|d| d.version.clone());
        Some(Bundle::new(BundleParts {
            run: &self.run,
            request: &self.request,
            now_ms: self.now_ms,
            rules: ctx.rules,
            session_before: rec,
            session_after: after,
            hole,
            dataset_version,
            decision: self.decision.as_ref(),
            downstream: self.call.as_ref().map(|(d, _)| d.clone()),
            total_ms,
        }))
    }
}
