//! Aim points, layup marks and measure on the real Augusta National holes
//! (their OpenStreetMap lines: 3 positions on a par 4, 4 on a par 5 and on
//! the dogleg 5th) and the example course (no lines). The numbers are
//! checked against GeographicLib and Shapely by `scripts/check-golfer`;
//! here, the rules: what is ahead, where a mark lies, what each error is.

#![allow(clippy::unwrap_used)]

use greenside_core::ErrorCode;
use greenside_core::aim::{LAYUP_MARKS, Units, YARD_M};
use greenside_core::classify::{PreparedHole, Surface};
use greenside_core::course::{Course, Line};
use greenside_core::geometry::{Coord, LatLon, seg_dist2};
use greenside_core::measure::{self, MeasureError, To};
use greenside_core::rules::Rules;

const AUGUSTA: &str = include_str!("../../data/courses/augusta_national/course.json");
const RIVERSIDE: &str = include_str!("../../data/courses/riverside/course.json");

fn course(json: &str) -> (Course, Vec<PreparedHole>) {
    let c = Course::from_json(json).unwrap();
    let h = c.prepare_all().unwrap();
    (c, h)
}

fn line_of(c: &Course, hole_id: u32) -> Vec<LatLon> {
    let Line::LineString(coords) = c.hole(hole_id).unwrap().line.clone().unwrap();
    coords.iter().map(|p| LatLon::new(p[1], p[0])).collect()
}

fn local(h: &PreparedHole, p: LatLon) -> Coord<f64> {
    h.frame().to_local(p).into()
}

fn dist(h: &PreparedHole, a: LatLon, b: LatLon) -> f64 {
    let (a, b) = (local(h, a), local(h, b));
    (a.x - b.x).hypot(a.y - b.y)
}

/// The point `f` of the way from `a` to `b`.
fn between(a: LatLon, b: LatLon, f: f64) -> LatLon {
    LatLon::new(a.lat + f * (b.lat - a.lat), a.lon + f * (b.lon - a.lon))
}

#[test]
fn every_augusta_hole_has_its_line_and_its_aim_points() {
    let (c, prepared) = course(AUGUSTA);
    for (hole, p) in c.holes.iter().zip(&prepared) {
        let line = line_of(&c, hole.hole_id);
        // As OSM maps a hole: par - 1 positions, except the dogleg 5th (a par 4 with two corners).
        let want = if hole.hole_id == 5 { 4 } else { usize::from(hole.par) - 1 };
        assert_eq!(line.len(), want, "hole {}", hole.hole_id);
        assert_eq!(p.line().aim_count(), want - 2, "hole {}", hole.hole_id);
        // The line starts at the tee and ends at the cup.
        assert_eq!(line[0], hole.tees[0].position);
        assert!(dist(p, *line.last().unwrap(), hole.default_cup.unwrap()) < 0.01, "hole {}", hole.hole_id);
    }
}

