//! A round's rules, one test each (docs/golfer.md, "A round"): hole
//! detection needs confirmation, the golfer's entries win, water suggests
//! a penalty the golfer can take back, fairway and green in regulation by
//! par, tee sets, competition mode, batches and repeats.

#![allow(clippy::unwrap_used)]

use greenside_core::api::{self, BallFix, RoundStartRequest, SetScoreRequest};
use greenside_core::classify::{PreparedHole, Surface};
use greenside_core::course::Course;
use greenside_core::error::ErrorCode;
use greenside_core::example::{AUGUSTA_NATIONAL_COURSE_JSON, RIVERSIDE_COURSE_JSON};
use greenside_core::geometry::LatLon;
use greenside_core::round::{self, FixOutcome, RoundRecord, score::Source};
use greenside_core::rules::Rules;

struct Play {
    course: Course,
    holes: Vec<PreparedHole>,
    rules: Rules,
    rec: RoundRecord,
    seq: u64,
    now: u64,
}

fn start(json: &str, body: &str) -> Result<Play, greenside_core::ApiError> {
    let course = Course::from_json(json).unwrap();
    let holes = course.prepare_all().unwrap();
    let req: RoundStartRequest = api::decode(body.as_bytes())?;
    let refs: Vec<&PreparedHole> = holes.iter().collect();
    let rec = round::start(&req, "gr_0123456789abcdef0123456789abcdef".into(), &course, &refs, 1_000)?;
    Ok(Play { course, holes, rules: Rules::default(), rec, seq: 0, now: 1_000 })
}

