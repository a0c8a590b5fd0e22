//! Faults under load: while fixes stream to sessions, the putt solver hangs,
//! resets the connection, cuts its answer, or drips it slower than the
//! timeout. Advice answers at once with the right code and the flagged
//! fallback, the fixes keep flowing (none fails, every acknowledged one is
//! counted), and `/health` reports the failing service as degraded while
//! `/ready` stays 200 (advice has its fallback). Redis killed and restarted
//! under load is `multi_instance::redis_outage_*`.

#![allow(clippy::unwrap_used)]

use crate::common;

use common::solver::{Mode, TestSolver};
use common::{ON_GREEN, Server, ball, client, get, post, start_session};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long the failing solver holds its answer, and greenside's timeout.
const HANG: Duration = Duration::from_secs(3);
const TIMEOUT: Duration = Duration::from_millis(500);

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_solver_never_stalls_the_fixes_and_health_says_so() {
    let solver = TestSolver::start(Mode::Ok, Some("fault-key-31")).await;
    let s = Server::start(&[
        ("PUTT_SOLVER_URL", solver.base.as_str()),
        ("PUTT_SOLVER_API_KEY", "fault-key-31"),
        ("PUTT_SOLVER_TIMEOUT_S", "0.5"),
    ]);
    let c = client();
    let advice_sid = start_session(&c, &s).await;
    for _ in 0..2 {
        post(&c, &s.url("/api/session/set_ball_location"), &ball(&advice_sid, ON_GREEN)).await;
    }
    let (_, h) = get(&c, &s.url("/health")).await;
    assert_eq!(h["downstream"]["putt_solver"]["status"], "unknown", "no call yet");

    // Load: 8 sessions, fixes as fast as they are answered.
    let mut sids = Vec::new();
    for _ in 0..8 {
        sids.push(start_session(&c, &s).await);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicU64::new(0));
    let worst_ms = Arc::new(AtomicU64::new(0));
    let mut load = Vec::new();
    for sid in sids.clone() {
        let (c, url, stop, acked, worst) =
            (c.clone(), s.url("/api/session/set_ball_location"), stop.clone(), acked.clone(), worst_ms.clone());
        load.push(tokio::spawn(async move {
            let mut mine = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let t0 = Instant::now();
                let (status, body) = post(&c, &url, &ball(&sid, ON_GREEN)).await;
                assert_eq!(status, 200, "a fix failed during a solver fault: {body}");
                worst.fetch_max(t0.elapsed().as_millis() as u64, Ordering::Relaxed);
                mine += 1;
                acked.fetch_add(1, Ordering::Relaxed);
            }
            (sid, mine)
        }));
    }

    let ask = json!({"contract_version": "0.5.0", "session_id": advice_sid});
    for (mode, status, code) in [
        (Mode::Slow(HANG), 504, "putt_solver_timeout"),
        (Mode::ResetBeforeAnswer, 502, "putt_solver_unavailable"),
        (Mode::CutAnswer, 502, "putt_solver_bad_response"),
        (Mode::Drip(HANG), 504, "putt_solver_timeout"),
    ] {
        let name = format!("{mode:?}");
        solver.set_mode(mode);
        let t0 = Instant::now();
        let (got, body) = post(&c, &s.url("/api/get_hole_advice"), &ask).await;
        let took = t0.elapsed();
        assert_eq!((got, body["error"]["code"].as_str()), (status, Some(code)), "{name}: {body}");
        assert_eq!(body["fallback_used"], true, "{name}");
        // Relative to the fault, not the wall clock: the solver holds its
        // answer for 3 s, greenside's timeout is 0.5 s. Waiting for the solver
        // would take 3 s; half of that is slack enough for a loaded machine.
        assert!(
            took < HANG / 2 + TIMEOUT,
            "{name}: answered after {took:?} (timeout {TIMEOUT:?}, the solver holds {HANG:?})"
        );
        let (hs, h) = get(&c, &s.url("/health")).await;
        assert_eq!((hs, h["status"].as_str()), (200, Some("degraded")), "{name}: {h}");
        let seen = &h["downstream"]["putt_solver"];
        assert_eq!((seen["status"].as_str(), seen["seen"]["last_error_code"].as_str()), (Some("degraded"), Some(code)));
        assert_eq!(get(&c, &s.url("/ready")).await.0, 200, "{name}: advice has its fallback; the service stays ready");
    }
    // The solver recovers, and so does the report.
    solver.set_mode(Mode::Ok);
    assert_eq!(post(&c, &s.url("/api/get_hole_advice"), &ask).await.0, 200);
    let (_, h) = get(&c, &s.url("/health")).await;
    assert_eq!(h["status"], "healthy", "{h}");
    assert_eq!(h["downstream"]["putt_solver"]["seen"]["consecutive_failures"], 0);
    assert_eq!(h["downstream"]["putt_solver"]["seen"]["failures"], 4);

    stop.store(true, Ordering::Relaxed);
    let mut total = 0;
    for t in load {
        let (sid, mine) = t.await.unwrap();
        let (_, st) = get(&c, &s.url(&format!("/api/session/{sid}"))).await;
        assert_eq!(st["hole_state"]["fix_count"].as_u64(), Some(mine), "every acknowledged fix is counted");
        total += mine;
    }
    assert_eq!(total, acked.load(Ordering::Relaxed));
    let worst = worst_ms.load(Ordering::Relaxed);
    eprintln!("faults: {total} fixes acknowledged during the solver faults; slowest fix {worst} ms");
    assert!(total > 100, "the fixes kept flowing ({total})");
    // A fix that waited on the solver would take its whole hang.
    assert!(worst < (HANG / 2).as_millis() as u64, "no fix waited on the solver (slowest {worst} ms, hang {HANG:?})");
    s.stop();
}

