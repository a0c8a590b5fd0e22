//! Aim points and layup marks: what the hole's line of play (OpenStreetMap's
//! `golf=hole` way, tee → landing spots → green) tells a golfer beyond front
//! / middle / back.
//!
//! **Where the ball is along the line.** The ball's *station* is the
//! distance along the line, from the tee, of the line's point nearest the
//! ball. Something on the line is **ahead** of the ball when its station is
//! more than [`PASSED_M`] beyond the ball's: a ball level with a dogleg's
//! corner (within a metre) has reached it.
//!
//! **Aim points** are the line's inner positions (dogleg corners, landing
//! spots: a par 4 mapped as OSM recommends has one, a par 5 two), numbered
//! from the tee from 1. For each one ahead of the ball: `distance_m` from the
//! ball, `green_distances` (front / middle / back from the aim point, along the line
//! from it to the target, as [`crate::yardage`] computes them from a ball
//! there: what the golfer leaves themselves), and `hazards`, the bunkers and
//! water within the corridor of the leg from the ball to the aim point.
//!
//! **Layup marks** are the points on the line [`LAYUP_MARKS`] (100, 150 and
//! 200) yards or metres, as the session's `units` say, in a straight line
//! from the target (the cup, else the green's centre: the point `middle_m`
//! measures to). Where the line is that far from the target more than once,
//! the mark is the one nearest the green along the line. A mark is listed
//! with its distance from the ball when it is ahead of the ball; a hole
//! shorter than a mark has none.
//!
//! Everything is planar in the hole's frame (`crate::frame`), as the rest
//! of the golfer's view.

use crate::classify::PreparedHole;
use crate::frame::LocalFrame;
use crate::geometry::{LatLon, LocalXY};
use crate::yardage::{GreenDistances, Hazard};
use alloc::vec::Vec;
use geo_types::Coord;
use serde::{Deserialize, Serialize};

/// Within this many metres along the line, the ball has reached a point.
pub const PASSED_M: f64 = 1.0;

/// The layup marks, in the session's units.
pub const LAYUP_MARKS: [u32; 3] = [100, 150, 200];

/// Metres in a yard (international yard, exact).
pub const YARD_M: f64 = 0.9144;

/// The units a golfer reads distances in: layup marks are placed in them.
/// Every distance on the wire stays in metres.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Units {
    #[default]
    Metres,
    Yards,
}

impl Units {
    pub const ALL: [Units; 2] = [Units::Metres, Units::Yards];

    /// The wire name (`METRES`, `YARDS`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Units::Metres => "METRES",
            Units::Yards => "YARDS",
        }
    }

    pub fn from_wire(s: &str) -> Option<Units> {
        Units::ALL.into_iter().find(|u| u.as_str() == s)
    }

    /// `n` of these units in metres.
    pub fn metres(self, n: u32) -> f64 {
        match self {
            Units::Metres => f64::from(n),
            Units::Yards => f64::from(n) * YARD_M,
        }
    }
}

/// An aim point of the hole ahead of the ball.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AimPoint {
    /// Its number along the line from the tee (1 = the first inner position).
    pub number: u32,
    pub wgs84: LatLon,
    /// Metres from the ball.
    pub distance_m: f64,
    /// Front / middle / back of the green from the aim point.
    pub green_distances: GreenDistances,
    /// Bunkers and water within the corridor of the leg from the ball to the aim point.
    pub hazards: Vec<Hazard>,
}

/// A layup mark ahead of the ball.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Layup {
    /// 100, 150 or 200, in the session's `units`.
    pub mark: u32,
    pub wgs84: LatLon,
    /// Metres from the ball.
    pub distance_m: f64,
}

/// The aim points and layup marks ahead of a ball.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Ahead {
    pub aim_points: Vec<AimPoint>,
    pub layups: Vec<Layup>,
}

