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
//!   and the current span: `timestamp`, `level`, the event's fields
//!   (`message` first), `target`, and `span`: inside a request
//!   `{"request_id", "session_id" (once known), "name": "request"}`, else the
//!   innermost tracing span's fields and `name`. A span's fields are kept as
//!   a finished JSON fragment when they are recorded instead of being
//!   re-parsed as a JSON value for every line.
//! - [`BatchWriter`] collects lines in memory and a background thread writes
//!   them at most every [`FLUSH_INTERVAL`], so a busy server makes one
//!   `write` per batch instead of a thread wake-up and a `write` per line
//!   (the wake-ups cost more than the formatting on a small machine). A
//!   warning or an error wakes the thread at once. Nothing is dropped: when
//!   the buffer holds [`MAX_BUFFERED`] bytes (stderr stalled), the logging
//!   thread waits for room. Dropping the [`LogGuard`] writes out everything
//!   still buffered; a process killed outright loses at most the last
//!   [`FLUSH_INTERVAL`] of lines.

use std::fmt::{self, Write as _};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields, MakeWriter};
use tracing_subscriber::registry::LookupSpan;

/// How long a line may wait in memory before it is written (warnings and errors do not wait).
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(20);
/// Buffered bytes at which the writer is woken before the interval ends.
const WAKE_AT: usize = 256 * 1024;
/// Buffered bytes at which logging waits for the writer (nothing is dropped).
pub const MAX_BUFFERED: usize = 8 * 1024 * 1024;

// ---------------------------------------------------------------- request context

tokio::task_local! {
    static REQUEST: RequestContext;
}

/// The request a task is serving (see the module docs).
#[derive(Debug)]
pub struct RequestContext {
    request_id: String,
    session_id: std::cell::RefCell<Option<String>>,
}

impl RequestContext {
    pub fn new(request_id: String) -> RequestContext {
        RequestContext { request_id, session_id: std::cell::RefCell::new(None) }
    }
}

/// Runs `fut` as the request `ctx`: every line it logs carries the ids.
pub async fn in_request<F: std::future::Future>(ctx: RequestContext, fut: F) -> F::Output {
    REQUEST.scope(ctx, fut).await
}

/// Notes the session the current request touches; its later lines carry
/// it. Does nothing outside a request.
pub fn record_session_id(id: &str) {
    let _ = REQUEST.try_with(|c| {
        let mut s = c.session_id.borrow_mut();
        if s.as_deref() != Some(id) {
            *s = Some(id.to_string());
        }
    });
}

/// `f` on the current request's context, if the caller is serving one.
fn with_request<R>(f: impl FnOnce(&RequestContext) -> R) -> Option<R> {
    REQUEST.try_with(f).ok()
}

// ---------------------------------------------------------------- format

/// The JSON line format (see the module docs).
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonFormat;

/// Span fields as a JSON fragment (`"k":v,"k2":v2`, no braces).
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonFields;

impl<'w> FormatFields<'w> for JsonFields {
    fn format_fields<R: tracing_subscriber::field::RecordFields>(&self, mut w: Writer<'w>, fields: R) -> fmt::Result {
        let mut v = JsonVisitor::new(&mut w, false);
        fields.record(&mut v);
        v.result
    }

    fn add_fields(&self, current: &'w mut FormattedFields<Self>, fields: &tracing::span::Record<'_>) -> fmt::Result {
        // A field recorded again replaces its earlier value (JSON keys stay unique).
        let mut added = String::new();
        let mut v = JsonVisitor::new(&mut added, false);
        fields.record(&mut v);
        v.result?;
        for key in pair_keys(&added) {
            remove_pair(&mut current.fields, key);
        }
        if !current.fields.is_empty() && !added.is_empty() {
            current.fields.push(',');
        }
        current.fields.push_str(&added);
        Ok(())
    }
}

