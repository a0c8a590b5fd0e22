//! The golfer's view on the real Augusta National holes and the example
//! course: front / middle / back, hazards on the way, which hole a position
//! is on, and shots.

#![allow(clippy::unwrap_used)]

use greenside_core::ErrorCode;
use greenside_core::api::{self, BallFix, StartRequest};
use greenside_core::classify::{PreparedHole, Surface};
use greenside_core::course::Course;
use greenside_core::geometry::{LatLon, LocalXY};
use greenside_core::locate::locate;
use greenside_core::rules::Rules;
use greenside_core::session;
use greenside_core::yardage::{Side, Target};

const AUGUSTA: &str = include_str!("../../data/courses/augusta_national/course.json");
const SID: &str = "gs_0123456789abcdef0123456789abcdef";

fn holes(json: &str) -> (Course, Vec<PreparedHole>) {
    let c = Course::from_json(json).unwrap();
    let h = c.prepare_all().unwrap();
    (c, h)
}

fn fix(p: LatLon, accuracy_m: Option<f64>, seq: Option<u64>) -> BallFix {
    BallFix { ball_wgs84: p, accuracy_m, accuracy_kind: None, seq, client_time_ms: None }
}

#[test]
fn from_every_augusta_tee_the_green_is_ahead_front_before_middle_before_back() {
    let (course, prepared) = holes(AUGUSTA);
    for (h, p) in course.holes.iter().zip(&prepared) {
        let tee = h.tees[0].position;
        let y = p.yardage(tee, h.default_cup, 20.0);
        let g = y.green.unwrap();
        assert_eq!(g.target, if h.default_cup.is_some() { Target::Cup } else { Target::GreenCentre });
        let (front, back) = (g.front_m.unwrap(), g.back_m.unwrap());
        assert!(front < g.middle_m && g.middle_m < back, "hole {}: {front} {} {back}", h.hole_id, g.middle_m);
        // Depth of a real green along the line: between 5 m (the 12th is famously shallow) and 60 m.
        assert!((5.0..60.0).contains(&(back - front)), "hole {}: green depth {}", h.hole_id, back - front);
        // The front point lies on the green's edge.
        let (_, d) = p.signed_green_distance(p.frame().to_local(g.front_wgs84.unwrap()).into());
        assert!(d.abs() < 1e-6, "hole {}: front point {d} m from the edge", h.hole_id);
        // Hazards are sorted, within the line's extent, and each one's carry is past its reach.
        for w in y.hazards.windows(2) {
            assert!(w[0].reach_m <= w[1].reach_m);
        }
        for z in &y.hazards {
            assert!(z.reach_m >= 0.0 && z.reach_m <= z.carry_m && z.carry_m <= back + 1e-9, "{z:?}");
            assert!(matches!(z.surface, Surface::Bunker | Surface::Water));
        }
    }
}

#[test]
fn on_the_green_the_front_is_zero_and_at_the_cup_there_is_no_direction() {
    let (course, prepared) = holes(AUGUSTA);
    let (h, p) = (&course.holes[0], &prepared[0]);
    let cup = h.default_cup.unwrap();
    let centre = p.green_centroid_wgs84();
    let g = p.yardage(centre, Some(cup), 20.0).green.unwrap();
    assert_eq!(g.front_m, Some(0.0));
    assert!(g.back_m.unwrap() > g.middle_m);
    let at = p.yardage(cup, Some(cup), 20.0);
    let g = at.green.unwrap();
    assert_eq!((g.front_m, g.back_m, g.middle_m), (None, None, 0.0));
    assert!(at.hazards.is_empty());
    // Without a cup, the green's centre is the target.
    let g = p.yardage(h.tees[0].position, None, 20.0).green.unwrap();
    assert_eq!(g.target, Target::GreenCentre);
}

