//! Where the ball lies: the prepared per-hole index and the classifier.
//!
//! A hole is prepared once (its polygons projected into the hole's local
//! frame and indexed); each fix then costs one projection, a few band
//! lookups and a branch-and-bound nearest-edge search.
//!
//! **Surface precedence** (first match wins, so a bunker cut into a fairway is
//! a bunker): `GREEN`, `BUNKER`, `WATER`, `FRINGE`, `TEE`, `FAIRWAY`, explicit
//! `rough` polygons → `ROUGH`; then inside the hole's area → `ROUGH`; else
//! `OUT_OF_HOLE`. The hole's area is its `boundary` polygon, or without one the
//! bounding box of all its surfaces, tees and default cup grown by
//! [`DEFAULT_ROUGH_MARGIN_M`].
//!
//! **ON_GREEN candidate** iff the surface is `GREEN`. The fringe is off the green.
//!
//! **Signed distance** `distance_to_green_edge_m`: metres to the nearest edge
//! of any green ring (holes included), positive inside the green, negative
//! outside. A point exactly on an edge follows the half-open crossing rule.
//!
//! **Confidence.** The fix's accuracy radius `r` is converted to a per-axis
//! standard deviation σ of a circular normal: `σ = r / sqrt(-2 ln(1 - p))`
//! with p = 0.95 (`p95`, what browsers report per the W3C Geolocation spec,
//! the default) or p = 0.68 (`p68`, Android's `Location.getAccuracy`).
//! Treating the edge as a straight line, the true position's offset across it
//! is normal with that σ, so the probability that it lies on the chosen side
//! is `Φ(|d| / σ)` = `surface_confidence`, in [0.5, 1].

use crate::course::{CourseError, Geometry, Hole, Polygon};
use crate::frame::{LocalFrame, bearing_deg};
use crate::geometry::{Aabb, LatLon, LocalXY, ring_area2};
use crate::index::{Edge, EdgeTree, PreparedArea, ResolvedGrid, UNDECIDED};
use crate::rules::Rules;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use geo_types::Coord;
use serde::{Deserialize, Serialize};

/// How far around the hole's surfaces a ball still counts as `ROUGH` when the
/// hole has no `boundary` polygon, in metres.
pub const DEFAULT_ROUGH_MARGIN_M: f64 = 30.0;

/// The detailed surface under the ball.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Surface {
    Green,
    Fringe,
    Fairway,
    Bunker,
    Water,
    Tee,
    Rough,
    OutOfHole,
    /// Inside an out-of-bounds area of the hole (OSM `golf=out_of_bounds`):
    /// stroke and distance. Last in the list so the others keep their numbers.
    OutOfBounds,
}

impl Surface {
    /// Every surface, in declaration order (the order of [`Surface::index`]).
    pub const ALL: [Surface; 9] = [
        Surface::Green,
        Surface::Fringe,
        Surface::Fairway,
        Surface::Bunker,
        Surface::Water,
        Surface::Tee,
        Surface::Rough,
        Surface::OutOfHole,
        Surface::OutOfBounds,
    ];

    /// Its position in [`Surface::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Surface::Green => "GREEN",
            Surface::Fringe => "FRINGE",
            Surface::Fairway => "FAIRWAY",
            Surface::Bunker => "BUNKER",
            Surface::Water => "WATER",
            Surface::Tee => "TEE",
            Surface::Rough => "ROUGH",
            Surface::OutOfHole => "OUT_OF_HOLE",
            Surface::OutOfBounds => "OUT_OF_BOUNDS",
        }
    }
}

pub use crate::accuracy::AccuracyKind;

/// `Φ(z)`, the standard normal CDF.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * (1.0 + libm::erf(z / core::f64::consts::SQRT_2))
}

