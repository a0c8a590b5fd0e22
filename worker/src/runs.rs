//! The `RunLog` Durable Objects: `RUN_LOG_SHARDS` of them (default 8), each
//! holding the advice runs whose id falls in it (core's `shard::of`), in a
//! SQL table with core's schema and statements (`runs_sql`), the same the
//! native SQLite store runs. Shard 0 is named `runs` (the one object of
//! earlier versions), shard k `runs-{k}`. Debug bundles live in R2
//! (`BUNDLES`, key `bundles/{run_id}.json`).
//!
//! - **Listing.** A page asks every shard for its own page of the query
//!   (one indexed query each, `limit + 1` rows) and merges them with core's
//!   `merge_runs_pages`: the newest `limit` of them all, the next cursor
//!   being the last run returned, so no run is skipped or repeated across
//!   shards.
//! - **Prune and retention.** `max_runs` counts over every shard: core's
//!   `NthNewest` finds the run at that index by counting (each round one
//!   `COUNT(*)` call per shard with 31 probe times), never by reading runs;
//!   each shard then deletes its terminal runs at or before it, or older
//!   than the age limit, in one statement. Retention is shard 0's alarm
//!   (armed through shard 0 by the first write of each shard's instance,
//!   re-armed while runs remain), which runs that prune over every shard.
//! - **Runs kept before the SQL table** (as key-value entries `r:{time}:{id}`
//!   and `id:{id}`) are moved into it the first time an instance of the
//!   object is used.
//!
//! Runs are written only by the request that created them; each advice call
//! writes its run up to three times, all to the run's one shard.

use crate::calls::{self, text};
use greenside_core::error::{ApiError, ErrorCode};
use greenside_core::listing::{PruneReport, Retention, RunCursor, RunsQuery};
use greenside_core::run::RunRecord;
use greenside_core::runs_sql::{self, Arg};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::cell::Cell;
use worker::{DurableObject, Env, ListOptions, Request, Response, SqlStorageValue, State, durable_object};

pub const BINDING: &str = "RUNS";
/// The name of shard 0 (shard k is `{NAME}-{k}`).
const NAME: &str = "runs";
pub const BUCKET: &str = "BUNDLES";

#[durable_object(alarm)]
pub struct RunLog {
    state: State,
    env: Env,
    /// Whether this instance has the table (and moved any older entries).
    ready: Cell<bool>,
    /// Whether this instance has had shard 0 arm the retention alarm.
    alarm_armed: Cell<bool>,
}

/// Under the test clock, in shard 0: the latest request time a run was
/// made at, as the shards report it (the alarm's "now"; the runs' times
/// are the test's).
const TEST_NOW_KEY: &str = "test_now";

/// What the front (or shard 0's alarm) asks of a run-log shard.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum RunCall {
    /// Writes a run; `shard` is this object's (so it knows whether it is 0).
    Put {
        run: RunRecord,
        shard: u32,
    },
    Get {
        run_id: String,
    },
    /// This shard's page of a `GET /runs/v1` query, as the front received it
    /// (already validated there).
    Page {
        query: Vec<(String, String)>,
    },
    /// How many runs, and the oldest and newest times ([`Stats`]).
    Stats,
    /// How many runs are at or after each time.
    CountFrom {
        times: Vec<u64>,
    },
    /// The ids of the runs at exactly `t`.
    AtTime {
        t: u64,
    },
    /// Deletes terminal runs at or before `boundary` or older than `max_age_ms`.
    Prune {
        boundary: Option<RunCursor>,
        max_age_ms: u64,
        now_ms: u64,
    },
    /// Shard 0: arms the retention alarm when none is set; under the test
    /// clock, `t` is a run time a shard has seen.
    Arm {
        t: Option<u64>,
    },
    /// How many entries of earlier versions could not be read and were set
    /// aside (under [`SET_ASIDE_PREFIX`]) instead of moved.
    SetAside,
    /// Under the test clock only (the front refuses it otherwise): writes
    /// key-value entries as earlier versions kept runs, and has the next
    /// call move them again.
    TestLegacy {
        entries: Vec<(String, String)>,
    },
}

