//! `greenside course import-osm`: OpenStreetMap golf data (OSM XML, or
//! GeoJSON as osmtogeojson/overpass-turbo export it) into a course file of
//! manifest contract 0.1.0.
//!
//! - Holes are `golf=hole` ways (`ref` → `hole_id`, `par`, `handicap`,
//!   `name`). A hole's green is the `golf=green` area its line ends in, its
//!   tee boxes the `golf=tee` areas its line starts in (or within
//!   [`TEE_REACH_M`] of its start); the line's end is the default cup and its
//!   start the tee position.
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
//! Geometry work (containment, distances) is done with `geo` in a local
//! metric frame of the course (core's `LocalFrame`).

use geo::{Contains, Distance, Euclidean};
use greenside_core::course::{Course, DatasetEntry, Geometry, Hole, Registry, Tee};
use greenside_core::frame::LocalFrame;
use greenside_core::geometry::LatLon;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::BufRead;
use std::path::Path;

/// How far from a hole line an area may lie and still belong to that hole.
pub const CORRIDOR_M: f64 = 80.0;
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
}

fn kind_of(tags: &HashMap<String, String>) -> Option<Kind> {
    match tags.get("golf").map(String::as_str) {
        Some("green") => Some(Kind::Green),
        Some("tee") => Some(Kind::Tee),
        Some("fairway") => Some(Kind::Fairway),
        Some("bunker") => Some(Kind::Bunker),
        Some("rough") => Some(Kind::Rough),
        Some("water_hazard" | "lateral_water_hazard") => Some(Kind::Water),
        _ if tags.get("natural").map(String::as_str) == Some("water") => Some(Kind::Water),
        _ => None,
    }
}

/// An area: rings in (lon, lat), exterior first.
#[derive(Debug, Clone)]
pub struct Area {
    pub kind: Kind,
    pub osm_id: String,
    pub polygons: Vec<Vec<Vec<[f64; 2]>>>,
}

/// A hole line.
#[derive(Debug, Clone)]
pub struct HoleLine {
    pub osm_id: String,
    pub tags: HashMap<String, String>,
    pub points: Vec<[f64; 2]>,
}

