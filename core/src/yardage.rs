//! What a golfer reads on a GPS app: the distances to the front, middle and
//! back of the green along the line of play, and the bunkers and water on
//! the way. Computed in the hole's local frame (an east–north tangent plane
//! at the green, where planar distances are geodesic ones to well under a
//! millimetre: `crate::frame`).
//!
//! **The line of play** runs from the ball through the target: the cup when
//! the session has one, else the green's centroid. It is a ray: it goes on
//! past the target, so it can leave the green behind the cup.
//!
//! **Front / middle / back.** `middle_m` is the distance to the target.
//! `front_m` is where the ray first enters the green, `back_m` where it
//! last leaves it. A ray that crosses the green more than once (a kidney or
//! a double green) keeps the first entry and the last exit: the golfer sees
//! how far to carry onto the green and how much green there is at most. A
//! ball on the green has `front_m` = 0 (it is on already). A ray that never
//! meets the green (a cup set off the green, away from it) has no front and
//! no back (`null`), and a ball on the target has no direction: front and
//! back are `null` and middle is 0.
//!
//! **Hazards on the way.** Every bunker and water polygon whose area
//! reaches the corridor: the strip `HAZARD_CORRIDOR_M` either side of the
//! ray, from the ball to the back of the green (to the target when there
//! is no back). For each, clipped to the corridor: `reach_m`, the distance
//! along the line to its nearest part, `carry_m`, to its farthest part, and
//! `side`: `LEFT` or `RIGHT` of the line looking along it, or `ON_LINE` when
//! it crosses it. Sorted by `reach_m`, then `carry_m`. A polygon's holes
//! (islands) are not subtracted: the outer ring decides.

use crate::classify::{HazardArea, PreparedHole, Surface};
use crate::geometry::{LatLon, LocalXY};
use alloc::vec::Vec;
use geo_types::Coord;
use serde::{Deserialize, Serialize};

/// What the line of play aims at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Target {
    /// The session's cup.
    Cup,
    /// The green's centroid (no cup set).
    GreenCentre,
}

impl Target {
    pub const ALL: [Target; 2] = [Target::Cup, Target::GreenCentre];

    pub const fn index(self) -> usize {
        self as usize
    }

    /// The wire name (`CUP`, `GREEN_CENTRE`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Target::Cup => "CUP",
            Target::GreenCentre => "GREEN_CENTRE",
        }
    }
}

/// Front, middle and back of the green from the ball, in metres along the line of play.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GreenDistances {
    pub target: Target,
    /// Where the line first enters the green (0 on the green; `null` when it misses the green).
    pub front_m: Option<f64>,
    /// The distance to the target.
    pub middle_m: f64,
    /// Where the line last leaves the green (`null` when it misses the green).
    pub back_m: Option<f64>,
    /// The points on the ground, for a map.
    pub front_wgs84: Option<LatLon>,
    pub back_wgs84: Option<LatLon>,
}

/// Which side of the line of play a hazard lies on, looking along it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Side {
    Left,
    Right,
    OnLine,
}

impl Side {
    pub const ALL: [Side; 3] = [Side::Left, Side::Right, Side::OnLine];

    pub const fn index(self) -> usize {
        self as usize
    }

    /// The wire name (`LEFT`, `RIGHT`, `ON_LINE`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Side::Left => "LEFT",
            Side::Right => "RIGHT",
            Side::OnLine => "ON_LINE",
        }
    }
}

/// A bunker or water area on the way to the green.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hazard {
    /// `BUNKER` or `WATER`.
    pub surface: Surface,
    /// Its position in the hole's `bunkers` or `water` list of the course file.
    pub index: u32,
    /// Metres along the line to its nearest part within the corridor.
    pub reach_m: f64,
    /// Metres along the line to its farthest part within the corridor.
    pub carry_m: f64,
    pub side: Side,
}

/// The golfer's view of one ball position.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Yardage {
    pub green: Option<GreenDistances>,
    pub hazards: Vec<Hazard>,
}

/// Below this distance (metres) from the target the line has no direction.
const AT_TARGET_M: f64 = 1e-6;

