//! The OpenAPI document (`/openapi.json`, `docs/openapi.json`):
//!
//! - the committed copy is what the code generates (regenerate with
//!   `cargo run -p greenside-server -- openapi > docs/openapi.json`);
//! - the native server and the edge worker both serve exactly that text;
//! - every answer of a scripted tour of the whole API (success paths,
//!   downstream failures, the fallback, admin routes, errors), on both
//!   platforms, is documented for its route and status and matches the
//!   document's schema (JSON Schema 2020-12, the OpenAPI 3.1 dialect).
//!
//! Schemathesis (scripts/schemathesis) adds generated requests on top.

#![allow(clippy::unwrap_used)]

use crate::common;

use common::solver::{Mode, TestSolver};
use common::{ON_GREEN, Platform, Target, client};
use serde_json::{Value, json};

const KEY: &str = "contract-solver-key-51";
const ADMIN: &str = "contract-admin-52";
const OFF_GREEN: (f64, f64) = (40.26700, -111.65900);

fn committed() -> String {
    std::fs::read_to_string(common::worker::repo_root().join("docs/openapi.json")).unwrap()
}

#[test]
fn committed_document_is_what_the_code_generates() {
    let generated = greenside_core::openapi::document();
    assert!(
        generated == committed(),
        "docs/openapi.json is stale: run `cargo run -p greenside-server -- openapi > docs/openapi.json` and commit it"
    );
}

/// What a schema-driven client needs to know is in the document (issue
/// 40): the cursors' patterns are the parsers' (core's test holds the
/// patterns to the parsers; `bad_requests` sends one outside them to both
/// platforms), a position off every hole is a documented 422 answer, and
/// links lead from a session to its run and bundle and from the listings
/// to their items.
#[test]
fn cursors_locate_and_links_are_documented() {
    use greenside_core::listing::{RUNS_CURSOR_PATTERN, SESSIONS_CURSOR_PATTERN};
    let doc: Value = serde_json::from_str(&committed()).unwrap();
    let op = |path: &str, method: &str| doc["paths"][path][method].clone();
    for (path, pattern) in [("/api/sessions", SESSIONS_CURSOR_PATTERN), ("/runs/v1", RUNS_CURSOR_PATTERN)] {
        let params = op(path, "get")["parameters"].as_array().unwrap().clone();
        let cursor = params.iter().find(|p| p["name"] == "cursor").unwrap();
        assert_eq!(cursor["schema"]["pattern"], pattern, "{path}");
        assert!(cursor["description"].as_str().unwrap().contains("invalid_query"), "{path}");
        assert!(op(path, "get")["responses"]["400"]["description"].as_str().unwrap().contains("invalid_query"));
    }
    let locate = op("/api/courses/{course_id}/locate", "get");
    assert!(locate["responses"]["422"]["description"].as_str().unwrap().contains("not_on_course"));
    let links = |path: &str, method: &str| -> Vec<String> {
        op(path, method)["responses"]["200"]["links"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    assert_eq!(links("/api/get_hole_advice", "post"), ["get_run", "get_run_bundle"]);
    assert_eq!(links("/runs/v1", "get"), ["get_run", "get_run_bundle"]);
    assert_eq!(links("/api/sessions", "get"), ["get_session"]);
    for from in ["/api/session/start", "/api/session/set_ball_location"] {
        assert!(links(from, "post").contains(&"set_ball_locations".to_string()), "{from}");
    }
}

#[test]
fn document_is_openapi_3_1_and_lists_every_route() {
    let doc: Value = serde_json::from_str(&committed()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["version"], greenside_core::API_CONTRACT_VERSION);
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            ops.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    ops.sort();
    let mut expected = vec![
        "POST /api/session/start",
        "POST /api/session/set_cup_location",
        "POST /api/session/set_ball_location",
        "POST /api/session/set_ball_locations",
        "GET /api/session/{session_id}",
        "DELETE /api/session/{session_id}",
        "POST /api/get_hole_advice",
        "GET /api/sessions",
        "GET /runs/v1",
        "POST /runs/v1/prune",
        "GET /runs/v1/{run_id}",
        "GET /runs/v1/{run_id}/bundle",
        "GET /api/courses",
        "GET /api/courses/{course_id}",
        "GET /api/courses/{course_id}/locate",
        "GET /api/courses/{course_id}/holes/{hole_id}/measure",
        "POST /api/round/start",
        "POST /api/round/set_ball_location",
        "POST /api/round/next_hole",
        "POST /api/round/set_score",
        "GET /api/round/{round_id}",
        "DELETE /api/round/{round_id}",
        "GET /api/round/{round_id}/export.gpx",
        "GET /api/round/{round_id}/scorecard.csv",
        "GET /api/rounds",
        "GET /health",
        "GET /live",
        "GET /ready",
        "GET /startup",
        "GET /metrics",
        "GET /openapi.json",
    ];
    expected.sort();
    assert_eq!(ops, expected);
    // Every error code a route documents answers with the status its code has.
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            for (status, resp) in op["responses"].as_object().unwrap() {
                let text = resp["description"].as_str().unwrap();
                for code in greenside_core::ErrorCode::ALL {
                    if text.contains(&format!("`{}`", code.as_str())) {
                        assert_eq!(status, &code.http_status().to_string(), "{} under {status}", code.as_str());
                    }
                }
            }
        }
    }
}

