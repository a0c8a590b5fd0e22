//! Course data of manifest contract 0.1.0: the dataset registry and course files.
//!
//! ```text
//! datasets.json   {"manifest_contract_version":"0.1.0","datasets":[{course_id,name,path,version,checksum?}]}
//! <path>          {"manifest_contract_version":"0.1.0","course_id","name","attribution","license",
//!                  "illustrative"?, "holes":[{hole_id, par, handicap?, tees:[{name?,position}],
//!                  default_cup?, green, fringe?, fairways[], bunkers[], water[], tee_boxes[],
//!                  rough[], out_of_bounds[]?, boundary?, line?, name?, dist_m?, water_kinds[]?}],
//!                  boundary?}
//! ```
//!
//! `line` is the hole's line of play as OpenStreetMap's `golf=hole` way
//! draws it, a GeoJSON `LineString` from the tee to the green: its inner
//! positions are the hole's aim points (dogleg corners, landing spots;
//! `crate::aim`). At least two positions, no two in a row the same.
//!
//! ```text
//! ```
//!
//! Geometry is GeoJSON `Polygon` or `MultiPolygon` in (lon, lat) order; rings
//! must be closed, have at least four positions and not cross themselves.
//! Parsing never panics: every problem is a [`CourseError`] that names where
//! it is (`holes[0].bunkers[1].coordinates[0]`).

use crate::error::{ApiError, ErrorCode};
use crate::frame::LocalFrame;
use crate::geometry::{LatLon, ring_self_intersection};
use crate::validate;
use alloc::collections::BTreeSet;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use geo_types::Coord;
use serde::{Deserialize, Serialize};

/// Why a registry or course file was rejected. `code()` is stable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CourseError {
    #[error("not valid course JSON: {0}")]
    Json(String),
    #[error("manifest_contract_version `{found}` is not supported (expected 0.1.x)")]
    UnsupportedManifestVersion { found: String },
    #[error("{at}: {reason}")]
    InvalidField { at: String, reason: String },
    #[error("{at}: ring is not closed (first and last positions differ)")]
    RingNotClosed { at: String },
    #[error("{at}: ring has fewer than 4 positions")]
    RingTooShort { at: String },
    #[error("{at}: ring crosses itself (edges {edge_a} and {edge_b})")]
    RingSelfIntersects { at: String, edge_a: usize, edge_b: usize },
    #[error("{at}: position is not a finite WGS84 (lon, lat) in range")]
    InvalidPosition { at: String },
    #[error("{at}: geometry must be a Polygon, MultiPolygon or Mask")]
    UnsupportedGeometry { at: String },
    #[error("{at}: raster mask: {reason}")]
    MaskInvalid { at: String, reason: String },
    #[error("hole {hole_id} has no green")]
    HoleWithoutGreen { hole_id: u32 },
    #[error("hole {hole_id} appears more than once")]
    DuplicateHoleId { hole_id: u32 },
    #[error("course `{course_id}` appears more than once in the registry")]
    DuplicateCourseId { course_id: String },
    #[error("course has no holes")]
    NoHoles,
}

impl CourseError {
    /// Stable code, listed in `docs/error-codes.md` under course data.
    pub fn code(&self) -> &'static str {
        match self {
            CourseError::Json(_) => "course_json_invalid",
            CourseError::UnsupportedManifestVersion { .. } => "unsupported_manifest_version",
            CourseError::InvalidField { .. } => "course_field_invalid",
            CourseError::RingNotClosed { .. } => "ring_not_closed",
            CourseError::RingTooShort { .. } => "ring_too_short",
            CourseError::RingSelfIntersects { .. } => "ring_self_intersects",
            CourseError::InvalidPosition { .. } => "position_invalid",
            CourseError::UnsupportedGeometry { .. } => "geometry_unsupported",
            CourseError::MaskInvalid { .. } => "mask_invalid",
            CourseError::HoleWithoutGreen { .. } => "hole_without_green",
            CourseError::DuplicateHoleId { .. } => "duplicate_hole_id",
            CourseError::DuplicateCourseId { .. } => "duplicate_course_id",
            CourseError::NoHoles => "course_without_holes",
        }
    }
}

/// A GeoJSON geometry as course files use it, or a raster mask
/// (`{"type": "Mask", "coordinates": {bounds, width, height, rle}}`, see
/// [`crate::mask`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", content = "coordinates")]
pub enum Geometry {
    Polygon(Vec<Vec<Vec<f64>>>),
    MultiPolygon(Vec<Vec<Vec<Vec<f64>>>>),
    Mask(crate::mask::RasterMask),
}