fn augusta() -> Play {
    start(AUGUSTA_NATIONAL_COURSE_JSON, r#"{"contract_version":"0.5.0","course_id":"augusta_national"}"#).unwrap()
}

impl Play {
    fn hole(&self, id: u32) -> &PreparedHole {
        self.holes.iter().find(|h| h.hole_id == id).unwrap()
    }

    fn tee(&self, id: u32) -> LatLon {
        self.course.hole(id).unwrap().tees[0].position
    }

    /// A point of hole `id` whose surface is `want`, `from` the tee at least `min_m` (a 4 m grid over its line's box).
    fn find(&self, id: u32, want: Surface, min_m: f64) -> LatLon {
        let h = self.hole(id);
        let tee = h.frame().to_local(self.tee(id));
        for r in (0..120).map(|k| f64::from(k) * 4.0) {
            for a in (0..72).map(|k| f64::from(k) * 5.0_f64.to_radians()) {
                let local = greenside_core::geometry::LocalXY { x: r * a.sin(), y: r * a.cos() };
                let p = h.frame().to_wgs84(local);
                let d = (local.x - tee.x).hypot(local.y - tee.y);
                if d >= min_m && h.classify(p, Some(3.0), None, &self.rules).surface == want {
                    return p;
                }
            }
        }
        panic!("no {want:?} on hole {id}");
    }

    fn fix(&mut self, p: LatLon) -> FixOutcome {
        self.seq += 1;
        self.now += 10_000;
        let fix = BallFix {
            ball_wgs84: p,
            accuracy_m: Some(3.0),
            accuracy_kind: None,
            seq: Some(self.seq),
            client_time_ms: None,
        };
        let refs: Vec<&PreparedHole> = self.holes.iter().collect();
        round::add_fix(&mut self.rec, &fix, &refs, &self.rules, self.now).unwrap()
    }

    /// Three fixes at one place (the ball at rest).
    fn rest(&mut self, p: LatLon) {
        for _ in 0..3 {
            self.fix(p);
        }
    }

    fn score(&mut self, body: &str) -> Result<(), greenside_core::ApiError> {
        let req: SetScoreRequest = api::decode(body.as_bytes())?;
        self.now += 1_000;
        round::set_score(&mut self.rec, &req, self.now)
    }

    fn card(&self, id: u32) -> round::score::HoleScore {
        round::score::scorecard(&self.rec).holes.into_iter().find(|h| h.hole_id == id).unwrap()
    }
}

#[test]
fn one_stray_fix_on_an_unplayed_tee_never_moves_the_round() {
    let mut p = augusta();
    let (tee1, tee2) = (p.tee(1), p.tee(2));
    p.rest(tee1);
    assert_eq!(p.fix(tee2), FixOutcome::Held);
    assert_eq!(p.rec.pending.as_ref().map(|h| h.hole_id), Some(2));
    // Two in a row are still not three.
    assert_eq!(p.fix(tee2), FixOutcome::Held);
    assert_eq!(p.fix(tee1), FixOutcome::Applied);
    assert_eq!((p.rec.current_hole_id, p.rec.pending.as_ref()), (1, None));
    assert!(p.rec.hole(2).unwrap().reached_at_ms.is_none());
    // The held fixes went to the hole being played, in order: its track has all six.
    assert_eq!(p.rec.hole(1).unwrap().track.len(), 6);
    assert_eq!(p.fix(tee2), FixOutcome::Held);
    assert_eq!(p.fix(tee2), FixOutcome::Held);
    assert_eq!(p.fix(tee2), FixOutcome::MovedTo(2));
    assert_eq!(p.rec.current_hole_id, 2);
    assert_eq!(p.rec.hole(2).unwrap().track.len(), 3, "the confirming fixes are the new hole's first");
}

#[test]
fn a_hole_played_is_only_gone_back_to_by_hand() {
    let mut p = augusta();
    let (tee1, tee2) = (p.tee(1), p.tee(2));
    p.rest(tee1);
    p.rest(tee2);
    assert_eq!(p.rec.current_hole_id, 2);
    // The 1st tee again: it was played, so the round stays.
    p.rest(tee1);
    assert_eq!(p.rec.current_hole_id, 2);
    let refs: Vec<&PreparedHole> = p.holes.iter().collect();
    round::next_hole(&mut p.rec, Some(1), &refs, &p.rules, p.now).unwrap();
    assert_eq!(p.rec.current_hole_id, 1);
    // Without a hole: the next the round has not reached, in the course's order.
    round::next_hole(&mut p.rec, None, &refs, &p.rules, p.now).unwrap();
    assert_eq!(p.rec.current_hole_id, 3);
    let e = round::next_hole(&mut p.rec, Some(40), &refs, &p.rules, p.now).unwrap_err();
    assert_eq!(e.code, ErrorCode::HoleNotFound);
}

#[test]
fn the_golfers_strokes_survive_later_fixes_until_cleared() {
    let mut p = augusta();
    let (tee, fairway) = (p.tee(1), p.find(1, Surface::Fairway, 180.0));
    p.rest(tee);
    p.rest(fairway);
    assert_eq!((p.card(1).strokes, p.card(1).strokes_source), (Some(1), Some(Source::Gps)));
    p.score(r#"{"contract_version":"0.5.0","round_id":"gr_0123456789abcdef0123456789abcdef","hole_id":1,"strokes":7}"#)
        .unwrap();
    let green = p.hole(1).green_centroid_wgs84();
    p.rest(green);
    let c = p.card(1);
    assert_eq!((c.strokes, c.strokes_source), (Some(7), Some(Source::Hand)));
    assert_eq!(c.putts_source, Some(Source::Estimate), "the putts are still the GPS's");
    p.score(r#"{"contract_version":"0.5.0","round_id":"gr_0123456789abcdef0123456789abcdef","hole_id":1,"clear":["strokes"]}"#)
        .unwrap();
    let c = p.card(1);
    assert_eq!(c.strokes_source, Some(Source::Gps));
    assert_eq!(c.strokes, Some(2 + c.putts.unwrap()));
}

#[test]
fn water_suggests_a_penalty_the_golfer_can_remove() {
    let mut p = augusta();
    let refs: Vec<&PreparedHole> = p.holes.iter().collect();
    round::next_hole(&mut p.rec, Some(12), &refs, &p.rules, p.now).unwrap();
    let (tee, water) = (p.tee(12), p.find(12, Surface::Water, 60.0));
    p.rest(tee);
    p.rest(water);
    let c = p.card(12);
    assert_eq!((c.penalties, c.penalties_source), (1, Some(Source::Suggested)));
    assert_eq!(c.strokes, Some(2), "the shot and its penalty");
    assert_eq!(c.shots[0].penalty, 1);
    p.score(
        r#"{"contract_version":"0.5.0","round_id":"gr_0123456789abcdef0123456789abcdef","hole_id":12,"penalties":0}"#,
    )
    .unwrap();
    let c2 = p.card(12);
    assert_eq!((c2.penalties, c2.penalties_source, c2.strokes), (0, Some(Source::Hand), Some(1)));
    assert_eq!(c2.shots[0].penalty, 0);
    assert!((c2.shots[0].strokes_gained - c.shots[0].strokes_gained - 1.0).abs() < 1e-9);
}

#[test]
fn fairway_hit_and_green_in_regulation_follow_par() {
    let mut p = augusta();
    // Par 4: the tee shot on the fairway, on the green in two.
    let (tee, fairway, green) = (p.tee(1), p.find(1, Surface::Fairway, 180.0), p.hole(1).green_centroid_wgs84());
    p.rest(tee);
    p.rest(fairway);
    p.rest(green);
    let c = p.card(1);
    assert_eq!((c.par, c.fairway_hit, c.gir), (4, Some(true), Some(true)));
    // Par 3: no fairway to hit; on in one is in regulation.
    let (tee4, green4) = (p.tee(4), p.hole(4).green_centroid_wgs84());
    p.rest(tee4);
    assert_eq!(p.rec.current_hole_id, 4);
    p.rest(green4);
    let c = p.card(4);
    assert_eq!((c.par, c.fairway_hit, c.gir), (3, None, Some(true)));
    // Par 4 from the rough in three: no fairway, no green in regulation.
    let (tee5, rough, fairway5) = (p.tee(5), p.find(5, Surface::Rough, 150.0), p.find(5, Surface::Fairway, 250.0));
    p.rest(tee5);
    p.rest(rough);
    p.rest(fairway5);
    p.rest(p.hole(5).green_centroid_wgs84());
    let c = p.card(5);
    assert_eq!((c.par, c.fairway_hit, c.gir), (4, Some(false), Some(false)));
    let stats = round::score::scorecard(&p.rec).stats;
    assert_eq!((stats.fairways.made, stats.fairways.of), (1, 2));
    assert_eq!((stats.greens_in_regulation.made, stats.greens_in_regulation.of), (2, 3));
}

#[test]
fn a_tee_set_gives_its_par_and_length_and_an_unknown_one_is_refused() {
    let mut course: serde_json::Value = serde_json::from_str(RIVERSIDE_COURSE_JSON).unwrap();
    course["holes"][0]["tees"][0]["par"] = 5.into();
    course["holes"][0]["tees"][0]["dist_m"] = 421.5.into();
    let json = course.to_string();
    let p = start(&json, r#"{"contract_version":"0.5.0","course_id":"riverside","tee":"white","start_hole_id":2}"#)
        .unwrap();
    assert_eq!((p.rec.current_hole_id, p.rec.tee.as_deref()), (2, Some("white")));
    let h1 = p.rec.hole(1).unwrap();
    assert_eq!((h1.par, h1.length_m), (5, Some(421.5)));
    let e = start(&json, r#"{"contract_version":"0.5.0","course_id":"riverside","tee":"gold"}"#).err().unwrap();
    assert_eq!((e.code, e.details["field"].as_str(), e.http_status()), (ErrorCode::TeeSetNotFound, Some("tee"), 404));
    assert_eq!(e.details["tee_sets"], "white");
}

#[test]
fn a_competition_round_refuses_advice() {
    let p = start(
        AUGUSTA_NATIONAL_COURSE_JSON,
        r#"{"contract_version":"0.5.0","course_id":"augusta_national","competition":true}"#,
    )
    .unwrap();
    let e = round::check_advice_allowed(&p.rec).unwrap_err();
    assert_eq!((e.code, e.http_status()), (ErrorCode::CompetitionRound, 409));
    assert!(round::check_advice_allowed(&augusta().rec).is_ok());
}

#[test]
fn a_batch_is_all_or_none_and_a_repeat_changes_nothing() {
    let mut p = augusta();
    p.rest(p.tee(1));
    let before = p.rec.clone();
    let refs: Vec<&PreparedHole> = p.holes.iter().collect();
    let good =
        BallFix { ball_wgs84: p.tee(1), accuracy_m: None, accuracy_kind: None, seq: Some(100), client_time_ms: None };
    let bad = BallFix { ball_wgs84: LatLon::new(95.0, 0.0), seq: Some(101), ..good.clone() };
    let e = round::add_fixes(&mut p.rec, &[good.clone(), bad], &refs, &p.rules, p.now).unwrap_err();
    assert_eq!((e.code, e.details["fix_index"].as_u64()), (ErrorCode::InvalidCoordinates, Some(1)));
    assert_eq!(p.rec, before);
    let repeat = BallFix { seq: Some(2), ..good };
    assert_eq!(round::add_fixes(&mut p.rec, &[repeat], &refs, &p.rules, p.now).unwrap(), (0, 1));
    assert_eq!(p.rec, before);
}

#[test]
fn a_score_needs_a_reached_hole_on_the_course() {
    let mut p = augusta();
    let body = |hole: u32, extra: &str| {
        format!(
            r#"{{"contract_version":"0.5.0","round_id":"gr_0123456789abcdef0123456789abcdef","hole_id":{hole}{extra}}}"#
        )
    };
    assert_eq!(p.score(&body(3, r#","strokes":4"#)).unwrap_err().code, ErrorCode::HoleNotReached);
    assert_eq!(p.score(&body(19, r#","strokes":4"#)).unwrap_err().code, ErrorCode::HoleNotFound);
    for bad in [r#","strokes":0"#, r#","strokes":21"#, r#","putts":21"#, r#","penalties":99"#] {
        assert_eq!(p.score(&body(1, bad)).unwrap_err().code, ErrorCode::InvalidField, "{bad}");
    }
    assert_eq!(p.score(&body(1, r#","gir":"yes""#)).unwrap_err().code, ErrorCode::InvalidRequest);
    p.score(&body(1, r#","strokes":20,"putts":0,"penalties":20,"fairway_hit":false,"gir":true"#)).unwrap();
    let c = p.card(1);
    assert_eq!(
        (c.strokes, c.putts, c.penalties, c.fairway_hit, c.gir),
        (Some(20), Some(0), 20, Some(false), Some(true))
    );
}