/// What was read from the file.
#[derive(Debug, Default)]
pub struct OsmData {
    pub holes: Vec<HoleLine>,
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

// ---- reading --------------------------------------------------------------

type Tags = HashMap<String, String>;
/// (type, ref, role) of a relation member.
type Member = (String, i64, String);

/// Reads OSM XML: nodes, ways, relations with their tags.
pub fn read_osm_xml(input: impl BufRead, mut progress: impl FnMut(u64)) -> Result<OsmData, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(input);
    let mut buf = Vec::new();
    let mut nodes: HashMap<i64, [f64; 2]> = HashMap::new();
    let mut ways: HashMap<i64, (Vec<i64>, Tags)> = HashMap::new();
    let mut relations: Vec<(i64, Vec<Member>, Tags)> = Vec::new();
    // The element being read.
    enum Cur {
        None,
        Way(i64, Vec<i64>, Tags),
        Rel(i64, Vec<Member>, Tags),
        Node,
    }
    let mut cur = Cur::None;
    let attrs = |e: &quick_xml::events::BytesStart<'_>| -> Result<HashMap<String, String>, String> {
        let mut m = HashMap::new();
        for a in e.attributes() {
            let a = a.map_err(|e| format!("bad XML attribute: {e}"))?;
            let v =
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0).map_err(|e| format!("bad XML value: {e}"))?;
            m.insert(String::from_utf8_lossy(a.key.as_ref()).into_owned(), v.into_owned());
        }
        Ok(m)
    };
    let id_of = |m: &HashMap<String, String>, what: &str| -> Result<i64, String> {
        m.get("id")
            .or_else(|| m.get("ref"))
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("{what} without a numeric id"))
    };
    let mut events = 0u64;
    loop {
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("XML error at byte {}: {e}", reader.buffer_position()))?;
        events += 1;
        if events % 4096 == 0 {
            progress(reader.buffer_position());
        }
        let (start, empty) = match &ev {
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            Event::End(e) => {
                match (e.name().as_ref(), std::mem::replace(&mut cur, Cur::None)) {
                    (b"way", Cur::Way(id, nds, tags)) => {
                        ways.insert(id, (nds, tags));
                    }
                    (b"relation", Cur::Rel(id, members, tags)) => relations.push((id, members, tags)),
                    (_, other) => cur = other,
                }
                (None, false)
            }
            Event::Eof => break,
            _ => (None, false),
        };
        let Some(e) = start else { continue };
        let m = attrs(&e)?;
        match e.name().as_ref() {
            b"node" => {
                let id = id_of(&m, "node")?;
                let lat: f64 = m.get("lat").and_then(|v| v.parse().ok()).ok_or(format!("node {id} without lat"))?;
                let lon: f64 = m.get("lon").and_then(|v| v.parse().ok()).ok_or(format!("node {id} without lon"))?;
                nodes.insert(id, [lon, lat]);
                if !empty {
                    cur = Cur::Node;
                }
            }
            b"way" => {
                let id = id_of(&m, "way")?;
                if empty {
                    ways.insert(id, (Vec::new(), HashMap::new()));
                } else {
                    cur = Cur::Way(id, Vec::new(), HashMap::new());
                }
            }
            b"relation" => {
                let id = id_of(&m, "relation")?;
                if !empty {
                    cur = Cur::Rel(id, Vec::new(), HashMap::new());
                }
            }
            b"nd" => {
                if let Cur::Way(_, nds, _) = &mut cur {
                    nds.push(id_of(&m, "nd")?);
                }
            }
            b"member" => {
                if let Cur::Rel(_, members, _) = &mut cur {
                    let t = m.get("type").cloned().unwrap_or_default();
                    let role = m.get("role").cloned().unwrap_or_default();
                    members.push((t, id_of(&m, "member")?, role));
                }
            }
            b"tag" => {
                let (Some(k), Some(v)) = (m.get("k"), m.get("v")) else { continue };
                match &mut cur {
                    Cur::Way(_, _, tags) | Cur::Rel(_, _, tags) => {
                        tags.insert(k.clone(), v.clone());
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        buf.clear();
    }
    progress(reader.buffer_position());

    let mut data = OsmData::default();
    let coords = |nds: &[i64]| -> Option<Vec<[f64; 2]>> { nds.iter().map(|n| nodes.get(n).copied()).collect() };
    // Relations first: their outer ways are not imported twice.
    let mut outer_of_relation: HashSet<(i64, Kind)> = HashSet::new();
    relations.sort_by_key(|r| r.0);
    for (id, members, tags) in &relations {
        if tags.get("type").map(String::as_str) != Some("multipolygon") {
            continue;
        }
        let Some(kind) = kind_of(tags) else { continue };
        let osm_id = format!("relation/{id}");
        let mut outers = Vec::new();
        let mut inners = Vec::new();
        for (t, r, role) in members {
            if t != "way" {
                continue;
            }
            let Some(pts) = ways.get(r).and_then(|(nds, _)| coords(nds)) else {
                data.problems.push(Problem {
                    osm_id: osm_id.clone(),
                    what: format!("member way/{r} is missing from the extract"),
                });
                continue;
            };
            if role == "inner" {
                inners.push(pts);
            } else {
                outer_of_relation.insert((*r, kind));
                outers.push(pts);
            }
        }
        match (join_rings(outers), join_rings(inners)) {
            (Ok(outer), Ok(inner)) => {
                let polygons = nest(outer, inner);
                if polygons.is_empty() {
                    data.problems.push(Problem { osm_id, what: "no usable outer ring".into() });
                } else {
                    data.areas.push(Area { kind, osm_id, polygons });
                }
            }
            (Err(e), _) | (_, Err(e)) => data.problems.push(Problem { osm_id, what: e }),
        }
    }
    let mut way_ids: Vec<&i64> = ways.keys().collect();
    way_ids.sort();
    for id in way_ids {
        let (nds, tags) = &ways[id];
        let osm_id = format!("way/{id}");
        let Some(pts) = coords(nds) else {
            if kind_of(tags).is_some() || tags.get("golf").map(String::as_str) == Some("hole") {
                data.problems.push(Problem { osm_id, what: "a node of the way is missing from the extract".into() });
            }
            continue;
        };
        if tags.get("golf").map(String::as_str) == Some("hole") {
            data.holes.push(HoleLine { osm_id, tags: tags.clone(), points: pts });
            continue;
        }
        let Some(kind) = kind_of(tags) else { continue };
        if outer_of_relation.contains(&(*id, kind)) {
            continue;
        }
        if pts.len() < 4 || pts.first() != pts.last() {
            data.problems.push(Problem { osm_id, what: format!("{kind:?} way is not a closed ring") });
            continue;
        }
        match clean_ring(pts) {
            Some(r) => data.areas.push(Area { kind, osm_id, polygons: vec![vec![orient(r, true)]] }),
            None => data.problems.push(Problem { osm_id, what: "degenerate ring".into() }),
        }
    }
    Ok(data)
}

/// Reads GeoJSON as osmtogeojson and overpass turbo export it: tags either
/// flat in `properties` or under `properties.tags`, ids in `id` or
/// `properties.@id` / `properties.id`.
pub fn read_geojson(text: &str) -> Result<OsmData, String> {
    use geojson::{GeoJson, GeometryValue};
    let gj: GeoJson = text.parse().map_err(|e| format!("not GeoJSON: {e}"))?;
    let features = match gj {
        GeoJson::FeatureCollection(fc) => fc.features,
        GeoJson::Feature(f) => vec![f],
        GeoJson::Geometry(_) => return Err("a bare geometry has no tags: expected features".into()),
    };
    let mut data = OsmData::default();
    for (i, f) in features.into_iter().enumerate() {
        let props = f.properties.unwrap_or_default();
        let mut tags: HashMap<String, String> = HashMap::new();
        let source = props.get("tags").and_then(|t| t.as_object()).unwrap_or(&props);
        for (k, v) in source {
            if let Some(s) = v.as_str() {
                tags.insert(k.clone(), s.to_string());
            } else if v.is_number() {
                tags.insert(k.clone(), v.to_string());
            }
        }
        let osm_id = match (&f.id, props.get("@id").or_else(|| props.get("id")).and_then(|v| v.as_str())) {
            (Some(geojson::feature::Id::String(s)), _) => s.clone(),
            (Some(geojson::feature::Id::Number(n)), _) => n.to_string(),
            (None, Some(s)) => s.to_string(),
            (None, None) => format!("feature/{i}"),
        };
        let Some(geom) = f.geometry else { continue };
        let pos = |p: &geojson::Position| [p[0], p[1]];
        if tags.get("golf").map(String::as_str) == Some("hole") {
            match &geom.value {
                GeometryValue::LineString { coordinates } => {
                    data.holes.push(HoleLine { osm_id, tags, points: coordinates.iter().map(pos).collect() })
                }
                other => data.problems.push(Problem {
                    osm_id,
                    what: format!("golf=hole is a {}, expected a LineString", other.type_name()),
                }),
            }
            continue;
        }
        let Some(kind) = kind_of(&tags) else { continue };
        let polys: Vec<Vec<Vec<[f64; 2]>>> = match &geom.value {
            GeometryValue::Polygon { coordinates } => {
                vec![coordinates.iter().map(|r| r.iter().map(pos).collect()).collect()]
            }
            GeometryValue::MultiPolygon { coordinates } => {
                coordinates.iter().map(|p| p.iter().map(|r| r.iter().map(pos).collect()).collect()).collect()
            }
            other => {
                data.problems.push(Problem {
                    osm_id,
                    what: format!("{kind:?} is a {}, expected a Polygon or MultiPolygon", other.type_name()),
                });
                continue;
            }
        };
        let mut clean = Vec::new();
        for rings in polys {
            let mut out = Vec::new();
            for (j, r) in rings.into_iter().enumerate() {
                match clean_ring(r) {
                    Some(r) => out.push(orient(r, j == 0)),
                    None if j == 0 => break,
                    None => {
                        data.problems.push(Problem { osm_id: osm_id.clone(), what: "degenerate inner ring".into() })
                    }
                }
            }
            if !out.is_empty() {
                clean.push(out);
            }
        }
        if clean.is_empty() {
            data.problems.push(Problem { osm_id, what: "degenerate ring".into() });
        } else {
            data.areas.push(Area { kind, osm_id, polygons: clean });
        }
    }
    Ok(data)
}

// ---- rings ------------------------------------------------------------------

fn signed_area(r: &[[f64; 2]]) -> f64 {
    r.windows(2).map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1]).sum::<f64>() / 2.0
}

