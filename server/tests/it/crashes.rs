//! Crashes and disks (issue 37): kill -9 in the middle of a burst loses
//! nothing acknowledged; a full or broken disk is an error and a `/health`
//! warning, never a loss; a damaged run store is refused at start, named
//! and left as it is.

#![allow(clippy::unwrap_used)]

use crate::common;

use common::solver::{Mode, TestSolver};
use common::{ON_GREEN, RedisServer, Server, ball, client, post, start_session};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const ADMIN: &str = "crash-admin-token-19";

async fn advise(c: &reqwest::Client, s: &Server, sid: &str) -> (u16, Value) {
    let body = json!({"contract_version": "0.5.0", "session_id": sid, "want_plot": false});
    post(c, &s.url("/api/get_hole_advice"), &body).await
}

async fn admin(c: &reqwest::Client, s: &Server, path: &str) -> (u16, Value) {
    let r = c.get(s.url(path)).header("x-admin-token", ADMIN).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// Sessions with a ball on the green (ready for advice).
async fn on_green(c: &reqwest::Client, s: &Server, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    for _ in 0..n {
        let sid = start_session(c, s).await;
        assert_eq!(post(c, &s.url("/api/session/set_ball_location"), &ball(&sid, ON_GREEN)).await.0, 200);
        out.push(sid);
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_in_a_burst_of_fixes_loses_no_acknowledged_fix_on_redis() {
    let redis = RedisServer::start();
    let url = redis.url();
    let env = [("SESSION_STORE_BACKEND", "redis"), ("REDIS_URL", url.as_str())];
    let s = Server::start(&env);
    let c = client();
    let sid = start_session(&c, &s).await;
    let url = s.url("/api/session/set_ball_location");
    let burst: Vec<_> = (0..400u32)
        .map(|i| {
            let (c, url) = (c.clone(), url.clone());
            // No `seq`: concurrent fixes arrive in any order, and a seq
            // below the last one is (rightly) a duplicate, not a new fix.
            let body = ball(&sid, (40.268240 + f64::from(i) * 1e-6, -111.659520));
            tokio::spawn(async move {
                match c.post(url).json(&body).send().await {
                    Ok(r) => r.status().as_u16(),
                    Err(_) => 0,
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(60)).await;
    s.crash();
    let mut acked = 0;
    for b in burst {
        if b.await.unwrap() == 200 {
            acked += 1;
        }
    }
    assert!(acked > 0 && acked < 400, "the kill landed mid-burst ({acked} of 400 acknowledged)");
    let s = Server::start(&env);
    let (status, body) = common::get(&c, &s.url(&format!("/api/session/{sid}"))).await;
    assert_eq!(status, 200, "{body}");
    let fixes = body["hole_state"]["fix_count"].as_u64().unwrap();
    assert!(fixes >= acked, "{fixes} fixes stored, {acked} acknowledged");
    s.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_in_a_burst_of_advice_loses_no_answered_run_in_sqlite() {
    let solver = TestSolver::start(Mode::Slow(Duration::from_millis(30)), None).await;
    let dir = common::temp_dir("crash-runs");
    let (runs, bundles) = (dir.join("runs"), dir.join("bundles"));
    let env = [
        ("PUTT_SOLVER_URL", solver.base.as_str()),
        ("ADMIN_TOKEN", ADMIN),
        ("RUN_STORE_DIR", runs.to_str().unwrap()),
        ("DEBUG_BUNDLE_DIR", bundles.to_str().unwrap()),
    ];
    let s = Server::start(&env);
    let c = client();
    let sessions = on_green(&c, &s, 12).await;
    let url = s.url("/api/get_hole_advice");
    // Twelve lanes, each asking again as soon as it is answered, until the kill.
    let lanes: Vec<_> = sessions
        .iter()
        .map(|sid| {
            let (c, url) = (c.clone(), url.clone());
            let body = json!({"contract_version": "0.5.0", "session_id": sid, "want_plot": false});
            tokio::spawn(async move {
                let mut answered = Vec::new();
                while let Ok(r) = c.post(&url).json(&body).send().await {
                    if r.status() != 200 {
                        break;
                    }
                    match r.json::<Value>().await {
                        Ok(v) => answered.push(v["run_id"].as_str().unwrap().to_string()),
                        Err(_) => break,
                    }
                }
                answered
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(400)).await;
    s.crash();
    let mut answered = Vec::new();
    for lane in lanes {
        answered.extend(lane.await.unwrap());
    }
    assert!(answered.len() >= 24, "the burst was under way when the kill landed ({})", answered.len());
    let s = Server::start(&env);
    for run_id in &answered {
        let (status, run) = admin(&c, &s, &format!("/runs/v1/{run_id}")).await;
        assert_eq!((status, run["status"].as_str()), (200, Some("succeeded")), "{run_id}: {run}");
    }
    s.stop();
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bundle_that_cannot_be_written_is_a_health_warning_and_the_answer_goes_out() {
    let solver = TestSolver::start(Mode::Ok, None).await;
    let dir = common::temp_dir("bundles-broken");
    let file = dir.join("a-file");
    std::fs::write(&file, b"not a directory").unwrap();
    let bundles = file.join("bundles");
    let s = Server::start(&[
        ("PUTT_SOLVER_URL", solver.base.as_str()),
        ("ADMIN_TOKEN", ADMIN),
        ("DEBUG_BUNDLE_ENABLED", "true"),
        ("DEBUG_BUNDLE_DIR", bundles.to_str().unwrap()),
        ("RUN_STORE_DIR", dir.join("runs").to_str().unwrap()),
    ]);
    let c = client();
    let sid = on_green(&c, &s, 1).await.remove(0);
    let (status, body) = advise(&c, &s, &sid).await;
    assert_eq!(status, 200, "the answer goes out without its bundle: {body}");
    let (_, h) = admin(&c, &s, "/health").await;
    let b = &h["debug_bundles"];
    assert_eq!((h["status"].as_str(), b["failures"].as_u64()), (Some("degraded"), Some(1)), "{h}");
    assert!(b["last_error"].as_str().unwrap().starts_with("debug_bundle_write_failed: "), "{b}");
    // Without the admin token the path is not shown.
    let (_, h) = common::get(&c, &s.url("/health")).await;
    let shown = h["debug_bundles"]["last_error"].as_str().unwrap();
    assert!(!shown.contains(dir.to_str().unwrap()) && shown.contains("${DEBUG_BUNDLE_DIR}"), "{shown}");
    let deadline = Instant::now() + Duration::from_secs(5);
    while !s.logs().iter().any(|l| l.contains("\"code\":\"debug_bundle_write_failed\"")) {
        assert!(Instant::now() < deadline, "no log line with the code");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    s.stop();
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_fails_run_writes_with_their_code_and_loses_nothing_answered() {
    let solver = TestSolver::start(Mode::Ok, None).await;
    let dir = common::temp_dir("disk-full");
    // The files the server writes may not grow past 256 blocks (a full
    // disk, as SQLite sees it: the write fails); SIGXFSZ is ignored so the
    // write returns EFBIG instead of killing the process.
    let s = Server::start_under(
        "trap '' XFSZ; ulimit -f 256",
        &[
            ("PUTT_SOLVER_URL", solver.base.as_str()),
            ("ADMIN_TOKEN", ADMIN),
            ("RUN_STORE_DIR", dir.join("runs").to_str().unwrap()),
            ("DEBUG_BUNDLE_DIR", dir.join("bundles").to_str().unwrap()),
        ],
    );
    let c = client();
    let sid = on_green(&c, &s, 1).await.remove(0);
    let (mut answered, mut refused) = (Vec::new(), None);
    for _ in 0..400 {
        let (status, body) = advise(&c, &s, &sid).await;
        match status {
            200 => answered.push(body["run_id"].as_str().unwrap().to_string()),
            _ => {
                refused = Some((status, body));
                break;
            }
        }
    }
    let (status, body) = refused.expect("the run store never filled up");
    assert_eq!((status, body["error"]["code"].as_str()), (503, Some("run_store_unavailable")), "{body}");
    assert!(!answered.is_empty());
    let (_, h) = admin(&c, &s, "/health").await;
    let rs = &h["run_store"];
    assert_eq!((rs["backend"].as_str(), rs["status"].as_str()), (Some("sqlite"), Some("degraded")), "{h}");
    assert!(
        rs["failures"].as_u64().unwrap() >= 1
            && rs["last_error"].as_str().unwrap().starts_with("run_store_unavailable")
    );
    assert_eq!(h["status"], "degraded");
    // Sessions are not on that disk: fixes still go in.
    assert_eq!(post(&c, &s.url("/api/session/set_ball_location"), &ball(&sid, ON_GREEN)).await.0, 200);
    s.stop();
    // Every run that was answered is in the file.
    let s = Server::start(&[
        ("ADMIN_TOKEN", ADMIN),
        ("RUN_STORE_DIR", dir.join("runs").to_str().unwrap()),
        ("DEBUG_BUNDLE_DIR", dir.join("bundles").to_str().unwrap()),
    ]);
    for run_id in &answered {
        let (status, run) = admin(&c, &s, &format!("/runs/v1/{run_id}")).await;
        assert_eq!((status, run["status"].as_str()), (200, Some("succeeded")), "{run_id}: {run}");
    }
    s.stop();
    let _ = std::fs::remove_dir_all(dir);
}

/// Starts the binary on `runs` and answers its exit status and stderr (it must exit).
fn start_on(runs: &std::path::Path) -> (Option<i32>, String) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_greenside"))
        .args(["serve", "--host", "127.0.0.1", "--port", "0"])
        .env_clear()
        .env("RUN_STORE_DIR", runs)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while matches!(child.try_wait(), Ok(None)) {
        if t0.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("the server started on a damaged run store");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_damaged_run_store_is_refused_at_start_named_and_left_as_it_is() {
    let dir = common::temp_dir("damaged-runs");
    let file = dir.join("runs.sqlite3");
    // Not a database at all.
    let garbage = b"these bytes were never a SQLite database ".repeat(200);
    std::fs::write(&file, &garbage).unwrap();
    let (code, stderr) = start_on(&dir);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains(file.to_str().unwrap()) && stderr.contains("left as it is"), "{stderr}");
    assert_eq!(std::fs::read(&file).unwrap(), garbage, "the file was not replaced");

    // A database damaged inside: a good file (the run table, core's schema,
    // closed so every page is in the file) with two pages overwritten.
    std::fs::remove_file(&file).unwrap();
    {
        let conn = rusqlite::Connection::open(&file).unwrap();
        conn.execute_batch(&greenside_core::runs_sql::SCHEMA.join(";\n")).unwrap();
        for i in 0..200 {
            let args = format!("('run_{i:032x}', {i}, 'succeeded', 'PUTT', 'riverside', 'gs_x', '{{}}')");
            conn.execute_batch(&format!("INSERT INTO runs VALUES {args}")).unwrap();
        }
    }
    let mut bytes = std::fs::read(&file).unwrap();
    assert!(bytes.len() >= 3 * 4096, "{} bytes", bytes.len());
    for b in &mut bytes[4096..3 * 4096] {
        *b = 0xA5;
    }
    std::fs::write(&file, &bytes).unwrap();
    let (code, stderr) = start_on(&dir);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains(file.to_str().unwrap()), "{stderr}");
    assert_eq!(std::fs::read(&file).unwrap(), bytes, "the file was not replaced");
    let _ = std::fs::remove_dir_all(dir);
}