/// Slow and idle clients do not hold the server: 40 connections stop in the
/// middle of their headers and 20 keep an idle keep-alive connection after
/// one request; `/live` answers while they hang, and each of them is closed
/// by the server once the header timeout (2 s here) has passed. Without the
/// timeout they stayed open for minutes and, with the file limit at 256,
/// about 250 of them made `/live` time out.
#[tokio::test(flavor = "multi_thread")]
async fn slow_and_idle_clients_are_closed_and_live_answers_meanwhile() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = Server::start(&[("HTTP_HEADER_TIMEOUT_S", "2"), ("HTTP_MAX_CONNECTIONS", "200")]);
    let addr = s.url("").trim_start_matches("http://").to_string();
    let mut hanging = Vec::new();
    // No connection can be closed by the timeout before this instant plus
    // the timeout: the server's clock for each starts after it connects.
    let first_opened = Instant::now();
    let timeout = Duration::from_secs(2);
    for i in 0..60 {
        let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
        if i < 40 {
            // A head that never ends.
            conn.write_all(b"GET /live HTTP/1.1\r\nhost: x\r\nx-slow: ").await.unwrap();
        } else {
            // One whole request and its answer, then nothing.
            conn.write_all(b"GET /live HTTP/1.1\r\nhost: x\r\n\r\n").await.unwrap();
            let mut buf = [0u8; 1024];
            let n = conn.read(&mut buf).await.unwrap();
            assert!(std::str::from_utf8(&buf[..n]).unwrap().starts_with("HTTP/1.1 200"));
        }
        hanging.push(conn);
    }
    let c = client();
    let t0 = Instant::now();
    let (status, _) = get(&c, &s.url("/live")).await;
    let answered = Instant::now();
    assert_eq!(status, 200);
    // ... while they hang: every slow one is seen still open after the
    // answer. A machine so slow that setting up took the whole timeout
    // cannot show it: the test says so and fails rather than pass unchecked.
    let mut open_after = 0;
    for conn in &mut hanging[..40] {
        let mut probe = [0u8; 1];
        if tokio::time::timeout(Duration::from_millis(1), conn.read(&mut probe)).await.is_err() {
            open_after += 1;
        }
    }
    let probed = Instant::now();
    assert!(
        open_after == 40 || probed >= first_opened + timeout,
        "{} slow clients were closed before the header timeout ({:?} after the first connected)",
        40 - open_after,
        probed - first_opened
    );
    assert_eq!(
        open_after,
        40,
        "inconclusive: /live answered {:?} and the probe ended {:?} after the first slow client connected, past the timeout",
        answered - first_opened,
        probed - first_opened
    );
    // Every one of them is closed by the server: a read ends (EOF or reset).
    let deadline = Instant::now() + Duration::from_secs(10);
    for (i, conn) in hanging.iter_mut().enumerate() {
        let left = deadline.saturating_duration_since(Instant::now());
        let mut buf = [0u8; 1024];
        let closed = loop {
            match tokio::time::timeout(left, conn.read(&mut buf)).await {
                Err(_) => break false,
                Ok(Ok(0) | Err(_)) => break true,
                // A 408 may come first; the close follows.
                Ok(Ok(_)) => continue,
            }
        };
        assert!(closed, "connection {i} still open after the header timeout");
    }
    assert!(t0.elapsed() >= Duration::from_millis(1500), "closed by the timeout, not at once");
    let (status, _) = get(&c, &s.url("/live")).await;
    assert_eq!(status, 200);
    s.stop();
}
