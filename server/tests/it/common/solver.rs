//! A real HTTP test double for the putt solver and the tee-to-green planner:
//! it listens on 127.0.0.1, checks what it receives (the `X-API-Key` header,
//! a well-formed W3C `traceparent`, the body core built) and answers
//! according to its mode.

#![allow(dead_code, clippy::unwrap_used)]

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone)]
pub enum Mode {
    Ok,
    Slow(Duration),
    Status(u16),
    NotJson,
    NotAnObject,
    /// The connection drops before any answer (the handler's task dies).
    ResetBeforeAnswer,
    /// 200 and the first bytes, then the connection breaks mid-body.
    CutAnswer,
    /// 200 and `{` at once, the rest of the body after the pause.
    Drip(Duration),
}

#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub api_key: Option<String>,
    pub traceparent: Option<String>,
    pub tracestate: Option<String>,
    pub body: Value,
}

struct Inner {
    mode: Mutex<Mode>,
    key: Option<String>,
    received: Mutex<Vec<Received>>,
    problems: Mutex<Vec<String>>,
}

pub struct TestSolver {
    pub base: String,
    inner: Arc<Inner>,
    task: tokio::task::JoinHandle<()>,
}

fn check_body(path: &str, b: &Value) -> Result<(), String> {
    let want_plan = if path == "/solve_putt" { "PUTT" } else { "TEE_TO_GREEN" };
    if b["contract_version"] != "0.5.0" {
        return Err(format!("contract_version: {}", b["contract_version"]));
    }
    if b["plan_type"] != want_plan {
        return Err(format!("plan_type {} on {path}", b["plan_type"]));
    }
    for f in ["run_id", "session_id", "course_id"] {
        if !b[f].is_string() {
            return Err(format!("{f} missing"));
        }
    }
    for f in ["ball_wgs84", "cup_wgs84"] {
        if !(b[f]["lat"].is_number() && b[f]["lon"].is_number()) {
            return Err(format!("{f} missing"));
        }
    }
    for f in ["ball_local", "cup_local"] {
        if !(b[f]["x"].is_number() && b[f]["y"].is_number()) {
            return Err(format!("{f} missing"));
        }
    }
    if b["frame"]["units"] != "m"
        || !b["frame"]["rotation_convention"].is_string()
        || !b["frame"]["origin_wgs84"]["lat"].is_number()
    {
        return Err("frame description incomplete".into());
    }
    Ok(())
}

async fn handle(State(inner): State<Arc<Inner>>, uri: axum::http::Uri, headers: HeaderMap, body: Bytes) -> Response {
    let path = uri.path().to_string();
    let api_key = headers.get("x-api-key").and_then(|v| v.to_str().ok()).map(str::to_string);
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let (traceparent, tracestate) = (text("traceparent"), text("tracestate"));
    if traceparent.as_deref().and_then(greenside_core::trace::parse_traceparent).is_none() {
        inner.problems.lock().unwrap().push(format!("no valid traceparent: {traceparent:?}"));
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let got = Received { path: path.clone(), api_key: api_key.clone(), traceparent, tracestate, body: body.clone() };
    inner.received.lock().unwrap().push(got);
    if let Some(k) = &inner.key {
        if api_key.as_deref() != Some(k.as_str()) {
            return (StatusCode::UNAUTHORIZED, "bad key").into_response();
        }
    }
    if let Err(p) = check_body(&path, &body) {
        inner.problems.lock().unwrap().push(p.clone());
        return (StatusCode::BAD_REQUEST, p).into_response();
    }
    let mode = inner.mode.lock().unwrap().clone();
    match mode {
        Mode::Ok => {}
        Mode::Slow(d) => tokio::time::sleep(d).await,
        Mode::Status(s) => return (StatusCode::from_u16(s).unwrap(), "failure").into_response(),
        Mode::NotJson => return (StatusCode::OK, "<html>oops</html>").into_response(),
        Mode::NotAnObject => {
            return (StatusCode::OK, [("content-type", "application/json")], "[1,2,3]").into_response();
        }
        Mode::ResetBeforeAnswer => {
            // Dropping the connection without a word: the serving task ends here.
            std::panic::resume_unwind(Box::new("test solver: connection reset on purpose"));
        }
        Mode::CutAnswer => {
            // The first bytes go out (with the headers), then the connection breaks.
            let stream = futures::stream::unfold(0u8, |i| async move {
                match i {
                    0 => Some((Ok::<Bytes, std::io::Error>(Bytes::from_static(b"{\"aim_")), 1)),
                    1 => {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        Some((Err(std::io::Error::other("cut")), 2))
                    }
                    _ => None,
                }
            });
            let body = axum::body::Body::from_stream(stream);
            return (StatusCode::OK, [("content-type", "application/json")], body).into_response();
        }
        Mode::Drip(pause) => {
            let stream = futures::stream::unfold(0u8, move |i| async move {
                match i {
                    0 => Some((Ok::<Bytes, std::io::Error>(Bytes::from_static(b"{")), 1)),
                    1 => {
                        tokio::time::sleep(pause).await;
                        Some((Ok(Bytes::from_static(b"\"late\": true}")), 2))
                    }
                    _ => None,
                }
            });
            let body = axum::body::Body::from_stream(stream);
            return (StatusCode::OK, [("content-type", "application/json")], body).into_response();
        }
    }
    let plan = if path == "/solve_putt" {
        json!({"aim_offset_m": 0.12, "speed_mps": 1.4, "solver": "test-double", "echo_run_id": body["run_id"]})
    } else {
        json!({"club": "7i", "carry_m": 140.0, "planner": "test-double", "echo_run_id": body["run_id"]})
    };
    axum::Json(plan).into_response()
}

impl TestSolver {
    pub async fn start(mode: Mode, key: Option<&str>) -> TestSolver {
        let inner = Arc::new(Inner {
            mode: Mutex::new(mode),
            key: key.map(str::to_string),
            received: Mutex::new(Vec::new()),
            problems: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/solve_putt", post(handle))
            .route("/plan_shot", post(handle))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        TestSolver { base, inner, task }
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.inner.mode.lock().unwrap() = mode;
    }

    pub fn received(&self) -> Vec<Received> {
        self.inner.received.lock().unwrap().clone()
    }

    /// Bodies that failed the checks (should stay empty).
    pub fn problems(&self) -> Vec<String> {
        self.inner.problems.lock().unwrap().clone()
    }
}

impl Drop for TestSolver {
    fn drop(&mut self) {
        self.task.abort();
    }
}