/// The classifier's answer for one fix.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Classification {
    pub surface: Surface,
    /// The ON_GREEN / OFF_GREEN candidate this fix votes for.
    pub on_green: bool,
    /// Signed metres to the green's edge: positive inside, negative outside.
    pub distance_to_green_edge_m: f64,
    /// Probability that the true position is on the chosen side of the edge.
    pub surface_confidence: f64,
    /// The accuracy used (the fix's, or the configured default).
    pub accuracy_m: f64,
    pub accuracy_kind: AccuracyKind,
    /// The fix in the hole's local frame (x east, y north, metres).
    pub local: LocalXY,
}

/// A bunker or water polygon of a prepared hole: its outer ring in the
/// hole's frame (what `crate::yardage` clips to the line of play).
#[derive(Debug, Clone, PartialEq)]
pub struct HazardArea {
    pub surface: Surface,
    /// Its position in the hole's `bunkers` or `water` list of the course file.
    pub index: u32,
    pub ring: Vec<Coord<f64>>,
    /// A circle holding every vertex (slightly grown against rounding): a
    /// corridor that misses it misses the ring, without clipping it.
    pub centre: Coord<f64>,
    pub radius: f64,
}

impl HazardArea {
    pub fn new(surface: Surface, index: u32, ring: Vec<Coord<f64>>) -> HazardArea {
        let b = Aabb::of_points(&ring);
        let centre = if ring.is_empty() { Coord { x: 0.0, y: 0.0 } } else { b.center() };
        let radius = ring.iter().map(|p| libm::hypot(p.x - centre.x, p.y - centre.y)).fold(0.0, f64::max);
        HazardArea { surface, index, ring, centre, radius: radius * (1.0 + 1e-9) + 1e-9 }
    }
}

/// One hole, indexed for classification. Build once per course load.
#[derive(Debug, Clone)]
pub struct PreparedHole {
    pub course_id: String,
    pub hole_id: u32,
    pub par: u8,
    pub default_cup: Option<LatLon>,
    /// Compass bearing of play (first tee → green centre), when the hole has a tee.
    pub play_bearing_deg: Option<f64>,
    frame: LocalFrame,
    green_centroid: LatLon,
    green: PreparedArea,
    green_edges: EdgeTree,
    /// Every ring of the green, in the frame (for the line of play).
    green_rings: Vec<Vec<Coord<f64>>>,
    /// Each bunker and water polygon, in the frame (for hazards on the way).
    hazards: Vec<HazardArea>,
    /// The tees' positions, in the frame (for finding the hole a ball is on).
    tees: Vec<Coord<f64>>,
    /// The hole's line of play, tee to green (empty without one): aim points and layups.
    line: crate::line::PreparedLine,
    /// Non-green surfaces in precedence order.
    surfaces: Vec<(Surface, PreparedArea)>,
    boundary: Option<PreparedArea>,
    envelope: Aabb,
    /// The non-green surface where it is the same all over a cell; `None`
    /// outside its box means `OUT_OF_HOLE` (the box holds every surface,
    /// the boundary and the envelope).
    surface_grid: Option<ResolvedGrid>,
}

fn polygons_of(list: &[&Geometry], at: &str) -> Result<Vec<Polygon>, CourseError> {
    let mut out = Vec::new();
    for (i, g) in list.iter().enumerate() {
        out.extend(g.polygons(&format!("{at}[{i}]"))?);
    }
    Ok(out)
}

fn project(frame: &LocalFrame, polys: &[Polygon]) -> Vec<Vec<Vec<Coord<f64>>>> {
    polys
        .iter()
        .map(|p| p.rings.iter().map(|r| r.iter().map(|q| frame.to_local(*q).into()).collect()).collect())
        .collect()
}

/// Area centroid of a closed ring.
/// The four sides of a box, as edges.
fn box_sides(b: &Aabb) -> [Edge; 4] {
    let (lo, hi) = (b.min, b.max);
    let (lr, hl) = (Coord { x: hi.x, y: lo.y }, Coord { x: lo.x, y: hi.y });
    [(lo, lr), (lr, hi), (hi, hl), (hl, lo)]
}

