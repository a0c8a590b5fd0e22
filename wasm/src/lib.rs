//! greenside in JavaScript: the same core, compiled to wasm, for instant
//! in-browser classification and hysteresis, and offline-first tracking.
//!
//! ```js
//! const course = Course.fromJson(await (await fetch('/api/courses/riverside')).text());
//! const fix = { lat: 40.26824, lon: -111.65952, accuracyM: 4, timeMs: Date.now() };
//! course.classify(1, fix);            // { surface: 'GREEN', onGreen: true, confidence: 0.99…, … }
//! const tracker = new HoleTracker(course, 1);
//! tracker.addFix(fix).surfaceState;   // 'ON_GREEN' — the same hysteresis as the server
//! ```
//!
//! `Course` and the classification calls are the `greenside/classify`
//! entry's (`greenside-classify`, re-exported); this crate adds the tracker,
//! the outbox and the HTTP API's requests run locally. It only converts:
//! every rule is greenside-core's. Errors are JS `Error`s named
//! `GreensideError` with the HTTP API's stable `code` and `details`.

use greenside_core::api::{self, AdviceRequest, BallFix, SetBallRequest, SetCupRequest, StartRequest};
use greenside_core::classify::{AccuracyKind, PreparedHole};
use greenside_core::course;
use greenside_core::error::{ApiError, ErrorCode};
use greenside_core::geometry::LatLon;
use greenside_core::operation::{self, Operation};
use greenside_core::outbox::Outbox;
use greenside_core::rules::Rules;
use greenside_core::session::{self, SessionRecord};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

pub use greenside_classify::{Course, Loaded, surface_names};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
/** The committed (or candidate) green decision. */
export type GreenState = "UNKNOWN" | "ON_GREEN" | "OFF_GREEN";
/** One ball fix. timeMs: milliseconds since the Unix epoch. */
export interface Fix { lat: number; lon: number; accuracyM?: number; accuracyKind?: AccuracyKind; seq?: number; timeMs: number; }
export interface Shot {
  number: number; fromWgs84: LatLon; toWgs84: LatLon; lengthM: number;
  fromSurface: Surface; toSurface: Surface; atFix: number; atMs: number;
}
export interface Transition { from: GreenState; to: GreenState; atMs: number; atFix: number; streak: number; evidence: number | null; }
export interface StateWarning { code: string; message: string; details?: Record<string, unknown>; }
export interface TrackerState {
  sessionId: string;
  courseId: string;
  holeId: number;
  surface: Surface | null;
  surfaceState: GreenState;
  candidateState: GreenState;
  candidateStreak: number;
  surfaceConfidence: number | null;
  distanceToGreenEdgeM: number | null;
  fixCount: number;
  lastSeq: number | null;
  transitions: number;
  suppressedFlickers: number;
  /** What the decision rests on. */
  hysteresisMode: "streak" | "evidence";
  /** Evidence mode: accumulated log-odds that the ball is on the green; null in streak mode. */
  evidenceLogOdds: number | null;
  lastTransition: Transition | null;
  cup: LatLon | null;
  ball: LatLon | null;
  /** From the last fix; null before the first. */
  greenDistances: GreenDistances | null;
  hazards: Hazard[];
  /** Shots so far (shots.length). */
  strokes: number;
  shots: Shot[];
  warnings: StateWarning[];
  expiresAtMs: number;
  revision: number;
  /** false when the fix's seq was already accepted (acknowledged, not applied). */
  applied: boolean;
}
export interface TrackerConfig {
  /** "streak" (the default, commit streaks) or "evidence" (accumulated log-odds). */
  hysteresisMode?: "streak" | "evidence";
  commitOnStreak?: number;
  commitOffStreak?: number;
  /** Evidence mode: tolerated chance that noise alone switches a settled state (default 0.0001). */
  evidenceFalseSwitchRate?: number;
  /** Evidence mode: decisive fixes that always switch (default 1). */
  evidenceMaxWaitFixes?: number;
  sessionTtlS?: number;
  defaultAccuracyM?: number;
  defaultAccuracyKind?: AccuracyKind;
  /** Metres either side of the line of play in which bunkers and water are hazards (default 20). */
  hazardCorridorM?: number;
  /** Least move of the ball that counts as a shot, in metres (default 5; noisier fixes need more). */
  shotMinDistanceM?: number;
  /** Fixes at the new position that confirm a shot (default 2). */
  shotConfirmFixes?: number;
}
/** The JSON the HTTP API answers (snake_case), for exact comparisons with a server. */
export type WireJson = { [key: string]: unknown };
/** A fix as the server takes it (`set_ball_locations`), kept until the server confirms it. */
export interface WireFix {
  ball_wgs84: LatLon;
  accuracy_m?: number;
  accuracy_kind?: AccuracyKind;
  seq: number;
  client_time_ms?: number;
}
/** The body `sync` hands to `send`: POST it to `/api/session/set_ball_locations`. */
export interface SyncBody { contract_version: string; session_id: string; fixes: WireFix[]; }
/** What `sync` did. */
export interface SyncResult { sent: number; applied: number; skippedDuplicates: number; pending: number; }
"#;

