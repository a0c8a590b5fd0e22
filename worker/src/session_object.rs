//! One Durable Object per session, named by the session id.
//!
//! Storage: `rec` = the core's `SessionRecord` as JSON (the same text the
//! Redis store keeps). The object keeps its copy in memory between requests;
//! every change is applied to the copy and the copy is written before the
//! answer leaves (the output gate holds the answer until the write is
//! durable). No `RefCell` borrow is held across an `await`.
//!
//! Input gates hold other requests only while *storage* is awaited. A write
//! loads what else it needs (the catalogue, a KV read on a cold isolate)
//! first, then reads the record, applies core and saves with nothing but
//! storage awaited in between: no write is ever applied to a copy another
//! request has already replaced (`server/tests/it/worker.rs` checks it with the
//! catalogue load slowed down).
//!
//! The alarm deletes all of the object's storage once the session has been
//! idle for `SESSION_TTL_S` (sliding TTL): it is armed at the first write and
//! re-armed for the record's expiry when it finds the session kept alive, so
//! a fix costs one storage write, not two. A request that finds an expired
//! record (an alarm not yet run) deletes it too and answers 404, as the
//! native stores do.

use crate::calls::{self, text};
use greenside_core::api::{HoleStateResponse, StartRequest, StartResponse};
use greenside_core::classify::PreparedHole;
use greenside_core::error::{ApiError, ErrorCode};
use greenside_core::listing::SessionSummary;
use greenside_core::operation::{self, Events, Operation};
use greenside_core::session::{self, SessionRecord};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::cell::RefCell;
use std::sync::Arc;
use worker::{DurableObject, Env, Request, Response, State, durable_object};

const KEY: &str = "rec";
/// The namespace binding of the session objects.
pub const BINDING: &str = "SESSIONS";

#[durable_object(alarm)]
pub struct SessionObject {
    state: State,
    env: Env,
    /// `None`: not read from storage yet; `Some(None)`: no session here.
    rec: RefCell<Option<Option<SessionRecord>>>,
    /// Whether this instance has set the expiry alarm (see `save`).
    alarm_set: std::cell::Cell<bool>,
}

/// A call from the front to one session's object.
#[derive(Debug, Serialize, Deserialize)]
pub struct SessionCall {
    pub session_id: String,
    pub now_ms: u64,
    pub ask: SessionAsk,
}

/// What the front asks of a session.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum SessionAsk {
    /// Creates the session (the front has its number from the directory).
    Start { session_number: u64, request: StartRequest },
    /// Applies a write through core; answers core's answer.
    Apply { op: Operation },
    /// Applies a write; answers the record after it (the advice flow).
    ApplyForRecord { op: Operation },
    /// `{hole_state}`.
    Get,
    /// The record itself.
    Record,
    /// The admin listing's row.
    Summary,
    /// Deletes the session.
    Delete,
}

/// Calls the session's object: its answer's JSON text.
pub async fn send(env: &Env, session_id: &str, now_ms: u64, ask: SessionAsk) -> Result<Vec<u8>, ApiError> {
    calls::send(env, BINDING, session_id, &SessionCall { session_id: session_id.into(), now_ms, ask }).await
}

/// [`send`] for an answer that goes to the client as it is: the object's
/// response (its body streamed through), and what a write did (fixes,
/// transitions, flickers), from the object's [`Events::HEADER`].
pub async fn pass_through(
    env: &Env,
    session_id: &str,
    now_ms: u64,
    ask: SessionAsk,
) -> Result<(worker::Response, Option<Events>), ApiError> {
    let call = SessionCall { session_id: session_id.into(), now_ms, ask };
    calls::pass_through(env, BINDING, session_id, &call).await
}

