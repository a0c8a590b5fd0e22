//! The one conversion layer between core's types and the JavaScript shapes
//! `types.d.ts` declares. Core's types serialize snake_case for the HTTP
//! API (the `*Wire` methods answer them as they are); the idiomatic calls
//! answer camelCase views of them, built here and nowhere else:
//!
//! ```text
//! Fix (JS)                 ─► api::BallFix                 (addFix)
//! api::HoleState + applied ─► TrackerState                 (addFix, setCup, state)
//!   hysteresis::Transition ─► Transition    shots::Shot ─► Shot
//!   yardage::GreenDistances ─► GreenDistances  yardage::Hazard ─► Hazard
//!   aim::AimPoint ─► AimPoint  aim::Layup ─► Layup
//! gcra::Decision           ─► GcraDecision                 (gcraCheck)
//! ```
//!
//! `GreenDistances` and `Hazard` are the shapes `greenside/classify`'s
//! `yardages` answers (its glue builds them from numbers), so the tracker's
//! state and the classification entry agree key for key.

use crate::error::{bad_arg, js_error};
use greenside_core::api::{self, BallFix};
use greenside_core::classify::{AccuracyKind, Surface};
use greenside_core::gcra;
use greenside_core::geometry::LatLon;
use greenside_core::hysteresis::GreenState;
use greenside_core::rules::HysteresisMode;
use greenside_core::{hysteresis, shots, yardage};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

/// A value as JavaScript data (objects, arrays, numbers; `null` for `None`).
pub(crate) fn to_js<T: Serialize + ?Sized>(v: &T) -> JsValue {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).unwrap_or(JsValue::NULL)
}

/// An argument read into `T`; an error names the argument (`field`).
pub(crate) fn from_js<T: for<'de> Deserialize<'de>>(v: JsValue, field: &str) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(v).map_err(|e| bad_arg(field, format!("{field}: {e}")))
}

/// `Fix`: one ball fix as a page has it. Keys other than these are ignored
/// (serde-wasm-bindgen reads a struct's fields by name).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Fix {
    lat: f64,
    lon: f64,
    accuracy_m: Option<f64>,
    accuracy_kind: Option<AccuracyKind>,
    seq: Option<u64>,
    time_ms: f64,
}

impl Fix {
    /// Core's fix, checked as the server checks one, and its time (ms).
    pub(crate) fn ball_fix(&self) -> Result<(BallFix, u64), JsValue> {
        if !(self.time_ms.is_finite() && self.time_ms >= 0.0) {
            return Err(bad_arg("timeMs", "timeMs must be milliseconds since the epoch".into()));
        }
        let fix = BallFix {
            ball_wgs84: LatLon::new(self.lat, self.lon),
            accuracy_m: self.accuracy_m,
            accuracy_kind: self.accuracy_kind,
            seq: self.seq,
            client_time_ms: Some(self.time_ms as u64),
        };
        greenside_core::validate::lat_lon("fix", fix.ball_wgs84).map_err(js_error)?;
        if let Some(a) = fix.accuracy_m {
            greenside_core::validate::accuracy("accuracyM", a).map_err(js_error)?;
        }
        Ok((fix, self.time_ms as u64))
    }
}

/// `TrackerState`: core's `hole_state` as the idiomatic calls answer it,
/// with whether the last write was applied.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TrackerState<'a> {
    session_id: &'a str,
    course_id: &'a str,
    hole_id: u32,
    surface: Option<Surface>,
    surface_state: GreenState,
    candidate_state: GreenState,
    candidate_streak: u32,
    surface_confidence: Option<f64>,
    distance_to_green_edge_m: Option<f64>,
    fix_count: u64,
    last_seq: Option<u64>,
    transitions: u32,
    suppressed_flickers: u32,
    hysteresis_mode: HysteresisMode,
    /// Always present (`null` in streak mode); the wire leaves it out.
    evidence_log_odds: Option<f64>,
    last_transition: Option<Transition>,
    cup: Option<LatLon>,
    ball: Option<LatLon>,
    green_distances: Option<GreenDistances>,
    hazards: Vec<Hazard>,
    units: greenside_core::aim::Units,
    aim_points: Vec<AimPoint>,
    layups: Vec<Layup>,
    strokes: u32,
    shots: Vec<Shot>,
    /// `StateWarning`: core's warning as it is (its `details` keep the wire's keys).
    warnings: &'a [api::Warning],
    expires_at_ms: u64,
    revision: u64,
    applied: bool,
}

