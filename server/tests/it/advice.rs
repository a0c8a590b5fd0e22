//! Advice against a real HTTP test solver and planner: success, every failure
//! code with its status and the flagged fallback, and the key handling.

#![allow(clippy::unwrap_used)]

use crate::common;

use common::solver::{Mode, TestSolver};
use common::{ON_GREEN, Server, ball, client, post, start_session};
use serde_json::{Value, json};
use std::time::Duration;

const OFF: (f64, f64) = (40.267728069, -111.659682572);

async fn advice(c: &reqwest::Client, s: &Server, sid: &str) -> (u16, Value) {
    post(
        c,
        &s.url("/api/get_hole_advice"),
        &json!({"contract_version": "0.5.0", "session_id": sid, "want_plot": false}),
    )
    .await
}

async fn on_green_session(c: &reqwest::Client, s: &Server) -> String {
    let sid = start_session(c, s).await;
    assert_eq!(post(c, &s.url("/api/session/set_ball_location"), &ball(&sid, ON_GREEN)).await.0, 200);
    sid
}

#[tokio::test(flavor = "multi_thread")]
async fn putt_and_tee_to_green_reach_their_services_with_the_key() {
    let solver = TestSolver::start(Mode::Ok, Some("putt-key-77")).await;
    let planner = TestSolver::start(Mode::Ok, Some("ttg-key-88")).await;
    let s = Server::start(&[
        ("PUTT_SOLVER_URL", &solver.base),
        ("PUTT_SOLVER_API_KEY", "putt-key-77"),
        ("TEE_TO_GREEN_URL", &planner.base),
        ("TEE_TO_GREEN_API_KEY", "ttg-key-88"),
    ]);
    let c = client();
    let sid = on_green_session(&c, &s).await;
    let (status, body) = advice(&c, &s, &sid).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["plan_type"].as_str(), body["fallback_used"].as_bool()), (Some("PUTT"), Some(false)));
    assert_eq!(body["plan"]["solver"], "test-double");
    assert_eq!(body["plan"]["echo_run_id"], body["run_id"]);
    assert_eq!(body["downstream"]["service"], "putt_solver");
    assert!(body["downstream"]["latency_ms"].is_u64());
    assert_eq!(body["hole_state"]["surface_state"], "ON_GREEN");
    let got = solver.received();
    assert_eq!((got.len(), got[0].path.as_str(), got[0].api_key.as_deref()), (1, "/solve_putt", Some("putt-key-77")));
    assert_eq!(got[0].body["session_id"], sid.as_str());
    assert!(solver.problems().is_empty(), "{:?}", solver.problems());

    // Two OFF fixes switch to OFF_GREEN: the planner answers.
    for _ in 0..2 {
        post(&c, &s.url("/api/session/set_ball_location"), &ball(&sid, OFF)).await;
    }
    let (status, body) = advice(&c, &s, &sid).await;
    assert_eq!(
        (status, body["plan_type"].as_str(), body["plan"]["club"].as_str()),
        (200, Some("TEE_TO_GREEN"), Some("7i"))
    );
    assert_eq!(planner.received()[0].api_key.as_deref(), Some("ttg-key-88"));
    assert_eq!(planner.received()[0].path, "/plan_shot");
    assert!(!body.to_string().contains("key-77") && !body.to_string().contains("key-88"), "keys never in responses");
    // The logs are captured (and scanned for the keys when the server stops).
    // Logs are written by a background thread: give the line a moment to arrive.
    let t0 = std::time::Instant::now();
    while !s.logs().iter().any(|l| l.contains(&sid) && l.contains("advice")) {
        assert!(t0.elapsed() < std::time::Duration::from_secs(5), "advice is logged with its session");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(body.get("plot").is_none(), "no plot unless asked");
    let (status, body) = post(
        &c,
        &s.url("/api/get_hole_advice"),
        &json!({"contract_version": "0.5.0", "session_id": sid, "want_plot": true}),
    )
    .await;
    assert_eq!(status, 200);
    let svg = body["plot"]["svg"].as_str().unwrap();
    assert_eq!(body["plot"]["format"], "svg");
    for part in ["<svg", r#"class="green""#, r#"class="ball""#, r#"class="cup""#, r#"class="plan""#, r#"class="scale""#]
    {
        assert!(svg.contains(part), "{part}");
    }
    // The session remembers the last advice.
    let (_, st) = common::get(&c, &s.url(&format!("/api/session/{sid}"))).await;
    assert_eq!(st["hole_state"]["revision"], 7, "start, 3 fixes, 3 advice results");
}

async fn expect_failure(s: &Server, status: u16, code: &str) {
    let c = client();
    let sid = on_green_session(&c, s).await;
    let (st, body) = advice(&c, s, &sid).await;
    assert_eq!((st, body["error"]["code"].as_str()), (status, Some(code)), "{body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(body["fallback_used"], true, "{body}");
    assert_eq!(body["fallback"]["kind"], "builtin_straight_line");
    assert!(body["fallback"]["distance_m"].as_f64().unwrap() > 0.0);
    assert!(body["fallback"]["bearing_deg"].is_number());
    assert_eq!(body["plan"], Value::Null);
    assert!(body["run_id"].as_str().unwrap().starts_with("run_"));
    assert_eq!(body["run_status"], "failed");
    assert_eq!(body["hole_state"]["revision"], 3, "the failed run is recorded on the session");
    assert!(!body.to_string().contains("s3cr3t"));
}

#[tokio::test(flavor = "multi_thread")]
async fn every_downstream_failure_has_its_code_status_and_fallback() {
    // Not configured.
    expect_failure(&Server::start(&[]), 503, "putt_solver_not_configured").await;
    // Nothing listening.
    let port = common::free_port();
    expect_failure(
        &Server::start(&[("PUTT_SOLVER_URL", &format!("http://127.0.0.1:{port}"))]),
        502,
        "putt_solver_unavailable",
    )
    .await;
    // The key: missing, then wrong.
    let solver = TestSolver::start(Mode::Ok, Some("s3cr3t")).await;
    expect_failure(&Server::start(&[("PUTT_SOLVER_URL", &solver.base)]), 502, "putt_solver_unauthorized").await;
    expect_failure(
        &Server::start(&[("PUTT_SOLVER_URL", &solver.base), ("PUTT_SOLVER_API_KEY", "wrong")]),
        502,
        "putt_solver_unauthorized",
    )
    .await;
    let with_key = [
        ("PUTT_SOLVER_URL", solver.base.as_str()),
        ("PUTT_SOLVER_API_KEY", "s3cr3t"),
        ("PUTT_SOLVER_TIMEOUT_S", "0.5"),
    ];
    // 5xx, garbage, JSON that is not an object, too slow.
    solver.set_mode(Mode::Status(500));
    expect_failure(&Server::start(&with_key), 502, "putt_solver_unavailable").await;
    solver.set_mode(Mode::NotJson);
    expect_failure(&Server::start(&with_key), 502, "putt_solver_bad_response").await;
    solver.set_mode(Mode::NotAnObject);
    expect_failure(&Server::start(&with_key), 502, "putt_solver_bad_response").await;
    solver.set_mode(Mode::Slow(Duration::from_secs(3)));
    let t0 = std::time::Instant::now();
    expect_failure(&Server::start(&with_key), 504, "putt_solver_timeout").await;
    assert!(t0.elapsed() < Duration::from_secs(3), "the timeout is honoured");
    assert!(solver.problems().is_empty(), "{:?}", solver.problems());
}

#[tokio::test(flavor = "multi_thread")]
async fn advice_without_a_ball_is_a_conflict_and_off_green_without_a_planner_says_so() {
    let s = Server::start(&[]);
    let c = client();
    let sid = start_session(&c, &s).await;
    let (status, body) = advice(&c, &s, &sid).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("ball_location_missing")));
    assert!(body["error"]["details"]["run_id"].is_string(), "the refused call still has a run");
    post(&c, &s.url("/api/session/set_ball_location"), &ball(&sid, OFF)).await;
    let (status, body) = advice(&c, &s, &sid).await;
    assert_eq!(
        (status, body["error"]["code"].as_str(), body["plan_type"].as_str()),
        (503, Some("tee_to_green_not_configured"), Some("TEE_TO_GREEN"))
    );
    assert_eq!(body["fallback_used"], true);
}
