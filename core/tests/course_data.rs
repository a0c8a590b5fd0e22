//! Course data validation: bad files are clear errors with stable codes, never panics.

#![allow(clippy::unwrap_used)]

use greenside_core::course::{Course, CourseError, Registry};
use greenside_core::example::{DATASETS_JSON, RIVERSIDE_COURSE_JSON};
use serde_json::{Value, json};

fn riverside() -> Value {
    serde_json::from_str(RIVERSIDE_COURSE_JSON).unwrap()
}

fn code_of(v: &Value) -> &'static str {
    Course::from_json(&v.to_string()).unwrap_err().code()
}

#[test]
fn bundled_course_and_registry_load() {
    let reg = Registry::from_json(DATASETS_JSON).unwrap();
    assert_eq!(reg.get("riverside").unwrap().path, "riverside/course.json");
    let course = Course::from_json(RIVERSIDE_COURSE_JSON).unwrap();
    assert!(course.illustrative, "the example course is labelled illustrative");
    let holes = course.prepare_all().unwrap();
    assert!(holes.len() >= 2);
    let h1 = &holes[0];
    assert_eq!((h1.hole_id, h1.par), (1, 4));
    assert!((h1.play_bearing_deg.unwrap() - 15.0).abs() < 1.0);
    let hole = course.hole(1).unwrap();
    for (what, present) in [
        ("fringe", hole.fringe.is_some()),
        ("fairway", !hole.fairways.is_empty()),
        ("bunker", !hole.bunkers.is_empty()),
        ("tee box", !hole.tee_boxes.is_empty()),
        ("default cup", hole.default_cup.is_some()),
    ] {
        assert!(present, "hole 1 has a {what}");
    }
}

#[test]
fn broken_geometry_is_named() {
    let mut v = riverside();
    let ring = v["holes"][0]["bunkers"][0]["coordinates"][0].as_array_mut().unwrap();
    ring.pop();
    assert_eq!(code_of(&v), "ring_not_closed");
    let e = Course::from_json(&v.to_string()).unwrap_err();
    assert!(e.to_string().contains("holes[0].bunkers[0].coordinates[0]"), "{e}");

    let mut v = riverside();
    v["holes"][0]["green"]["coordinates"][0] = json!([[0.0, 0.0], [1e-4, 0.0], [0.0, 0.0]]);
    assert_eq!(code_of(&v), "ring_too_short");

    // A bow tie: edges 0 and 2 cross.
    let mut v = riverside();
    v["holes"][0]["green"]["coordinates"][0] = json!([
        [-111.6595, 40.2682],
        [-111.6594, 40.2683],
        [-111.6594, 40.2682],
        [-111.6595, 40.2683],
        [-111.6595, 40.2682]
    ]);
    assert_eq!(code_of(&v), "ring_self_intersects");

    let mut v = riverside();
    v["holes"][0]["fairways"][0]["coordinates"][0][3] = json!([-111.6, 95.0]);
    assert_eq!(code_of(&v), "position_invalid");

    let mut v = riverside();
    v["holes"][0]["water"][0] = json!({"type": "LineString", "coordinates": [[0.0, 0.0], [1.0, 1.0]]});
    assert_eq!(code_of(&v), "course_json_invalid");
}

#[test]
fn structural_problems_are_named() {
    let mut v = riverside();
    v["holes"][1].as_object_mut().unwrap().remove("green");
    assert_eq!(Course::from_json(&v.to_string()).unwrap_err(), CourseError::HoleWithoutGreen { hole_id: 2 });

    let mut v = riverside();
    v["holes"][1]["hole_id"] = json!(1);
    assert_eq!(Course::from_json(&v.to_string()).unwrap_err(), CourseError::DuplicateHoleId { hole_id: 1 });

    let mut v = riverside();
    v["manifest_contract_version"] = json!("0.2.0");
    assert_eq!(code_of(&v), "unsupported_manifest_version");

    let mut v = riverside();
    v["holes"] = json!([]);
    assert_eq!(code_of(&v), "course_without_holes");

    let mut v = riverside();
    v["holes"][0]["par"] = json!(9);
    assert_eq!(code_of(&v), "course_field_invalid");

    for text in ["", "{", "[]", "null", "{\"holes\": 3}"] {
        assert_eq!(Course::from_json(text).unwrap_err().code(), "course_json_invalid", "{text:?}");
    }
}

#[test]
fn registry_problems_are_named() {
    let dup = json!({"manifest_contract_version": "0.1.0", "datasets": [
        {"course_id": "a", "name": "A", "path": "a.json", "version": "1"},
        {"course_id": "a", "name": "A2", "path": "b.json", "version": "1"}]});
    assert_eq!(Registry::from_json(&dup.to_string()).unwrap_err().code(), "duplicate_course_id");
    for path in ["../etc/passwd", "/abs.json", "a/../../b.json", ""] {
        let r = json!({"manifest_contract_version": "0.1.0", "datasets": [{"course_id": "a", "name": "A", "path": path, "version": "1"}]});
        assert_eq!(Registry::from_json(&r.to_string()).unwrap_err().code(), "course_field_invalid", "{path}");
    }
    assert_eq!(Registry::from_json("{\"datasets\": []}").unwrap_err().code(), "course_json_invalid");
}

#[test]
fn unknown_hole_is_hole_not_found() {
    let course = Course::from_json(RIVERSIDE_COURSE_JSON).unwrap();
    let e = course.prepare_hole(17).unwrap_err();
    assert_eq!(e.code.as_str(), "hole_not_found");
    assert_eq!(e.http_status(), 404);
}

#[test]
fn error_code_list_in_docs_matches_the_code() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/error-codes.md")).unwrap();
    for code in greenside_core::ErrorCode::ALL {
        let row = format!("| `{}` | {} |", code.as_str(), code.http_status());
        assert!(doc.contains(&row), "docs/error-codes.md lacks the row {row}");
    }
    let rows = doc.lines().filter(|l| l.starts_with("| `")).count();
    assert_eq!(
        rows,
        greenside_core::ErrorCode::ALL.len() + COURSE_CODES.len(),
        "docs list codes the code does not have"
    );
    for c in COURSE_CODES {
        assert!(doc.contains(&format!("| `{c}` | course data |")), "docs/error-codes.md lacks course code {c}");
    }
}

const COURSE_CODES: &[&str] = &[
    "course_json_invalid",
    "unsupported_manifest_version",
    "course_field_invalid",
    "ring_not_closed",
    "ring_too_short",
    "ring_self_intersects",
    "position_invalid",
    "geometry_unsupported",
    "mask_invalid",
    "hole_without_green",
    "duplicate_hole_id",
    "duplicate_course_id",
    "course_without_holes",
    // Reported by the platforms that read files (the core never does IO).
    "file_unreadable",
];