pub use crate::geometry::Polygon;

impl From<crate::mask::MaskError> for CourseError {
    fn from(e: crate::mask::MaskError) -> Self {
        CourseError::MaskInvalid { at: e.at, reason: e.reason }
    }
}

impl Geometry {
    /// Checks the geometry and returns its polygons.
    pub fn polygons(&self, at: &str) -> Result<Vec<Polygon>, CourseError> {
        match self {
            Geometry::Polygon(rings) => Ok(alloc::vec![polygon(rings, at)?]),
            Geometry::MultiPolygon(polys) => {
                polys.iter().enumerate().map(|(i, rings)| polygon(rings, &format!("{at}.coordinates[{i}]"))).collect()
            }
            Geometry::Mask(m) => Ok(m.polygons(&format!("{at}.coordinates"))?),
        }
    }
}

fn polygon(rings: &[Vec<Vec<f64>>], at: &str) -> Result<Polygon, CourseError> {
    if rings.is_empty() {
        return Err(CourseError::RingTooShort { at: format!("{at}.coordinates") });
    }
    let mut out = Vec::with_capacity(rings.len());
    for (r, ring) in rings.iter().enumerate() {
        let at = format!("{at}.coordinates[{r}]");
        if ring.len() < 4 {
            return Err(CourseError::RingTooShort { at });
        }
        let mut pts = Vec::with_capacity(ring.len());
        for (i, pos) in ring.iter().enumerate() {
            let ok = (pos.len() == 2 || pos.len() == 3) && validate::lat_lon_ok(pos[1], pos[0]);
            if !ok {
                return Err(CourseError::InvalidPosition { at: format!("{at}[{i}]") });
            }
            pts.push(LatLon::new(pos[1], pos[0]));
        }
        if pts.first() != pts.last() {
            return Err(CourseError::RingNotClosed { at });
        }
        // Self-intersection is checked in a local frame, where segments are straight.
        let frame = LocalFrame::new(pts[0]);
        let local: Vec<Coord<f64>> = pts.iter().map(|p| frame.to_local(*p).into()).collect();
        if let Some((a, b)) = ring_self_intersection(&local) {
            return Err(CourseError::RingSelfIntersects { at, edge_a: a, edge_b: b });
        }
        out.push(pts);
    }
    Ok(Polygon { rings: out })
}

/// The hole's line of play (`{"type": "LineString", "coordinates": [[lon, lat], …]}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", content = "coordinates")]
pub enum Line {
    LineString(Vec<Vec<f64>>),
}

impl Line {
    /// Checks the line and returns its positions: at least two, each a
    /// finite WGS84 (lon, lat), no two in a row the same.
    pub fn positions(&self, at: &str) -> Result<Vec<LatLon>, CourseError> {
        let Line::LineString(coords) = self;
        if coords.len() < 2 {
            return Err(CourseError::InvalidField {
                at: format!("{at}.coordinates"),
                reason: String::from("a line has at least 2 positions"),
            });
        }
        let mut out: Vec<LatLon> = Vec::with_capacity(coords.len());
        for (i, pos) in coords.iter().enumerate() {
            let ok = (pos.len() == 2 || pos.len() == 3) && validate::lat_lon_ok(pos[1], pos[0]);
            if !ok {
                return Err(CourseError::InvalidPosition { at: format!("{at}.coordinates[{i}]") });
            }
            let p = LatLon::new(pos[1], pos[0]);
            if out.last() == Some(&p) {
                return Err(CourseError::InvalidField {
                    at: format!("{at}.coordinates[{i}]"),
                    reason: String::from("repeats the position before it"),
                });
            }
            out.push(p);
        }
        Ok(out)
    }
}

/// A tee position; with a name, one hole's tee of a named tee set (OSM's
/// `tee=<colour>`), with that set's par and length when they differ.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tee {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub position: LatLon,
    /// The hole's par from this tee (OSM `par:<colour>`), when it differs from the hole's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub par: Option<u8>,
    /// The hole's length from this tee in metres (OSM `dist:<colour>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dist_m: Option<f64>,
}

/// Which kind of penalty area a `water` entry is, as mapped: the Rules of
/// Golf treat them apart (a yellow penalty area has fewer relief options
/// than a red one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PenaltyKind {
    /// OSM `golf=water_hazard`: a yellow penalty area.
    Yellow,
    /// OSM `golf=lateral_water_hazard`, or `golf=penalty_area` (red unless tagged `penalty_area=yellow`): a red penalty area.
    Red,
    /// Water mapped without a golf tag (`natural=water`).
    Water,
}