#[test]
fn aim_points_ahead_of_the_ball_are_listed_and_passed_ones_are_not() {
    let (c, prepared) = course(AUGUSTA);
    let rules = Rules::default();
    for hole_id in [2, 5, 10, 13] {
        let p = &prepared[(hole_id - 1) as usize];
        let hole = c.hole(hole_id).unwrap();
        let line = line_of(&c, hole_id);
        let cup = hole.default_cup;
        let from_tee = p.ahead(line[0], cup, rules.hazard_corridor_m, Units::Metres);
        let numbers: Vec<u32> = from_tee.aim_points.iter().map(|a| a.number).collect();
        assert_eq!(numbers, (1..=p.line().aim_count() as u32).collect::<Vec<_>>(), "hole {hole_id}");
        for a in &from_tee.aim_points {
            let at = line[a.number as usize];
            assert_eq!(a.wgs84, at);
            assert!((a.distance_m - dist(p, line[0], at)).abs() < 1e-9);
            // What the golfer leaves: the view from the aim point itself.
            assert_eq!(Some(a.green_distances), p.yardage(at, cup, rules.hazard_corridor_m).green, "hole {hole_id}");
            for h in &a.hazards {
                assert!(0.0 <= h.reach_m && h.reach_m <= h.carry_m && h.carry_m <= a.distance_m + 1e-9, "{h:?}");
            }
        }
        // Just past the first aim point (2 m on along the next leg): only the later ones.
        let past = between(line[1], line[2], 2.0 / dist(p, line[1], line[2]));
        let later = p.ahead(past, cup, rules.hazard_corridor_m, Units::Metres);
        assert_eq!(later.aim_points.first().map(|a| a.number), (p.line().aim_count() > 1).then_some(2));
        // Half a metre short of it: still ahead (within PASSED_M is reached, not before).
        let short = between(line[1], line[0], 1.5 / dist(p, line[0], line[1]));
        assert_eq!(p.ahead(short, cup, 20.0, Units::Metres).aim_points[0].number, 1, "hole {hole_id}");
        // On the green: nothing ahead.
        let on_green = p.ahead(cup.unwrap(), cup, 20.0, Units::Metres);
        assert!(on_green.aim_points.is_empty() && on_green.layups.is_empty(), "hole {hole_id}");
    }
}

#[test]
fn layup_marks_lie_on_the_line_at_their_distance_from_the_middle_of_the_green() {
    let (c, prepared) = course(AUGUSTA);
    for hole_id in [2, 8, 13, 15] {
        let p = &prepared[(hole_id - 1) as usize];
        let line = line_of(&c, hole_id);
        let cup = c.hole(hole_id).unwrap().default_cup.unwrap();
        for units in Units::ALL {
            let v = p.ahead(line[0], Some(cup), 20.0, units);
            let marks: Vec<u32> = v.layups.iter().map(|l| l.mark).collect();
            assert_eq!(marks, LAYUP_MARKS, "a par 5 has all three, hole {hole_id}");
            for l in &v.layups {
                let want = match units {
                    Units::Metres => f64::from(l.mark),
                    Units::Yards => f64::from(l.mark) * YARD_M,
                };
                let middle = p.green_centroid_wgs84();
                assert!((dist(p, l.wgs84, middle) - want).abs() < 1e-6, "hole {hole_id} {l:?}");
                let q = local(p, l.wgs84);
                let on_line = line
                    .windows(2)
                    .map(|w| seg_dist2(q, local(p, w[0]), local(p, w[1])).sqrt())
                    .fold(f64::INFINITY, f64::min);
                assert!(on_line < 1e-6, "hole {hole_id}: {on_line} m off the line");
                assert!((l.distance_m - dist(p, line[0], l.wgs84)).abs() < 1e-9);
            }
        }
        // From 120 m out, only the 100 mark is ahead.
        let ball = p.line().at_distance_from(local(p, p.green_centroid_wgs84()), 120.0).unwrap().0;
        let ball = p.frame().to_wgs84(ball.into());
        let v = p.ahead(ball, Some(cup), 20.0, Units::Metres);
        assert_eq!(v.layups.iter().map(|l| l.mark).collect::<Vec<_>>(), [100]);
    }
    // A par 3 of Augusta (the 12th, 140 m) has the 100 mark only.
    let twelve = &prepared[11];
    let line = line_of(&c, 12);
    let v = twelve.ahead(line[0], c.hole(12).unwrap().default_cup, 20.0, Units::Metres);
    assert_eq!(v.layups.iter().map(|l| l.mark).collect::<Vec<_>>(), [100]);
}

#[test]
fn a_hole_without_a_line_has_no_aim_points_and_says_so_when_asked() {
    let (c, prepared) = course(RIVERSIDE);
    let rules = Rules::default();
    let p = &prepared[0];
    let tee = c.holes[0].tees[0].position;
    let (y, v) = p.view(tee, None, 20.0, Units::Yards);
    assert!(v.aim_points.is_empty() && v.layups.is_empty());
    assert!(y.green.is_some(), "the rest of the view is there");
    let holes: Vec<&PreparedHole> = prepared.iter().collect();
    let e = measure::compute(p, tee, To::Aim(1), &rules, |q| measure::on_some_hole(&holes, q, &rules)).unwrap_err();
    assert_eq!(e, MeasureError::HoleWithoutLine);
    assert_eq!(e.api(p, To::Aim(1)).code, ErrorCode::HoleWithoutLine);
}

