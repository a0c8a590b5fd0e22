//! Measure any point: `GET /api/courses/{course_id}/holes/{hole_id}/measure?from=lat,lon&to=lat,lon`
//! (and `course.measure` in the npm package). From `from` (the ball) to `to`
//! (a tap on the map, or the hole's aim point `aim:N`):
//!
//! - `distance_m`: from `from` to `to`;
//! - `surface`: the surface at `to` on this hole (where a ball there would lie);
//! - `green_distances`: front / middle / back of the green from `to`, towards the
//!   green's centre (`target: GREEN_CENTRE`), as [`crate::yardage`] computes them;
//! - `hazards`: bunkers and water within `HAZARD_CORRIDOR_M` of the line
//!   from `from` to `to` (the hazards between), nearest first.
//!
//! Bad input: a missing or malformed point (`invalid_query`,
//! `invalid_coordinates`), a point on no hole of the course
//! (`not_on_course`), `to` equal to `from` (`points_equal`), `aim:N` on a
//! hole without a line (`hole_without_line`) or past its last aim point
//! (`aim_point_not_found`).

use crate::api::contract_version;
use crate::classify::{PreparedHole, Surface};
use crate::error::{ApiError, ErrorCode};
use crate::geometry::LatLon;
use crate::rules::Rules;
use crate::yardage::{GreenDistances, Hazard};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use geo_types::Coord;
use serde::{Deserialize, Serialize};

/// Below this many metres apart, `from` and `to` are the same point.
pub const SAME_POINT_M: f64 = 0.01;

/// The answer of `measure`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Measured {
    pub contract_version: String,
    pub course_id: String,
    pub hole_id: u32,
    pub from_wgs84: LatLon,
    pub to_wgs84: LatLon,
    /// Metres from `from` to `to`.
    pub distance_m: f64,
    /// The surface at `to` on this hole.
    pub surface: Surface,
    /// Front / middle / back of the green from `to` (target `GREEN_CENTRE`).
    pub green_distances: GreenDistances,
    /// Bunkers and water between `from` and `to`, nearest first.
    pub hazards: Vec<Hazard>,
}

/// What `to` names.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum To {
    Point(LatLon),
    /// Aim point `N` of the hole (from 1).
    Aim(u32),
}

/// Reads `lat,lon` (decimal degrees) of the query parameter `name`.
pub fn parse_point(name: &str, v: Option<&str>) -> Result<LatLon, ApiError> {
    let v = v.ok_or_else(|| {
        ApiError::new(ErrorCode::InvalidQuery, format!("{name} is required: `lat,lon` in decimal degrees")).field(name)
    })?;
    let bad = || {
        ApiError::new(
            ErrorCode::InvalidCoordinates,
            format!("{name} must be `lat,lon`: lat a number in [-90, 90], lon in [-180, 180]"),
        )
        .field(name)
    };
    let (lat, lon) = v.split_once(',').ok_or_else(bad)?;
    let num = |s: &str| s.trim().parse::<f64>().ok().filter(|x| x.is_finite());
    let (Some(lat), Some(lon)) = (num(lat), num(lon)) else { return Err(bad()) };
    if !crate::validate::lat_lon_ok(lat, lon) {
        return Err(bad());
    }
    Ok(LatLon::new(lat, lon))
}

/// Reads `to`: `lat,lon`, or `aim:N`.
pub fn parse_to(v: Option<&str>) -> Result<To, ApiError> {
    match v.and_then(|v| v.strip_prefix("aim:")) {
        Some(n) => match n.trim().parse::<u32>() {
            Ok(n) if n >= 1 => Ok(To::Aim(n)),
            _ => Err(ApiError::new(ErrorCode::InvalidQuery, "to=aim:N needs N a whole number from 1").field("to")),
        },
        None => parse_point("to", v).map(To::Point),
    }
}

/// What a measurement is, before the route's answer wraps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    pub from: LatLon,
    pub to: LatLon,
    pub distance_m: f64,
    pub surface: Surface,
    pub green: GreenDistances,
    pub hazards: Vec<Hazard>,
}

/// Why a measurement cannot be made (the npm package's classification
/// entry words these itself; [`MeasureError::api`] is the HTTP error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeasureError {
    /// `from` (false) or `to` (true) is on no hole of the course.
    OffCourse {
        to: bool,
    },
    PointsEqual,
    HoleWithoutLine,
    /// `aim:N` past the hole's last aim point; it has `count`.
    NoSuchAim {
        count: u32,
    },
}

impl MeasureError {
    /// The stable code.
    pub fn code(self) -> ErrorCode {
        match self {
            MeasureError::OffCourse { .. } => ErrorCode::NotOnCourse,
            MeasureError::PointsEqual => ErrorCode::PointsEqual,
            MeasureError::HoleWithoutLine => ErrorCode::HoleWithoutLine,
            MeasureError::NoSuchAim { .. } => ErrorCode::AimPointNotFound,
        }
    }

    /// The HTTP API's error for this hole.
    pub fn api(self, hole: &PreparedHole, to: To) -> ApiError {
        let code = self.code();
        match self {
            MeasureError::OffCourse { to } => {
                let name = if to { "to" } else { "from" };
                ApiError::new(code, format!("{name} is on no hole of course `{}`", hole.course_id))
                    .field(name)
                    .with("course_id", hole.course_id.as_str())
            }
            MeasureError::PointsEqual => {
                ApiError::new(code, "from and to are the same point: nothing to measure").field("to")
            }
            MeasureError::HoleWithoutLine => ApiError::new(
                code,
                format!("hole {} has no line of play in the course file: it has no aim points", hole.hole_id),
            )
            .field("to")
            .with("hole_id", hole.hole_id),
            MeasureError::NoSuchAim { count } => {
                let n = if let To::Aim(n) = to { n } else { 0 };
                ApiError::new(code, format!("hole {} has {count} aim point(s); to=aim:{n} is not one", hole.hole_id))
                    .field("to")
                    .with("aim_points", count)
            }
        }
    }
}

