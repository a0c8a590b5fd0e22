//! Hand-written JSON for the hot answers: `hole_state` in the answer of
//! every ball fix.
//!
//! serde_json spends most of an answer's encoding escaping the ~30 field
//! names and going through the `Serializer` machinery per field. Here the
//! names are literals written as they are, and only values are escaped. The
//! bytes are exactly serde_json's for the same value (same field order,
//! same escaping, same number formatting: `itoa`-style integers and `zmij`
//! floats, `null` for NaN and infinities); the tests compare the two over
//! real session states, so a field added to [`HoleState`] and not here
//! fails them.

use crate::aim::{AimPoint, Layup};
use crate::api::{CupSource, HoleState, SetBallResponse, SetBallsResponse, Warning};
use crate::geometry::LatLon;
use crate::hysteresis::Transition;
use crate::rules::HysteresisMode;
use crate::shots::Shot;
use crate::yardage::{GreenDistances, Hazard, Side, Target};
use alloc::vec::Vec;

/// Room for a typical answer without growing (about 800 bytes).
const TYPICAL: usize = 1024;

/// A JSON text under construction. Field names are written unescaped: they
/// are the crate's own ASCII identifiers.
struct Out(Vec<u8>);

impl Out {
    fn raw(&mut self, s: &str) {
        self.0.extend_from_slice(s.as_bytes());
    }

    /// `"name":` after a comma unless `first`.
    fn key(&mut self, name: &str, first: bool) {
        if !first {
            self.0.push(b',');
        }
        self.0.push(b'"');
        self.raw(name);
        self.0.extend_from_slice(b"\":");
    }

