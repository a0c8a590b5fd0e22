//! Building: each hole line's green and tees, every other area to the hole
//! whose line passes nearest, and the course. Containment, areas and
//! distances are core's (`greenside_core::geometry`), in the course's local
//! frame (core's `LocalFrame`, metres).

use super::{
    Area, CORRIDOR_M, HoleLine, Kind, MAX_TEE_AREA_M2, OSM_ATTRIBUTION, OsmData, Problem, Report, TEE_REACH_M,
};
use greenside_core::course::{Course, Geometry, Hole, Line, Tee};
use greenside_core::frame::LocalFrame;
use greenside_core::geometry::{
    Coord, LatLon, polygon_area, polygon_contains, polygon_distance, polyline_polygon_distance,
};
use std::collections::HashSet;

/// An area's polygons (rings, exterior first) in the course's local frame.
type Shape = Vec<Vec<Vec<Coord<f64>>>>;

/// A (lon, lat) position in the course's local frame.
fn local(frame: &LocalFrame, p: [f64; 2]) -> Coord<f64> {
    frame.to_local(LatLon::new(p[1], p[0])).into()
}

fn local_line(frame: &LocalFrame, pts: &[[f64; 2]]) -> Vec<Coord<f64>> {
    pts.iter().map(|p| local(frame, *p)).collect()
}

fn local_shape(frame: &LocalFrame, a: &Area) -> Shape {
    a.polygons.iter().map(|rings| rings.iter().map(|r| local_line(frame, r)).collect()).collect()
}

// An area is its polygons: inside any, as near as the nearest, as large as all.

fn contains(shape: &Shape, p: Coord<f64>) -> bool {
    shape.iter().any(|rings| polygon_contains(rings, p))
}

fn distance_from_point(shape: &Shape, p: Coord<f64>) -> f64 {
    shape.iter().map(|rings| polygon_distance(rings, p)).fold(f64::INFINITY, f64::min)
}

fn distance_from_line(shape: &Shape, line: &[Coord<f64>]) -> f64 {
    shape.iter().map(|rings| polyline_polygon_distance(line, rings)).fold(f64::INFINITY, f64::min)
}

fn area_m2(shape: &Shape) -> f64 {
    shape.iter().map(|rings| polygon_area(rings)).sum()
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
    let frame = LocalFrame::new(LatLon::new(origin[1], origin[0]));
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
    let shapes: Vec<Shape> = usable.iter().map(|a| local_shape(&frame, a)).collect();
    // Tee-tagged areas the size of a field are not tees.
    let (usable, shapes): (Vec<&Area>, Vec<Shape>) = usable
        .into_iter()
        .zip(shapes)
        .filter(|(a, shape)| {
            let m2 = area_m2(shape);
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
        line: Vec<Coord<f64>>,
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
        let (start, end) = (local(&frame, *first), local(&frame, *last));
        let green = (0..usable.len()).find(|&i| usable[i].kind == Kind::Green && contains(&shapes[i], end));
        let Some(green) = green else {
            report.unassigned.push(Problem {
                osm_id: h.osm_id.clone(),
                what: format!("hole {hole_id}: its line ends on no golf=green area"),
            });
            continue;
        };
        used[green] = true;
        let tees: Vec<usize> = (0..usable.len())
            .filter(|&i| usable[i].kind == Kind::Tee && distance_from_point(&shapes[i], start) <= TEE_REACH_M)
            .collect();
        let mut tee_boxes = Vec::new();
        for &i in &tees {
            used[i] = true;
            tee_boxes.push(geometry_of(usable[i]));
        }
        // The cup: the pin on this green nearest the line's end, else the line's end.
        let pin = data
            .pins
            .iter()
            .map(|p| (p, local(&frame, p.point)))
            .filter(|(_, q)| contains(&shapes[green], *q))
            .min_by(|a, b| {
                let d = |q: Coord<f64>| (q.x - end.x).powi(2) + (q.y - end.y).powi(2);
                d(a.1).total_cmp(&d(b.1))
            })
            .map(|(p, _)| p.point);
        let cup = pin.unwrap_or(*last);
        // The line as the course file keeps it: rounded as every position, repeats dropped.
        let mut kept: Vec<Vec<f64>> = h.points.iter().map(|p| vec![round7(p[0]), round7(p[1])]).collect();
        kept.dedup();
        let line = if kept.len() >= 2 {
            Some(Line::LineString(kept))
        } else {
            report.unassigned.push(Problem {
                osm_id: h.osm_id.clone(),
                what: format!("hole {hole_id}: its line has one position; imported without aim points"),
            });
            None
        };
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
                default_cup: Some(LatLon::new(round7(cup[1]), round7(cup[0]))),
                green: Some(geometry_of(usable[green])),
                fringe: None,
                fairways: Vec::new(),
                bunkers: Vec::new(),
                water: Vec::new(),
                tee_boxes,
                rough: Vec::new(),
                boundary: None,
                line,
            },
            line: local_line(&frame, &h.points),
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
        let distances: Vec<f64> = drafts.iter().map(|d| distance_from_line(&shapes[i], &d.line)).collect();
        let nearest = (0..drafts.len()).min_by(|&x, &y| distances[x].total_cmp(&distances[y]));
        match nearest.map(|n| (distances[n], n)) {
            Some((dist, n)) if dist <= CORRIDOR_M => {
                used[i] = true;
                let g = geometry_of(a);
                // The nearest hole's, and every other hole's whose line runs through it (a fairway two holes share).
                for (k, d) in drafts.iter_mut().enumerate() {
                    if k != n && distances[k] > 0.0 {
                        continue;
                    }
                    match a.kind {
                        Kind::Fairway => d.hole.fairways.push(g.clone()),
                        Kind::Bunker => d.hole.bunkers.push(g.clone()),
                        Kind::Water => d.hole.water.push(g.clone()),
                        Kind::Rough => d.hole.rough.push(g.clone()),
                        // Forward tees along the hole, not where its line starts.
                        Kind::Tee => d.hole.tee_boxes.push(g.clone()),
                        Kind::Green => {}
                    }
                }
            }
            Some((dist, n)) => report.unassigned.push(Problem {
                osm_id: a.osm_id.clone(),
                what: format!(
                    "{:?} outside every hole's corridor (nearest: {} at {dist:.0} m > {CORRIDOR_M} m)",
                    a.kind, drafts[n].osm_id
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
