//! WGS84 positions on the wire and the planar algorithms greenside needs:
//! classification's (crossings, segment distances) and the course
//! importer's (polygon containment, area and distances).
//!
//! `geo` is not `no_std`, so they are written here over
//! `geo_types::Coord<f64>` in the local metric frame (metres). The test
//! suite checks them against `geo` as the oracle.

use alloc::vec::Vec;
/// The planar point every function here takes (re-exported so that users of
/// these functions need no `geo-types` of their own).
pub use geo_types::Coord;
use serde::{Deserialize, Serialize};

/// A WGS84 position, `{"lat": f64, "lon": f64}` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LatLon {
    #[cfg_attr(feature = "openapi", schema(minimum = -90.0, maximum = 90.0))]
    pub lat: f64,
    #[cfg_attr(feature = "openapi", schema(minimum = -180.0, maximum = 180.0))]
    pub lon: f64,
}

impl LatLon {
    pub const fn new(lat: f64, lon: f64) -> Self {
        LatLon { lat, lon }
    }
}

/// A position in a local metric frame: metres east (`x`) and north (`y`),
/// or along the rotated axes when the frame has a rotation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LocalXY {
    pub x: f64,
    pub y: f64,
}

impl From<Coord<f64>> for LocalXY {
    fn from(c: Coord<f64>) -> Self {
        LocalXY { x: c.x, y: c.y }
    }
}

impl From<LocalXY> for Coord<f64> {
    fn from(p: LocalXY) -> Self {
        Coord { x: p.x, y: p.y }
    }
}

/// Axis-aligned bounding box in the local frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Aabb {
    pub min: Coord<f64>,
    pub max: Coord<f64>,
}

/// Square root: the instruction where std gives it (`sqrtsd`, wasm's
/// `f64.sqrt`), libm's software one without std (in wasm libm's is a call
/// with 128-bit arithmetic: 12 % of a classification). IEEE 754 rounds a
/// square root exactly, so every build gives the same bits.
#[inline(always)]
pub fn sqrt(x: f64) -> f64 {
    #[cfg(feature = "std")]
    {
        x.sqrt()
    }
    #[cfg(not(feature = "std"))]
    {
        libm::sqrt(x)
    }
}

/// The smaller of two numbers, neither NaN, by one comparison. `f64::min`
/// also orders NaN, which wasm has no instruction for: a call to `fmin`.
#[inline(always)]
pub fn min(a: f64, b: f64) -> f64 {
    if b < a { b } else { a }
}

/// The larger of two numbers, neither NaN (as [`min`]).
#[inline(always)]
pub fn max(a: f64, b: f64) -> f64 {
    if b > a { b } else { a }
}

impl Aabb {
    pub const EMPTY: Aabb = Aabb {
        min: Coord { x: f64::INFINITY, y: f64::INFINITY },
        max: Coord { x: f64::NEG_INFINITY, y: f64::NEG_INFINITY },
    };

    pub fn of_points(points: &[Coord<f64>]) -> Aabb {
        let mut b = Aabb::EMPTY;
        for p in points {
            b.include(*p);
        }
        b
    }

    pub fn include(&mut self, p: Coord<f64>) {
        self.min.x = self.min.x.min(p.x);
        self.min.y = self.min.y.min(p.y);
        self.max.x = self.max.x.max(p.x);
        self.max.y = self.max.y.max(p.y);
    }

    pub fn union(&mut self, o: &Aabb) {
        self.include(o.min);
        self.include(o.max);
    }

    #[must_use]
    pub fn expanded(&self, by: f64) -> Aabb {
        Aabb {
            min: Coord { x: self.min.x - by, y: self.min.y - by },
            max: Coord { x: self.max.x + by, y: self.max.y + by },
        }
    }

    #[inline]
    pub fn contains(&self, p: Coord<f64>) -> bool {
        p.x >= self.min.x && p.x <= self.max.x && p.y >= self.min.y && p.y <= self.max.y
    }

