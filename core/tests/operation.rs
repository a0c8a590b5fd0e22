//! core's one entry point for session writes (`operation::apply`), the
//! outbox's `seq` rules, and the advice machine (`advice_call`): what each
//! says to save, count, send and answer.

#![allow(clippy::unwrap_used)]

use greenside_core::advice_call::{AdviceCall, Context, Endpoint};
use greenside_core::api::{self, AdviceRequest, BallFix, SetBallRequest, SetBallsRequest, SetCupRequest};
use greenside_core::catalog::{Catalog, LoadError};
use greenside_core::downstream::{CallProblem, call_failure};
use greenside_core::example::{DATASETS_JSON, RIVERSIDE_COURSE_JSON};
use greenside_core::geometry::LatLon;
use greenside_core::operation::Answer;
use greenside_core::operation::{self, Operation};
use greenside_core::outbox::Outbox;
use greenside_core::rules::Rules;
use greenside_core::run::RunStatus;
use greenside_core::session::{self, SessionRecord};
use greenside_core::{ErrorCode, advice::PlanType, classify::PreparedHole};
use std::sync::Arc;

const SID: &str = "gs_0123456789abcdef0123456789abcdef";
const ON: (f64, f64) = (40.268240, -111.659520);
const OFF: (f64, f64) = (40.2660, -111.6570);

fn catalog() -> Catalog {
    Catalog::load("", "datasets.json", |p| match p {
        "datasets.json" => Ok(DATASETS_JSON.to_string()),
        p if p.ends_with("course.json") => Ok(RIVERSIDE_COURSE_JSON.to_string()),
        p => Err(LoadError::new(p, "file_unreadable", "no such file".into())),
    })
}

