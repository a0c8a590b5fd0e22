//! `greenside course classify`: a track of positions classified against one
//! hole of a course file, one JSON line per position, by core's
//! `PreparedHole::classify` (what every platform calls). For looking at a
//! GPS log against a course, and for the tests that compare the native core
//! with the npm package point for point.

use std::io::{BufRead, Write};

use greenside_core::course::Course;
use greenside_core::geometry::LatLon;
use greenside_core::rules::Rules;

/// Reads `lat,lon` or `lat,lon,accuracy_m` lines (blank lines and lines
/// starting with `#` skipped) and writes one JSON object per position.
/// Answers the number of positions, or the first problem with its line.
pub fn classify_lines(
    course_json: &str,
    hole_id: u32,
    input: impl BufRead,
    mut out: impl Write,
) -> Result<usize, String> {
    let course = Course::from_json(course_json).map_err(|e| format!("course file: {e}"))?;
    let hole = course.prepare_hole(hole_id).map_err(|e| e.message)?;
    let rules = Rules::default();
    let mut n = 0;
    for (i, line) in input.lines().enumerate() {
        let line = line.map_err(|e| format!("reading line {}: {e}", i + 1))?;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (fix, accuracy) = parse_line(line).map_err(|e| format!("line {}: {e}", i + 1))?;
        let c = hole.classify(fix, accuracy, None, &rules);
        let row = serde_json::json!({
            "lat": fix.lat, "lon": fix.lon,
            "surface": c.surface, "on_green": c.on_green,
            "confidence": c.surface_confidence,
            "distance_to_green_edge_m": c.distance_to_green_edge_m,
            "accuracy_m": c.accuracy_m, "accuracy_kind": c.accuracy_kind,
            "local": {"x": c.local.x, "y": c.local.y},
        });
        writeln!(out, "{row}").map_err(|e| format!("writing: {e}"))?;
        n += 1;
    }
    out.flush().map_err(|e| format!("writing: {e}"))?;
    Ok(n)
}

fn parse_line(line: &str) -> Result<(LatLon, Option<f64>), String> {
    let mut parts = line.split(',').map(str::trim);
    let mut number = |what: &str| -> Result<Option<f64>, String> {
        parts.next().map(|s| s.parse::<f64>().map_err(|e| format!("{what} `{s}`: {e}"))).transpose()
    };
    let (Some(lat), Some(lon)) = (number("lat")?, number("lon")?) else {
        return Err(String::from("expected lat,lon or lat,lon,accuracy_m"));
    };
    let accuracy = number("accuracy_m")?;
    if parts.next().is_some() {
        return Err(String::from("expected at most three numbers: lat,lon,accuracy_m"));
    }
    let fix = LatLon::new(lat, lon);
    greenside_core::validate::lat_lon("position", fix).map_err(|e| e.message)?;
    if let Some(a) = accuracy {
        greenside_core::validate::accuracy("accuracy_m", a).map_err(|e| e.message)?;
    }
    Ok((fix, accuracy))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const COURSE: &str = include_str!("../../data/courses/riverside/course.json");

    #[test]
    fn a_track_is_classified_line_by_line() {
        let input = "# cup, then the fairway\n40.268251,-111.659486\n\n40.267728069,-111.659682572,3\n";
        let mut out = Vec::new();
        assert_eq!(classify_lines(COURSE, 1, input.as_bytes(), &mut out).unwrap(), 2);
        let rows: Vec<serde_json::Value> =
            String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(rows[0]["surface"], "GREEN");
        assert_eq!(rows[0]["on_green"], true);
        assert_eq!(rows[1]["surface"], "FAIRWAY");
        assert_eq!(rows[1]["accuracy_m"], 3.0);
        assert!(rows[1]["distance_to_green_edge_m"].as_f64().unwrap() < 0.0);
    }

    #[test]
    fn bad_lines_name_their_line() {
        for (input, want) in [
            ("40.2,-111.6\nforty,-111\n", "line 2: lat `forty`"),
            ("91,0\n", "line 1:"),
            ("40.2\n", "line 1: expected lat,lon"),
            ("40.2,-111.6,0\n", "line 1:"),
            ("40.2,-111.6,3,4\n", "line 1: expected at most three"),
        ] {
            let e = classify_lines(COURSE, 1, input.as_bytes(), Vec::new()).unwrap_err();
            assert!(e.starts_with(want), "{input:?}: {e}");
        }
        assert!(classify_lines(COURSE, 99, "".as_bytes(), Vec::new()).unwrap_err().contains("no hole 99"));
        assert!(classify_lines("{}", 1, "".as_bytes(), Vec::new()).unwrap_err().starts_with("course file:"));
    }
}
