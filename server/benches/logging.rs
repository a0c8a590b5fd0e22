//! The log line: greenside's JSON format (`logging::JsonFormat`) against
//! tracing-subscriber's own JSON formatter in the closest shape
//! (`.json().flatten_event(true).with_current_span(true).with_span_list(false)`)
//! in the same run: the figure that keeps the hand-written format (issue 34).
//!
//! ```text
//! cargo bench -p greenside-server --bench logging            # full run (7 rounds)
//! cargo bench -p greenside-server --bench logging -- --test  # smoke: a few lines, numbers not meaningful
//! ```
//!
//! One thread, both sides writing into `io::sink` (the batch writer is not
//! what this compares). tracing-subscriber's formatter cannot see
//! greenside's task-local request context, so its side carries the request
//! id and session id in a `request` span, as greenside did before the
//! context (docs/performance.md). Each side's best round counts; the ratio
//! is baseline / greenside (above 1: greenside's is faster). Before timing,
//! both must write the same bytes for the same events (but the
//! timestamp's value). Writes `target/bench/logging.json`.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use greenside_server::logging::{JsonFormat, RequestContext, in_request, record_session_id};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tracing::{Dispatch, Instrument, field::Empty};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::JsonFields;
use tracing_subscriber::layer::SubscriberExt;

// As in the server binary.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A request id as the server makes them (16 characters).
const ID: &str = "3f9a0c1d2e4b5a69";
const SID: &str = "s_9c1f3e6a2b7d4e8f0a1b2c3d4e5f6a7b";
const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

/// The request's trace as `http::front` makes it (export off), from a
/// caller's `traceparent` naming [`TRACE_ID`].
fn traced() -> greenside_server::trace::RequestTrace {
    let tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    greenside_server::trace::Tracing::off().request(Some(tp), None, "POST", "/api/set_ball_location")
}

/// The access line of `http::front`.
fn access_line(id: &str) {
    let (method, route, status, latency_ms) = ("POST", "/api/session/set_ball_location", 200u16, 0.183_f64);
    tracing::info!(request_id = id, method, route, status, latency_ms, "request");
}

/// A line inside a tracing span.
fn span_line() {
    tracing::info!(hole = 3u64, features = 41u64, "imported");
}

/// Where a side's lines go: a sink, or a buffer to compare them.
#[derive(Clone, Default)]
struct Out(Option<Arc<Mutex<Vec<u8>>>>);

impl std::io::Write for Out {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        if let Some(buf) = &self.0 {
            buf.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(b);
        }
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl MakeWriter<'_> for Out {
    type Writer = Out;
    fn make_writer(&self) -> Out {
        self.clone()
    }
}

/// greenside's format, as `logging::install` sets it up.
fn greenside(out: Out) -> Dispatch {
    let layer =
        tracing_subscriber::fmt::layer().fmt_fields(JsonFields::new()).event_format(JsonFormat).with_writer(out);
    Dispatch::new(tracing_subscriber::registry().with(layer))
}

/// tracing-subscriber's JSON formatter in the closest shape.
fn maintained(out: Out) -> Dispatch {
    let layer = tracing_subscriber::fmt::layer()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(false)
        .with_writer(out);
    Dispatch::new(tracing_subscriber::registry().with(layer))
}

/// Nanoseconds per call of `f` over `n` calls.
fn ns_per(n: usize, mut f: impl FnMut()) -> f64 {
    let t = Instant::now();
    for _ in 0..n {
        f();
    }
    t.elapsed().as_nanos() as f64 / n as f64
}

/// The scenarios, each one side's code for `n` iterations, returning ns each.
type Run = Box<dyn Fn(usize) -> f64>;

/// The access line in a request whose ids are set (greenside: the task-local
/// context; tracing-subscriber: an entered `request` span).
fn access_in_request(d: Dispatch, ours: bool) -> Run {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap_or_else(|e| panic!("runtime: {e}"));
    Box::new(move |n| {
        tracing::dispatcher::with_default(&d, || {
            if ours {
                rt.block_on(in_request(RequestContext::new(ID.into(), traced()), async {
                    record_session_id(SID);
                    ns_per(n, || access_line(ID))
                }))
            } else {
                let span = tracing::info_span!("request", request_id = ID, session_id = Empty, trace_id = TRACE_ID);
                span.record("session_id", SID);
                span.in_scope(|| ns_per(n, || access_line(ID)))
            }
        })
    })
}