/// Drops consecutive duplicates and closes the ring; `None` when degenerate.
fn clean_ring(pts: Vec<[f64; 2]>) -> Option<Vec<[f64; 2]>> {
    let mut out: Vec<[f64; 2]> = Vec::with_capacity(pts.len());
    for p in pts {
        if out.last() != Some(&p) {
            out.push(p);
        }
    }
    if out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    if out.len() < 3 {
        return None;
    }
    out.push(out[0]);
    (signed_area(&out) != 0.0).then_some(out)
}

/// Counter-clockwise exteriors, clockwise holes (RFC 7946).
fn orient(mut r: Vec<[f64; 2]>, ccw: bool) -> Vec<[f64; 2]> {
    if (signed_area(&r) > 0.0) != ccw {
        r.reverse();
    }
    r
}

/// Joins way segments end to end (reversing where needed) into closed rings.
fn join_rings(mut parts: Vec<Vec<[f64; 2]>>) -> Result<Vec<Vec<[f64; 2]>>, String> {
    let mut rings = Vec::new();
    while let Some(mut ring) = parts.pop() {
        while ring.first() != ring.last() {
            let end = *ring.last().ok_or("empty member way")?;
            let Some(i) = parts.iter().position(|p| p.first() == Some(&end) || p.last() == Some(&end)) else {
                return Err(format!("member ways do not close a ring (open end at {:.7},{:.7})", end[1], end[0]));
            };
            let mut next = parts.swap_remove(i);
            if next.first() != Some(&end) {
                next.reverse();
            }
            ring.extend(next.into_iter().skip(1));
        }
        match clean_ring(ring) {
            Some(r) => rings.push(r),
            None => return Err("a ring of the relation is degenerate".into()),
        }
    }
    Ok(rings)
}