fn setup() -> (Catalog, Arc<PreparedHole>, SessionRecord, Rules) {
    let cat = catalog();
    let hole = cat.hole("riverside", 1).unwrap();
    let cfg = Rules::default();
    let req = api::decode(br#"{"contract_version":"0.5.0","course_id":"riverside","hole_id":1}"#).unwrap();
    let rec = session::start(&req, SID.into(), 1, &hole, &cfg, 1_000).unwrap();
    (cat, hole, rec, cfg)
}

fn fix(p: (f64, f64), seq: Option<u64>) -> BallFix {
    BallFix { ball_wgs84: LatLon::new(p.0, p.1), accuracy_m: Some(3.0), accuracy_kind: None, seq, client_time_ms: None }
}

fn one(p: (f64, f64), seq: Option<u64>) -> Operation {
    Operation::SetBallLocation(SetBallRequest { session_id: SID.into(), fix: fix(p, seq) })
}

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

#[test]
fn a_fix_says_whether_to_save_and_what_to_count() {
    let (_, hole, mut rec, cfg) = setup();
    let a = operation::apply(&mut rec, &one(ON, Some(1)), &hole, &cfg, 2_000).unwrap();
    assert!(a.save && a.answer.applied());
    assert_eq!((a.events.fixes, a.events.to_on_green, a.events.to_off_green), (1, 1, 0));
    assert_eq!(a.events.transitions().collect::<Vec<_>>().len(), 1);

    // The same seq again: acknowledged, nothing to save, counted as a duplicate.
    let before = rec.clone();
    let a = operation::apply(&mut rec, &one(OFF, Some(1)), &hole, &cfg, 2_100).unwrap();
    assert!(!a.save && !a.answer.applied());
    assert_eq!((a.events.fixes, a.events.duplicate_fixes), (0, 1));
    assert_eq!(rec, before);

    // One fix off and then back on: a pending switch that never committed.
    operation::apply(&mut rec, &one(OFF, Some(2)), &hole, &cfg, 2_200).unwrap();
    let a = operation::apply(&mut rec, &one(ON, Some(3)), &hole, &cfg, 2_300).unwrap();
    assert_eq!(a.events.suppressed_flickers, 1);
    // The answer is the wire's, byte for byte.
    let text = String::from_utf8(a.answer.to_json()).unwrap();
    let Answer::SetBall(r) = &a.answer else { panic!("not a fix answer: {text}") };
    assert_eq!(text, serde_json::to_string(r).unwrap());
}

#[test]
fn a_batch_is_all_or_nothing_and_counts_every_fix() {
    let (_, hole, mut rec, cfg) = setup();
    let fixes = vec![fix(OFF, Some(1)), fix(ON, Some(2)), fix(ON, Some(2)), fix(ON, Some(3))];
    let op = Operation::SetBallLocations(SetBallsRequest { session_id: SID.into(), fixes });
    let a = operation::apply(&mut rec, &op, &hole, &cfg, 2_000).unwrap();
    assert!(a.save);
    assert_eq!((a.events.fixes, a.events.duplicate_fixes, a.events.to_off_green), (3, 1, 1));
    assert_eq!(rec.revision, 2, "one revision for the batch");

    let before = rec.clone();
    let bad = vec![fix(ON, Some(4)), fix((91.0, 0.0), Some(5))];
    let op = Operation::SetBallLocations(SetBallsRequest { session_id: SID.into(), fixes: bad });
    let e = operation::apply(&mut rec, &op, &hole, &cfg, 2_100).unwrap_err();
    assert_eq!(e.details.get("fix_index"), Some(&serde_json::json!(1)));
    assert_eq!(rec, before, "a refused batch changes nothing");
}

#[test]
fn a_cup_and_an_expired_session() {
    let (_, hole, mut rec, cfg) = setup();
    let op = Operation::SetCupLocation(SetCupRequest { session_id: SID.into(), cup_wgs84: LatLon::new(ON.0, ON.1) });
    assert!(operation::apply(&mut rec, &op, &hole, &cfg, 2_000).unwrap().save);
    let late = rec.expires_at_ms;
    let e = operation::apply(&mut rec, &op, &hole, &cfg, late).unwrap_err();
    assert_eq!(e.code, ErrorCode::SessionNotFound);
}

#[test]
fn the_outbox_numbers_keeps_and_confirms_fixes() {
    let (_, hole, mut rec, cfg) = setup();
    let mut out = Outbox::default();
    for _ in 0..3 {
        out.add_fix(&mut rec, fix(ON, None), &hole, &cfg, 2_000).unwrap();
    }
    let seqs: Vec<_> = out.pending().iter().map(|f| f.seq).collect();
    assert_eq!(seqs, [Some(1), Some(2), Some(3)]);
    // A repeated seq is acknowledged, not kept; the next fix goes on from the highest.
    let a = out.add_fix(&mut rec, fix(ON, Some(2)), &hole, &cfg, 2_100).unwrap();
    assert!(!a.save);
    out.add_fix(&mut rec, fix(ON, Some(10)), &hole, &cfg, 2_200).unwrap();
    out.add_fix(&mut rec, fix(ON, None), &hole, &cfg, 2_300).unwrap();
    assert_eq!(out.pending().last().unwrap().seq, Some(11));

    let body = out.next_batch(SID).unwrap();
    assert_eq!((body.fixes.len(), body.contract_version.as_str()), (5, greenside_core::API_CONTRACT_VERSION));
    assert_eq!(out.confirm(3), 3);
    assert_eq!(out.confirm(3), 0, "nothing more confirmed");
    assert_eq!(out.confirm(11), 2);
    assert!(out.next_batch(SID).is_none());

    for _ in 0..(api::MAX_BATCH_FIXES + 5) {
        out.add_fix(&mut rec, fix(ON, None), &hole, &cfg, 2_400).unwrap();
    }
    assert_eq!(out.next_batch(SID).unwrap().fixes.len(), api::MAX_BATCH_FIXES);
}

fn advised(rec: &mut SessionRecord, hole: &PreparedHole, cfg: &Rules) {
    let op = Operation::SetCupLocation(SetCupRequest {
        session_id: SID.into(),
        cup_wgs84: LatLon::new(ON.0, ON.1 + 0.00005),
    });
    operation::apply(rec, &op, hole, cfg, 1_500).unwrap();
    operation::apply(rec, &one(ON, None), hole, cfg, 1_600).unwrap();
}

#[test]
fn the_advice_machine_sends_core_s_request_and_answers_the_plan() {
    let (cat, hole, mut rec, cfg) = setup();
    advised(&mut rec, &hole, &cfg);
    let ctx = Context { catalog: &cat, rules: &cfg, bundles: true };
    let req = AdviceRequest { session_id: SID.into(), want_plot: true };
    let (mut call, run) =
        AdviceCall::begin(req, rec.clone(), "run_00000000000000000000000000000001".into(), Some(TRACE.into()), 2_000);
    assert_eq!((run.status, run.trace_id.as_deref()), (RunStatus::Queued, Some(TRACE)));
    let send = call.route(&hole, &ctx).unwrap();
    assert_eq!((send.plan, send.service, send.path), (PlanType::Putt, "putt_solver", "/solve_putt"));
    assert_eq!(call.run().status, RunStatus::Processing);
    let body: serde_json::Value = serde_json::from_slice(&send.body).unwrap();
    assert_eq!(body["session_id"], SID);

    let plan = serde_json::json!({"aim": "left lip"});
    let outcome = Ok(greenside_core::downstream::CallAnswer { plan: plan.clone(), status: 200, latency_ms: 40 });
    let traceparent = format!("00-{TRACE}-00f067aa0ba902b7-01");
    let endpoint = Endpoint { url: Some("http://solver"), key_set: true, traceparent: Some(&traceparent) };
    // The test clock: the run ends at now + the call's latency.
    let (run, op) = call.received(outcome, endpoint, None).unwrap();
    assert_eq!((run.status, run.finished_at_ms), (RunStatus::Succeeded, Some(2_040)));
    let applied = operation::apply(&mut rec, &op, &hole, &cfg, 2_000).unwrap();
    assert!(applied.save);
    assert_eq!(rec.last_advice.as_ref().unwrap().status, RunStatus::Succeeded);

    let done = call.finish(Some(&rec), &hole, &ctx, 55).unwrap();
    let (status, body) = done.answer.unwrap();
    assert_eq!((status, &body["plan"], &body["fallback_used"]), (200, &plan, &serde_json::json!(false)));
    assert!(body["plot"]["svg"].as_str().unwrap().starts_with("<svg"));
    let bundle = done.bundle.unwrap();
    assert_eq!(bundle.total_ms, 55);
    let headers = &bundle.downstream.as_ref().unwrap().request_headers;
    assert_eq!(headers["X-API-Key"], greenside_core::bundle::REDACTED);
    // The bundle names the trace twice: the run's id and the header the service got.
    assert_eq!((bundle.run.trace_id.as_deref(), headers["traceparent"].as_str()), (Some(TRACE), Some(&*traceparent)));
    assert_eq!((done.service, done.latency_ms, done.error), (Some("putt_solver"), Some(40), None));
}

#[test]
fn the_advice_machine_on_a_failed_call_and_on_a_session_it_cannot_advise() {
    let (cat, hole, mut rec, cfg) = setup();
    let ctx = Context { catalog: &cat, rules: &cfg, bundles: false };
    let req = AdviceRequest { session_id: SID.into(), want_plot: false };
    // No ball yet: no call, the run fails and the error names it.
    let (mut call, _) =
        AdviceCall::begin(req.clone(), rec.clone(), "run_00000000000000000000000000000002".into(), None, 2_000);
    let done = call.route(&hole, &ctx).unwrap_err();
    let e = done.answer.unwrap_err();
    assert_eq!(e.code, ErrorCode::BallLocationMissing);
    assert_eq!(e.details["run_id"], "run_00000000000000000000000000000002");
    assert_eq!((done.run.status, done.service), (RunStatus::Failed, None));

    advised(&mut rec, &hole, &cfg);
    let (mut call, _) = AdviceCall::begin(req, rec.clone(), "run_00000000000000000000000000000003".into(), None, 2_000);
    let send = call.route(&hole, &ctx).unwrap();
    let failure =
        call_failure(send.plan, CallProblem::Timeout { timeout_ms: 100, after_headers: false }, None, Some(100));
    let (run, _) = call
        .received(Err(failure), Endpoint { url: Some("http://solver"), key_set: false, traceparent: None }, Some(9_999))
        .unwrap();
    assert_eq!((run.status, run.finished_at_ms, run.fallback_used), (RunStatus::Failed, Some(9_999), true));
    // The session was deleted meanwhile: the answer has no hole_state, and is still the fallback.
    let done = call.finish(None, &hole, &ctx, 1).unwrap();
    let (status, body) = done.answer.unwrap();
    assert_eq!(
        (status, &body["fallback_used"], &body["hole_state"]),
        (504, &serde_json::json!(true), &serde_json::Value::Null)
    );
    assert_eq!(body["error"]["code"], "putt_solver_timeout");
    assert!(done.bundle.is_none());
    assert_eq!(done.error, Some(ErrorCode::PuttSolverTimeout));
}

/// Evidence mode: `SURFACE_EVIDENCE_MAX_WAIT_FIXES` decisive fixes always
/// switch: one with the default 1, two (and not one) with 2.
#[test]
fn evidence_mode_switches_after_max_wait_decisive_fixes() {
    use greenside_core::hysteresis::GreenState;
    use greenside_core::rules::HysteresisMode;
    let (_, hole, _, _) = setup();
    let far_off = (40.2670, -111.6600);
    for (wait, switches_at) in [(1u32, 1u32), (2, 2)] {
        let cfg =
            Rules { hysteresis_mode: HysteresisMode::Evidence, evidence_max_wait_fixes: wait, ..Rules::default() };
        let req = api::decode(br#"{"contract_version":"0.5.0","course_id":"riverside","hole_id":1}"#).unwrap();
        let mut rec = session::start(&req, SID.into(), 1, &hole, &cfg, 1_000).unwrap();
        operation::apply(&mut rec, &one(ON, None), &hole, &cfg, 1_100).unwrap();
        assert_eq!(rec.hysteresis.committed, GreenState::OnGreen);
        for k in 1..=2u32 {
            let a = operation::apply(&mut rec, &one(far_off, None), &hole, &cfg, 1_100 + u64::from(k) * 1000).unwrap();
            let off = rec.hysteresis.committed == GreenState::OffGreen;
            assert_eq!(off, k >= switches_at, "max wait {wait}, decisive fix {k}");
            assert_eq!(a.events.to_off_green, u32::from(k == switches_at), "max wait {wait}, fix {k}");
        }
    }
}