    /// Squared distance from `p` to the box (0 inside).
    #[inline]
    pub fn dist2(&self, p: Coord<f64>) -> f64 {
        let dx = max(max(self.min.x - p.x, 0.0), p.x - self.max.x);
        let dy = max(max(self.min.y - p.y, 0.0), p.y - self.max.y);
        dx * dx + dy * dy
    }

    pub fn center(&self) -> Coord<f64> {
        Coord { x: (self.min.x + self.max.x) * 0.5, y: (self.min.y + self.max.y) * 0.5 }
    }
}

/// Squared distance from `p` to the segment `a`–`b`.
#[inline]
pub fn seg_dist2(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> f64 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let (px, py) = (p.x - a.x, p.y - a.y);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 { ((px * dx + py * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
    let (ex, ey) = (px - t * dx, py - t * dy);
    ex * ex + ey * ey
}

/// Crossing-number contribution of edge `a`–`b` for a ray from `p` towards +x.
/// Half-open in y so a vertex on the ray is counted once.
#[inline]
pub fn ray_crosses(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> bool {
    if (a.y > p.y) != (b.y > p.y) {
        let x = a.x + (p.y - a.y) * (b.x - a.x) / (b.y - a.y);
        p.x < x
    } else {
        false
    }
}

/// Even-odd point-in-ring test over a closed ring (first == last).
pub fn ring_contains(ring: &[Coord<f64>], p: Coord<f64>) -> bool {
    let mut inside = false;
    for w in ring.windows(2) {
        if ray_crosses(p, w[0], w[1]) {
            inside = !inside;
        }
    }
    inside
}

/// Twice the signed area of a closed ring (positive when counter-clockwise).
pub fn ring_area2(ring: &[Coord<f64>]) -> f64 {
    ring.windows(2).map(|w| w[0].x * w[1].y - w[1].x * w[0].y).sum()
}

fn orient(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>) -> f64 {
    (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)
}

fn on_segment(a: Coord<f64>, b: Coord<f64>, p: Coord<f64>) -> bool {
    p.x >= a.x.min(b.x) && p.x <= a.x.max(b.x) && p.y >= a.y.min(b.y) && p.y <= a.y.max(b.y)
}

/// True when closed segments `a1`–`a2` and `b1`–`b2` share a point.
pub fn segments_intersect(a1: Coord<f64>, a2: Coord<f64>, b1: Coord<f64>, b2: Coord<f64>) -> bool {
    let d1 = orient(b1, b2, a1);
    let d2 = orient(b1, b2, a2);
    let d3 = orient(a1, a2, b1);
    let d4 = orient(a1, a2, b2);
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0)) && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0)) {
        return true;
    }
    (d1 == 0.0 && on_segment(b1, b2, a1))
        || (d2 == 0.0 && on_segment(b1, b2, a2))
        || (d3 == 0.0 && on_segment(a1, a2, b1))
        || (d4 == 0.0 && on_segment(a1, a2, b2))
}

/// The first pair of non-adjacent edges of a closed ring that touch or
/// cross, as edge indices, or `None` for a simple ring. O(n²): used when
/// course data is loaded, never per fix.
pub fn ring_self_intersection(ring: &[Coord<f64>]) -> Option<(usize, usize)> {
    let n = ring.len().saturating_sub(1); // number of edges
    for i in 0..n {
        for j in (i + 1)..n {
            let adjacent = j == i + 1 || (i == 0 && j == n - 1);
            if adjacent {
                continue;
            }
            if segments_intersect(ring[i], ring[i + 1], ring[j], ring[j + 1]) {
                return Some((i, j));
            }
        }
    }
    None
}

/// True when `p` is inside the polygon `rings` (exterior ring first, then its
/// holes; each closed): even-odd over every ring, so a point in a hole is
/// outside. A point exactly on an edge follows [`ray_crosses`]' half-open
/// rule, as the classifier does.
pub fn polygon_contains(rings: &[Vec<Coord<f64>>], p: Coord<f64>) -> bool {
    rings.iter().fold(false, |inside, r| inside != ring_contains(r, p))
}

