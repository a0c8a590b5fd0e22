//! Many instances on one real Redis, restarts, expiry, deletion and a Redis
//! outage in the middle of a run.

#![allow(clippy::unwrap_used)]

use crate::common;

use common::{ON_GREEN, RedisServer, Server, ball, client, get, post, start_session};
use futures::StreamExt;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const OFF: (f64, f64) = (40.267728069, -111.659682572); // fairway, 60 m short of hole 1's green

fn redis_env(r: &RedisServer) -> Vec<(&'static str, String)> {
    vec![("SESSION_STORE_BACKEND", "redis".to_string()), ("REDIS_URL", r.url())]
}

fn refs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_share_sessions_and_lose_no_update() {
    let redis = RedisServer::start();
    let env = redis_env(&redis);
    let (a, b) = (Server::start(&refs(&env)), Server::start(&refs(&env)));
    let c = client();
    let sid = start_session(&c, &a).await;
    // Started on A, read and updated on B.
    let (s, body) = get(&c, &b.url(&format!("/api/session/{sid}"))).await;
    assert_eq!((s, body["hole_state"]["session_id"].as_str()), (200, Some(sid.as_str())));
    let (s, _) = post(&c, &b.url("/api/session/set_ball_location"), &ball(&sid, ON_GREEN)).await;
    assert_eq!(s, 200);

    // 2,000 identical OFF fixes, 64 in flight, split across both instances.
    let n = 2000;
    let urls = [a.url("/api/session/set_ball_location"), b.url("/api/session/set_ball_location")];
    let body = ball(&sid, OFF).to_string();
    let statuses: Vec<u16> = futures::stream::iter(0..n)
        .map(|i| {
            let (c, url, body) = (c.clone(), urls[i % 2].clone(), body.clone());
            async move {
                c.post(url)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    assert!(
        statuses.iter().all(|s| *s == 200),
        "non-200 answers: {:?}",
        statuses.iter().filter(|s| **s != 200).count()
    );

    let (_, body) = get(&c, &a.url(&format!("/api/session/{sid}"))).await;
    let hs = &body["hole_state"];
    assert_eq!(hs["fix_count"], n as u64 + 1, "{hs}");
    // Whatever the interleaving, identical OFF fixes after an ON commit OFF at fix 3.
    assert_eq!(hs["surface_state"], "OFF_GREEN");
    assert_eq!(hs["candidate_streak"], 0);
    assert_eq!(hs["transitions"], 2);
    assert_eq!(hs["last_transition"]["at_fix"], 3);
    assert_eq!(hs["revision"], n as u64 + 2, "one revision per accepted write");
    // session_number is shared: a session started on B gets the next number.
    let (_, started) = post(&c, &b.url("/api/session/start"), &serde_json::from_str(common::START).unwrap()).await;
    assert_eq!(started["hole_state"]["session_number"], 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_survive_a_server_restart_on_redis() {
    let redis = RedisServer::start();
    let env = redis_env(&redis);
    let c = client();
    let a = Server::start(&refs(&env));
    let sid = start_session(&c, &a).await;
    for _ in 0..3 {
        assert_eq!(post(&c, &a.url("/api/session/set_ball_location"), &ball(&sid, ON_GREEN)).await.0, 200);
    }
    a.stop();
    let a2 = Server::start(&refs(&env));
    let (s, body) = get(&c, &a2.url(&format!("/api/session/{sid}"))).await;
    assert_eq!((s, body["hole_state"]["fix_count"].as_u64()), (200, Some(3)));
}

#[tokio::test(flavor = "multi_thread")]
async fn expiry_answers_404_on_both_stores() {
    let redis = RedisServer::start();
    let mut redis_env = redis_env(&redis);
    redis_env.push(("SESSION_TTL_S", "2".into()));
    let mem_env = vec![("SESSION_TTL_S", "2".to_string()), ("SESSION_SWEEP_INTERVAL_S", "0.2".to_string())];
    let c = client();
    for env in [&mem_env, &redis_env] {
        let s = Server::start(&refs(env));
        // A write slides the expiry. Proof: a read that starts more than the
        // TTL after the session's start answered (so past the expiry the start
        // gave it) finds it alive. A read that ends before the TTL after the
        // write began must find it alive; one between the two can prove
        // nothing, and the attempt is made again (a stalled machine), never
        // passed: three inconclusive attempts fail the test.
        let ttl = Duration::from_secs(2);
        let margin = Duration::from_millis(50);
        let mut proven = None;
        for attempt in 1..=3 {
            let sid = start_session(&c, &s).await;
            let started = Instant::now(); // after the start's answer: created before this
            tokio::time::sleep(Duration::from_millis(1500)).await;
            let written = Instant::now(); // the write happens after this
            assert_eq!(post(&c, &s.url("/api/session/set_ball_location"), &ball(&sid, ON_GREEN)).await.0, 200);
            let unslid_expiry = started + ttl + margin;
            tokio::time::sleep(unslid_expiry.saturating_duration_since(Instant::now())).await;
            let read_at = Instant::now();
            let (status, _) = get(&c, &s.url(&format!("/api/session/{sid}"))).await;
            let read_done = Instant::now();
            assert!(read_at >= unslid_expiry);
            if status == 200 {
                proven = Some((sid, written, attempt));
                break;
            }
            assert!(
                read_done + margin >= written + ttl,
                "the session expired {:?} after its write, within its TTL: the write did not slide it",
                read_done - written
            );
            eprintln!("attempt {attempt}: the read ended {:?} after the write, too late to tell", read_done - written);
        }
        let (sid, written, attempt) = proven.expect("three attempts could not tell whether a write slides the TTL");
        eprintln!("a write slid the TTL (attempt {attempt})");
        let (status, body) = loop {
            let (status, body) = get(&c, &s.url(&format!("/api/session/{sid}"))).await;
            if status != 200 {
                break (status, body);
            }
            assert!(written.elapsed() < Duration::from_secs(10), "the session outlived its TTL");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert!(written.elapsed() >= Duration::from_secs(2), "it expired by its TTL, not before");
        assert_eq!((status, body["error"]["code"].as_str()), (404, Some("session_not_found")));
        let (status, _) = post(&c, &s.url("/api/session/set_ball_location"), &ball(&sid, ON_GREEN)).await;
        assert_eq!(status, 404);
    }
    // Redis let the key expire by itself.
    assert_eq!(redis.command(&["KEYS", "aime:hole_session:gs_*"]).trim(), "*0");
}

/// Expired sessions leave the count without anyone asking for them: the
/// memory store's sweeper reclaims them; on Redis the keys expire by
/// themselves and the sweeper drops their index members, so `/health`
/// counts live sessions, not every session ever left to expire.
#[tokio::test(flavor = "multi_thread")]
async fn the_sweeper_reclaims_expired_sessions_on_both_stores() {
    let redis = RedisServer::start();
    let sweep = [("SESSION_TTL_S", "1".to_string()), ("SESSION_SWEEP_INTERVAL_S", "0.2".to_string())];
    let mut redis_env = redis_env(&redis);
    redis_env.extend(sweep.iter().cloned());
    let c = client();
    for env in [sweep.to_vec(), redis_env] {
        let s = Server::start(&refs(&env));
        for _ in 0..3 {
            start_session(&c, &s).await;
        }
        let active = |b: &Value| b["session_store"]["counters"]["active_sessions"].as_u64().unwrap();
        assert_eq!(active(&get(&c, &s.url("/health")).await.1), 3);
        // Polled to a deadline.
        let t0 = Instant::now();
        while active(&get(&c, &s.url("/health")).await.1) != 0 {
            assert!(t0.elapsed() < Duration::from_secs(10), "expired sessions still counted");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_removes_everything_of_the_session() {
    let redis = RedisServer::start();
    let mut env = redis_env(&redis);
    env.push(("ADMIN_TOKEN", "t0k3n".into()));
    let s = Server::start(&refs(&env));
    let c = client();
    let sid = start_session(&c, &s).await;
    assert_eq!(post(&c, &s.url("/api/session/set_ball_location"), &ball(&sid, ON_GREEN)).await.0, 200);
    let r = c.delete(s.url(&format!("/api/session/{sid}"))).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"deleted": true, "session_id": sid}));
    assert_eq!(redis.command(&["EXISTS", &format!("aime:hole_session:{sid}")]).trim(), ":0");
    assert!(redis.command(&["ZSCORE", "aime:hole_session:index", &sid]).starts_with("$-1"));
    assert_eq!(get(&c, &s.url(&format!("/api/session/{sid}"))).await.0, 404);
    let listed = c
        .get(s.url("/api/sessions"))
        .header("x-admin-token", "t0k3n")
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(listed["sessions"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_redis_outage_answers_503_recovers_and_loses_nothing_acknowledged() {
    let mut redis = RedisServer::start_persistent();
    let env = redis_env(&redis);
    let s = Server::start(&refs(&env));
    let c = client();
    let sid = start_session(&c, &s).await;
    let url = s.url("/api/session/set_ball_location");
    let (mut acked, mut unavailable) = (0u64, 0u64);
    let send = async |acked: &mut u64, unavailable: &mut u64| {
        let (status, body) = post(&c, &url, &ball(&sid, ON_GREEN)).await;
        match status {
            200 => *acked += 1,
            503 => {
                assert_eq!(body["error"]["code"], "session_store_unavailable");
                *unavailable += 1;
            }
            other => panic!("unexpected {other}: {body}"),
        }
    };
    for _ in 0..20 {
        send(&mut acked, &mut unavailable).await;
    }
    redis.stop();
    for _ in 0..5 {
        send(&mut acked, &mut unavailable).await;
    }
    assert!(unavailable >= 5, "writes during the outage are refused, not forked into memory");
    assert_eq!(get(&c, &s.url("/live")).await.0, 200, "/live never depends on Redis");
    let (ready, body) = get(&c, &s.url("/ready")).await;
    assert_eq!((ready, body["checks"]["session_store"]["ok"].as_bool()), (503, Some(false)));
    let (_, health) = get(&c, &s.url("/health")).await;
    assert_eq!(health["session_store"]["connected"], false);
    assert_eq!(health["session_store"]["status"], "unhealthy");

    redis.restart();
    let t0 = Instant::now();
    while get(&c, &s.url("/ready")).await.0 != 200 {
        assert!(t0.elapsed() < Duration::from_secs(15), "no recovery without a restart");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for _ in 0..10 {
        send(&mut acked, &mut unavailable).await;
    }
    let (status, body) = get(&c, &s.url(&format!("/api/session/{sid}"))).await;
    assert_eq!(status, 200);
    assert_eq!(
        body["hole_state"]["fix_count"].as_u64(),
        Some(acked),
        "every acknowledged fix is there, and nothing else"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn redis_unreachable_at_start_falls_back_to_memory_with_a_warning() {
    let port = common::free_port();
    let s = Server::start(&[
        ("SESSION_STORE_BACKEND", "redis"),
        ("REDIS_URL", &format!("redis://:hunter2@127.0.0.1:{port}/0")),
    ]);
    let c = client();
    let (status, h) = get(&c, &s.url("/health")).await;
    assert_eq!(status, 200);
    assert_eq!(
        (h["session_store"]["backend"].as_str(), h["session_store"]["requested"].as_str()),
        (Some("memory"), Some("redis"))
    );
    assert_eq!(h["session_store"]["status"], "degraded");
    assert!(h["session_store"]["warnings"][0].as_str().unwrap().contains("in-memory"));
    assert!(!h.to_string().contains("hunter2"), "the Redis password never shows");
    // Not ready (instances would not share sessions), but it serves.
    let (ready, body) = get(&c, &s.url("/ready")).await;
    assert_eq!((ready, body["checks"]["session_store_backend"]["ok"].as_bool()), (503, Some(false)));
    let sid = start_session(&c, &s).await;
    assert_eq!(post(&c, &s.url("/api/session/set_ball_location"), &ball(&sid, ON_GREEN)).await.0, 200);
    // The start-up line says what the server uses, as /health does.
    let line = s.logs().into_iter().find(|l| l.contains("greenside listening on")).unwrap();
    let line: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!((line["store"].as_str(), line["store_requested"].as_str()), (Some("memory"), Some("redis")), "{line}");
}

/// A session keeps the hysteresis mode it started with: an instance
/// restarted with another `SURFACE_HYSTERESIS_MODE` goes on deciding the
/// old session in its mode, and starts new ones in the new mode.
#[tokio::test(flavor = "multi_thread")]
async fn a_session_keeps_the_hysteresis_mode_it_started_with() {
    let redis = RedisServer::start();
    let url = redis.url();
    let c = client();
    let on =
        |mode| vec![("SESSION_STORE_BACKEND", "redis"), ("REDIS_URL", url.as_str()), ("SURFACE_HYSTERESIS_MODE", mode)];
    let a = Server::start(&on("evidence"));
    let sid = start_session(&c, &a).await;
    a.stop();
    let b = Server::start(&on("streak"));
    let (status, st) = post(&c, &b.url("/api/session/set_ball_location"), &ball(&sid, ON_GREEN)).await;
    assert_eq!(status, 200, "{st}");
    assert_eq!(st["hole_state"]["hysteresis_mode"], "evidence", "{st}");
    assert!(st["hole_state"]["evidence_log_odds"].is_number(), "{st}");
    let fresh = start_session(&c, &b).await;
    let (_, st) = post(&c, &b.url("/api/session/set_ball_location"), &ball(&fresh, ON_GREEN)).await;
    assert_eq!(st["hole_state"]["hysteresis_mode"], "streak", "{st}");
    assert!(st["hole_state"]["evidence_log_odds"].is_null(), "{st}");
    b.stop();
}

/// `INFO commandstats` as command → calls.
fn commandstats(con: &mut redis::Connection) -> std::collections::BTreeMap<String, u64> {
    let text: String = redis::cmd("INFO").arg("commandstats").query(con).unwrap();
    text.lines()
        .filter_map(|l| {
            let (name, rest) = l.strip_prefix("cmdstat_")?.split_once(':')?;
            let calls = rest.split(',').find_map(|f| f.strip_prefix("calls="))?.parse().ok()?;
            Some((name.to_string(), calls))
        })
        .collect()
}

/// What Redis ran while `f` ran, as Redis's MONITOR reports each command:
/// `(origin, command)` where origin is `lua` for a command a script ran and
/// `client` for one a client sent.
async fn monitored<F: std::future::Future<Output = ()>>(redis: &RedisServer, f: F) -> Vec<(String, String)> {
    use std::io::{BufRead, BufReader, Write};
    let mut conn = std::net::TcpStream::connect(("127.0.0.1", redis.port)).unwrap();
    conn.write_all(b"*1\r\n$7\r\nMONITOR\r\n").unwrap();
    conn.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    assert_eq!(first.trim(), "+OK", "MONITOR started");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopped = stop.clone();
    let lines = std::thread::spawn(move || {
        let mut out = Vec::new();
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(n) if n > 0 => out.push(line),
                _ if stopped.load(std::sync::atomic::Ordering::SeqCst) => return out,
                _ => {}
            }
        }
    });
    f.await;
    // Let the last lines arrive, then stop reading.
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let lines = lines.join().unwrap();
    drop(conn);
    lines
        .iter()
        .filter_map(|l| {
            // +1764500000.123456 [0 127.0.0.1:50000] "evalsha" "…"  /  [0 lua] "hget" …
            let (origin, rest) = l.split_once('[')?.1.split_once(']')?;
            let command = rest.trim().split('"').nth(1)?.to_lowercase();
            let origin = if origin.ends_with("lua") { "lua" } else { "client" };
            Some((origin.to_string(), command))
        })
        .collect()
}

/// One Redis round trip per fix, as Redis itself saw them: MONITOR around
/// N fixes sent to one instance (whose copy of the session is fresh) shows
/// N commands from a client, each the compare-and-set script, and the
/// script's own reads and writes inside it.
#[tokio::test(flavor = "multi_thread")]
async fn one_redis_round_trip_per_fix_as_redis_saw_it() {
    const N: usize = 40;
    let redis = RedisServer::start();
    let env = redis_env(&redis);
    let c = client();
    let a = Server::start(&refs(&env));
    let sid = start_session(&c, &a).await;
    assert_eq!(post(&c, &a.url("/api/session/set_ball_location"), &ball(&sid, ON_GREEN)).await.0, 200);
    let url = a.url("/api/session/set_ball_location");
    // One connection for both readings: a new one's own hand-shake
    // (CLIENT SETINFO, Redis 7.2 on) would count between them.
    let stats = redis::Client::open(redis.url()).unwrap();
    let mut stats = stats.get_connection().unwrap();
    let before = commandstats(&mut stats);
    let seen = monitored(&redis, async {
        for i in 0..N {
            let p = if i % 3 == 0 { OFF } else { ON_GREEN };
            assert_eq!(post(&c, &url, &ball(&sid, p)).await.0, 200);
        }
    })
    .await;
    let mut by: std::collections::BTreeMap<(String, String), usize> = std::collections::BTreeMap::new();
    for k in &seen {
        *by.entry(k.clone()).or_default() += 1;
    }
    println!("what Redis ran for {N} fixes, by origin and command: {by:?}");
    let sent: Vec<&(String, String)> = seen.iter().filter(|(o, c)| o == "client" && c != "ping").collect();
    assert_eq!(sent.len(), N, "one command sent per fix: {by:?}");
    assert!(sent.iter().all(|(_, c)| c == "evalsha"), "each one the script: {by:?}");
    assert!(seen.iter().any(|(o, _)| o == "lua"), "the script's commands ran inside it: {by:?}");
    // Redis's own counters say the same: N EVALSHA calls, and nothing else
    // but the script's own commands (and this test's INFO and MONITOR).
    let after = commandstats(&mut stats);
    let delta: std::collections::BTreeMap<&str, u64> = after
        .iter()
        .map(|(k, v)| (k.as_str(), v - before.get(k).copied().unwrap_or(0)))
        .filter(|(_, d)| *d > 0)
        .collect();
    println!("INFO commandstats, calls during the {N} fixes: {delta:?}");
    assert_eq!(delta.get("evalsha").copied(), Some(N as u64), "{delta:?}");
    let inside_the_script = ["hget", "hset", "pexpire", "exists", "zadd", "incr"];
    for (cmd, d) in &delta {
        assert!(
            *cmd == "evalsha" || *cmd == "info" || *cmd == "monitor" || inside_the_script.contains(cmd),
            "{cmd} ran {d} times: a round trip that is not the script ({delta:?})"
        );
    }
    let (s, body) = get(&c, &a.url(&format!("/api/session/{sid}"))).await;
    assert_eq!((s, body["hole_state"]["fix_count"].as_u64()), (200, Some(N as u64 + 1)));
    a.stop();
}