fn point_in_ring(p: [f64; 2], r: &[[f64; 2]]) -> bool {
    let mut inside = false;
    for w in r.windows(2) {
        let ([x0, y0], [x1, y1]) = (w[0], w[1]);
        if (y0 > p[1]) != (y1 > p[1]) && p[0] < x0 + (p[1] - y0) * (x1 - x0) / (y1 - y0) {
            inside = !inside;
        }
    }
    inside
}

/// Each inner ring goes to the smallest outer ring holding its first vertex.
fn nest(outers: Vec<Vec<[f64; 2]>>, inners: Vec<Vec<[f64; 2]>>) -> Vec<Vec<Vec<[f64; 2]>>> {
    let mut polys: Vec<Vec<Vec<[f64; 2]>>> = outers.into_iter().map(|o| vec![orient(o, true)]).collect();
    for inner in inners {
        let owner = polys
            .iter()
            .enumerate()
            .filter(|(_, p)| point_in_ring(inner[0], &p[0]))
            .min_by(|a, b| signed_area(&a.1[0]).abs().total_cmp(&signed_area(&b.1[0]).abs()))
            .map(|(i, _)| i);
        if let Some(i) = owner {
            polys[i].push(orient(inner, false));
        }
    }
    polys
}

// ---- assigning ----------------------------------------------------------------

/// The areas in the course's local frame (metres), for `geo`.
struct Projected {
    frame: LocalFrame,
}

impl Projected {
    fn pt(&self, p: [f64; 2]) -> geo::Point<f64> {
        let q = self.frame.to_local(LatLon::new(p[1], p[0]));
        geo::Point::new(q.x, q.y)
    }

    fn line(&self, pts: &[[f64; 2]]) -> geo::LineString<f64> {
        pts.iter().map(|p| self.pt(*p).0).collect()
    }

    fn multipolygon(&self, a: &Area) -> geo::MultiPolygon<f64> {
        a.polygons
            .iter()
            .map(|rings| {
                let mut it = rings.iter().map(|r| self.line(r));
                let ext = it.next().unwrap_or_else(|| geo::LineString::new(vec![]));
                geo::Polygon::new(ext, it.collect())
            })
            .collect()
    }
}

fn geometry_of(a: &Area) -> Geometry {
    let to_vec = |r: &Vec<[f64; 2]>| r.iter().map(|p| vec![round7(p[0]), round7(p[1])]).collect::<Vec<_>>();
    if a.polygons.len() == 1 {
        Geometry::Polygon(a.polygons[0].iter().map(to_vec).collect())
    } else {
        Geometry::MultiPolygon(a.polygons.iter().map(|p| p.iter().map(to_vec).collect()).collect())
    }
}

fn round7(x: f64) -> f64 {
    (x * 1e7).round() / 1e7
}

