//! `RoundTracker`: a round run locally with the server's rules (core's
//! `round`): the HTTP API's round requests, decoded by core's `api::decode`,
//! and its answers as the server sends them (snake_case, the same JSON), so
//! a page keeps a round going offline and the shared vectors replay here.
//! The exports (GPX, CSV) are the server's: not in the package, they would
//! cost it float printing it has no other use for.

use crate::error::js_error;
use greenside_classify::{Course, Loaded};
use greenside_core::api::{self, AdviceTarget, NextHoleRequest, RoundFixRequest, RoundStartRequest, SetScoreRequest};
use greenside_core::classify::PreparedHole;
use greenside_core::error::{ApiError, ErrorCode};
use greenside_core::listing::{RoundsPageBuilder, parse_rounds_query};
use greenside_core::round::{self, RoundDeleted, RoundOp, RoundRecord};
use greenside_core::rules::Rules;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// A round on one course, run locally with the server's rules.
#[wasm_bindgen]
#[derive(Debug)]
pub struct RoundTracker {
    course: Rc<Loaded>,
    rec: Option<RoundRecord>,
    rules: Rules,
}

/// A request's time: milliseconds since the epoch, never negative.
fn millis(now_ms: f64) -> u64 {
    now_ms.max(0.0) as u64
}

/// Core's JSON answer as the JS value `JSON.parse` makes of it.
fn parsed(json: &[u8]) -> Result<JsValue, JsValue> {
    js_sys::JSON::parse(std::str::from_utf8(json).map_err(|e| JsValue::from_str(&e.to_string()))?)
}

#[wasm_bindgen]
impl RoundTracker {
    /// A tracker for rounds on `course` (none started yet).
    #[wasm_bindgen(constructor)]
    pub fn new(
        course: &Course,
        #[wasm_bindgen(unchecked_param_type = "TrackerConfig | undefined")] config: JsValue,
    ) -> Result<RoundTracker, JsValue> {
        Ok(RoundTracker { course: course.shared(), rec: None, rules: crate::rules::rules(&config)? })
    }

    /// `POST /api/round/start` locally: a new round (its id from
    /// `crypto.getRandomValues`), `{round_state}` as the server answers.
    #[wasm_bindgen(js_name = startWire, unchecked_return_type = "WireJson")]
    pub fn start_wire(&mut self, body: &str, now_ms: f64) -> Result<JsValue, JsValue> {
        let req: RoundStartRequest = api::decode(body.as_bytes()).map_err(js_error)?;
        if req.course_id != self.course.course_id {
            return Err(js_error(greenside_core::course::course_not_found(&req.course_id)));
        }
        let holes = self.holes().map_err(js_error)?;
        let id = greenside_core::validate::round_id_from_random(crate::tracker::random_id()?);
        let rec = round::start(&req, id, self.course.course(), &holes, millis(now_ms)).map_err(js_error)?;
        let answer = round::answer_json(&rec);
        self.rec = Some(rec);
        parsed(&answer)
    }

    /// `POST /api/round/set_ball_location` locally (one fix, or `fixes`):
    /// `{round_state, applied, skipped_duplicates}`.
    #[wasm_bindgen(js_name = setBallLocationWire, unchecked_return_type = "WireJson")]
    pub fn set_ball_location_wire(&mut self, body: &str, now_ms: f64) -> Result<JsValue, JsValue> {
        let req: RoundFixRequest = api::decode(body.as_bytes()).map_err(js_error)?;
        self.apply(RoundOp::SetBallLocation(req), now_ms)
    }

    /// `POST /api/round/next_hole` locally: `{round_state}`.
    #[wasm_bindgen(js_name = nextHoleWire, unchecked_return_type = "WireJson")]
    pub fn next_hole_wire(&mut self, body: &str, now_ms: f64) -> Result<JsValue, JsValue> {
        let req: NextHoleRequest = api::decode(body.as_bytes()).map_err(js_error)?;
        self.apply(RoundOp::NextHole(req), now_ms)
    }

    /// `POST /api/round/set_score` locally: `{round_state}`.
    #[wasm_bindgen(js_name = setScoreWire, unchecked_return_type = "WireJson")]
    pub fn set_score_wire(&mut self, body: &str, now_ms: f64) -> Result<JsValue, JsValue> {
        let req: SetScoreRequest = api::decode(body.as_bytes()).map_err(js_error)?;
        self.apply(RoundOp::SetScore(req), now_ms)
    }

