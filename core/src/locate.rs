//! Which hole is the ball on? One or a few fixes against every hole of a
//! course.
//!
//! Each fix is classified on every hole. A hole's **score** for a fix is the
//! weight of the surface the fix lands on (its own green or tee 1.0, fringe
//! 0.8, fairway 0.6, bunker 0.5, water 0.3, rough 0.2, outside the hole 0),
//! divided by `1 + d / 50 m`, where `d` is the fix's distance from the hole's
//! axis (the segment from its first tee to its green's centroid): on shared
//! rough or a fairway that two holes cross, the hole the ball is along wins.
//! A fix within [`TEE_NEAR_M`] of one of a hole's tees counts as on its tee,
//! tee box polygon or not. Scores add up over the fixes; `confidence` is the
//! best hole's share of the total, and the candidates are every hole that
//! scored, best first. No hole scoring is `not_on_course`.

use crate::classify::{PreparedHole, Surface};
use crate::error::{ApiError, ErrorCode};
use crate::geometry::LatLon;
use crate::rules::Rules;
use alloc::format;
use alloc::vec::Vec;
use geo_types::Coord;
use serde::{Deserialize, Serialize};

/// A fix this close to a tee (metres) is on that tee.
pub const TEE_NEAR_M: f64 = 10.0;
/// Most candidates answered.
pub const MAX_CANDIDATES: usize = 5;
/// Most fixes one request may give.
pub const MAX_LOCATE_FIXES: usize = 20;

/// How much a surface says the ball is on that hole.
pub fn surface_weight(s: Surface) -> f64 {
    match s {
        Surface::Green | Surface::Tee => 1.0,
        Surface::Fringe => 0.8,
        Surface::Fairway => 0.6,
        Surface::Bunker => 0.5,
        Surface::Water => 0.3,
        Surface::Rough => 0.2,
        Surface::OutOfHole | Surface::OutOfBounds => 0.0,
    }
}

/// One hole the ball may be on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Candidate {
    pub hole_id: u32,
    /// The surface of the last fix on this hole.
    pub surface: Surface,
    /// This hole's share of the total score, in (0, 1].
    pub probability: f64,
}

/// The answer of `GET /api/courses/{course_id}/locate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Located {
    pub contract_version: alloc::string::String,
    pub course_id: alloc::string::String,
    /// The most likely hole.
    pub hole_id: u32,
    pub surface: Surface,
    /// The best hole's share of the total score: 1 when no other hole scored.
    pub confidence: f64,
    /// Every hole that scored, best first (at most five).
    pub candidates: Vec<Candidate>,
}

/// Reads `lat` and `lon` (decimal degrees) of `GET …/locate`.
pub fn parse_query(q: impl Fn(&str) -> Option<alloc::string::String>) -> Result<LatLon, ApiError> {
    // The ranges are spelled out, not formatted: no float printing on this path.
    let axis =
        |name: &str, lo: f64, hi: f64, range: &str| -> Result<f64, ApiError> {
            let v = q(name).ok_or_else(|| {
                ApiError::new(ErrorCode::InvalidQuery, format!("{name} is required (decimal degrees)")).field(name)
            })?;
            match v.trim().parse::<f64>() {
                Ok(x) if x.is_finite() && (lo..=hi).contains(&x) => Ok(x),
                _ => Err(ApiError::new(ErrorCode::InvalidCoordinates, format!("{name} must be a number in {range}"))
                    .field(name)),
            }
        };
    Ok(LatLon::new(axis("lat", -90.0, 90.0, "[-90, 90]")?, axis("lon", -180.0, 180.0, "[-180, 180]")?))
}

fn axis_distance(hole: &PreparedHole, p: Coord<f64>) -> f64 {
    // The green's centroid is the frame's origin.
    let Some(tee) = hole.tee_points().first().copied() else {
        return libm::hypot(p.x, p.y);
    };
    let d = Coord { x: -tee.x, y: -tee.y };
    let len2 = d.x * d.x + d.y * d.y;
    let f = if len2 > 0.0 { (((p.x - tee.x) * d.x + (p.y - tee.y) * d.y) / len2).clamp(0.0, 1.0) } else { 0.0 };
    libm::hypot(p.x - (tee.x + f * d.x), p.y - (tee.y + f * d.y))
}

