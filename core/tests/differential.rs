//! The prepared index against `geo` as the oracle: identical inside/outside
//! and distances within 1 mm (near the edges, over the polygon's box and far
//! away), on real polygon shapes (the Augusta National
//! OpenStreetMap extract, ODbL) and the bundled example course, with points
//! spread over each polygon's box and crowded within centimetres of its edges.

#![allow(clippy::unwrap_used)]

use geo::{Contains, Distance, Euclidean};
use greenside_core::course::{Course, Geometry, Polygon};
use greenside_core::example::RIVERSIDE_COURSE_JSON;
use greenside_core::frame::LocalFrame;
use greenside_core::index::{EdgeTree, PreparedArea};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

type Rings = Vec<Vec<geo::Coord<f64>>>;

fn augusta_polygons() -> Vec<(String, Polygon)> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/augusta_shapes.geojson")).unwrap();
    let fc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut out = Vec::new();
    for f in fc["features"].as_array().unwrap() {
        let geom: Geometry = serde_json::from_value(f["geometry"].clone()).unwrap();
        let id = f["properties"]["osm_id"].as_str().unwrap().to_string();
        for p in geom.polygons(&id).unwrap() {
            out.push((id.clone(), p));
        }
    }
    out
}

fn riverside_polygons() -> Vec<(String, Polygon)> {
    let course = Course::from_json(RIVERSIDE_COURSE_JSON).unwrap();
    let mut out = Vec::new();
    for h in &course.holes {
        let all =
            h.green.iter().chain(&h.fringe).chain(&h.fairways).chain(&h.bunkers).chain(&h.water).chain(&h.tee_boxes);
        for (i, g) in all.enumerate() {
            for p in g.polygons("riverside").unwrap() {
                out.push((format!("riverside hole {} #{i}", h.hole_id), p));
            }
        }
    }
    out
}

fn project(p: &Polygon) -> Rings {
    let frame = LocalFrame::new(p.rings[0][0]);
    p.rings.iter().map(|r| r.iter().map(|q| frame.to_local(*q).into()).collect()).collect()
}

/// Checks `n` points around `rings`; returns how many were inside.
fn check(name: &str, rings: &Rings, n: usize, rng: &mut SmallRng) -> usize {
    let area = PreparedArea::new(std::slice::from_ref(rings));
    let refs: Vec<&[geo::Coord<f64>]> = rings.iter().map(|r| r.as_slice()).collect();
    let tree = EdgeTree::new(&refs);
    let oracle = geo::Polygon::new(
        geo::LineString::from(rings[0].clone()),
        rings[1..].iter().map(|r| geo::LineString::from(r.clone())).collect(),
    );
    let edges: Vec<(geo::Coord<f64>, geo::Coord<f64>)> =
        rings.iter().flat_map(|r| r.windows(2).map(|w| (w[0], w[1]))).collect();
    let bbox = area.bbox().unwrap();
    let (w, h) = (bbox.max.x - bbox.min.x, bbox.max.y - bbox.min.y);
    let mut inside = 0;
    for i in 0..n {
        let p = if i % 3 == 0 {
            // Within 50 cm of a random edge, often within a centimetre.
            let (a, b) = edges[rng.random_range(0..edges.len())];
            let t: f64 = rng.random();
            let (dx, dy) = (b.x - a.x, b.y - a.y);
            let len = (dx * dx + dy * dy).sqrt().max(1e-12);
            let off = if rng.random_bool(0.5) { rng.random_range(-0.01..0.01) } else { rng.random_range(-0.5..0.5) };
            geo::Coord { x: a.x + t * dx - dy / len * off, y: a.y + t * dy + dx / len * off }
        } else if i % 3 == 1 && i % 2 == 0 {
            // Far away (up to ten sizes off): the tree search, not the candidate grid.
            let s = w.max(h);
            geo::Coord {
                x: rng.random_range(bbox.min.x - 10.0 * s..bbox.max.x + 10.0 * s),
                y: rng.random_range(bbox.min.y - 10.0 * s..bbox.max.y + 10.0 * s),
            }
        } else {
            geo::Coord {
                x: rng.random_range(bbox.min.x - 0.2 * w..bbox.max.x + 0.2 * w),
                y: rng.random_range(bbox.min.y - 0.2 * h..bbox.max.y + 0.2 * h),
            }
        };
        let gp = geo::Point::from(p);
        let want_inside = oracle.contains(&gp);
        assert_eq!(area.contains(p), want_inside, "{name}: inside/outside differs at {p:?}");
        inside += usize::from(want_inside);
        let want_d = std::iter::once(oracle.exterior())
            .chain(oracle.interiors())
            .map(|ls| Euclidean.distance(&gp, ls))
            .fold(f64::INFINITY, f64::min);
        let got_d = tree.distance(p);
        assert!((got_d - want_d).abs() < 1e-3, "{name}: distance {got_d} vs geo {want_d} at {p:?}");
    }
    inside
}

#[test]
fn prepared_index_agrees_with_geo_on_real_shapes() {
    let mut rng = SmallRng::seed_from_u64(0x6e65_7373);
    let polys = augusta_polygons();
    assert!(polys.len() >= 170, "fixture has {} polygons", polys.len());
    assert!(polys.iter().any(|(_, p)| p.rings.len() > 1), "fixture must include polygons with holes");
    let per = 100_000 / polys.len() + 1;
    let (mut total, mut inside) = (0, 0);
    for (name, p) in &polys {
        inside += check(name, &project(p), per, &mut rng);
        total += per;
    }
    assert!(total >= 100_000);
    // Both sides of the edges are exercised.
    assert!(inside > total / 10 && inside < total * 9 / 10, "{inside} of {total} inside");
}

#[test]
fn prepared_index_agrees_with_geo_on_the_example_course() {
    let mut rng = SmallRng::seed_from_u64(7);
    for (name, p) in riverside_polygons() {
        check(&name, &project(&p), 4_000, &mut rng);
    }
}

#[test]
fn local_frame_distances_match_geodesics_within_2km() {
    use geo::{Geodesic, Point};
    let mut rng = SmallRng::seed_from_u64(11);
    for origin in [(40.2682, -111.6595), (33.503, -82.022), (-45.0, 170.0), (64.1, -21.9), (0.0, 179.99)] {
        let o = greenside_core::geometry::LatLon::new(origin.0, origin.1);
        let f = LocalFrame::with_rotation(o, rng.random_range(-180.0..180.0));
        for _ in 0..2_000 {
            let (x, y) = (rng.random_range(-1414.0..1414.0), rng.random_range(-1414.0..1414.0));
            let q = f.to_wgs84(greenside_core::geometry::LocalXY { x, y });
            let planar = (x * x + y * y).sqrt();
            let geodesic = Geodesic.distance(Point::new(o.lon, o.lat), Point::new(q.lon, q.lat));
            assert!((planar - geodesic).abs() < 0.001, "{origin:?}: {planar} vs {geodesic}");
            let back = f.to_local(q);
            assert!((back.x - x).abs() < 1e-6 && (back.y - y).abs() < 1e-6);
        }
    }
}
