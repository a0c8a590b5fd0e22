//! A hole's line of play (OpenStreetMap's `golf=hole` way, tee → landing
//! spots → green) prepared in the hole's frame: each position's *station*
//! (its distance along the line from the tee), the station of the line's
//! point nearest any point, and the point of the line at a given straight
//! distance from a target. `crate::aim` and `crate::measure` read it.

use crate::frame::LocalFrame;
use crate::geometry::LatLon;
use alloc::vec::Vec;
use geo_types::Coord;

/// The hole's line in its frame, with each position's station.
#[derive(Debug, Clone, Default)]
pub struct PreparedLine {
    points: Vec<Coord<f64>>,
    wgs84: Vec<LatLon>,
    /// Distance along the line from its start to each position.
    pub(crate) stations: Vec<f64>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::LocalXY;

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
}