#[test]
fn a_wider_corridor_finds_at_least_the_same_hazards() {
    let (course, prepared) = holes(AUGUSTA);
    let mut more = 0;
    for (h, p) in course.holes.iter().zip(&prepared) {
        let narrow = p.yardage(h.tees[0].position, h.default_cup, 5.0).hazards;
        let wide = p.yardage(h.tees[0].position, h.default_cup, 60.0).hazards;
        for z in &narrow {
            assert!(wide.iter().any(|w| w.index == z.index && w.surface == z.surface), "hole {}", h.hole_id);
        }
        more += wide.len() - narrow.len();
    }
    assert!(more > 0, "a 60 m corridor holds more hazards than a 5 m one somewhere");
    // And Augusta's famous ones: water short of the 12th green (Rae's Creek) and the 16th.
    for hole in [12usize, 16] {
        let (h, p) = (&course.holes[hole - 1], &prepared[hole - 1]);
        let y = p.yardage(h.tees[0].position, h.default_cup, 20.0);
        let water: Vec<_> = y.hazards.iter().filter(|z| z.surface == Surface::Water).collect();
        assert!(!water.is_empty(), "hole {hole}: no water on the way: {:?}", y.hazards);
        assert!(water.iter().any(|z| z.side == Side::OnLine), "hole {hole}: the water crosses the line");
    }
}

#[test]
fn every_augusta_tee_and_green_names_its_hole() {
    let (course, prepared) = holes(AUGUSTA);
    let refs: Vec<&PreparedHole> = prepared.iter().collect();
    let rules = Rules::default();
    for (h, p) in course.holes.iter().zip(&prepared) {
        for t in &h.tees {
            let l = locate("augusta_national", &refs, &[t.position], &rules).unwrap();
            assert_eq!(
                (l.hole_id, l.surface),
                (h.hole_id, Surface::Tee),
                "tee {:?} of hole {}: {l:?}",
                t.name,
                h.hole_id
            );
        }
        let l = locate("augusta_national", &refs, &[p.green_centroid_wgs84()], &rules).unwrap();
        assert_eq!((l.hole_id, l.surface), (h.hole_id, Surface::Green), "green of hole {}: {l:?}", h.hole_id);
        assert!(l.confidence > 0.0 && l.confidence <= 1.0);
        assert_eq!(l.candidates[0].hole_id, h.hole_id);
        assert!(l.candidates.windows(2).all(|w| w[0].probability >= w[1].probability));
    }
    // Far from every hole, or bad input: stable codes.
    let far = locate("augusta_national", &refs, &[LatLon::new(33.6, -82.2)], &rules).unwrap_err();
    assert_eq!(far.code, ErrorCode::NotOnCourse);
    let none = locate("augusta_national", &refs, &[], &rules).unwrap_err();
    assert_eq!((none.code, none.details["field"].as_str()), (ErrorCode::InvalidRequest, Some("fixes")));
    let bad = locate("augusta_national", &refs, &[LatLon::new(91.0, 0.0)], &rules).unwrap_err();
    assert_eq!((bad.code, bad.details["field"].as_str()), (ErrorCode::InvalidCoordinates, Some("fixes[0].lat")));
}

