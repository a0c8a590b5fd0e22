//! The `RunLog` Durable Object (one instance, named `runs`): advice runs in
//! the same newest-first order, filters, cursors and prune as the native
//! server (core's `service` functions). Debug bundles live in R2 (`BUNDLES`,
//! key `bundles/{run_id}.json`).
//!
//! ```text
//! r:{created_at_ms:016x}:{run_id}   the run as JSON (listing order)
//! id:{run_id}                       its r: key
//! ```
//! A page walks the `r:` keys backwards from the cursor in batches (the
//! time index), never every run. Retention is the object's alarm: armed by
//! the first write, it prunes with `RUNS_PRUNE_MAX_RUNS` and
//! `RUNS_PRUNE_MAX_AGE_DAYS` every `RUNS_RETENTION_INTERVAL_S` (bundles in
//! R2 with their runs) and re-arms while runs remain.
//!
//! Runs are written only by the request that created them; one object keeps
//! the listing consistent (R2 or KV listings carry no bodies and KV's are
//! eventually consistent). One object serves about a thousand calls a second,
//! and each advice call makes three: shard by day if that is ever too few.

use crate::calls::{self, text};
use greenside_core::error::{ApiError, ErrorCode};
use greenside_core::listing::{PruneReport, RunCursor, RunsPageBuilder, RunsQuery};
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
    env: Env,
    /// Whether this instance has seen the retention alarm armed.
    alarm_armed: std::cell::Cell<bool>,
}

/// Under the test clock: the latest run time this object has seen (the
/// alarm's "now"; the runs' times are the test's).
const TEST_NOW_KEY: &str = "test_now";

/// What the front asks of the run log.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum RunCall {
    Put {
        run: RunRecord,
    },
    Get {
        run_id: String,
    },
    /// One `GET /runs/v1` page; the query as the front received it (already
    /// validated there).
    Page {
        query: Vec<(String, String)>,
    },
    Prune {
        max_runs: u64,
        max_age_ms: u64,
        now_ms: u64,
    },
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
    /// Every run, newest first (`created_at_ms` desc, then `run_id` desc):
    /// a prune's input.
    async fn all(&self) -> Result<Vec<RunRecord>, ApiError> {
        let q = RunsQuery { filter: Default::default(), limit: usize::MAX, cursor: None };
        Ok(self.page(&q).await?.0)
    }

    /// A page through the `r:` keys, newest first, from the cursor (or the
    /// `created_to_ms` bound) down to `created_from_ms`, in batches, until
    /// the page and one more match are found.
    async fn page(&self, q: &RunsQuery) -> Result<(Vec<RunRecord>, Option<RunCursor>), ApiError> {
        let storage = self.state.storage();
        // ';' sorts right after ':', so "r;" is past every "r:" key.
        let mut end = "r;".to_string();
        if let Some(to) = q.filter.created_to_ms {
            end = end.min(format!("r:{to:016x}"));
        }
        if let Some((t, id)) = &q.cursor {
            end = end.min(format!("r:{t:016x}:{id}"));
        }
        let start = format!("r:{:016x}", q.filter.created_from_ms.unwrap_or(0));
        let batch = q.limit.saturating_add(1).clamp(64, 512);
        let mut page = RunsPageBuilder::new(q);
        loop {
            let map = storage
                .list_with_options(ListOptions::new().start(&start).end(&end).reverse(true).limit(batch))
                .await
                .map_err(storage_error)?;
            let (mut n, mut last, mut bad, mut done) = (0, None, false, false);
            map.for_each(&mut |value, key| {
                n += 1;
                last = key.as_string();
                if done {
                    return;
                }
                match value.as_string().map(|t| serde_json::from_str::<RunRecord>(&t)) {
                    Some(Ok(r)) => done = !page.offer(&r),
                    _ => bad = true,
                }
            });
            if bad {
                return Err(ApiError::new(ErrorCode::SessionStoreUnavailable, "a stored run is unreadable"));
            }
            match last {
                Some(k) if !done && n == batch => end = k,
                _ => break,
            }
        }
        Ok(page.finish())
    }

    /// Arms the retention alarm if it is not (once per instance, then only
    /// when the alarm has fired); under the test clock, keeps the latest
    /// run time as the alarm's now.
    async fn after_put(&self, run: &RunRecord) -> Result<(), ApiError> {
        let Ok(s) = crate::settings::get(&self.env) else { return Ok(()) };
        let storage = self.state.storage();
        if s.test_clock {
            let t = run.created_at_ms.max(run.finished_at_ms.unwrap_or(0));
            let seen: u64 = storage.get(TEST_NOW_KEY).await.map_err(storage_error)?.unwrap_or(0);
            if t > seen {
                storage.put(TEST_NOW_KEY, t).await.map_err(storage_error)?;
            }
        }
        if s.runs_retention_interval_s == 0 || self.alarm_armed.get() {
            return Ok(());
        }
        if storage.get_alarm().await.map_err(storage_error)?.is_none() {
            let ms = s.runs_retention_interval_s.saturating_mul(1000);
            storage.set_alarm(i64::try_from(ms).unwrap_or(i64::MAX)).await.map_err(storage_error)?;
        }
        self.alarm_armed.set(true);
        Ok(())
    }

    /// Deletes what core's `prune_plan` deletes, with the index entries.
    async fn prune(&self, max_runs: u64, max_age_ms: u64, now_ms: u64) -> Result<Pruned, ApiError> {
        let storage = self.state.storage();
        let all = self.all().await?;
        let doomed = greenside_core::listing::prune_plan(&all, Some(max_runs), Some(max_age_ms), now_ms);
        let by_id: std::collections::HashMap<&str, &RunRecord> = all.iter().map(|r| (r.run_id.as_str(), r)).collect();
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
        Ok(Pruned { scanned, deleted, kept: scanned - deleted, deleted_ids: doomed })
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
                self.after_put(&run).await?;
                text(&())
            }
            RunCall::Get { run_id } => {
                let Some(k) = storage.get::<String>(&format!("id:{run_id}")).await.map_err(storage_error)? else {
                    return text(&());
                };
                let stored: Option<String> = storage.get(&k).await.map_err(storage_error)?;
                Ok(stored.map(String::into_bytes).unwrap_or_else(|| b"null".to_vec()))
            }
            RunCall::Page { query } => {
                let q = greenside_core::listing::parse_runs_query(|k| {
                    query.iter().find(|(name, _)| name == k).map(|(_, v)| v.clone())
                })?;
                text(&self.page(&q).await?)
            }
            RunCall::Prune { max_runs, max_age_ms, now_ms } => text(&self.prune(max_runs, max_age_ms, now_ms).await?),
        }
    }
}

