//! Rounds on the edge: one `RoundObject` Durable Object per round (named by
//! the round id) holds its record, JSON exactly as the native stores hold
//! it, and orders the round's writes; one more object of the same class,
//! named [`INDEX_NAME`], keeps the listing in SQL (core's `ROUNDS_SCHEMA`
//! and page statement, the native SQLite store's): a round's object adds
//! its summary when it starts and takes it out when it is deleted. One
//! class for both keeps the worker's code smaller (each class is its own
//! generated glue).
//!
//! A write loads the course first (a KV read on a cold isolate: an await
//! that is not storage), then reads the record, applies core's
//! `round::apply` and saves with nothing but storage awaited in between, as
//! the session objects do. Rounds are kept, not expired.

use crate::calls::{self, text};
use greenside_core::api::{self, RoundStartRequest};
use greenside_core::error::{ApiError, ErrorCode};
use greenside_core::listing::{ROUNDS_SCHEMA, RoundsPageBuilder, RoundsQuery, rounds_page_query};
use greenside_core::round::{self, RoundDeleted, RoundOp, RoundRecord, RoundSummary};
use serde::{Deserialize, Serialize};
use std::cell::{Cell, RefCell};
use worker::{DurableObject, Env, Request, Response, SqlStorageValue, State, durable_object};

const KEY: &str = "rec";
/// The namespace binding of the round objects.
pub const BINDING: &str = "ROUNDS";
/// The listing object's name (round ids start `gr_`, so it is no round's).
const INDEX_NAME: &str = "round-index";

fn storage_error(e: worker::Error) -> ApiError {
    ApiError::new(ErrorCode::RoundStoreUnavailable, format!("Durable Object storage failed: {e}"))
}

/// A call from the front to one round's object.
#[derive(Debug, Serialize, Deserialize)]
pub struct RoundCall {
    pub round_id: String,
    pub now_ms: u64,
    pub ask: RoundAsk,
}

/// What the front asks of a round. Request bodies come as the client sent
/// them (the front has checked them): the object decodes them with core,
/// so no request type needs a derived deserializer in this wasm.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum RoundAsk {
    Start {
        body: String,
    },
    Apply {
        write: RoundWrite,
        body: String,
    },
    Get,
    /// The record itself (the advice flow).
    Record,
    Gpx,
    Csv,
    Delete,
}

/// What a `RoundObject` is sent: a round's call, or the listing's.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum ObjectCall {
    Round(RoundCall),
    Index(IndexCall),
}

/// Which write a body is.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundWrite {
    SetBallLocation,
    NextHole,
    SetScore,
}

impl RoundWrite {
    /// Core's operation, from the body.
    fn op(self, body: &str) -> Result<RoundOp, ApiError> {
        let b = body.as_bytes();
        Ok(match self {
            RoundWrite::SetBallLocation => RoundOp::SetBallLocation(api::decode(b)?),
            RoundWrite::NextHole => RoundOp::NextHole(api::decode(b)?),
            RoundWrite::SetScore => RoundOp::SetScore(api::decode(b)?),
        })
    }
}

/// Calls the round's object: its answer's text.
pub async fn send(env: &Env, round_id: &str, now_ms: u64, ask: RoundAsk) -> Result<Vec<u8>, ApiError> {
    let call = ObjectCall::Round(RoundCall { round_id: round_id.into(), now_ms, ask });
    calls::send(env, BINDING, round_id, &call).await
}

/// Calls the listing's object.
async fn index(env: &Env, call: IndexCall) -> Result<Vec<u8>, ApiError> {
    calls::send(env, BINDING, INDEX_NAME, &ObjectCall::Index(call)).await
}

/// What the front asks of the listing.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum IndexCall {
    Add { summary: RoundSummary },
    Remove { round_id: String },
    Page { limit: usize, cursor: Option<(u64, String)> },
}

/// One page of `GET /api/rounds`.
pub async fn page(env: &Env, q: &RoundsQuery) -> Result<Vec<u8>, ApiError> {
    index(env, IndexCall::Page { limit: q.limit, cursor: q.cursor.clone() }).await
}

#[durable_object(fetch)]
pub struct RoundObject {
    state: State,
    env: Env,
    /// `None`: not read from storage yet; `Some(None)`: no round here.
    rec: RefCell<Option<Option<RoundRecord>>>,
    /// The listing's object: whether this instance has made its table.
    ready: Cell<bool>,
}

impl RoundObject {
    async fn current(&self) -> Result<Option<RoundRecord>, ApiError> {
        if let Some(r) = self.rec.borrow().clone() {
            return Ok(r);
        }
        let text: Option<String> = self.state.storage().get(KEY).await.map_err(storage_error)?;
        let rec = text
            .map(|t| {
                serde_json::from_str::<RoundRecord>(&t).map_err(|e| {
                    ApiError::new(ErrorCode::RoundStoreUnavailable, format!("stored round record is unreadable: {e}"))
                })
            })
            .transpose()?;
        *self.rec.borrow_mut() = Some(rec.clone());
        Ok(rec)
    }

    async fn save(&self, rec: &RoundRecord) -> Result<(), ApiError> {
        let text = serde_json::to_string(rec).map_err(|e| ApiError::new(ErrorCode::InternalError, e.to_string()))?;
        self.state.storage().put(KEY, text).await.map_err(storage_error)?;
        *self.rec.borrow_mut() = Some(Some(rec.clone()));
        Ok(())
    }