/// [`send`], the answer parsed.
pub async fn call<T: serde::de::DeserializeOwned>(
    env: &Env,
    session_id: &str,
    now_ms: u64,
    ask: SessionAsk,
) -> Result<T, ApiError> {
    calls::call(env, BINDING, session_id, &SessionCall { session_id: session_id.into(), now_ms, ask }).await
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
            let ttl_ms = greenside_core::session::time_left_ms(rec, now).unwrap_or(0).max(1);
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
        crate::directory::forget(&self.env, &rec.session_id, rec.session_number).await;
        Ok(())
    }

    /// A hole of this isolate's catalogue. Loading the catalogue is a KV
    /// read on a cold isolate: an await that is not storage, so input gates
    /// let other requests to this object run meanwhile. Every write
    /// therefore loads the hole *before* it reads the record, and nothing
    /// but storage is awaited between that read and the write.
    async fn hole(&self, course_id: &str, hole_id: u32, test_delay_ms: u64) -> Result<Arc<PreparedHole>, ApiError> {
        if test_delay_ms > 0 {
            // GREENSIDE_TEST_CATALOG_DELAY_MS (test clock only): the cold load made slow on purpose.
            worker::Delay::from(std::time::Duration::from_millis(test_delay_ms)).await;
        }
        crate::catalog::get(&self.env).await.catalog.hole(course_id, hole_id)
    }

    /// The call's answer, and core's events when it was a write.
    async fn handle(&self, call: SessionCall) -> Result<(Vec<u8>, Option<Events>), ApiError> {
        let settings = crate::settings::get(&self.env)?;
        let (rules, delay) = (&settings.rules, settings.test_catalog_delay_ms);
        let (id, now) = (call.session_id.as_str(), call.now_ms);
        match call.ask {
            SessionAsk::Start { session_number, request } => {
                let hole = self.hole(&request.course_id, request.hole_id, delay).await?;
                if self.current().await?.is_some() {
                    return Err(ApiError::new(ErrorCode::InternalError, "session id already in use"));
                }
                let rec = session::start(&request, id.into(), session_number, &hole, rules, now)?;
                self.save(&rec, now, settings.test_clock).await?;
                let body =
                    text(&StartResponse { session_id: rec.session_id.clone(), hole_state: session::hole_state(&rec) });
                Ok((body?, None))
            }
            SessionAsk::Apply { op } => self.apply(&settings, id, now, &op, false).await.map(|(b, e)| (b, Some(e))),
            SessionAsk::ApplyForRecord { op } => {
                self.apply(&settings, id, now, &op, true).await.map(|(b, e)| (b, Some(e)))
            }
            SessionAsk::Get => {
                Ok((text(&HoleStateResponse { hole_state: session::hole_state(&self.live(id, now).await?) })?, None))
            }
            SessionAsk::Record => Ok((text(&self.live(id, now).await?)?, None)),
            SessionAsk::Summary => Ok((text(&SessionSummary::from(&self.live(id, now).await?))?, None)),
            SessionAsk::Delete => {
                let rec = self.live(id, now).await?;
                self.erase(&rec).await?;
                Ok((text(&greenside_core::api::DeletedResponse::of(id))?, None))
            }
        }
    }

    /// One write: the hole (see [`Self::hole`]), then the live record, core's
    /// `apply`, and the save when core says the record changed.
    async fn apply(
        &self,
        settings: &crate::settings::Settings,
        id: &str,
        now: u64,
        op: &Operation,
        want_record: bool,
    ) -> Result<(Vec<u8>, Events), ApiError> {
        let (course_id, hole_id) = match self.current().await? {
            Some(r) => (r.course_id.clone(), r.hole_id),
            None => return Err(session::not_found(id)),
        };
        let hole = self.hole(&course_id, hole_id, settings.test_catalog_delay_ms).await?;
        let mut rec = self.live(id, now).await?;
        let applied = operation::apply(&mut rec, op, &hole, &settings.rules, now)?;
        if applied.save {
            self.save(&rec, now, settings.test_clock).await?;
        }
        let body = if want_record { text(&rec)? } else { applied.answer.to_json() };
        Ok((body, applied.events))
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
        let (answer, events) = match calls::read::<SessionCall>(req).await {
            Ok(call) => match self.handle(call).await {
                Ok((body, events)) => (Ok(body), events),
                Err(e) => (Err(e), None),
            },
            Err(e) => (Err(e), None),
        };
        let mut resp = calls::reply(answer)?;
        if let Some(e) = events {
            resp.headers_mut().set(Events::HEADER, &e.to_header())?;
        }
        Ok(resp)
    }

    /// The alarm: a session a later write kept alive is re-armed for its
    /// expiry (real time only); otherwise the TTL ran out with no write since
    /// and the session is gone.
    async fn alarm(&self) -> worker::Result<Response> {
        let rec = self.current().await.ok().flatten();
        let test_clock = crate::settings::get(&self.env).map(|s| s.test_clock).unwrap_or(false);
        if let Some(r) = rec.as_ref().filter(|_| !test_clock) {
            let now = crate::runtime::system_now_ms();
            if let Some(left) = greenside_core::session::time_left_ms(r, now) {
                let left = i64::try_from(left).unwrap_or(i64::MAX);
                self.state.storage().set_alarm(left).await?;
                self.alarm_set.set(true);
                return Response::empty();
            }
        }
        *self.rec.borrow_mut() = Some(None);
        self.alarm_set.set(false);
        self.state.storage().delete_all().await?;
        if let Some(rec) = rec {
            crate::runtime::log("info", "session expired", &[("session_id", json!(rec.session_id))]);
            crate::directory::forget(&self.env, &rec.session_id, rec.session_number).await;
        }
        Response::empty()
    }
}