    /// A JSON string, escaped as serde_json does: `"` `\` and control
    /// characters, the common ones as short escapes.
    fn str(&mut self, s: &str) {
        self.0.push(b'"');
        let bytes = s.as_bytes();
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let short: &[u8] = match b {
                b'"' => b"\\\"",
                b'\\' => b"\\\\",
                b'\n' => b"\\n",
                b'\r' => b"\\r",
                b'\t' => b"\\t",
                0x08 => b"\\b",
                0x0c => b"\\f",
                0..=0x1f => b"",
                _ => continue,
            };
            self.0.extend_from_slice(&bytes[start..i]);
            if short.is_empty() {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                self.0.extend_from_slice(b"\\u00");
                self.0.push(HEX[usize::from(b >> 4)]);
                self.0.push(HEX[usize::from(b & 0xf)]);
            } else {
                self.0.extend_from_slice(short);
            }
            start = i + 1;
        }
        self.0.extend_from_slice(&bytes[start..]);
        self.0.push(b'"');
    }

    fn u64(&mut self, mut v: u64) {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.0.extend_from_slice(&digits[i..]);
    }

    fn f64(&mut self, v: f64) {
        if v.is_finite() {
            self.raw(zmij::Buffer::new().format_finite(v));
        } else {
            self.raw("null");
        }
    }

    fn bool(&mut self, v: bool) {
        self.raw(if v { "true" } else { "false" });
    }

    fn opt<T>(&mut self, v: Option<T>, f: impl FnOnce(&mut Self, T)) {
        match v {
            Some(v) => f(self, v),
            None => self.raw("null"),
        }
    }

    fn lat_lon(&mut self, p: LatLon) {
        self.raw("{\"lat\":");
        self.f64(p.lat);
        self.raw(",\"lon\":");
        self.f64(p.lon);
        self.0.push(b'}');
    }

    fn transition(&mut self, t: Transition) {
        self.raw("{\"from\":");
        self.str(t.from.as_str());
        self.raw(",\"to\":");
        self.str(t.to.as_str());
        self.raw(",\"at_ms\":");
        self.u64(t.at_ms);
        self.raw(",\"at_fix\":");
        self.u64(t.at_fix);
        self.raw(",\"streak\":");
        self.u64(u64::from(t.streak));
        if let Some(e) = t.evidence {
            self.raw(",\"evidence\":");
            self.f64(e);
        }
        self.0.push(b'}');
    }

    fn green_distances(&mut self, g: GreenDistances) {
        self.raw("{\"target\":");
        self.str(match g.target {
            Target::Cup => "CUP",
            Target::GreenCentre => "GREEN_CENTRE",
        });
        self.raw(",\"front_m\":");
        self.opt(g.front_m, Out::f64);
        self.raw(",\"middle_m\":");
        self.f64(g.middle_m);
        self.raw(",\"back_m\":");
        self.opt(g.back_m, Out::f64);
        self.raw(",\"front_wgs84\":");
        self.opt(g.front_wgs84, Out::lat_lon);
        self.raw(",\"back_wgs84\":");
        self.opt(g.back_wgs84, Out::lat_lon);
        self.0.push(b'}');
    }

    fn hazards(&mut self, hs: &[Hazard]) {
        self.0.push(b'[');
        for (i, h) in hs.iter().enumerate() {
            if i > 0 {
                self.0.push(b',');
            }
            self.raw("{\"surface\":");
            self.str(h.surface.as_str());
            self.raw(",\"index\":");
            self.u64(u64::from(h.index));
            self.raw(",\"reach_m\":");
            self.f64(h.reach_m);
            self.raw(",\"carry_m\":");
            self.f64(h.carry_m);
            self.raw(",\"side\":");
            self.str(match h.side {
                Side::Left => "LEFT",
                Side::Right => "RIGHT",
                Side::OnLine => "ON_LINE",
            });
            self.0.push(b'}');
        }
        self.0.push(b']');
    }

    fn aim_points(&mut self, ps: &[AimPoint]) {
        self.0.push(b'[');
        for (i, p) in ps.iter().enumerate() {
            if i > 0 {
                self.0.push(b',');
            }
            self.raw("{\"number\":");
            self.u64(u64::from(p.number));
            self.raw(",\"wgs84\":");
            self.lat_lon(p.wgs84);
            self.raw(",\"distance_m\":");
            self.f64(p.distance_m);
            self.raw(",\"green_distances\":");
            self.green_distances(p.green_distances);
            self.raw(",\"hazards\":");
            self.hazards(&p.hazards);
            self.0.push(b'}');
        }
        self.0.push(b']');
    }

    fn layups(&mut self, ls: &[Layup]) {
        self.0.push(b'[');
        for (i, l) in ls.iter().enumerate() {
            if i > 0 {
                self.0.push(b',');
            }
            self.raw("{\"mark\":");
            self.u64(u64::from(l.mark));
            self.raw(",\"wgs84\":");
            self.lat_lon(l.wgs84);
            self.raw(",\"distance_m\":");
            self.f64(l.distance_m);
            self.0.push(b'}');
        }
        self.0.push(b']');
    }

    fn shots(&mut self, ss: &[Shot]) {
        self.0.push(b'[');
        for (i, s) in ss.iter().enumerate() {
            if i > 0 {
                self.0.push(b',');
            }
            self.raw("{\"number\":");
            self.u64(u64::from(s.number));
            self.raw(",\"from_wgs84\":");
            self.lat_lon(s.from_wgs84);
            self.raw(",\"to_wgs84\":");
            self.lat_lon(s.to_wgs84);
            self.raw(",\"length_m\":");
            self.f64(s.length_m);
            self.raw(",\"from_surface\":");
            self.str(s.from_surface.as_str());
            self.raw(",\"to_surface\":");
            self.str(s.to_surface.as_str());
            self.raw(",\"at_fix\":");
            self.u64(s.at_fix);
            self.raw(",\"at_ms\":");
            self.u64(s.at_ms);
            self.0.push(b'}');
        }
        self.0.push(b']');
    }

    fn warnings(&mut self, ws: &[Warning]) {
        self.0.push(b'[');
        for (i, w) in ws.iter().enumerate() {
            if i > 0 {
                self.0.push(b',');
            }
            self.raw("{\"code\":");
            self.str(&w.code);
            self.raw(",\"message\":");
            self.str(&w.message);
            if !w.details.is_empty() {
                self.raw(",\"details\":");
                // Rare and free-form: serde_json's own encoding.
                match serde_json::to_vec(&w.details) {
                    Ok(v) => self.0.extend_from_slice(&v),
                    Err(_) => self.raw("{}"),
                }
            }
            self.0.push(b'}');
        }
        self.0.push(b']');
    }

    fn hole_state(&mut self, h: &HoleState) {
        self.0.push(b'{');
        self.key("contract_version", true);
        self.str(&h.contract_version);
        self.key("session_id", false);
        self.str(&h.session_id);
        self.key("session_number", false);
        self.u64(h.session_number);
        self.key("course_id", false);
        self.str(&h.course_id);
        self.key("hole_id", false);
        self.u64(u64::from(h.hole_id));
        self.key("par", false);
        self.u64(u64::from(h.par));
        self.key("cup_wgs84", false);
        self.opt(h.cup_wgs84, Out::lat_lon);
        self.key("cup_source", false);
        self.opt(h.cup_source, |o, s| {
            o.str(match s {
                CupSource::CourseDefault => "course_default",
                CupSource::Client => "client",
            })
        });
        self.key("ball_wgs84", false);
        self.opt(h.ball_wgs84, Out::lat_lon);
        self.key("accuracy_m", false);
        self.opt(h.accuracy_m, Out::f64);
        self.key("surface", false);
        self.opt(h.surface, |o, s| o.str(s.as_str()));
        self.key("surface_state", false);
        self.str(h.surface_state.as_str());
        self.key("candidate_state", false);
        self.str(h.candidate_state.as_str());
        self.key("candidate_streak", false);
        self.u64(u64::from(h.candidate_streak));
        self.key("surface_confidence", false);
        self.opt(h.surface_confidence, Out::f64);
        self.key("distance_to_green_edge_m", false);
        self.opt(h.distance_to_green_edge_m, Out::f64);
        self.key("green_distances", false);
        self.opt(h.green_distances, Out::green_distances);
        self.key("hazards", false);
        self.hazards(&h.hazards);
        self.key("units", false);
        self.str(h.units.as_str());
        self.key("aim_points", false);
        self.aim_points(&h.aim_points);
        self.key("layups", false);
        self.layups(&h.layups);
        self.key("last_transition", false);
        self.opt(h.last_transition, Out::transition);
        self.key("transitions", false);
        self.u64(u64::from(h.transitions));
        self.key("suppressed_flickers", false);
        self.u64(u64::from(h.suppressed_flickers));
        self.key("hysteresis_mode", false);
        self.str(match h.hysteresis_mode {
            HysteresisMode::Streak => "streak",
            HysteresisMode::Evidence => "evidence",
        });
        if let Some(e) = h.evidence_log_odds {
            self.key("evidence_log_odds", false);
            self.f64(e);
        }
        self.key("fix_count", false);
        self.u64(h.fix_count);
        self.key("last_seq", false);
        self.opt(h.last_seq, Out::u64);
        self.key("strokes", false);
        self.u64(u64::from(h.strokes));
        self.key("shots", false);
        self.shots(&h.shots);
        self.key("warnings", false);
        self.warnings(&h.warnings);
        self.key("created_at_ms", false);
        self.u64(h.created_at_ms);
        self.key("updated_at_ms", false);
        self.u64(h.updated_at_ms);
        self.key("expires_at_ms", false);
        self.u64(h.expires_at_ms);
        self.key("revision", false);
        self.u64(h.revision);
        self.0.push(b'}');
    }
}