fn ring_centroid(ring: &[Coord<f64>]) -> Coord<f64> {
    let (mut cx, mut cy, mut a2) = (0.0, 0.0, 0.0);
    for w in ring.windows(2) {
        let cross = w[0].x * w[1].y - w[1].x * w[0].y;
        a2 += cross;
        cx += (w[0].x + w[1].x) * cross;
        cy += (w[0].y + w[1].y) * cross;
    }
    if a2 == 0.0 {
        return Aabb::of_points(ring).center();
    }
    Coord { x: cx / (3.0 * a2), y: cy / (3.0 * a2) }
}

impl PreparedHole {
    /// Projects and indexes a validated hole.
    pub fn new(course_id: &str, hole: &Hole) -> Result<PreparedHole, CourseError> {
        let green_geom = hole.green.as_ref().ok_or(CourseError::HoleWithoutGreen { hole_id: hole.hole_id })?;
        let green_polys = green_geom.polygons("green")?;

        // The frame's origin is the area centroid of the largest green polygon.
        let first = green_polys[0].rings[0][0];
        let provisional = LocalFrame::new(first);
        let projected = project(&provisional, &green_polys);
        let largest = projected
            .iter()
            .max_by(|a, b| libm::fabs(ring_area2(&a[0])).total_cmp(&libm::fabs(ring_area2(&b[0]))))
            .map(|p| &p[0])
            .ok_or(CourseError::HoleWithoutGreen { hole_id: hole.hole_id })?;
        let c = ring_centroid(largest);
        let green_centroid = provisional.to_wgs84(LocalXY { x: c.x, y: c.y });
        let frame = LocalFrame::new(green_centroid);

        let green_local = project(&frame, &green_polys);
        let rings: Vec<&[Coord<f64>]> = green_local.iter().flat_map(|p| p.iter().map(|r| r.as_slice())).collect();
        let green_edges = EdgeTree::new(&rings);
        let green = PreparedArea::new(&green_local);
        let green_rings: Vec<Vec<Coord<f64>>> = green_local.iter().flatten().cloned().collect();
        let mut hazards = Vec::new();
        for (surface, list, at) in [(Surface::Bunker, &hole.bunkers, "bunkers"), (Surface::Water, &hole.water, "water")]
        {
            for (i, g) in list.iter().enumerate() {
                for p in project(&frame, &g.polygons(&format!("{at}[{i}]"))?) {
                    if let Some(ring) = p.into_iter().next() {
                        hazards.push(HazardArea::new(surface, i as u32, ring));
                    }
                }
            }
        }
        let tees = hole.tees.iter().map(|t| frame.to_local(t.position).into()).collect();
        let line = match &hole.line {
            Some(l) => crate::line::PreparedLine::new(&frame, &l.positions("line")?),
            None => crate::line::PreparedLine::default(),
        };
        let mut envelope = green.bbox().unwrap_or(Aabb::EMPTY);

        let fringe: Vec<&Geometry> = hole.fringe.iter().collect();
        let groups: [(Surface, Vec<&Geometry>, &str); 7] = [
            (Surface::OutOfBounds, hole.out_of_bounds.iter().collect(), "out_of_bounds"),
            (Surface::Bunker, hole.bunkers.iter().collect(), "bunkers"),
            (Surface::Water, hole.water.iter().collect(), "water"),
            (Surface::Fringe, fringe, "fringe"),
            (Surface::Tee, hole.tee_boxes.iter().collect(), "tee_boxes"),
            (Surface::Fairway, hole.fairways.iter().collect(), "fairways"),
            (Surface::Rough, hole.rough.iter().collect(), "rough"),
        ];
        let mut surfaces = Vec::new();
        // Every edge that can change the non-green surface, for the grid.
        let mut edges: Vec<Edge> = Vec::new();
        let mut add_edges = |polys: &[Vec<Vec<Coord<f64>>>]| {
            for poly in polys {
                for ring in poly {
                    edges.extend(ring.windows(2).map(|w| (w[0], w[1])));
                }
                // The scan looks no further than a polygon's outer box (an
                // inner ring reaching outside it ends there): its sides
                // change answers too.
                if let Some(outer) = poly.first() {
                    edges.extend(box_sides(&Aabb::of_points(outer)));
                }
            }
        };
        for (surface, geoms, at) in groups {
            let polys = project(&frame, &polygons_of(&geoms, at)?);
            add_edges(&polys);
            let area = PreparedArea::new(&polys);
            if let Some(b) = area.bbox() {
                envelope.union(&b);
                surfaces.push((surface, area));
            }
        }
        let boundary = match &hole.boundary {
            Some(g) => {
                let polys = project(&frame, &g.polygons("boundary")?);
                add_edges(&polys);
                Some(PreparedArea::new(&polys))
            }
            None => None,
        };
        for p in hole.tees.iter().map(|t| t.position).chain(hole.default_cup) {
            envelope.include(frame.to_local(p).into());
        }
        let play_bearing_deg = hole.tees.first().map(|t| bearing_deg(&frame, t.position, green_centroid));
        let envelope = envelope.expanded(DEFAULT_ROUGH_MARGIN_M);

        let mut prepared = PreparedHole {
            course_id: String::from(course_id),
            hole_id: hole.hole_id,
            par: hole.par,
            default_cup: hole.default_cup,
            play_bearing_deg,
            frame,
            green_centroid,
            green,
            green_edges,
            green_rings,
            hazards,
            tees,
            line,
            surfaces,
            boundary,
            envelope,
            surface_grid: None,
        };
        // The grid's box holds everything that can make a point anything
        // but OUT_OF_HOLE; without a boundary, the envelope's sides are
        // edges too (they end the hole's rough).
        let mut extent = envelope;
        if prepared.boundary.is_none() {
            edges.extend(box_sides(&envelope));
        }
        for b in prepared
            .surfaces
            .iter()
            .filter_map(|(_, a)| a.bbox())
            .chain(prepared.boundary.as_ref().and_then(|b| b.bbox()))
        {
            extent.union(&b);
        }
        prepared.surface_grid = ResolvedGrid::new(extent, &edges, |p| prepared.scan_surface(p).index() as u8);
        Ok(prepared)
    }

