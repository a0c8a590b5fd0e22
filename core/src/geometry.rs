//! WGS84 positions on the wire and the planar algorithms the hot path needs.
//!
//! `geo` is not `no_std`, so the few algorithms classification needs are
//! written here over `geo_types::Coord<f64>` in the local metric frame
//! (metres). The test suite checks them against `geo` as the oracle.

use alloc::vec::Vec;
use geo_types::Coord;
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