/// `{"hole_state":{…}` then the answer's own fields (`rest` writes them,
/// each with its leading comma), then `}`.
fn answer(h: &HoleState, rest: impl FnOnce(&mut Out)) -> Vec<u8> {
    let mut o = Out(Vec::with_capacity(TYPICAL));
    o.raw("{\"hole_state\":");
    o.hole_state(h);
    rest(&mut o);
    o.0.push(b'}');
    o.0
}

impl SetBallResponse {
    /// This answer as JSON: the bytes of `serde_json::to_vec(self)`, faster.
    pub fn to_json(&self) -> Vec<u8> {
        answer(&self.hole_state, |o| {
            o.raw(",\"applied\":");
            o.bool(self.applied);
        })
    }
}

impl SetBallsResponse {
    /// This answer as JSON: the bytes of `serde_json::to_vec(self)`, faster.
    pub fn to_json(&self) -> Vec<u8> {
        answer(&self.hole_state, |o| {
            o.raw(",\"applied\":");
            o.u64(u64::from(self.applied));
            o.raw(",\"skipped_duplicates\":");
            o.u64(u64::from(self.skipped_duplicates));
        })
    }
}

/// An answer as a JSON value. The answer types hold only strings, numbers,
/// options and maps, which always serialize; the value's keys are sorted,
/// so both platforms send the same bytes.
pub(crate) fn to_value<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