/// Where an entry of an earlier version that cannot be read is kept (its
/// key after the prefix, its value as it was), for someone to look at.
pub const SET_ASIDE_PREFIX: &str = "unreadable:";

/// One shard's counts.
#[derive(Debug, Serialize, Deserialize)]
pub struct Stats {
    n: u64,
    oldest: Option<u64>,
    newest: Option<u64>,
}

/// A shard's prune: how many runs it had, and the ids it deleted.
#[derive(Debug, Serialize, Deserialize)]
struct Pruned {
    scanned: u64,
    deleted_ids: Vec<String>,
}

fn storage_error(e: worker::Error) -> ApiError {
    ApiError::new(ErrorCode::SessionStoreUnavailable, format!("Durable Object storage failed: {e}"))
}

fn unreadable() -> ApiError {
    ApiError::new(ErrorCode::SessionStoreUnavailable, "a stored run is unreadable")
}

/// One of core's SQL arguments as Durable Object SQL takes it.
pub fn sql_value(a: Arg) -> SqlStorageValue {
    match a {
        Arg::Int(i) => SqlStorageValue::Integer(i),
        Arg::Text(t) => SqlStorageValue::String(t),
        Arg::Null => SqlStorageValue::Null,
    }
}

fn values(args: Vec<Arg>) -> Vec<SqlStorageValue> {
    args.into_iter().map(sql_value).collect()
}

fn stored(ms: u64) -> SqlStorageValue {
    SqlStorageValue::Integer(runs_sql::stored_ms(ms).unwrap_or(i64::MAX))
}

#[derive(Deserialize)]
struct RunRow {
    run: String,
}

#[derive(Deserialize)]
struct IdRow {
    run_id: String,
}

#[derive(Deserialize)]
struct CountRow {
    n: u64,
}

impl RunLog {
    /// Runs `sql` and reads every row as `T`.
    fn rows<T: serde::de::DeserializeOwned>(&self, sql: &str, args: Vec<SqlStorageValue>) -> Result<Vec<T>, ApiError> {
        self.state.storage().sql().exec(sql, args).and_then(|c| c.to_array()).map_err(storage_error)
    }

    /// Runs a statement that answers no rows.
    fn run_sql(&self, sql: &str, args: Vec<SqlStorageValue>) -> Result<(), ApiError> {
        let cursor = self.state.storage().sql().exec(sql, args).map_err(storage_error)?;
        cursor.raw().for_each(drop);
        Ok(())
    }

    fn put_sql(&self, run: &RunRecord) -> Result<(), ApiError> {
        let json = serde_json::to_string(run).map_err(|e| ApiError::new(ErrorCode::InternalError, e.to_string()))?;
        let args = runs_sql::put_args(run, json)
            .ok_or_else(|| ApiError::new(ErrorCode::InternalError, "a run time past what SQLite stores"))?;
        self.run_sql(runs_sql::PUT, values(args))
    }

    /// The table, once per instance; runs kept as key-value entries by
    /// earlier versions are moved into it.
    async fn ensure(&self) -> Result<(), ApiError> {
        if self.ready.get() {
            return Ok(());
        }
        for statement in runs_sql::SCHEMA {
            self.run_sql(statement, Vec::new())?;
        }
        let storage = self.state.storage();
        loop {
            let map =
                storage.list_with_options(ListOptions::new().prefix("r:").limit(128)).await.map_err(storage_error)?;
            let mut keys = Vec::new();
            let mut runs = Vec::new();
            let mut unreadable = Vec::new();
            map.for_each(&mut |value, key| {
                let Some(k) = key.as_string() else { return };
                let text = value.as_string().or_else(|| js_sys::JSON::stringify(&value).ok().map(String::from));
                match text.as_deref().map(serde_json::from_str::<RunRecord>) {
                    Some(Ok(r)) => runs.push(r),
                    // Kept, not lost: set aside under its own prefix.
                    _ => unreadable.push((k.clone(), text.unwrap_or_default())),
                }
                keys.push(k);
            });
            if keys.is_empty() {
                break;
            }
            for (k, text) in &unreadable {
                storage.put(&format!("{SET_ASIDE_PREFIX}{k}"), text).await.map_err(storage_error)?;
                crate::runtime::log(
                    "warn",
                    "a run entry of an earlier version is unreadable: set aside",
                    &[("key", json!(k)), ("set_aside_as", json!(format!("{SET_ASIDE_PREFIX}{k}")))],
                );
            }
            for r in &runs {
                self.put_sql(r)?;
                keys.push(format!("id:{}", r.run_id));
            }
            for chunk in keys.chunks(128) {
                storage.delete_multiple(chunk.to_vec()).await.map_err(storage_error)?;
            }
        }
        self.ready.set(true);
        Ok(())
    }

