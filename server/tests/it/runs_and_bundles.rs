//! Runs (listing, filters, cursors, prune) and debug bundles (contents,
//! redaction, offline replay), on the default SQLite run store, in memory,
//! on Redis and on the edge worker.

#![allow(clippy::unwrap_used)]

use crate::common;

use common::solver::{Mode, TestSolver};
use common::{ON_GREEN, Platform, RedisServer, Target, ball, client};
use serde_json::{Value, json};
use std::collections::HashSet;

const KEY: &str = "bundle-secret-key-42";
const ADMIN: &str = "admin-secret-43";

async fn call(c: &reqwest::Client, s: &Target, path: &str, body: Value, now: u64) -> (u16, Value) {
    let r = c
        .post(s.url(path))
        .header("content-type", "application/json")
        .header("x-greenside-now-ms", now.to_string())
        .header("x-admin-token", ADMIN)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn admin_get(c: &reqwest::Client, s: &Target, path: &str) -> (u16, Value) {
    let r = c.get(s.url(path)).header("x-admin-token", ADMIN).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// Makes `n` advice calls at increasing times: even ones succeed (PUTT), odd
/// ones fail (the solver answers 500) — all on one session.
async fn make_runs(c: &reqwest::Client, s: &Target, solver: &TestSolver, n: u64) -> String {
    let (_, st) = call(c, s, "/api/session/start", serde_json::from_str(common::START).unwrap(), 1).await;
    let sid = st["session_id"].as_str().unwrap().to_string();
    assert_eq!(call(c, s, "/api/session/set_ball_location", ball(&sid, ON_GREEN), 2).await.0, 200);
    for i in 0..n {
        solver.set_mode(if i % 2 == 0 { Mode::Ok } else { Mode::Status(500) });
        let (status, _) =
            call(c, s, "/api/get_hole_advice", json!({"contract_version": "0.5.0", "session_id": sid}), 1000 + i * 10)
                .await;
        assert_eq!(status, if i % 2 == 0 { 200 } else { 502 });
    }
    sid
}

/// A test solver, and the platform started against it with the admin
/// token, the test clock and `extra`.
async fn start_with_solver(platform: Platform, extra: &[(&str, &str)]) -> (TestSolver, Target) {
    let solver = TestSolver::start(Mode::Ok, Some(KEY)).await;
    let mut env = vec![
        ("PUTT_SOLVER_URL", solver.base.as_str()),
        ("PUTT_SOLVER_API_KEY", KEY),
        ("ADMIN_TOKEN", ADMIN),
        ("GREENSIDE_TEST_CLOCK", "1"),
    ];
    env.extend_from_slice(extra);
    let s = platform.start(&env);
    (solver, s)
}

async fn runs_scenario(platform: Platform, extra: &[(&str, &str)]) {
    let (solver, s) = start_with_solver(platform, extra).await;
    let c = client();
    let n = 500;
    make_runs(&c, &s, &solver, n).await;

    // Every run exactly once through the cursors, newest first.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cur) => format!("/runs/v1?limit=37&cursor={cur}"),
            None => "/runs/v1?limit=37".to_string(),
        };
        let (status, page) = admin_get(&c, &s, &path).await;
        assert_eq!(status, 200, "{page}");
        let runs = page["runs"].as_array().unwrap();
        assert!(runs.len() <= 37);
        seen.extend(
            runs.iter().map(|r| (r["created_at_ms"].as_u64().unwrap(), r["run_id"].as_str().unwrap().to_string())),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len() as u64, n, "no gap");
    assert_eq!(seen.iter().map(|(_, id)| id).collect::<HashSet<_>>().len() as u64, n, "no duplicate");
    assert!(seen.windows(2).all(|w| w[0].0 > w[1].0), "newest first");

    // Filters, combined.
    let (_, failed) = admin_get(&c, &s, "/runs/v1?status=failed&plan_type=PUTT&course_id=riverside&limit=200").await;
    let failed = failed["runs"].as_array().unwrap();
    assert_eq!(failed.len(), 200, "limit caps the page");
    assert!(failed.iter().all(|r| r["status"] == "failed"
        && r["error_code"] == "putt_solver_unavailable"
        && r["fallback_used"] == true));
    let (_, window) = admin_get(&c, &s, "/runs/v1?created_from_ms=1000&created_to_ms=1100&status=succeeded").await;
    assert_eq!(window["runs"].as_array().unwrap().len(), 5, "runs 0,2,4,6,8 in [1000, 1100)");
    let (_, none) = admin_get(&c, &s, "/runs/v1?course_id=elsewhere").await;
    assert_eq!(none["runs"], json!([]));
    let (status, bad) = admin_get(&c, &s, "/runs/v1?status=done").await;
    assert_eq!((status, bad["error"]["code"].as_str()), (400, Some("invalid_query")));

    // One run, with its lifecycle.
    let one_id = &seen[0].1;
    let (status, run) = admin_get(&c, &s, &format!("/runs/v1/{one_id}")).await;
    assert_eq!(status, 200);
    assert!(run["started_at_ms"].is_u64() && run["finished_at_ms"].is_u64());
    assert_eq!(admin_get(&c, &s, "/runs/v1/run_00000000000000000000000000000000").await.0, 404);
    // Admin only.
    assert_eq!(c.get(s.url("/runs/v1")).send().await.unwrap().status().as_u16(), 403);

    // Prune to the newest 100.
    let (status, report) =
        call(&c, &s, "/runs/v1/prune", json!({"contract_version": "0.5.0", "max_runs": 100}), 10_000).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (report["scanned"].as_u64(), report["deleted"].as_u64(), report["kept"].as_u64()),
        (Some(n), Some(n - 100), Some(100))
    );
    let (_, page) = admin_get(&c, &s, "/runs/v1?limit=200").await;
    assert_eq!(page["runs"].as_array().unwrap().len(), 100);
    assert_eq!(page["runs"][0]["run_id"].as_str(), Some(one_id.as_str()), "the newest survive");
}

