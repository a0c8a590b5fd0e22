//! The session state machine beyond what the vectors replay: recording advice
//! results, the platform-misuse guards, and GCRA's window bound.

#![allow(clippy::unwrap_used)]

use greenside_core::advice::PlanType;
use greenside_core::api::{self, BallFix, StartRequest};
use greenside_core::course::Course;
use greenside_core::example::RIVERSIDE_COURSE_JSON;
use greenside_core::gcra::{Decision, Gcra};
use greenside_core::rules::Rules;
use greenside_core::run::{RunRecord, RunStatus};
use greenside_core::session::{self, BallOutcome};
use greenside_core::{ErrorCode, validate};

const SID: &str = "gs_0123456789abcdef0123456789abcdef";

fn fix(lat: f64, lon: f64) -> BallFix {
    BallFix {
        ball_wgs84: greenside_core::geometry::LatLon::new(lat, lon),
        accuracy_m: None,
        accuracy_kind: None,
        seq: None,
        client_time_ms: None,
    }
}

#[test]
fn advice_result_is_recorded_once_the_run_is_terminal() {
    let course = Course::from_json(RIVERSIDE_COURSE_JSON).unwrap();
    let hole = course.prepare_hole(1).unwrap();
    let cfg = Rules { session_ttl_s: 10, ..Rules::default() };
    let req: StartRequest =
        api::decode(br#"{"contract_version":"0.5.0","course_id":"riverside","hole_id":1}"#).unwrap();
    let mut rec = session::start(&req, SID.into(), 7, &hole, &cfg, 1_000).unwrap();
    assert_eq!((rec.revision, rec.expires_at_ms, rec.session_number), (1, 11_000, 7));
    let out = session::set_ball(&mut rec, &fix(40.268240, -111.659520), &hole, &cfg, 2_000).unwrap();
    assert!(matches!(out, BallOutcome::Applied { .. }));

    let mut run =
        RunRecord::new(greenside_core::run::run_id_from_random([1; 16]), SID.into(), "riverside".into(), 1, 2_100);
    assert_eq!(run.run_id, "run_01010101010101010101010101010101");
    let decision = greenside_core::advice::request(&rec, &hole, &run.run_id, 2_100).unwrap();
    assert_eq!(decision.plan_type, PlanType::Putt);
    assert_eq!(decision.request.run_id, run.run_id);
    run.start(decision.plan_type, decision.reason.clone(), 2_100).unwrap();

    // Not terminal yet: refused, record untouched.
    let before = rec.clone();
    let e = session::apply_advice_result(&mut rec, &run.run_id, PlanType::Putt, run.status, &cfg, 2_200).unwrap_err();
    assert_eq!(e.code, ErrorCode::InternalError);
    assert_eq!(rec, before);

    run.succeed(Some(40), false, 2_300).unwrap();
    assert_eq!((run.duration_ms, run.downstream_latency_ms), (Some(200), Some(40)));
    session::apply_advice_result(&mut rec, &run.run_id, PlanType::Putt, run.status, &cfg, 2_300).unwrap();
    let last = rec.last_advice.as_ref().unwrap();
    assert_eq!((last.status, last.at_ms, rec.expires_at_ms, rec.revision), (RunStatus::Succeeded, 2_300, 12_300, 3));

    // After expiry, nothing moves.
    assert_eq!(
        session::apply_advice_result(&mut rec, "r", PlanType::Putt, RunStatus::Failed, &cfg, 12_300).unwrap_err().code,
        ErrorCode::SessionNotFound
    );
    assert_eq!(greenside_core::advice::request(&rec, &hole, "r", 12_300).unwrap_err().code, ErrorCode::SessionNotFound);
}

#[test]
fn a_record_and_a_hole_that_do_not_match_are_refused() {
    let course = Course::from_json(RIVERSIDE_COURSE_JSON).unwrap();
    let (h1, h2) = (course.prepare_hole(1).unwrap(), course.prepare_hole(2).unwrap());
    let cfg = Rules::default();
    let req = StartRequest { course_id: "riverside".into(), hole_id: 1, units: Default::default() };
    assert_eq!(session::start(&req, SID.into(), 1, &h2, &cfg, 0).unwrap_err().code, ErrorCode::InternalError);
    assert_eq!(session::start(&req, "nope".into(), 1, &h1, &cfg, 0).unwrap_err().code, ErrorCode::InvalidSessionId);
    let mut rec = session::start(&req, SID.into(), 1, &h1, &cfg, 0).unwrap();
    assert_eq!(
        session::set_ball(&mut rec, &fix(40.2682, -111.6595), &h2, &cfg, 1).unwrap_err().code,
        ErrorCode::InternalError
    );
    // Core re-validates even when a platform skipped decoding.
    assert_eq!(
        session::set_ball(&mut rec, &fix(f64::NAN, 0.0), &h1, &cfg, 1).unwrap_err().code,
        ErrorCode::InvalidCoordinates
    );
    assert_eq!(rec.fix_count, 0);
}

#[test]
fn session_ids_from_random_bytes_are_valid_and_distinct() {
    let a = validate::session_id_from_random([0; 16]);
    let b = validate::session_id_from_random([255; 16]);
    assert!(validate::session_id(&a).is_ok() && validate::session_id(&b).is_ok() && a != b);
}

#[test]
fn gcra_never_admits_more_than_burst_plus_rate_over_any_window() {
    for (limit, period, burst) in [(10u32, 1000u64, 3u32), (3, 1000, 1), (7, 60_000, 5), (1000, 1000, 20)] {
        let g = Gcra::new(limit, period, burst).unwrap();
        let mut tat = None;
        let mut admitted = Vec::new();
        // A client hammering every millisecond for three periods.
        for now in 0..3 * period {
            if let Decision::Allow { new_tat_us } = g.check(tat, now) {
                tat = Some(new_tat_us);
                admitted.push(now);
            }
        }
        let t = g.emission_us();
        for (i, &start) in admitted.iter().enumerate() {
            for w in [1u64, 10, 100, period / 2, period] {
                let n = admitted[i..].iter().take_while(|&&x| x < start + w).count() as u64;
                assert!(
                    n <= u64::from(burst) + (w * 1000) / t,
                    "{limit}/{period} burst {burst}: {n} in {w} ms from {start}"
                );
            }
        }
        // And it does admit the steady rate.
        assert!(admitted.len() as u64 >= 3 * u64::from(limit), "{limit}/{period}: only {}", admitted.len());
    }
}