impl<S> FormatEvent<S, JsonFields> for JsonFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, JsonFields>, mut w: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        let meta = event.metadata();
        w.write_str("{\"timestamp\":\"")?;
        write_timestamp(&mut w, std::time::SystemTime::now())?;
        write!(w, "\",\"level\":\"{}\"", meta.level())?;
        let mut v = JsonVisitor::new(&mut w, true);
        event.record(&mut v);
        v.result?;
        w.write_str(",\"target\":")?;
        write_json_str(&mut w, meta.target())?;
        if let Some(r) = with_request(|c| {
            w.write_str(",\"span\":{\"request_id\":")?;
            write_json_str(&mut w, &c.request_id)?;
            if let Some(s) = c.session_id.borrow().as_deref() {
                w.write_str(",\"session_id\":")?;
                write_json_str(&mut w, s)?;
            }
            w.write_str(",\"name\":\"request\"}")
        }) {
            r?;
        } else if let Some(span) = ctx.lookup_current() {
            w.write_str(",\"span\":{")?;
            let ext = span.extensions();
            if let Some(f) = ext.get::<FormattedFields<JsonFields>>().filter(|f| !f.fields.is_empty()) {
                w.write_str(&f.fields)?;
                w.write_char(',')?;
            }
            w.write_str("\"name\":")?;
            write_json_str(&mut w, span.name())?;
            w.write_char('}')?;
        }
        w.write_str("}\n")
    }
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
        if let Some(r) = with_request(|c| {
            write!(w, "request{{request_id={}", c.request_id)?;
            if let Some(s) = c.session_id.borrow().as_deref() {
                write!(w, " session_id={s}")?;
            }
            w.write_str("}: ")
        }) {
            r?;
        }
        self.0.format_event(ctx, w, event)
    }
}

/// Writes `"name":value` pairs, comma-separated; `leading`: a comma before the first.
struct JsonVisitor<'a, W: fmt::Write> {
    w: &'a mut W,
    comma: bool,
    result: fmt::Result,
}

impl<'a, W: fmt::Write> JsonVisitor<'a, W> {
    fn new(w: &'a mut W, leading: bool) -> Self {
        JsonVisitor { w, comma: leading, result: Ok(()) }
    }

    fn pair(&mut self, field: &Field, value: impl FnOnce(&mut W) -> fmt::Result) {
        if self.result.is_err() {
            return;
        }
        self.result = (|| {
            if self.comma {
                self.w.write_char(',')?;
            }
            self.comma = true;
            write_json_key(self.w, field.name())?;
            value(self.w)
        })();
    }
}

impl<W: fmt::Write> Visit for JsonVisitor<'_, W> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.pair(field, |w| write_json_str(w, value));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.pair(field, |w| {
            w.write_char('"')?;
            write!(Escaper(w), "{value:?}")?;
            w.write_char('"')
        });
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.pair(field, |w| write!(w, "{value}"));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.pair(field, |w| write!(w, "{value}"));
    }
    fn record_u128(&mut self, field: &Field, value: u128) {
        self.pair(field, |w| write!(w, "{value}"));
    }
    fn record_i128(&mut self, field: &Field, value: i128) {
        self.pair(field, |w| write!(w, "{value}"));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.pair(field, |w| w.write_str(if value { "true" } else { "false" }));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        // JSON has no NaN or infinity; Rust's shortest round-trip digits otherwise.
        self.pair(field, |w| {
            if value.is_finite() { w.write_str(ryu::Buffer::new().format_finite(value)) } else { w.write_str("null") }
        });
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.pair(field, |w| {
            w.write_char('"')?;
            write!(Escaper(w), "{value}")?;
            w.write_char('"')
        });
    }
}

/// A `fmt::Write` that escapes what passes through for a JSON string.
struct Escaper<'a, W: fmt::Write>(&'a mut W);

impl<W: fmt::Write> fmt::Write for Escaper<'_, W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut start = 0;
        for (i, b) in s.bytes().enumerate() {
            let esc: Option<&str> = match b {
                b'"' => Some("\\\""),
                b'\\' => Some("\\\\"),
                b'\n' => Some("\\n"),
                b'\r' => Some("\\r"),
                b'\t' => Some("\\t"),
                0..=0x1f | 0x7f => None,
                _ => continue,
            };
            self.0.write_str(&s[start..i])?;
            match esc {
                Some(e) => self.0.write_str(e)?,
                None => write!(self.0, "\\u{b:04x}")?,
            }
            start = i + 1;
        }
        self.0.write_str(&s[start..])
    }
}

fn write_json_str<W: fmt::Write>(w: &mut W, s: &str) -> fmt::Result {
    w.write_char('"')?;
    Escaper(w).write_str(s)?;
    w.write_char('"')
}