fn cross(a: Coord<f64>, b: Coord<f64>) -> f64 {
    a.x * b.y - a.y * b.x
}

fn dot(a: Coord<f64>, b: Coord<f64>) -> f64 {
    a.x * b.x + a.y * b.y
}

/// Distances along the ray `b + s·u` (s ≥ 0, `u` a unit vector) at which it
/// crosses the edges of `rings`.
fn crossings<'a>(b: Coord<f64>, u: Coord<f64>, rings: impl Iterator<Item = &'a [Coord<f64>]>) -> Vec<f64> {
    let mut out = Vec::new();
    for ring in rings {
        for w in ring.windows(2) {
            let d = w[1] - w[0];
            let denom = cross(u, d);
            if denom == 0.0 {
                continue; // parallel: the neighbouring edges give the crossing
            }
            let ab = w[0] - b;
            let s = cross(ab, d) / denom;
            let t = cross(ab, u) / denom;
            if s >= 0.0 && (0.0..=1.0).contains(&t) {
                out.push(s);
            }
        }
    }
    out
}

/// Clips a polygon (given in (s, t) line coordinates) to `lo ≤ coordinate ≤ hi`
/// on one axis (Sutherland–Hodgman against two half-planes).
fn clip_axis(poly: Vec<Coord<f64>>, along_s: bool, lo: f64, hi: f64) -> Vec<Coord<f64>> {
    let key = |p: Coord<f64>| if along_s { p.x } else { p.y };
    let lerp = |a: Coord<f64>, b: Coord<f64>, v: f64| {
        let f = (v - key(a)) / (key(b) - key(a));
        Coord { x: a.x + f * (b.x - a.x), y: a.y + f * (b.y - a.y) }
    };
    let mut poly = poly;
    for (bound, keep_above) in [(lo, true), (hi, false)] {
        let inside = |p: Coord<f64>| if keep_above { key(p) >= bound } else { key(p) <= bound };
        let mut out = Vec::with_capacity(poly.len() + 4);
        for i in 0..poly.len() {
            let (a, b) = (poly[i], poly[(i + 1) % poly.len()]);
            match (inside(a), inside(b)) {
                (true, true) => out.push(b),
                (true, false) => out.push(lerp(a, b, bound)),
                (false, true) => {
                    out.push(lerp(a, b, bound));
                    out.push(b);
                }
                (false, false) => {}
            }
        }
        poly = out;
        if poly.is_empty() {
            break;
        }
    }
    poly
}

/// One hazard against the corridor `0 ≤ s ≤ end`, `|t| ≤ half_width`.
fn hazard_on_line(area: &HazardArea, b: Coord<f64>, u: Coord<f64>, end: f64, half_width: f64) -> Option<Hazard> {
    // Most hazards of a hole are nowhere near the line: a circle around the
    // ring that misses the corridor settles it without clipping.
    let c = area.centre - b;
    let (s_c, t_c, r) = (dot(c, u), cross(u, c), area.radius);
    if s_c + r < 0.0 || s_c - r > end || libm::fabs(t_c) - r > half_width {
        return None;
    }
    // The ring in line coordinates: s along the line, t to its left. The
    // closing vertex is dropped (the clipper closes the polygon itself).
    let n = area.ring.len().saturating_sub(1);
    let st: Vec<Coord<f64>> = area.ring[..n]
        .iter()
        .map(|p| {
            let q = *p - b;
            Coord { x: dot(q, u), y: cross(u, q) }
        })
        .collect();
    let clipped = clip_axis(clip_axis(st, true, 0.0, end), false, -half_width, half_width);
    if clipped.len() < 3 {
        return None;
    }
    let (mut reach, mut carry) = (f64::INFINITY, f64::NEG_INFINITY);
    let (mut left, mut right) = (f64::NEG_INFINITY, f64::INFINITY);
    for p in &clipped {
        reach = reach.min(p.x);
        carry = carry.max(p.x);
        left = left.max(p.y);
        right = right.min(p.y);
    }
    let side = if right > 0.0 {
        Side::Left
    } else if left < 0.0 {
        Side::Right
    } else {
        Side::OnLine
    };
    Some(Hazard { surface: area.surface, index: area.index, reach_m: reach, carry_m: carry, side })
}

