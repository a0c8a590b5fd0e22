//! The shared vectors replayed over HTTP against the real server, on the
//! memory store and on a real Redis. Time comes from the vectors through the
//! test clock (`GREENSIDE_TEST_CLOCK=1`, header `x-greenside-now-ms`).

#![allow(clippy::unwrap_used)]

use crate::common;

use common::solver::{Mode, TestSolver};
use common::{Platform, RedisServer, client};
use greenside_core::ErrorCode;
use greenside_testkit::{check_error_shape, load_vectors, matches, step_body};
use serde_json::Value;

fn config_env(v: &Value) -> Vec<(String, String)> {
    let mut env = vec![("GREENSIDE_TEST_CLOCK".to_string(), "1".to_string())];
    if let Some(c) = v.get("config").and_then(Value::as_object) {
        for (k, var) in [
            ("commit_on_streak", "SURFACE_COMMIT_ON_STREAK"),
            ("commit_off_streak", "SURFACE_COMMIT_OFF_STREAK"),
            ("session_ttl_s", "SESSION_TTL_S"),
            ("default_accuracy_m", "DEFAULT_ACCURACY_M"),
            ("default_accuracy_kind", "DEFAULT_ACCURACY_KIND"),
            ("hysteresis_mode", "SURFACE_HYSTERESIS_MODE"),
            ("evidence_false_switch_rate", "SURFACE_EVIDENCE_FALSE_SWITCH_RATE"),
            ("evidence_max_wait_fixes", "SURFACE_EVIDENCE_MAX_WAIT_FIXES"),
            ("hazard_corridor_m", "HAZARD_CORRIDOR_M"),
            ("shot_min_distance_m", "SHOT_MIN_DISTANCE_M"),
            ("shot_confirm_fixes", "SHOT_CONFIRM_FIXES"),
        ] {
            if let Some(x) = c.get(k) {
                env.push((var.to_string(), x.as_str().map(str::to_string).unwrap_or_else(|| x.to_string())));
            }
        }
        for k in c.keys() {
            assert!(
                [
                    "commit_on_streak",
                    "commit_off_streak",
                    "session_ttl_s",
                    "default_accuracy_m",
                    "default_accuracy_kind",
                    "hysteresis_mode",
                    "evidence_false_switch_rate",
                    "evidence_max_wait_fixes",
                    "hazard_corridor_m",
                    "shot_min_distance_m",
                    "shot_confirm_fixes"
                ]
                .contains(&k.as_str()),
                "unknown config key {k}"
            );
        }
    }
    env
}

/// Session steps in all vector files.
fn total_steps() -> usize {
    let vs = load_vectors();
    vs.iter().filter(|v| v["kind"] == "session").map(|v| v["steps"].as_array().unwrap().len()).sum()
}

