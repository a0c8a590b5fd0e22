//! The edge worker in workerd (wrangler dev): what only the worker has —
//! Durable Object state across a runtime restart, one object ordering 500
//! concurrent fixes, the alarm expiring a session, bundles in R2, the
//! limiter object, the guards and the probes. The shared scenarios (vectors,
//! bad requests, runs) run on both platforms in their own files.

#![allow(clippy::unwrap_used)]

use crate::common;

use common::solver::{Mode, TestSolver};
use common::worker::Worker;
use common::{ON_GREEN, START, ball, client, get, post};
use futures::StreamExt;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const ADMIN: &str = "worker-admin-token-77";
const KEY: &str = "worker-solver-key-78";
const METRICS_TOKEN: &str = "worker-metrics-token-79";

/// `/metrics` as `series → value` once it has counted `requests` answers
/// (the edge adds a request's counts just after answering it); the scrapes'
/// own series are left out. On the edge the route wants the bearer token:
/// without it, 401.
async fn scrape(c: &reqwest::Client, t: &common::Target, requests: u32) -> std::collections::BTreeMap<String, f64> {
    let worker = matches!(t, common::Target::Worker(_));
    if worker {
        let r = c.get(t.url("/metrics")).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 401, "the edge's /metrics without its token");
        let r = c.get(t.url("/metrics")).bearer_auth("not-the-token").send().await.unwrap();
        assert_eq!(r.status().as_u16(), 401, "the edge's /metrics with a wrong token");
    }
    let t0 = Instant::now();
    loop {
        let r = c.get(t.url("/metrics")).bearer_auth(METRICS_TOKEN).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/openmetrics-text"));
        let text = r.text().await.unwrap();
        let counts: std::collections::BTreeMap<String, f64> = text
            .lines()
            .filter(|l| {
                !l.starts_with('#') && !l.contains("route=\"/metrics\"") && !l.contains("code=\"unauthorized\"")
            })
            // The harnesses' readiness probes.
            .filter(|l| !l.contains("route=\"/live\"") && !l.contains("route=\"/health\""))
            .filter(|l| {
                !l.contains("status=\"401\"")
                    && !l.starts_with("greenside_http_request_duration")
                    && !l.starts_with("greenside_downstream_duration")
                    && !l.starts_with("greenside_store_")
                    // The native accept loop's own (the edge has no connections to count).
                    && !l.starts_with("greenside_connections_")
            })
            .filter_map(|l| l.rsplit_once(' ').map(|(k, v)| (k.to_string(), v.parse::<f64>().unwrap())))
            .filter(|(_, v)| *v != 0.0 || worker)
            .collect();
        let answered: f64 =
            counts.iter().filter(|(k, _)| k.starts_with("greenside_http_requests_total")).map(|(_, v)| v).sum();
        if answered >= f64::from(requests) {
            assert_eq!(answered, f64::from(requests), "{text}");
            return counts;
        }
        assert!(t0.elapsed() < Duration::from_secs(10), "only {answered} of {requests} requests counted: {text}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn start(c: &reqwest::Client, w: &Worker) -> String {
    let (status, body) = post(c, &w.url("/api/session/start"), &serde_json::from_str(START).unwrap()).await;
    assert_eq!(status, 200, "{body}");
    body["session_id"].as_str().unwrap().to_string()
}

async fn admin(c: &reqwest::Client, w: &Worker, path: &str) -> Value {
    let r = c.get(w.url(path)).header("x-admin-token", ADMIN).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_survive_a_restart_of_the_runtime() {
    let mut w = Worker::start(&[("ADMIN_TOKEN", ADMIN)]);
    let c = client();
    let sid = start(&c, &w).await;
    for _ in 0..3 {
        assert_eq!(post(&c, &w.url("/api/session/set_ball_location"), &ball(&sid, ON_GREEN)).await.0, 200);
    }
    let (_, before) = get(&c, &w.url(&format!("/api/session/{sid}"))).await;
    assert_eq!(before["hole_state"]["surface_state"], "ON_GREEN");

    w.restart();
    let (status, after) = get(&c, &w.url(&format!("/api/session/{sid}"))).await;
    assert_eq!(status, 200, "{after}");
    assert_eq!(after, before, "the same state after the restart");
    // Counters and index live in their own object and survive too.
    let page = admin(&c, &w, "/api/sessions").await;
    let first = page["sessions"][0]["session_number"].as_u64().unwrap();
    assert_eq!(page["counters"]["session_number"], first);
    assert_eq!(page["counters"]["total_sessions"], 1);
    assert_eq!(page["sessions"][0]["session_id"], sid.as_str());
    assert_eq!(page["sessions"][0]["fix_count"], 3);
    // And the next session continues the numbering (above every shard's,
    // whichever directory shard its id falls in).
    let second = start(&c, &w).await;
    let page = admin(&c, &w, "/api/sessions").await;
    assert_eq!(page["sessions"][1]["session_id"], second.as_str());
    let next = page["sessions"][1]["session_number"].as_u64().unwrap();
    assert!(next > first, "{next} after {first}");
    assert_eq!(page["counters"]["session_number"], next);
    w.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn five_hundred_concurrent_fixes_count_exactly_five_hundred() {
    let w = Worker::start(&[]);
    let c = client();
    let sid = start(&c, &w).await;
    let url = w.url("/api/session/set_ball_location");
    let statuses: Vec<u16> = futures::stream::iter(0..500)
        .map(|_| {
            let (c, url, body) = (c.clone(), url.clone(), ball(&sid, ON_GREEN));
            async move { post(&c, &url, &body).await.0 }
        })
        .buffer_unordered(100)
        .collect()
        .await;
    assert!(statuses.iter().all(|s| *s == 200), "{:?}", statuses.iter().filter(|s| **s != 200).collect::<Vec<_>>());
    let (_, st) = get(&c, &w.url(&format!("/api/session/{sid}"))).await;
    assert_eq!(st["hole_state"]["fix_count"], 500, "{st}");
    assert_eq!(st["hole_state"]["revision"], 501, "one revision per fix, none lost");
    w.stop();
}

/// A session's object never applies a write to a copy of the record taken
/// before an await that is not storage (input gates let other requests in
/// during one). Each object's catalogue load is slowed down here (a timer, a
/// real await, as a cold isolate's KV read is on the edge); 40 concurrent
/// fixes to one existing session, five rounds: every fix answered as applied
/// is counted in `fix_count` once, and the revision moved once per fix.
#[tokio::test(flavor = "multi_thread")]
async fn concurrent_fixes_across_a_slow_catalogue_load_are_never_lost() {
    let w = Worker::start(&[("GREENSIDE_TEST_CLOCK", "true"), ("GREENSIDE_TEST_CATALOG_DELAY_MS", "25")]);
    let c = client();
    let sid = start(&c, &w).await;
    let url = w.url("/api/session/set_ball_location");
    let mut acknowledged = 0u64;
    for round in 0..5 {
        let answers: Vec<(u16, Value)> = futures::stream::iter(0..40)
            .map(|_| {
                let (c, url, body) = (c.clone(), url.clone(), ball(&sid, ON_GREEN));
                async move { post(&c, &url, &body).await }
            })
            .buffer_unordered(40)
            .collect()
            .await;
        for (status, body) in &answers {
            assert_eq!(*status, 200, "round {round}: {body}");
            acknowledged += u64::from(body["applied"] == true);
        }
        let (_, st) = get(&c, &w.url(&format!("/api/session/{sid}"))).await;
        assert_eq!(
            st["hole_state"]["fix_count"], acknowledged,
            "round {round}: a fix acknowledged as applied was lost"
        );
        assert_eq!(st["hole_state"]["revision"], acknowledged + 1, "round {round}: one revision per fix");
    }
    assert_eq!(acknowledged, 200);
    w.stop();
}

/// The seeds' TTL spellings on the edge too, and the warning about a
/// variable that looks like greenside's but is not.
#[tokio::test(flavor = "multi_thread")]
async fn seed_spellings_set_the_ttl_and_unknown_variables_are_named() {
    let w = Worker::start(&[("REDIS_SESSION_TTL", "90"), ("SURFACE_COMMIT_ONSTREAK", "3")]);
    let c = client();
    let (status, body) = post(&c, &w.url("/api/session/start"), &serde_json::from_str(START).unwrap()).await;
    assert_eq!(status, 200, "{body}");
    let h = &body["hole_state"];
    assert_eq!(h["expires_at_ms"].as_u64().unwrap() - h["updated_at_ms"].as_u64().unwrap(), 90_000);
    let t0 = Instant::now();
    while !w.logs().iter().any(|l| l.contains("not a greenside setting") && l.contains("SURFACE_COMMIT_ONSTREAK")) {
        assert!(t0.elapsed() < Duration::from_secs(10), "no warning: {:?}", w.logs());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    w.stop();
}

/// The edge's `/health` redacts a downstream URL's userinfo and query values
/// as native does, and shows where data lives to the admin only.
#[tokio::test(flavor = "multi_thread")]
async fn health_redacts_urls_and_shows_paths_to_the_admin_only() {
    let url = "http://solver-user:pw-in-url-1234@127.0.0.1:9/base?token=tok-in-query-5678";
    let w = Worker::start(&[("PUTT_SOLVER_URL", url), ("ADMIN_TOKEN", ADMIN)]);
    let c = client();
    let (_, h) = get(&c, &w.url("/health")).await;
    let text = h.to_string();
    for secret in ["solver-user", "pw-in-url-1234", "tok-in-query-5678"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    assert_eq!(h["downstream"]["putt_solver"]["url"], "http://[REDACTED]@127.0.0.1:9/base?token=[REDACTED]");
    assert!(h["dataset_registry"]["root"].as_str().unwrap().starts_with("[hidden"), "{h}");
    assert!(!admin(&c, &w, "/health").await["dataset_registry"]["root"].as_str().unwrap().starts_with("[hidden"));
    w.stop();
}

/// CORS on both platforms, with the same answers: a preflight from an
/// allowed origin is answered before the guards (no API key on it) with the
/// methods and headers; the answer carries the origin back and exposes
/// `x-request-id`; another origin gets no `Access-Control-Allow-Origin`;
/// never `*`.
#[tokio::test(flavor = "multi_thread")]
async fn cors_allows_exactly_the_listed_origins_on_both_platforms() {
    const ALLOWED: &str = "http://app.example.test:5173";
    let env = [("CORS_ALLOWED_ORIGINS", ALLOWED), ("REQUIRE_API_KEY", "true"), ("API_KEY", "cors-api-key-1234")];
    let mut seen = Vec::new();
    for platform in [common::Platform::Native, common::Platform::Worker] {
        let t = platform.start(&env);
        let c = client();
        let preflight = |origin: &str| {
            c.request(reqwest::Method::OPTIONS, t.url("/api/session/start"))
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "content-type, x-api-key")
                .send()
        };
        let r = preflight(ALLOWED).await.unwrap();
        let h = r.headers().clone();
        let name = platform.name();
        assert_eq!(r.status().as_u16(), 200, "{name}: preflight");
        assert_eq!(h["access-control-allow-origin"], ALLOWED, "{name}");
        let methods = h["access-control-allow-methods"].to_str().unwrap().to_ascii_uppercase().replace(' ', "");
        assert!(methods.contains("POST") && methods.contains("DELETE"), "{name}: {methods}");
        let headers = h["access-control-allow-headers"].to_str().unwrap().to_ascii_lowercase().replace(' ', "");
        assert!(headers.contains("x-api-key") && headers.contains("content-type"), "{name}: {headers}");
        assert!(h.get("access-control-allow-credentials").is_none(), "{name}: never credentials");
        let other = preflight("http://evil.example.test").await.unwrap();
        assert!(other.headers().get("access-control-allow-origin").is_none(), "{name}: another origin");

        let r = c
            .post(t.url("/api/session/start"))
            .header("origin", ALLOWED)
            .header("content-type", "application/json")
            .header("x-api-key", "cors-api-key-1234")
            .body(START)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{name}");
        assert_eq!(r.headers()["access-control-allow-origin"], ALLOWED, "{name}");
        let exposed = r.headers()["access-control-expose-headers"].to_str().unwrap().to_ascii_lowercase();
        assert!(exposed.contains("x-request-id"), "{name}: {exposed}");
        let r = c.get(t.url("/live")).header("origin", "http://evil.example.test").send().await.unwrap();
        assert!(r.headers().get("access-control-allow-origin").is_none(), "{name}");
        seen.push((methods, headers));
        t.stop();
    }
    assert_eq!(seen[0], seen[1], "the same policy on both platforms");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_alarm_expires_an_idle_session_and_deletes_its_storage() {
    let w = Worker::start(&[("SESSION_TTL_S", "2"), ("ADMIN_TOKEN", ADMIN)]);
    let c = client();
    let sid = start(&c, &w).await;
    let keep = start(&c, &w).await;
    assert_eq!(admin(&c, &w, "/api/sessions").await["counters"]["active_sessions"], 2);
    assert_eq!(stored_keys(&w).get(&sid).map(Vec::as_slice), Some(&["rec".to_string()][..]), "the record is stored");
    // Keep one session busy past the TTL; leave the other alone. Only the
    // alarm can tell the directory about the idle one: nothing requests it.
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_millis(4000) {
        assert_eq!(post(&c, &w.url("/api/session/set_ball_location"), &ball(&keep, ON_GREEN)).await.0, 200);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let page = admin(&c, &w, "/api/sessions").await;
    assert_eq!(page["counters"]["active_sessions"], 1, "{page}");
    assert_eq!(page["counters"]["total_sessions"], 2);
    assert_eq!(page["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(page["sessions"][0]["session_id"], keep.as_str());
    let (status, body) = get(&c, &w.url(&format!("/api/session/{sid}"))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("session_not_found")));
    // wrangler relays the object's console line on its own schedule.
    let t0 = Instant::now();
    while !w.logs().iter().any(|l| l.contains("session expired") && l.contains(&sid)) {
        assert!(t0.elapsed() < Duration::from_secs(5), "the alarm logs the expiry");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The object's storage itself is gone, not only answered as 404: in the
    // SQLite file workerd keeps for it, no key is left (or no file at all).
    let stored = stored_keys(&w);
    assert!(stored.get(&sid).is_none_or(Vec::is_empty), "the expired session's storage: {stored:?}");
    assert_eq!(stored.get(&keep).map(Vec::as_slice), Some(&["rec".to_string()][..]), "{stored:?}");
    w.stop();
}

/// Each session object's stored keys, by session id, read from the SQLite
/// files workerd keeps under the worker's state directory (read-only).
/// Rows per Durable Object of `class` in workerd's state: for each named
/// object, how many key-value entries start with `kv_prefix`, plus the rows
/// of its SQL table `table` (when it has one).
fn rows_per_object(w: &Worker, class: &str, kv_prefix: &str, table: &str) -> std::collections::BTreeMap<String, u64> {
    let script = r#"
import glob, json, sqlite3, sys
out = {}
for f in glob.glob(sys.argv[1] + "/v3/do/*-" + sys.argv[2] + "/*.sqlite"):
    if f.endswith("metadata.sqlite"):
        continue
    c = sqlite3.connect("file:" + f + "?mode=ro", uri=True)
    tables = {r[0] for r in c.execute("select name from sqlite_master where type = 'table'")}
    names = [r[0] for r in c.execute("select name from __miniflare_do_name")] if "__miniflare_do_name" in tables else []
    n = 0
    if "_cf_KV" in tables:
        n += sum(1 for r in c.execute("select key from _cf_KV") if str(r[0]).startswith(sys.argv[3]))
    if sys.argv[4] in tables:
        n += c.execute("select count(*) from " + sys.argv[4]).fetchone()[0]
    for name in names:
        out[name] = n
print(json.dumps(out))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&w.state_dir)
        .args([class, kv_prefix, table])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// No object takes every write: sessions spread over the directory's shards
/// and runs over the run log's, and listing across them has no gap and no
/// duplicate. 24 sessions (4 deleted) paged 5 at a time; 48 runs at 6
/// times (8 runs share each time, so ties cross shards), half failed, paged
/// 5 at a time with and without a status filter, against the order core
/// defines (time, then run id, newest first); then a prune whose limit falls
/// inside a tie keeps exactly the newest 21.
#[tokio::test(flavor = "multi_thread")]
async fn sharded_directory_and_run_log_list_without_gap_or_duplicate() {
    let solver = TestSolver::start(Mode::Ok, Some(KEY)).await;
    let w = Worker::start(&[
        ("PUTT_SOLVER_URL", solver.base.as_str()),
        ("PUTT_SOLVER_API_KEY", KEY),
        ("ADMIN_TOKEN", ADMIN),
        ("GREENSIDE_TEST_CLOCK", "1"),
        ("RUNS_RETENTION_INTERVAL_S", "0"),
    ]);
    let c = client();
    let send = |method: reqwest::Method, path: String, body: Option<Value>, now: u64| {
        let mut r = c
            .request(method, w.url(&path))
            .header("x-greenside-now-ms", now.to_string())
            .header("x-admin-token", ADMIN);
        if let Some(b) = body {
            r = r.header("content-type", "application/json").body(b.to_string());
        }
        async move {
            let r = r.send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let mut sessions = Vec::new();
    for _ in 0..24 {
        let (status, body) =
            send(reqwest::Method::POST, "/api/session/start".into(), serde_json::from_str(START).ok(), 1).await;
        assert_eq!(status, 200, "{body}");
        sessions.push(body["session_id"].as_str().unwrap().to_string());
    }
    for gone in &sessions[..4] {
        assert_eq!(send(reqwest::Method::DELETE, format!("/api/session/{gone}"), None, 2).await.0, 200);
    }
    let mut listed = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cur) => format!("/api/sessions?limit=5&cursor={cur}"),
            None => "/api/sessions?limit=5".to_string(),
        };
        let (status, page) = send(reqwest::Method::GET, path, None, 3).await;
        assert_eq!(status, 200, "{page}");
        let rows = page["sessions"].as_array().unwrap();
        assert!(rows.len() <= 5);
        listed.extend(
            rows.iter().map(|r| (r["session_number"].as_u64().unwrap(), r["session_id"].as_str().unwrap().to_string())),
        );
        assert_eq!(page["counters"]["total_sessions"], 24, "{page}");
        assert_eq!(page["counters"]["active_sessions"], 20, "{page}");
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert!(listed.windows(2).all(|p| p[0].0 < p[1].0), "in number order, each once: {listed:?}");
    let mut ids: Vec<&str> = listed.iter().map(|(_, id)| id.as_str()).collect();
    ids.sort_unstable();
    let mut want: Vec<&str> = sessions[4..].iter().map(String::as_str).collect();
    want.sort_unstable();
    assert_eq!(ids, want, "every live session, no deleted one");
    let directory = rows_per_object(&w, "Directory", "i:", "-");
    assert!(directory.values().filter(|n| **n > 0).count() >= 3, "index entries spread over shards: {directory:?}");
    assert!(directory.values().all(|n| *n < 20), "no shard holds them all: {directory:?}");

    // Runs: 48 advice calls on one session, 8 at each of 6 times.
    let sid = &sessions[4];
    let (status, _) =
        send(reqwest::Method::POST, "/api/session/set_ball_location".into(), Some(ball(sid, ON_GREEN)), 5).await;
    assert_eq!(status, 200);
    let mut oracle: Vec<(u64, String, bool)> = Vec::new();
    for i in 0..48u64 {
        let ok = i % 2 == 0;
        solver.set_mode(if ok { Mode::Ok } else { Mode::Status(500) });
        let t = 1_000 + (i % 6) * 100;
        let ask = json!({"contract_version": "0.5.0", "session_id": sid});
        let (status, body) = send(reqwest::Method::POST, "/api/get_hole_advice".into(), Some(ask), t).await;
        let run_id = if ok { body["run_id"].as_str() } else { body["error"]["details"]["run_id"].as_str() };
        assert_eq!(status, if ok { 200 } else { 502 }, "{body}");
        oracle.push((t, run_id.unwrap().to_string(), ok));
    }
    oracle.sort_by(|a, b| (b.0, &b.1).cmp(&(a.0, &a.1)));
    let page_all = |filter: &'static str| {
        let send = &send;
        async move {
            let mut seen = Vec::new();
            let mut cursor: Option<String> = None;
            loop {
                let path = match &cursor {
                    Some(cur) => format!("/runs/v1?limit=5{filter}&cursor={cur}"),
                    None => format!("/runs/v1?limit=5{filter}"),
                };
                let (status, page) = send(reqwest::Method::GET, path, None, 9_000).await;
                assert_eq!(status, 200, "{page}");
                let runs = page["runs"].as_array().unwrap();
                assert!(runs.len() <= 5);
                seen.extend(runs.iter().map(|r| r["run_id"].as_str().unwrap().to_string()));
                match page["next_cursor"].as_str() {
                    Some(next) => cursor = Some(next.to_string()),
                    None => return seen,
                }
            }
        }
    };
    let want: Vec<String> = oracle.iter().map(|(_, id, _)| id.clone()).collect();
    assert_eq!(page_all("").await, want, "every run once, in core's order, across shards");
    let failed: Vec<String> = oracle.iter().filter(|r| !r.2).map(|(_, id, _)| id.clone()).collect();
    assert_eq!(page_all("&status=failed").await, failed);
    let runs = rows_per_object(&w, "RunLog", "r:", "runs");
    assert!(runs.values().filter(|n| **n > 0).count() >= 3, "runs spread over shards: {runs:?}");
    assert_eq!(runs.values().sum::<u64>(), 48, "each run in one shard: {runs:?}");
    // A run is found wherever its shard is.
    let (status, one) = send(reqwest::Method::GET, format!("/runs/v1/{}", want[17]), None, 9_000).await;
    assert_eq!((status, one["run_id"].as_str()), (200, Some(want[17].as_str())));

    // Prune to the newest 21: the limit falls inside the third time's tie.
    let prune = json!({"contract_version": "0.5.0", "max_runs": 21});
    let (status, report) = send(reqwest::Method::POST, "/runs/v1/prune".into(), Some(prune), 9_000).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!((report["scanned"].as_u64(), report["deleted"].as_u64()), (Some(48), Some(27)), "{report}");
    assert_eq!(page_all("").await, want[..21].to_vec(), "exactly the newest 21 stay");
    w.stop();
}

fn stored_keys(w: &Worker) -> std::collections::BTreeMap<String, Vec<String>> {
    let script = r#"
import glob, json, sqlite3, sys
out = {}
for f in glob.glob(sys.argv[1] + "/v3/do/*-SessionObject/*.sqlite"):
    if f.endswith("metadata.sqlite"):
        continue
    c = sqlite3.connect("file:" + f + "?mode=ro", uri=True)
    tables = {r[0] for r in c.execute("select name from sqlite_master where type = 'table'")}
    names = [r[0] for r in c.execute("select name from __miniflare_do_name")] if "__miniflare_do_name" in tables else []
    keys = [r[0] for r in c.execute("select key from _cf_KV")] if "_cf_KV" in tables else []
    for n in names:
        out[n] = keys
print(json.dumps(out))
"#;
    let out = std::process::Command::new("python3").args(["-c", script]).arg(&w.state_dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn advice_reaches_the_solver_with_its_key_and_bundles_go_to_r2() {
    let solver = TestSolver::start(Mode::Ok, Some(KEY)).await;
    let w = Worker::start(&[
        ("PUTT_SOLVER_URL", solver.base.as_str()),
        ("PUTT_SOLVER_API_KEY", KEY),
        ("PUTT_SOLVER_TIMEOUT_S", "0.5"),
        ("ADMIN_TOKEN", ADMIN),
        ("DEBUG_BUNDLE_ENABLED", "true"),
    ]);
    let c = client();
    let sid = start(&c, &w).await;
    for _ in 0..2 {
        post(&c, &w.url("/api/session/set_ball_location"), &ball(&sid, ON_GREEN)).await;
    }
    let ask = json!({"contract_version": "0.5.0", "session_id": sid, "want_plot": true});
    let (status, body) = post(&c, &w.url("/api/get_hole_advice"), &ask).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["plan_type"].as_str(), body["fallback_used"].as_bool()), (Some("PUTT"), Some(false)));
    assert!(body["plot"]["svg"].as_str().unwrap().starts_with("<svg"));
    let got = solver.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].api_key.as_deref(), Some(KEY), "X-API-Key reached the solver");
    assert!(solver.problems().is_empty(), "{:?}", solver.problems());

    // The bundle, from R2 through the admin route: no secret, and the native
    // binary replays it to the same decision.
    let run_id = body["run_id"].as_str().unwrap();
    let bundle = admin(&c, &w, &format!("/runs/v1/{run_id}/bundle")).await;
    let text = bundle.to_string();
    assert!(!text.contains(KEY) && !text.contains(ADMIN));
    assert_eq!(bundle["downstream"]["request_headers"]["X-API-Key"], "[REDACTED]");
    let file = std::env::temp_dir().join(format!("greenside-worker-bundle-{}.json", std::process::id()));
    std::fs::write(&file, &text).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_greenside"))
        .arg("replay")
        .arg(&file)
        .env_clear()
        .output()
        .unwrap();
    std::fs::remove_file(&file).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && stdout.contains("replay: MATCH"), "{stdout}");

    // Failures map to the same codes, with the flagged fallback.
    for (mode, status, code) in [
        (Mode::Status(401), 502, "putt_solver_unauthorized"),
        (Mode::Status(503), 502, "putt_solver_unavailable"),
        (Mode::NotJson, 502, "putt_solver_bad_response"),
        (Mode::Slow(Duration::from_secs(3)), 504, "putt_solver_timeout"),
    ] {
        solver.set_mode(mode);
        let t0 = Instant::now();
        let (s, b) = post(&c, &w.url("/api/get_hole_advice"), &ask).await;
        assert_eq!((s, b["error"]["code"].as_str(), b["fallback_used"].as_bool()), (status, Some(code), Some(true)));
        assert!(b["fallback"]["distance_m"].is_number(), "{b}");
        assert!(t0.elapsed() < Duration::from_secs(3), "the timeout answered before the solver did");
    }
    // /health reports what this isolate has seen of the solver, as native does.
    let (_, h) = get(&c, &w.url("/health")).await;
    let putt = &h["downstream"]["putt_solver"];
    assert_eq!((h["status"].as_str(), putt["status"].as_str()), (Some("degraded"), Some("degraded")), "{h}");
    assert_eq!(putt["seen"]["last_error_code"], "putt_solver_timeout");
    assert_eq!((putt["seen"]["calls"].as_u64(), putt["seen"]["failures"].as_u64()), (Some(5), Some(4)));
    // Pruning removes runs and their bundles.
    let r = c
        .post(w.url("/runs/v1/prune"))
        .header("x-admin-token", ADMIN)
        .header("content-type", "application/json")
        .body(json!({"contract_version": "0.5.0", "max_runs": 1}).to_string())
        .send()
        .await
        .unwrap();
    let report: Value = r.json().await.unwrap();
    assert_eq!((report["deleted"].as_u64(), report["bundles_deleted"].as_u64()), (Some(4), Some(4)), "{report}");
    w.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn guards_limits_and_probes() {
    let w = Worker::start(&[
        ("REQUIRE_API_KEY", "true"),
        ("API_KEY", "client-key-79"),
        ("RATE_LIMITS", "start=2/60:2"),
        ("TRUSTED_PROXY_HEADER", "x-client"),
    ]);
    let c = client();
    let start_req = |key: Option<&str>, client_ip: &str| {
        let mut r = c
            .post(w.url("/api/session/start"))
            .header("content-type", "application/json")
            .header("x-client", client_ip)
            .body(START);
        if let Some(k) = key {
            r = r.header("x-api-key", k);
        }
        r
    };
    let r = start_req(None, "10.0.0.1").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r = start_req(Some("wrong"), "10.0.0.1").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    for _ in 0..2 {
        let r = start_req(Some("client-key-79"), "10.0.0.1").send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        assert_eq!(r.headers()["ratelimit-policy"], "2;w=60");
    }
    let r = start_req(Some("client-key-79"), "10.0.0.1").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 429);
    let retry: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=30).contains(&retry), "{retry}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    // Another client has its own budget.
    assert_eq!(start_req(Some("client-key-79"), "10.0.0.2").send().await.unwrap().status().as_u16(), 200);

    // Probes need no key.
    for (path, status) in [("/live", "alive"), ("/ready", "ready"), ("/startup", "started"), ("/health", "healthy")] {
        let (code, body) = get(&c, &w.url(path)).await;
        assert_eq!((code, body["status"].as_str()), (200, Some(status)), "{path}: {body}");
    }
    let (_, h) = get(&c, &w.url("/health")).await;
    assert_eq!(h["session_store"]["backend"], "durable_objects");
    assert_eq!(h["dataset_registry"]["courses"], 2, "riverside and augusta_national from KV");
    let r = c.get(w.url("/health")).header("accept", "application/health+json").send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/health+json");
    let hj: Value = r.json().await.unwrap();
    assert_eq!(hj["status"], "pass");
    // Every line the worker logged for a request carries a request id.
    // wrangler relays the lines on its own schedule: polled to a deadline.
    let request_lines = || -> Vec<Value> {
        w.logs()
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["message"] == "request")
            .collect()
    };
    let t0 = Instant::now();
    while request_lines().len() < 8 {
        assert!(t0.elapsed() < Duration::from_secs(10), "{} request lines", request_lines().len());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let lines = request_lines();
    assert!(lines.iter().all(|v| v["request_id"].is_string() && v["route"].is_string() && v["status"].is_u64()));
    w.stop();
}

/// Ids and what the clock of a downstream call decides differ between runs;
/// everything else must be byte-for-byte the same.
/// Values that differ by nature: ids and times, and the session number (on
/// the edge it depends on the directory shard its random id falls in).
fn normalize(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if matches!(
                    k.as_str(),
                    "session_id" | "session_number" | "run_id" | "echo_run_id" | "latency_ms" | "finished_at_ms"
                ) && !x.is_null()
                {
                    *x = json!("<varies>");
                } else {
                    normalize(x);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(normalize),
        _ => {}
    }
}

/// The JSON paths where `a` and `b` differ, with both values.
fn differences(a: &Value, b: &Value, at: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                differences(
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    &format!("{at}.{k}"),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                differences(p, q, &format!("{at}[{i}]"), out);
            }
        }
        _ if a != b => {
            let short = |v: &Value| v.to_string().chars().take(200).collect::<String>();
            out.push(format!("{at}: native {} / worker {}", short(a), short(b)));
        }
        _ => {}
    }
}

/// One scripted session — start, cup, single and batched fixes with
/// duplicates, reads, advice (success and a failing solver), errors, delete —
/// on the native server and on the worker: every status and every body
/// (ids and call latencies aside) is identical.
#[tokio::test(flavor = "multi_thread")]
async fn native_and_worker_answer_identically() {
    let solver = TestSolver::start(Mode::Ok, Some(KEY)).await;
    let env = [
        ("GREENSIDE_TEST_CLOCK", "1"),
        ("PUTT_SOLVER_URL", solver.base.as_str()),
        ("PUTT_SOLVER_API_KEY", KEY),
        ("TEE_TO_GREEN_URL", solver.base.as_str()),
        ("TEE_TO_GREEN_API_KEY", KEY),
        ("METRICS_TOKEN", METRICS_TOKEN),
        ("METRICS_SHARDS", "3"),
    ];
    let mut transcripts = Vec::new();
    let mut counters = Vec::new();
    for platform in [common::Platform::Native, common::Platform::Worker] {
        solver.set_mode(Mode::Ok);
        let t = platform.start(&env);
        let c = client();
        let mut out: Vec<(String, u16, Value)> = Vec::new();
        let mut sid = String::new();
        let fairway = (40.26760, -111.66010);
        let steps: Vec<(&str, &str, Value)> = vec![
            (
                "POST",
                "/api/session/start",
                json!({"contract_version": "0.5.0", "course_id": "riverside", "hole_id": 1}),
            ),
            ("POST", "/api/session/set_cup_location", json!({"cup_wgs84": {"lat": 40.268245, "lon": -111.659500}})),
            (
                "POST",
                "/api/session/set_ball_location",
                json!({"ball_wgs84": {"lat": fairway.0, "lon": fairway.1}, "accuracy_m": 4.0, "seq": 1}),
            ),
            (
                "POST",
                "/api/session/set_ball_location",
                json!({"ball_wgs84": {"lat": fairway.0, "lon": fairway.1}, "accuracy_m": 4.0, "seq": 1}),
            ),
            ("POST", "/api/get_hole_advice", json!({"want_plot": true})),
            (
                "POST",
                "/api/session/set_ball_locations",
                json!({"fixes": [
                    {"ball_wgs84": {"lat": ON_GREEN.0, "lon": ON_GREEN.1}, "accuracy_m": 3.0, "seq": 2},
                    {"ball_wgs84": {"lat": ON_GREEN.0, "lon": ON_GREEN.1}, "accuracy_m": 3.0, "seq": 2},
                    {"ball_wgs84": {"lat": ON_GREEN.0, "lon": ON_GREEN.1}, "accuracy_m": 3.0, "accuracy_kind": "p68", "seq": 3}
                ]}),
            ),
            ("GET", "/api/session/{sid}", Value::Null),
            ("POST", "/api/get_hole_advice", json!({})),
            ("FAIL", "/api/get_hole_advice", json!({})),
            ("POST", "/api/session/set_ball_location", json!({"ball_wgs84": {"lat": 91.0, "lon": 0.0}})),
            ("POST", "/api/session/set_cup_location", json!({"cup_wgs84": {"lat": 40.2600, "lon": -111.6500}})),
            ("DELETE", "/api/session/{sid}", Value::Null),
            ("GET", "/api/session/{sid}", Value::Null),
            (
                "POST",
                "/api/session/start",
                json!({"contract_version": "0.5.0", "course_id": "riverside", "hole_id": 9}),
            ),
            ("GET", "/api/courses", Value::Null),
            ("GET", "/api/courses/riverside", Value::Null),
        ];
        for (i, (method, path, body)) in steps.into_iter().enumerate() {
            let now = (1_000_000 + i as u64 * 1_000).to_string();
            let path = path.replace("{sid}", &sid);
            let mut body = body;
            if let Value::Object(m) = &mut body {
                m.entry("contract_version").or_insert(json!("0.5.0"));
                if !path.ends_with("/start") {
                    m.insert("session_id".into(), json!(sid));
                }
            }
            if method == "FAIL" {
                solver.set_mode(Mode::Status(503));
            }
            let req = match method {
                "GET" => c.get(t.url(&path)),
                "DELETE" => c.delete(t.url(&path)),
                _ => c.post(t.url(&path)).header("content-type", "application/json").body(body.to_string()),
            };
            let r = req.header("x-greenside-now-ms", now).send().await.unwrap();
            let status = r.status().as_u16();
            let mut v: Value = r.json().await.unwrap();
            if i == 0 {
                sid = v["session_id"].as_str().unwrap().to_string();
            }
            normalize(&mut v);
            out.push((format!("{method} {path}"), status, v));
        }
        counters.push(scrape(&c, &t, 16).await);
        t.stop();
        transcripts.push(out);
    }
    // The same counts on both, series by series (the scrapes themselves left out).
    let (n, w) = (&counters[0], &counters[1]);
    let names: std::collections::BTreeSet<&String> = n.keys().chain(w.keys()).collect();
    let differ: Vec<String> = names
        .into_iter()
        .filter(|k| n.get(*k).copied().unwrap_or(0.0) != w.get(*k).copied().unwrap_or(0.0))
        .map(|k| format!("{k}: native {:?}, worker {:?}", n.get(k), w.get(k)))
        .collect();
    assert!(differ.is_empty(), "the edge's /metrics differs from native's: {differ:#?}");
    for (series, want) in [
        ("greenside_ball_fixes_total", 3.0),
        ("greenside_duplicate_ball_fixes_total", 2.0),
        ("greenside_surface_transitions_total{to=\"OFF_GREEN\"}", 1.0),
        ("greenside_surface_transitions_total{to=\"ON_GREEN\"}", 1.0),
        ("greenside_advice_calls_total{service=\"putt_solver\",outcome=\"ok\"}", 1.0),
        ("greenside_advice_calls_total{service=\"tee_to_green\",outcome=\"ok\"}", 1.0),
        ("greenside_errors_total{code=\"session_not_found\"}", 1.0),
        ("greenside_errors_total{code=\"invalid_coordinates\"}", 1.0),
        ("greenside_errors_total{code=\"hole_not_found\"}", 1.0),
        ("greenside_advice_calls_total{service=\"putt_solver\",outcome=\"putt_solver_unavailable\"}", 1.0),
        ("greenside_active_sessions", 0.0),
    ] {
        assert_eq!(w.get(series).copied().unwrap_or(0.0), want, "{series} on the edge: {w:#?}");
    }
    assert!(w.keys().any(|k| k.starts_with("greenside_downstream_errors_total{service=\"putt_solver\"")), "{w:#?}");
    let (native, worker) = (&transcripts[0], &transcripts[1]);
    assert_eq!(native.len(), worker.len());
    for ((step, ns, nb), (_, ws, wb)) in native.iter().zip(worker) {
        let mut diffs = Vec::new();
        differences(nb, wb, "", &mut diffs);
        assert!(ns == ws && diffs.is_empty(), "{step}: native {ns} and worker {ws} differ at {diffs:#?}");
    }
    // The scenario covered what it meant to.
    let statuses: Vec<u16> = native.iter().map(|(_, s, _)| *s).collect();
    assert_eq!(statuses, vec![200, 200, 200, 200, 200, 200, 200, 200, 502, 400, 200, 200, 404, 404, 200, 200]);
    assert!(solver.problems().is_empty(), "{:?}", solver.problems());
}

/// The web page from the edge: the same paths as native (`/`, `/app/*`,
/// `/pkg/*`, `/sw.js`) with the same CSP; a missing file is the API's 404.
#[tokio::test(flavor = "multi_thread")]
async fn the_worker_serves_the_web_page_with_its_policy() {
    let w = Worker::start(&[]);
    let c = client();
    let r = c.get(w.url("/")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let csp = r.headers().get("content-security-policy").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(r.text().await.unwrap().contains(r#"<script type="module" src="/app/app.js">"#));
    for (path, ct) in [
        ("/app/app.js", "javascript"),
        ("/app/style.css", "text/css"),
        ("/pkg/greenside.js", "javascript"),
        ("/pkg/greenside_bg.wasm", "application/wasm"),
        ("/pkg/greenside_classify.js", "javascript"),
        ("/pkg/greenside_classify_bg.wasm", "application/wasm"),
        ("/pkg/snippets/greenside-classify/glue.js", "javascript"),
        ("/sw.js", "javascript"),
    ] {
        let r = c.get(w.url(path)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
        let got = r.headers()["content-type"].to_str().unwrap().to_string();
        assert!(got.contains(ct), "{path}: {got}");
    }
    let (status, body) = get(&c, &w.url("/app/missing.js")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("route_not_found")));
    // The page's own API calls reach the worker.
    let (status, courses) = get(&c, &w.url("/api/courses")).await;
    assert_eq!((status, courses["courses"].as_array().map(Vec::len)), (200, Some(2)));
    w.stop();
}

/// Issue 37: runs an earlier version kept as key-value entries move into
/// SQL; one that cannot be read is set aside under its own prefix (kept,
/// counted, in `/health`), never deleted. The entries are written through
/// the run-log object's own storage by a route that exists only under the
/// test clock.
#[tokio::test(flavor = "multi_thread")]
async fn runs_of_an_earlier_version_that_cannot_be_read_are_set_aside_not_lost() {
    let w = Worker::start(&[("GREENSIDE_TEST_CLOCK", "true"), ("ADMIN_TOKEN", ADMIN), ("RUN_LOG_SHARDS", "1")]);
    let c = client();
    let mut old = greenside_core::run::RunRecord::new(
        "run_0000000000000000000000000000abcd".into(),
        "gs_00000000000000000000000000000001".into(),
        "riverside".into(),
        1,
        1_000,
    );
    old.fail(greenside_core::ErrorCode::BallLocationMissing, "no ball".into(), None, false, 1_000).unwrap();
    let entries = json!({"shard": 0, "entries": [
        ["r:0000000001000:run_0000000000000000000000000000abcd", serde_json::to_string(&old).unwrap()],
        ["r:0000000002000:run_broken", "{\"run_id\": \"run_broken\", \"stat"],
    ]});
    let r = c.post(w.url("/__test/run_log/legacy")).json(&entries).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());

    // The readable one is moved and listed; the other is set aside, counted.
    let page = admin(&c, &w, "/runs/v1").await;
    let ids: Vec<&str> = page["runs"].as_array().unwrap().iter().map(|r| r["run_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["run_0000000000000000000000000000abcd"], "{page}");
    let h = admin(&c, &w, "/health").await;
    let rs = &h["run_store"];
    assert_eq!((rs["set_aside"].as_u64(), rs["status"].as_str()), (Some(1), Some("degraded")), "{h}");
    assert!(rs["last_error"].as_str().unwrap().contains("unreadable:"), "{rs}");
    assert!(w.logs().iter().any(|l| l.contains("set aside") && l.contains("r:0000000002000:run_broken")));
    // Asked again, nothing moves twice and nothing is lost.
    let r = c.post(w.url("/__test/run_log/legacy")).json(&json!({"shard": 0, "entries": []})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(admin(&c, &w, "/runs/v1").await["runs"].as_array().unwrap().len(), 1);
    assert_eq!(admin(&c, &w, "/health").await["run_store"]["set_aside"], 1);
    w.stop();
    // Without the test clock the route does not exist.
    let w = Worker::start(&[]);
    let r = c.post(w.url("/__test/run_log/legacy")).json(&entries).send().await.unwrap();
    assert_eq!(r.status(), 404);
    w.stop();
}
