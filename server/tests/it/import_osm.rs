//! `greenside course import-osm` on real OpenStreetMap data
//! (`data/osm/augusta_national.osm.gz`, read through its gzip) and on GeoJSON as osmtogeojson
//! writes it: counts, every hole's green holding its line's end, what is
//! reported, the registry, and the bundled import being what the importer
//! writes today.

#![allow(clippy::unwrap_used)]

use greenside_core::catalog::Catalog;
use greenside_core::classify::Surface;
use greenside_core::course::{Course, Registry};
use greenside_core::rules::Rules;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

fn augusta_osm() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/osm/augusta_national.osm.gz");
    assert!(p.exists(), "the real OSM extract is missing: {}", p.display());
    p
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("greenside-import-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn import(file: &Path, registry: &Path, course_id: &str, extra: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_greenside"))
        .args(["course", "import-osm"])
        .arg(file)
        .args(["--course-id", course_id, "--registry"])
        .arg(registry)
        .args(extra)
        .env_clear()
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn augusta_national_imports_with_every_hole_on_its_green() {
    let dir = tmp("augusta");
    let registry = dir.join("datasets.json");
    let (code, stdout, stderr) = import(
        &augusta_osm(),
        &registry,
        "augusta_national",
        &["--name", "Augusta National Golf Club (OpenStreetMap)"],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stderr.is_empty(), "no progress bar when stderr is not a terminal: {stderr}");
    assert!(stdout.starts_with("imported 18 holes"), "{stdout}");

    let text = std::fs::read_to_string(dir.join("augusta_national/course.json")).unwrap();
    let course = Course::from_json(&text).unwrap();
    assert_eq!(course.holes.len(), 18);
    assert_eq!(course.holes.iter().map(|h| h.hole_id).collect::<Vec<_>>(), (1..=18).collect::<Vec<_>>());
    assert_eq!(course.holes.iter().map(|h| u32::from(h.par)).sum::<u32>(), 72, "Augusta plays to par 72");
    assert!(course.holes.iter().all(|h| h.handicap.is_some()));
    assert!(course.attribution.as_deref().unwrap().contains("OpenStreetMap contributors"));
    assert_eq!(course.license.as_deref(), Some("ODbL-1.0"));
    assert!(!course.illustrative);
    let count = |f: fn(&greenside_core::course::Hole) -> usize| course.holes.iter().map(f).sum::<usize>();
    assert_eq!(count(|h| usize::from(h.green.is_some())), 18);
    // Placements: an area goes to the hole whose line passes nearest and to
    // every other hole whose line runs through it (24 fairways, 7 water
    // areas and 23 rough areas, some of them shared).
    assert_eq!(count(|h| h.bunkers.len()), 44);
    assert_eq!(count(|h| h.fairways.len()), 26);
    assert_eq!(count(|h| h.water.len()), 8);
    assert_eq!(count(|h| h.tee_boxes.len()), 33);
    assert_eq!(count(|h| h.rough.len()), 31);
    // The 13th's drive lands on a fairway nearer the 12th's line: both holes have it.
    let (twelve, thirteen) = (course.hole(12).unwrap(), course.hole(13).unwrap());
    assert!(thirteen.fairways.iter().any(|f| twelve.fairways.contains(f)));
    // Each hole keeps its line, tee to cup: par - 1 positions (two corners on the 5th).
    for h in &course.holes {
        let greenside_core::course::Line::LineString(line) = h.line.as_ref().unwrap();
        assert_eq!(line.len(), if h.hole_id == 5 { 4 } else { usize::from(h.par) - 1 }, "hole {}", h.hole_id);
        let end = line.last().unwrap();
        assert_eq!(h.default_cup, Some(greenside_core::geometry::LatLon::new(end[1], end[0])), "the pin ends the line");
    }

    // Every hole's green holds the end of its hole line (the default cup),
    // and the classifier says GREEN there with its confidence model.
    let config = Rules::default();
    for prepared in course.prepare_all().unwrap() {
        let hole = course.hole(prepared.hole_id).unwrap();
        let cup = hole.default_cup.unwrap();
        let c = prepared.classify(cup, Some(3.0), None, &config);
        assert_eq!(c.surface, Surface::Green, "hole {}: {c:?}", prepared.hole_id);
        assert!(c.distance_to_green_edge_m > 0.0);
        let tee = hole.tees[0].position;
        assert_ne!(prepared.classify(tee, Some(3.0), None, &config).surface, Surface::Green);
    }

    // What could not be placed is reported, never dropped silently.
    for id in ["way/856580301", "way/930626996"] {
        assert!(stdout.contains(&format!("not assigned: {id} — a green no hole line ends in")), "{id}: {stdout}");
    }
    // The extract holds the course next door too: its outline and features are reported.
    assert!(stdout.contains("way/871997938 — another golf course (Augusta Country Club)"), "{stdout}");
    assert!(stdout.contains("way/863519356 — Green outside the course's outline (way/871993734)"), "{stdout}");
    assert!(course.boundary.is_some(), "the course keeps its outline");
    assert!(course.holes.iter().all(|h| h.water_kinds.len() == h.water.len()), "every water area's kind");
    assert!(stdout.contains("relation/13998937 — golf=tee of 9.0 ha: too large for a tee"), "{stdout}");
    assert!(stdout.contains("outside every hole's corridor"));

    // The registry lists it, and a catalogue loads it.
    let reg = Registry::from_json(&std::fs::read_to_string(&registry).unwrap()).unwrap();
    assert_eq!(reg.get("augusta_national").unwrap().path, "augusta_national/course.json");
    let root = dir.display().to_string();
    let cat = Catalog::load(&root, &registry.display().to_string(), |p| {
        std::fs::read_to_string(p)
            .map_err(|e| greenside_core::catalog::LoadError::new(p, "file_unreadable", e.to_string()))
    });
    assert_eq!(cat.counts(), (1, 18, 0));

    // Importing again replaces the entry instead of adding a second one.
    let (code, _, _) = import(&augusta_osm(), &registry, "augusta_national", &["--quiet"]);
    assert_eq!(code, 0);
    let reg = Registry::from_json(&std::fs::read_to_string(&registry).unwrap()).unwrap();
    assert_eq!(reg.datasets.len(), 1);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_bundled_import_is_what_the_importer_writes_today() {
    let dir = tmp("bundled");
    let registry = dir.join("datasets.json");
    let (code, stdout, stderr) = import(
        &augusta_osm(),
        &registry,
        "augusta_national",
        &["--name", "Augusta National Golf Club (OpenStreetMap)"],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    let fresh = std::fs::read_to_string(dir.join("augusta_national/course.json")).unwrap();
    let bundled = greenside_core::example::AUGUSTA_NATIONAL_COURSE_JSON;
    assert!(
        fresh == bundled,
        "data/courses/augusta_national/course.json is stale: run the importer (README, Course data)"
    );
    let reg: Value = serde_json::from_str(greenside_core::example::DATASETS_JSON).unwrap();
    assert!(reg["datasets"].as_array().unwrap().iter().any(|d| d["course_id"] == "augusta_national"));

    // The same extract unpacked (a plain .osm) gives the same course.
    let plain = dir.join("augusta_national.osm");
    let mut unpacked = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(augusta_osm()).unwrap()),
        &mut unpacked,
    )
    .unwrap();
    assert_eq!(unpacked.len(), 3_358_453);
    std::fs::write(&plain, unpacked).unwrap();
    let registry2 = dir.join("plain/datasets.json");
    let (code, stdout, stderr) =
        import(&plain, &registry2, "augusta_national", &["--name", "Augusta National Golf Club (OpenStreetMap)"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(std::fs::read_to_string(dir.join("plain/augusta_national/course.json")).unwrap() == bundled);
    std::fs::remove_dir_all(dir).unwrap();
}

/// The shape osmtogeojson writes: `id` "way/1", tags flat in `properties`
/// (overpass turbo adds `@id`); or under `properties.tags`.
fn feature(id: &str, tags: Value, geometry: Value) -> Value {
    json!({"type": "Feature", "id": id, "properties": tags, "geometry": geometry})
}

fn square(lon: f64, lat: f64, half: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[
        [lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half], [lon - half, lat + half], [lon - half, lat - half]
    ]]})
}

