//! Reading: OSM XML (nodes, ways, multipolygon relations) and GeoJSON as
//! osmtogeojson and overpass turbo export it, into [`OsmData`]. Rings are
//! cleaned, oriented, joined and nested by core (`greenside_core::rings`);
//! here they are only collected and their problems worded.

use super::{Area, HoleLine, Kind, OsmData, Pin, Problem, Tags, is_course, kind_of};
use greenside_core::geometry::Coord;
use greenside_core::rings::{JoinError, clean_ring, join_rings, nest_rings, oriented};
use std::collections::{HashMap, HashSet};
use std::io::BufRead;

/// (type, ref, role) of a relation member.
type Member = (String, i64, String);

/// A ring of core's back in (lon, lat), as [`Area`] holds it.
fn lon_lat(ring: Vec<Coord<f64>>) -> Vec<[f64; 2]> {
    ring.into_iter().map(<[f64; 2]>::from).collect()
}

/// Why a relation's member ways make no area, in the report's words.
fn join_problem(e: JoinError) -> String {
    match e {
        JoinError::Open(end) => format!("member ways do not close a ring (open end at {:.7},{:.7})", end.y, end.x),
        JoinError::Degenerate => "a ring of the relation is degenerate".into(),
    }
}

/// Reads OSM XML: nodes, ways, relations with their tags.
pub fn read_osm_xml(input: impl BufRead, mut progress: impl FnMut(u64)) -> Result<OsmData, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(input);
    let mut buf = Vec::new();
    let mut nodes: HashMap<i64, Coord<f64>> = HashMap::new();
    let mut ways: HashMap<i64, (Vec<i64>, Tags)> = HashMap::new();
    let mut relations: Vec<(i64, Vec<Member>, Tags)> = Vec::new();
    // The element being read.
    enum Cur {
        None,
        Way(i64, Vec<i64>, Tags),
        Rel(i64, Vec<Member>, Tags),
        Node(i64, Coord<f64>, Tags),
    }
    let mut pins: Vec<Pin> = Vec::new();
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
                    (b"node", Cur::Node(id, p, tags)) => {
                        if tags.get("golf").map(String::as_str) == Some("pin") {
                            pins.push(Pin { osm_id: format!("node/{id}"), point: [p.x, p.y] });
                        }
                    }
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
                nodes.insert(id, Coord { x: lon, y: lat });
                if !empty {
                    cur = Cur::Node(id, Coord { x: lon, y: lat }, HashMap::new());
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
                    Cur::Way(_, _, tags) | Cur::Rel(_, _, tags) | Cur::Node(_, _, tags) => {
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

    let mut data = OsmData { pins, ..OsmData::default() };
    let coords = |nds: &[i64]| -> Option<Vec<Coord<f64>>> { nds.iter().map(|n| nodes.get(n).copied()).collect() };
    // Relations first: their outer ways are not imported twice.
    let mut outer_of_relation: HashSet<(i64, Kind)> = HashSet::new();
    relations.sort_by_key(|r| r.0);
    for (id, members, tags) in &relations {
        if tags.get("type").map(String::as_str) != Some("multipolygon") {
            continue;
        }
        // A course outline is kept apart (its kind is never read).
        let course = is_course(tags);
        let Some(kind) = kind_of(tags).or(course.then_some(Kind::Green)) else { continue };
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
                if !course {
                    outer_of_relation.insert((*r, kind));
                }
                outers.push(pts);
            }
        }
        match (join_rings(outers), join_rings(inners)) {
            (Ok(outer), Ok(inner)) => {
                let polygons: Vec<Vec<Vec<[f64; 2]>>> =
                    nest_rings(outer, inner).into_iter().map(|p| p.into_iter().map(lon_lat).collect()).collect();
                if polygons.is_empty() {
                    data.problems.push(Problem { osm_id, what: "no usable outer ring".into() });
                } else if course {
                    data.courses.push(Area { kind, osm_id, polygons, tags: tags.clone() });
                } else {
                    data.areas.push(Area { kind, osm_id, polygons, tags: tags.clone() });
                }
            }
            (Err(e), _) | (_, Err(e)) => data.problems.push(Problem { osm_id, what: join_problem(e) }),
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
            data.holes.push(HoleLine { osm_id, tags: tags.clone(), points: lon_lat(pts) });
            continue;
        }
        let course = is_course(tags);
        let Some(kind) = kind_of(tags).or(course.then_some(Kind::Green)) else { continue };
        if !course && outer_of_relation.contains(&(*id, kind)) {
            continue;
        }
        if kind == Kind::OutOfBounds && !course && pts.first() != pts.last() && pts.len() >= 2 {
            data.oob_lines.push(HoleLine { osm_id, tags: tags.clone(), points: lon_lat(pts) });
            continue;
        }
        if pts.len() < 4 || pts.first() != pts.last() {
            let what = if course { "leisure=golf_course".to_string() } else { format!("{kind:?}") };
            data.problems.push(Problem { osm_id, what: format!("{what} way is not a closed ring") });
            continue;
        }
        match clean_ring(pts) {
            Some(r) => {
                let area = Area { kind, osm_id, polygons: vec![vec![lon_lat(oriented(r, true))]], tags: tags.clone() };
                if course { data.courses.push(area) } else { data.areas.push(area) }
            }
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
        let pos = |p: &geojson::Position| Coord { x: p[0], y: p[1] };
        if tags.get("golf").map(String::as_str) == Some("pin") {
            match &geom.value {
                GeometryValue::Point { coordinates } => {
                    data.pins.push(Pin { osm_id, point: [coordinates[0], coordinates[1]] });
                }
                other => data
                    .problems
                    .push(Problem { osm_id, what: format!("golf=pin is a {}, expected a Point", other.type_name()) }),
            }
            continue;
        }
        if tags.get("golf").map(String::as_str) == Some("hole") {
            match &geom.value {
                GeometryValue::LineString { coordinates } => data.holes.push(HoleLine {
                    osm_id,
                    tags,
                    points: coordinates.iter().map(|p| [p[0], p[1]]).collect(),
                }),
                other => data.problems.push(Problem {
                    osm_id,
                    what: format!("golf=hole is a {}, expected a LineString", other.type_name()),
                }),
            }
            continue;
        }
        let course = is_course(&tags);
        let Some(kind) = kind_of(&tags).or(course.then_some(Kind::Green)) else { continue };
        if let (Kind::OutOfBounds, GeometryValue::LineString { coordinates }) = (kind, &geom.value) {
            data.oob_lines.push(HoleLine { osm_id, tags, points: coordinates.iter().map(|p| [p[0], p[1]]).collect() });
            continue;
        }
        let polys: Vec<Vec<Vec<Coord<f64>>>> = match &geom.value {
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
                    Some(r) => out.push(lon_lat(oriented(r, j == 0))),
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
        } else if course {
            data.courses.push(Area { kind, osm_id, polygons: clean, tags });
        } else {
            data.areas.push(Area { kind, osm_id, polygons: clean, tags });
        }
    }
    Ok(data)
}