    /// `GET /api/round/{round_id}` locally: `{round_state}`.
    #[wasm_bindgen(js_name = getRoundWire, unchecked_return_type = "WireJson")]
    pub fn get_round_wire(&self, round_id: &str) -> Result<JsValue, JsValue> {
        parsed(&round::answer_json(self.round(round_id).map_err(js_error)?))
    }

    /// `DELETE /api/round/{round_id}` locally: `{deleted, round_id}`.
    #[wasm_bindgen(js_name = deleteRoundWire, unchecked_return_type = "WireJson")]
    pub fn delete_round_wire(&mut self, round_id: &str) -> Result<JsValue, JsValue> {
        self.round(round_id).map_err(js_error)?;
        self.rec = None;
        Ok(crate::convert::to_js(&RoundDeleted::of(round_id)))
    }

    /// `GET /api/rounds` locally (this tracker's round, when it has one):
    /// `{rounds, next_cursor, limit}`; `query` is the URL's query string.
    #[wasm_bindgen(js_name = listRoundsWire, unchecked_return_type = "WireJson")]
    pub fn list_rounds_wire(&self, query: &str) -> Result<JsValue, JsValue> {
        let pairs: Vec<(String, String)> = query
            .trim_start_matches('?')
            .split('&')
            .filter(|kv| !kv.is_empty())
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (k.to_string(), v.to_string())
            })
            .collect();
        let q = parse_rounds_query(|k| pairs.iter().rev().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
            .map_err(js_error)?;
        let mut page = RoundsPageBuilder::new(&q);
        if let Some(rec) = &self.rec {
            page.offer(&round::summary(rec));
        }
        Ok(crate::convert::to_js(&page.finish()))
    }

    /// The advice routing the server would decide for a `get_hole_advice`
    /// body (a `round_id`: this round's current hole; refused with
    /// `competition_round` in competition mode).
    #[wasm_bindgen(js_name = adviceDecisionWire, unchecked_return_type = "WireJson")]
    pub fn advice_decision_wire(&self, body: &str, now_ms: f64, run_id: &str) -> Result<JsValue, JsValue> {
        let now = millis(now_ms);
        let round_id = match api::decode::<AdviceTarget>(body.as_bytes()).map_err(js_error)? {
            AdviceTarget::Round(r) => r.round_id,
            AdviceTarget::Session(r) => return Err(js_error(greenside_core::session::not_found(&r.session_id))),
        };
        let rec = self.round(&round_id).map_err(js_error)?;
        let hole = self.hole(rec.current_hole_id).map_err(js_error)?;
        let s = round::advice_session(rec, hole, &self.rules, now).map_err(js_error)?;
        let decision = greenside_core::advice::request(&s, hole, run_id, now).map_err(js_error)?;
        Ok(crate::convert::to_js(&decision))
    }
}

impl RoundTracker {
    fn round(&self, round_id: &str) -> Result<&RoundRecord, ApiError> {
        greenside_core::validate::round_id(round_id)?;
        self.rec.as_ref().filter(|r| r.round_id == round_id).ok_or_else(|| round::not_found(round_id))
    }

    fn hole(&self, hole_id: u32) -> Result<&PreparedHole, ApiError> {
        match self.course.hole(hole_id) {
            Some(Ok(h)) => Ok(h),
            Some(Err(e)) => Err(ApiError::new(ErrorCode::CourseDataUnavailable, e.to_string())),
            None => Err(ApiError::new(
                ErrorCode::HoleNotFound,
                format!("course `{}` has no hole {hole_id}", self.course.course_id),
            )
            .field("hole_id")
            .with("hole_id", hole_id)),
        }
    }

    /// Every hole of the course, prepared, in the course file's order (a
    /// round watches every tee).
    fn holes(&self) -> Result<Vec<&PreparedHole>, ApiError> {
        self.course.course().holes.iter().map(|h| self.hole(h.hole_id)).collect()
    }

    /// A write through core's `round::apply`; its answer as the server sends it.
    fn apply(&mut self, op: RoundOp, now_ms: f64) -> Result<JsValue, JsValue> {
        let mut rec = self.round(op.round_id()).map_err(js_error)?.clone();
        let holes = self.holes().map_err(js_error)?;
        let applied = round::apply(&mut rec, &op, &holes, &self.rules, millis(now_ms)).map_err(js_error)?;
        self.rec = Some(rec);
        parsed(&applied.answer)
    }
}
