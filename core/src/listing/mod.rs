//! The admin listings both servers answer alike: `GET /api/sessions` and
//! `GET /runs/v1` (query parsing, opaque cursors, summaries, run filters)
//! and `POST /runs/v1/prune` (which runs go). Pure: the platforms page
//! through their stores and call these.

mod prune;
mod rounds;
mod runs;
mod sessions;

pub use prune::*;
pub use rounds::*;
pub use runs::*;
pub use sessions::*;

use crate::error::{ApiError, ErrorCode};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// Default and largest page size of `GET /api/sessions`, `GET /api/rounds` and `GET /runs/v1`.
pub const DEFAULT_PAGE_LIMIT: usize = 50;
pub const MAX_PAGE_LIMIT: usize = 200;

fn invalid_query(field: &str, msg: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidQuery, msg).field(field)
}

fn page_limit(q: &dyn Fn(&str) -> Option<String>) -> Result<usize, ApiError> {
    match q("limit") {
        None => Ok(DEFAULT_PAGE_LIMIT),
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PAGE_LIMIT).contains(n))
            .ok_or_else(|| invalid_query("limit", format!("limit must be 1..={MAX_PAGE_LIMIT}"))),
    }
}

/// A cursor's number: 1 to 16 lowercase hex digits, as the encoders write
/// them (nothing else: `+1`, `A`, 17 digits are not this service's).
fn hex_u64(h: &str) -> Option<u64> {
    let ok = (1..=16).contains(&h.len()) && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if ok { u64::from_str_radix(h, 16).ok() } else { None }
}