/// The document, and a check of one answer against it.
struct Contract {
    doc: Value,
    checked: Vec<String>,
}

impl Contract {
    fn new() -> Contract {
        Contract { doc: serde_json::from_str(&committed()).unwrap(), checked: Vec::new() }
    }

    /// Checks an answer to `method template` against the document.
    fn check(&mut self, method: &str, template: &str, status: u16, content_type: &str, body: &str) {
        let op = &self.doc["paths"][template][method.to_lowercase()];
        assert!(op.is_object(), "{method} {template} is not in the document");
        let resp = &op["responses"][status.to_string()];
        assert!(resp.is_object(), "{method} {template} answered {status}, which the document does not list: {body}");
        let content = resp["content"].as_object().cloned().unwrap_or_default();
        if content.is_empty() {
            assert!(body.is_empty(), "{method} {template} {status}: documented without a body, got {body}");
        } else {
            let mime = content_type.split(';').next().unwrap().trim();
            let (_, media) = content
                .iter()
                .find(|(ct, _)| ct.split(';').next().unwrap().trim() == mime)
                .unwrap_or_else(|| panic!("{method} {template} {status}: content type {content_type} not documented"));
            if mime.ends_with("json") {
                let mut schema = media["schema"].clone();
                schema.as_object_mut().unwrap().insert("components".into(), self.doc["components"].clone());
                let validator = jsonschema::draft202012::new(&schema).unwrap();
                let value: Value = serde_json::from_str(body).unwrap();
                let errors: Vec<String> =
                    validator.iter_errors(&value).map(|e| format!("{} at {}", e, e.instance_path())).collect();
                assert!(
                    errors.is_empty(),
                    "{method} {template} {status} does not match its schema: {errors:#?}\n{body}"
                );
            }
        }
        self.checked.push(format!("{method} {template} {status}"));
    }
}