/// Builds the course from what was read. Every area and hole line either
/// ends up in the course or in the report.
pub fn build_course(data: &OsmData, course_id: &str, name: &str) -> Result<(Course, Report), String> {
    let origin = data
        .holes
        .first()
        .and_then(|h| h.points.first())
        .or_else(|| data.areas.first().and_then(|a| a.polygons.first()).and_then(|p| p.first()).and_then(|r| r.first()))
        .ok_or("no golf=hole line and no golf area in the input")?;
    let proj = Projected { frame: LocalFrame::new(LatLon::new(origin[1], origin[0])) };
    let mut report = Report { unassigned: data.problems.clone(), ..Report::default() };

    // Areas whose rings the course format refuses (self-intersections) are reported, not imported.
    let usable: Vec<&Area> = data
        .areas
        .iter()
        .filter(|a| match geometry_of(a).polygons(&a.osm_id) {
            Ok(_) => true,
            Err(e) => {
                report.unassigned.push(Problem { osm_id: a.osm_id.clone(), what: format!("not imported: {e}") });
                false
            }
        })
        .collect();
    let shapes: Vec<geo::MultiPolygon<f64>> = usable.iter().map(|a| proj.multipolygon(a)).collect();
    // Tee-tagged areas the size of a field are not tees.
    let (usable, shapes): (Vec<&Area>, Vec<geo::MultiPolygon<f64>>) = usable
        .into_iter()
        .zip(shapes)
        .filter(|(a, shape)| {
            let m2 = geo::Area::unsigned_area(shape);
            let too_big = a.kind == Kind::Tee && m2 > MAX_TEE_AREA_M2;
            if too_big {
                report.unassigned.push(Problem {
                    osm_id: a.osm_id.clone(),
                    what: format!(
                        "golf=tee of {:.1} ha: too large for a tee (> {MAX_TEE_AREA_M2} m²), not imported",
                        m2 / 10_000.0
                    ),
                });
            }
            !too_big
        })
        .unzip();

    struct Draft {
        hole: Hole,
        line: geo::LineString<f64>,
        osm_id: String,
    }
    let mut drafts: Vec<Draft> = Vec::new();
    let mut used = vec![false; usable.len()];
    let mut lines: Vec<&HoleLine> = data.holes.iter().collect();
    lines.sort_by_key(|h| h.tags.get("ref").and_then(|r| r.trim().parse::<u32>().ok()).unwrap_or(u32::MAX));
    let mut seen_ids = HashSet::new();
    for h in lines {
        let tag_num = |k: &str| h.tags.get(k).and_then(|v| v.trim().parse::<u32>().ok());
        let Some(hole_id) = tag_num("ref").filter(|n| (1..=greenside_core::validate::MAX_HOLE_ID).contains(n)) else {
            report.unassigned.push(Problem { osm_id: h.osm_id.clone(), what: "golf=hole without a usable ref".into() });
            continue;
        };
        if !seen_ids.insert(hole_id) {
            report
                .unassigned
                .push(Problem { osm_id: h.osm_id.clone(), what: format!("a second hole line with ref {hole_id}") });
            continue;
        }
        let (Some(first), Some(last)) = (h.points.first(), h.points.last()) else { continue };
        let (start, end) = (proj.pt(*first), proj.pt(*last));
        let green = (0..usable.len()).find(|&i| usable[i].kind == Kind::Green && shapes[i].contains(&end));
        let Some(green) = green else {
            report.unassigned.push(Problem {
                osm_id: h.osm_id.clone(),
                what: format!("hole {hole_id}: its line ends on no golf=green area"),
            });
            continue;
        };
        used[green] = true;
        let tees: Vec<usize> = (0..usable.len())
            .filter(|&i| usable[i].kind == Kind::Tee && Euclidean.distance(&start, &shapes[i]) <= TEE_REACH_M)
            .collect();
        let mut tee_boxes = Vec::new();
        for &i in &tees {
            used[i] = true;
            tee_boxes.push(geometry_of(usable[i]));
        }
        let par = tag_num("par").filter(|p| (1..=7).contains(p));
        if par.is_none() {
            report.unassigned.push(Problem {
                osm_id: h.osm_id.clone(),
                what: format!("hole {hole_id}: no usable par tag; imported with par 4"),
            });
        }
        drafts.push(Draft {
            hole: Hole {
                hole_id,
                par: par.unwrap_or(4) as u8,
                handicap: tag_num("handicap").and_then(|x| u8::try_from(x).ok()),
                tees: vec![Tee { name: h.tags.get("name").cloned(), position: LatLon::new(first[1], first[0]) }],
                default_cup: Some(LatLon::new(round7(last[1]), round7(last[0]))),
                green: Some(geometry_of(usable[green])),
                fringe: None,
                fairways: Vec::new(),
                bunkers: Vec::new(),
                water: Vec::new(),
                tee_boxes,
                rough: Vec::new(),
                boundary: None,
            },
            line: proj.line(&h.points),
            osm_id: h.osm_id.clone(),
        });
    }
    if drafts.is_empty() {
        return Err("no hole could be imported (see the problems above)".into());
    }
    // Everything else to the hole whose line passes nearest, within the corridor.
    for i in 0..usable.len() {
        if used[i] {
            continue;
        }
        let a = usable[i];
        if a.kind == Kind::Green {
            report.unassigned.push(Problem { osm_id: a.osm_id.clone(), what: "a green no hole line ends in".into() });
            continue;
        }
        let nearest =
            drafts.iter_mut().map(|d| (Euclidean.distance(&d.line, &shapes[i]), d)).min_by(|x, y| x.0.total_cmp(&y.0));
        match nearest {
            Some((dist, d)) if dist <= CORRIDOR_M => {
                used[i] = true;
                let g = geometry_of(a);
                match a.kind {
                    Kind::Fairway => d.hole.fairways.push(g),
                    Kind::Bunker => d.hole.bunkers.push(g),
                    Kind::Water => d.hole.water.push(g),
                    Kind::Rough => d.hole.rough.push(g),
                    // Forward tees along the hole, not where its line starts.
                    Kind::Tee => d.hole.tee_boxes.push(g),
                    Kind::Green => {}
                }
            }
            Some((dist, d)) => report.unassigned.push(Problem {
                osm_id: a.osm_id.clone(),
                what: format!(
                    "{:?} outside every hole's corridor (nearest: {} at {dist:.0} m > {CORRIDOR_M} m)",
                    a.kind, d.osm_id
                ),
            }),
            None => {}
        }
    }
    for (i, a) in usable.iter().enumerate() {
        if used[i] {
            *report.assigned.entry(a.kind).or_default() += 1;
        }
    }
    report.holes = drafts.len();
    report.greens = usable.iter().filter(|a| a.kind == Kind::Green).count();
    let course = Course {
        manifest_contract_version: greenside_core::MANIFEST_CONTRACT_VERSION.into(),
        course_id: course_id.into(),
        name: name.into(),
        attribution: Some(OSM_ATTRIBUTION.into()),
        license: Some("ODbL-1.0".into()),
        illustrative: false,
        holes: drafts.into_iter().map(|d| d.hole).collect(),
    };
    course.validate().map_err(|e| format!("the imported course does not validate: {e}"))?;
    Ok((course, report))
}