/// Pages of several shards merged into one: each shard's page is its own
/// first `limit` items in the same order (`key` ascending) after the same
/// cursor, with `true` when it had more. The answer is the first `limit` of
/// them all, and whether anything follows (in a page or in a shard): every
/// item of the true first `limit` is within its own shard's first `limit`,
/// so nothing is skipped and, the next cursor being the last item returned,
/// nothing is repeated.
pub fn merge_pages<T, K: Ord>(pages: Vec<(Vec<T>, bool)>, limit: usize, key: impl Fn(&T) -> K) -> (Vec<T>, bool) {
    let more_in_a_shard = pages.iter().any(|(_, more)| *more);
    let mut all: Vec<T> = pages.into_iter().flat_map(|(items, _)| items).collect();
    all.sort_by_key(|t| key(t));
    let more = all.len() > limit || (more_in_a_shard && all.len() == limit);
    all.truncate(limit);
    let more = more && !all.is_empty();
    (all, more)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Sessions 1..=10, each started at `10 * n` ms; the even ones expire at 1,000.
    fn sessions() -> alloc::vec::Vec<crate::session::SessionRecord> {
        use crate::api::StartRequest;
        let course = crate::course::Course::from_json(crate::example::RIVERSIDE_COURSE_JSON).unwrap();
        let hole = course.prepare_hole(1).unwrap();
        let rules = crate::rules::Rules::default();
        let start = StartRequest { course_id: "riverside".into(), hole_id: 1, units: Default::default() };
        (1..=10u64)
            .map(|n| {
                let id = alloc::format!("gs_{n:032x}");
                let mut r = crate::session::start(&start, id, n, &hole, &rules, 10 * n).unwrap();
                if n % 2 == 0 {
                    r.expires_at_ms = 1_000;
                }
                r
            })
            .collect()
    }

    fn walk(
        all: &[crate::session::SessionRecord],
        after: u64,
        limit: usize,
        now: u64,
    ) -> (alloc::vec::Vec<u64>, Option<u64>, usize) {
        let mut page = SessionsPageBuilder::new(after, limit, now);
        let mut read = 0;
        for r in all {
            read += 1;
            if !page.offer(r) {
                break;
            }
        }
        let (items, next) = page.finish();
        (items.iter().map(|s| s.session_number).collect(), next, read)
    }

    #[test]
    fn the_runs_query_reads_exactly_its_keys() {
        let read = core::cell::RefCell::new(alloc::vec::Vec::new());
        parse_runs_query(|k| {
            read.borrow_mut().push(String::from(k));
            None
        })
        .unwrap();
        let mut read = read.into_inner();
        read.sort();
        read.dedup();
        let mut keys: alloc::vec::Vec<String> = RUNS_QUERY_KEYS.iter().map(|k| String::from(*k)).collect();
        keys.sort();
        assert_eq!(read, keys);
    }

    #[test]
    fn one_paging_rule_for_sessions() {
        let all = sessions();
        // Before 1,000 ms every session is live.
        assert_eq!(walk(&all, 0, 3, 999), (alloc::vec![1, 2, 3], Some(3), 4));
        // At 1,000 the even ones have expired (core's is_expired): skipped.
        assert_eq!(walk(&all, 0, 3, 1_000), (alloc::vec![1, 3, 5], Some(5), 7));
        assert_eq!(walk(&all, 5, 3, 1_000), (alloc::vec![7, 9], None, 10));
        // A page that ends exactly where the live sessions end has no next cursor.
        assert_eq!(walk(&all, 6, 2, 1_000), (alloc::vec![7, 9], None, 10));
        assert_eq!(walk(&all, 10, 5, 0), (alloc::vec![], None, 10));
        let mut p = SessionsPageBuilder::new(0, 2, 0);
        assert_eq!(p.wanted(), 3);
        assert!(p.offer_summary(SessionSummary::from(&all[0])));
        assert_eq!(p.wanted(), 2);
        assert!(p.offer_summary(SessionSummary::from(&all[1])));
        assert!(!p.offer_summary(SessionSummary::from(&all[2])));
        assert_eq!(p.wanted(), 0);
        assert_eq!(p.finish().1, Some(2));
    }

    #[test]
    fn cursors_round_trip_and_reject_strangers() {
        let c = (0x1234u64, String::from("run_0123456789abcdef0123456789abcdef"));
        assert_eq!(decode_run_cursor(&encode_run_cursor(&c)), Some(c));
        for bad in ["", "r", "r12", "rzz.run_x", "r1.run_../../etc"] {
            assert_eq!(decode_run_cursor(bad), None, "{bad}");
        }
        let q = |k: &str| (k == "cursor").then(|| encode_sessions_cursor(77));
        assert_eq!(parse_sessions_query(q).unwrap(), (DEFAULT_PAGE_LIMIT, 77));
        let bad = |k: &str| (k == "limit").then(|| String::from("0"));
        assert_eq!(parse_sessions_query(bad).unwrap_err().code, ErrorCode::InvalidQuery);
    }

    /// The cursor patterns the document gives and the parsers agree: every
    /// string a pattern matches is taken, and the near misses (what
    /// `from_str_radix` alone would take) are refused as `invalid_query`.
    #[test]
    fn cursor_patterns_are_what_the_parsers_take() {
        use proptest::strategy::{Strategy, ValueTree};
        use proptest::test_runner::TestRunner;
        let sessions = |c: &str| {
            let c = String::from(c);
            parse_sessions_query(move |k| (k == "cursor").then(|| c.clone()))
        };
        let runs = |c: &str| {
            let c = String::from(c);
            parse_runs_query(move |k| (k == "cursor").then(|| c.clone()))
        };
        let mut runner = TestRunner::deterministic();
        for (pattern, sessions_side) in [(SESSIONS_CURSOR_PATTERN, true), (RUNS_CURSOR_PATTERN, false)] {
            let parses = |c: &str| if sessions_side { sessions(c).is_ok() } else { runs(c).is_ok() };
            // Strings the pattern matches (proptest generates without the anchors)...
            let unanchored = pattern.trim_start_matches('^').trim_end_matches('$');
            let strategy = proptest::string::string_regex(unanchored).unwrap();
            for _ in 0..500 {
                let c = strategy.new_tree(&mut runner).unwrap().current();
                assert!(parses(&c), "{pattern} matches {c:?}, which the parser refuses");
            }
            // ...and strings near them: the parser takes exactly what the pattern matches.
            let re = regex::Regex::new(pattern).unwrap();
            let near = proptest::string::string_regex("[cr][0-9a-fA-F+ .]{0,18}(run_[0-9a-fA-Fx]{31,33})?").unwrap();
            for _ in 0..3000 {
                let c = near.new_tree(&mut runner).unwrap().current();
                assert_eq!(parses(&c), re.is_match(&c), "{pattern} and the parser disagree on {c:?}");
            }
        }
        let run = "run_0123456789abcdef0123456789abcdef";
        for bad in ["c", "c+1", "cA", "C1", "c00000000000000001", " c1", "c1 ", "zzz"] {
            assert_eq!(sessions(bad).unwrap_err().code, ErrorCode::InvalidQuery, "{bad}");
        }
        for bad in [
            alloc::format!("r+1.{run}"),
            alloc::format!("rA.{run}"),
            alloc::format!("r.{run}"),
            alloc::format!("r00000000000000001.{run}"),
            String::from("r1.run_x"),
        ] {
            assert_eq!(runs(&bad).unwrap_err().code, ErrorCode::InvalidQuery, "{bad}");
        }
        assert!(sessions("").is_ok() && runs("").is_ok(), "an empty cursor is the first page");
    }
}