/// An answer as JSON text, in its fields' declared order (the same types
/// as [`to_value`]: serialization cannot fail).
pub(crate) fn to_vec<T: serde::Serialize>(v: &T) -> alloc::vec::Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use crate::api::{BallFix, HoleState, SetBallResponse, SetBallsResponse, StartRequest, Warning};
    use crate::course::Course;
    use crate::geometry::LatLon;
    use crate::rules::{HysteresisMode, Rules};
    use crate::session;
    use alloc::string::String;
    use alloc::vec::Vec;

    fn same_as_serde(h: &HoleState) {
        let one = SetBallResponse { hole_state: h.clone(), applied: h.fix_count % 2 == 0 };
        let want = serde_json::to_vec(&one).unwrap();
        assert_eq!(String::from_utf8(one.to_json()).unwrap(), String::from_utf8(want).unwrap());
        let many = SetBallsResponse { hole_state: h.clone(), applied: 7, skipped_duplicates: 4_000_000_000 };
        assert_eq!(many.to_json(), serde_json::to_vec(&many).unwrap());
    }

    /// Every state of real sessions (both hysteresis modes, a cup off the
    /// green with its warning, fixes on and off the green, with and without
    /// accuracy and seq) encodes to serde_json's bytes.
    #[test]
    fn hole_state_bytes_are_serde_jsons() {
        let course = Course::from_json(crate::example::RIVERSIDE_COURSE_JSON).unwrap();
        let hole = course.prepare_hole(1).unwrap();
        let on = LatLon::new(40.268240, -111.659520);
        let off = LatLon::new(40.267728069, -111.659682572);
        let mut states = 0;
        for mode in [HysteresisMode::Streak, HysteresisMode::Evidence] {
            let config = Rules { hysteresis_mode: mode, ..Rules::default() };
            let start = StartRequest { course_id: "riverside".into(), hole_id: 1, units: Default::default() };
            let mut rec =
                session::start(&start, "gs_0123456789abcdef0123456789abcdef".into(), 42, &hole, &config, 1_000)
                    .unwrap();
            same_as_serde(&session::hole_state(&rec));
            session::set_cup(&mut rec, off, &hole, &config, 2_000).unwrap();
            assert!(!rec.warnings.is_empty(), "a cup off the green should warn");
            same_as_serde(&session::hole_state(&rec));
            let path = [on, on, off, on, off, off, off, on, on, on];
            for (i, p) in path.iter().enumerate() {
                let i = i as u64;
                let fix = BallFix {
                    ball_wgs84: *p,
                    accuracy_m: (i % 3 != 0).then_some(0.5 + i as f64 * 1.7),
                    accuracy_kind: None,
                    seq: (i % 2 == 0).then_some(i),
                    client_time_ms: None,
                };
                session::set_ball(&mut rec, &fix, &hole, &config, 3_000 + i * 1_000).unwrap();
                same_as_serde(&session::hole_state(&rec));
                states += 1;
            }
            assert!(rec.hysteresis.transitions >= 2);
        }
        assert_eq!(states, 20);
    }

    /// Strings that need escaping and floats at the edges of the formats.
    #[test]
    fn escapes_and_numbers_match() {
        let course = Course::from_json(crate::example::RIVERSIDE_COURSE_JSON).unwrap();
        let hole = course.prepare_hole(1).unwrap();
        let config = Rules::default();
        let start = StartRequest { course_id: "riverside".into(), hole_id: 1, units: Default::default() };
        let rec =
            session::start(&start, "gs_0123456789abcdef0123456789abcdef".into(), u64::MAX, &hole, &config, 0).unwrap();
        let mut h = session::hole_state(&rec);
        let mut details = serde_json::Map::new();
        details.insert("x".into(), serde_json::json!([1.5, "a\"b", null]));
        h.warnings = Vec::from([
            Warning {
                code: "q\"\\/\u{7f}é😀".into(), message: "\u{0}\u{8}\u{9}\n\u{c}\r\u{1f} end".into(), details
            },
            Warning { code: String::new(), message: "plain".into(), details: serde_json::Map::new() },
        ]);
        for v in [0.0, -0.0, 1e-7, 1e21, 123456789.123, -1.5e-300, f64::MIN_POSITIVE, f64::MAX, 40.268240] {
            h.accuracy_m = Some(v);
            h.surface_confidence = Some(-v);
            same_as_serde(&h);
        }
        h.distance_to_green_edge_m = Some(f64::NAN);
        h.evidence_log_odds = Some(f64::INFINITY);
        same_as_serde(&h);
    }
}
