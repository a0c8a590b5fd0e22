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
    for id in ["way/856580301", "way/863519356", "way/930626996"] {
        assert!(stdout.contains(&format!("not assigned: {id} — a green no hole line ends in")), "{id}: {stdout}");
    }
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
    assert_eq!(h.tees[0].name.as_deref(), Some("First"));
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