#[test]
fn measure_answers_distance_lie_green_and_hazards_between() {
    let (c, prepared) = course(AUGUSTA);
    let rules = Rules::default();
    let holes: Vec<&PreparedHole> = prepared.iter().collect();
    let p = &prepared[12]; // the 13th, Azalea: Rae's Creek along the dogleg
    let line = line_of(&c, 13);
    let corner = line[1];
    let m =
        measure::compute(p, line[0], To::Point(corner), &rules, |q| measure::on_some_hole(&holes, q, &rules)).unwrap();
    assert!((m.distance_m - dist(p, line[0], corner)).abs() < 1e-9);
    assert_eq!(m.surface, p.classify(corner, None, None, &rules).surface);
    assert_eq!(Some(m.green), p.yardage(corner, None, rules.hazard_corridor_m).green);
    // `aim:1` is the corner.
    assert_eq!(
        measure::compute(p, line[0], To::Aim(1), &rules, |q| measure::on_some_hole(&holes, q, &rules)).unwrap(),
        m
    );
    // Hazards between: within the leg, nearest first.
    for w in m.hazards.windows(2) {
        assert!(w[0].reach_m <= w[1].reach_m);
    }
    // Every surface the hole has, measured to a point inside it.
    let hole = c.hole(13).unwrap();
    let mut seen = Vec::new();
    for (want, geoms) in
        [(Surface::Bunker, &hole.bunkers), (Surface::Water, &hole.water), (Surface::Fairway, &hole.fairways)]
    {
        let Some(g) = geoms.first() else { continue };
        let ring = &g.polygons("t").unwrap()[0].rings[0];
        // A point just inside the ring's first vertex, towards the ring's vertex average.
        let n = (ring.len() - 1) as f64;
        let avg = LatLon::new(
            ring[..ring.len() - 1].iter().map(|q| q.lat).sum::<f64>() / n,
            ring[..ring.len() - 1].iter().map(|q| q.lon).sum::<f64>() / n,
        );
        let to = between(ring[0], avg, 0.02);
        let m =
            measure::compute(p, line[0], To::Point(to), &rules, |q| measure::on_some_hole(&holes, q, &rules)).unwrap();
        assert_eq!(m.surface, p.classify(to, None, None, &rules).surface);
        seen.push((want, m.surface));
    }
    assert!(seen.iter().any(|(w, s)| w == s), "{seen:?}");
    // The errors: a point off the course, the same point, an aim point the hole lacks.
    let far = LatLon::new(33.6, -82.1);
    assert_eq!(
        measure::compute(p, far, To::Point(corner), &rules, |q| measure::on_some_hole(&holes, q, &rules)),
        Err(MeasureError::OffCourse { to: false })
    );
    assert_eq!(
        measure::compute(p, corner, To::Point(far), &rules, |q| measure::on_some_hole(&holes, q, &rules)),
        Err(MeasureError::OffCourse { to: true })
    );
    assert_eq!(
        measure::compute(p, corner, To::Point(corner), &rules, |q| measure::on_some_hole(&holes, q, &rules)),
        Err(MeasureError::PointsEqual)
    );
    assert_eq!(
        measure::compute(p, corner, To::Aim(3), &rules, |q| measure::on_some_hole(&holes, q, &rules)),
        Err(MeasureError::NoSuchAim { count: 2 })
    );
    // A neighbouring hole's fairway is on the course: measured, with its surface on this hole.
    let eleven_tee = c.hole(11).unwrap().tees[0].position;
    assert!(
        measure::compute(p, line[0], To::Point(eleven_tee), &rules, |q| measure::on_some_hole(&holes, q, &rules))
            .is_ok()
    );
}