    fn page(&self, q: &RunsQuery) -> Result<(Vec<RunRecord>, Option<RunCursor>), ApiError> {
        let Some((sql, args)) = runs_sql::page_query(q) else { return Ok((Vec::new(), None)) };
        let rows: Vec<RunRow> = self.rows(&sql, values(args))?;
        let mut runs = rows
            .iter()
            .map(|r| serde_json::from_str::<RunRecord>(&r.run).map_err(|_| unreadable()))
            .collect::<Result<Vec<_>, _>>()?;
        let more = runs.len() > q.limit;
        runs.truncate(q.limit);
        let next = if more { runs.last().map(|r| (r.created_at_ms, r.run_id.clone())) } else { None };
        Ok((runs, next))
    }

    fn count(&self) -> Result<u64, ApiError> {
        let rows: Vec<CountRow> = self.rows("SELECT COUNT(*) AS n FROM runs", Vec::new())?;
        Ok(rows.first().map_or(0, |r| r.n))
    }

    fn prune(&self, boundary: Option<&RunCursor>, max_age_ms: u64, now_ms: u64) -> Result<Pruned, ApiError> {
        let scanned = self.count()?;
        let Some((cond, args)) = runs_sql::prune_condition(boundary, Some(max_age_ms), now_ms) else {
            return Ok(Pruned { scanned, deleted_ids: Vec::new() });
        };
        let sql = format!("SELECT run_id FROM runs WHERE {cond}{}", runs_sql::NEWEST_FIRST);
        let ids: Vec<IdRow> = self.rows(&sql, values(args.clone()))?;
        self.run_sql(&format!("DELETE FROM runs WHERE {cond}"), values(args))?;
        Ok(Pruned { scanned, deleted_ids: ids.into_iter().map(|r| r.run_id).collect() })
    }