/// A request of the tour: sends it, checks the answer, returns status and body.
async fn call(
    k: &mut Contract,
    s: &Target,
    method: &str,
    template: &str,
    path: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> (u16, Value) {
    let c = client();
    let mut req = c.request(method.parse().unwrap(), s.url(path)).header("x-admin-token", ADMIN);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        req = req.header("content-type", "application/json").body(b.to_string());
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let text = r.text().await.unwrap();
    k.check(method, template, status, &ct, &text);
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn v(extra: Value) -> Value {
    let mut b = json!({"contract_version": "0.5.0"});
    b.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    b
}

async fn tour(platform: Platform) {
    let solver = TestSolver::start(Mode::Ok, Some(KEY)).await;
    let s = platform.start(&[
        ("PUTT_SOLVER_URL", solver.base.as_str()),
        ("PUTT_SOLVER_API_KEY", KEY),
        ("ADMIN_TOKEN", ADMIN),
        ("DEBUG_BUNDLE_ENABLED", "1"),
    ]);
    let k = &mut Contract::new();

    // The document itself, byte for byte.
    let text = client().get(s.url("/openapi.json")).send().await.unwrap().text().await.unwrap();
    assert!(text == committed(), "{} serves a different document", platform.name());

    for path in ["/health", "/live", "/ready", "/startup", "/openapi.json"] {
        assert_eq!(call(k, &s, "GET", path, path, None, &[]).await.0, 200, "{path}");
    }
    call(k, &s, "GET", "/health", "/health", None, &[("accept", "application/health+json")]).await;
    let metrics = call(k, &s, "GET", "/metrics", "/metrics", None, &[]).await.0;
    assert_eq!(metrics, if platform == Platform::Native { 200 } else { 404 });

    assert_eq!(call(k, &s, "GET", "/api/courses", "/api/courses", None, &[]).await.0, 200);
    let one = "/api/courses/{course_id}";
    assert_eq!(call(k, &s, "GET", one, "/api/courses/riverside", None, &[]).await.0, 200);
    assert_eq!(call(k, &s, "GET", one, "/api/courses/augusta_national", None, &[]).await.0, 200);
    assert_eq!(call(k, &s, "GET", one, "/api/courses/no-such-course", None, &[]).await.0, 404);
    assert_eq!(call(k, &s, "GET", one, "/api/courses/Bad!", None, &[]).await.0, 400);
    let locate = "/api/courses/{course_id}/locate";
    for (path, want) in [
        ("/api/courses/riverside/locate?lat=40.2697807&lon=-111.6572558", 200),
        ("/api/courses/riverside/locate?lat=40.2697807", 400),
        ("/api/courses/riverside/locate?lat=40.26&lon=-111.5", 422),
        ("/api/courses/no-such-course/locate?lat=40.26&lon=-111.6", 404),
    ] {
        assert_eq!(call(k, &s, "GET", locate, path, None, &[]).await.0, want, "{path}");
    }

    // Sessions.
    let start = "/api/session/start";
    let (st, body) =
        call(k, &s, "POST", start, start, Some(v(json!({"course_id": "riverside", "hole_id": 1}))), &[]).await;
    assert_eq!(st, 200);
    let sid = body["session_id"].as_str().unwrap().to_string();
    for (b, want) in [
        (json!({"course_id": "nowhere", "hole_id": 1}), 404),
        (json!({"course_id": "riverside", "hole_id": 98}), 404),
        (json!({"course_id": "riverside", "hole_id": 0}), 400),
        (json!({"course_id": "riverside"}), 400),
    ] {
        assert_eq!(call(k, &s, "POST", start, start, Some(v(b)), &[]).await.0, want);
    }
    assert_eq!(call(k, &s, "POST", start, start, Some(json!({"course_id": "riverside"})), &[]).await.0, 400);
    // Not JSON, and not declared JSON.
    let c = client();
    let r = c.post(s.url(start)).header("content-type", "application/json").body("{").send().await.unwrap();
    let (st, ct) = (r.status().as_u16(), r.headers()["content-type"].to_str().unwrap().to_string());
    k.check("POST", start, st, &ct, &r.text().await.unwrap());
    let r = c.post(s.url(start)).header("content-type", "text/plain").body("{}").send().await.unwrap();
    let (st, ct) = (r.status().as_u16(), r.headers()["content-type"].to_str().unwrap().to_string());
    assert_eq!(st, 415);
    k.check("POST", start, st, &ct, &r.text().await.unwrap());

    let cup = "/api/session/set_cup_location";
    let cup_at = json!({"lat": ON_GREEN.0 + 0.00003, "lon": ON_GREEN.1});
    assert_eq!(
        call(k, &s, "POST", cup, cup, Some(v(json!({"session_id": sid, "cup_wgs84": cup_at}))), &[]).await.0,
        200
    );
    let bad_cup = json!({"session_id": sid, "cup_wgs84": {"lat": 91.0, "lon": 0.0}});
    assert_eq!(call(k, &s, "POST", cup, cup, Some(v(bad_cup)), &[]).await.0, 400);

    let one_fix = "/api/session/set_ball_location";
    let fix = |p: (f64, f64), seq: u64| json!({"ball_wgs84": {"lat": p.0, "lon": p.1}, "accuracy_m": 3.0, "accuracy_kind": "p95", "seq": seq, "client_time_ms": 1_000 + seq});
    let mut f = fix(OFF_GREEN, 1);
    f["session_id"] = json!(sid);
    assert_eq!(call(k, &s, "POST", one_fix, one_fix, Some(v(f.clone())), &[]).await.0, 200);
    let (_, again) = call(k, &s, "POST", one_fix, one_fix, Some(v(f.clone())), &[]).await;
    assert_eq!(again["applied"], false);
    f["accuracy_m"] = json!(-1);
    assert_eq!(call(k, &s, "POST", one_fix, one_fix, Some(v(f)), &[]).await.0, 400);

    let batch = "/api/session/set_ball_locations";
    let fixes: Vec<Value> = (2..6).map(|i| fix(ON_GREEN, i)).collect();
    let (st, b) = call(k, &s, "POST", batch, batch, Some(v(json!({"session_id": sid, "fixes": fixes}))), &[]).await;
    assert_eq!((st, b["hole_state"]["surface_state"].as_str()), (200, Some("ON_GREEN")));
    let many: Vec<Value> = (0..501).map(|i| fix(ON_GREEN, 100 + i)).collect();
    assert_eq!(call(k, &s, "POST", batch, batch, Some(v(json!({"session_id": sid, "fixes": many}))), &[]).await.0, 422);

    let read = "/api/session/{session_id}";
    assert_eq!(call(k, &s, "GET", read, &format!("/api/session/{sid}"), None, &[]).await.0, 200);
    assert_eq!(call(k, &s, "GET", read, "/api/session/not-an-id", None, &[]).await.0, 400);
    let unknown = format!("/api/session/gs_{}", "0".repeat(32));
    assert_eq!(call(k, &s, "GET", read, &unknown, None, &[]).await.0, 404);

    // Advice: a plan, a failing solver (502 with the fallback), no planner
    // configured (503 with the fallback), and a session without a ball (409).
    let advice = "/api/get_hole_advice";
    let ask = v(json!({"session_id": sid, "want_plot": true}));
    let (st, b) = call(k, &s, "POST", advice, advice, Some(ask.clone()), &[]).await;
    assert_eq!((st, b["plan_type"].as_str()), (200, Some("PUTT")), "{b}");
    solver.set_mode(Mode::Status(500));
    assert_eq!(call(k, &s, "POST", advice, advice, Some(ask), &[]).await.0, 502);
    let (_, other) =
        call(k, &s, "POST", start, start, Some(v(json!({"course_id": "riverside", "hole_id": 1}))), &[]).await;
    let other = other["session_id"].as_str().unwrap().to_string();
    let ask_other = v(json!({"session_id": other}));
    assert_eq!(call(k, &s, "POST", advice, advice, Some(ask_other.clone()), &[]).await.0, 409);
    let mut f = fix(OFF_GREEN, 1);
    f["session_id"] = json!(other);
    call(k, &s, "POST", one_fix, one_fix, Some(v(f)), &[]).await;
    let (st, b) = call(k, &s, "POST", advice, advice, Some(ask_other), &[]).await;
    assert_eq!((st, b["error"]["code"].as_str()), (503, Some("tee_to_green_not_configured")), "{b}");

    // Admin: listings, runs, bundles, prune; and without the token.
    assert_eq!(call(k, &s, "GET", "/api/sessions", "/api/sessions?limit=1", None, &[]).await.0, 200);
    assert_eq!(call(k, &s, "GET", "/api/sessions", "/api/sessions?limit=0", None, &[]).await.0, 400);
    let (st, runs) = call(k, &s, "GET", "/runs/v1", "/runs/v1?status=succeeded", None, &[]).await;
    assert_eq!(st, 200);
    let run_id = runs["runs"][0]["run_id"].as_str().unwrap().to_string();
    assert_eq!(call(k, &s, "GET", "/runs/v1", "/runs/v1?plan_type=SIDEWAYS", None, &[]).await.0, 400);
    assert_eq!(call(k, &s, "GET", "/runs/v1/{run_id}", &format!("/runs/v1/{run_id}"), None, &[]).await.0, 200);
    let bundle = "/runs/v1/{run_id}/bundle";
    assert_eq!(call(k, &s, "GET", bundle, &format!("/runs/v1/{run_id}/bundle"), None, &[]).await.0, 200);
    let nobody = format!("/runs/v1/run_{}", "f".repeat(32));
    assert_eq!(call(k, &s, "GET", "/runs/v1/{run_id}", &nobody, None, &[]).await.0, 404);
    let prune = "/runs/v1/prune";
    assert_eq!(call(k, &s, "POST", prune, prune, Some(v(json!({"max_runs": 1}))), &[]).await.0, 200);
    assert_eq!(call(k, &s, "POST", prune, prune, Some(v(json!({"max_age_days": 99999}))), &[]).await.0, 400);
    let r = client().get(s.url("/runs/v1")).send().await.unwrap();
    let (st, ct) = (r.status().as_u16(), r.headers()["content-type"].to_str().unwrap().to_string());
    assert_eq!(st, 403);
    k.check("GET", "/runs/v1", st, &ct, &r.text().await.unwrap());

    let del = "/api/session/{session_id}";
    assert_eq!(call(k, &s, "DELETE", del, &format!("/api/session/{sid}"), None, &[]).await.0, 200);
    assert_eq!(call(k, &s, "GET", read, &format!("/api/session/{sid}"), None, &[]).await.0, 404);

    assert!(solver.problems().is_empty(), "{:?}", solver.problems());
    assert!(k.checked.len() >= 45, "only {} answers checked", k.checked.len());
    s.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn every_answer_matches_the_document_native() {
    tour(Platform::Native).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_answer_matches_the_document_worker() {
    tour(Platform::Worker).await;
}
