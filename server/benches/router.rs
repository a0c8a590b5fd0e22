//! `set_ball_location` through the whole router in process, against the
//! echo router ([`greenside_server::http::echo_router`]) in the same run.
//!
//! ```text
//! cargo bench -p greenside-server --bench router            # full run (7 rounds of 100,000 requests each)
//! cargo bench -p greenside-server --bench router -- --test  # smoke: a few requests, numbers not meaningful
//! LOG_LEVEL=warn,greenside=info,greenside_server::http=warn cargo bench -p greenside-server --bench router  # without the access line
//! ```
//!
//! No sockets, one thread: what this measures is the user-space work of a
//! request (routing, middleware, the access line through the JSON log
//! format and the batch writer, metrics, decode, the memory store, core,
//! the answer), which on the wrk benchmark is mixed with the kernel, the
//! load generator and VM noise. Each side's best round counts; the ratio
//! is echo / greenside (1.0 = as cheap as the echo). Writes
//! `target/bench/router.json`.
//!
//! A third router is greenside with span export on (issue 38): the same
//! requests, each a trace of four spans, exported over OTLP/HTTP to a
//! receiver in this process that answers 200. The requests run on the
//! bench's thread; the export (the SDK's batch thread and the HTTP posts,
//! on the runtime's one worker) runs beside it, as in the server. The
//! ratio traced / untraced is the cost of export; export off is the
//! greenside column (its trace id and header lookup are always there).

#![allow(clippy::print_stdout)]

use axum::body::Body;
use greenside_server::settings::LogFormat;
use http_body_util::BodyExt;
use std::path::PathBuf;
use std::time::Instant;
use tower::ServiceExt;

// As in the server binary.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// POSTs `body` and returns the answer's body (the answer must be a 2xx).
async fn post(router: &axum::Router, path: &str, body: String) -> axum::body::Bytes {
    let req = axum::http::Request::post(path)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap_or_else(|e| panic!("request: {e}"));
    let resp = router.clone().oneshot(req).await.unwrap_or_else(|e| match e {});
    assert!(resp.status().is_success(), "{path} answered {}", resp.status());
    resp.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_else(|e| panic!("body: {e}"))
}

