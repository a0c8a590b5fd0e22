//! The surface grid answers exactly what the precedence scan answers: on
//! every hole of the real Augusta National course and the example course,
//! at random points, at every vertex and edge midpoint of every surface
//! (where the half-open rule decides), and just beside them.

#![allow(clippy::unwrap_used)]

use geo_types::Coord;
use greenside_core::classify::{PreparedHole, Surface};
use greenside_core::course::{Course, Hole};
use greenside_core::example::{AUGUSTA_NATIONAL_COURSE_JSON, RIVERSIDE_COURSE_JSON};
use greenside_core::frame::LocalFrame;
use greenside_core::index::RESOLVED_SIDE;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// Every vertex and edge midpoint of the hole's non-green surfaces and boundary, in the frame.
fn edge_points(hole: &Hole, frame: &LocalFrame) -> Vec<Coord<f64>> {
    let mut geoms: Vec<_> = [&hole.bunkers, &hole.water, &hole.tee_boxes, &hole.fairways, &hole.rough]
        .into_iter()
        .flat_map(|l| l.iter())
        .collect();
    geoms.extend(hole.fringe.iter().chain(hole.boundary.iter()));
    let mut out = Vec::new();
    for g in geoms {
        for p in g.polygons("test").unwrap() {
            for ring in &p.rings {
                let local: Vec<Coord<f64>> = ring.iter().map(|q| frame.to_local(*q).into()).collect();
                for w in local.windows(2) {
                    out.push(w[0]);
                    out.push(Coord { x: (w[0].x + w[1].x) / 2.0, y: (w[0].y + w[1].y) / 2.0 });
                }
            }
        }
    }
    out
}

fn check(json: &str) -> (usize, usize) {
    let course = Course::from_json(json).unwrap();
    let holes: Vec<PreparedHole> = course.prepare_all().unwrap();
    let mut rng = SmallRng::seed_from_u64(11);
    let mut next = move |lo: f64, hi: f64| rng.random_range(lo..hi);
    let (mut points, mut decided) = (0, 0);
    for h in &holes {
        let raw = course.hole(h.hole_id).unwrap();
        let tee: Coord<f64> = raw.tees.first().map(|t| h.frame().to_local(t.position).into()).unwrap_or_default();
        let reach = (tee.x.abs().max(tee.y.abs()) + 150.0).max(300.0);
        let mut at = |p: Coord<f64>| {
            assert_eq!(h.surface_at(p, false), h.scan_surface(p), "hole {} at {p:?}", h.hole_id);
            points += 1;
        };
        for _ in 0..20_000 {
            at(Coord { x: next(-reach, reach), y: next(-reach, reach) });
        }
        for p in edge_points(raw, h.frame()) {
            for (dx, dy) in
                [(0.0, 0.0), (1e-7, 0.0), (-1e-7, 0.0), (0.0, 1e-7), (0.0, -1e-7), (1e-3, 1e-3), (-0.5, 0.5)]
            {
                at(Coord { x: p.x + dx, y: p.y + dy });
            }
        }
        decided += h.surface_cells_decided();
        // The grid is used: most cells of a hole are away from any edge.
        assert!(
            h.surface_cells_decided() * 2 > RESOLVED_SIDE * RESOLVED_SIDE,
            "hole {}: {} of {} cells decided",
            h.hole_id,
            h.surface_cells_decided(),
            RESOLVED_SIDE * RESOLVED_SIDE
        );
    }
    (points, decided)
}

#[test]
fn the_grid_answers_what_the_scan_answers_on_augusta() {
    let (points, decided) = check(AUGUSTA_NATIONAL_COURSE_JSON);
    assert!(points > 18 * 20_000, "{points}");
    assert!(decided > 0);
}

#[test]
fn the_grid_answers_what_the_scan_answers_on_the_example_course() {
    check(RIVERSIDE_COURSE_JSON);
}

#[test]
fn every_surface_has_its_index() {
    for (i, s) in Surface::ALL.iter().enumerate() {
        assert_eq!(s.index(), i);
    }
}

/// A polygon whose inner ring reaches outside its outer ring (course
/// validation lets it through): the scan stops at the outer ring's box, so
/// the grid must too.
#[test]
fn an_inner_ring_outside_its_outer_ring_is_answered_as_the_scan_does() {
    let course = Course::from_json(RIVERSIDE_COURSE_JSON).unwrap();
    let frame = course.prepare_hole(1).unwrap().frame().clone();
    let (ox, oy) = (150.0, -250.0);
    let ring = |pts: &[(f64, f64)]| -> serde_json::Value {
        pts.iter()
            .map(|(x, y)| {
                let p = frame.to_wgs84(greenside_core::geometry::LocalXY { x: ox + x, y: oy + y });
                serde_json::json!([p.lon, p.lat])
            })
            .collect()
    };
    let outer = ring(&[(0.0, 0.0), (100.0, 0.0), (0.0, 100.0), (0.0, 0.0)]);
    let inner = ring(&[(60.0, 60.0), (130.0, 60.0), (130.0, 90.0), (60.0, 90.0), (60.0, 60.0)]);
    let mut json: serde_json::Value = serde_json::from_str(RIVERSIDE_COURSE_JSON).unwrap();
    let hole = json["holes"].as_array_mut().unwrap().iter_mut().find(|h| h["hole_id"] == 1).unwrap();
    hole["fairways"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"type": "Polygon", "coordinates": [outer, inner]}));
    let course = Course::from_json(&json.to_string()).unwrap();
    let h = course.prepare_hole(1).unwrap();
    let mut differ = 0;
    for i in 0..4_000 {
        for x in [99.9, 99.999, 100.001, 100.1, 101.0, 102.5] {
            let p = Coord { x: ox + x, y: oy + 60.0 + 30.0 * f64::from(i) / 4_000.0 };
            assert_eq!(h.surface_at(p, false), h.scan_surface(p), "at {p:?}");
            differ += usize::from(h.scan_surface(p) != h.scan_surface(Coord { x: ox + 99.9, y: p.y }));
        }
    }
    assert!(differ > 0, "the scan does change across the outer box's side");
}