/// One hole of a course file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hole {
    pub hole_id: u32,
    /// The hole's name (OSM `name`), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub par: u8,
    /// The hole's length in metres (OSM `dist`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dist_m: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handicap: Option<u8>,
    #[serde(default)]
    pub tees: Vec<Tee>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_cup: Option<LatLon>,
    #[serde(default)]
    pub green: Option<Geometry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fringe: Option<Geometry>,
    #[serde(default)]
    pub fairways: Vec<Geometry>,
    #[serde(default)]
    pub bunkers: Vec<Geometry>,
    #[serde(default)]
    pub water: Vec<Geometry>,
    /// Each `water` entry's penalty-area kind, in the same order (empty: not known).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub water_kinds: Vec<PenaltyKind>,
    #[serde(default)]
    pub tee_boxes: Vec<Geometry>,
    #[serde(default)]
    pub rough: Vec<Geometry>,
    /// Out-of-bounds areas (`OUT_OF_BOUNDS` inside them, before every
    /// surface but the green): OSM `golf=out_of_bounds` areas, and the strip
    /// beyond an out-of-bounds line (the importer draws it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub out_of_bounds: Vec<Geometry>,
    /// Where ROUGH ends and OUT_OF_HOLE begins. Without it, the hole's
    /// surfaces' bounding box grown by [`crate::classify::DEFAULT_ROUGH_MARGIN_M`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary: Option<Geometry>,
    /// The line of play, tee to green; its inner positions are the aim points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<Line>,
}

/// A course file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Course {
    pub manifest_contract_version: String,
    pub course_id: String,
    pub name: String,
    #[serde(default)]
    pub attribution: Option<String>,
    #[serde(default)]
    pub license: Option<String>,
    /// True when the geometry is made up for examples, not surveyed.
    #[serde(default)]
    pub illustrative: bool,
    /// The course's outline (OSM `leisure=golf_course`), for maps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary: Option<Geometry>,
    pub holes: Vec<Hole>,
}

fn check_manifest(v: &str) -> Result<(), CourseError> {
    if crate::contract::compatible(v, crate::MANIFEST_CONTRACT_VERSION) {
        Ok(())
    } else {
        Err(CourseError::UnsupportedManifestVersion { found: String::from(v) })
    }
}

impl Course {
    /// Parses and validates a course file.
    pub fn from_json(text: &str) -> Result<Course, CourseError> {
        let course: Course = serde_json::from_str(text).map_err(|e| CourseError::Json(format!("{e}")))?;
        course.validate()?;
        Ok(course)
    }