impl<'a> TrackerState<'a> {
    pub(crate) fn new(h: &'a api::HoleState, applied: bool) -> Self {
        TrackerState {
            session_id: &h.session_id,
            course_id: &h.course_id,
            hole_id: h.hole_id,
            surface: h.surface,
            surface_state: h.surface_state,
            candidate_state: h.candidate_state,
            candidate_streak: h.candidate_streak,
            surface_confidence: h.surface_confidence,
            distance_to_green_edge_m: h.distance_to_green_edge_m,
            fix_count: h.fix_count,
            last_seq: h.last_seq,
            transitions: h.transitions,
            suppressed_flickers: h.suppressed_flickers,
            hysteresis_mode: h.hysteresis_mode,
            evidence_log_odds: h.evidence_log_odds,
            last_transition: h.last_transition.map(Transition::from),
            cup: h.cup_wgs84,
            ball: h.ball_wgs84,
            green_distances: h.green_distances.map(GreenDistances::from),
            hazards: h.hazards.iter().map(Hazard::from).collect(),
            units: h.units,
            aim_points: h.aim_points.iter().map(AimPoint::from).collect(),
            layups: h.layups.iter().map(Layup::from).collect(),
            strokes: h.strokes,
            shots: h.shots.iter().map(Shot::from).collect(),
            warnings: &h.warnings,
            expires_at_ms: h.expires_at_ms,
            revision: h.revision,
            applied,
        }
    }
}

/// `Transition`: `evidence` is always present (`null` in streak mode).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Transition {
    from: GreenState,
    to: GreenState,
    at_ms: u64,
    at_fix: u64,
    streak: u32,
    evidence: Option<f64>,
}

impl From<hysteresis::Transition> for Transition {
    fn from(t: hysteresis::Transition) -> Self {
        Transition { from: t.from, to: t.to, at_ms: t.at_ms, at_fix: t.at_fix, streak: t.streak, evidence: t.evidence }
    }
}

/// `GreenDistances`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GreenDistances {
    target: yardage::Target,
    front_m: Option<f64>,
    middle_m: f64,
    back_m: Option<f64>,
    front_wgs84: Option<LatLon>,
    back_wgs84: Option<LatLon>,
}

impl From<yardage::GreenDistances> for GreenDistances {
    fn from(g: yardage::GreenDistances) -> Self {
        GreenDistances {
            target: g.target,
            front_m: g.front_m,
            middle_m: g.middle_m,
            back_m: g.back_m,
            front_wgs84: g.front_wgs84,
            back_wgs84: g.back_wgs84,
        }
    }
}

/// `Hazard`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Hazard {
    surface: Surface,
    index: u32,
    reach_m: f64,
    carry_m: f64,
    side: yardage::Side,
}

impl From<&yardage::Hazard> for Hazard {
    fn from(h: &yardage::Hazard) -> Self {
        Hazard { surface: h.surface, index: h.index, reach_m: h.reach_m, carry_m: h.carry_m, side: h.side }
    }
}

/// `AimPoint`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AimPoint {
    number: u32,
    wgs84: LatLon,
    distance_m: f64,
    green_distances: GreenDistances,
    hazards: Vec<Hazard>,
}

impl From<&greenside_core::aim::AimPoint> for AimPoint {
    fn from(a: &greenside_core::aim::AimPoint) -> Self {
        AimPoint {
            number: a.number,
            wgs84: a.wgs84,
            distance_m: a.distance_m,
            green_distances: a.green_distances.into(),
            hazards: a.hazards.iter().map(Hazard::from).collect(),
        }
    }
}

/// `Layup`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Layup {
    mark: u32,
    wgs84: LatLon,
    distance_m: f64,
}

impl From<&greenside_core::aim::Layup> for Layup {
    fn from(l: &greenside_core::aim::Layup) -> Self {
        Layup { mark: l.mark, wgs84: l.wgs84, distance_m: l.distance_m }
    }
}

/// `Shot`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Shot {
    number: u32,
    from_wgs84: LatLon,
    to_wgs84: LatLon,
    length_m: f64,
    from_surface: Surface,
    to_surface: Surface,
    at_fix: u64,
    at_ms: u64,
}

impl From<&shots::Shot> for Shot {
    fn from(s: &shots::Shot) -> Self {
        Shot {
            number: s.number,
            from_wgs84: s.from_wgs84,
            to_wgs84: s.to_wgs84,
            length_m: s.length_m,
            from_surface: s.from_surface,
            to_surface: s.to_surface,
            at_fix: s.at_fix,
            at_ms: s.at_ms,
        }
    }
}

/// `gcraCheck`'s answer: `{allow: true, newTatUs}` or `{allow: false, retryAfterMs}`.
#[derive(Debug, Serialize)]
#[serde(untagged, rename_all_fields = "camelCase")]
pub(crate) enum GcraDecision {
    Allow { allow: bool, new_tat_us: u64 },
    Deny { allow: bool, retry_after_ms: u64 },
}

impl From<gcra::Decision> for GcraDecision {
    fn from(d: gcra::Decision) -> Self {
        match d {
            gcra::Decision::Allow { new_tat_us } => GcraDecision::Allow { allow: true, new_tat_us },
            gcra::Decision::Deny { retry_after_ms } => GcraDecision::Deny { allow: false, retry_after_ms },
        }
    }
}