/// `"name":` for a field name: as it is when it needs no escaping (field
/// names are identifiers almost always), else escaped.
fn write_json_key<W: fmt::Write>(w: &mut W, name: &str) -> fmt::Result {
    if name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.') {
        w.write_char('"')?;
        w.write_str(name)?;
        w.write_str("\":")
    } else {
        write_json_str(w, name)?;
        w.write_char(':')
    }
}

/// The keys of a fragment written by [`JsonVisitor`], in order.
fn pair_keys(fragment: &str) -> Vec<&str> {
    let mut keys = Vec::new();
    let mut rest = fragment;
    while let Some((key, value_and_rest)) = split_key(rest) {
        keys.push(key);
        let end = value_end(value_and_rest);
        rest = value_and_rest[end..].strip_prefix(',').unwrap_or("");
    }
    keys
}

/// Removes the pair with this key (as written by [`JsonVisitor`]) from a fragment.
fn remove_pair(fragment: &mut String, key: &str) {
    let mut offset = 0;
    while let Some((k, value_and_rest)) = split_key(&fragment[offset..]) {
        let value_at = fragment.len() - value_and_rest.len();
        let end = value_at + value_end(value_and_rest);
        if k == key {
            // Take the pair and one adjoining comma.
            let (from, to) = if fragment[end..].starts_with(',') {
                (offset, end + 1)
            } else if offset > 0 {
                (offset - 1, end)
            } else {
                (offset, end)
            };
            fragment.replace_range(from..to, "");
            return;
        }
        offset = if fragment[end..].starts_with(',') { end + 1 } else { return };
    }
}

/// `"key":rest` → (key as written, rest). Keys are field names: no escapes.
fn split_key(s: &str) -> Option<(&str, &str)> {
    let s = s.strip_prefix('"')?;
    let close = s.find('"')?;
    let rest = s[close + 1..].strip_prefix(':')?;
    Some((&s[..close], rest))
}

/// Where the JSON value at the start of `s` ends: a string to its closing
/// quote, anything else (numbers, true, false, null) to the next comma.
fn value_end(s: &str) -> usize {
    let b = s.as_bytes();
    if b.first() != Some(&b'"') {
        return s.find(',').unwrap_or(s.len());
    }
    let mut i = 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    s.len()
}

