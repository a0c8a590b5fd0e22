//! Traces: W3C Trace Context in and out, OpenTelemetry spans exported over
//! OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `…_TRACES_ENDPOINT`) is set.
//!
//! Every request has a trace: the caller's (`traceparent`, core's
//! [`greenside_core::trace`]) or a new one. Its id is in every log line of the
//! request (the logging context holds it), in the run record and in the
//! debug bundle, and each downstream call sends a `traceparent` naming it.
//!
//! With export on, the request is a SERVER span, and its children are spans
//! for each session store call, the operation (`classify` for a fix), each
//! run store write and each downstream call (a CLIENT span, whose id is the
//! parent id the service receives). They go through the SDK's batch
//! processor (its own thread; `OTEL_BSP_*`) to the OTLP exporter, which
//! posts with the server's reqwest stack on the server's runtime.
//!
//! With export off there are no span objects at all: a request costs one
//! header lookup and a trace id drawn from a counter (see [`fresh_ids`]); a
//! downstream call one more id. `server/benches/router.rs` measures both ways.
//!
//! ```text
//! front ─► Tracing::request(headers) ─► RequestTrace (in the logging context)
//!             timed()/apply()/runs put ─► trace::child(name)   ─► span (export on) or nothing
//!             downstream::call         ─► trace::client(name)  ─► traceparent header
//! ```

use greenside_core::trace::TraceIds;
use opentelemetry::trace::{
    Span as _, SpanContext, SpanId, SpanKind, Status, TraceContextExt, TraceFlags, TraceId, TraceState, Tracer as _,
    TracerProvider as _,
};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The process's tracer: a span exporter when configured, else nothing.
#[derive(Debug, Default)]
pub struct Tracing {
    otel: Option<(SdkTracerProvider, SdkTracer)>,
    seen: Option<Arc<ExportSeen>>,
}

/// What the exporter has seen of the collector, for `/health` and the log.
#[derive(Debug)]
struct ExportSeen {
    endpoint: String,
    exports: AtomicU64,
    failures: AtomicU64,
    /// The last failure (cleared by a success), and when it was last logged.
    last_error: Mutex<(Option<String>, Option<Instant>)>,
}

impl ExportSeen {
    fn record(&self, outcome: Result<u16, String>) {
        let mut last = self.last_error.lock().unwrap_or_else(|p| p.into_inner());
        let error = match outcome {
            Ok(status) if (200..300).contains(&status) => {
                self.exports.fetch_add(1, Ordering::Relaxed);
                last.0 = None;
                return;
            }
            Ok(status) => format!("the collector answered HTTP {status}"),
            Err(e) => e,
        };
        let failures = self.failures.fetch_add(1, Ordering::Relaxed) + 1;
        // One line a minute at most: a collector that is down must not flood the log.
        if last.1.is_none_or(|t| t.elapsed() >= Duration::from_secs(60)) {
            tracing::warn!(endpoint = %self.endpoint, error = %error, failures, "trace export failed; spans dropped");
            last.1 = Some(Instant::now());
        }
        last.0 = Some(error);
    }
}

impl Tracing {
    /// No export: ids and headers only.
    pub fn off() -> Tracing {
        Tracing { otel: None, seen: None }
    }

    /// The export's state for `/health` (`None` when not exporting).
    pub fn health(&self) -> Option<greenside_core::health::TracesHealth> {
        use greenside_core::health::HealthStatus;
        let seen = self.seen.as_ref()?;
        let last_error = seen.last_error.lock().unwrap_or_else(|p| p.into_inner()).0.clone();
        Some(greenside_core::health::TracesHealth {
            status: if last_error.is_some() { HealthStatus::Degraded } else { HealthStatus::Healthy },
            endpoint: seen.endpoint.clone(),
            exports: seen.exports.load(Ordering::Relaxed),
            failures: seen.failures.load(Ordering::Relaxed),
            last_error,
        })
    }