    /// The hole's classification frame: origin at the green's centroid, x east, y north.
    pub fn frame(&self) -> &LocalFrame {
        &self.frame
    }

    /// The green-local frame of putt requests: same origin, +y along the line
    /// of play (tee → green), +x to the golfer's right. Without a tee, x east.
    pub fn green_frame(&self) -> LocalFrame {
        match self.play_bearing_deg {
            Some(b) => LocalFrame::facing_bearing(self.green_centroid, b),
            None => LocalFrame::new(self.green_centroid),
        }
    }

    pub fn green_centroid_wgs84(&self) -> LatLon {
        self.green_centroid
    }

    /// Every ring of the green in the hole's frame (closed: last = first).
    pub fn green_rings(&self) -> &[Vec<Coord<f64>>] {
        &self.green_rings
    }

    /// Each bunker and water polygon's outer ring in the hole's frame.
    pub fn hazard_areas(&self) -> &[HazardArea] {
        &self.hazards
    }

    /// The hole's line of play in the hole's frame (empty when the course file has none).
    pub fn line(&self) -> &crate::line::PreparedLine {
        &self.line
    }

    /// The tees' positions in the hole's frame.
    pub fn tee_points(&self) -> &[Coord<f64>] {
        &self.tees
    }

    /// True when a local point is inside the green.
    pub fn green_contains(&self, p: Coord<f64>) -> bool {
        self.green.contains(p)
    }

    /// Signed distance (positive inside) from a local point to the green's edge.
    pub fn signed_green_distance(&self, p: Coord<f64>) -> (bool, f64) {
        let inside = self.green.contains(p);
        let d = self.green_edges.distance(p);
        (inside, if inside { d } else { -d })
    }

