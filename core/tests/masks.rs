//! Raster masks as a geometry source: every green of the bundled courses
//! (the illustrative `riverside` and the 18 real Augusta National greens)
//! turned into a mask and back; classification through the mask agrees with
//! the polygon wherever the point is more than a pixel diagonal from the
//! edge, and the signed distance to the mask's edge stays within a pixel
//! diagonal of the polygon's. Random masks trace into rings the course
//! validator accepts.

#![allow(clippy::unwrap_used)]

use greenside_core::course::{Course, Geometry};
use greenside_core::example::{AUGUSTA_NATIONAL_COURSE_JSON, RIVERSIDE_COURSE_JSON};
use greenside_core::geometry::LatLon;
use greenside_core::mask::{RasterMask, rasterize};
use greenside_core::rules::Rules;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

const PIXEL_M: f64 = 0.25;

/// A polygon geometry's rings in WGS84 (first polygon).
fn rings_of(g: &Geometry) -> Vec<Vec<LatLon>> {
    g.polygons("green").unwrap().remove(0).rings
}

/// The geometry written back as GeoJSON rings ([lon, lat]).
fn as_polygon(rings: &[Vec<LatLon>]) -> Geometry {
    Geometry::Polygon(rings.iter().map(|r| r.iter().map(|p| vec![p.lon, p.lat]).collect()).collect())
}

fn check_course(text: &str) -> (usize, usize) {
    let course = Course::from_json(text).unwrap();
    let config = Rules::default();
    let diag = PIXEL_M * std::f64::consts::SQRT_2;
    let mut rng = SmallRng::seed_from_u64(7);
    let (mut points, mut near_edge) = (0, 0);
    for hole in &course.holes {
        let green = hole.green.as_ref().unwrap();
        let mask = rasterize(&rings_of(green), PIXEL_M).unwrap();
        // The mask in a course file, through JSON, like any other geometry.
        let mut masked = course.clone();
        let h = masked.holes.iter_mut().find(|h| h.hole_id == hole.hole_id).unwrap();
        h.green = Some(Geometry::Mask(mask.clone()));
        let text = serde_json::to_string(&masked).unwrap();
        assert!(text.contains(r#""type":"Mask""#));
        let masked = Course::from_json(&text).unwrap();
        // And back to a polygon: the traced rings pass the ring checks.
        let traced = mask.polygons("m").unwrap();
        assert_eq!(traced.len(), 1, "hole {}: one green area", hole.hole_id);
        as_polygon(&traced[0].rings).polygons("traced").unwrap();

        let by_polygon = course.prepare_hole(hole.hole_id).unwrap();
        let by_mask = masked.prepare_hole(hole.hole_id).unwrap();
        let [west, south, east, north] = mask.bounds;
        for _ in 0..2_000 {
            let p = LatLon::new(rng.random_range(south..north), rng.random_range(west..east));
            let a = by_polygon.classify(p, Some(3.0), None, &config);
            let b = by_mask.classify(p, Some(3.0), None, &config);
            let d = a.distance_to_green_edge_m;
            assert!(
                (b.distance_to_green_edge_m - d).abs() <= diag + 1e-6,
                "hole {}: polygon {d} m, mask {} m",
                hole.hole_id,
                b.distance_to_green_edge_m
            );
            if d.abs() > diag {
                assert_eq!((a.surface, a.on_green), (b.surface, b.on_green), "hole {} at {p:?} ({d} m)", hole.hole_id);
            } else {
                near_edge += 1;
            }
            points += 1;
        }
    }
    (points, near_edge)
}

#[test]
fn masks_of_the_example_greens_classify_like_their_polygons() {
    let (points, near) = check_course(RIVERSIDE_COURSE_JSON);
    assert!(points >= 4_000 && near > 0, "{points} points, {near} near the edge");
}

#[test]
fn masks_of_the_eighteen_augusta_greens_classify_like_their_polygons() {
    let (points, near) = check_course(AUGUSTA_NATIONAL_COURSE_JSON);
    assert_eq!(points, 36_000);
    assert!(near > 0);
}

#[test]
fn random_masks_trace_into_valid_rings_covering_every_pixel() {
    let mut rng = SmallRng::seed_from_u64(3);
    for case in 0..1000 {
        let (w, h) = (rng.random_range(1..24u32), rng.random_range(1..24u32));
        let fill = rng.random_range(0.2..0.8);
        let mut px: Vec<bool> = (0..w * h).map(|_| rng.random_bool(fill)).collect();
        px[0] = true;
        let bounds = [8.0, 47.0, 8.0 + f64::from(w) * 2e-6, 47.0 + f64::from(h) * 2e-6];
        let mask = RasterMask::encode(bounds, w, h, &px);
        assert_eq!(mask.decode("m").unwrap(), px);
        let polys = mask.polygons("m").unwrap();
        for p in &polys {
            as_polygon(&p.rings)
                .polygons(&format!("case {case}"))
                .unwrap_or_else(|e| panic!("case {case}: {e}\n{}", mask.rle));
        }
        // Every pixel centre is inside exactly when the pixel is on.
        let geo_polys: Vec<geo::Polygon<f64>> = polys
            .iter()
            .map(|p| {
                let ring =
                    |r: &Vec<LatLon>| geo::LineString::from(r.iter().map(|q| (q.lon, q.lat)).collect::<Vec<_>>());
                geo::Polygon::new(ring(&p.rings[0]), p.rings[1..].iter().map(ring).collect())
            })
            .collect();
        for r in 0..h {
            for c in 0..w {
                let centre =
                    geo::Point::new(bounds[0] + (f64::from(c) + 0.5) * 2e-6, bounds[3] - (f64::from(r) + 0.5) * 2e-6);
                let inside = geo_polys.iter().any(|g| geo::Contains::contains(g, &centre));
                assert_eq!(inside, px[(r * w + c) as usize], "case {case} pixel ({c}, {r})\n{}", mask.rle);
            }
        }
    }
}
