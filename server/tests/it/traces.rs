//! Traces for real: the server exports over OTLP/HTTP to a receiver that
//! decodes the protobuf with the published OpenTelemetry definitions
//! (`opentelemetry-proto`), and the span tree of an advice call is checked
//! against what the solver double received (its `traceparent`), the run
//! record, the debug bundle and the log lines.

#![allow(clippy::unwrap_used)]

use crate::common;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use common::solver::{Mode, TestSolver};
use common::{ON_GREEN, Server, ball, client, post, start_session};
use opentelemetry_proto::tonic::collector::trace::v1::{ExportTraceServiceRequest, ExportTraceServiceResponse};
use opentelemetry_proto::tonic::trace::v1::{Span, span::SpanKind, status::StatusCode as OtlpStatus};
use prost::Message;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ADMIN: &str = "trace-admin-token-31";
const OTLP_KEY: &str = "otlp-ingest-key-5521";
/// The caller's trace: its id and the caller's span.
const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";
const OFF: (f64, f64) = (40.267728069, -111.659682572);

/// A span as received, with what the test asks of it.
#[derive(Debug, Clone)]
struct Got {
    name: String,
    kind: i32,
    trace_id: String,
    span_id: String,
    parent: String,
    status: i32,
    status_message: String,
    attrs: Vec<(String, String)>,
    service: String,
}

