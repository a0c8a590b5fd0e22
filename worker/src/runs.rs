//! The `RunLog` Durable Object (one instance, named `runs`): advice runs in
//! the same newest-first order, filters, cursors and prune as the native
//! server (core's `service` functions). Debug bundles live in R2 (`BUNDLES`,
//! key `bundles/{run_id}.json`).
//!
//! ```text
//! r:{created_at_ms:016x}:{run_id}   the run as JSON (listing order)
//! id:{run_id}                       its r: key
//! ```
//! Runs are written only by the request that created them; one object keeps
//! the listing consistent (R2 or KV listings carry no bodies and KV's are
//! eventually consistent). One object serves about a thousand calls a second,
//! and each advice call makes three: shard by day if that is ever too few.

use crate::calls::{self, text};
use greenside_core::error::{ApiError, ErrorCode};
use greenside_core::listing::PruneReport;
use greenside_core::run::RunRecord;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use worker::{DurableObject, Env, ListOptions, Request, Response, State, durable_object};

pub const BINDING: &str = "RUNS";
pub const BUCKET: &str = "BUNDLES";
const NAME: &str = "runs";

#[durable_object]
pub struct RunLog {
    state: State,
}

/// What the front asks of the run log.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum RunCall {
    Put { run: RunRecord },
    Get { run_id: String },
    All,
    Prune { max_runs: u64, max_age_ms: u64, now_ms: u64 },
}

/// A prune's report as the object answers it (with the ids, for the bundles).
#[derive(Debug, Serialize, Deserialize)]
struct Pruned {
    scanned: u64,
    deleted: u64,
    kept: u64,
    deleted_ids: Vec<String>,
}

fn storage_error(e: worker::Error) -> ApiError {
    ApiError::new(ErrorCode::SessionStoreUnavailable, format!("Durable Object storage failed: {e}"))
}

fn order_key(r: &RunRecord) -> String {
    format!("r:{:016x}:{}", r.created_at_ms, r.run_id)
}

impl RunLog {
    /// Every run, newest first (`created_at_ms` desc, then `run_id` desc).
    async fn all(&self) -> Result<Vec<RunRecord>, ApiError> {
        let map = self
            .state
            .storage()
            .list_with_options(ListOptions::new().prefix("r:").reverse(true))
            .await
            .map_err(storage_error)?;
        let mut out = Vec::new();
        let mut bad = None;
        map.for_each(&mut |value, _| match value.as_string().map(|t| serde_json::from_str::<RunRecord>(&t)) {
            Some(Ok(r)) => out.push(r),
            _ => bad = Some(()),
        });
        if bad.is_some() {
            return Err(ApiError::new(ErrorCode::SessionStoreUnavailable, "a stored run is unreadable"));
        }
        out.sort_by(|a, b| (b.created_at_ms, &b.run_id).cmp(&(a.created_at_ms, &a.run_id)));
        Ok(out)
    }

    async fn handle(&self, call: RunCall) -> Result<Vec<u8>, ApiError> {
        let storage = self.state.storage();
        match call {
            RunCall::Put { run } => {
                let k = order_key(&run);
                // Stored as text (a string value), as `all` reads it back.
                let json =
                    serde_json::to_string(&run).map_err(|e| ApiError::new(ErrorCode::InternalError, e.to_string()))?;
                storage.put(&k, json).await.map_err(storage_error)?;
                storage.put(&format!("id:{}", run.run_id), k).await.map_err(storage_error)?;
                text(&())
            }
            RunCall::Get { run_id } => {
                let Some(k) = storage.get::<String>(&format!("id:{run_id}")).await.map_err(storage_error)? else {
                    return text(&());
                };
                let stored: Option<String> = storage.get(&k).await.map_err(storage_error)?;
                Ok(stored.map(String::into_bytes).unwrap_or_else(|| b"null".to_vec()))
            }
            RunCall::All => text(&self.all().await?),
            RunCall::Prune { max_runs, max_age_ms, now_ms } => {
                let all = self.all().await?;
                let doomed = greenside_core::listing::prune_plan(&all, Some(max_runs), Some(max_age_ms), now_ms);
                let by_id: std::collections::HashMap<&str, &RunRecord> =
                    all.iter().map(|r| (r.run_id.as_str(), r)).collect();
                let mut keys = Vec::new();
                for id in &doomed {
                    if let Some(r) = by_id.get(id.as_str()) {
                        keys.push(order_key(r));
                        keys.push(format!("id:{id}"));
                    }
                }
                for chunk in keys.chunks(128) {
                    storage.delete_multiple(chunk.to_vec()).await.map_err(storage_error)?;
                }
                let (scanned, deleted) = (all.len() as u64, doomed.len() as u64);
                text(&Pruned { scanned, deleted, kept: scanned - deleted, deleted_ids: doomed })
            }
        }
    }
}