    /// Shard 0: arms the alarm unless this instance knows it is armed; under
    /// the test clock, keeps the latest run time as the alarm's now.
    async fn arm(&self, t: Option<u64>) -> Result<(), ApiError> {
        let Ok(s) = crate::settings::get(&self.env) else { return Ok(()) };
        let storage = self.state.storage();
        if let Some(t) = t.filter(|_| s.test_clock) {
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

    /// After a write: has shard 0 arm the alarm (once per instance; every
    /// write under the test clock, to pass the run's time).
    async fn after_put(&self, run: &RunRecord, shard: u32) {
        let Ok(s) = crate::settings::get(&self.env) else { return };
        // The request time the run was made at (its finish adds real elapsed time).
        let t = s.test_clock.then_some(run.created_at_ms);
        if self.alarm_armed.get() && t.is_none() {
            return;
        }
        let r = if shard == 0 {
            self.arm(t).await
        } else {
            call::<()>(&self.env, 0, &RunCall::Arm { t }).await.map(|()| self.alarm_armed.set(true))
        };
        if let Err(e) = r {
            crate::runtime::log("warn", "retention: the alarm could not be armed", &[("error", json!(e.message))]);
        }
    }

    async fn handle(&self, call: RunCall) -> Result<Vec<u8>, ApiError> {
        self.ensure().await?;
        match call {
            RunCall::Put { run, shard } => {
                self.put_sql(&run)?;
                self.after_put(&run, shard).await;
                text(&())
            }
            RunCall::Get { run_id } => {
                let rows: Vec<RunRow> =
                    self.rows("SELECT run FROM runs WHERE run_id = ?", vec![SqlStorageValue::String(run_id)])?;
                Ok(rows.into_iter().next().map_or_else(|| b"null".to_vec(), |r| r.run.into_bytes()))
            }
            RunCall::Page { query } => {
                let q = greenside_core::listing::parse_runs_query(|k| {
                    query.iter().find(|(name, _)| name == k).map(|(_, v)| v.clone())
                })?;
                text(&self.page(&q)?)
            }
            RunCall::Stats => {
                #[derive(Deserialize)]
                struct Row {
                    n: u64,
                    oldest: Option<u64>,
                    newest: Option<u64>,
                }
                let rows: Vec<Row> = self.rows(
                    "SELECT COUNT(*) AS n, MIN(created_at_ms) AS oldest, MAX(created_at_ms) AS newest FROM runs",
                    Vec::new(),
                )?;
                let r = rows.into_iter().next().unwrap_or(Row { n: 0, oldest: None, newest: None });
                text(&Stats { n: r.n, oldest: r.oldest, newest: r.newest })
            }
            RunCall::CountFrom { times } => {
                let mut counts = Vec::with_capacity(times.len());
                for t in times {
                    let rows: Vec<CountRow> =
                        self.rows("SELECT COUNT(*) AS n FROM runs WHERE created_at_ms >= ?", vec![stored(t)])?;
                    counts.push(rows.first().map_or(0, |r| r.n));
                }
                text(&counts)
            }
            RunCall::AtTime { t } => {
                let rows: Vec<IdRow> = self.rows("SELECT run_id FROM runs WHERE created_at_ms = ?", vec![stored(t)])?;
                text(&rows.into_iter().map(|r| r.run_id).collect::<Vec<_>>())
            }
            RunCall::Prune { boundary, max_age_ms, now_ms } => {
                text(&self.prune(boundary.as_ref(), max_age_ms, now_ms)?)
            }
            RunCall::Arm { t } => {
                self.arm(t).await?;
                text(&())
            }
            RunCall::SetAside => {
                let opts = ListOptions::new().prefix(SET_ASIDE_PREFIX).limit(10_000);
                let map = self.state.storage().list_with_options(opts).await.map_err(storage_error)?;
                text(&(map.size() as u64))
            }
            RunCall::TestLegacy { entries } => {
                for (k, v) in entries {
                    self.state.storage().put(&k, v).await.map_err(storage_error)?;
                }
                self.ready.set(false);
                text(&())
            }
        }
    }
}

impl DurableObject for RunLog {
    fn new(state: State, env: Env) -> Self {
        RunLog { state, env, ready: Cell::new(false), alarm_armed: Cell::new(false) }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        match calls::read::<RunCall>(req).await {
            Ok(call) => calls::reply(self.handle(call).await),
            Err(e) => calls::reply(Err(e)),
        }
    }

    /// Retention (shard 0): prune every shard with the settings' limits,
    /// remove the pruned runs' bundles, re-arm while runs remain.
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
        match prune(&self.env, s.retention, now).await {
            Ok(p) => {
                let bundles = remove_bundles(&self.env, &p.deleted_ids).await;
                // Every sweep says it ran (a stalled sweeper is told from one that found nothing).
                crate::runtime::log(
                    "debug",
                    "retention sweep",
                    &[("scanned", json!(p.scanned)), ("deleted", json!(p.deleted))],
                );
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

/// The object name of shard `k`.
pub fn shard_name(k: u32) -> String {
    calls::shard_name(NAME, k)
}

fn shards(env: &Env) -> Result<u32, ApiError> {
    Ok(crate::settings::get(env)?.run_log_shards.max(1))
}

async fn call<T: serde::de::DeserializeOwned>(env: &Env, k: u32, call: &RunCall) -> Result<T, ApiError> {
    calls::call(env, BINDING, &shard_name(k), call).await
}

/// Asks every shard at once; the answers in shard order.
async fn each<T: serde::de::DeserializeOwned>(env: &Env, c: &RunCall) -> Result<Vec<T>, ApiError> {
    calls::each_shard(env, BINDING, NAME, shards(env)?, c).await
}

pub async fn put(env: &Env, run: &RunRecord) -> Result<(), ApiError> {
    let shard = greenside_core::shard::of(&run.run_id, shards(env)?);
    call(env, shard, &RunCall::Put { run: run.clone(), shard }).await
}

/// A run from its shard; when that shard does not have it, from the others
/// (a run written under another shard count, or kept by shard 0 from
/// before the shards).
pub async fn get(env: &Env, run_id: &str) -> Result<Option<RunRecord>, ApiError> {
    let n = shards(env)?;
    let own = greenside_core::shard::of(run_id, n);
    let c = RunCall::Get { run_id: run_id.into() };
    if let Some(r) = call::<Option<RunRecord>>(env, own, &c).await? {
        return Ok(Some(r));
    }
    let others =
        futures_util::future::try_join_all((0..n).filter(|k| *k != own).map(|k| call::<Option<RunRecord>>(env, k, &c)))
            .await?;
    Ok(others.into_iter().flatten().next())
}

/// One `GET /runs/v1` page: every shard's page of the query, merged.
pub async fn page(
    env: &Env,
    q: &RunsQuery,
    query: Vec<(String, String)>,
) -> Result<(Vec<RunRecord>, Option<RunCursor>), ApiError> {
    let pages: Vec<(Vec<RunRecord>, Option<RunCursor>)> = each(env, &RunCall::Page { query }).await?;
    Ok(greenside_core::listing::merge_runs_pages(q, pages))
}

/// Prunes every shard: terminal runs beyond the newest `max_runs` of them
/// all (the boundary found by counting) or older than `max_age_ms`.
pub async fn prune(env: &Env, keep: Retention, now_ms: u64) -> Result<PruneReport, ApiError> {
    let (max_runs, max_age_ms) = (keep.max_runs, keep.max_age_ms());
    let stats: Vec<Stats> = each(env, &RunCall::Stats).await?;
    let total: u64 = stats.iter().map(|s| s.n).sum();
    let boundary = if max_runs < total {
        let oldest = stats.iter().filter_map(|s| s.oldest).min().unwrap_or(0);
        let newest = stats.iter().filter_map(|s| s.newest).max().unwrap_or(0);
        let mut search = greenside_core::listing::NthNewest::new(max_runs, oldest, newest);
        let t = loop {
            if let Some(t) = search.time() {
                break t;
            }
            let probes = search.probes();
            let counts = count_from(env, &probes).await?;
            search.narrow(&probes, &counts);
        };
        let newer = count_from(env, &[t + 1]).await?[0];
        let at_t: Vec<Vec<String>> = each(env, &RunCall::AtTime { t }).await?;
        search.pick(t, newer, at_t.into_iter().flatten().collect())
    } else {
        None
    };
    let pruned: Vec<Pruned> = each(env, &RunCall::Prune { boundary, max_age_ms, now_ms }).await?;
    let scanned: u64 = pruned.iter().map(|p| p.scanned).sum();
    let deleted_ids: Vec<String> = pruned.into_iter().flat_map(|p| p.deleted_ids).collect();
    let deleted = deleted_ids.len() as u64;
    Ok(PruneReport { scanned, deleted, kept: scanned.saturating_sub(deleted), deleted_ids })
}

/// Runs at or after each time, summed over the shards.
async fn count_from(env: &Env, times: &[u64]) -> Result<Vec<u64>, ApiError> {
    let per_shard: Vec<Vec<u64>> = each(env, &RunCall::CountFrom { times: times.to_vec() }).await?;
    Ok((0..times.len()).map(|i| per_shard.iter().map(|c| c.get(i).copied().unwrap_or(0)).sum()).collect())
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

/// Entries of earlier versions set aside as unreadable, over every shard.
pub async fn set_aside(env: &Env) -> Result<u64, ApiError> {
    Ok(each::<u64>(env, &RunCall::SetAside).await?.into_iter().sum())
}

/// Under the test clock: writes earlier versions' entries into shard `shard`.
pub async fn test_legacy(env: &Env, shard: u32, entries: Vec<(String, String)>) -> Result<(), ApiError> {
    call(env, shard, &RunCall::TestLegacy { entries }).await
}