impl PreparedHole {
    /// The golfer's view from `ball` towards `cup` (or the green's centroid):
    /// front / middle / back and the hazards on the way (no aim points: [`PreparedHole::view`]).
    pub fn yardage(&self, ball: LatLon, cup: Option<LatLon>, corridor_m: f64) -> Yardage {
        let b: Coord<f64> = self.frame().to_local(ball).into();
        let (target, t) = self.target(cup);
        let (green, line) = self.green_from(b, target, t);
        let hazards = match line {
            Some((u, end)) => self.hazards_along(b, u, end, corridor_m),
            None => Vec::new(),
        };
        Yardage { green: Some(green), hazards }
    }

    /// What the line of play aims at, in the hole's frame.
    pub(crate) fn target(&self, cup: Option<LatLon>) -> (Target, Coord<f64>) {
        match cup {
            Some(c) => (Target::Cup, self.frame().to_local(c).into()),
            None => (Target::GreenCentre, Coord { x: 0.0, y: 0.0 }),
        }
    }

    /// Front / middle / back from the local point `b` towards `t`, and the
    /// line's direction and the hazard corridor's end (none when `b` is on
    /// the target).
    pub(crate) fn green_from(
        &self,
        b: Coord<f64>,
        target: Target,
        t: Coord<f64>,
    ) -> (GreenDistances, Option<(Coord<f64>, f64)>) {
        let v = t - b;
        let middle = libm::hypot(v.x, v.y);
        if middle < AT_TARGET_M {
            let green = GreenDistances {
                target,
                front_m: None,
                middle_m: middle,
                back_m: None,
                front_wgs84: None,
                back_wgs84: None,
            };
            return (green, None);
        }
        let frame = self.frame();
        let u = Coord { x: v.x / middle, y: v.y / middle };
        let s = crossings(b, u, self.green_rings().iter().map(|r| r.as_slice()));
        let first = s.iter().copied().reduce(f64::min);
        let last = s.iter().copied().reduce(f64::max);
        let front = if self.green_contains(b) { Some(0.0) } else { first };
        let at = |d: f64| frame.to_wgs84(LocalXY { x: b.x + d * u.x, y: b.y + d * u.y });
        let green = GreenDistances {
            target,
            front_m: front,
            middle_m: middle,
            back_m: last,
            front_wgs84: front.map(at),
            back_wgs84: last.map(at),
        };
        let end = last.unwrap_or(middle).max(middle);
        (green, Some((u, end)))
    }