/// A fix's classification on `hole`, and its surface with the tees counted:
/// within [`TEE_NEAR_M`] of one of the hole's tees (and off its green) is
/// `TEE`, tee box polygon or not. `locate` and a round's hole detection
/// (`crate::round`) both ask this.
pub fn surface_with_tees(
    hole: &PreparedHole,
    fix: LatLon,
    rules: &Rules,
) -> (crate::classify::Classification, Surface) {
    let c = hole.classify(fix, None, None, rules);
    let p: Coord<f64> = c.local.into();
    let near_tee = hole.tee_points().iter().any(|t| libm::hypot(t.x - p.x, t.y - p.y) <= TEE_NEAR_M);
    let surface = if near_tee && c.surface != Surface::Green { Surface::Tee } else { c.surface };
    (c, surface)
}

/// Which holes `fixes` (checked, at least one) score on, best first, with
/// the surface of the last fix on each and its share of the total score:
/// [`locate`]'s ranking without its checks and errors (no formatting, no
/// JSON: the npm package's classification entry calls this).
pub fn rank(holes: &[&PreparedHole], fixes: &[LatLon], rules: &Rules) -> Vec<Candidate> {
    let mut scored: Vec<(u32, Surface, f64)> = Vec::new();
    for hole in holes {
        let mut score = 0.0;
        let mut surface = Surface::OutOfHole;
        for f in fixes {
            let (c, s) = surface_with_tees(hole, *f, rules);
            surface = s;
            score += surface_weight(surface) / (1.0 + axis_distance(hole, c.local.into()) / 50.0);
        }
        if score > 0.0 {
            scored.push((hole.hole_id, surface, score));
        }
    }
    let total: f64 = scored.iter().map(|s| s.2).sum();
    // At most 99 holes: an insertion sort (stable, small code in the wasm).
    crate::geometry::insertion_sort_by(&mut scored, |a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)).is_lt());
    scored.iter().map(|&(hole_id, surface, s)| Candidate { hole_id, surface, probability: s / total }).collect()
}

/// The most likely hole of `holes` (one course, prepared) for `fixes`.
pub fn locate(course_id: &str, holes: &[&PreparedHole], fixes: &[LatLon], rules: &Rules) -> Result<Located, ApiError> {
    if fixes.is_empty() || fixes.len() > MAX_LOCATE_FIXES {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            format!("give between 1 and {MAX_LOCATE_FIXES} positions, not {}", fixes.len()),
        )
        .field("fixes"));
    }
    for (i, f) in fixes.iter().enumerate() {
        crate::validate::lat_lon(&format!("fixes[{i}]"), *f)?;
    }
    let mut candidates = rank(holes, fixes, rules);
    let Some(&best) = candidates.first() else {
        return Err(ApiError::new(
            ErrorCode::NotOnCourse,
            format!("the position is on no hole of course `{course_id}`"),
        )
        .with("course_id", course_id));
    };
    candidates.truncate(MAX_CANDIDATES);
    Ok(Located {
        contract_version: crate::api::contract_version(),
        course_id: alloc::string::String::from(course_id),
        hole_id: best.hole_id,
        surface: best.surface,
        confidence: best.probability,
        candidates,
    })
}

/// `GET /api/courses/{course_id}/locate?lat=&lon=`, the whole of it: the
/// course id checked, the query read, the course found, the hole located.
/// Every platform answers through this.
pub fn answer(
    catalog: &crate::catalog::Catalog,
    course_id: &str,
    q: impl Fn(&str) -> Option<alloc::string::String>,
    rules: &Rules,
) -> Result<Located, ApiError> {
    crate::validate::course_id(course_id)?;
    let fix = parse_query(q)?;
    let course = catalog.course(course_id)?;
    let holes: Vec<&PreparedHole> = course.holes.values().map(|h| h.as_ref()).collect();
    locate(course_id, &holes, &[fix], rules)
}