    /// Starts the exporter (inside the server's runtime: its HTTP calls run there).
    pub fn start(cfg: Option<&crate::settings::Otlp>) -> Result<Tracing, String> {
        let Some(cfg) = cfg else { return Ok(Tracing::off()) };
        use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
        let rt = tokio::runtime::Handle::try_current().map_err(|e| format!("trace export needs a runtime: {e}"))?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("greenside/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the trace exporter's HTTP client: {e}"))?;
        let seen = Arc::new(ExportSeen {
            endpoint: greenside_core::redact::url(&cfg.endpoint),
            exports: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            last_error: Mutex::new((None, None)),
        });
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_http_client(ExportClient { http, rt, seen: seen.clone() })
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(cfg.endpoint.clone())
            .build()
            .map_err(|e| format!("cannot build the OTLP trace exporter: {e}"))?;
        let resource = opentelemetry_sdk::Resource::builder()
            .with_service_name(cfg.service_name.clone())
            .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
            .build();
        let provider = SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource).build();
        let tracer = provider.tracer("greenside");
        tracing::info!(endpoint = %seen.endpoint, service = %cfg.service_name, "exporting traces over OTLP/HTTP");
        Ok(Tracing { otel: Some((provider, tracer)), seen: Some(seen) })
    }

    pub fn exporting(&self) -> bool {
        self.otel.is_some()
    }

    /// Sends what is buffered now and waits for it (the benchmark, between rounds).
    pub fn flush(&self) {
        if let Some((provider, _)) = &self.otel {
            let provider = provider.clone();
            let _ = std::thread::spawn(move || provider.force_flush()).join();
        }
    }

    /// Sends what is buffered and stops the exporter (at shutdown).
    pub fn shutdown(&self) {
        if let Some((provider, _)) = &self.otel {
            // Off the runtime's workers: the export thread blocks on our client's tasks.
            let provider = provider.clone();
            let _ = std::thread::spawn(move || provider.shutdown_with_timeout(Duration::from_secs(5))).join();
        }
    }

    /// The trace of a request with these headers: the caller's, or a new
    /// one; with export on, its SERVER span (`{method} {route}`) has started.
    pub fn request(
        &self,
        traceparent: Option<&str>,
        tracestate: Option<&str>,
        method: &'static str,
        route: &'static str,
    ) -> RequestTrace {
        let mut ids = TraceIds::incoming(traceparent, tracestate, || fresh_ids().0);
        let Some((_, tracer)) = &self.otel else {
            return RequestTrace { trace_id: ids.trace_id_hex(), ids, otel: None };
        };
        let parent = match ids.parent {
            Some(parent) => {
                let state = ids.tracestate.as_deref().and_then(|s| s.parse::<TraceState>().ok()).unwrap_or_default();
                let remote = SpanContext::new(
                    TraceId::from_bytes(ids.trace_id),
                    SpanId::from_bytes(parent),
                    TraceFlags::new(ids.flags),
                    true,
                    state,
                );
                Context::new().with_remote_span_context(remote)
            }
            None => Context::new(),
        };
        let span = tracer
            .span_builder(format!("{method} {route}"))
            .with_kind(SpanKind::Server)
            .with_attributes([KeyValue::new("http.request.method", method), KeyValue::new("http.route", route)])
            .start_with_context(tracer, &parent);
        let sc = span.span_context().clone();
        ids.trace_id = sc.trace_id().to_bytes();
        ids.flags = sc.trace_flags().to_u8();
        let cx = parent.with_span(span);
        RequestTrace { trace_id: ids.trace_id_hex(), ids, otel: Some((tracer.clone(), cx)) }
    }
}

/// The request's trace (kept in the logging context for the request's life).
#[derive(Debug)]
pub struct RequestTrace {
    /// 32 hex digits, written into every log line of the request.
    pub trace_id: String,
    ids: TraceIds,
    /// The tracer and the context holding the request's span, when exporting.
    otel: Option<(SdkTracer, Context)>,
}

impl RequestTrace {
    /// Ends the request's span with the answer's status (and error code).
    pub fn end(&self, status: u16, code: Option<&str>) {
        let Some((_, cx)) = &self.otel else { return };
        let span = cx.span();
        span.set_attribute(KeyValue::new("http.response.status_code", i64::from(status)));
        if let Some(code) = code {
            span.set_attribute(KeyValue::new("error.type", code.to_string()));
        }
        if status >= 500 {
            span.set_status(Status::error(code.map_or_else(|| format!("HTTP {status}"), str::to_string)));
        }
        span.end();
    }

    fn child(&self, name: Cow<'static, str>, kind: SpanKind) -> Span {
        let Some((tracer, cx)) = &self.otel else { return Span::none() };
        Span { otel: Some(tracer.span_builder(name).with_kind(kind).start_with_context(tracer, cx)) }
    }

    /// A span for work inside the request (store calls, the operation).
    pub fn span(&self, name: impl Into<Cow<'static, str>>) -> Span {
        self.child(name.into(), SpanKind::Internal)
    }

