//! The HTTP API's requests run locally on a `HoleTracker`: the same bodies
//! (decoded by core's `api::decode`) and the same answers, byte for byte
//! (core's snake_case types as they are), for exact comparisons with a
//! server and for the shared vectors.

use crate::convert::to_js;
use crate::error::js_error;
use crate::tracker::HoleTracker;
use greenside_core::api::{self, AdviceRequest, SetBallRequest, SetBallsRequest, SetCupRequest, StartRequest};
use greenside_core::operation::Operation;
use greenside_core::session;
use wasm_bindgen::prelude::*;

/// A request's time: milliseconds since the epoch, never negative.
fn millis(now_ms: f64) -> u64 {
    now_ms.max(0.0) as u64
}

#[wasm_bindgen]
impl HoleTracker {
    /// `POST /api/session/start` locally: restarts this tracker from a request
    /// body; answers `{session_id, hole_state}` as the server does.
    #[wasm_bindgen(js_name = startWire, unchecked_return_type = "WireJson")]
    pub fn start_wire(&mut self, body: &str, now_ms: f64) -> Result<JsValue, JsValue> {
        let req: StartRequest = api::decode(body.as_bytes()).map_err(js_error)?;
        Ok(to_js(&self.start(&req, millis(now_ms))?))
    }

    /// `POST /api/session/set_ball_location` locally: `{hole_state, applied}`.
    #[wasm_bindgen(js_name = setBallLocationWire, unchecked_return_type = "WireJson")]
    pub fn set_ball_location_wire(&mut self, body: &str, now_ms: f64) -> Result<JsValue, JsValue> {
        let req: SetBallRequest = api::decode(body.as_bytes()).map_err(js_error)?;
        self.apply_wire(Operation::SetBallLocation(req), now_ms)
    }

    /// `POST /api/session/set_ball_locations` locally (a batch, atomically):
    /// `{hole_state, applied, skipped_duplicates}`.
    #[wasm_bindgen(js_name = setBallLocationsWire, unchecked_return_type = "WireJson")]
    pub fn set_ball_locations_wire(&mut self, body: &str, now_ms: f64) -> Result<JsValue, JsValue> {
        let req: SetBallsRequest = api::decode(body.as_bytes()).map_err(js_error)?;
        self.apply_wire(Operation::SetBallLocations(req), now_ms)
    }

    /// `POST /api/session/set_cup_location` locally: `{hole_state}`.
    #[wasm_bindgen(js_name = setCupLocationWire, unchecked_return_type = "WireJson")]
    pub fn set_cup_location_wire(&mut self, body: &str, now_ms: f64) -> Result<JsValue, JsValue> {
        let req: SetCupRequest = api::decode(body.as_bytes()).map_err(js_error)?;
        self.apply_wire(Operation::SetCupLocation(req), now_ms)
    }

    /// `GET /api/session/{id}` locally: `{hole_state}`.
    #[wasm_bindgen(js_name = getSessionWire, unchecked_return_type = "WireJson")]
    pub fn get_session_wire(&mut self, session_id: &str, now_ms: f64) -> Result<JsValue, JsValue> {
        greenside_core::validate::session_id(session_id).map_err(js_error)?;
        let rec = self.live(Some(session_id), millis(now_ms)).map_err(js_error)?;
        Ok(to_js(&api::HoleStateResponse { hole_state: session::hole_state(&rec) }))
    }

    /// `DELETE /api/session/{id}` locally: `{deleted, session_id}`.
    #[wasm_bindgen(js_name = deleteSessionWire, unchecked_return_type = "WireJson")]
    pub fn delete_session_wire(&mut self, session_id: &str, now_ms: f64) -> Result<JsValue, JsValue> {
        greenside_core::validate::session_id(session_id).map_err(js_error)?;
        self.live(Some(session_id), millis(now_ms)).map_err(js_error)?;
        self.rec = None;
        Ok(to_js(&api::DeletedResponse::of(session_id)))
    }

    /// The routing decision the server would make now (plan type, the
    /// downstream request, the straight-line fallback): useful offline.
    #[wasm_bindgen(js_name = adviceDecisionWire, unchecked_return_type = "WireJson")]
    pub fn advice_decision_wire(&mut self, body: &str, now_ms: f64, run_id: &str) -> Result<JsValue, JsValue> {
        let now = millis(now_ms);
        let req: AdviceRequest = api::decode(body.as_bytes()).map_err(js_error)?;
        let rec = self.live(Some(&req.session_id), now).map_err(js_error)?;
        let hole = self.hole(rec.hole_id).map_err(js_error)?;
        Ok(to_js(&greenside_core::advice::request(&rec, hole, run_id, now).map_err(js_error)?))
    }
}

impl HoleTracker {
    /// A write through core's `operation::apply`; the answer as the server sends it.
    fn apply_wire(&mut self, op: Operation, now_ms: f64) -> Result<JsValue, JsValue> {
        Ok(to_js(&self.apply(op, millis(now_ms)).map_err(js_error)?))
    }
}
