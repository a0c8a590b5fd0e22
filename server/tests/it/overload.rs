//! Overload: a descriptor budget under `ulimit -n`, timeouts that shrink
//! under pressure, a cap per client, and requests shed beyond the bound in
//! flight (issue 37; docs/reliability.md, "Overload").

#![allow(clippy::unwrap_used)]

use crate::common;

use common::solver::{Mode, TestSolver};
use common::{ON_GREEN, Server, ball, client, post, start_session};
use serde_json::{Value, json};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

fn addr(s: &Server) -> SocketAddr {
    s.base.trim_start_matches("http://").parse().unwrap()
}

/// A connection from `from` (the whole of 127/8 is this machine on Linux).
async fn connect_from(from: Ipv4Addr, to: SocketAddr) -> TcpStream {
    let sock = TcpSocket::new_v4().unwrap();
    sock.bind(SocketAddr::new(IpAddr::V4(from), 0)).unwrap();
    tokio::time::timeout(Duration::from_secs(10), sock.connect(to)).await.unwrap().unwrap()
}

/// A connection that sends half a request head and stops.
async fn stuck(from: Ipv4Addr, to: SocketAddr) -> TcpStream {
    let mut c = connect_from(from, to).await;
    c.write_all(b"GET /live HTTP/1.1\r\nHost: x\r\nX-Half: ").await.unwrap();
    c
}

/// `GET /live` on a new connection from `from`: its status (0: none) and how long it took.
async fn live_from(from: Ipv4Addr, to: SocketAddr) -> (u16, Duration) {
    let t0 = Instant::now();
    let mut c = connect_from(from, to).await;
    c.write_all(b"GET /live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), c.read_to_end(&mut out)).await;
    let status = std::str::from_utf8(&out).ok().and_then(|t| t.get(9..12)).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, t0.elapsed())
}

/// Whether the server has closed `c` (EOF or reset) within `within`.
async fn closed_within(c: &mut TcpStream, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    let mut buf = [0u8; 512];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, c.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => continue, // an error answer before the close
        }
    }
}

