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
//! from the middle of the green (its centroid, wherever the cup is: a
//! course's 150 marker is to the middle). Where the line is that far from
//! it more than once, the mark is the one nearest the green along the line. A mark is listed
//! with its distance from the ball when it is ahead of the ball; a hole
//! shorter than a mark has none.
//!
//! Everything is planar in the hole's frame (`crate::frame`), as the rest
//! of the golfer's view.

use crate::classify::PreparedHole;
use crate::geometry::{LatLon, LocalXY};
use crate::yardage::{GreenDistances, Hazard, Yardage};
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

/// The aim points and layup marks ahead of a ball (the session keeps them
/// beside its `Yardage`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ahead {
    pub aim_points: Vec<AimPoint>,
    pub layups: Vec<Layup>,
}

impl PreparedHole {
    /// The golfer's whole view from `ball`: [`PreparedHole::yardage`], and
    /// from the hole's line the aim points ahead and the layup marks in `units`.
    pub fn view(&self, ball: LatLon, cup: Option<LatLon>, corridor_m: f64, units: Units) -> (Yardage, Ahead) {
        (self.yardage(ball, cup, corridor_m), self.ahead(ball, cup, corridor_m, units))
    }

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
        // The middle of the green is the frame's origin.
        let middle = Coord { x: 0.0, y: 0.0 };
        for mark in LAYUP_MARKS {
            let Some((p, station)) = line.at_distance_from(middle, units.metres(mark)) else { continue };
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