impl DurableObject for RunLog {
    fn new(state: State, _env: Env) -> Self {
        RunLog { state }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        match calls::read::<RunCall>(req).await {
            Ok(call) => calls::reply(self.handle(call).await),
            Err(e) => calls::reply(Err(e)),
        }
    }
}

async fn call<T: serde::de::DeserializeOwned>(env: &Env, call: RunCall) -> Result<T, ApiError> {
    calls::call(env, BINDING, NAME, &call).await
}

pub async fn put(env: &Env, run: &RunRecord) -> Result<(), ApiError> {
    call(env, RunCall::Put { run: run.clone() }).await
}

pub async fn get(env: &Env, run_id: &str) -> Result<Option<RunRecord>, ApiError> {
    call(env, RunCall::Get { run_id: run_id.into() }).await
}

pub async fn all(env: &Env) -> Result<Vec<RunRecord>, ApiError> {
    call(env, RunCall::All).await
}

pub async fn prune(env: &Env, max_runs: u64, max_age_ms: u64, now_ms: u64) -> Result<PruneReport, ApiError> {
    let p: Pruned = call(env, RunCall::Prune { max_runs, max_age_ms, now_ms }).await?;
    Ok(PruneReport { scanned: p.scanned, deleted: p.deleted, kept: p.kept, deleted_ids: p.deleted_ids })
}

fn bundle_key(run_id: &str) -> String {
    format!("bundles/{run_id}.json")
}

/// Writes a debug bundle; a failure is logged, never fatal to the request.
pub async fn write_bundle(env: &Env, bundle: Option<&greenside_core::bundle::Bundle>) {
    let Some(bundle) = bundle else { return };
    let result = async {
        let text = serde_json::to_vec_pretty(bundle).map_err(|e| e.to_string())?;
        let bucket = env.bucket(BUCKET).map_err(|e| e.to_string())?;
        bucket.put(bundle_key(&bundle.run.run_id), text).execute().await.map_err(|e| e.to_string())?;
        Ok::<(), String>(())
    }
    .await;
    if let Err(e) = result {
        crate::runtime::log(
            "warn",
            "debug bundle not written",
            &[("run_id", json!(bundle.run.run_id)), ("error", json!(e))],
        );
    }
}

pub async fn read_bundle(env: &Env, run_id: &str) -> Option<Value> {
    let bucket = env.bucket(BUCKET).ok()?;
    let obj = bucket.get(bundle_key(run_id)).execute().await.ok()??;
    let text = obj.body()?.text().await.ok()?;
    serde_json::from_str(&text).ok()
}

/// Removes the bundles of pruned runs; returns how many went.
pub async fn remove_bundles(env: &Env, run_ids: &[String]) -> usize {
    let Ok(bucket) = env.bucket(BUCKET) else { return 0 };
    let mut n = 0;
    for id in run_ids {
        let key = bundle_key(id);
        if matches!(bucket.head(key.clone()).await, Ok(Some(_))) && bucket.delete(key).await.is_ok() {
            n += 1;
        }
    }
    n
}