/// Unsigned area of the polygon `rings` (exterior first, then holes; each
/// closed): the exterior's area less its holes', whatever the rings'
/// orientation. Units are those of the coordinates, squared.
pub fn polygon_area(rings: &[Vec<Coord<f64>>]) -> f64 {
    let mut areas = rings.iter().map(|r| libm::fabs(ring_area2(r)) / 2.0);
    let exterior = areas.next().unwrap_or(0.0);
    libm::fabs(areas.fold(exterior, |a, hole| a - hole))
}

/// Smallest squared distance from `p` to an edge of any of `rings`
/// (infinite when there is none).
fn rings_dist2(rings: &[Vec<Coord<f64>>], p: Coord<f64>) -> f64 {
    rings.iter().flat_map(|r| r.windows(2)).fold(f64::INFINITY, |d, w| min(d, seg_dist2(p, w[0], w[1])))
}

/// Distance from `p` to the polygon `rings` (exterior first, then holes;
/// each closed): 0 inside it (see [`polygon_contains`]), else the distance
/// to its nearest edge, holes' edges included.
pub fn polygon_distance(rings: &[Vec<Coord<f64>>], p: Coord<f64>) -> f64 {
    if polygon_contains(rings, p) { 0.0 } else { sqrt(rings_dist2(rings, p)) }
}

/// Distance between the polyline `line` (its vertices in order; one vertex
/// is a point) and the polygon `rings` (exterior first, then holes; each
/// closed): 0 when they meet (a vertex of the line inside the polygon, or an
/// edge of the line touching or crossing one of its edges), else the
/// smallest distance from a vertex of either to an edge of the other, which
/// is where two disjoint sets of segments come nearest. O(line × polygon
/// edges): for preparing course data, not per fix. Infinite for an empty
/// line.
pub fn polyline_polygon_distance(line: &[Coord<f64>], rings: &[Vec<Coord<f64>>]) -> f64 {
    let edges = || rings.iter().flat_map(|r| r.windows(2));
    let meets = line.iter().any(|p| polygon_contains(rings, *p))
        || line.windows(2).any(|s| edges().any(|e| segments_intersect(s[0], s[1], e[0], e[1])));
    if meets {
        return 0.0;
    }
    let from_line = line.iter().fold(f64::INFINITY, |d, p| min(d, rings_dist2(rings, *p)));
    let to_line = line
        .windows(2)
        .flat_map(|s| rings.iter().flatten().map(move |q| seg_dist2(*q, s[0], s[1])))
        .fold(f64::INFINITY, min);
    sqrt(min(from_line, to_line))
}

/// A checked polygon in WGS84: exterior ring first, then holes; each ring closed.
#[derive(Debug, Clone, PartialEq)]
pub struct Polygon {
    pub rings: Vec<Vec<LatLon>>,
}

