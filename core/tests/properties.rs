//! Property tests (proptest): the prepared index agrees with `geo` on random
//! polygons with holes; the local frame round-trips within a millimetre
//! anywhere on Earth; GCRA never admits more than its limit over any window.

#![allow(clippy::unwrap_used)]

use geo::{Contains, Distance, Euclidean};
use greenside_core::frame::LocalFrame;
use greenside_core::gcra::{Decision, Gcra};
use greenside_core::geometry::{LatLon, LocalXY};
use greenside_core::index::{EdgeTree, PreparedArea};
use proptest::prelude::*;

/// A star-shaped ring: `radii` at evenly spread angles (jittered), closed.
fn star(cx: f64, cy: f64, radii: &[f64], jitter: &[f64], scale: f64, clockwise: bool) -> Vec<geo::Coord<f64>> {
    let n = radii.len();
    let mut pts: Vec<geo::Coord<f64>> = (0..n)
        .map(|i| {
            let a = (i as f64 + 0.8 * jitter[i]) / n as f64 * std::f64::consts::TAU;
            geo::Coord { x: cx + scale * radii[i] * a.cos(), y: cy + scale * radii[i] * a.sin() }
        })
        .collect();
    if clockwise {
        pts.reverse();
    }
    pts.push(pts[0]);
    pts
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Random star polygons (5-40 vertices, 5-80 m) with a random star hole
    /// inside their inner radius: inside/outside identical to `geo`, the
    /// distance to the nearest ring within 1 mm, at random points, points
    /// near edges and far away.
    #[test]
    fn prepared_index_agrees_with_geo_on_random_polygons_with_holes(
        radii in prop::collection::vec(20.0..80.0f64, 5..40),
        jitter in prop::collection::vec(0.0..1.0f64, 40),
        hole_radii in prop::collection::vec(2.0..10.0f64, 3..12),
        hole_jitter in prop::collection::vec(0.0..1.0f64, 12),
        with_hole in any::<bool>(),
        points in prop::collection::vec((-120.0..120.0f64, -120.0..120.0f64), 64),
        near in prop::collection::vec((0usize..40, 0.0..1.0f64, -0.02..0.02f64), 32),
    ) {
        let outer = star(0.0, 0.0, &radii, &jitter, 1.0, false);
        let mut rings = vec![outer.clone()];
        if with_hole {
            rings.push(star(3.0, -2.0, &hole_radii, &hole_jitter, 1.0, true));
        }
        let area = PreparedArea::new(std::slice::from_ref(&rings));
        let refs: Vec<&[geo::Coord<f64>]> = rings.iter().map(|r| r.as_slice()).collect();
        let tree = EdgeTree::new(&refs);
        let oracle = geo::Polygon::new(
            geo::LineString::from(rings[0].clone()),
            rings[1..].iter().map(|r| geo::LineString::from(r.clone())).collect(),
        );
        let mut probes: Vec<geo::Coord<f64>> = points.iter().map(|(x, y)| geo::Coord { x: *x, y: *y }).collect();
        for (e, t, off) in near {
            let e = e % (outer.len() - 1);
            let (a, b) = (outer[e], outer[e + 1]);
            let (dx, dy) = (b.x - a.x, b.y - a.y);
            let len = (dx * dx + dy * dy).sqrt().max(1e-9);
            probes.push(geo::Coord { x: a.x + t * dx - dy / len * off, y: a.y + t * dy + dx / len * off });
        }
        probes.push(geo::Coord { x: 5_000.0, y: -3_000.0 });
        for p in probes {
            let gp = geo::Point::from(p);
            prop_assert_eq!(area.contains(p), oracle.contains(&gp), "inside/outside at {:?}", p);
            let want = std::iter::once(oracle.exterior())
                .chain(oracle.interiors())
                .map(|ls| Euclidean.distance(&gp, ls))
                .fold(f64::INFINITY, f64::min);
            prop_assert!((tree.distance(p) - want).abs() < 1e-3, "distance {} vs {} at {:?}", tree.distance(p), want, p);
        }
    }

    /// WGS84 → local → WGS84 within 1 mm for points up to 5 km from any origin
    /// (poles excluded, as the course model does), with any rotation.
    #[test]
    fn the_local_frame_round_trips_within_a_millimetre(
        lat in -85.0..85.0f64,
        lon in -180.0..180.0f64,
        rotation in -180.0..180.0f64,
        x in -5_000.0..5_000.0f64,
        y in -5_000.0..5_000.0f64,
    ) {
        let frame = LocalFrame::with_rotation(LatLon::new(lat, lon), rotation);
        let p = frame.to_wgs84(LocalXY { x, y });
        let back = frame.to_local(p);
        prop_assert!((back.x - x).hypot(back.y - y) < 1e-3, "({x}, {y}) came back as ({}, {})", back.x, back.y);
        // And from the WGS84 side.
        let again = frame.to_wgs84(back);
        let d = frame.to_local(again);
        prop_assert!((d.x - back.x).hypot(d.y - back.y) < 1e-3);
    }

    /// Whatever the arrival pattern, no window of length `period` (at any
    /// start) sees more than `burst + limit` admissions, and the long-run
    /// rate never beats `limit` per `period` plus the burst.
    #[test]
    fn gcra_never_admits_more_than_its_limit(
        limit in 1u32..50,
        period_s in 1u64..120,
        burst in 1u32..50,
        gaps in prop::collection::vec(0u64..2_000, 1..600),
    ) {
        let period_ms = period_s * 1000;
        let g = Gcra::new(limit, period_ms, burst).unwrap();
        let mut tat = None;
        let mut now = 0u64;
        let mut admitted: Vec<u64> = Vec::new();
        for gap in gaps {
            now += gap;
            match g.check(tat, now) {
                Decision::Allow { new_tat_us } => {
                    tat = Some(new_tat_us);
                    admitted.push(now);
                }
                Decision::Deny { retry_after_ms } => prop_assert!(retry_after_ms > 0),
            }
        }
        // Sliding windows anchored at every admission.
        let cap = u64::from(burst) + u64::from(limit);
        for (i, start) in admitted.iter().enumerate() {
            let in_window = admitted[i..].iter().take_while(|t| **t < start + period_ms).count() as u64;
            prop_assert!(in_window <= cap, "{} admissions in {} ms from {} (limit {}, burst {})", in_window, period_ms, start, limit, burst);
        }
        if let (Some(first), Some(last)) = (admitted.first(), admitted.last()) {
            let span = last - first;
            let allowed = u64::from(burst) + (span * u64::from(limit)).div_ceil(period_ms);
            prop_assert!(admitted.len() as u64 <= allowed, "{} admissions over {} ms", admitted.len(), span);
        }
    }
}