/// Replays every session vector; answers (steps replayed, advice calls
/// whose downstream body was compared).
async fn replay(platform: Platform, store_env: &[(String, String)]) -> (usize, usize) {
    let c = client();
    // Advice steps reach a real HTTP test double that checks the key and the body.
    let solver = TestSolver::start(Mode::Ok, Some("vector-key")).await;
    let (mut replayed, mut compared) = (0, 0);
    for v in load_vectors().iter().filter(|v| v["kind"] == "session") {
        let name = v["name"].as_str().unwrap();
        let mut env = config_env(v);
        env.extend(store_env.iter().cloned());
        env.push(("REDIS_SESSION_PREFIX".into(), format!("vectors:{name}")));
        for (k, v) in [("PUTT_SOLVER_URL", &solver.base), ("TEE_TO_GREEN_URL", &solver.base)] {
            env.push((k.into(), v.clone()));
        }
        env.push(("PUTT_SOLVER_API_KEY".into(), "vector-key".into()));
        env.push(("TEE_TO_GREEN_API_KEY".into(), "vector-key".into()));
        let env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let server = platform.start(&env_refs);
        let mut sid = String::new();
        for (i, step) in v["steps"].as_array().unwrap().iter().enumerate() {
            let op = step["op"].as_str().unwrap();
            let calls_before = solver.received().len();
            let now = step["now_ms"].as_u64().unwrap_or(0).to_string();
            let path_id = greenside_testkit::path_id(step, &sid).unwrap_or_default();
            let req = match op {
                "start" => c.post(server.url("/api/session/start")),
                "set_cup_location" => c.post(server.url("/api/session/set_cup_location")),
                "set_ball_location" => c.post(server.url("/api/session/set_ball_location")),
                "set_ball_locations" => c.post(server.url("/api/session/set_ball_locations")),
                "get_session" => c.get(server.url(&format!("/api/session/{path_id}"))),
                "delete_session" => c.delete(server.url(&format!("/api/session/{path_id}"))),
                "get_hole_advice" => c.post(server.url("/api/get_hole_advice")),
                "round_start" => c.post(server.url("/api/round/start")),
                "round_set_ball_location" => c.post(server.url("/api/round/set_ball_location")),
                "round_next_hole" => c.post(server.url("/api/round/next_hole")),
                "round_set_score" => c.post(server.url("/api/round/set_score")),
                "get_round" => c.get(server.url(&format!("/api/round/{path_id}"))),
                "delete_round" => c.delete(server.url(&format!("/api/round/{path_id}"))),
                "list_rounds" => c.get(server.url("/api/rounds")),
                "locate" => {
                    let q = &step["query"];
                    let path = format!("/api/courses/{}/locate", step["course_id"].as_str().unwrap());
                    c.get(server.url(&path)).query(&[("lat", q["lat"].to_string()), ("lon", q["lon"].to_string())])
                }
                "measure" => {
                    let q = &step["query"];
                    let path = format!(
                        "/api/courses/{}/holes/{}/measure",
                        step["course_id"].as_str().unwrap(),
                        step["hole_id"].as_u64().unwrap()
                    );
                    c.get(server.url(&path))
                        .query(&[("from", q["from"].as_str().unwrap()), ("to", q["to"].as_str().unwrap())])
                }
                other => panic!("{name}: op {other} has no HTTP mapping"),
            };
            let req = req.header("x-greenside-now-ms", now);
            let req = if matches!(
                op,
                "get_session" | "delete_session" | "locate" | "measure" | "get_round" | "delete_round" | "list_rounds"
            ) {
                req
            } else {
                req.header("content-type", "application/json").body(step_body(step, &sid))
            };
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            let reply: Value = resp.json().await.unwrap();
            let where_ = format!(
                "{name} step {i} ({op}) on {} {}",
                platform.name(),
                store_env.first().map_or("memory", |_| "redis")
            );
            assert_eq!(u64::from(status), step["expect"]["status"].as_u64().unwrap(), "{where_}: {reply}");
            if let Some(expected) = step["expect"].get("body") {
                if let Err(e) = matches(expected, &reply, "body") {
                    panic!("{where_}: {e}\nreply: {reply}");
                }
            }
            if status >= 400 {
                check_error_shape(&reply, status, |c| ErrorCode::from_code(c).map(ErrorCode::http_status))
                    .unwrap_or_else(|e| panic!("{where_}: {e}"));
            }
            if let Some(id) = greenside_testkit::started_id(op, &reply).filter(|_| status == 200) {
                sid = id;
            }
            // The body the service received is exactly the request the answer
            // reports (the same run and session ids too: one call made both).
            let calls = solver.received();
            if let Some(request) = reply.get("request").filter(|_| op == "get_hole_advice") {
                assert_eq!(calls.len(), calls_before + 1, "{where_}: one downstream call");
                assert_eq!(&calls[calls_before].body, request, "{where_}: the body sent is the request reported");
                compared += 1;
            } else {
                assert_eq!(calls.len(), calls_before, "{where_}: no downstream call");
            }
            replayed += 1;
        }
        server.stop();
    }
    assert!(solver.problems().is_empty(), "the solver double rejected bodies: {:?}", solver.problems());
    let received = solver.received();
    assert!(!received.is_empty() && received.iter().all(|r| r.api_key.as_deref() == Some("vector-key")));
    (replayed, compared)
}

#[tokio::test(flavor = "multi_thread")]
async fn vectors_over_http_on_the_memory_store() {
    let (replayed, compared) = replay(Platform::Native, &[]).await;
    eprintln!("memory: replayed {replayed} steps, {compared} downstream bodies compared");
    assert_eq!(replayed, total_steps());
    assert!(compared > 0, "the vectors reach the downstream services");
}

#[tokio::test(flavor = "multi_thread")]
async fn vectors_over_http_on_redis() {
    let redis = RedisServer::start();
    let env = vec![("SESSION_STORE_BACKEND".to_string(), "redis".to_string()), ("REDIS_URL".to_string(), redis.url())];
    let (replayed, compared) = replay(Platform::Native, &env).await;
    eprintln!("redis: replayed {replayed} steps, {compared} downstream bodies compared");
    assert_eq!(replayed, total_steps());
    assert!(compared > 0, "the vectors reach the downstream services");
    // The records really live in Redis.
    assert!(redis.command(&["KEYS", "vectors:*"]).contains("vectors:"));
}

/// The same vectors, the same harness, against the edge worker in workerd:
/// one Durable Object per session, course data from KV, advice through
/// `fetch` to the same test double (which checks `X-API-Key`).
#[tokio::test(flavor = "multi_thread")]
async fn vectors_over_http_on_the_worker() {
    let (replayed, compared) = replay(Platform::Worker, &[]).await;
    eprintln!("worker: replayed {replayed} steps, {compared} downstream bodies compared");
    assert_eq!(replayed, total_steps());
    assert!(compared > 0, "the vectors reach the downstream services");
}