/// A request's logging whole: its ids set, the session id recorded, the
/// access line, the context (or span) ended.
fn whole_request(d: Dispatch, ours: bool) -> Run {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap_or_else(|e| panic!("runtime: {e}"));
    Box::new(move |n| {
        tracing::dispatcher::with_default(&d, || {
            rt.block_on(async {
                let id = String::from(ID);
                let t = Instant::now();
                for _ in 0..n {
                    if ours {
                        // As `http::front` and the session handlers do.
                        in_request(RequestContext::new(id.clone(), traced()), async {
                            record_session_id(SID);
                            access_line(&id);
                        })
                        .await;
                    } else {
                        let span = tracing::info_span!(
                            "request",
                            request_id = id.as_str(),
                            session_id = Empty,
                            trace_id = TRACE_ID
                        );
                        async {
                            tracing::Span::current().record("session_id", SID);
                            access_line(&id);
                        }
                        .instrument(span)
                        .await;
                    }
                }
                t.elapsed().as_nanos() as f64 / n as f64
            })
        })
    })
}

/// A line inside an entered tracing span with three fields (one recorded).
fn line_in_span(d: Dispatch) -> Run {
    Box::new(move |n| {
        tracing::dispatcher::with_default(&d, || {
            let span = tracing::info_span!("import", course = "riverside", source = "osm", holes = Empty);
            span.record("holes", 18u64);
            span.in_scope(|| ns_per(n, span_line))
        })
    })
}

/// One line of `f` through `make`, without its timestamp's value.
fn one_line(make: fn(Out) -> Dispatch, f: impl FnOnce()) -> String {
    let buf = Arc::new(Mutex::new(Vec::new()));
    tracing::dispatcher::with_default(&make(Out(Some(buf.clone()))), f);
    let line = String::from_utf8(buf.lock().unwrap_or_else(|p| p.into_inner()).clone()).unwrap_or_default();
    // `{"timestamp":"` + 27 characters.
    line.get(..14).map(|head| format!("{head}…{}", &line[41..])).unwrap_or(line).trim_end().to_string()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

fn main() {
    let smoke = std::env::args().any(|a| a == "--test");
    let (n, rounds) = if smoke { (1_000, 1) } else { (100_000, 7) };

    // What each formatter writes for the same events, the timestamp's value cut out.
    let request = || {
        let span = tracing::info_span!("request", request_id = ID, session_id = Empty, trace_id = TRACE_ID);
        span.record("session_id", SID);
        span.in_scope(|| access_line(ID));
    };
    let ours = one_line(greenside, || {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap_or_else(|e| panic!("runtime: {e}"));
        rt.block_on(in_request(RequestContext::new(ID.into(), traced()), async {
            record_session_id(SID);
            access_line(ID);
        }));
    });
    let theirs = one_line(maintained, request);
    assert_eq!(ours, theirs, "the access lines differ");
    let spanned = || {
        let span = tracing::info_span!("import", course = "riverside", source = "osm", holes = Empty);
        span.record("holes", 18u64);
        span.in_scope(span_line);
    };
    let (ours, theirs) = (one_line(greenside, spanned), one_line(maintained, spanned));
    assert_eq!(ours, theirs, "the lines in a span differ");
    eprintln!("same bytes but the timestamp's value, e.g.:\n{ours}");

    let sink = Out::default;
    #[rustfmt::skip]
    let figures: Vec<(&str, &str, Run, Run)> = vec![
        ("access line, request ids set", "tracing-subscriber JSON (ids in a `request` span)",
         access_in_request(greenside(sink()), true), access_in_request(maintained(sink()), false)),
        ("a request's logging: ids set, session id recorded, access line, ended", "tracing-subscriber JSON (a `request` span)",
         whole_request(greenside(sink()), true), whole_request(maintained(sink()), false)),
        ("a line inside a tracing span (3 fields)", "tracing-subscriber JSON",
         line_in_span(greenside(sink())), line_in_span(maintained(sink()))),
    ];

    let mut best = vec![(f64::MAX, f64::MAX); figures.len()];
    for round in 1..=rounds {
        for (k, (what, _, g, b)) in figures.iter().enumerate() {
            let (gns, bns) = (g(n), b(n));
            best[k] = (best[k].0.min(gns), best[k].1.min(bns));
            eprintln!("round {round}: {what}: greenside {gns:.1} ns, baseline {bns:.1} ns, ratio {:.2}", bns / gns);
        }
    }
    println!("| one thread, into a sink | greenside ns | baseline (same run) | baseline ns | baseline / greenside |");
    println!("|---|---|---|---|---|");
    let mut json = Vec::new();
    for ((what, baseline, ..), (g, b)) in figures.iter().zip(&best) {
        println!("| {what} | {g:.1} | {baseline} | {b:.1} | {:.2} |", b / g);
        json.push(serde_json::json!({"figure": what, "baseline": baseline, "greenside_ns": g, "baseline_ns": b, "ratio": b / g}));
    }
    let dir = target_dir().join("bench");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let json = serde_json::json!({"smoke": smoke, "rounds": rounds, "figures": json});
    std::fs::write(dir.join("logging.json"), serde_json::to_string_pretty(&json).unwrap_or_default())
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
}
