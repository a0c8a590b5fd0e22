//! W3C Trace Context (<https://www.w3.org/TR/trace-context/>): reading an
//! incoming `traceparent` / `tracestate`, writing the outgoing one. Both
//! platforms use it: the native server around its OpenTelemetry spans, the
//! edge worker to pass the trace on to the putt solver and the shot planner.
//!
//! ```text
//! traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
//!              ^^ ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ ^^^^^^^^^^^^^^^^ ^^
//!         version trace id (16 bytes)              parent id (8)    flags (bit 0: sampled)
//! ```
//!
//! A header that breaks the rules is ignored (a new trace starts), as the
//! recommendation says; never an error for the caller. Ids are the
//! platform's to draw ([`TraceIds`]); this module only reads and writes.

use alloc::string::String;

/// The `sampled` bit of the trace flags.
pub const SAMPLED: u8 = 0x01;

/// `tracestate` longer than this is dropped (the recommendation's limit a
/// vendor must propagate is 512 characters).
pub const MAX_TRACESTATE: usize = 512;

/// At most 32 list members in a `tracestate`.
pub const MAX_TRACESTATE_MEMBERS: usize = 32;

/// A parsed `traceparent`: the caller's trace and its span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceParent {
    pub trace_id: [u8; 16],
    pub parent_id: [u8; 8],
    pub flags: u8,
}

impl TraceParent {
    pub fn sampled(&self) -> bool {
        self.flags & SAMPLED != 0
    }
}

/// The ids a request's trace uses, as the platform drew them or received them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceIds {
    pub trace_id: [u8; 16],
    /// The caller's span, when the request came with a valid `traceparent`.
    pub parent: Option<[u8; 8]>,
    pub flags: u8,
    /// The caller's `tracestate`, passed on unchanged when it is well formed.
    pub tracestate: Option<String>,
}

impl TraceIds {
    /// The incoming headers' trace, or a new one with `fresh_trace_id()`
    /// (drawn only then; not sampled: nothing upstream asked for it).
    pub fn incoming(
        traceparent: Option<&str>,
        tracestate: Option<&str>,
        fresh_trace_id: impl FnOnce() -> [u8; 16],
    ) -> TraceIds {
        match traceparent.and_then(parse_traceparent) {
            Some(p) => TraceIds {
                trace_id: p.trace_id,
                parent: Some(p.parent_id),
                flags: p.flags,
                // Without a valid traceparent, tracestate is dropped too (§3.3.1).
                tracestate: tracestate.filter(|s| valid_tracestate(s)).map(String::from),
            },
            None => TraceIds { trace_id: fresh_trace_id(), parent: None, flags: 0, tracestate: None },
        }
    }

    /// The trace id as 32 lowercase hex digits (log lines, the run record).
    pub fn trace_id_hex(&self) -> String {
        hex(&self.trace_id)
    }

    /// The `traceparent` to send downstream from this trace's span `span_id`.
    pub fn traceparent_from(&self, span_id: [u8; 8]) -> String {
        traceparent(&self.trace_id, &span_id, self.flags)
    }
}

/// Reads a `traceparent` value; `None` when it breaks the format rules.
///
/// Version `00` is exactly 55 characters. A later version is read as far as
/// version 00's fields go, when what follows starts with `-` (§4.3: a
/// future version may append fields). Version `ff`, all-zero ids and
/// uppercase hex are invalid.
pub fn parse_traceparent(value: &str) -> Option<TraceParent> {
    let v = value.trim_matches([' ', '\t']).as_bytes();
    if v.len() < 55 {
        return None;
    }
    let version = hex_byte(v[0], v[1])?;
    if version == 0xff || v[2] != b'-' || v[35] != b'-' || v[52] != b'-' {
        return None;
    }
    if (version == 0 && v.len() != 55) || (v.len() > 55 && v[55] != b'-') {
        return None;
    }
    let mut trace_id = [0u8; 16];
    for (i, b) in trace_id.iter_mut().enumerate() {
        *b = hex_byte(v[3 + 2 * i], v[4 + 2 * i])?;
    }
    let mut parent_id = [0u8; 8];
    for (i, b) in parent_id.iter_mut().enumerate() {
        *b = hex_byte(v[36 + 2 * i], v[37 + 2 * i])?;
    }
    let flags = hex_byte(v[53], v[54])?;
    if trace_id == [0; 16] || parent_id == [0; 8] {
        return None;
    }
    Some(TraceParent { trace_id, parent_id, flags })
}

/// A version-00 `traceparent` (only the sampled bit of `flags` is kept:
/// other bits are not defined in version 00).
pub fn traceparent(trace_id: &[u8; 16], span_id: &[u8; 8], flags: u8) -> String {
    let mut s = String::with_capacity(55);
    s.push_str("00-");
    push_hex(&mut s, trace_id);
    s.push('-');
    push_hex(&mut s, span_id);
    s.push('-');
    push_hex(&mut s, &[flags & SAMPLED]);
    s
}