/// Writes `<root>/<course_id>/course.json` and adds (or replaces) its entry in the registry.
pub fn write_course(course: &Course, registry_path: &Path, version: &str) -> Result<std::path::PathBuf, String> {
    let root = registry_path.parent().ok_or("the registry path has no folder")?;
    let rel = format!("{}/course.json", course.course_id);
    let path = root.join(&rel);
    std::fs::create_dir_all(path.parent().ok_or("bad course path")?).map_err(|e| format!("{}: {e}", path.display()))?;
    // Compact: coordinates pretty-printed one number per line triple the size and read no better.
    let text = serde_json::to_string(course).map_err(|e| e.to_string())? + "\n";
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut reg = match std::fs::read_to_string(registry_path) {
        Ok(t) => Registry::from_json(&t).map_err(|e| format!("{}: {e}", registry_path.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Registry { manifest_contract_version: greenside_core::MANIFEST_CONTRACT_VERSION.into(), datasets: vec![] }
        }
        Err(e) => return Err(format!("{}: {e}", registry_path.display())),
    };
    let entry = DatasetEntry {
        course_id: course.course_id.clone(),
        name: course.name.clone(),
        path: rel,
        version: version.into(),
        checksum: None,
    };
    match reg.datasets.iter_mut().find(|d| d.course_id == course.course_id) {
        Some(d) => *d = entry,
        None => reg.datasets.push(entry),
    }
    let text = serde_json::to_string_pretty(&reg).map_err(|e| e.to_string())? + "\n";
    std::fs::write(registry_path, text).map_err(|e| format!("{}: {e}", registry_path.display()))?;
    Ok(path)
}
