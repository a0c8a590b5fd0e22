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