    /// Bunkers and water reaching the corridor `corridor_m` either side of
    /// the line from `b` along the unit vector `u`, up to `end` metres;
    /// nearest first.
    pub(crate) fn hazards_along(&self, b: Coord<f64>, u: Coord<f64>, end: f64, corridor_m: f64) -> Vec<Hazard> {
        let mut hazards: Vec<Hazard> =
            self.hazard_areas().iter().filter_map(|h| hazard_on_line(h, b, u, end, corridor_m)).collect();
        // A handful at most: an insertion sort (stable, and small code in the wasm).
        crate::geometry::insertion_sort_by(&mut hazards, |a, b| {
            a.reach_m.total_cmp(&b.reach_m).then(a.carry_m.total_cmp(&b.carry_m)).is_lt()
        });
        hazards
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_names_are_the_wire_names() {
        // The npm package's classification entry names these without serde.
        for t in Target::ALL {
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str(), "{t:?}");
            assert_eq!(Target::ALL[t.index()], t);
        }
        for s in Side::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str(), "{s:?}");
            assert_eq!(Side::ALL[s.index()], s);
        }
        for k in crate::accuracy::AccuracyKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str(), "{k:?}");
            assert_eq!(crate::accuracy::AccuracyKind::ALL[k.index()], k);
        }
        for s in crate::classify::Surface::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str(), "{s:?}");
        }
    }

    fn sq(x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<Coord<f64>> {
        alloc::vec![
            Coord { x: x0, y: y0 },
            Coord { x: x1, y: y0 },
            Coord { x: x1, y: y1 },
            Coord { x: x0, y: y1 },
            Coord { x: x0, y: y0 },
        ]
    }

    #[test]
    fn a_ray_crosses_a_square_twice() {
        let r = sq(-10.0, 90.0, 10.0, 110.0);
        let s = crossings(Coord { x: 0.0, y: 0.0 }, Coord { x: 0.0, y: 1.0 }, core::iter::once(r.as_slice()));
        let (lo, hi) = (s.iter().copied().reduce(f64::min).unwrap(), s.iter().copied().reduce(f64::max).unwrap());
        assert!((lo - 90.0).abs() < 1e-9 && (hi - 110.0).abs() < 1e-9, "{s:?}");
        let behind = crossings(Coord { x: 0.0, y: 200.0 }, Coord { x: 0.0, y: 1.0 }, core::iter::once(r.as_slice()));
        assert!(behind.is_empty(), "a ray does not look back: {behind:?}");
    }

    #[test]
    fn a_hazard_is_clipped_to_the_corridor() {
        let b = Coord { x: 0.0, y: 0.0 };
        let u = Coord { x: 0.0, y: 1.0 };
        // A bunker from 40 to 60 m, 5 to 30 m to the right (x positive is
        // right when looking north): within 20 m, it is on the right.
        let right = HazardArea::new(Surface::Bunker, 0, sq(5.0, 40.0, 30.0, 60.0));
        let h = hazard_on_line(&right, b, u, 100.0, 20.0).unwrap();
        assert_eq!((h.side, h.reach_m, h.carry_m), (Side::Right, 40.0, 60.0));
        // Water across the line, reaching past the end of the corridor.
        let water = HazardArea::new(Surface::Water, 3, sq(-50.0, 80.0, 50.0, 150.0));
        let h = hazard_on_line(&water, b, u, 100.0, 20.0).unwrap();
        assert_eq!((h.side, h.reach_m, h.carry_m, h.index), (Side::OnLine, 80.0, 100.0, 3));
        // Too far to the side, or behind the ball: not on the way.
        let wide = HazardArea::new(Surface::Bunker, 1, sq(-40.0, 10.0, -25.0, 20.0));
        assert!(hazard_on_line(&wide, b, u, 100.0, 20.0).is_none());
        let behind = HazardArea::new(Surface::Bunker, 2, sq(-5.0, -30.0, 5.0, -10.0));
        assert!(hazard_on_line(&behind, b, u, 100.0, 20.0).is_none());
        let left = HazardArea::new(Surface::Bunker, 4, sq(-15.0, 20.0, -2.0, 25.0));
        assert_eq!(hazard_on_line(&left, b, u, 100.0, 20.0).unwrap().side, Side::Left);
    }

    /// The circle test only skips hazards the clipping would drop: with and
    /// without it (an infinite circle), every answer is the same.
    #[test]
    fn the_bounding_circle_never_changes_an_answer() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
        let mut next = move |lo: f64, hi: f64| rng.random_range(lo..hi);
        let (mut kept, mut skipped) = (0, 0);
        for _ in 0..20_000 {
            let (x, y, w, h) = (next(-150.0, 150.0), next(-50.0, 250.0), next(0.5, 40.0), next(0.5, 40.0));
            let area = HazardArea::new(Surface::Bunker, 0, sq(x, y, x + w, y + h));
            let mut unbounded = area.clone();
            unbounded.radius = f64::INFINITY;
            let a = next(0.0, core::f64::consts::TAU);
            let (b, u) =
                (Coord { x: next(-20.0, 20.0), y: next(-20.0, 20.0) }, Coord { x: libm::cos(a), y: libm::sin(a) });
            let (end, half) = (next(0.0, 250.0), next(0.0, 30.0));
            let with = hazard_on_line(&area, b, u, end, half);
            assert_eq!(with, hazard_on_line(&unbounded, b, u, end, half));
            if with.is_some() { kept += 1 } else { skipped += 1 }
        }
        assert!(kept > 1_000 && skipped > 1_000, "both cases seen: {kept} kept, {skipped} not");
    }
}
