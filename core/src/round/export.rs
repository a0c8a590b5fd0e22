//! A round written out: GPX 1.1 (the track of fixes, a segment per hole in
//! the order played, and each shot as a waypoint where it was played from)
//! and the scorecard as CSV (RFC 4180: a header, a row per hole, then OUT,
//! IN and TOTAL). Numbers are written as the JSON answer has them (Rust's
//! shortest round-trip form), so a reader gets the same values.

use super::RoundRecord;
use super::score::{HoleScore, Scorecard, Source, Totals, scorecard};
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

/// The GPX download's media type.
pub const GPX_CONTENT_TYPE: &str = "application/gpx+xml";
/// The CSV download's media type (RFC 4180, with its header row).
pub const CSV_CONTENT_TYPE: &str = "text/csv; charset=utf-8; header=present";

/// `YYYY-MM-DDTHH:MM:SS.sssZ` of milliseconds since the Unix epoch (UTC,
/// proleptic Gregorian: H. Hinnant's `civil_from_days`).
pub fn iso8601(ms: u64) -> String {
    let secs = ms / 1000;
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    alloc::format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z", rem / 3600, rem / 60 % 60, rem % 60, ms % 1000)
}

/// Text for XML character data and attribute values.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 has no other control characters.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// The round as GPX 1.1.
pub fn gpx(rec: &RoundRecord) -> String {
    let mut out = String::with_capacity(256 + rec.holes.iter().map(|h| h.track.len() * 96).sum::<usize>());
    let name = xml(&rec.course_name);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(
        "<gpx version=\"1.1\" creator=\"greenside\" xmlns=\"http://www.topografix.com/GPX/1/1\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd\">\n",
    );
    let _ = write!(
        out,
        "  <metadata>\n    <name>{name}, round {}</name>\n    <time>{}</time>\n  </metadata>\n",
        rec.round_id,
        iso8601(rec.created_at_ms)
    );
    let mut played: Vec<_> = rec.holes.iter().filter(|h| h.reached_at_ms.is_some()).collect();
    played.sort_by_key(|h| h.reached_at_ms);
    for h in &played {
        for s in &h.shots {
            let shot = &s.shot;
            let _ = write!(
                out,
                "  <wpt lat=\"{}\" lon=\"{}\">\n    <name>Hole {} shot {}</name>\n    <desc>{} m, {} to {}</desc>\n    <type>shot</type>\n  </wpt>\n",
                shot.from_wgs84.lat,
                shot.from_wgs84.lon,
                h.hole_id,
                shot.number,
                shot.length_m,
                shot.from_surface.as_str(),
                shot.to_surface.as_str()
            );
        }
    }
    let _ = write!(out, "  <trk>\n    <name>{name}</name>\n    <type>golf round</type>\n");
    for h in played.iter().filter(|h| !h.track.is_empty()) {
        out.push_str("    <trkseg>\n");
        for p in &h.track {
            let _ = writeln!(
                out,
                "      <trkpt lat=\"{}\" lon=\"{}\"><time>{}</time></trkpt>",
                p.lat,
                p.lon,
                iso8601(p.t_ms)
            );
        }
        out.push_str("    </trkseg>\n");
    }
    out.push_str("  </trk>\n</gpx>\n");
    out
}

/// The CSV scorecard's columns.
pub const CSV_HEADER: &str = "hole,par,length_m,strokes,strokes_source,putts,putts_source,penalties,penalties_source,\
fairway_hit,gir,sand_save,up_and_down,to_par,strokes_gained,strokes_gained_putting";

fn cell<T: core::fmt::Display>(out: &mut String, v: Option<T>) {
    out.push(',');
    if let Some(v) = v {
        let _ = write!(out, "{v}");
    }
}

fn source(s: Option<Source>) -> Option<&'static str> {
    s.map(|s| match s {
        Source::Hand => "HAND",
        Source::Gps => "GPS",
        Source::Estimate => "ESTIMATE",
        Source::Suggested => "SUGGESTED",
    })
}

fn row(out: &mut String, h: &HoleScore) {
    let _ = write!(out, "{},{}", h.hole_id, h.par);
    cell(out, h.length_m);
    cell(out, h.strokes);
    cell(out, source(h.strokes_source));
    cell(out, h.putts);
    cell(out, source(h.putts_source));
    cell(out, Some(h.penalties));
    cell(out, source(h.penalties_source));
    cell(out, h.fairway_hit);
    cell(out, h.gir);
    cell(out, h.sand_save);
    cell(out, h.up_and_down);
    cell(out, h.to_par);
    cell(out, h.strokes_gained);
    cell(out, h.strokes_gained_putting);
    out.push_str("\r\n");
}

fn total_row(out: &mut String, label: &str, t: &Totals) {
    let _ = write!(out, "{label},{},,{},,{},,,,,,,,{},,\r\n", t.par, t.strokes, t.putts, t.to_par);
}

/// The scorecard as CSV.
pub fn csv(rec: &RoundRecord) -> String {
    csv_of(&scorecard(rec))
}

/// [`csv`] of a scorecard already read.
pub fn csv_of(card: &Scorecard) -> String {
    let mut out = String::with_capacity(128 * (card.holes.len() + 4));
    out.push_str(CSV_HEADER);
    out.push_str("\r\n");
    for h in &card.holes {
        row(&mut out, h);
    }
    total_row(&mut out, "OUT", &card.out);
    total_row(&mut out, "IN", &card.in_);
    total_row(&mut out, "TOTAL", &card.total);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_iso_8601_in_utc() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso8601(1_796_688_000_123), "2026-12-08T00:00:00.123Z");
        assert_eq!(iso8601(4_107_542_399_999), "2100-02-28T23:59:59.999Z");
    }

    #[test]
    fn xml_text_is_escaped() {
        assert_eq!(xml("A&B <\"c'\u{1}>"), "A&amp;B &lt;&quot;c&apos;&gt;");
    }
}