/// RFC 3339 in UTC with microseconds (`2026-11-25T10:00:00.123456Z`).
fn write_timestamp<W: fmt::Write>(w: &mut W, t: std::time::SystemTime) -> fmt::Result {
    let d = t.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, day) = civil_from_days(days);
    // Digits by hand: `write!` with padding costs more than the rest of the line's fields.
    let mut b = *b"0000-00-00T00:00:00.000000Z";
    let mut put = |at: usize, width: usize, mut v: u64| {
        for i in (at..at + width).rev() {
            b[i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, 4, y.min(9999));
    put(5, 2, m);
    put(8, 2, day);
    put(11, 2, rem / 3600);
    put(14, 2, rem / 60 % 60);
    put(17, 2, rem % 60);
    put(20, 6, u64::from(d.subsec_micros()));
    // Only ASCII digits were written into an ASCII template.
    w.write_str(std::str::from_utf8(&b).map_err(|_| fmt::Error)?)
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian
/// calendar (Howard Hinnant's `civil_from_days`, for non-negative days).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

// ---------------------------------------------------------------- writer

#[derive(Debug, Default)]
struct State {
    buf: Vec<u8>,
    /// The writer thread is waiting for the first line (not on its interval).
    idle: bool,
    /// Write now: a warning or an error, a full buffer, or shutdown.
    urgent: bool,
    closed: bool,
}

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<State>,
    /// Wakes the writer thread.
    wake: Condvar,
    /// Wakes loggers waiting for room.
    room: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves at worst a partly written buffer of whole lines.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Collects log lines for the background writer (see the module docs).
#[derive(Debug, Clone)]
pub struct BatchWriter {
    shared: Arc<Shared>,
}

/// Writes out what is buffered and stops the writer thread when dropped.
#[derive(Debug)]
pub struct LogGuard {
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BatchWriter {
    /// A writer and the thread that writes its lines to `out`.
    pub fn new(out: impl std::io::Write + Send + 'static) -> std::io::Result<(BatchWriter, LogGuard)> {
        let shared = Arc::new(Shared::default());
        let s = shared.clone();
        let thread = std::thread::Builder::new().name("log-writer".into()).spawn(move || write_loop(&s, out))?;
        Ok((BatchWriter { shared: shared.clone() }, LogGuard { shared, thread: Some(thread) }))
    }

    fn push(&self, line: &[u8], urgent: bool) {
        let mut st = self.shared.lock();
        while st.buf.len() >= MAX_BUFFERED && !st.closed {
            st.urgent = true;
            self.shared.wake.notify_one();
            st = self.shared.room.wait(st).unwrap_or_else(|p| p.into_inner());
        }
        st.buf.extend_from_slice(line);
        let wake_now = urgent || st.buf.len() >= WAKE_AT;
        st.urgent |= wake_now;
        if wake_now || st.idle {
            st.idle = false;
            self.shared.wake.notify_one();
        }
    }
}

fn write_loop(shared: &Shared, mut out: impl std::io::Write) {
    let mut spare = Vec::new();
    loop {
        let mut st = shared.lock();
        // Nothing waiting: sleep until the next line.
        while st.buf.is_empty() && !st.closed {
            st.idle = true;
            st = shared.wake.wait(st).unwrap_or_else(|p| p.into_inner());
        }
        if !st.urgent && !st.closed {
            // Lines are waiting: let more gather for one interval, unless something urgent comes.
            let (g, _) = shared
                .wake
                .wait_timeout_while(st, FLUSH_INTERVAL, |s| !s.urgent && !s.closed)
                .unwrap_or_else(|p| p.into_inner());
            st = g;
        }
        std::mem::swap(&mut st.buf, &mut spare);
        st.urgent = false;
        let closed = st.closed;
        drop(st);
        shared.room.notify_all();
        if !spare.is_empty() {
            // stderr failing leaves nowhere to report it; the lines are dropped, the server goes on.
            let _ = out.write_all(&spare);
            let _ = out.flush();
            spare.clear();
        }
        if closed && shared.lock().buf.is_empty() {
            return;
        }
    }
}

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
        crate::settings::LogFormat::Json => builder.fmt_fields(JsonFields).event_format(JsonFormat).init(),
        crate::settings::LogFormat::Pretty => builder.event_format(PrettyFormat::default()).init(),
    }
    Ok(guard)
}

/// One line on its way into the buffer (tracing's fmt layer writes each
/// line with one `write_all`, so lines never interleave).
#[derive(Debug)]
pub struct LineWriter<'a> {
    writer: &'a BatchWriter,
    urgent: bool,
}