fn start(hole: &PreparedHole, rules: &Rules) -> session::SessionRecord {
    let body = format!(r#"{{"contract_version":"0.5.0","course_id":"{}","hole_id":{}}}"#, hole.course_id, hole.hole_id);
    let req: StartRequest = api::decode(body.as_bytes()).unwrap();
    session::start(&req, SID.into(), 1, hole, rules, 0).unwrap()
}

/// A point `metres` along the hole from its tee towards its green (0 = tee, 1 = green centre).
fn along(p: &PreparedHole, tee: LatLon, f: f64, sideways_m: f64) -> LatLon {
    let a = p.frame().to_local(tee);
    let (dx, dy) = (-a.x, -a.y);
    let len = (dx * dx + dy * dy).sqrt();
    p.frame().to_wgs84(LocalXY { x: a.x + f * dx + sideways_m * dy / len, y: a.y + f * dy - sideways_m * dx / len })
}

#[test]
fn shots_are_confirmed_moves_of_the_ball_and_a_replay_makes_none() {
    let (course, prepared) = holes(AUGUSTA);
    let (h, p) = (&course.holes[0], &prepared[0]);
    let rules = Rules::default();
    let mut rec = start(p, &rules);
    let tee = h.tees[0].position;
    let mut seq = 0;
    let mut send = |rec: &mut session::SessionRecord, at: LatLon| {
        seq += 1;
        session::set_ball(rec, &fix(at, Some(4.0), Some(seq)), p, &rules, seq * 1000).unwrap();
    };
    // On the tee: jitter within the noise is no shot.
    send(&mut rec, tee);
    send(&mut rec, along(p, tee, 0.0, 1.5));
    assert!(rec.shots.shots.is_empty());
    // One stray fix far away, then back on the tee: no shot.
    send(&mut rec, along(p, tee, 0.5, 0.0));
    send(&mut rec, tee);
    assert!(rec.shots.shots.is_empty(), "{:?}", rec.shots);
    // The drive: two fixes at the new lie confirm it.
    let landing = along(p, tee, 0.6, 3.0);
    send(&mut rec, landing);
    assert!(rec.shots.shots.is_empty(), "one fix does not confirm a shot");
    send(&mut rec, along(p, tee, 0.6, 4.0));
    assert_eq!(rec.shots.shots.len(), 1);
    let s = rec.shots.shots[0];
    assert_eq!((s.number, s.from_wgs84, s.to_wgs84), (1, tee, landing));
    let full = p.frame().to_local(tee);
    let want = 0.6 * (full.x * full.x + full.y * full.y).sqrt();
    assert!((s.length_m - want).abs() < 3.5, "{} vs {want}", s.length_m);
    // The approach onto the green.
    let green = p.green_centroid_wgs84();
    send(&mut rec, green);
    send(&mut rec, green);
    assert_eq!(rec.shots.shots.len(), 2);
    assert_eq!(rec.shots.shots[1].to_surface, Surface::Green);
    let state = session::hole_state(&rec);
    assert_eq!((state.strokes, state.shots.len()), (2, 2));
    // A replayed batch of the same fixes changes nothing.
    let before = rec.clone();
    for s in 1..=seq {
        let out = session::set_ball(&mut rec, &fix(tee, Some(4.0), Some(s)), p, &rules, 99_000).unwrap();
        assert_eq!(out, session::BallOutcome::Duplicate);
    }
    assert_eq!(rec, before);
}

#[test]
fn noisier_fixes_need_a_longer_move() {
    let (course, prepared) = holes(AUGUSTA);
    let (h, p) = (&course.holes[0], &prepared[0]);
    let rules = Rules { shot_confirm_fixes: 1, ..Rules::default() };
    let tee = h.tees[0].position;
    let twelve_m = along(p, tee, 0.0, 12.0);
    for (accuracy, shots) in [(3.0, 1), (20.0, 0)] {
        let mut rec = start(p, &rules);
        session::set_ball(&mut rec, &fix(tee, Some(accuracy), None), p, &rules, 1).unwrap();
        session::set_ball(&mut rec, &fix(twelve_m, Some(accuracy), None), p, &rules, 2).unwrap();
        assert_eq!(rec.shots.shots.len(), shots, "a 12 m move at {accuracy} m accuracy");
    }
}

#[test]
fn the_yardage_follows_the_cup() {
    let (course, prepared) = holes(AUGUSTA);
    let (h, p) = (&course.holes[0], &prepared[0]);
    let rules = Rules::default();
    let mut rec = start(p, &rules);
    session::set_ball(&mut rec, &fix(h.tees[0].position, None, None), p, &rules, 1).unwrap();
    let before = session::hole_state(&rec).green_distances.unwrap().middle_m;
    // The cup 8 m towards the tee from the green's centre: 8 m closer.
    let cup = along(p, h.tees[0].position, 1.0 - 8.0 / before, 0.0);
    session::set_cup(&mut rec, cup, p, &rules, 2).unwrap();
    let g = session::hole_state(&rec).green_distances.unwrap();
    assert!((g.middle_m - (before - 8.0)).abs() < 0.5, "{before} → {}", g.middle_m);
}