    async fn live(&self, id: &str) -> Result<RoundRecord, ApiError> {
        self.current().await?.ok_or_else(|| round::not_found(id))
    }

    async fn handle(&self, call: RoundCall) -> Result<Vec<u8>, ApiError> {
        let settings = crate::settings::get(&self.env)?;
        let (id, now) = (call.round_id.as_str(), call.now_ms);
        match call.ask {
            RoundAsk::Start { body } => {
                let request: RoundStartRequest = api::decode(body.as_bytes())?;
                let catalog = crate::catalog::get(&self.env).await;
                let course = catalog.catalog.course(&request.course_id)?;
                let holes = course.holes_in_order();
                if self.current().await?.is_some() {
                    return Err(ApiError::new(ErrorCode::InternalError, "round id already in use"));
                }
                let rec = round::start(&request, id.into(), &course.course, &holes, now)?;
                self.save(&rec).await?;
                // Listed once kept; a listing that cannot take it undoes the start.
                if let Err(e) = index(&self.env, IndexCall::Add { summary: round::summary(&rec) }).await {
                    self.state.storage().delete_all().await.map_err(storage_error)?;
                    *self.rec.borrow_mut() = Some(None);
                    return Err(e);
                }
                Ok(round::answer_json(&rec))
            }
            RoundAsk::Apply { write, body } => {
                let op = write.op(&body)?;
                let course_id = self.live(id).await?.course_id;
                let catalog = crate::catalog::get(&self.env).await;
                let course = catalog.catalog.course(&course_id)?;
                let holes = course.holes_in_order();
                let mut rec = self.live(id).await?;
                let applied = round::apply(&mut rec, &op, &holes, &settings.rules, now)?;
                if applied.save {
                    self.save(&rec).await?;
                }
                Ok(applied.answer)
            }
            RoundAsk::Get => Ok(round::answer_json(&self.live(id).await?)),
            RoundAsk::Record => text(&self.live(id).await?),
            RoundAsk::Gpx => Ok(round::export::gpx(&self.live(id).await?).into_bytes()),
            RoundAsk::Csv => Ok(round::export::csv(&self.live(id).await?).into_bytes()),
            RoundAsk::Delete => {
                self.live(id).await?;
                index(&self.env, IndexCall::Remove { round_id: id.into() }).await?;
                self.state.storage().delete_all().await.map_err(storage_error)?;
                *self.rec.borrow_mut() = Some(None);
                text(&RoundDeleted::of(id))
            }
        }
    }
}

impl DurableObject for RoundObject {
    fn new(state: State, env: Env) -> Self {
        RoundObject { state, env, rec: RefCell::new(None), ready: Cell::new(false) }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        let answer = match calls::read::<ObjectCall>(req).await {
            Ok(ObjectCall::Round(call)) => self.handle(call).await,
            Ok(ObjectCall::Index(call)) => self.index(call),
            Err(e) => Err(e),
        };
        calls::reply(answer)
    }
}

#[derive(Deserialize)]
struct SummaryRow {
    summary: String,
}

fn int(n: u64) -> SqlStorageValue {
    SqlStorageValue::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

/// The listing's object.
impl RoundObject {
    fn exec(&self, sql: &str, args: Vec<SqlStorageValue>) -> Result<(), ApiError> {
        let cursor = self.state.storage().sql().exec(sql, args).map_err(storage_error)?;
        cursor.raw().for_each(drop);
        Ok(())
    }

    fn ready(&self) -> Result<(), ApiError> {
        if !self.ready.get() {
            for statement in ROUNDS_SCHEMA {
                self.exec(statement, Vec::new())?;
            }
            self.ready.set(true);
        }
        Ok(())
    }

    fn index(&self, call: IndexCall) -> Result<Vec<u8>, ApiError> {
        self.ready()?;
        match call {
            IndexCall::Add { summary } => {
                let json = text(&summary)?;
                let json = String::from_utf8(json).unwrap_or_default();
                self.exec(
                    "INSERT OR REPLACE INTO rounds (round_id, created_at_ms, summary) VALUES (?, ?, ?)",
                    vec![
                        SqlStorageValue::String(summary.round_id.clone()),
                        int(summary.created_at_ms),
                        SqlStorageValue::String(json),
                    ],
                )?;
                text(&())
            }
            IndexCall::Remove { round_id } => {
                self.exec("DELETE FROM rounds WHERE round_id = ?", vec![SqlStorageValue::String(round_id)])?;
                text(&())
            }
            IndexCall::Page { limit, cursor } => {
                let q = RoundsQuery { limit, cursor };
                let (sql, args) = rounds_page_query(&q);
                let args: Vec<SqlStorageValue> = args.into_iter().map(crate::runs::sql_value).collect();
                let rows: Vec<SummaryRow> =
                    self.state.storage().sql().exec(sql, args).and_then(|c| c.to_array()).map_err(storage_error)?;
                let mut page = RoundsPageBuilder::new(&q);
                for r in rows {
                    let s: RoundSummary = serde_json::from_str(&r.summary)
                        .map_err(|e| ApiError::new(ErrorCode::RoundStoreUnavailable, e.to_string()))?;
                    if !page.offer(&s) {
                        break;
                    }
                }
                text(&page.finish())
            }
        }
    }
}
