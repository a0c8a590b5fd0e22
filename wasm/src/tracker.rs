//! `HoleTracker`: one golfer's session on one hole, run locally with the
//! server's rules (core's `session`, `operation::apply` and `Outbox`). The
//! idiomatic calls are here; the outbox's `sync` is in `sync.rs`, the HTTP
//! API's requests run locally in `wire.rs`.

use crate::convert::{Fix, TrackerState, from_js, to_js};
use crate::error::js_error;
use greenside_classify::{Course, Loaded};
use greenside_core::api::{self, SetCupRequest, StartRequest};
use greenside_core::classify::PreparedHole;
use greenside_core::course;
use greenside_core::error::{ApiError, ErrorCode};
use greenside_core::geometry::LatLon;
use greenside_core::operation::{self, Operation};
use greenside_core::outbox::Outbox;
use greenside_core::rules::Rules;
use greenside_core::session::{self, SessionRecord};
use greenside_core::validate;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// One golfer's session on one hole, run locally with the server's rules.
#[wasm_bindgen]
#[derive(Debug)]
pub struct HoleTracker {
    course: Rc<Loaded>,
    pub(crate) rec: Option<SessionRecord>,
    rules: Rules,
    applied: bool,
    /// Core's outbox: applied fixes the server has not confirmed (shared with a running `sync`).
    pub(crate) outbox: Rc<RefCell<Outbox>>,
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
        let mut t = HoleTracker {
            course: course.shared(),
            rec: None,
            rules: crate::rules::rules(&config)?,
            applied: true,
            outbox: Rc::default(),
        };
        // The checks `api::decode` runs on a start body, then the start.
        let req = StartRequest { course_id: course.course_id(), hole_id, units: crate::rules::units(&config)? };
        validate::course_id(&req.course_id).map_err(js_error)?;
        validate::hole_id(req.hole_id).map_err(js_error)?;
        t.start(&req, js_sys::Date::now().max(0.0) as u64)?;
        Ok(t)
    }

    /// Applies a fix at once and queues it for the server; returns the new
    /// state (`applied: false` for a repeated `seq`). A fix without `seq`
    /// gets the next one (one more than the last applied).
    #[wasm_bindgen(js_name = addFix, unchecked_return_type = "TrackerState")]
    pub fn add_fix(&mut self, #[wasm_bindgen(unchecked_param_type = "Fix")] fix: JsValue) -> Result<JsValue, JsValue> {
        let f: Fix = from_js(fix, "fix")?;
        let (fix, now) = f.ball_fix()?;
        let mut rec = self.live(None, now).map_err(js_error)?;
        let hole = self.hole(rec.hole_id).map_err(js_error)?;
        let applied = self.outbox.borrow_mut().add_fix(&mut rec, fix, hole, &self.rules, now).map_err(js_error)?;
        self.applied = applied.answer.applied();
        self.rec = Some(rec);
        self.state()
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
        self.apply(Operation::SetCupLocation(SetCupRequest { session_id, cup_wgs84: p }), now).map_err(js_error)?;
        self.state()
    }

    /// The current state.
    #[wasm_bindgen(unchecked_return_type = "TrackerState")]
    pub fn state(&self) -> Result<JsValue, JsValue> {
        let rec = self.rec.as_ref().ok_or_else(|| js_error(session::not_found("")))?;
        Ok(to_js(&TrackerState::new(&session::hole_state(rec), self.applied)))
    }
}

impl HoleTracker {
    /// Restarts this tracker's session (`POST /api/session/start`, decoded).
    pub(crate) fn start(&mut self, req: &StartRequest, now: u64) -> Result<api::StartResponse, JsValue> {
        if req.course_id != self.course.course_id {
            return Err(js_error(course::course_not_found(&req.course_id)));
        }
        let hole = self.hole(req.hole_id).map_err(js_error)?;
        let id = validate::session_id_from_random(random_id()?);
        let rec = session::start(req, id.clone(), 0, hole, &self.rules, now).map_err(js_error)?;
        let answer = api::StartResponse { session_id: id, hole_state: session::hole_state(&rec) };
        self.rec = Some(rec);
        self.applied = true;
        Ok(answer)
    }

    /// A write through core's `operation::apply`; its answer as the server sends it.
    pub(crate) fn apply(&mut self, op: Operation, now: u64) -> Result<operation::Answer, ApiError> {
        let mut rec = self.live(Some(op.session_id()), now)?;
        let hole = self.hole(rec.hole_id)?;
        let applied = operation::apply(&mut rec, &op, hole, &self.rules, now)?;
        self.applied = applied.answer.applied();
        self.rec = Some(rec);
        Ok(applied.answer)
    }

    /// The session, when it is `session_id` (any, for `None`) and has not expired.
    pub(crate) fn live(&mut self, session_id: Option<&str>, now: u64) -> Result<SessionRecord, ApiError> {
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

    pub(crate) fn hole(&self, hole_id: u32) -> Result<&PreparedHole, ApiError> {
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
}

/// 16 random bytes from `crypto.getRandomValues` (a session or round id).
pub(crate) fn random_id() -> Result<[u8; 16], JsValue> {
    let crypto = js_sys::Reflect::get(&js_sys::global(), &"crypto".into())?;
    let f: js_sys::Function = js_sys::Reflect::get(&crypto, &"getRandomValues".into())?.dyn_into()?;
    let arr = js_sys::Uint8Array::new_with_length(16);
    f.call1(&crypto, &arr)?;
    let mut b = [0u8; 16];
    arr.copy_to(&mut b);
    Ok(b)
}