/// The hole's line in its frame, with each position's station.
#[derive(Debug, Clone, Default)]
pub struct PreparedLine {
    points: Vec<Coord<f64>>,
    wgs84: Vec<LatLon>,
    /// Distance along the line from its start to each position.
    stations: Vec<f64>,
}

fn dot(a: Coord<f64>, b: Coord<f64>) -> f64 {
    a.x * b.x + a.y * b.y
}

impl PreparedLine {
    /// The line through `positions` (checked: two or more, none repeated in a row).
    pub fn new(frame: &LocalFrame, positions: &[LatLon]) -> PreparedLine {
        let points: Vec<Coord<f64>> = positions.iter().map(|p| frame.to_local(*p).into()).collect();
        let mut stations = Vec::with_capacity(points.len());
        let mut s = 0.0;
        for (i, p) in points.iter().enumerate() {
            if i > 0 {
                let d = *p - points[i - 1];
                s += libm::hypot(d.x, d.y);
            }
            stations.push(s);
        }
        PreparedLine { points, wgs84: positions.to_vec(), stations }
    }

    /// True when the hole has no line.
    pub fn is_empty(&self) -> bool {
        self.points.len() < 2
    }

    /// How many aim points (inner positions) the line has.
    pub fn aim_count(&self) -> usize {
        self.points.len().saturating_sub(2)
    }

    /// Aim point `number` (from 1): where it is, in the frame and on the ground.
    pub fn aim_point(&self, number: usize) -> Option<(Coord<f64>, LatLon)> {
        if number == 0 || number > self.aim_count() {
            return None;
        }
        Some((self.points[number], self.wgs84[number]))
    }

    /// The station of the line's point nearest `p`.
    pub fn station(&self, p: Coord<f64>) -> f64 {
        let (mut best, mut station) = (f64::INFINITY, 0.0);
        for (i, w) in self.points.windows(2).enumerate() {
            let d = w[1] - w[0];
            let len2 = dot(d, d);
            let f = if len2 > 0.0 { (dot(p - w[0], d) / len2).clamp(0.0, 1.0) } else { 0.0 };
            let q = Coord { x: w[0].x + f * d.x, y: w[0].y + f * d.y };
            let dist2 = dot(p - q, p - q);
            if dist2 < best {
                best = dist2;
                station = self.stations[i] + f * libm::sqrt(len2);
            }
        }
        station
    }

    /// The point of the line `d` metres in a straight line from `t` nearest
    /// the line's end, with its station.
    pub fn at_distance_from(&self, t: Coord<f64>, d: f64) -> Option<(Coord<f64>, f64)> {
        for i in (0..self.points.len().saturating_sub(1)).rev() {
            let (a, b) = (self.points[i], self.points[i + 1]);
            // |a + f·(b − a) − t|² = d², a quadratic in f.
            let (dv, w) = (b - a, a - t);
            let qa = dot(dv, dv);
            let qb = 2.0 * dot(dv, w);
            let qc = dot(w, w) - d * d;
            let disc = qb * qb - 4.0 * qa * qc;
            if qa == 0.0 || disc < 0.0 {
                continue;
            }
            let root = libm::sqrt(disc);
            // The larger root first: nearer the end of the segment.
            for f in [(-qb + root) / (2.0 * qa), (-qb - root) / (2.0 * qa)] {
                if (0.0..=1.0).contains(&f) {
                    let p = Coord { x: a.x + f * dv.x, y: a.y + f * dv.y };
                    return Some((p, self.stations[i] + f * libm::sqrt(qa)));
                }
            }
        }
        None
    }
}