impl DurableObject for RunLog {
    fn new(state: State, env: Env) -> Self {
        RunLog { state, env, alarm_armed: std::cell::Cell::new(false) }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        match calls::read::<RunCall>(req).await {
            Ok(call) => calls::reply(self.handle(call).await),
            Err(e) => calls::reply(Err(e)),
        }
    }

    /// Retention: prune with the settings' limits, remove the pruned runs'
    /// bundles, re-arm while runs remain.
    async fn alarm(&self) -> worker::Result<Response> {
        self.alarm_armed.set(false);
        let s = match crate::settings::get(&self.env) {
            Ok(s) => s,
            Err(e) => {
                crate::runtime::log("warn", "retention: settings unreadable", &[("error", json!(e.message))]);
                return Response::empty();
            }
        };
        let now = if s.test_clock {
            self.state.storage().get::<u64>(TEST_NOW_KEY).await?.unwrap_or(0)
        } else {
            crate::runtime::system_now_ms()
        };
        let max_age_ms = s.runs_prune_max_age_days.saturating_mul(86_400_000);
        match self.prune(s.runs_prune_max_runs, max_age_ms, now).await {
            Ok(p) => {
                let bundles = remove_bundles(&self.env, &p.deleted_ids).await;
                if p.deleted > 0 {
                    crate::runtime::log(
                        "info",
                        "runs pruned",
                        &[
                            ("scanned", json!(p.scanned)),
                            ("deleted", json!(p.deleted)),
                            ("bundles", json!(bundles)),
                            ("trigger", json!("retention")),
                        ],
                    );
                }
                if p.kept > 0 && s.runs_retention_interval_s > 0 {
                    let ms = s.runs_retention_interval_s.saturating_mul(1000);
                    self.state.storage().set_alarm(i64::try_from(ms).unwrap_or(i64::MAX)).await?;
                    self.alarm_armed.set(true);
                }
            }
            Err(e) => crate::runtime::log("warn", "retention: prune failed", &[("error", json!(e.message))]),
        }
        Response::empty()
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

/// One `GET /runs/v1` page (the query already validated by the caller).
pub async fn page(env: &Env, query: Vec<(String, String)>) -> Result<(Vec<RunRecord>, Option<RunCursor>), ApiError> {
    call(env, RunCall::Page { query }).await
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
