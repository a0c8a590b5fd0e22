//! Structured logs: one JSON object per line on stderr, written in batches
//! from a background thread.
//!
//! Every request writes an access line, so the log is on the hot path. Three
//! parts keep it cheap:
//!
//! - [`RequestContext`]: the request id and session id every line of a
//!   request carries live in a task-local value set once per request
//!   ([`in_request`], [`record_session_id`]), not in a tracing span (a span
//!   costs a registry slot, filter checks on every poll and a re-formatted
//!   field set on every record).
//! - [`JsonFormat`] writes the line straight into tracing's line buffer. The
//!   shape is that of tracing-subscriber's JSON format with `flatten_event`
//!   and the current span: `timestamp` (RFC 3339, UTC, microseconds, by
//!   humantime), `level`, the event's fields (`message` first), `target`,
//!   and `span`: inside a request `{"request_id", "session_id" (once known),
//!   "trace_id", "name": "request"}`, else the innermost tracing span's fields (in name
//!   order) and `name`. These are the bytes tracing-subscriber's formatter
//!   writes for the same event (the request's ids in a `request` span; only
//!   backspace, form feed and DEL are escaped differently, as `\u00XX`), at
//!   a quarter of its cost: it re-parses the span's fields as a JSON value
//!   for every line and builds each line through serde
//!   (`server/benches/logging.rs` checks the bytes and times both;
//!   docs/performance.md has the figures). The span's fields are
//!   tracing-subscriber's own `JsonFields`, formatted when the span opens.
//! - [`BatchWriter`] collects lines in memory and a background thread writes
//!   them at most every [`FLUSH_INTERVAL`], so a busy server makes one
//!   `write` per batch instead of a thread wake-up and a `write` per line
//!   (the wake-ups cost more than the formatting on a small machine). A
//!   warning or an error wakes the thread at once. Nothing is dropped: when
//!   the buffer holds [`MAX_BUFFERED`] bytes (stderr stalled), the logging
//!   thread waits for room. Dropping the [`LogGuard`] writes out everything
//!   still buffered; a process killed outright loses at most the last
//!   [`FLUSH_INTERVAL`] of lines.

mod context;
mod json;
mod writer;

pub use context::{RequestContext, client_span, in_request, record_session_id, span, with_trace};
pub use json::JsonFormat;
pub use writer::{BatchWriter, FLUSH_INTERVAL, LineWriter, LogGuard, MAX_BUFFERED};

use std::fmt;
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Installs the process's log subscriber: `level` as an `EnvFilter` (`info`
/// when it does not parse), `format` as JSON lines or pretty text, written
/// to `out` by a [`BatchWriter`]. Keep the guard until exit.
pub fn install(
    level: &str,
    format: crate::settings::LogFormat,
    out: impl std::io::Write + Send + 'static,
) -> std::io::Result<LogGuard> {
    let filter =
        tracing_subscriber::EnvFilter::try_new(level).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let (writer, guard) = BatchWriter::new(out)?;
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer);
    match format {
        crate::settings::LogFormat::Json => {
            builder.fmt_fields(tracing_subscriber::fmt::format::JsonFields::new()).event_format(JsonFormat).init()
        }
        crate::settings::LogFormat::Pretty => builder.event_format(PrettyFormat::default()).init(),
    }
    Ok(guard)
}

/// tracing-subscriber's human-readable format with the request's ids in
/// front (`request{request_id=… session_id=…}: `), for `LOG_FORMAT=pretty`.
#[derive(Debug, Default)]
pub struct PrettyFormat(tracing_subscriber::fmt::format::Format);

impl<S, N> FormatEvent<S, N> for PrettyFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut w: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        if let Some(r) = context::with_request(|c| {
            write!(w, "request{{request_id={}", c.request_id)?;
            if let Some(s) = c.session_id.borrow().as_deref() {
                write!(w, " session_id={s}")?;
            }
            write!(w, " trace_id={}}}: ", c.trace.trace_id)
        }) {
            r?;
        }
        self.0.format_event(ctx, w, event)
    }
}