/// The default beside memory sessions: SQLite (the harness gives it a temporary `RUN_STORE_DIR`).
#[tokio::test(flavor = "multi_thread")]
async fn runs_list_filter_and_prune_on_sqlite() {
    runs_scenario(Platform::Native, &[]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn runs_list_filter_and_prune_on_memory() {
    runs_scenario(Platform::Native, &[("RUN_STORE_BACKEND", "memory")]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn runs_list_filter_and_prune_on_redis() {
    let redis = RedisServer::start();
    let url = redis.url();
    runs_scenario(Platform::Native, &[("SESSION_STORE_BACKEND", "redis"), ("REDIS_URL", &url)]).await;
}

/// The same scenario on the edge worker: runs in the RunLog Durable Object.
#[tokio::test(flavor = "multi_thread")]
async fn runs_list_filter_and_prune_on_the_worker() {
    runs_scenario(Platform::Worker, &[]).await;
}

/// Every run's creation time, newest first, through the cursors.
async fn all_run_times(c: &reqwest::Client, s: &Target) -> Vec<u64> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cur) => format!("/runs/v1?limit=200&cursor={cur}"),
            None => "/runs/v1?limit=200".to_string(),
        };
        let (status, page) = admin_get(c, s, &path).await;
        assert_eq!(status, 200, "{page}");
        ids.extend(page["runs"].as_array().unwrap().iter().map(|r| r["created_at_ms"].as_u64().unwrap()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return ids,
        }
    }
}

async fn wait_for_times(c: &reqwest::Client, s: &Target, want: &[u64], what: &str) {
    let t0 = std::time::Instant::now();
    loop {
        let ids = all_run_times(c, s).await;
        if ids == want {
            return;
        }
        assert!(
            t0.elapsed() < std::time::Duration::from_secs(15),
            "{what}: still {} runs, want {}",
            ids.len(),
            want.len()
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// Retention without the route: the sweeper (every second here) keeps the
/// newest `RUNS_PRUNE_MAX_RUNS`, then, once the clock passes a day, drops
/// what is older than `RUNS_PRUNE_MAX_AGE_DAYS` — exactly those, nothing else.
async fn retention_scenario(platform: Platform, extra: &[(&str, &str)]) {
    let mut env =
        vec![("RUNS_RETENTION_INTERVAL_S", "1"), ("RUNS_PRUNE_MAX_RUNS", "15"), ("RUNS_PRUNE_MAX_AGE_DAYS", "1")];
    env.extend_from_slice(extra);
    let (solver, s) = start_with_solver(platform, &env).await;
    let c = client();
    // Runs at 1000, 1010, ..., 1190: 20 of them, all finished.
    make_runs(&c, &s, &solver, 20).await;
    let times = |from: u64| (0..(1200 - from) / 10).map(|i| 1190 - i * 10).collect::<Vec<u64>>();
    // The count limit: the newest 15 stay, 1050 ... 1190.
    wait_for_times(&c, &s, &times(1050), "max runs").await;
    // One more run a day and 105 ms after the first: runs created before
    // 1105 are now older than a day (1050 ... 1100); the 9 from 1110 on and
    // the new one stay.
    let later = 86_400_000 + 1105;
    // (The first session has long expired: a new one.)
    solver.set_mode(Mode::Ok);
    let (_, st) = call(&c, &s, "/api/session/start", serde_json::from_str(common::START).unwrap(), later).await;
    let sid = st["session_id"].as_str().unwrap().to_string();
    assert_eq!(call(&c, &s, "/api/session/set_ball_location", ball(&sid, ON_GREEN), later).await.0, 200);
    let advice = json!({"contract_version": "0.5.0", "session_id": sid});
    assert_eq!(call(&c, &s, "/api/get_hole_advice", advice, later).await.0, 200);
    let kept: Vec<u64> = std::iter::once(later).chain(times(1110)).collect();
    wait_for_times(&c, &s, &kept, "max age").await;
    // And it stays so: two more sweeps, each seen in the log, delete nothing
    // more (a stalled sweeper fails here instead of passing a quiet wait).
    let sweeps = |s: &Target| s.logs().iter().filter(|l| l.contains("\"retention sweep\"")).count();
    let (seen, t0) = (sweeps(&s), std::time::Instant::now());
    while sweeps(&s) < seen + 2 {
        assert!(
            t0.elapsed() < std::time::Duration::from_secs(15),
            "the sweeper stopped: {} sweeps in 15 s",
            sweeps(&s) - seen
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(all_run_times(&c, &s).await, kept, "a later sweep deleted more");
}

#[tokio::test(flavor = "multi_thread")]
async fn retention_sweeps_on_sqlite() {
    retention_scenario(Platform::Native, &[]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn retention_sweeps_on_memory() {
    retention_scenario(Platform::Native, &[("RUN_STORE_BACKEND", "memory")]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn retention_sweeps_on_redis() {
    let redis = RedisServer::start();
    let url = redis.url();
    retention_scenario(Platform::Native, &[("SESSION_STORE_BACKEND", "redis"), ("REDIS_URL", &url)]).await;
}

/// The run log's alarm on the edge worker, in workerd.
#[tokio::test(flavor = "multi_thread")]
async fn retention_sweeps_on_the_worker() {
    retention_scenario(Platform::Worker, &[]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bundles_hold_the_decision_without_secrets_and_replay() {
    let dir = std::env::temp_dir().join(format!("greenside-bundles-{}-{}", std::process::id(), common::free_port()));
    let solver = TestSolver::start(Mode::Ok, Some(KEY)).await;
    let env = [
        ("PUTT_SOLVER_URL", solver.base.as_str()),
        ("PUTT_SOLVER_API_KEY", KEY),
        ("ADMIN_TOKEN", ADMIN),
        ("DEBUG_BUNDLE_ENABLED", "true"),
        ("DEBUG_BUNDLE_DIR", dir.to_str().unwrap()),
        // Runs at known times, so a prune by age can be checked.
        ("GREENSIDE_TEST_CLOCK", "1"),
    ];
    let s = Platform::Native.start(&env);
    let c = client();
    let sid = make_runs(&c, &s, &solver, 4).await;
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 4, "one bundle per run");
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        assert!(!text.contains(KEY) && !text.contains(ADMIN), "{}: a secret leaked", f.display());
        let b: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(b["session_before"]["session_id"], sid.as_str());
        assert_eq!(b["downstream"]["request_headers"]["X-API-Key"], "[REDACTED]");
        assert_eq!(b["decision"]["plan_type"], "PUTT");
        assert_eq!(b["classification"]["surface"], "GREEN");
        assert!(b["frames"]["green"]["rotation_convention"].is_string());
        assert!(b["hysteresis_before"]["committed"] == "ON_GREEN" && b["hysteresis_after"]["committed"] == "ON_GREEN");
        assert!(b["downstream"]["latency_ms"].is_u64());
        // Replays offline with the same core and course data.
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_greenside"))
            .arg("replay")
            .arg(f)
            .env_clear()
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains("replay: MATCH"), "{stdout}");
    }
    // A tampered bundle does not match.
    let mut b: Value = serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    b["session_before"]["ball"]["wgs84"]["lat"] = json!(40.2677);
    let tampered = dir.join("tampered.json");
    std::fs::write(&tampered, b.to_string()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_greenside"))
        .arg("replay")
        .arg(&tampered)
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("DIFFERS"));
    std::fs::remove_file(&tampered).unwrap();
    // Pruning runs removes their bundles.
    let (status, report) = call(&c, &s, "/runs/v1/prune", json!({"contract_version": "0.5.0", "max_runs": 1}), 0).await;
    assert_eq!((status, report["bundles_deleted"].as_u64()), (200, Some(3)));
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    // By age: nothing is a day old yet; two days later the last run and its bundle go.
    let day_ms = 86_400_000u64;
    let now = |offset: u64| 1_000 + offset;
    let prune_age = json!({"contract_version": "0.5.0", "max_age_days": 1});
    let (status, report) = call(&c, &s, "/runs/v1/prune", prune_age.clone(), now(day_ms / 2)).await;
    assert_eq!(
        (status, report["deleted"].as_u64(), report["bundles_deleted"].as_u64()),
        (200, Some(0), Some(0)),
        "{report}"
    );
    let (status, report) = call(&c, &s, "/runs/v1/prune", prune_age, now(2 * day_ms)).await;
    assert_eq!(
        (status, report["deleted"].as_u64(), report["bundles_deleted"].as_u64()),
        (200, Some(1), Some(1)),
        "{report}"
    );
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "the bundle went with its run");
    let (_, page) = admin_get(&c, &s, "/runs/v1").await;
    assert_eq!(page["runs"].as_array().map(Vec::len), Some(0), "{page}");
    std::fs::remove_dir_all(&dir).unwrap();
}