    /// A call to another service: its span, and the `traceparent` (and
    /// `tracestate`) to send with it, naming that span as the parent.
    pub fn client(&self, name: impl Into<Cow<'static, str>>) -> (Span, String, Option<String>) {
        let span = self.child(name.into(), SpanKind::Client);
        let traceparent = match &span.otel {
            Some(s) => {
                let sc = s.span_context();
                greenside_core::trace::traceparent(
                    &sc.trace_id().to_bytes(),
                    &sc.span_id().to_bytes(),
                    sc.trace_flags().to_u8(),
                )
            }
            None => self.ids.traceparent_from(fresh_ids().1),
        };
        (span, traceparent, self.ids.tracestate.clone())
    }
}

/// A span inside the request (ended when dropped); nothing when not exporting.
#[derive(Debug)]
#[must_use = "a span ends when it is dropped"]
pub struct Span {
    otel: Option<opentelemetry_sdk::trace::Span>,
}

impl Span {
    /// No span (export off, or outside a request).
    pub fn none() -> Span {
        Span { otel: None }
    }

    pub fn attr(&mut self, key: &'static str, value: impl Into<opentelemetry::Value>) {
        if let Some(s) = &mut self.otel {
            s.set_attribute(KeyValue::new(key, value));
        }
    }

    /// Marks the span failed with a stable error code.
    pub fn fail(&mut self, code: &str) {
        if let Some(s) = &mut self.otel {
            s.set_attribute(KeyValue::new("error.type", code.to_string()));
            s.set_status(Status::error(code.to_string()));
        }
    }
}

/// A call to another service outside any request: a new trace, no span.
pub fn untraced_client() -> (Span, String, Option<String>) {
    let (trace_id, span_id) = fresh_ids();
    (Span::none(), greenside_core::trace::traceparent(&trace_id, &span_id, 0), None)
}

/// A trace id and a span id, neither zero, without a system call: two
/// counters through a bijection of u64 (splitmix64's finalizer) offset by
/// keys drawn once from the OS. Ids never repeat within a process; two
/// processes' ids look independent (as the W3C recommendation asks).
pub fn fresh_ids() -> ([u8; 16], [u8; 8]) {
    static KEYS: OnceLock<[u64; 3]> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let k = KEYS.get_or_init(|| {
        let (a, b) = (crate::random_bytes(), crate::random_bytes());
        let word = |s: &[u8]| u64::from_le_bytes(s.try_into().unwrap_or([1; 8]));
        [word(&a[..8]), word(&a[8..]), word(&b[..8])]
    });
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let hi = mix(n ^ k[0]).max(1);
    let lo = mix(n.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ k[1]);
    let span = mix(n ^ k[2]).max(1);
    let mut trace = [0u8; 16];
    trace[..8].copy_from_slice(&hi.to_be_bytes());
    trace[8..].copy_from_slice(&lo.to_be_bytes());
    (trace, span.to_be_bytes())
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// An error and its causes, one line (`connection refused` is a cause).
fn why(e: reqwest::Error) -> String {
    let mut out = e.to_string();
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

/// The exporter's HTTP client: reqwest on the server's runtime. The SDK's
/// batch processor exports from its own thread with a blocking executor, so
/// the request runs as a task of the runtime and the thread waits for it.
#[derive(Debug)]
struct ExportClient {
    http: reqwest::Client,
    rt: tokio::runtime::Handle,
    seen: Arc<ExportSeen>,
}

#[async_trait::async_trait]
impl opentelemetry_http::HttpClient for ExportClient {
    async fn send_bytes(
        &self,
        request: opentelemetry_http::Request<bytes::Bytes>,
    ) -> Result<opentelemetry_http::Response<bytes::Bytes>, opentelemetry_http::HttpError> {
        let (http, seen) = (self.http.clone(), self.seen.clone());
        let task = self.rt.spawn(async move {
            let request: reqwest::Request = request.try_into()?;
            let resp = match http.execute(request).await {
                Ok(r) => r,
                Err(e) => {
                    // The error names the URL at most, never the headers (the ingest key).
                    seen.record(Err(why(e.without_url())));
                    return Err("the collector could not be reached".into());
                }
            };
            seen.record(Ok(resp.status().as_u16()));
            let mut out = opentelemetry_http::Response::builder().status(resp.status());
            if let Some(h) = out.headers_mut() {
                *h = resp.headers().clone();
            }
            // A collector answers a few bytes; a runaway one is cut off.
            let body = resp.bytes().await?;
            let body = body.slice(..body.len().min(1 << 20));
            Ok::<_, opentelemetry_http::HttpError>(out.body(body)?)
        });
        task.await?
    }
}