/// Nanoseconds per request over `bodies`, round-robin.
async fn per_request(router: &axum::Router, bodies: &[String], n: usize) -> f64 {
    let t = Instant::now();
    for i in 0..n {
        post(router, "/api/session/set_ball_location", bodies[i % bodies.len()].clone()).await;
    }
    t.elapsed().as_nanos() as f64 / n as f64
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

/// Spans the receiver has decoded.
static SPANS_RECEIVED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// An OTLP/HTTP receiver that decodes every export, counts its spans and
/// answers 200 (the empty `ExportTraceServiceResponse`); answers its URL.
async fn otlp_sink() -> String {
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use prost::Message;
    let receive = |body: axum::body::Bytes| async move {
        let req = ExportTraceServiceRequest::decode(body).unwrap_or_else(|e| panic!("not OTLP: {e}"));
        let n: usize = req.resource_spans.iter().flat_map(|r| &r.scope_spans).map(|s| s.spans.len()).sum();
        SPANS_RECEIVED.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        ""
    };
    let app = axum::Router::new().route("/v1/traces", axum::routing::post(receive));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("bind: {e}"));
    let url = format!("http://{}/v1/traces", listener.local_addr().unwrap_or_else(|e| panic!("addr: {e}")));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

// One worker thread for what is spawned (the export's HTTP posts, the
// receiver); the requests themselves run on the bench's own thread, as
// `block_on` polls the main future there.
#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let smoke = std::env::args().any(|a| a == "--test");
    let (n, rounds) = if smoke { (200, 1) } else { (100_000, 7) };
    // The server's log set-up (JSON lines through the batch writer, the
    // access line on), writing to a sink instead of stderr. `LOG_LEVEL` as
    // for the server; by default what scripts/bench gives the server.
    let log_level = std::env::var("LOG_LEVEL").unwrap_or_else(|_| String::from("warn,greenside=info"));
    let _guard = greenside_server::logging::install(&log_level, LogFormat::Json, std::io::sink())
        .unwrap_or_else(|e| panic!("log writer: {e}"));
    let mut settings = greenside_server::settings::Settings::from_env().unwrap_or_else(|e| panic!("settings: {e}"));
    settings.rate_limits = None; // as the wrk benchmark (RATE_LIMIT_ENABLED=false)
    // Nothing written into the working directory; the run store is not what this measures.
    settings.run_store = greenside_server::settings::RunBackend::Memory;
    let mut traced_settings = settings.clone();
    traced_settings.otlp =
        Some(greenside_server::settings::Otlp { endpoint: otlp_sink().await, service_name: "greenside-bench".into() });
    let state = greenside_server::build_state(settings).await.unwrap_or_else(|e| panic!("state: {e}"));
    let app = greenside_server::http::router(state);
    let traced_state = greenside_server::build_state(traced_settings).await.unwrap_or_else(|e| panic!("state: {e}"));
    assert!(traced_state.tracing.exporting());
    let traced = greenside_server::http::router(traced_state.clone());
    let echo = greenside_server::http::echo_router();

    // 64 sessions (as the wrk benchmark), each fix alternating on and off the green.
    let (mut bodies, mut ids) = (Vec::new(), Vec::new());
    for _ in 0..64 {
        let start = r#"{"contract_version":"0.5.0","course_id":"riverside","hole_id":1}"#;
        let bytes = post(&app, "/api/session/start", start.into()).await;
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("start answer: {e}"));
        let id = v["session_id"].as_str().unwrap_or_else(|| panic!("no session_id in {v}")).to_string();
        ids.push(id.clone());
        for (lat, lon) in [(40.268240, -111.659520), (40.267728069, -111.659682572)] {
            bodies.push(format!(
                r#"{{"contract_version":"0.5.0","session_id":"{id}","ball_wgs84":{{"lat":{lat},"lon":{lon}}},"accuracy_m":4.0}}"#
            ));
        }
    }
    // The traced server's own sessions (the same ids would be unknown to it).
    let mut traced_bodies = Vec::new();
    for (pair, old_id) in bodies.chunks(2).zip(&ids) {
        let start = r#"{"contract_version":"0.5.0","course_id":"riverside","hole_id":1}"#;
        let bytes = post(&traced, "/api/session/start", start.into()).await;
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("start answer: {e}"));
        let id = v["session_id"].as_str().unwrap_or_else(|| panic!("no session_id in {v}"));
        traced_bodies.extend(pair.iter().map(|b| b.replace(old_id.as_str(), id)));
    }
    let answer = post(&app, "/api/session/set_ball_location", bodies[0].clone()).await.len();
    let echoed = post(&echo, "/api/session/set_ball_location", bodies[0].clone()).await.len();

    let (mut best_g, mut best_e, mut best_t) = (f64::MAX, f64::MAX, f64::MAX);
    for round in 1..=rounds {
        let t = per_request(&traced, &traced_bodies, n).await;
        // The round's spans leave before the others are timed (the export
        // runs on the other core and would slow them down).
        traced_state.tracing.flush();
        let g = per_request(&app, &bodies, n).await;
        let e = per_request(&echo, &bodies, n).await;
        best_g = best_g.min(g);
        best_e = best_e.min(e);
        best_t = best_t.min(t);
        eprintln!("round {round}: greenside {g:.0} ns, echo {e:.0} ns, ratio {:.3}; export on {t:.0} ns", e / g);
    }
    let ratio = best_e / best_g;
    let export_cost = best_t / best_g;
    println!("| in process, one thread | greenside ns/request | echo ns/request | echo / greenside |");
    println!("|---|---|---|---|");
    println!(
        "| set_ball_location ({answer}-byte answer; echo {echoed} bytes) | {best_g:.0} | {best_e:.0} | {ratio:.2} |"
    );
    println!();
    println!("| span export (OTLP/HTTP) | ns/request | traced / untraced |");
    println!("|---|---|---|");
    println!("| off (the default: trace id and headers only) | {best_g:.0} | 1.00 |");
    println!("| on (4 spans a request, batch processor, a local receiver) | {best_t:.0} | {export_cost:.2} |");
    traced_state.tracing.shutdown();
    // What the batch processor kept: its queue (OTEL_BSP_MAX_QUEUE_SIZE)
    // drops spans made faster than they are exported, rather than block.
    let made = 4 * n * rounds;
    let received = SPANS_RECEIVED.load(std::sync::atomic::Ordering::Relaxed);
    println!("\nspans exported: {received} of about {made} made ({:.0} %)", 100.0 * received as f64 / made as f64);
    let dir = target_dir().join("bench");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let json = serde_json::json!({
        "smoke": smoke, "requests_per_round": n, "rounds": rounds,
        "greenside_ns_per_request": best_g, "echo_ns_per_request": best_e, "ratio": ratio,
        "answer_bytes": answer, "echo_bytes": echoed,
        "traced_ns_per_request": best_t, "export_on_over_off": export_cost,
        "spans_received": SPANS_RECEIVED.load(std::sync::atomic::Ordering::Relaxed),
    });
    std::fs::write(dir.join("router.json"), serde_json::to_string_pretty(&json).unwrap_or_default())
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
}