/// Waits until `n` calls are at the solver (they are in flight there).
async fn reached(solver: &TestSolver, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while solver.received().len() < n {
        assert!(Instant::now() < deadline, "the calls did not reach the solver");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn metrics(s: &Server) -> String {
    client().get(s.url("/metrics")).send().await.unwrap().text().await.unwrap()
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines().find(|l| l.starts_with(name)).and_then(|l| l.rsplit(' ').next()?.parse().ok()).unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flood_of_half_sent_heads_under_ulimit_256_never_locks_live_out() {
    let s = Server::start_with_nofile(256, &[]);
    let to = addr(&s);
    // The budget is logged at start, with its numbers.
    let line = s.logs().into_iter().find(|l| l.contains("descriptor budget")).unwrap();
    let budget: Value = serde_json::from_str(&line).unwrap();
    let cap = budget["connections"].as_u64().unwrap();
    assert_eq!(budget["descriptors"], 256, "{line}");
    assert!(cap + budget["in_flight"].as_u64().unwrap() + budget["reserve"].as_u64().unwrap() <= 256, "{line}");

    let t0 = Instant::now();
    let mut flood = Vec::new();
    for _ in 0..300 {
        flood.push(stuck(Ipv4Addr::LOCALHOST, to).await);
    }
    // /live answers within a second, again and again, during the flood.
    for round in 0..5 {
        let (status, took) = live_from(Ipv4Addr::LOCALHOST, to).await;
        assert_eq!(status, 200, "round {round}");
        assert!(took < Duration::from_secs(1), "/live took {took:?} during the flood (round {round})");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Every stuck connection is closed within a few seconds (the header
    // timeout is 10 s without pressure).
    for (i, c) in flood.iter_mut().enumerate() {
        let left = Duration::from_secs(5).saturating_sub(t0.elapsed()).max(Duration::from_millis(10));
        assert!(closed_within(c, left).await, "stuck connection {i} still open after {:?}", t0.elapsed());
    }
    let m = metrics(&s).await;
    assert!(metric(&m, "greenside_connections_evicted_total") >= 300.0 - cap as f64, "{m}");
    assert!(metric(&m, "greenside_connections_open") < 5.0, "{m}");
    s.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn one_client_cannot_hold_the_whole_budget() {
    let s = Server::start(&[("HTTP_MAX_CONNECTIONS_PER_CLIENT", "8"), ("HTTP_MAX_CONNECTIONS", "20")]);
    let to = addr(&s);
    let first = Ipv4Addr::new(127, 0, 0, 1);
    let mut held = Vec::new();
    for _ in 0..8 {
        held.push(stuck(first, to).await);
    }
    // The first client's ninth connection is closed at once...
    let (status, _) = live_from(first, to).await;
    assert_eq!(status, 0, "a connection beyond the client's share is refused");
    // ...while a second client is served.
    let (status, took) = live_from(Ipv4Addr::new(127, 0, 0, 2), to).await;
    assert_eq!(status, 200);
    assert!(took < Duration::from_secs(1), "{took:?}");
    // Its held connections are untouched (no pressure: 9 of 20).
    for c in &mut held {
        assert!(!closed_within(c, Duration::from_millis(20)).await);
    }
    drop(held); // (the scrape below comes from the first client's address)
    tokio::time::sleep(Duration::from_millis(100)).await;
    let m = metrics(&s).await;
    assert_eq!(metric(&m, "greenside_connections_refused_total"), 1.0, "{m}");
    s.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn beyond_the_bound_in_flight_requests_are_shed_fast_and_nothing_accepted_is_lost() {
    let solver = TestSolver::start(Mode::Slow(Duration::from_millis(1500)), None).await;
    let s = Server::start(&[
        ("PUTT_SOLVER_URL", &solver.base),
        ("PUTT_SOLVER_TIMEOUT_S", "5"),
        ("HTTP_MAX_IN_FLIGHT", "4"),
        ("ADMIN_TOKEN", "overload-admin-77"),
    ]);
    let c = client();
    let mut sessions = Vec::new();
    for _ in 0..4 {
        let sid = start_session(&c, &s).await;
        assert_eq!(post(&c, &s.url("/api/session/set_ball_location"), &ball(&sid, ON_GREEN)).await.0, 200);
        sessions.push(sid);
    }
    // Four slow advice calls fill the bound...
    let calls: Vec<_> = sessions
        .iter()
        .map(|sid| {
            let (c, url) = (c.clone(), s.url("/api/get_hole_advice"));
            let body = json!({"contract_version": "0.5.0", "session_id": sid, "want_plot": false});
            tokio::spawn(async move { post(&c, &url, &body).await })
        })
        .collect();
    reached(&solver, 4).await;
    // ...so new API requests are refused at once, with Retry-After; the probes still answer.
    for sid in &sessions {
        let t0 = Instant::now();
        let r = c.post(s.url("/api/session/set_ball_location")).json(&ball(sid, ON_GREEN)).send().await.unwrap();
        let took = t0.elapsed();
        assert_eq!(r.status(), 503);
        assert_eq!(r.headers()["retry-after"], "1");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "overloaded");
        assert!(took < Duration::from_millis(300), "a shed request took {took:?}");
    }
    for probe in ["/live", "/ready", "/health"] {
        assert_eq!(c.get(s.url(probe)).send().await.unwrap().status(), 200, "{probe}");
    }
    assert!(metric(&metrics(&s).await, "greenside_shed_requests_total") >= 4.0);
    // Every accepted call is answered and its run kept.
    for call in calls {
        let (status, body) = call.await.unwrap();
        assert_eq!(status, 200, "{body}");
        let run = c
            .get(s.url(&format!("/runs/v1/{}", body["run_id"].as_str().unwrap())))
            .header("x-admin-token", "overload-admin-77")
            .send()
            .await
            .unwrap();
        let run: Value = run.json().await.unwrap();
        assert_eq!(run["status"], "succeeded");
    }
    // Below the bound again: served.
    assert_eq!(post(&c, &s.url("/api/session/set_ball_location"), &ball(&sessions[0], ON_GREEN)).await.0, 200);
    s.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn behind_a_proxy_each_client_has_its_share_of_requests_in_flight() {
    let solver = TestSolver::start(Mode::Slow(Duration::from_millis(1200)), None).await;
    let s = Server::start(&[
        ("PUTT_SOLVER_URL", &solver.base),
        ("PUTT_SOLVER_TIMEOUT_S", "5"),
        ("TRUSTED_PROXY_HEADER", "x-client-ip"),
        ("HTTP_MAX_CONNECTIONS_PER_CLIENT", "2"),
    ]);
    let c = client();
    let sid = start_session(&c, &s).await;
    assert_eq!(post(&c, &s.url("/api/session/set_ball_location"), &ball(&sid, ON_GREEN)).await.0, 200);
    let ask = |who: &'static str| {
        let (c, url) = (c.clone(), s.url("/api/get_hole_advice"));
        let body = json!({"contract_version": "0.5.0", "session_id": sid, "want_plot": false});
        async move { c.post(url).header("x-client-ip", who).json(&body).send().await.unwrap() }
    };
    let calls: Vec<_> = (0..2).map(|_| tokio::spawn(ask("10.0.0.1"))).collect();
    reached(&solver, 2).await;
    // The first client is at its share; another client is served.
    let r = ask("10.0.0.1").await;
    assert_eq!(r.status(), 503);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "overloaded");
    let r = c.get(s.url(&format!("/api/session/{sid}"))).header("x-client-ip", "10.0.0.2").send().await.unwrap();
    assert_eq!(r.status(), 200);
    for call in calls {
        assert_eq!(call.await.unwrap().status(), 200);
    }
    s.stop();
}
