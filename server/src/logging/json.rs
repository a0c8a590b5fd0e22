//! The JSON line format: [`JsonFormat`] writes each event's line straight
//! into tracing's line buffer (see the module docs of [`crate::logging`]
//! for the shape, and `server/benches/logging.rs` for what it saves).

use super::context::with_request;
use std::fmt::{self, Write as _};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::{JsonFields, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// The JSON line format (see the module docs).
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonFormat;

/// Span fields are tracing-subscriber's [`JsonFields`]: a JSON object per
/// span (keys in name order), formatted when the span opens or records a
/// field, and written into each line as it is.
impl<S> FormatEvent<S, JsonFields> for JsonFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, JsonFields>, mut w: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        let meta = event.metadata();
        w.write_str("{\"timestamp\":\"")?;
        write_timestamp(&mut w, SystemTime::now())?;
        write!(w, "\",\"level\":\"{}\"", meta.level())?;
        let mut v = JsonVisitor::new(&mut w);
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
            // 32 hex digits: nothing to escape.
            w.write_str(",\"trace_id\":\"")?;
            w.write_str(&c.trace.trace_id)?;
            w.write_str("\",\"name\":\"request\"}")
        }) {
            r?;
        } else if let Some(span) = ctx.lookup_current() {
            w.write_str(",\"span\":{")?;
            let ext = span.extensions();
            let pairs = ext.get::<FormattedFields<JsonFields>>().and_then(|f| f.strip_prefix('{')?.strip_suffix('}'));
            if let Some(pairs) = pairs.filter(|p| !p.is_empty()) {
                w.write_str(pairs)?;
                w.write_char(',')?;
            }
            w.write_str("\"name\":")?;
            write_json_str(&mut w, span.name())?;
            w.write_char('}')?;
        }
        w.write_str("}\n")
    }
}

/// Writes `,"name":value` for each field of an event.
struct JsonVisitor<'a, W: fmt::Write> {
    w: &'a mut W,
    result: fmt::Result,
}

impl<'a, W: fmt::Write> JsonVisitor<'a, W> {
    fn new(w: &'a mut W) -> Self {
        JsonVisitor { w, result: Ok(()) }
    }

    fn pair(&mut self, field: &Field, value: impl FnOnce(&mut W) -> fmt::Result) {
        if self.result.is_err() {
            return;
        }
        self.result = (|| {
            self.w.write_char(',')?;
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

/// RFC 3339 in UTC with microseconds (`2026-11-25T10:00:00.123456Z`), by
/// humantime. A clock outside 1970–9999 (which humantime does not format)
/// is held at the nearer end.
fn write_timestamp<W: fmt::Write>(w: &mut W, t: SystemTime) -> fmt::Result {
    let last = UNIX_EPOCH + Duration::new(253_402_300_799, 999_999_000);
    write!(w, "{}", humantime::format_rfc3339_micros(t.clamp(UNIX_EPOCH, last)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logging::context::{RequestContext, in_request, record_session_id};
    use crate::logging::writer::BatchWriter;
    use crate::logging::writer::tests::Sink;

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
        // A clock outside what RFC 3339 years can say is held at the nearer end.
        s.clear();
        write_timestamp(&mut s, std::time::UNIX_EPOCH - Duration::from_secs(1)).unwrap();
        assert_eq!(s, "1970-01-01T00:00:00.000000Z");
        s.clear();
        write_timestamp(&mut s, std::time::UNIX_EPOCH + Duration::from_secs(300_000_000_000)).unwrap();
        assert_eq!(s, "9999-12-31T23:59:59.999999Z");
    }

    #[test]
    fn strings_are_escaped() {
        let mut s = String::new();
        write_json_str(&mut s, "a\"b\\c\nd\u{1}e\u{e9}").unwrap();
        assert_eq!(s, r#""a\"b\\c\nd\u0001eé""#);
        assert_eq!(serde_json::from_str::<String>(&s).unwrap(), "a\"b\\c\nd\u{1}e\u{e9}");
    }

    /// What `f` logs through the JSON format and the batched writer, all of it.
    fn logged(f: impl FnOnce()) -> String {
        use tracing_subscriber::layer::SubscriberExt;
        let sink = Sink::default();
        let (w, guard) = BatchWriter::new(sink.clone()).unwrap();
        let layer =
            tracing_subscriber::fmt::layer().fmt_fields(JsonFields::new()).event_format(JsonFormat).with_writer(w);
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
            tracing::info_span!("empty").in_scope(|| tracing::info!("in a span without fields"));
        });
        let lines: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 3);
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
        // The order: timestamp, level, the event's fields (message first), target, span.
        let raw: Vec<&str> = out.lines().collect();
        assert!(raw[1].starts_with(r#"{"timestamp":""#), "{}", raw[1]);
        assert!(raw[1][41..].starts_with(r#"","level":"WARN","message":"inside","nan":null,"target":""#), "{}", raw[1]);
        assert!(raw[1].ends_with(r#","span":{"request_id":"r1","session_id":"s2","name":"request"}}"#), "{}", raw[1]);
        assert!(raw[2].ends_with(r#","span":{"name":"empty"}}"#), "{}", raw[2]);
    }

    const TP: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn lines_of_a_request_carry_its_ids() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let out = logged(|| {
            rt.block_on(async {
                let other = tokio::spawn(async { tracing::info!("another task") });
                let trace = crate::trace::Tracing::off().request(Some(TP), None, "POST", "/t");
                in_request(RequestContext::new("r\"1".into(), trace), async {
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
        let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
        assert_eq!(
            lines["before"]["span"],
            serde_json::json!({"request_id": "r\"1", "trace_id": trace_id, "name": "request"})
        );
        assert_eq!(
            lines["after"]["span"],
            serde_json::json!({"request_id": "r\"1", "session_id": "s2", "trace_id": trace_id, "name": "request"})
        );
        assert!(lines["another task"].get("span").is_none());
        assert!(lines["outside"].get("span").is_none());
    }
}
