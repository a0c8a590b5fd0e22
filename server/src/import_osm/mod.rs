//! `greenside course import-osm`: OpenStreetMap golf data (OSM XML, or
//! GeoJSON as osmtogeojson/overpass-turbo export it) into a course file of
//! manifest contract 0.1.0.
//!
//! - Holes are `golf=hole` ways (`ref` → `hole_id`, `par`, `handicap`,
//!   `name`). A hole's green is the `golf=green` area its line ends in, its
//!   tee boxes the `golf=tee` areas its line starts in (or within
//!   [`TEE_REACH_M`] of its start); its start is the tee position and the
//!   line itself is kept (its inner nodes are the hole's aim points). The
//!   default cup is the `golf=pin` node on the green (the one nearest the
//!   line's end when a green has several), else the line's end.
//! - Fairways, bunkers, water (`natural=water`, `golf=water_hazard`,
//!   `golf=lateral_water_hazard`) and rough go to the hole whose line passes
//!   nearest, when that is within [`CORRIDOR_M`] (the hole's corridor); so
//!   do tee areas no line starts in (forward tees).
//! - Multipolygon relations are assembled from their member ways (joined end
//!   to end), inner rings become holes of the outer ring that holds them; a
//!   closed way that is also an outer member of a relation with the same
//!   surface is that relation's area and is not imported twice.
//! - Nothing is dropped silently: the [`Report`] lists every green without a
//!   hole line, every hole line that ends on no green, every area outside
//!   every corridor, every ring that cannot be closed or crosses itself.
//!
//! This module is glue: the geometry is core's. Rings are cleaned, oriented,
//! joined and nested by `greenside_core::rings`; containment, areas and
//! distances are `greenside_core::geometry`'s, in a local metric frame of
//! the course (core's `LocalFrame`).
//!
//! - `read`: OSM XML and GeoJSON into [`OsmData`].
//! - `build`: areas to holes, and the course.
//! - `write`: the course file and its registry entry.

mod build;
mod read;
mod write;

pub use build::build_course;
pub use read::{read_geojson, read_osm_xml};
pub use write::write_course;

use greenside_core::course::PenaltyKind;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// How far from a hole line an area may lie and still belong to that hole.
pub const CORRIDOR_M: f64 = 80.0;
/// How deep the out-of-bounds strip beyond a `golf=out_of_bounds` line is.
pub const OOB_DEPTH_M: f64 = 60.0;
/// How far from a hole line's start a tee area may lie.
pub const TEE_REACH_M: f64 = 15.0;
/// A `golf=tee` area larger than this is a mapping mistake (tees are a few
/// hundred m²); it is reported, not imported as a tee.
pub const MAX_TEE_AREA_M2: f64 = 5_000.0;
/// The attribution OpenStreetMap data carries.
pub const OSM_ATTRIBUTION: &str = "© OpenStreetMap contributors, ODbL 1.0 (https://www.openstreetmap.org/copyright)";

/// Which surface an OSM element is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Green,
    Tee,
    Fairway,
    Bunker,
    Water,
    Rough,
    OutOfBounds,
}

type Tags = HashMap<String, String>;

fn kind_of(tags: &Tags) -> Option<Kind> {
    match tags.get("golf").map(String::as_str) {
        Some("green") => Some(Kind::Green),
        Some("tee") => Some(Kind::Tee),
        Some("fairway") => Some(Kind::Fairway),
        Some("bunker") => Some(Kind::Bunker),
        Some("rough") => Some(Kind::Rough),
        Some("out_of_bounds") => Some(Kind::OutOfBounds),
        Some("water_hazard" | "lateral_water_hazard" | "penalty_area") => Some(Kind::Water),
        _ if tags.get("natural").map(String::as_str) == Some("water") => Some(Kind::Water),
        _ => None,
    }
}

/// The penalty-area kind of a water area: yellow for `golf=water_hazard`,
/// red for `golf=lateral_water_hazard` and for `golf=penalty_area` unless
/// it says `penalty_area=yellow`; plain water otherwise.
fn penalty_of(tags: &Tags) -> PenaltyKind {
    match tags.get("golf").map(String::as_str) {
        Some("water_hazard") => PenaltyKind::Yellow,
        Some("lateral_water_hazard") => PenaltyKind::Red,
        Some("penalty_area") if tags.get("penalty_area").map(String::as_str) == Some("yellow") => PenaltyKind::Yellow,
        Some("penalty_area") => PenaltyKind::Red,
        _ => PenaltyKind::Water,
    }
}

/// A golf course's outline: `leisure=golf_course`, a closed way or a multipolygon relation.
fn is_course(tags: &Tags) -> bool {
    tags.get("leisure").map(String::as_str) == Some("golf_course")
}

/// An area: rings in (lon, lat), exterior first, and the tags it was mapped with.
#[derive(Debug, Clone)]
pub struct Area {
    pub kind: Kind,
    pub osm_id: String,
    pub polygons: Vec<Vec<Vec<[f64; 2]>>>,
    pub tags: Tags,
}

/// A hole line.
#[derive(Debug, Clone)]
pub struct HoleLine {
    pub osm_id: String,
    pub tags: HashMap<String, String>,
    pub points: Vec<[f64; 2]>,
}

/// A `golf=pin` node: where the cup is.
#[derive(Debug, Clone)]
pub struct Pin {
    pub osm_id: String,
    pub point: [f64; 2],
}

/// What was read from the file.
#[derive(Debug, Default)]
pub struct OsmData {
    pub holes: Vec<HoleLine>,
    pub pins: Vec<Pin>,
    /// `leisure=golf_course` outlines (their `kind` is unused: `Kind::Green`).
    pub courses: Vec<Area>,
    /// `golf=out_of_bounds` drawn as an open line: out of bounds beyond it.
    pub oob_lines: Vec<HoleLine>,
    pub areas: Vec<Area>,
    /// Problems met while reading (unclosable relations, degenerate rings).
    pub problems: Vec<Problem>,
}

/// One thing the importer could not place, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub osm_id: String,
    pub what: String,
}

/// What the import did.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub holes: usize,
    pub greens: usize,
    pub assigned: BTreeMap<Kind, usize>,
    pub unassigned: Vec<Problem>,
}