#[test]
fn geojson_from_osm_tools_imports_and_reports_what_is_left() {
    let dir = tmp("geojson");
    let (lon0, lat0) = (-111.66, 40.26);
    let fc = json!({"type": "FeatureCollection", "features": [
        feature("way/1", json!({"golf": "hole", "ref": "1", "par": "4", "handicap": "7", "name": "First"}),
            json!({"type": "LineString", "coordinates": [[lon0, lat0], [lon0, lat0 + 0.003]]})),
        feature("way/2", json!({"golf": "green"}), square(lon0, lat0 + 0.003, 0.0002)),
        feature("way/3", json!({"golf": "tee"}), square(lon0, lat0, 0.00005)),
        feature("way/4", json!({"tags": {"golf": "bunker"}}), square(lon0 + 0.0003, lat0 + 0.003, 0.00005)),
        // A multipolygon fairway with a hole in it.
        feature("relation/5", json!({"golf": "fairway", "type": "multipolygon"}), json!({"type": "MultiPolygon", "coordinates": [[
            [[lon0 - 0.0003, lat0 + 0.001], [lon0 + 0.0003, lat0 + 0.001], [lon0 + 0.0003, lat0 + 0.0025], [lon0 - 0.0003, lat0 + 0.0025], [lon0 - 0.0003, lat0 + 0.001]],
            [[lon0 - 0.0001, lat0 + 0.0015], [lon0 - 0.0001, lat0 + 0.002], [lon0 + 0.0001, lat0 + 0.002], [lon0 + 0.0001, lat0 + 0.0015], [lon0 - 0.0001, lat0 + 0.0015]]
        ]]})),
        feature("way/6", json!({"natural": "water"}), square(lon0 + 0.0004, lat0 + 0.002, 0.0001)),
        // A practice green, a hole line that ends nowhere, water far away.
        feature("way/7", json!({"golf": "green"}), square(lon0 + 0.01, lat0, 0.0001)),
        feature("way/8", json!({"golf": "hole", "ref": "2", "par": "3"}),
            json!({"type": "LineString", "coordinates": [[lon0 + 0.005, lat0], [lon0 + 0.005, lat0 + 0.001]]})),
        feature("way/9", json!({"golf": "water_hazard"}), square(lon0 - 0.02, lat0, 0.0001)),
        feature("node/10", json!({"golf": "pin"}), json!({"type": "Point", "coordinates": [lon0, lat0 + 0.003]})),
    ]});
    let file = dir.join("course.geojson");
    std::fs::write(&file, fc.to_string()).unwrap();
    let registry = dir.join("datasets.json");
    let (code, stdout, stderr) = import(&file, &registry, "geo_test", &["--name", "GeoJSON test"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let course = Course::from_json(&std::fs::read_to_string(dir.join("geo_test/course.json")).unwrap()).unwrap();
    assert_eq!(course.holes.len(), 1);
    let h = &course.holes[0];
    assert_eq!((h.hole_id, h.par, h.handicap), (1, 4, Some(7)));
    assert_eq!((h.tee_boxes.len(), h.bunkers.len(), h.fairways.len(), h.water.len()), (1, 1, 1, 1));
    assert_eq!(h.name.as_deref(), Some("First"));
    assert_eq!(h.tees[0].name, None, "the tee has no tee= colour");
    let prepared = course.prepare_hole(1).unwrap();
    let config = Rules::default();
    let at = |lat: f64, lon: f64| {
        prepared.classify(greenside_core::geometry::LatLon::new(lat, lon), Some(1.0), None, &config).surface
    };
    assert_eq!(at(lat0 + 0.0022, lon0 - 0.0002), Surface::Fairway);
    assert_ne!(at(lat0 + 0.00175, lon0), Surface::Fairway, "the fairway's inner ring is a hole");
    assert_eq!(at(lat0 + 0.003, lon0), Surface::Green);
    for (id, why) in [
        ("way/7", "a green no hole line ends in"),
        ("way/8", "hole 2: its line ends on no golf=green area"),
        ("way/9", "outside every hole's corridor"),
    ] {
        assert!(stdout.contains(&format!("not assigned: {id} — ")) && stdout.contains(why), "{id}: {stdout}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn bad_invocations_fail_with_a_reason() {
    let dir = tmp("bad");
    let registry = dir.join("datasets.json");
    let (code, _, stderr) = import(&dir.join("missing.osm"), &registry, "x", &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot read"), "{stderr}");
    let (code, _, stderr) = import(&augusta_osm(), &registry, "Bad Id", &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--course-id"), "{stderr}");
    let junk = dir.join("junk.osm");
    std::fs::write(&junk, "<osm><node id='1' lat='x' lon='0'/></osm>").unwrap();
    let (code, _, stderr) = import(&junk, &registry, "x", &[]);
    assert_eq!(code, 1);
    assert!(stderr.contains("node 1 without lat"), "{stderr}");
    let empty = dir.join("empty.osm");
    std::fs::write(&empty, "<osm></osm>").unwrap();
    let (code, _, stderr) = import(&empty, &registry, "x", &[]);
    assert_eq!(code, 1);
    assert!(stderr.contains("no golf=hole line"), "{stderr}");
    assert!(!registry.exists(), "nothing written on failure");
    std::fs::remove_dir_all(dir).unwrap();
}

/// On a terminal (a pty from util-linux `script`) a progress bar shows while
/// the extract is read; `--quiet` turns it off.
#[test]
fn a_progress_bar_on_a_terminal_and_none_with_quiet() {
    let dir = tmp("tty");
    let registry = dir.join("datasets.json");
    let run = |extra: &str| {
        let cmd = format!(
            "{} course import-osm {} --course-id tty --registry {} {extra}",
            env!("CARGO_BIN_EXE_greenside"),
            augusta_osm().display(),
            registry.display()
        );
        let out = Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .output()
            .expect("util-linux `script` runs the importer on a pty");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let shown = run("");
    assert!(shown.contains("reading [") && shown.contains("KiB"), "{shown}");
    let quiet = run("--quiet");
    assert!(!quiet.contains("reading ["), "{quiet}");
    assert!(quiet.contains("imported 18 holes"));
    std::fs::remove_dir_all(dir).unwrap();
}

/// OSM XML as an export writes it, built from positions in metres east and
/// north of a point near Boulder, Colorado (no real course is there).
#[derive(Default)]
struct Osm {
    nodes: Vec<String>,
    ways: Vec<String>,
    relations: Vec<String>,
    next: i64,
}

fn tags_xml(tags: &[(&str, &str)]) -> String {
    tags.iter().map(|(k, v)| format!("<tag k=\"{k}\" v=\"{v}\"/>")).collect()
}

impl Osm {
    fn id(&mut self) -> i64 {
        self.next += 1;
        self.next
    }

    fn ll(x: f64, y: f64) -> (f64, f64) {
        (40.0 + y / 111_035.0, -105.3 + x / 85_395.0)
    }

    fn node(&mut self, x: f64, y: f64, tags: &[(&str, &str)]) -> i64 {
        let id = self.id();
        let (lat, lon) = Osm::ll(x, y);
        self.nodes.push(format!(
            "<node id=\"{id}\" version=\"1\" lat=\"{lat:.7}\" lon=\"{lon:.7}\">{}</node>",
            tags_xml(tags)
        ));
        id
    }

    /// A way through `pts`; `closed` repeats its first node at the end.
    fn way(&mut self, pts: &[(f64, f64)], closed: bool, tags: &[(&str, &str)]) -> i64 {
        let mut nds: Vec<i64> = pts.iter().map(|&(x, y)| self.node(x, y, &[])).collect();
        if closed {
            nds.push(nds[0]);
        }
        let id = self.id();
        let nd: String = nds.iter().map(|n| format!("<nd ref=\"{n}\"/>")).collect();
        self.ways.push(format!("<way id=\"{id}\" version=\"1\">{nd}{}</way>", tags_xml(tags)));
        id
    }

    fn area(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, tags: &[(&str, &str)]) -> i64 {
        self.way(&[(x0, y0), (x1, y0), (x1, y1), (x0, y1)], true, tags)
    }

    fn relation(&mut self, members: &[(i64, &str)], tags: &[(&str, &str)]) -> i64 {
        let id = self.id();
        let m: String =
            members.iter().map(|(r, role)| format!("<member type=\"way\" ref=\"{r}\" role=\"{role}\"/>")).collect();
        self.relations.push(format!("<relation id=\"{id}\" version=\"1\">{m}{}</relation>", tags_xml(tags)));
        id
    }

    fn xml(&self) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<osm version=\"0.6\" generator=\"greenside test\">\n{}\n{}\n{}\n</osm>\n",
            self.nodes.join("\n"),
            self.ways.join("\n"),
            self.relations.join("\n")
        )
    }
}

/// Two holes laid out as OSM maps them, one element per row of the tag
/// table (README, "Course data"): what each becomes in the course file, and
/// a report line for each element that cannot be used.
fn two_hole_course(outline_as_relation: bool) -> (Course, String) {
    let mut o = Osm::default();
    // Hole 1, north, with a corner; hole 2 beside it, straight.
    o.way(
        &[(0.0, 0.0), (20.0, 180.0), (0.0, 320.0)],
        false,
        &[
            ("golf", "hole"),
            ("ref", "1"),
            ("par", "4"),
            ("handicap", "3"),
            ("name", "Alpha"),
            ("dist", "320"),
            ("dist:white", "330"),
            ("par:red", "5"),
            ("dist:red", "300 yd"),
            ("par:blue", "5"),
        ],
    );
    o.way(&[(120.0, 0.0), (120.0, 300.0)], false, &[("golf", "hole"), ("ref", "2"), ("par", "3"), ("dist", "far")]);
    o.area(-15.0, 305.0, 15.0, 335.0, &[("golf", "green")]);
    o.area(105.0, 285.0, 135.0, 315.0, &[("golf", "green")]);
    // The pin is not where the line ends: it is the cup. A second pin is on no green.
    o.node(6.0, 326.0, &[("golf", "pin")]);
    o.node(60.0, 100.0, &[("golf", "pin"), ("note", "stray")]);
    // Tees: the white one the line starts in, a red forward tee, hole 2's without a colour.
    o.area(-5.0, -5.0, 5.0, 5.0, &[("golf", "tee"), ("tee", "White;gold")]);
    o.area(-4.0, 36.0, 4.0, 44.0, &[("golf", "tee"), ("tee", "red")]);
    o.area(115.0, -5.0, 125.0, 5.0, &[("golf", "tee")]);
    // Penalty areas, kept apart.
    o.area(30.0, 90.0, 40.0, 110.0, &[("golf", "lateral_water_hazard")]);
    o.area(-40.0, 240.0, -30.0, 260.0, &[("golf", "penalty_area")]);
    o.area(130.0, 60.0, 140.0, 80.0, &[("golf", "water_hazard"), ("natural", "water")]);
    o.area(130.0, 120.0, 140.0, 140.0, &[("golf", "penalty_area"), ("penalty_area", "yellow")]);
    o.area(100.0, 160.0, 110.0, 170.0, &[("natural", "water")]);
    // A bunker mapped without ref, nearer hole 2's line; a fairway both lines run through.
    o.area(95.0, 200.0, 105.0, 210.0, &[("golf", "bunker")]);
    o.area(-10.0, 230.0, 130.0, 250.0, &[("golf", "fairway")]);
    // Out of bounds: an area west of hole 1, a line east of hole 2 (out of bounds beyond it, away from the hole).
    o.area(-55.0, 0.0, -45.0, 300.0, &[("golf", "out_of_bounds")]);
    o.way(&[(165.0, 0.0), (168.0, 150.0), (165.0, 300.0)], false, &[("golf", "out_of_bounds")]);
    // Outside the outline; another course; elements nothing can use.
    o.area(400.0, 100.0, 410.0, 110.0, &[("golf", "bunker")]);
    o.area(2000.0, 0.0, 2300.0, 300.0, &[("leisure", "golf_course"), ("name", "Next Door")]);
    o.way(&[(60.0, 0.0), (60.0, 50.0), (70.0, 50.0)], false, &[("golf", "water_hazard")]);
    o.way(&[(200.0, 0.0), (200.0, 100.0)], false, &[("golf", "hole"), ("par", "4")]);
    // The course's outline: a multipolygon of two ways joined end to end, or one closed way.
    let outline = [(-60.0, -30.0), (180.0, -30.0), (180.0, 360.0), (-60.0, 360.0)];
    if outline_as_relation {
        let a = o.way(&[outline[0], outline[1], outline[2]], false, &[]);
        let b = o.way(&[outline[2], outline[3], outline[0]], false, &[]);
        o.relation(
            &[(a, "outer"), (b, "outer")],
            &[("type", "multipolygon"), ("leisure", "golf_course"), ("name", "Test Links")],
        );
    } else {
        o.way(&outline, true, &[("leisure", "golf_course"), ("name", "Test Links")]);
    }
    let dir = tmp(if outline_as_relation { "tags-relation" } else { "tags-way" });
    let file = dir.join("links.osm");
    std::fs::write(&file, o.xml()).unwrap();
    let (code, stdout, stderr) = import(&file, &dir.join("datasets.json"), "test_links", &["--name", "Test Links"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let course = Course::from_json(&std::fs::read_to_string(dir.join("test_links/course.json")).unwrap()).unwrap();
    std::fs::remove_dir_all(dir).unwrap();
    (course, stdout)
}

#[test]
fn every_row_of_the_tag_table_on_a_small_osm_file() {
    use greenside_core::course::{Line, PenaltyKind};
    use greenside_core::geometry::LatLon;
    let (course, report) = two_hole_course(true);
    let ll = |x: f64, y: f64| {
        let (lat, lon) = Osm::ll(x, y);
        LatLon::new((lat * 1e7).round() / 1e7, (lon * 1e7).round() / 1e7)
    };
    let (one, two) = (course.hole(1).unwrap(), course.hole(2).unwrap());
    // golf=hole: ref, par, handicap, name, dist; the line with its aim point.
    assert_eq!((one.hole_id, one.par, one.handicap, one.name.as_deref()), (1, 4, Some(3), Some("Alpha")));
    assert_eq!(one.dist_m, Some(320.0));
    let Some(Line::LineString(line)) = &one.line else { panic!("hole 1 keeps its line") };
    assert_eq!(line.len(), 3);
    assert_eq!(course.prepare_hole(1).unwrap().line().aim_count(), 1);
    assert_eq!((two.par, two.dist_m, two.name.as_deref()), (3, None, None));
    assert!(report.contains("hole 2: dist=far is not a length"), "{report}");
    // Tees by colour: the white tee keeps the line's start, the red one is its area's centre; par:/dist: per tee.
    let names: Vec<Option<&str>> = one.tees.iter().map(|t| t.name.as_deref()).collect();
    assert_eq!(names, [Some("white"), Some("gold"), Some("red")], "tee=White;gold is both sets' tee");
    assert_eq!(one.tees[1].position, one.tees[0].position);
    assert_eq!(one.tees[0].position, ll(0.0, 0.0));
    assert_eq!((one.tees[0].par, one.tees[0].dist_m), (None, Some(330.0)));
    let centre = ll(0.0, 40.0);
    let off =
        ((one.tees[2].position.lat - centre.lat) * 111_035.0).hypot((one.tees[2].position.lon - centre.lon) * 85_395.0);
    assert!(off < 0.05, "the red tee is its area's centre: {off} m off");
    assert_eq!(one.tees[2].par, Some(5));
    assert!((one.tees[2].dist_m.unwrap() - 300.0 * 0.9144).abs() < 1e-9);
    assert!(report.contains("hole 1: par:blue has no tee=blue area on the hole"), "{report}");
    assert_eq!(two.tees.iter().map(|t| t.name.clone()).collect::<Vec<_>>(), [None], "a tee without a colour");
    assert_eq!(one.tee_boxes.len(), 2);
    // golf=pin: the default cup.
    assert_eq!(one.default_cup, Some(ll(6.0, 326.0)));
    assert_eq!(two.default_cup, Some(ll(120.0, 300.0)), "no pin: the line's end");
    // Penalty areas, kept apart, each on the hole nearest it.
    let mut kinds = one.water_kinds.clone();
    kinds.sort_by_key(|k| *k as u8);
    assert_eq!(kinds, [PenaltyKind::Red, PenaltyKind::Red]);
    let mut kinds = two.water_kinds.clone();
    kinds.sort_by_key(|k| *k as u8);
    assert_eq!(kinds, [PenaltyKind::Yellow, PenaltyKind::Yellow, PenaltyKind::Water]);
    // No ref: the nearest hole; two lines through it: both holes.
    assert_eq!((one.bunkers.len(), two.bunkers.len()), (0, 1));
    assert_eq!((one.fairways.len(), two.fairways.len()), (1, 1));
    assert_eq!(one.fairways[0], two.fairways[0]);
    // golf=out_of_bounds: the area, and the strip beyond the line, on the holes they border.
    assert_eq!((one.out_of_bounds.len(), two.out_of_bounds.len()), (1, 1));
    let rules = Rules::default();
    let surface = |hole: u32, x: f64, y: f64| {
        let (lat, lon) = Osm::ll(x, y);
        course.prepare_hole(hole).unwrap().classify(LatLon::new(lat, lon), Some(1.0), None, &rules).surface
    };
    assert_eq!(surface(1, -50.0, 100.0), Surface::OutOfBounds);
    assert_eq!(surface(2, 190.0, 150.0), Surface::OutOfBounds, "beyond the line");
    assert_eq!(surface(2, 150.0, 150.0), Surface::Rough, "the hole's side of the line");
    // Measured there, a ball lies out of bounds.
    let holes = course.prepare_all().unwrap();
    let refs: Vec<&greenside_core::classify::PreparedHole> = holes.iter().collect();
    let (from, to) = (Osm::ll(120.0, 100.0), Osm::ll(190.0, 150.0));
    let m = greenside_core::measure::measure(
        &refs,
        &holes[1],
        LatLon::new(from.0, from.1),
        greenside_core::measure::To::Point(LatLon::new(to.0, to.1)),
        &rules,
    )
    .unwrap();
    assert_eq!(m.surface, Surface::OutOfBounds);
    // The course's outline, and what lies outside it or cannot be used.
    assert!(course.boundary.is_some());
    assert!(report.contains("golf=pin that is no hole's cup"), "{report}");
    for line in [
        "Bunker outside the course's outline",
        "another golf course (Next Door)",
        "Water way is not a closed ring",
        "golf=hole without a usable ref",
    ] {
        assert!(report.contains(line), "{line}: {report}");
    }
}

#[test]
fn a_course_mapped_as_a_closed_way_imports_as_the_relation_does() {
    let (by_relation, _) = two_hole_course(true);
    let (by_way, report) = two_hole_course(false);
    assert!(by_way.boundary.is_some());
    assert_eq!(by_way.holes, by_relation.holes);
    assert!(report.contains("Bunker outside the course's outline"), "{report}");
}