impl std::io::Write for LineWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writer.push(buf, self.urgent);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for BatchWriter {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        LineWriter { writer: self, urgent: false }
    }

    fn make_writer_for(&'a self, meta: &tracing::Metadata<'_>) -> Self::Writer {
        LineWriter { writer: self, urgent: *meta.level() <= Level::WARN }
    }
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        {
            let mut st = self.shared.lock();
            st.closed = true;
        }
        self.shared.wake.notify_one();
        self.shared.room.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Collects what the writer thread writes.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        let mut s = String::new();
        let t = std::time::UNIX_EPOCH + Duration::from_micros(1_795_653_404_033_123);
        write_timestamp(&mut s, t).unwrap();
        assert_eq!(s, "2026-11-26T00:36:44.033123Z");
        s.clear();
        write_timestamp(&mut s, std::time::UNIX_EPOCH + Duration::from_secs(951_782_400)).unwrap();
        assert_eq!(s, "2000-02-29T00:00:00.000000Z");
        s.clear();
        write_timestamp(&mut s, std::time::UNIX_EPOCH).unwrap();
        assert_eq!(s, "1970-01-01T00:00:00.000000Z");
    }

    #[test]
    fn strings_are_escaped() {
        let mut s = String::new();
        write_json_str(&mut s, "a\"b\\c\nd\u{1}e\u{e9}").unwrap();
        assert_eq!(s, r#""a\"b\\c\nd\u0001eé""#);
        assert_eq!(serde_json::from_str::<String>(&s).unwrap(), "a\"b\\c\nd\u{1}e\u{e9}");
    }

    #[test]
    fn a_recorded_field_replaces_its_earlier_value() {
        let mut f = String::from(r#""request_id":"a,\"b","session_id":"x","n":3"#);
        remove_pair(&mut f, "session_id");
        assert_eq!(f, r#""request_id":"a,\"b","n":3"#);
        remove_pair(&mut f, "n");
        assert_eq!(f, r#""request_id":"a,\"b""#);
        remove_pair(&mut f, "request_id");
        assert_eq!(f, "");
        assert_eq!(pair_keys(r#""a":"x,\"y","b":1.5,"c":true"#), vec!["a", "b", "c"]);
    }

    #[test]
    fn the_writer_keeps_every_line_in_order() {
        let sink = Sink::default();
        let (w, guard) = BatchWriter::new(sink.clone()).unwrap();
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let w = w.clone();
                std::thread::spawn(move || {
                    for i in 0..20_000 {
                        w.push(format!("{t} {i}\n").as_bytes(), i % 5000 == 0);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        drop(guard);
        let out = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let mut next = [0u32; 4];
        for line in out.lines() {
            let (t, i) = line.split_once(' ').unwrap();
            let t: usize = t.parse().unwrap();
            assert_eq!(i.parse::<u32>().unwrap(), next[t], "thread {t}'s lines out of order or lost");
            next[t] += 1;
        }
        assert_eq!(next, [20_000; 4]);
    }

    /// What `f` logs through the JSON format and the batched writer, all of it.
    fn logged(f: impl FnOnce()) -> String {
        use tracing_subscriber::layer::SubscriberExt;
        let sink = Sink::default();
        let (w, guard) = BatchWriter::new(sink.clone()).unwrap();
        let layer = tracing_subscriber::fmt::layer().fmt_fields(JsonFields).event_format(JsonFormat).with_writer(w);
        let sub = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(sub, f);
        drop(guard);
        String::from_utf8(sink.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn lines_match_the_documented_shape() {
        let out = logged(|| {
            tracing::info!(n = 3u64, "we\"ird key" = 1u64, x = -1.5, ok = true, text = "q\"uote", shown = %"disp\nlay", "outside");
            let span = tracing::info_span!("request", request_id = "r1", session_id = tracing::field::Empty);
            let _e = span.enter();
            span.record("session_id", "s1");
            span.record("session_id", "s2");
            tracing::warn!(nan = f64::NAN, "inside");
        });
        let lines: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 2);
        let a = &lines[0];
        assert_eq!(a["level"], "INFO");
        assert_eq!(a["message"], "outside");
        assert_eq!(a["n"], 3);
        assert_eq!(a["we\"ird key"], 1);
        assert_eq!(a["x"], -1.5);
        assert_eq!(a["ok"], true);
        assert_eq!(a["text"], "q\"uote");
        assert_eq!(a["shown"], "disp\nlay");
        assert!(a["target"].as_str().is_some_and(|t| t.starts_with("greenside_server")));
        assert!(a.get("span").is_none());
        assert!(a["timestamp"].as_str().is_some_and(|t| t.len() == 27 && t.ends_with('Z')));
        let b = &lines[1];
        assert_eq!(b["level"], "WARN");
        assert_eq!(b["nan"], serde_json::Value::Null);
        assert_eq!(b["span"], serde_json::json!({"request_id": "r1", "session_id": "s2", "name": "request"}));
        let keys: Vec<&str> = out.lines().nth(1).map(pair_keys_of_object).unwrap_or_default();
        assert_eq!(keys.first(), Some(&"timestamp"));
        assert_eq!(keys.get(2), Some(&"message"));
    }

    #[test]
    fn lines_of_a_request_carry_its_ids() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let out = logged(|| {
            rt.block_on(async {
                let other = tokio::spawn(async { tracing::info!("another task") });
                in_request(RequestContext::new("r\"1".into()), async {
                    tracing::info!("before");
                    record_session_id("s1");
                    tokio::task::yield_now().await;
                    record_session_id("s2");
                    tracing::info!("after");
                })
                .await;
                other.await.unwrap();
                record_session_id("ignored");
                tracing::info!("outside");
            })
        });
        let lines: std::collections::HashMap<String, serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .map(|v| (v["message"].as_str().unwrap().to_string(), v))
            .collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines["before"]["span"], serde_json::json!({"request_id": "r\"1", "name": "request"}));
        assert_eq!(
            lines["after"]["span"],
            serde_json::json!({"request_id": "r\"1", "session_id": "s2", "name": "request"})
        );
        assert!(lines["another task"].get("span").is_none());
        assert!(lines["outside"].get("span").is_none());
    }

    fn pair_keys_of_object(line: &str) -> Vec<&str> {
        pair_keys(line.trim_start_matches('{'))
    }
}