    /// Checks everything [`Course::from_json`] promises.
    pub fn validate(&self) -> Result<(), CourseError> {
        check_manifest(&self.manifest_contract_version)?;
        if !validate::course_id_ok(&self.course_id) {
            return Err(CourseError::InvalidField {
                at: String::from("course_id"),
                reason: String::from("expected 1-64 of a-z, 0-9, `_` or `-`, starting with a letter or digit"),
            });
        }
        if self.holes.is_empty() {
            return Err(CourseError::NoHoles);
        }
        if let Some(b) = &self.boundary {
            b.polygons("boundary")?;
        }
        for (h, hole) in self.holes.iter().enumerate() {
            if hole.hole_id == 0 || hole.hole_id > validate::MAX_HOLE_ID {
                return Err(CourseError::InvalidField {
                    at: format!("holes[{h}].hole_id"),
                    reason: format!("expected 1..={}", validate::MAX_HOLE_ID),
                });
            }
            // At most 99 holes: a scan, not a set (no B-tree in the wasm).
            if self.holes[..h].iter().any(|o| o.hole_id == hole.hole_id) {
                return Err(CourseError::DuplicateHoleId { hole_id: hole.hole_id });
            }
            if !(1..=7).contains(&hole.par) {
                return Err(CourseError::InvalidField {
                    at: format!("holes[{h}].par"),
                    reason: String::from("expected 1..=7"),
                });
            }
            let Some(green) = &hole.green else {
                return Err(CourseError::HoleWithoutGreen { hole_id: hole.hole_id });
            };
            green.polygons(&format!("holes[{h}].green"))?;
            for (name, geom) in [("fringe", &hole.fringe), ("boundary", &hole.boundary)] {
                if let Some(g) = geom {
                    g.polygons(&format!("holes[{h}].{name}"))?;
                }
            }
            for (name, list) in [
                ("fairways", &hole.fairways),
                ("bunkers", &hole.bunkers),
                ("water", &hole.water),
                ("tee_boxes", &hole.tee_boxes),
                ("rough", &hole.rough),
                ("out_of_bounds", &hole.out_of_bounds),
            ] {
                for (i, g) in list.iter().enumerate() {
                    g.polygons(&format!("holes[{h}].{name}[{i}]"))?;
                }
            }
            if let Some(line) = &hole.line {
                line.positions(&format!("holes[{h}].line"))?;
            }
            if !hole.water_kinds.is_empty() && hole.water_kinds.len() != hole.water.len() {
                return Err(CourseError::InvalidField {
                    at: format!("holes[{h}].water_kinds"),
                    reason: format!("one kind per water entry: {} for {}", hole.water_kinds.len(), hole.water.len()),
                });
            }
            let dists = hole.dist_m.iter().map(|d| (String::from("dist_m"), *d)).chain(
                hole.tees.iter().enumerate().filter_map(|(i, t)| t.dist_m.map(|d| (format!("tees[{i}].dist_m"), d))),
            );
            for (at, d) in dists {
                if !(d.is_finite() && d > 0.0 && d <= 2_000.0) {
                    return Err(CourseError::InvalidField {
                        at: format!("holes[{h}].{at}"),
                        reason: String::from("expected metres, more than 0 and at most 2000"),
                    });
                }
            }
            for (i, t) in hole.tees.iter().enumerate() {
                if t.par.is_some_and(|p| !(1..=7).contains(&p)) {
                    return Err(CourseError::InvalidField {
                        at: format!("holes[{h}].tees[{i}].par"),
                        reason: String::from("expected 1..=7"),
                    });
                }
            }
            let points =
                hole.tees.iter().map(|t| ("tees", t.position)).chain(hole.default_cup.map(|c| ("default_cup", c)));
            for (name, p) in points {
                if !validate::lat_lon_ok(p.lat, p.lon) {
                    return Err(CourseError::InvalidPosition { at: format!("holes[{h}].{name}") });
                }
            }
        }
        Ok(())
    }

    pub fn hole(&self, hole_id: u32) -> Option<&Hole> {
        self.holes.iter().find(|h| h.hole_id == hole_id)
    }
}

/// The error for a course id the registry does not list.
pub fn course_not_found(course_id: &str) -> ApiError {
    ApiError::new(ErrorCode::CourseNotFound, format!("no course `{course_id}` in the dataset registry"))
        .field("course_id")
        .with("course_id", course_id)
}

/// One entry of the dataset registry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetEntry {
    pub course_id: String,
    pub name: String,
    /// Course file path relative to the course data root.
    pub path: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
}

/// The dataset registry (`datasets.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Registry {
    pub manifest_contract_version: String,
    pub datasets: Vec<DatasetEntry>,
}

impl Registry {
    /// Parses and validates a registry: known manifest version, well-formed
    /// and unique course ids, relative paths that stay inside the data root.
    pub fn from_json(text: &str) -> Result<Registry, CourseError> {
        let reg: Registry = serde_json::from_str(text).map_err(|e| CourseError::Json(format!("{e}")))?;
        check_manifest(&reg.manifest_contract_version)?;
        let mut seen = BTreeSet::new();
        for (i, d) in reg.datasets.iter().enumerate() {
            if !validate::course_id_ok(&d.course_id) {
                return Err(CourseError::InvalidField {
                    at: format!("datasets[{i}].course_id"),
                    reason: String::from("expected 1-64 of a-z, 0-9, `_` or `-`"),
                });
            }
            let escapes = d.path.is_empty()
                || d.path.starts_with('/')
                || d.path.contains('\\')
                || d.path.split('/').any(|seg| seg == "..");
            if escapes {
                return Err(CourseError::InvalidField {
                    at: format!("datasets[{i}].path"),
                    reason: String::from("expected a relative path inside the course data root"),
                });
            }
            if !seen.insert(d.course_id.as_str()) {
                return Err(CourseError::DuplicateCourseId { course_id: d.course_id.clone() });
            }
        }
        Ok(reg)
    }

    pub fn get(&self, course_id: &str) -> Option<&DatasetEntry> {
        self.datasets.iter().find(|d| d.course_id == course_id)
    }
}