impl Got {
    fn attr(&self, key: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Received {
    spans: Mutex<Vec<Got>>,
    problems: Mutex<Vec<String>>,
}

/// `POST /v1/traces`: OTLP/HTTP with a protobuf body; checks the content
/// type and the configured header, decodes, answers the protobuf response.
async fn receive(State(got): State<Arc<Received>>, headers: HeaderMap, body: Bytes) -> (StatusCode, Vec<u8>) {
    let ct = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    if ct != "application/x-protobuf" {
        got.problems.lock().unwrap().push(format!("content-type {ct}"));
        return (StatusCode::UNSUPPORTED_MEDIA_TYPE, Vec::new());
    }
    if headers.get("x-otlp-key").and_then(|v| v.to_str().ok()) != Some(OTLP_KEY) {
        got.problems.lock().unwrap().push("the OTEL_EXPORTER_OTLP_HEADERS header is missing".into());
    }
    let req = match ExportTraceServiceRequest::decode(body) {
        Ok(r) => r,
        Err(e) => {
            got.problems.lock().unwrap().push(format!("not an ExportTraceServiceRequest: {e}"));
            return (StatusCode::BAD_REQUEST, Vec::new());
        }
    };
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let text = |v: &Option<opentelemetry_proto::tonic::common::v1::AnyValue>| {
        use opentelemetry_proto::tonic::common::v1::any_value::Value as V;
        match v.as_ref().and_then(|v| v.value.as_ref()) {
            Some(V::StringValue(s)) => s.clone(),
            Some(V::IntValue(i)) => i.to_string(),
            Some(V::BoolValue(b)) => b.to_string(),
            other => format!("{other:?}"),
        }
    };
    let mut out = Vec::new();
    for rs in req.resource_spans {
        let service = rs
            .resource
            .iter()
            .flat_map(|r| r.attributes.iter())
            .find(|kv| kv.key == "service.name")
            .map(|kv| text(&kv.value))
            .unwrap_or_default();
        for span in rs.scope_spans.into_iter().flat_map(|s| s.spans) {
            let Span { name, kind, trace_id, span_id, parent_span_id, status, attributes, .. } = span;
            out.push(Got {
                name,
                kind,
                trace_id: hex(&trace_id),
                span_id: hex(&span_id),
                parent: hex(&parent_span_id),
                status: status.as_ref().map_or(0, |s| s.code),
                status_message: status.map(|s| s.message).unwrap_or_default(),
                attrs: attributes.iter().map(|kv| (kv.key.clone(), text(&kv.value))).collect(),
                service: service.clone(),
            });
        }
    }
    got.spans.lock().unwrap().extend(out);
    (StatusCode::OK, ExportTraceServiceResponse::default().encode_to_vec())
}

async fn start_receiver() -> (String, Arc<Received>, tokio::task::JoinHandle<()>) {
    let got = Arc::new(Received::default());
    let app = axum::Router::new().route("/v1/traces", axum::routing::post(receive)).with_state(got.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, got, task)
}

/// The spans of `trace_id` once the server span of `route` has arrived.
async fn trace_of(got: &Received, trace_id: &str, route: &str) -> Vec<Got> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let spans: Vec<Got> = got.spans.lock().unwrap().iter().filter(|s| s.trace_id == trace_id).cloned().collect();
        if spans.iter().any(|s| s.name == format!("POST {route}")) {
            return spans;
        }
        assert!(Instant::now() < deadline, "no server span for {route} in trace {trace_id}: {spans:#?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The first log line that `pick`s, once the server has written it (lines
/// go out in batches).
async fn log_line(s: &Server, pick: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let lines: Vec<Value> = s.logs().iter().filter_map(|l| serde_json::from_str::<Value>(l).ok()).collect();
        if let Some(l) = lines.into_iter().find(|l| pick(l)) {
            return l;
        }
        assert!(Instant::now() < deadline, "no such log line in {:#?}", s.logs());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn advise(c: &reqwest::Client, s: &Server, sid: &str, traceparent: Option<&str>) -> (u16, Value) {
    let mut req = c
        .post(s.url("/api/get_hole_advice"))
        .json(&json!({"contract_version": "0.5.0", "session_id": sid, "want_plot": false}));
    if let Some(tp) = traceparent {
        req = req.header("traceparent", tp).header("tracestate", "congo=t61rcWkgMzE");
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

async fn admin_get(c: &reqwest::Client, s: &Server, path: &str) -> Value {
    let resp = c.get(s.url(path)).header("x-admin-token", ADMIN).send().await.unwrap();
    assert_eq!(resp.status(), 200, "{path}");
    resp.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_advice_call_is_one_trace_from_the_caller_to_the_solver() {
    let (otlp, got, receiver) = start_receiver().await;
    let solver = TestSolver::start(Mode::Ok, None).await;
    let planner = TestSolver::start(Mode::Status(503), None).await;
    let headers = format!("x-otlp-key={OTLP_KEY}");
    let s = Server::start(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &otlp),
        ("OTEL_EXPORTER_OTLP_HEADERS", &headers),
        ("OTEL_BSP_SCHEDULE_DELAY", "50"),
        ("OTEL_SERVICE_NAME", "greenside-under-test"),
        ("PUTT_SOLVER_URL", &solver.base),
        ("TEE_TO_GREEN_URL", &planner.base),
        ("ADMIN_TOKEN", ADMIN),
        ("DEBUG_BUNDLE_ENABLED", "true"),
    ]);
    let c = client();
    let sid = start_session(&c, &s).await;
    assert_eq!(post(&c, &s.url("/api/session/set_ball_location"), &ball(&sid, ON_GREEN)).await.0, 200);

    // 1. The caller's trace: the server span is the caller's span's child,
    // the solver's call a child of the server span, and the solver got it.
    let (status, body) = advise(&c, &s, &sid, Some(&format!("00-{TRACE}-{CALLER_SPAN}-01"))).await;
    assert_eq!(status, 200, "{body}");
    let run_id = body["run_id"].as_str().unwrap().to_string();
    let sent = solver.received();
    assert!(solver.problems().is_empty(), "{:?}", solver.problems());
    let traceparent = sent[0].traceparent.clone().unwrap();
    let tp = greenside_core::trace::parse_traceparent(&traceparent).unwrap();
    assert_eq!((greenside_core::trace::hex(&tp.trace_id), tp.flags), (TRACE.to_string(), 1));
    assert_eq!(sent[0].tracestate.as_deref(), Some("congo=t61rcWkgMzE"), "tracestate passes through");

    let spans = trace_of(&got, TRACE, "/api/get_hole_advice").await;
    let server = spans.iter().find(|s| s.name == "POST /api/get_hole_advice").unwrap();
    assert_eq!((server.kind, server.parent.as_str()), (SpanKind::Server as i32, CALLER_SPAN));
    assert_eq!(server.attr("http.response.status_code"), Some("200"));
    assert_eq!(server.service, "greenside-under-test");
    let call = spans.iter().find(|s| s.kind == SpanKind::Client as i32).unwrap();
    assert_eq!(call.span_id, greenside_core::trace::hex(&tp.parent_id), "the solver's parent is the client span");
    assert_eq!(call.parent, server.span_id);
    assert_eq!((call.name.as_str(), call.status), ("putt_solver", OtlpStatus::Unset as i32));
    assert_eq!(call.attr("http.response.status_code"), Some("200"));
    assert!(call.attr("url.full").is_some_and(|u| u.ends_with("/solve_putt")));
    for name in ["session_store.load", "run_store.put", "record_advice"] {
        let child = spans.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("no {name} span: {spans:#?}"));
        assert_eq!(child.parent, server.span_id, "{name}");
    }

    // The trace id is in the run record, the bundle (with the header as
    // sent) and every log line of the request.
    let run = admin_get(&c, &s, &format!("/runs/v1/{run_id}")).await;
    assert_eq!(run["trace_id"], TRACE);
    let bundle = admin_get(&c, &s, &format!("/runs/v1/{run_id}/bundle")).await;
    assert_eq!(bundle["run"]["trace_id"], TRACE);
    assert_eq!(bundle["downstream"]["request_headers"]["traceparent"], traceparent.as_str());
    let traced = |l: &Value| l["span"]["trace_id"] == TRACE;
    log_line(&s, |l| traced(l) && l["message"] == "advice" && l["run_id"] == run_id.as_str()).await;
    log_line(&s, |l| traced(l) && l["message"] == "request" && l["route"] == "/api/get_hole_advice").await;

    // 2. A fix is classified inside the request's trace, in a new trace
    // when the caller sent none.
    let resp = c.post(s.url("/api/session/set_ball_location")).json(&ball(&sid, OFF)).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let rid = resp.headers()["x-request-id"].to_str().unwrap().to_string();
    let line = log_line(&s, |l| l["message"] == "request" && l["span"]["request_id"] == rid.as_str()).await;
    let fix_trace = line["span"]["trace_id"].as_str().unwrap().to_string();
    assert_ne!(fix_trace, TRACE);
    let spans = trace_of(&got, &fix_trace, "/api/session/set_ball_location").await;
    let server = spans.iter().find(|s| s.kind == SpanKind::Server as i32).unwrap();
    assert!(server.parent.is_empty(), "a new trace has a root span");
    for name in ["classify", "session_store.load", "session_store.save"] {
        assert!(spans.iter().any(|s| s.name == name && s.parent == server.span_id), "no {name}: {spans:#?}");
    }

    // 3. A failed call: the client span is an error with the stable code,
    // and so is the request's (502, with the fallback plan).
    assert_eq!(post(&c, &s.url("/api/session/set_ball_location"), &ball(&sid, OFF)).await.0, 200);
    let (status, body) = advise(&c, &s, &sid, None).await;
    assert_eq!((status, &body["fallback_used"]), (502, &json!(true)), "{body}");
    let run = admin_get(&c, &s, &format!("/runs/v1/{}", body["run_id"].as_str().unwrap())).await;
    let trace_id = run["trace_id"].as_str().unwrap().to_string();
    let planner_tp = planner.received()[0].traceparent.clone().unwrap();
    assert!(planner_tp.contains(&trace_id), "{planner_tp} names {trace_id}");
    let spans = trace_of(&got, &trace_id, "/api/get_hole_advice").await;
    let call = spans.iter().find(|s| s.kind == SpanKind::Client as i32).unwrap();
    assert_eq!((call.name.as_str(), call.status), ("tee_to_green", OtlpStatus::Error as i32));
    assert_eq!(call.attr("http.response.status_code"), Some("503"));
    let code = run["error_code"].as_str().unwrap();
    assert_eq!((call.status_message.as_str(), call.attr("error.type")), (code, Some(code)));
    let server = spans.iter().find(|s| s.kind == SpanKind::Server as i32).unwrap();
    assert_eq!((server.status, server.attr("http.response.status_code")), (OtlpStatus::Error as i32, Some("502")));
    assert_eq!(server.status_message, "HTTP 502");

    assert!(got.problems.lock().unwrap().is_empty(), "{:?}", got.problems.lock().unwrap());
    let (_, health) = common::get(&c, &s.url("/health")).await;
    let traces = &health["traces"];
    assert_eq!((traces["status"].as_str(), traces["failures"].as_u64()), (Some("healthy"), Some(0)), "{health}");
    assert!(traces["exports"].as_u64().unwrap() > 0 && traces.get("last_error").is_none(), "{health}");
    assert!(s.logs().iter().all(|l| !l.contains(OTLP_KEY)), "the exporter's header is a secret");
    s.stop();
    receiver.abort();
}

/// Both platforms, export off: the caller's trace reaches the solver (a
/// span id of the call's own, the tracestate as sent), the run record, the
/// bundle and the access line; a malformed traceparent starts a new trace.
#[tokio::test(flavor = "multi_thread")]
async fn the_callers_trace_reaches_the_solver_on_both_platforms() {
    for platform in [common::Platform::Native, common::Platform::Worker] {
        let solver = TestSolver::start(Mode::Ok, None).await;
        let t = platform.start(&[
            ("PUTT_SOLVER_URL", &solver.base),
            ("ADMIN_TOKEN", ADMIN),
            ("DEBUG_BUNDLE_ENABLED", "true"),
        ]);
        let p = platform.name();
        let c = client();
        let start = json!({"contract_version": "0.5.0", "course_id": "riverside", "hole_id": 1});
        let (_, started) = post(&c, &t.url("/api/session/start"), &start).await;
        let sid = started["session_id"].as_str().unwrap().to_string();
        for _ in 0..2 {
            assert_eq!(post(&c, &t.url("/api/session/set_ball_location"), &ball(&sid, ON_GREEN)).await.0, 200);
        }
        let ask = json!({"contract_version": "0.5.0", "session_id": sid, "want_plot": false});
        let resp = c
            .post(t.url("/api/get_hole_advice"))
            .header("traceparent", format!("00-{TRACE}-{CALLER_SPAN}-01"))
            .header("tracestate", "congo=t61rcWkgMzE")
            .json(&ask)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{p}");
        let body: Value = resp.json().await.unwrap();
        let got = solver.received();
        assert!(solver.problems().is_empty(), "{p}: {:?}", solver.problems());
        let tp = got[0].traceparent.clone().unwrap();
        let parsed = greenside_core::trace::parse_traceparent(&tp).unwrap();
        assert_eq!((greenside_core::trace::hex(&parsed.trace_id), parsed.flags), (TRACE.to_string(), 1), "{p}");
        assert_ne!(greenside_core::trace::hex(&parsed.parent_id), CALLER_SPAN, "{p}: the call is a span of its own");
        assert_eq!(got[0].tracestate.as_deref(), Some("congo=t61rcWkgMzE"), "{p}");

        let run_id = body["run_id"].as_str().unwrap();
        let admin = |path: String| {
            let req = c.get(t.url(&path)).header("x-admin-token", ADMIN);
            async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
        };
        assert_eq!(admin(format!("/runs/v1/{run_id}")).await["trace_id"], TRACE, "{p}");
        let bundle = admin(format!("/runs/v1/{run_id}/bundle")).await;
        assert_eq!(bundle["run"]["trace_id"], TRACE, "{p}");
        assert_eq!(bundle["downstream"]["request_headers"]["traceparent"], tp.as_str(), "{p}");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !t.logs().iter().any(|l| l.contains(TRACE) && l.contains("/api/get_hole_advice")) {
            assert!(Instant::now() < deadline, "{p}: no access line with the trace id: {:#?}", t.logs());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }

        // A malformed traceparent starts a new trace (never an error).
        let resp = c.post(t.url("/api/get_hole_advice")).header("traceparent", "00-zz-nope-01").json(&ask);
        assert_eq!(resp.send().await.unwrap().status(), 200, "{p}");
        let second = solver.received()[1].traceparent.clone().unwrap();
        let parsed = greenside_core::trace::parse_traceparent(&second).unwrap();
        assert_ne!(greenside_core::trace::hex(&parsed.trace_id), TRACE, "{p}");
        if platform == common::Platform::Native {
            assert!(t.logs().iter().all(|l| !l.contains("exporting traces")), "no exporter without an endpoint");
        }
        t.stop();
    }
}

/// A collector that cannot be reached: requests are answered as ever, the
/// log says so once, and `/health` shows the failures without degrading
/// the service (a lost span is not a lost answer).
#[tokio::test(flavor = "multi_thread")]
async fn a_collector_that_is_down_is_reported_not_fatal() {
    let closed = format!("http://127.0.0.1:{}", common::free_port());
    let s = Server::start(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &closed), ("OTEL_BSP_SCHEDULE_DELAY", "20")]);
    let c = client();
    let sid = start_session(&c, &s).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    let health = loop {
        assert_eq!(post(&c, &s.url("/api/session/set_ball_location"), &ball(&sid, ON_GREEN)).await.0, 200);
        let (status, h) = common::get(&c, &s.url("/health")).await;
        if h["traces"]["failures"].as_u64().unwrap_or(0) > 0 {
            assert_eq!(status, 200);
            break h;
        }
        assert!(Instant::now() < deadline, "no export failure reported: {h}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let traces = &health["traces"];
    assert_eq!((traces["status"].as_str(), health["status"].as_str()), (Some("degraded"), Some("healthy")), "{health}");
    assert_eq!(traces["endpoint"], format!("{closed}/v1/traces"));
    assert!(traces["last_error"].as_str().is_some_and(|e| e.contains("onnect")), "{traces}");
    log_line(&s, |l| l["message"] == "trace export failed; spans dropped").await;
    s.stop();
}