impl PreparedHole {
    /// The aim points and layup marks ahead of `ball` (none without a line).
    pub fn ahead(&self, ball: LatLon, cup: Option<LatLon>, corridor_m: f64, units: Units) -> Ahead {
        let line = self.line();
        if line.is_empty() {
            return Ahead::default();
        }
        let frame = self.frame();
        let b: Coord<f64> = frame.to_local(ball).into();
        let at = line.station(b);
        let (target, t) = self.target(cup);
        let mut aim_points = Vec::new();
        for number in 1..=line.aim_count() {
            let (p, wgs84) = match line.aim_point(number) {
                Some(x) => x,
                None => break,
            };
            if line.stations[number] - at <= PASSED_M {
                continue;
            }
            let v = p - b;
            let distance_m = libm::hypot(v.x, v.y);
            let hazards = if distance_m > 0.0 {
                let u = Coord { x: v.x / distance_m, y: v.y / distance_m };
                self.hazards_along(b, u, distance_m, corridor_m)
            } else {
                Vec::new()
            };
            let (green, _) = self.green_from(p, target, t);
            aim_points.push(AimPoint { number: number as u32, wgs84, distance_m, green_distances: green, hazards });
        }
        let mut layups = Vec::new();
        for mark in LAYUP_MARKS {
            let Some((p, station)) = line.at_distance_from(t, units.metres(mark)) else { continue };
            if station - at <= PASSED_M {
                continue;
            }
            let v = p - b;
            layups.push(Layup {
                mark,
                wgs84: frame.to_wgs84(LocalXY { x: p.x, y: p.y }),
                distance_m: libm::hypot(v.x, v.y),
            });
        }
        Ahead { aim_points, layups }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(points: &[(f64, f64)]) -> PreparedLine {
        let frame = LocalFrame::new(LatLon::new(40.0, -111.0));
        let pos: Vec<LatLon> = points.iter().map(|&(x, y)| frame.to_wgs84(LocalXY { x, y })).collect();
        PreparedLine::new(&frame, &pos)
    }

    #[test]
    fn stations_follow_the_line() {
        // A dogleg: 300 m north, then 100 m east.
        let l = line(&[(0.0, -300.0), (0.0, 0.0), (100.0, 0.0)]);
        assert_eq!(l.aim_count(), 1);
        assert!((l.stations[2] - 400.0).abs() < 1e-6, "{:?}", l.stations);
        assert!((l.station(Coord { x: 5.0, y: -100.0 }) - 200.0).abs() < 1e-6);
        assert!((l.station(Coord { x: 50.0, y: 7.0 }) - 350.0).abs() < 1e-6);
        // Before the tee and past the green: the ends.
        assert!(l.station(Coord { x: 0.0, y: -400.0 }).abs() < 1e-6);
        assert!((l.station(Coord { x: 200.0, y: 0.0 }) - 400.0).abs() < 1e-6);
    }

    #[test]
    fn a_mark_is_the_crossing_nearest_the_green() {
        // Straight north to the target at the origin: 150 m out is at y = −150.
        let l = line(&[(0.0, -400.0), (0.0, -200.0), (0.0, 0.0)]);
        let (p, s) = l.at_distance_from(Coord { x: 0.0, y: 0.0 }, 150.0).unwrap();
        assert!(p.x.abs() < 1e-6 && (p.y + 150.0).abs() < 1e-6, "{p:?}");
        assert!((s - 250.0).abs() < 1e-6);
        // Farther than the tee: no mark.
        assert!(l.at_distance_from(Coord { x: 0.0, y: 0.0 }, 450.0).is_none());
        // A line that bends back: of two points 100 m from the target, the later one.
        let hook = line(&[(0.0, -100.0), (0.0, 50.0), (100.0, 0.0)]);
        let (p, _) = hook.at_distance_from(Coord { x: 100.0, y: 0.0 }, 100.0).unwrap();
        let d = libm::hypot(p.x - 100.0, p.y);
        assert!((d - 100.0).abs() < 1e-6 && p.y > 0.0, "{p:?}");
    }

    #[test]
    fn units_are_exact() {
        assert_eq!(Units::Yards.metres(100), 91.44);
        assert_eq!(Units::Metres.metres(150), 150.0);
        for u in Units::ALL {
            assert_eq!(Units::from_wire(u.as_str()), Some(u));
            assert_eq!(serde_json::to_value(u).unwrap(), u.as_str());
        }
    }
}