/// Whether a `tracestate` value is a list this server may pass on: at most
/// [`MAX_TRACESTATE`] characters and [`MAX_TRACESTATE_MEMBERS`] members,
/// each `key=value` with the recommendation's characters (§3.3.1).
pub fn valid_tracestate(value: &str) -> bool {
    if value.len() > MAX_TRACESTATE {
        return false;
    }
    let mut members = 0;
    for member in value.split(',') {
        let member = member.trim_matches([' ', '\t']);
        if member.is_empty() {
            continue; // empty list members are allowed and ignored
        }
        members += 1;
        let Some((key, val)) = member.split_once('=') else { return false };
        if members > MAX_TRACESTATE_MEMBERS || !valid_key(key) || !valid_value(val) {
            return false;
        }
    }
    true
}

fn valid_key(key: &str) -> bool {
    let simple = |k: &str, max: usize| {
        let b = k.as_bytes();
        !b.is_empty()
            && b.len() <= max
            && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
            && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"_-*/".contains(c))
    };
    match key.split_once('@') {
        None => simple(key, 256),
        Some((tenant, system)) => simple(tenant, 241) && simple(system, 14),
    }
}

fn valid_value(val: &str) -> bool {
    let b = val.as_bytes();
    !b.is_empty()
        && b.len() <= 256
        && b.iter().all(|&c| (0x20..=0x7e).contains(&c) && c != b',' && c != b'=')
        && b[b.len() - 1] != b' '
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    push_hex(&mut s, bytes);
    s
}

fn push_hex(s: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
}

/// One byte from two lowercase hex digits (uppercase is invalid in a traceparent).
fn hex_byte(hi: u8, lo: u8) -> Option<u8> {
    let d = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    Some(d(hi)? << 4 | d(lo)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    const EXAMPLE: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const FRESH: [u8; 16] = [7; 16];

    #[test]
    fn the_recommendations_example_round_trips() {
        let p = parse_traceparent(EXAMPLE).unwrap();
        assert_eq!(hex(&p.trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(hex(&p.parent_id), "00f067aa0ba902b7");
        assert!(p.sampled());
        assert_eq!(traceparent(&p.trace_id, &p.parent_id, p.flags), EXAMPLE);
        assert_eq!(parse_traceparent(&format!(" {EXAMPLE}\t")), Some(p), "surrounding whitespace is allowed");
    }

    #[test]
    fn headers_that_break_the_rules_are_ignored() {
        let bad = [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", // no flags
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-", // version 00 with more
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", // uppercase
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01", // zero trace id
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", // zero parent id
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", // version ff
            "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", // separator
            "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01", // not hex
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x", // later version, no dash after
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0é", // not ASCII
        ];
        for b in bad {
            assert_eq!(parse_traceparent(b), None, "{b:?}");
        }
    }

    #[test]
    fn a_later_version_is_read_as_far_as_version_00_goes() {
        let p = parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-holds");
        assert_eq!(p.map(|p| hex(&p.parent_id)), Some("00f067aa0ba902b7".into()));
        assert!(parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").is_some());
    }

    #[test]
    fn only_the_sampled_flag_goes_out() {
        let p = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff").unwrap();
        assert_eq!(p.flags, 0xff);
        assert!(traceparent(&p.trace_id, &[1; 8], p.flags).ends_with("-01"));
        assert!(traceparent(&p.trace_id, &[1; 8], 0).ends_with("-00"));
    }

    #[test]
    fn tracestate_is_passed_on_only_when_well_formed() {
        for good in ["congo=t61rcWkgMzE", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", "a@b=1, , c=2", "t1-x@sys=v v"] {
            assert!(valid_tracestate(good), "{good:?}");
        }
        let too_many = (0..33).map(|i| format!("k{i}=v")).collect::<alloc::vec::Vec<_>>().join(",");
        let too_long = format!("k={}", "v".repeat(MAX_TRACESTATE));
        for bad in ["Congo=1", "congo", "congo=", "congo=a=b", "=v", "a@=1", "k=v\u{7f}", too_many.as_str(), &too_long]
        {
            assert!(!valid_tracestate(bad), "{bad:?}");
        }
    }

    #[test]
    fn incoming_keeps_the_callers_trace_or_starts_one() {
        let t = TraceIds::incoming(Some(EXAMPLE), Some("congo=t61rcWkgMzE"), || {
            unreachable!("a caller's trace draws no id")
        });
        assert_eq!(t.trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(t.parent.map(|p| hex(&p)), Some("00f067aa0ba902b7".into()));
        assert_eq!(t.tracestate.as_deref(), Some("congo=t61rcWkgMzE"));
        assert_eq!(t.traceparent_from([0xab; 8]), "00-4bf92f3577b34da6a3ce929d0e0e4736-abababababababab-01");

        let fresh = TraceIds::incoming(Some("garbage"), Some("congo=t61rcWkgMzE"), || FRESH);
        assert_eq!(fresh, TraceIds { trace_id: FRESH, parent: None, flags: 0, tracestate: None });
        let bad_state = TraceIds::incoming(Some(EXAMPLE), Some("Not Valid"), || FRESH);
        assert_eq!(bad_state.tracestate, None);
    }
}
