//! The session state machine, through core's one entry point
//! (`operation::apply`), driven by arbitrary event sequences on the bundled
//! course, with its invariants checked after every event:
//! - an applied fix adds exactly one to fix_count and one revision, a
//!   duplicate changes nothing; `save` is true exactly when the record
//!   changed, and the events count what happened;
//! - the committed state changes only on the first fix or on a complete
//!   streak (streak mode: the switch rests on at least the configured streak);
//! - a terminal run never moves again.
#![no_main]

use arbitrary::Arbitrary;
use greenside_core::advice::PlanType;
use greenside_core::api::{BallFix, SetBallRequest, SetBallsRequest, SetCupRequest, StartRequest};
use greenside_core::rules::Rules;
use greenside_core::course::Course;
use greenside_core::error::ErrorCode;
use greenside_core::example::RIVERSIDE_COURSE_JSON;
use greenside_core::geometry::LatLon;
use greenside_core::hysteresis::GreenState;
use greenside_core::run::{RunRecord, RunStatus};
use greenside_core::operation::{self, Operation};
use greenside_core::session;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

#[derive(Debug, Arbitrary)]
enum Event {
    Fix { dx: i16, dy: i16, accuracy: u8, seq: Option<u8>, dt: u16 },
    Batch { fixes: Vec<(i16, i16, Option<u8>)>, dt: u16 },
    Cup { dx: i8, dy: i8 },
    Advice,
    Run { op: u8 },
}

#[derive(Debug, Arbitrary)]
struct Input {
    on_streak: u8,
    off_streak: u8,
    evidence: bool,
    events: Vec<Event>,
}

fn hole() -> &'static greenside_core::classify::PreparedHole {
    static H: OnceLock<greenside_core::classify::PreparedHole> = OnceLock::new();
    H.get_or_init(|| Course::from_json(RIVERSIDE_COURSE_JSON).unwrap().prepare_hole(1).unwrap())
}

fuzz_target!(|input: Input| {
    let mut config = Rules::default();
    config.commit_on_streak = u32::from(input.on_streak % 5) + 1;
    config.commit_off_streak = u32::from(input.off_streak % 5) + 1;
    if input.evidence {
        config.hysteresis_mode = greenside_core::rules::HysteresisMode::Evidence;
    }
    let hole = hole();
    let c = hole.green_centroid_wgs84();
    let at = |dx: i16, dy: i16| LatLon::new(c.lat + f64::from(dy) * 1e-6, c.lon + f64::from(dx) * 1e-6);
    let start = StartRequest { course_id: "riverside".into(), hole_id: 1, units: Default::default() };
    let mut now = 1_000u64;
    let mut rec = session::start(&start, "gs_00000000000000000000000000000001".into(), 1, hole, &config, now).unwrap();
    let mut run = RunRecord::new("run_00000000000000000000000000000001".into(), rec.session_id.clone(), "riverside".into(), 1, now);
    for ev in input.events.into_iter().take(200) {
        let before = rec.clone();
        // A batch may switch more than once; a single fix at most once.
        let single = !matches!(ev, Event::Batch { .. });
        match ev {
            Event::Fix { dx, dy, accuracy, seq, dt } => {
                now += u64::from(dt);
                let fix = BallFix {
                    ball_wgs84: at(dx, dy),
                    accuracy_m: (accuracy > 0).then(|| f64::from(accuracy) / 4.0),
                    accuracy_kind: None,
                    seq: seq.map(u64::from),
                    client_time_ms: None,
                };
                let op = Operation::SetBallLocation(SetBallRequest { session_id: rec.session_id.clone(), fix });
                match operation::apply(&mut rec, &op, hole, &config, now) {
                    Ok(a) if a.save => {
                        assert_eq!(rec.fix_count, before.fix_count + 1);
                        assert_eq!(rec.revision, before.revision + 1);
                        assert_eq!((a.events.fixes, a.events.duplicate_fixes), (1, 0));
                    }
                    Ok(a) => {
                        assert_eq!(rec, before, "a duplicate changes nothing");
                        assert_eq!((a.events.fixes, a.events.duplicate_fixes), (0, 1));
                    }
                    Err(e) => {
                        assert_eq!(rec, before, "a refused fix changes nothing");
                        assert!(matches!(e.code, ErrorCode::SessionNotFound | ErrorCode::InvalidField | ErrorCode::InvalidRequest), "{e:?}");
                    }
                }
            }
            Event::Batch { fixes, dt } => {
                now += u64::from(dt);
                let fixes: Vec<BallFix> = fixes
                    .into_iter()
                    .take(20)
                    .map(|(dx, dy, seq)| BallFix { ball_wgs84: at(dx, dy), accuracy_m: Some(3.0), accuracy_kind: None, seq: seq.map(u64::from), client_time_ms: None })
                    .collect();
                let n = fixes.len();
                let op = Operation::SetBallLocations(SetBallsRequest { session_id: rec.session_id.clone(), fixes });
                match operation::apply(&mut rec, &op, hole, &config, now) {
                    Ok(a) => {
                        let (applied, skipped) = (a.events.fixes, a.events.duplicate_fixes);
                        assert_eq!(applied as usize + skipped as usize, n);
                        assert_eq!(rec.fix_count, before.fix_count + u64::from(applied));
                        assert_eq!(rec.revision, before.revision + u64::from(applied > 0));
                        assert_eq!(a.save, applied > 0);
                        assert!(a.events.to_on_green + a.events.to_off_green <= applied);
                        if !a.save {
                            assert_eq!(rec, before, "a batch of duplicates changes nothing");
                        }
                    }
                    Err(_) => assert_eq!(rec, before, "a refused batch changes nothing"),
                }
            }
            Event::Cup { dx, dy } => {
                now += 1;
                let cup = SetCupRequest { session_id: rec.session_id.clone(), cup_wgs84: at(i16::from(dx) * 50, i16::from(dy) * 50) };
                match operation::apply(&mut rec, &Operation::SetCupLocation(cup), hole, &config, now) {
                    Ok(a) => assert!(a.save && rec.revision == before.revision + 1),
                    Err(_) => assert_eq!(rec, before, "a refused cup changes nothing"),
                }
            }
            Event::Advice => {
                let _ = greenside_core::advice::request(&rec, hole, &run.run_id, now);
            }
            Event::Run { op } => {
                let was = run.status;
                let r = match op % 3 {
                    0 => run.start(PlanType::Putt, "fuzz".into(), now).is_ok(),
                    1 => run.succeed(Some(5), false, now).is_ok(),
                    _ => run.fail(ErrorCode::PuttSolverTimeout, "fuzz".into(), None, true, now).is_ok(),
                };
                if was.is_terminal() {
                    assert!(!r && run.status == was, "a terminal run moved");
                }
                assert!(!(was == RunStatus::Queued && run.status == RunStatus::Succeeded), "succeeded without starting");
            }
        }
        // The committed state moves only on the first fix or a complete streak.
        let (h0, h1) = (&before.hysteresis, &rec.hysteresis);
        if h1.committed != h0.committed {
            let t = h1.last_transition.expect("a switch records its transition");
            assert_eq!(t.to, h1.committed);
            if single {
                assert_eq!(t.from, h0.committed);
            }
            if t.from != GreenState::Unknown && !input.evidence {
                let needed = if t.to == GreenState::OnGreen { config.commit_on_streak } else { config.commit_off_streak };
                assert!(t.streak >= needed, "switched on a streak of {} < {needed}", t.streak);
            }
        }
    }
});