fn to_js<T: Serialize + ?Sized>(v: &T) -> JsValue {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).unwrap_or(JsValue::NULL)
}

/// An `ApiError` as a JS `Error` named `GreensideError` with `code` and `details`.
fn js_error(e: ApiError) -> JsValue {
    let err = js_sys::Error::new(&e.message);
    err.set_name("GreensideError");
    let obj: &JsValue = err.as_ref();
    let _ = js_sys::Reflect::set(obj, &"code".into(), &e.code.as_str().into());
    let _ = js_sys::Reflect::set(obj, &"details".into(), &to_js(&e.details));
    err.into()
}

fn bad_arg(field: &str, message: String) -> JsValue {
    js_error(ApiError::new(ErrorCode::InvalidRequest, message).field(field))
}

fn from_js<T: for<'de> Deserialize<'de>>(v: JsValue, field: &str) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(v).map_err(|e| bad_arg(field, format!("{field}: {e}")))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsFix {
    lat: f64,
    lon: f64,
    accuracy_m: Option<f64>,
    accuracy_kind: Option<AccuracyKind>,
    seq: Option<u64>,
    time_ms: f64,
}

impl JsFix {
    fn ball_fix(&self) -> Result<(BallFix, u64), JsValue> {
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

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsConfig {
    commit_on_streak: Option<u32>,
    commit_off_streak: Option<u32>,
    session_ttl_s: Option<u64>,
    default_accuracy_m: Option<f64>,
    default_accuracy_kind: Option<AccuracyKind>,
    hysteresis_mode: Option<greenside_core::rules::HysteresisMode>,
    evidence_false_switch_rate: Option<f64>,
    evidence_max_wait_fixes: Option<u32>,
    hazard_corridor_m: Option<f64>,
    shot_min_distance_m: Option<f64>,
    shot_confirm_fixes: Option<u32>,
}

impl JsConfig {
    fn config(self) -> Result<Rules, JsValue> {
        let d = Rules::default();
        let c = Rules {
            commit_on_streak: self.commit_on_streak.unwrap_or(d.commit_on_streak),
            commit_off_streak: self.commit_off_streak.unwrap_or(d.commit_off_streak),
            session_ttl_s: self.session_ttl_s.unwrap_or(d.session_ttl_s),
            default_accuracy_m: self.default_accuracy_m.unwrap_or(d.default_accuracy_m),
            default_accuracy_kind: self.default_accuracy_kind.unwrap_or(d.default_accuracy_kind),
            hysteresis_mode: self.hysteresis_mode.unwrap_or(d.hysteresis_mode),
            evidence_false_switch_rate: self.evidence_false_switch_rate.unwrap_or(d.evidence_false_switch_rate),
            evidence_max_wait_fixes: self.evidence_max_wait_fixes.unwrap_or(d.evidence_max_wait_fixes),
            hazard_corridor_m: self.hazard_corridor_m.unwrap_or(d.hazard_corridor_m),
            shot_min_distance_m: self.shot_min_distance_m.unwrap_or(d.shot_min_distance_m),
            shot_confirm_fixes: self.shot_confirm_fixes.unwrap_or(d.shot_confirm_fixes),
        };
        c.validate().map_err(|e| bad_arg("config", e.to_string()))?;
        Ok(c)
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsGreenDistances {
    target: greenside_core::yardage::Target,
    front_m: Option<f64>,
    middle_m: f64,
    back_m: Option<f64>,
    front_wgs84: Option<LatLon>,
    back_wgs84: Option<LatLon>,
}

impl From<greenside_core::yardage::GreenDistances> for JsGreenDistances {
    fn from(g: greenside_core::yardage::GreenDistances) -> Self {
        JsGreenDistances {
            target: g.target,
            front_m: g.front_m,
            middle_m: g.middle_m,
            back_m: g.back_m,
            front_wgs84: g.front_wgs84,
            back_wgs84: g.back_wgs84,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsHazard {
    surface: greenside_core::classify::Surface,
    index: u32,
    reach_m: f64,
    carry_m: f64,
    side: greenside_core::yardage::Side,
}

fn js_hazards(hs: &[greenside_core::yardage::Hazard]) -> Vec<JsHazard> {
    hs.iter()
        .map(|h| JsHazard { surface: h.surface, index: h.index, reach_m: h.reach_m, carry_m: h.carry_m, side: h.side })
        .collect()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsShot {
    number: u32,
    from_wgs84: LatLon,
    to_wgs84: LatLon,
    length_m: f64,
    from_surface: greenside_core::classify::Surface,
    to_surface: greenside_core::classify::Surface,
    at_fix: u64,
    at_ms: u64,
}

/// One golfer's session on one hole, run locally with the server's rules.
#[wasm_bindgen]
#[derive(Debug)]
pub struct HoleTracker {
    course: Rc<Loaded>,
    rec: Option<SessionRecord>,
    config: Rules,
    applied: bool,
    /// Core's outbox: applied fixes the server has not confirmed (shared with a running `sync`).
    outbox: Rc<RefCell<Outbox>>,
}

fn random_id() -> Result<[u8; 16], JsValue> {
    let crypto = js_sys::Reflect::get(&js_sys::global(), &"crypto".into())?;
    let f: js_sys::Function = js_sys::Reflect::get(&crypto, &"getRandomValues".into())?.dyn_into()?;
    let arr = js_sys::Uint8Array::new_with_length(16);
    f.call1(&crypto, &arr)?;
    let mut b = [0u8; 16];
    arr.copy_to(&mut b);
    Ok(b)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsTransition {
    from: greenside_core::hysteresis::GreenState,
    to: greenside_core::hysteresis::GreenState,
    at_ms: u64,
    at_fix: u64,
    streak: u32,
    evidence: Option<f64>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsState<'a> {
    session_id: &'a str,
    course_id: &'a str,
    hole_id: u32,
    surface: Option<greenside_core::classify::Surface>,
    surface_state: greenside_core::hysteresis::GreenState,
    candidate_state: greenside_core::hysteresis::GreenState,
    candidate_streak: u32,
    surface_confidence: Option<f64>,
    distance_to_green_edge_m: Option<f64>,
    fix_count: u64,
    last_seq: Option<u64>,
    transitions: u32,
    suppressed_flickers: u32,
    hysteresis_mode: greenside_core::rules::HysteresisMode,
    evidence_log_odds: Option<f64>,
    last_transition: Option<JsTransition>,
    cup: Option<LatLon>,
    ball: Option<LatLon>,
    green_distances: Option<JsGreenDistances>,
    hazards: Vec<JsHazard>,
    strokes: u32,
    shots: Vec<JsShot>,
    warnings: &'a [api::Warning],
    expires_at_ms: u64,
    revision: u64,
    applied: bool,
}

#[wasm_bindgen]
impl HoleTracker {
    /// Starts tracking a hole of `course` (the first fix commits at once).
    #[wasm_bindgen(constructor)]
    pub fn new(
        course: &Course,
        hole_id: u32,
        #[wasm_bindgen(unchecked_param_type = "TrackerConfig | undefined")] config: JsValue,
    ) -> Result<HoleTracker, JsValue> {
        let cfg: JsConfig =
            if config.is_undefined() || config.is_null() { JsConfig::default() } else { from_js(config, "config")? };
        let mut t = HoleTracker {
            course: course.shared(),
            rec: None,
            config: cfg.config()?,
            applied: true,
            outbox: Rc::default(),
        };
        let body = serde_json::json!({"contract_version": api::contract_version(), "course_id": course.course_id(), "hole_id": hole_id});
        t.start_wire(&body.to_string(), js_sys::Date::now())?;
        Ok(t)
    }

    fn hole(&self, hole_id: u32) -> Result<&PreparedHole, ApiError> {
        match self.course.hole(hole_id) {
            Some(Ok(h)) => Ok(h),
            Some(Err(e)) => {
                Err(ApiError::new(ErrorCode::CourseDataUnavailable, e.to_string()).with("reason", e.code()))
            }
            None => Err(ApiError::new(
                ErrorCode::HoleNotFound,
                format!("course `{}` has no hole {hole_id}", self.course.course_id),
            )
            .field("hole_id")
            .with("hole_id", hole_id)),
        }
    }

    /// A write through core's `operation::apply`; the answer as the server sends it.
    fn apply_wire(&mut self, op: Operation, now: u64) -> Result<JsValue, JsValue> {
        let mut rec = self.live(Some(op.session_id()), now).map_err(js_error)?;
        let hole = self.hole(rec.hole_id).map_err(js_error)?;
        let applied = operation::apply(&mut rec, &op, hole, &self.config, now).map_err(js_error)?;
        self.applied = applied.answer.applied();
        self.rec = Some(rec);
        Ok(to_js(&applied.answer))
    }

    fn live(&mut self, session_id: Option<&str>, now: u64) -> Result<SessionRecord, ApiError> {
        let rec = self.rec.clone().ok_or_else(|| session::not_found(session_id.unwrap_or("")))?;
        if let Some(id) = session_id {
            if id != rec.session_id {
                return Err(session::not_found(id));
            }
        }
        if let Err(e) = session::check_live(&rec, now) {
            self.rec = None;
            return Err(e);
        }
        Ok(rec)
    }

    /// Applies a fix at once and queues it for the server; returns the new
    /// state (`applied: false` for a repeated `seq`). A fix without `seq`
    /// gets the next one (one more than the last applied).
    #[wasm_bindgen(js_name = addFix, unchecked_return_type = "TrackerState")]
    pub fn add_fix(&mut self, #[wasm_bindgen(unchecked_param_type = "Fix")] fix: JsValue) -> Result<JsValue, JsValue> {
        let f: JsFix = from_js(fix, "fix")?;
        let (fix, now) = f.ball_fix()?;
        let mut rec = self.live(None, now).map_err(js_error)?;
        let hole = self.hole(rec.hole_id).map_err(js_error)?;
        let applied = self.outbox.borrow_mut().add_fix(&mut rec, fix, hole, &self.config, now).map_err(js_error)?;
        self.applied = applied.answer.applied();
        self.rec = Some(rec);
        self.state()
    }

    /// The fixes the server has not confirmed yet, oldest first, as the
    /// server takes them.
    #[wasm_bindgen(js_name = pendingFixes, unchecked_return_type = "WireFix[]")]
    pub fn pending_fixes(&self) -> JsValue {
        to_js(self.outbox.borrow().pending())
    }

    /// Sends the pending fixes, in batches of at most 500, through `send`
    /// (given the `set_ball_locations` body for session `sessionId`, it
    /// returns the server's answer or a promise of it) and drops every fix
    /// the server has accepted (`seq` up to its `last_seq`). A fix the server
    /// already had is skipped there, never counted twice, so a sync can be
    /// retried at any time. Rejects with the server's error (as a
    /// `GreensideError`) or with what `send` threw; unconfirmed fixes stay.
    #[wasm_bindgen(unchecked_return_type = "Promise<SyncResult>")]
    pub fn sync(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(body: SyncBody) => unknown")] send: js_sys::Function,
        #[wasm_bindgen(js_name = sessionId)] session_id: String,
    ) -> js_sys::Promise {
        let outbox = self.outbox.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let (mut sent, mut applied, mut skipped) = (0u64, 0u64, 0u64);
            loop {
                let Some(body) = outbox.borrow().next_batch(&session_id) else { break };
                let js_body = to_js(&body);
                let answer = send.call1(&JsValue::NULL, &js_body)?;
                let answer = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&answer)).await?;
                let text: String = js_sys::JSON::stringify(&answer)?.into();
                let v: serde_json::Value = serde_json::from_str(&text)
                    .map_err(|e| bad_arg("send", format!("send returned something that is not JSON: {e}")))?;
                if let Some(err) = v.get("error") {
                    let e: ApiError = serde_json::from_value(err.clone()).map_err(|_| {
                        bad_arg("send", format!("send returned an error that is not greenside's: {err}"))
                    })?;
                    return Err(js_error(e));
                }
                let last = v["hole_state"]["last_seq"].as_u64().ok_or_else(|| {
                    bad_arg("send", "send must return the set_ball_locations answer (hole_state.last_seq)".into())
                })?;
                sent += body.fixes.len() as u64;
                applied += v["applied"].as_u64().unwrap_or(0);
                skipped += v["skipped_duplicates"].as_u64().unwrap_or(0);
                if outbox.borrow_mut().confirm(last) == 0 {
                    // The server confirmed none of them: stop rather than loop.
                    break;
                }
            }
            let pending = outbox.borrow().pending().len() as u64;
            js_sys::JSON::parse(
                &serde_json::json!({"sent": sent, "applied": applied, "skippedDuplicates": skipped, "pending": pending})
                    .to_string(),
            )
        })
    }

    /// Sets the cup (a cup off the green is a warning in the state, not an error).
    #[wasm_bindgen(js_name = setCup, unchecked_return_type = "TrackerState")]
    pub fn set_cup(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "LatLon")] position: JsValue,
        time_ms: f64,
    ) -> Result<JsValue, JsValue> {
        let p: LatLon = from_js(position, "position")?;
        let now = time_ms.max(0.0) as u64;
        let session_id = self.rec.as_ref().map(|r| r.session_id.clone()).unwrap_or_default();
        self.apply_wire(Operation::SetCupLocation(SetCupRequest { session_id, cup_wgs84: p }), now)?;
        self.state()
    }

    /// The current state.
    #[wasm_bindgen(unchecked_return_type = "TrackerState")]
    pub fn state(&self) -> Result<JsValue, JsValue> {
        let rec = self.rec.as_ref().ok_or_else(|| js_error(session::not_found("")))?;
        let h = session::hole_state(rec);
        Ok(to_js(&JsState {
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
            last_transition: h.last_transition.map(|t| JsTransition {
                from: t.from,
                to: t.to,
                at_ms: t.at_ms,
                at_fix: t.at_fix,
                streak: t.streak,
                evidence: t.evidence,
            }),
            cup: h.cup_wgs84,
            ball: h.ball_wgs84,
            green_distances: h.green_distances.map(JsGreenDistances::from),
            hazards: js_hazards(&h.hazards),
            strokes: h.strokes,
            shots: h
                .shots
                .iter()
                .map(|s| JsShot {
                    number: s.number,
                    from_wgs84: s.from_wgs84,
                    to_wgs84: s.to_wgs84,
                    length_m: s.length_m,
                    from_surface: s.from_surface,
                    to_surface: s.to_surface,
                    at_fix: s.at_fix,
                    at_ms: s.at_ms,
                })
                .collect(),
            warnings: &h.warnings,
            expires_at_ms: h.expires_at_ms,
            revision: h.revision,
            applied: self.applied,
        }))
    }

    // ---- The HTTP API's requests and answers, byte for byte (snake_case) ----

    /// `POST /api/session/start` locally: restarts this tracker from a request
    /// body; answers `{session_id, hole_state}` as the server does.
    #[wasm_bindgen(js_name = startWire, unchecked_return_type = "WireJson")]
    pub fn start_wire(&mut self, body: &str, now_ms: f64) -> Result<JsValue, JsValue> {
        let now = now_ms.max(0.0) as u64;
        let req: StartRequest = api::decode(body.as_bytes()).map_err(js_error)?;
        if req.course_id != self.course.course_id {
            return Err(js_error(course::course_not_found(&req.course_id)));
        }
        let hole = self.hole(req.hole_id).map_err(js_error)?;
        let id = greenside_core::validate::session_id_from_random(random_id()?);
        let rec = session::start(&req, id.clone(), 0, hole, &self.config, now).map_err(js_error)?;
        let answer = api::StartResponse { session_id: id, hole_state: session::hole_state(&rec) };
        self.rec = Some(rec);
        self.applied = true;
        Ok(to_js(&answer))
    }

    /// `POST /api/session/set_ball_location` locally: `{hole_state, applied}`.
    #[wasm_bindgen(js_name = setBallLocationWire, unchecked_return_type = "WireJson")]
    pub fn set_ball_location_wire(&mut self, body: &str, now_ms: f64) -> Result<JsValue, JsValue> {
        let now = now_ms.max(0.0) as u64;
        let req: SetBallRequest = api::decode(body.as_bytes()).map_err(js_error)?;
        self.apply_wire(Operation::SetBallLocation(req), now)
    }

    /// `POST /api/session/set_ball_locations` locally (a batch, atomically):
    /// `{hole_state, applied, skipped_duplicates}`.
    #[wasm_bindgen(js_name = setBallLocationsWire, unchecked_return_type = "WireJson")]
    pub fn set_ball_locations_wire(&mut self, body: &str, now_ms: f64) -> Result<JsValue, JsValue> {
        let now = now_ms.max(0.0) as u64;
        let req: api::SetBallsRequest = api::decode(body.as_bytes()).map_err(js_error)?;
        self.apply_wire(Operation::SetBallLocations(req), now)
    }

    /// `POST /api/session/set_cup_location` locally: `{hole_state}`.
    #[wasm_bindgen(js_name = setCupLocationWire, unchecked_return_type = "WireJson")]
    pub fn set_cup_location_wire(&mut self, body: &str, now_ms: f64) -> Result<JsValue, JsValue> {
        let now = now_ms.max(0.0) as u64;
        let req: SetCupRequest = api::decode(body.as_bytes()).map_err(js_error)?;
        self.apply_wire(Operation::SetCupLocation(req), now)
    }

    /// `GET /api/session/{id}` locally: `{hole_state}`.
    #[wasm_bindgen(js_name = getSessionWire, unchecked_return_type = "WireJson")]
    pub fn get_session_wire(&mut self, session_id: &str, now_ms: f64) -> Result<JsValue, JsValue> {
        greenside_core::validate::session_id(session_id).map_err(js_error)?;
        let rec = self.live(Some(session_id), now_ms.max(0.0) as u64).map_err(js_error)?;
        Ok(to_js(&api::HoleStateResponse { hole_state: session::hole_state(&rec) }))
    }

    /// `DELETE /api/session/{id}` locally: `{deleted, session_id}`.
    #[wasm_bindgen(js_name = deleteSessionWire, unchecked_return_type = "WireJson")]
    pub fn delete_session_wire(&mut self, session_id: &str, now_ms: f64) -> Result<JsValue, JsValue> {
        greenside_core::validate::session_id(session_id).map_err(js_error)?;
        self.live(Some(session_id), now_ms.max(0.0) as u64).map_err(js_error)?;
        self.rec = None;
        Ok(to_js(&serde_json::json!({"deleted": true, "session_id": session_id})))
    }

    /// The routing decision the server would make now (plan type, the
    /// downstream request, the straight-line fallback): useful offline.
    #[wasm_bindgen(js_name = adviceDecisionWire, unchecked_return_type = "WireJson")]
    pub fn advice_decision_wire(&mut self, body: &str, now_ms: f64, run_id: &str) -> Result<JsValue, JsValue> {
        let now = now_ms.max(0.0) as u64;
        let req: AdviceRequest = api::decode(body.as_bytes()).map_err(js_error)?;
        let rec = self.live(Some(&req.session_id), now).map_err(js_error)?;
        let hole = self.hole(rec.hole_id).map_err(js_error)?;
        Ok(to_js(&greenside_core::advice::request(&rec, hole, run_id, now).map_err(js_error)?))
    }
}

/// The HTTP API contract this package speaks.
#[wasm_bindgen(js_name = apiContractVersion)]
pub fn api_contract_version() -> String {
    greenside_core::API_CONTRACT_VERSION.to_string()
}

/// Every stable error code with its HTTP status, `{code: status}`.
#[wasm_bindgen(js_name = errorCodes, unchecked_return_type = "Record<string, number>")]
pub fn error_codes() -> JsValue {
    let m: BTreeMap<&str, u16> = ErrorCode::ALL.iter().map(|c| (c.as_str(), c.http_status())).collect();
    to_js(&m)
}

/// One GCRA decision (the rate-limit arithmetic the servers use), for
/// clients that want to pace themselves: `{allow: true, newTatUs}` or
/// `{allow: false, retryAfterMs}`.
#[wasm_bindgen(js_name = gcraCheck, unchecked_return_type = "{ allow: true; newTatUs: number } | { allow: false; retryAfterMs: number }")]
pub fn gcra_check(
    limit: u32,
    period_ms: f64,
    burst: u32,
    tat_us: Option<f64>,
    now_ms: f64,
) -> Result<JsValue, JsValue> {
    let g = greenside_core::gcra::Gcra::new(limit, period_ms.max(0.0) as u64, burst)
        .ok_or_else(|| bad_arg("limit", "limit, periodMs and burst must be at least 1".into()))?;
    Ok(match g.check(tat_us.map(|t| t.max(0.0) as u64), now_ms.max(0.0) as u64) {
        greenside_core::gcra::Decision::Allow { new_tat_us } => {
            to_js(&serde_json::json!({"allow": true, "newTatUs": new_tat_us}))
        }
        greenside_core::gcra::Decision::Deny { retry_after_ms } => {
            to_js(&serde_json::json!({"allow": false, "retryAfterMs": retry_after_ms}))
        }
    })
}

/// Whether the run lifecycle allows `from → to` (`queued`, `processing`,
/// `succeeded`, `failed`); throws `run_invalid_transition` when it does not.
#[wasm_bindgen(js_name = checkRunTransition)]
pub fn check_run_transition(from: &str, to: &str) -> Result<(), JsValue> {
    use greenside_core::run::{RunError, RunStatus};
    let parse = |s: &str, field: &str| {
        RunStatus::parse(s).ok_or_else(|| bad_arg(field, format!("{field} must be a run status")))
    };
    let (f, t) = (parse(from, "from")?, parse(to, "to")?);
    if f.can_move_to(t) { Ok(()) } else { Err(js_error(RunError::InvalidTransition { from: f, to: t }.into())) }
}