    /// The detailed surface at a local point.
    pub fn surface_at(&self, p: Coord<f64>, on_green: bool) -> Surface {
        if on_green {
            return Surface::Green;
        }
        if let Some(grid) = &self.surface_grid {
            match grid.get(p) {
                None => return Surface::OutOfHole,
                Some(UNDECIDED) => {}
                Some(i) => return Surface::ALL[usize::from(i)],
            }
        }
        self.scan_surface(p)
    }

    /// How many of the surface grid's cells answer without a scan (tests).
    pub fn surface_cells_decided(&self) -> usize {
        self.surface_grid.as_ref().map_or(0, ResolvedGrid::decided)
    }

    /// The non-green surface by the precedence scan (what the grid holds
    /// for its decided cells).
    pub fn scan_surface(&self, p: Coord<f64>) -> Surface {
        for (surface, area) in &self.surfaces {
            if area.contains(p) {
                return *surface;
            }
        }
        let in_hole = match &self.boundary {
            Some(b) => b.contains(p),
            None => self.envelope.contains(p),
        };
        if in_hole { Surface::Rough } else { Surface::OutOfHole }
    }

    /// Classifies one fix. `accuracy_m`/`kind` default to the rules'.
    pub fn classify(
        &self,
        fix: LatLon,
        accuracy_m: Option<f64>,
        kind: Option<AccuracyKind>,
        rules: &Rules,
    ) -> Classification {
        let local = self.frame.to_local(fix);
        let p: Coord<f64> = local.into();
        let (on_green, distance) = self.signed_green_distance(p);
        let accuracy_m = accuracy_m.unwrap_or(rules.default_accuracy_m);
        let accuracy_kind = kind.unwrap_or(rules.default_accuracy_kind);
        let sigma = accuracy_kind.sigma_m(accuracy_m);
        Classification {
            surface: self.surface_at(p, on_green),
            on_green,
            distance_to_green_edge_m: distance,
            surface_confidence: normal_cdf(libm::fabs(distance) / sigma),
            accuracy_m,
            accuracy_kind,
            local,
        }
    }
}

/// Preparing a course's holes is classification's work, so it lives here
/// (the course file knows nothing of indexes).
impl crate::course::Course {
    /// Builds the classification index of one hole (`hole_not_found` when absent).
    pub fn prepare_hole(&self, hole_id: u32) -> Result<PreparedHole, crate::error::ApiError> {
        use crate::error::{ApiError, ErrorCode};
        let hole = self.hole(hole_id).ok_or_else(|| {
            ApiError::new(ErrorCode::HoleNotFound, format!("course `{}` has no hole {hole_id}", self.course_id))
                .field("hole_id")
                .with("course_id", self.course_id.as_str())
                .with("hole_id", hole_id)
        })?;
        PreparedHole::new(&self.course_id, hole)
            .map_err(|e| ApiError::new(ErrorCode::CourseDataUnavailable, format!("{e}")).with("reason", e.code()))
    }

    /// Builds every hole's index, in file order.
    pub fn prepare_all(&self) -> Result<Vec<PreparedHole>, CourseError> {
        self.holes.iter().map(|h| PreparedHole::new(&self.course_id, h)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigma_constants_follow_the_formula() {
        for k in [AccuracyKind::P95, AccuracyKind::P68] {
            let exact = libm::sqrt(-2.0 * libm::log(1.0 - k.probability()));
            assert!((k.radius_in_sigmas() - exact).abs() < 1e-14, "{k:?}: {exact}");
        }
    }

    #[test]
    fn sigma_and_confidence() {
        assert!((AccuracyKind::P95.sigma_m(2.447_746_830_680_816) - 1.0).abs() < 1e-12);
        assert!((AccuracyKind::P68.sigma_m(1.509_592_185_451_663_6) - 1.0).abs() < 1e-12);
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-15);
        assert!((normal_cdf(1.959_963_985) - 0.975).abs() < 1e-9);
        assert!(normal_cdf(40.0) <= 1.0);
    }
}
