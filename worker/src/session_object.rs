//! One Durable Object per session, named by the session id.
//!
//! Storage: `rec` = the core's `SessionRecord` as JSON (the same text the
//! Redis store keeps). The object keeps its copy in memory between requests;
//! every change is applied to the copy and the copy is written before the
//! answer leaves (the output gate holds the answer until the write is
//! durable). No `RefCell` borrow is held across an `await`, so requests to
//! one session run one after another, each on the state the last one left.
//!
//! The alarm deletes all of the object's storage once the session has been
//! idle for `SESSION_TTL_S` (sliding TTL): it is armed at the first write and
//! re-armed for the record's expiry when it finds the session kept alive, so
//! a fix costs one storage write, not two. A request that finds an expired
//! record (an alarm not yet run) deletes it too and answers 404, as the
//! native stores do.

use crate::http::{Internal, internal_response};
use greenside_core::advice::PlanType;
use greenside_core::api::{self, HoleStateResponse, SetBallResponse, SetBallsResponse, StartResponse};
use greenside_core::error::{ApiError, ErrorCode};
use greenside_core::run::RunStatus;
use greenside_core::service::SessionSummary;
use greenside_core::session::{self, BallOutcome, SessionRecord};
use serde::Deserialize;
use serde_json::json;
use std::cell::RefCell;
use worker::{DurableObject, Env, Request, Response, State, durable_object};

const KEY: &str = "rec";

#[durable_object]
pub struct SessionObject {
    state: State,
    env: Env,
    /// `None`: not read from storage yet; `Some(None)`: no session here.
    rec: RefCell<Option<Option<SessionRecord>>>,
    /// Whether this instance has set the expiry alarm (see `save`).
    alarm_set: std::cell::Cell<bool>,
}

#[derive(Deserialize)]
struct StartArgs {
    session_id: String,
    session_number: u64,
    request: serde_json::Value,
}

#[derive(Deserialize)]
struct AdviceResultArgs {
    run_id: String,
    plan_type: PlanType,
    run_status: RunStatus,
}

impl SessionObject {
    async fn current(&self) -> Result<Option<SessionRecord>, ApiError> {
        if let Some(r) = self.rec.borrow().clone() {
            return Ok(r);
        }
        let text: Option<String> = self.state.storage().get(KEY).await.map_err(storage_error)?;
        let rec = match text {
            Some(t) => Some(serde_json::from_str::<SessionRecord>(&t).map_err(|e| {
                ApiError::new(ErrorCode::SessionStoreUnavailable, format!("stored session record is unreadable: {e}"))
            })?),
            None => None,
        };
        *self.rec.borrow_mut() = Some(rec.clone());
        Ok(rec)
    }

    /// The live record, or 404 (an expired one is deleted first).
    async fn live(&self, id: &str, now: u64) -> Result<SessionRecord, ApiError> {
        let rec = self.current().await?.ok_or_else(|| session::not_found(id))?;
        if let Err(e) = session::check_live(&rec, now) {
            self.erase(&rec).await?;
            return Err(e);
        }
        Ok(rec)
    }

    /// Writes the record and arms the expiry alarm.
    ///
    /// On real time the alarm is set once and not moved on every write (a
    /// storage write saved per fix): when it fires on a session that a later
    /// write kept alive, it re-arms for the record's `expires_at_ms`. Under
    /// the test clock the record's times are the test's, so the alarm moves
    /// on every write and fires only after a whole idle TTL.
    async fn save(&self, rec: &SessionRecord, now: u64, test_clock: bool) -> Result<(), ApiError> {
        *self.rec.borrow_mut() = Some(Some(rec.clone()));
        let text = serde_json::to_string(rec).map_err(|e| ApiError::new(ErrorCode::InternalError, e.to_string()))?;
        let storage = self.state.storage();
        storage.put(KEY, text).await.map_err(storage_error)?;
        if test_clock || !self.alarm_set.get() {
            let ttl_ms = rec.expires_at_ms.saturating_sub(now).max(1);
            storage.set_alarm(i64::try_from(ttl_ms).unwrap_or(i64::MAX)).await.map_err(storage_error)?;
            self.alarm_set.set(true);
        }
        Ok(())
    }

    /// Deletes everything of the session and drops it from the directory.
    async fn erase(&self, rec: &SessionRecord) -> Result<(), ApiError> {
        *self.rec.borrow_mut() = Some(None);
        self.alarm_set.set(false);
        let storage = self.state.storage();
        storage.delete_alarm().await.map_err(storage_error)?;
        storage.delete_all().await.map_err(storage_error)?;
        crate::directory::forget(&self.env, rec.session_number).await;
        Ok(())
    }