/// Sorts `v` by `less`, stably, by insertion: for the short lists of the
/// classification path (hazards on a line, holes of a course), where it is
/// as fast as any and its code is a few dozen bytes in the wasm.
pub fn insertion_sort_by<T>(v: &mut [T], less: impl Fn(&T, &T) -> bool) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && less(&v[j], &v[j - 1]) {
            v.swap(j, j - 1);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    /// A 10 × 10 square (counter-clockwise) with a 2 × 2 hole (clockwise) in its middle.
    fn square_with_hole() -> Vec<Vec<Coord<f64>>> {
        vec![
            vec![c(0.0, 0.0), c(10.0, 0.0), c(10.0, 10.0), c(0.0, 10.0), c(0.0, 0.0)],
            vec![c(4.0, 4.0), c(4.0, 6.0), c(6.0, 6.0), c(6.0, 4.0), c(4.0, 4.0)],
        ]
    }

    #[test]
    fn a_point_in_a_hole_is_outside_the_polygon() {
        let p = square_with_hole();
        assert!(polygon_contains(&p, c(1.0, 1.0)));
        assert!(!polygon_contains(&p, c(5.0, 5.0)));
        assert!(!polygon_contains(&p, c(11.0, 5.0)));
        assert!(!polygon_contains(&[], c(0.0, 0.0)));
    }

    #[test]
    fn polygon_area_subtracts_holes_whatever_the_orientation() {
        let mut p = square_with_hole();
        assert_eq!(polygon_area(&p), 96.0);
        p[0].reverse();
        p[1].reverse();
        assert_eq!(polygon_area(&p), 96.0);
        assert_eq!(polygon_area(&p[..1]), 100.0);
        assert_eq!(polygon_area(&[]), 0.0);
    }

    #[test]
    fn distance_from_a_point_to_a_polygon() {
        let p = square_with_hole();
        assert_eq!(polygon_distance(&p, c(2.0, 3.0)), 0.0);
        assert_eq!(polygon_distance(&p, c(5.0, 5.5)), 0.5, "in the hole: to the hole's edge");
        assert_eq!(polygon_distance(&p, c(13.0, 14.0)), 5.0, "to the corner");
        assert_eq!(polygon_distance(&p, c(-2.0, 5.0)), 2.0);
    }

    #[test]
    fn distance_from_a_polyline_to_a_polygon() {
        let p = square_with_hole();
        // Crossing an edge with no vertex inside; one vertex inside.
        assert_eq!(polyline_polygon_distance(&[c(-5.0, 5.0), c(15.0, 5.0)], &p), 0.0);
        assert_eq!(polyline_polygon_distance(&[c(-5.0, 5.0), c(1.0, 1.0)], &p), 0.0);
        // Wholly inside the hole: to the hole's edge.
        assert_eq!(polyline_polygon_distance(&[c(4.5, 5.0), c(5.0, 5.5)], &p), 0.5);
        // Alongside: from the line's vertices.
        assert_eq!(polyline_polygon_distance(&[c(12.0, -5.0), c(12.0, 3.0), c(13.0, 15.0)], &p), 2.0);
        // Past a corner: the polygon's vertex (10, 10) is nearest, to the line's edge.
        let d = polyline_polygon_distance(&[c(11.0, 12.0), c(13.0, 10.0)], &p);
        assert!((d - 3.0 / core::f64::consts::SQRT_2).abs() < 1e-12, "{d}");
        // One vertex is a point; none is nowhere.
        assert_eq!(polyline_polygon_distance(&[c(13.0, 14.0)], &p), polygon_distance(&p, c(13.0, 14.0)));
        assert_eq!(polyline_polygon_distance(&[], &p), f64::INFINITY);
    }

    /// `geo` is the oracle: its Euclidean distances between points, lines
    /// and polygons with a hole, at positions all around.
    #[test]
    fn distances_and_area_agree_with_geo() {
        use geo::{Area, Distance, Euclidean};
        let rings = vec![
            vec![c(0.0, 0.0), c(40.0, -3.0), c(47.0, 21.0), c(22.0, 35.0), c(-6.0, 18.0), c(0.0, 0.0)],
            vec![c(12.0, 8.0), c(14.0, 20.0), c(25.0, 19.0), c(27.0, 9.0), c(12.0, 8.0)],
        ];
        let oracle =
            geo::Polygon::new(geo::LineString::from(rings[0].clone()), vec![geo::LineString::from(rings[1].clone())]);
        assert!((polygon_area(&rings) - oracle.unsigned_area()).abs() < 1e-9);
        for i in 0..24 {
            for j in 0..24 {
                let a = c(-20.0 + 3.7 * f64::from(i), -15.0 + 2.9 * f64::from(j));
                let want = Euclidean.distance(&geo::Point::from(a), &oracle);
                assert!((polygon_distance(&rings, a) - want).abs() < 1e-9, "{a:?}");
                let line = [a, c(a.x + 6.0, a.y - 2.5), c(a.x + 7.5, a.y + 4.0)];
                let want = Euclidean.distance(&geo::LineString::from(line.to_vec()), &oracle);
                assert!((polyline_polygon_distance(&line, &rings) - want).abs() < 1e-9, "{line:?}");
            }
        }
    }
}
