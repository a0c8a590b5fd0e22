//! Building: each hole line's green and tees, every other area to the hole
//! whose line passes nearest, and the course. Containment, areas and
//! distances are core's (`greenside_core::geometry`), in the course's local
//! frame (core's `LocalFrame`, metres).

use super::{
    Area, CORRIDOR_M, HoleLine, Kind, MAX_TEE_AREA_M2, OOB_DEPTH_M, OSM_ATTRIBUTION, OsmData, Problem, Report,
    TEE_REACH_M,
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

/// A length as OSM's `dist` gives it: metres (`350`, `350 m`) or yards (`383 yd`).
fn parse_dist(v: &str) -> Option<f64> {
    let v = v.trim();
    let (num, per) = if let Some(n) = v.strip_suffix("yd").or_else(|| v.strip_suffix("yds")) {
        (n, greenside_core::aim::YARD_M)
    } else {
        (v.strip_suffix('m').unwrap_or(v), 1.0)
    };
    let d = num.trim().parse::<f64>().ok()? * per;
    (d.is_finite() && d > 0.0 && d <= 2_000.0).then_some(d)
}

/// The ring (lon, lat) of the strip `OOB_DEPTH_M` deep beyond an
/// out-of-bounds line: on the side away from the hole line nearest it
/// (none without a hole line).
fn oob_strip(frame: &LocalFrame, points: &[[f64; 2]], holes: &[Vec<Coord<f64>>]) -> Option<Vec<[f64; 2]>> {
    let line = local_line(frame, points);
    let mid = line[line.len() / 2];
    // The nearest hole line's nearest vertex, and which side of the OOB line it is on.
    let near = holes.iter().flatten().min_by(|a, b| {
        let d = |p: &Coord<f64>| (p.x - mid.x).powi(2) + (p.y - mid.y).powi(2);
        d(a).total_cmp(&d(b))
    })?;
    let (i, _) = line.windows(2).enumerate().min_by(|a, b| {
        let d = |w: &[Coord<f64>]| greenside_core::geometry::seg_dist2(*near, w[0], w[1]);
        d(a.1).total_cmp(&d(b.1))
    })?;
    let (a, b) = (line[i], line[i + 1]);
    let cross = (b.x - a.x) * (near.y - a.y) - (b.y - a.y) * (near.x - a.x);
    // Out of bounds is to the right of the line's direction when the hole is to its left.
    let sign = if cross > 0.0 { -1.0 } else { 1.0 };
    let normal = |p: Coord<f64>, q: Coord<f64>| {
        let (dx, dy) = (q.x - p.x, q.y - p.y);
        let len = dx.hypot(dy).max(f64::MIN_POSITIVE);
        Coord { x: -dy / len, y: dx / len }
    };
    let n = line.len();
    let mut far = Vec::with_capacity(n);
    for k in 0..n {
        let m1 = if k > 0 { normal(line[k - 1], line[k]) } else { normal(line[0], line[1]) };
        let m2 = if k + 1 < n { normal(line[k], line[k + 1]) } else { m1 };
        let (mx, my) = ((m1.x + m2.x) / 2.0, (m1.y + m2.y) / 2.0);
        let len = mx.hypot(my).max(f64::MIN_POSITIVE);
        let d = sign * OOB_DEPTH_M;
        far.push(Coord { x: line[k].x + d * mx / len, y: line[k].y + d * my / len });
    }
    let ring: Vec<Coord<f64>> =
        line.iter().copied().chain(far.into_iter().rev()).chain(std::iter::once(line[0])).collect();
    let ring = greenside_core::rings::oriented(ring, true);
    Some(
        ring.iter()
            .map(|p| {
                let q = frame.to_wgs84((*p).into());
                [round7(q.lon), round7(q.lat)]
            })
            .collect(),
    )
}

/// The report line of a course outline that is not the imported course's.
fn another_course(c: &Area) -> Problem {
    let name = c.tags.get("name").map_or(String::new(), |n| format!(" ({n})"));
    Problem {
        osm_id: c.osm_id.clone(),
        what: format!("another golf course{name}: leisure=golf_course with fewer hole lines; not imported"),
    }
}

/// The vertex average of an area's first outer ring (a tee's spot: tees are small and convex).
fn area_centre(shape: &Shape) -> Coord<f64> {
    let ring = &shape[0][0];
    let n = ring.len().saturating_sub(1).max(1) as f64;
    let (x, y) = ring.iter().take(ring.len().saturating_sub(1).max(1)).fold((0.0, 0.0), |(x, y), p| (x + p.x, y + p.y));
    Coord { x: x / n, y: y / n }
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

    // The course's outline: of the `leisure=golf_course` areas, the one most
    // hole lines start in. Others are other courses: reported, as is
    // everything that lies wholly outside the outline.
    let starts: Vec<Coord<f64>> =
        data.holes.iter().filter_map(|h| h.points.first()).map(|p| local(&frame, *p)).collect();
    let mut outline: Option<(&Area, Shape)> = None;
    let mut best = 0;
    for c in &data.courses {
        if let Err(e) = geometry_of(c).polygons(&c.osm_id) {
            report.unassigned.push(Problem { osm_id: c.osm_id.clone(), what: format!("not imported: {e}") });
            continue;
        }
        let shape = local_shape(&frame, c);
        let n = starts.iter().filter(|p| contains(&shape, **p)).count();
        if n > best {
            if let Some((other, _)) = outline.take() {
                report.unassigned.push(another_course(other));
            }
            best = n;
            outline = Some((c, shape));
        } else {
            report.unassigned.push(another_course(c));
        }
    }
    let inside_outline = |a: &Area| match &outline {
        None => true,
        Some((_, shape)) => {
            a.polygons.iter().flat_map(|p| p.first()).flatten().any(|p| contains(shape, local(&frame, *p)))
        }
    };

    // An out-of-bounds line: the strip OOB_DEPTH_M deep on its side away from the nearest hole line.
    // (Only lines that can be holes: with a ref.)
    let hole_lines: Vec<Vec<Coord<f64>>> = data
        .holes
        .iter()
        .filter(|h| h.tags.get("ref").and_then(|r| r.trim().parse::<u32>().ok()).is_some())
        .map(|h| local_line(&frame, &h.points))
        .collect();
    let mut strips: Vec<Area> = Vec::new();
    for l in &data.oob_lines {
        match oob_strip(&frame, &l.points, &hole_lines) {
            Some(ring) => strips.push(Area {
                kind: Kind::OutOfBounds,
                osm_id: l.osm_id.clone(),
                polygons: vec![vec![ring]],
                tags: l.tags.clone(),
            }),
            None => report.unassigned.push(Problem {
                osm_id: l.osm_id.clone(),
                what: "golf=out_of_bounds line with no hole line to tell its sides apart; not imported".into(),
            }),
        }
    }

    // Areas whose rings the course format refuses (self-intersections) are reported, not imported.
    let usable: Vec<&Area> = data
        .areas
        .iter()
        .chain(&strips)
        .filter(|a| match geometry_of(a).polygons(&a.osm_id) {
            Ok(_) if inside_outline(a) => true,
            Ok(_) => {
                let course = outline.as_ref().map_or("", |(c, _)| c.osm_id.as_str());
                report.unassigned.push(Problem {
                    osm_id: a.osm_id.clone(),
                    what: format!("{:?} outside the course's outline ({course}), not imported", a.kind),
                });
                false
            }
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

    struct Draft<'a> {
        hole: Hole,
        line: Vec<Coord<f64>>,
        osm_id: String,
        tags: &'a std::collections::HashMap<String, String>,
        /// The tee areas of the hole (where its line starts first), for its named tees.
        tee_areas: Vec<usize>,
    }
    let mut drafts: Vec<Draft<'_>> = Vec::new();
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
        let mut tees: Vec<usize> = (0..usable.len())
            .filter(|&i| usable[i].kind == Kind::Tee && distance_from_point(&shapes[i], start) <= TEE_REACH_M)
            .collect();
        // The area the line starts in (or nearest its start) first.
        tees.sort_by(|&a, &b| {
            distance_from_point(&shapes[a], start).total_cmp(&distance_from_point(&shapes[b], start))
        });
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
        let dist_m = match h.tags.get("dist") {
            None => None,
            Some(v) => {
                let d = parse_dist(v);
                if d.is_none() {
                    report.unassigned.push(Problem {
                        osm_id: h.osm_id.clone(),
                        what: format!(
                            "hole {hole_id}: dist={v} is not a length (metres, or with m or yd); not imported"
                        ),
                    });
                }
                d
            }
        };
        drafts.push(Draft {
            tags: &h.tags,
            tee_areas: tees.clone(),
            hole: Hole {
                hole_id,
                name: h.tags.get("name").cloned(),
                par: par.unwrap_or(4) as u8,
                dist_m,
                handicap: tag_num("handicap").and_then(|x| u8::try_from(x).ok()),
                tees: vec![Tee { name: None, position: LatLon::new(first[1], first[0]), par: None, dist_m: None }],
                default_cup: Some(LatLon::new(round7(cup[1]), round7(cup[0]))),
                green: Some(geometry_of(usable[green])),
                fringe: None,
                fairways: Vec::new(),
                bunkers: Vec::new(),
                water: Vec::new(),
                water_kinds: Vec::new(),
                tee_boxes,
                rough: Vec::new(),
                out_of_bounds: Vec::new(),
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
                // The nearest hole's, and every other hole's whose line runs through it (a fairway two
                // holes share); out of bounds is every hole's within the corridor.
                for (k, d) in drafts.iter_mut().enumerate() {
                    let reach = if a.kind == Kind::OutOfBounds { CORRIDOR_M } else { 0.0 };
                    if k != n && distances[k] > reach {
                        continue;
                    }
                    match a.kind {
                        Kind::Fairway => d.hole.fairways.push(g.clone()),
                        Kind::Bunker => d.hole.bunkers.push(g.clone()),
                        Kind::Water => {
                            d.hole.water.push(g.clone());
                            d.hole.water_kinds.push(super::penalty_of(&a.tags));
                        }
                        Kind::Rough => d.hole.rough.push(g.clone()),
                        Kind::OutOfBounds => d.hole.out_of_bounds.push(g.clone()),
                        // Forward tees along the hole, not where its line starts.
                        Kind::Tee => {
                            d.hole.tee_boxes.push(g.clone());
                            d.tee_areas.push(i);
                        }
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
    // Named tee sets: each tee area with `tee=<colour>` is that set's tee of
    // its hole (the one the line starts in keeps the line's start), with
    // the hole's `par:<colour>` and `dist:<colour>`.
    for d in &mut drafts {
        // `tee=gold;white`: one area, two sets' tee.
        let colours = |i: usize| -> Vec<String> {
            usable[i].tags.get("tee").map_or(Vec::new(), |v| {
                v.split(';').map(|c| c.trim().to_lowercase()).filter(|c| !c.is_empty()).collect()
            })
        };
        let mut named: Vec<String> = Vec::new();
        for (k, &i) in d.tee_areas.iter().enumerate() {
            for c in colours(i) {
                if named.contains(&c) {
                    continue;
                }
                let par = d
                    .tags
                    .get(&format!("par:{c}"))
                    .and_then(|v| v.trim().parse::<u8>().ok())
                    .filter(|p| (1..=7).contains(p));
                let dist_m = d.tags.get(&format!("dist:{c}")).and_then(|v| parse_dist(v));
                let line_start = k == 0 && d.hole.tees[0].name.is_none();
                if line_start {
                    d.hole.tees[0] = Tee { name: Some(c.clone()), par, dist_m, ..d.hole.tees[0].clone() };
                } else {
                    let p = frame.to_wgs84(area_centre(&shapes[i]).into());
                    d.hole.tees.push(Tee {
                        name: Some(c.clone()),
                        position: if k == 0 {
                            d.hole.tees[0].position
                        } else {
                            LatLon::new(round7(p.lat), round7(p.lon))
                        },
                        par,
                        dist_m,
                    });
                }
                named.push(c);
            }
        }
        // A per-tee tag with no tee of that colour has nowhere to go.
        let mut keys: Vec<&String> = d.tags.keys().collect();
        keys.sort();
        for k in keys {
            let Some(c) = k.strip_prefix("par:").or_else(|| k.strip_prefix("dist:")) else { continue };
            if !named.iter().any(|n| n == &c.trim().to_lowercase()) {
                report.unassigned.push(Problem {
                    osm_id: d.osm_id.clone(),
                    what: format!("hole {}: {k} has no tee={c} area on the hole; not imported", d.hole.hole_id),
                });
            }
        }
    }
    // A pin that is no hole's cup (on a green no line ends in, or on none) is reported.
    for pin in &data.pins {
        let cup = LatLon::new(round7(pin.point[1]), round7(pin.point[0]));
        if !drafts.iter().any(|d| d.hole.default_cup == Some(cup)) {
            report
                .unassigned
                .push(Problem { osm_id: pin.osm_id.clone(), what: "golf=pin that is no hole's cup".into() });
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
        boundary: outline.map(|(a, _)| geometry_of(a)),
        holes: drafts.into_iter().map(|d| d.hole).collect(),
    };
    course.validate().map_err(|e| format!("the imported course does not validate: {e}"))?;
    Ok((course, report))
}