    async fn handle(&self, call: Internal) -> Result<serde_json::Value, ApiError> {
        let settings = crate::settings::get(&self.env)?;
        let rules = &settings.rules;
        let now = call.now_ms;
        let id = call.session_id.as_str();
        match call.op.as_str() {
            "start" => {
                let args: StartArgs = serde_json::from_value(call.body)
                    .map_err(|e| ApiError::new(ErrorCode::InternalError, format!("bad internal call: {e}")))?;
                if self.current().await?.is_some() {
                    return Err(ApiError::new(ErrorCode::InternalError, "session id already in use"));
                }
                let req: api::StartRequest = api::decode_value(&args.request)?;
                let cat = crate::catalog::get(&self.env).await;
                let hole = cat.catalog.hole(&req.course_id, req.hole_id)?;
                let rec = session::start(&req, args.session_id, args.session_number, &hole, rules, now)?;
                self.save(&rec, now, settings.test_clock).await?;
                Ok(json!(StartResponse { session_id: rec.session_id.clone(), hole_state: session::hole_state(&rec) }))
            }
            "get" => {
                let rec = self.live(id, now).await?;
                Ok(json!(HoleStateResponse { hole_state: session::hole_state(&rec) }))
            }
            "record" => Ok(json!(self.live(id, now).await?)),
            "summary" => Ok(json!(SessionSummary::from(&self.live(id, now).await?))),
            "delete" => {
                let rec = self.live(id, now).await?;
                self.erase(&rec).await?;
                Ok(json!(api::DeletedResponse::of(id)))
            }
            op => {
                let mut rec = self.live(id, now).await?;
                let cat = crate::catalog::get(&self.env).await;
                let hole = cat.catalog.hole(&rec.course_id, rec.hole_id)?;
                let (body, changed) = match op {
                    "set_cup_location" => {
                        let req: api::SetCupRequest = api::decode_value(&call.body)?;
                        session::set_cup(&mut rec, req.cup_wgs84, &hole, rules, now)?;
                        (json!(HoleStateResponse { hole_state: session::hole_state(&rec) }), true)
                    }
                    "set_ball_location" => {
                        let req: api::SetBallRequest = api::decode_value(&call.body)?;
                        let outcome = session::set_ball(&mut rec, &req.fix, &hole, rules, now)?;
                        let applied = matches!(outcome, BallOutcome::Applied { .. });
                        (json!(SetBallResponse { hole_state: session::hole_state(&rec), applied }), applied)
                    }
                    "set_ball_locations" => {
                        let req: api::SetBallsRequest = api::decode_value(&call.body)?;
                        let (applied, skipped) = session::set_balls(&mut rec, &req.fixes, &hole, rules, now)?;
                        let body = SetBallsResponse {
                            hole_state: session::hole_state(&rec),
                            applied,
                            skipped_duplicates: skipped,
                        };
                        (json!(body), applied > 0)
                    }
                    "advice_result" => {
                        let a: AdviceResultArgs = serde_json::from_value(call.body)
                            .map_err(|e| ApiError::new(ErrorCode::InternalError, format!("bad internal call: {e}")))?;
                        session::apply_advice_result(&mut rec, &a.run_id, a.plan_type, a.run_status, rules, now)?;
                        (json!(HoleStateResponse { hole_state: session::hole_state(&rec) }), true)
                    }
                    other => return Err(ApiError::new(ErrorCode::InternalError, format!("unknown op {other}"))),
                };
                if changed {
                    self.save(&rec, now, settings.test_clock).await?;
                }
                Ok(body)
            }
        }
    }
}

fn storage_error(e: worker::Error) -> ApiError {
    ApiError::new(ErrorCode::SessionStoreUnavailable, format!("Durable Object storage failed: {e}"))
}

impl DurableObject for SessionObject {
    fn new(state: State, env: Env) -> Self {
        SessionObject { state, env, rec: RefCell::new(None), alarm_set: std::cell::Cell::new(false) }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        let call = match Internal::read(req).await {
            Ok(c) => c,
            Err(e) => return internal_response(Err(e)),
        };
        internal_response(self.handle(call).await)
    }

    /// The alarm: a session a later write kept alive is re-armed for its
    /// expiry (real time only); otherwise the TTL ran out with no write since
    /// and the session is gone.
    async fn alarm(&self) -> worker::Result<Response> {
        let rec = self.current().await.ok().flatten();
        let test_clock = crate::settings::get(&self.env).map(|s| s.test_clock).unwrap_or(false);
        if let Some(r) = rec.as_ref().filter(|_| !test_clock) {
            let now = crate::settings::system_now_ms();
            if r.expires_at_ms > now {
                let left = i64::try_from(r.expires_at_ms - now).unwrap_or(i64::MAX);
                self.state.storage().set_alarm(left).await?;
                self.alarm_set.set(true);
                return Response::empty();
            }
        }
        *self.rec.borrow_mut() = Some(None);
        self.alarm_set.set(false);
        self.state.storage().delete_all().await?;
        if let Some(rec) = rec {
            crate::http::log("info", "session expired", &[("session_id", json!(rec.session_id))]);
            crate::directory::forget(&self.env, rec.session_number).await;
        }
        Response::empty()
    }
}