/// Measures on `hole`. A point is off the course when `hole` says
/// `OUT_OF_HOLE` there and so does every other hole of the course:
/// `elsewhere(p)` asks them (only then: the npm package prepares a hole
/// when it is first asked).
pub fn compute(
    hole: &PreparedHole,
    from: LatLon,
    to: To,
    rules: &Rules,
    elsewhere: impl Fn(LatLon) -> bool,
) -> Result<Measurement, MeasureError> {
    let to = match to {
        To::Point(p) => p,
        To::Aim(n) => {
            let line = hole.line();
            if line.is_empty() {
                return Err(MeasureError::HoleWithoutLine);
            }
            match line.aim_point(n as usize) {
                Some((_, p)) => p,
                None => return Err(MeasureError::NoSuchAim { count: line.aim_count() as u32 }),
            }
        }
    };
    if !(on_hole(hole, from, rules) || elsewhere(from)) {
        return Err(MeasureError::OffCourse { to: false });
    }
    // Where a ball at `to` would lie on this hole: also whether it is on the course.
    let surface = hole.classify(to, None, None, rules).surface;
    if surface == Surface::OutOfHole && !elsewhere(to) {
        return Err(MeasureError::OffCourse { to: true });
    }
    let frame = hole.frame();
    let (f, t): (Coord<f64>, Coord<f64>) = (frame.to_local(from).into(), frame.to_local(to).into());
    let v = t - f;
    let distance_m = libm::hypot(v.x, v.y);
    if distance_m < SAME_POINT_M {
        return Err(MeasureError::PointsEqual);
    }
    let u = Coord { x: v.x / distance_m, y: v.y / distance_m };
    let hazards = hole.hazards_along(f, u, distance_m, rules.hazard_corridor_m);
    let (target, centre) = hole.target(None);
    let (green, _) = hole.green_from(t, target, centre);
    Ok(Measurement { from, to, distance_m, surface, green, hazards })
}

/// True when `p` is on `hole` (anything but `OUT_OF_HOLE`): a point on no
/// hole of the course is off it.
pub fn on_hole(hole: &PreparedHole, p: LatLon, rules: &Rules) -> bool {
    hole.classify(p, None, None, rules).surface != Surface::OutOfHole
}

/// True when some hole of `holes` has `p`.
pub fn on_some_hole(holes: &[&PreparedHole], p: LatLon, rules: &Rules) -> bool {
    holes.iter().any(|h| on_hole(h, p, rules))
}

/// [`compute`] as the HTTP route answers it.
pub fn measure(
    holes: &[&PreparedHole],
    hole: &PreparedHole,
    from: LatLon,
    to: To,
    rules: &Rules,
) -> Result<Measured, ApiError> {
    let elsewhere = |p: LatLon| on_some_hole(holes, p, rules);
    let m = compute(hole, from, to, rules, elsewhere).map_err(|e| e.api(hole, to))?;
    Ok(Measured {
        contract_version: contract_version(),
        course_id: hole.course_id.clone(),
        hole_id: hole.hole_id,
        from_wgs84: m.from,
        to_wgs84: m.to,
        distance_m: m.distance_m,
        surface: m.surface,
        green_distances: m.green,
        hazards: m.hazards,
    })
}

/// The whole route for every platform: ids checked, the query read, the
/// course and hole found, the points measured.
pub fn answer(
    catalog: &crate::catalog::Catalog,
    course_id: &str,
    hole_id: &str,
    q: impl Fn(&str) -> Option<String>,
    rules: &Rules,
) -> Result<Measured, ApiError> {
    crate::validate::course_id(course_id)?;
    let hole_id: u32 = hole_id.parse().map_err(|_| {
        ApiError::new(ErrorCode::InvalidField, "hole_id must be a whole number in 1..=99").field("hole_id")
    })?;
    crate::validate::hole_id(hole_id)?;
    let from = parse_point("from", q("from").as_deref())?;
    let to = parse_to(q("to").as_deref())?;
    let hole = catalog.hole(course_id, hole_id)?;
    let course = catalog.course(course_id)?;
    let holes: Vec<&PreparedHole> = course.holes.values().map(|h| h.as_ref()).collect();
    measure(&holes, &hole, from, to, rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_read_strictly() {
        assert_eq!(parse_point("from", Some("33.5,-82.02")).unwrap(), LatLon::new(33.5, -82.02));
        assert_eq!(parse_point("from", Some(" 33.5 , -82.02 ")).unwrap(), LatLon::new(33.5, -82.02));
        for bad in ["", "33.5", "33.5,", "91,0", "0,181", "NaN,0", "inf,1", "a,b", "1,2,3"] {
            let e = parse_point("from", Some(bad)).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidCoordinates, "{bad:?}");
            assert_eq!(e.details.get("field").and_then(|f| f.as_str()), Some("from"));
        }
        assert_eq!(parse_point("from", None).unwrap_err().code, ErrorCode::InvalidQuery);
        assert_eq!(parse_to(Some("aim:2")).unwrap(), To::Aim(2));
        for bad in ["aim:0", "aim:", "aim:x", "aim:-1"] {
            assert_eq!(parse_to(Some(bad)).unwrap_err().code, ErrorCode::InvalidQuery, "{bad:?}");
        }
    }
}
