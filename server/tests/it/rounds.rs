//! The round stores (memory, SQLite, Redis) held to one contract: create
//! once, load, compare-and-set on the revision, delete, and pages newest
//! first that core's `RoundsPageBuilder` would give over every round. Then
//! what the durable stores promise: a round survives a server restart on
//! the same `RUN_STORE_DIR`, and two servers on one Redis writing one round
//! at once lose no fix.

#![allow(clippy::unwrap_used)]

use crate::common;

use common::{RedisServer, Server, client, temp_dir};
use greenside_core::course::Course;
use greenside_core::example::RIVERSIDE_COURSE_JSON;
use greenside_core::listing::{RoundsPageBuilder, RoundsQuery, decode_round_cursor};
use greenside_core::round::{self, RoundRecord, summary};
use greenside_server::rounds::RoundStore;
use greenside_server::runs::RunStore;
use greenside_server::store::SaveOutcome;
use greenside_server::store::redis::RedisStore;
use serde_json::{Value, json};
use std::time::Duration;

/// Rounds on riverside: `n` of them over `n / 3` creation times (ties on the time).
fn rounds(n: usize) -> Vec<RoundRecord> {
    let course = Course::from_json(RIVERSIDE_COURSE_JSON).unwrap();
    let holes = course.prepare_all().unwrap();
    let refs: Vec<_> = holes.iter().collect();
    let req: greenside_core::api::RoundStartRequest =
        greenside_core::api::decode(br#"{"contract_version":"0.5.0","course_id":"riverside"}"#).unwrap();
    (0..n)
        .map(|i| {
            let id = greenside_core::validate::round_id_from_random((i as u128 * 7_919).to_be_bytes());
            round::start(&req, id, &course, &refs, 1_700_000_000_000 + (i / 3) as u64 * 1_000).unwrap()
        })
        .collect()
}

async fn conformance(store: &RoundStore) {
    let all = rounds(20);
    for r in &all {
        assert!(store.create(r).await.unwrap(), "created once");
        assert!(!store.create(r).await.unwrap(), "never twice");
    }
    // Load, then compare-and-set.
    let mut r = store.load(&all[4].round_id).await.unwrap().unwrap();
    assert_eq!(r, all[4]);
    let expected = r.revision;
    r.revision += 1;
    r.fix_count = 9;
    assert_eq!(store.save(&r, expected).await.unwrap(), SaveOutcome::Saved);
    assert_eq!(store.save(&r, expected).await.unwrap(), SaveOutcome::Conflict, "a stale revision loses");
    assert_eq!(store.load(&r.round_id).await.unwrap().unwrap().fix_count, 9);
    // Pages, newest first, against the builder over every round.
    let mut oracle: Vec<_> = all.iter().map(summary).collect();
    oracle.sort_by(|a, b| (b.created_at_ms, &b.round_id).cmp(&(a.created_at_ms, &a.round_id)));
    for limit in [1, 3, 7, 50] {
        let (mut seen, mut cursor) = (Vec::new(), None);
        loop {
            let q = RoundsQuery { limit, cursor: cursor.clone() };
            let page = store.list(&q).await.unwrap();
            let mut want = RoundsPageBuilder::new(&q);
            for s in &oracle {
                if !want.offer(s) {
                    break;
                }
            }
            assert_eq!(page, want.finish(), "{} limit {limit} after {cursor:?}", store.backend());
            seen.extend(page.rounds.iter().map(|s| s.round_id.clone()));
            match page.next_cursor {
                Some(c) => cursor = Some(decode_round_cursor(&c).unwrap()),
                None => break,
            }
        }
        assert_eq!(seen, oracle.iter().map(|s| s.round_id.clone()).collect::<Vec<_>>());
    }
    // Delete: gone from loads, saves and pages.
    assert!(store.delete(&r.round_id).await.unwrap());
    assert!(!store.delete(&r.round_id).await.unwrap());
    assert!(store.load(&r.round_id).await.unwrap().is_none());
    assert_eq!(store.save(&r, r.revision).await.unwrap(), SaveOutcome::Missing);
    let page = store.list(&RoundsQuery { limit: 50, cursor: None }).await.unwrap();
    assert_eq!(page.rounds.len(), 19);
    assert!(page.rounds.iter().all(|s| s.round_id != r.round_id));
}

#[tokio::test(flavor = "multi_thread")]
async fn memory_round_store_conforms() {
    conformance(&RoundStore::beside(&RunStore::memory())).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_round_store_conforms_and_keeps_rounds_when_reopened() {
    let dir = temp_dir("rounds-sqlite");
    let store = RoundStore::beside(&RunStore::sqlite(&dir).unwrap());
    assert_eq!(store.backend(), "sqlite");
    conformance(&store).await;
    drop(store);
    let store = RoundStore::beside(&RunStore::sqlite(&dir).unwrap());
    assert_eq!(store.list(&RoundsQuery { limit: 50, cursor: None }).await.unwrap().rounds.len(), 19);
    drop(store);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn redis_round_store_conforms() {
    let redis = RedisServer::start();
    let sessions = RedisStore::connect(&redis.url(), "roundconf", Duration::from_secs(2)).await.unwrap();
    let store = RoundStore::beside(&RunStore::redis(sessions.connection(), sessions.prefix()));
    assert_eq!(store.backend(), "redis");
    conformance(&store).await;
}

const CV: &str = "0.5.0";

async fn post(c: &reqwest::Client, s: &Server, path: &str, body: Value) -> Value {
    let (status, reply) = common::post(c, &s.url(path), &body).await;
    assert_eq!(status, 200, "{path}: {reply}");
    reply
}

/// A fix on riverside's first hole, `k` metres east of its tee.
fn fix(k: u32) -> Value {
    json!({"ball_wgs84": {"lat": 40.2652924, "lon": -111.6605346 + f64::from(k) * 1.2e-5}, "accuracy_m": 3})
}

#[tokio::test(flavor = "multi_thread")]
async fn a_round_survives_a_restart_on_the_same_dir() {
    let dir = temp_dir("rounds-restart");
    let dir_s = dir.to_str().unwrap().to_string();
    let env = [("RUN_STORE_DIR", dir_s.as_str())];
    let c = client();
    let s = Server::start(&env);
    let started = post(&c, &s, "/api/round/start", json!({"contract_version": CV, "course_id": "riverside"})).await;
    let rid = started["round_state"]["round_id"].as_str().unwrap().to_string();
    let fixes: Vec<Value> = (0..5).map(fix).collect();
    post(&c, &s, "/api/round/set_ball_location", json!({"contract_version": CV, "round_id": rid, "fixes": fixes}))
        .await;
    post(&c, &s, "/api/round/set_score", json!({"contract_version": CV, "round_id": rid, "hole_id": 1, "strokes": 6}))
        .await;
    let (_, before) = common::get(&c, &s.url(&format!("/api/round/{rid}"))).await;
    s.stop();

    let s = Server::start(&env);
    let (status, after) = common::get(&c, &s.url(&format!("/api/round/{rid}"))).await;
    assert_eq!((status, &after), (200, &before), "the same round after the restart");
    assert_eq!(after["round_state"]["scorecard"]["holes"][0]["strokes"], 6);
    let (_, page) = common::get(&c, &s.url("/api/rounds")).await;
    assert_eq!(page["rounds"][0]["round_id"], rid.as_str());
    s.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Two servers on one Redis, each sending fixes to the same round at once:
/// every fix is in (the compare-and-set retries, nothing is lost).
#[tokio::test(flavor = "multi_thread")]
async fn two_servers_on_one_redis_lose_no_fix_of_one_round() {
    let redis = RedisServer::start();
    let url = redis.url();
    let env = [("SESSION_STORE_BACKEND", "redis"), ("REDIS_URL", url.as_str()), ("REDIS_SESSION_PREFIX", "roundcas")];
    let (a, b) = (Server::start(&env), Server::start(&env));
    let c = client();
    let started = post(&c, &a, "/api/round/start", json!({"contract_version": CV, "course_id": "riverside"})).await;
    let rid = started["round_state"]["round_id"].as_str().unwrap().to_string();
    let send = |s: &Server, k: u32| {
        let (c, url, rid) = (c.clone(), s.url("/api/round/set_ball_location"), rid.clone());
        async move {
            let mut body = fix(k % 7);
            body["contract_version"] = CV.into();
            body["round_id"] = rid.into();
            let (status, reply) = common::post(&c, &url, &body).await;
            assert_eq!(status, 200, "{reply}");
        }
    };
    let mut all = Vec::new();
    for k in 0..30 {
        all.push(tokio::spawn(send(if k % 2 == 0 { &a } else { &b }, k)));
    }
    for h in all {
        h.await.unwrap();
    }
    let (_, state) = common::get(&c, &b.url(&format!("/api/round/{rid}"))).await;
    assert_eq!(state["round_state"]["fix_count"], 30, "{state}");
    assert_eq!(state["round_state"]["revision"], 31);
    a.stop();
    b.stop();
}
