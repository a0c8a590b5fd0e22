//! One conformance suite, run against every session store: memory, and Redis
//! on a real `redis-server`.

#![allow(clippy::unwrap_used)]

use crate::common;

use common::RedisServer;
use greenside_core::session::SessionRecord;
use greenside_server::store::memory::MemoryStore;
use greenside_server::store::redis::RedisStore;
use greenside_server::store::{SaveOutcome, SessionStore};
use std::sync::Arc;
use std::time::Duration;

use common::session_record as record;

/// A write as core makes it: next revision.
fn bumped(mut r: SessionRecord) -> SessionRecord {
    r.revision += 1;
    r.fix_count += 1;
    r
}

pub async fn conformance<S: SessionStore + Clone>(store: S) {
    store.ping().await.unwrap();
    // Numbers are monotonic.
    let a = store.next_session_number().await.unwrap();
    let b = store.next_session_number().await.unwrap();
    assert_eq!(b, a + 1);

    // Create, then never overwrite.
    let r = record(b, 1_000, 3600);
    assert!(store.create(&r).await.unwrap());
    assert!(!store.create(&r).await.unwrap());
    assert_eq!(store.load(&r.session_id).await.unwrap().as_ref(), Some(&r));
    assert_eq!(store.load("gs_ffffffffffffffffffffffffffffffff").await.unwrap(), None);

    // Compare-and-set on revision.
    let r2 = bumped(r.clone());
    assert_eq!(store.save(&r2, r.revision).await.unwrap(), SaveOutcome::Saved);
    let stale = bumped(r.clone());
    assert_eq!(store.save(&stale, r.revision).await.unwrap(), SaveOutcome::Conflict);
    assert_eq!(store.load(&r.session_id).await.unwrap().unwrap(), r2);

    // Delete removes everything; a later save finds nothing.
    assert!(store.delete(&r.session_id).await.unwrap());
    assert!(!store.delete(&r.session_id).await.unwrap());
    assert_eq!(store.load(&r.session_id).await.unwrap(), None);
    assert_eq!(store.save(&bumped(r2.clone()), r2.revision).await.unwrap(), SaveOutcome::Missing);

    // Listing: live sessions in number order, paged; expired ones left out.
    let base = store.next_session_number().await.unwrap();
    let mut ids = Vec::new();
    for i in 0..5 {
        let n = base + 1 + i;
        let ttl = if i == 2 { 1 } else { 3600 }; // number base+3 expires at 1_000 + 1 s
        let r = record(n, 1_000, ttl);
        assert!(store.create(&r).await.unwrap());
        ids.push((n, r.session_id.clone()));
    }
    let now = 5_000;
    let mut seen = Vec::new();
    let mut after = base;
    loop {
        let page = store.list(after, 2, now).await.unwrap();
        assert!(page.sessions.len() <= 2);
        seen.extend(page.sessions.iter().map(|s| s.session_number));
        match page.next_after {
            Some(n) => after = n,
            None => break,
        }
    }
    let want: Vec<u64> = ids.iter().map(|(n, _)| *n).filter(|n| *n != base + 3).collect();
    assert_eq!(seen, want);

    let c = store.counters().await.unwrap();
    assert_eq!((c.total_sessions, c.session_number), (6, base), "{c:?}");

    // Concurrent writers never lose an update.
    let r = record(base + 10, 1_000, 3600);
    assert!(store.create(&r).await.unwrap());
    let writers = 40;
    let mut tasks = Vec::new();
    for _ in 0..writers {
        let s = store.clone();
        let id = r.session_id.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                let cur = s.load(&id).await.unwrap().unwrap();
                let next = bumped(cur.clone());
                match s.save(&next, cur.revision).await.unwrap() {
                    SaveOutcome::Saved => return,
                    SaveOutcome::Conflict => tokio::task::yield_now().await,
                    SaveOutcome::Missing => panic!("record vanished"),
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let fin = store.load(&r.session_id).await.unwrap().unwrap();
    assert_eq!((fin.fix_count, fin.revision), (writers, r.revision + writers));

    listing_walk(&store, 41).await;
}

/// The listing, randomized: 600 sessions, in blocks of 120 alternately
/// mostly live and all dead (expired by `now` or deleted), walked with pages
/// of 1, 7, 50 and 200; every walk equals the test's own sorted list of the
/// live ones. On Redis the
/// sessions spread over 16 shards, so small pages have shards return full
/// batches and pages whose batches are mostly expired or deleted need the
/// merge's next round. The expired ones are expired by the listing's clock,
/// an hour on, while Redis still holds their keys (their TTL is real time):
/// what the merge skips, not what Redis already dropped.
pub async fn listing_walk<S: SessionStore>(store: &S, seed: u64) {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::SmallRng::seed_from_u64(seed);
    // Sessions started at 1 s with a TTL of an hour (expired) or two (live), listed at 5,000 s.
    let now = 5_000_000;
    // Numbers above every session made so far: the walk starts after `base`.
    let base = store.next_session_number().await.unwrap() + 1_000;
    let mut live = Vec::new();
    let mut n = base;
    for i in 0..600 {
        n += rng.random_range(1..4); // gaps, as numbers taken by failed starts leave
        // Blocks of 120: every other one all dead (expired or deleted), so a
        // page's first batches from every shard can hold nothing live and the
        // merge has to go on to the next round; the others mostly live.
        let dead_block = (i / 120) % 2 == 1;
        let expired = rng.random_bool(if dead_block { 0.8 } else { 0.1 });
        let r = record(n, 1_000, if expired { 3_600 } else { 7_200 });
        assert!(store.create(&r).await.unwrap());
        if !expired && (dead_block || rng.random_bool(1.0 / 6.0)) {
            assert!(store.delete(&r.session_id).await.unwrap());
        } else if !expired {
            live.push(n);
        }
    }
    assert!(live.len() > 150, "{} live sessions: the walk needs hundreds", live.len());
    for limit in [1usize, 7, 50, 200] {
        let (mut seen, mut after, mut pages) = (Vec::new(), base, 0);
        loop {
            let page = store.list(after, limit, now).await.unwrap();
            pages += 1;
            assert!(page.sessions.len() <= limit, "a page of {} for limit {limit}", page.sessions.len());
            seen.extend(page.sessions.iter().map(|s| s.session_number));
            match page.next_after {
                Some(next) => after = next,
                None => break,
            }
            assert!(pages <= live.len() + 2, "the walk with pages of {limit} does not end");
        }
        assert_eq!(seen, live, "the walk with pages of {limit}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_store_conforms() {
    let store = MemoryStore::new();
    conformance(store.clone()).await;
    // The sweeper reclaims what has expired, and only that.
    let before = store.counters().await.unwrap().active_sessions;
    let swept = store.sweep(5_000);
    assert_eq!(swept, 1, "the one session with a 1 s TTL");
    assert_eq!(store.counters().await.unwrap().active_sessions, before - 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_store_conforms() {
    let redis = RedisServer::start();
    let store = RedisStore::connect(&redis.url(), "conf", Duration::from_secs(2)).await.unwrap();
    conformance(store.clone()).await;
    // Records are JSON under the prefix, with a TTL that every write refreshes.
    let r = record(999, 1_000, 3600);
    assert!(store.create(&r).await.unwrap());
    let key = format!("{}:{}", greenside_server::store::redis::tag_of("conf", 's', &r.session_id), r.session_id);
    let pttl: i64 = redis.command(&["PTTL", &key]).trim_start_matches(':').trim().parse().unwrap();
    assert!(pttl > 3_500_000 && pttl <= 3_600_000, "{pttl}");
    let json = redis.command(&["HGET", &key, "rec"]);
    assert!(json.contains("\"session_id\""), "{json}");
    // Real expiry: a 1 s TTL key disappears.
    let short = record(1000, 1_000, 1);
    assert!(store.create(&short).await.unwrap());
    assert!(store.load(&short.session_id).await.unwrap().is_some(), "there before its TTL");
    // Polled to a deadline, not slept past a guess: gone once Redis expires it.
    let t0 = std::time::Instant::now();
    while store.load(&short.session_id).await.unwrap().is_some() {
        assert!(t0.elapsed() < Duration::from_secs(10), "the 1 s key is still there");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(t0.elapsed() >= Duration::from_millis(500), "it expired by its TTL, not at once");

    // The index sweep drops the members of sessions Redis let expire, and
    // only those: without it the index (and `active_sessions`) kept them.
    let active = || async { store.counters().await.unwrap().active_sessions };
    // The 1 s sessions above have gone: their members go now.
    assert!(store.sweep_index().await.unwrap() >= 1, "the 1 s session's member");
    let before = active().await;
    let gone: Vec<SessionRecord> = (0..40).map(|i| record(900_000 + i, 1_000, 1)).collect();
    for r in &gone {
        assert!(store.create(r).await.unwrap());
    }
    assert_eq!(active().await, before + 40);
    let t0 = std::time::Instant::now();
    for r in &gone {
        while store.load(&r.session_id).await.unwrap().is_some() {
            assert!(t0.elapsed() < Duration::from_secs(10), "the 1 s keys are still there");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    assert_eq!(active().await, before + 40, "expired keys leave their index members behind");
    assert_eq!(store.sweep_index().await.unwrap(), 40, "the 40 expired sessions' members, no more");
    assert_eq!(active().await, before);
    assert_eq!(store.sweep_index().await.unwrap(), 0, "nothing more");
}

#[tokio::test(flavor = "multi_thread")]
async fn redis_store_reports_unavailable_and_recovers() {
    let mut redis = RedisServer::start();
    let store = Arc::new(RedisStore::connect(&redis.url(), "rec", Duration::from_millis(500)).await.unwrap());
    redis.stop();
    let e = store.ping().await.unwrap_err();
    assert!(e.to_string().contains("unavailable"), "{e}");
    redis.restart();
    let t0 = std::time::Instant::now();
    while store.ping().await.is_err() {
        assert!(t0.elapsed() < Duration::from_secs(10), "no recovery");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(store.next_session_number().await.unwrap() >= 1);
}

#[tokio::test]
async fn redis_unreachable_at_connect_fails_fast() {
    let port = common::free_port();
    let t0 = std::time::Instant::now();
    let e =
        RedisStore::connect(&format!("redis://127.0.0.1:{port}/0"), "x", Duration::from_millis(500)).await.unwrap_err();
    assert!(t0.elapsed() < Duration::from_secs(3), "{:?}", t0.elapsed());
    assert!(e.to_string().contains("unavailable"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stale_instance_copy_costs_one_conflict_that_carries_the_current_record() {
    let redis = RedisServer::start();
    let a = RedisStore::connect(&redis.url(), "stale", Duration::from_secs(2)).await.unwrap();
    let b = RedisStore::connect(&redis.url(), "stale", Duration::from_secs(2)).await.unwrap();
    let r = record(1, 1_000, 3600);
    assert!(a.create(&r).await.unwrap());
    let (copy, cached) = a.load_for_update(&r.session_id).await.unwrap();
    assert!(!cached, "nothing cached yet: loaded");
    let copy = copy.unwrap();
    // Instance B writes; A's copy is now stale.
    let (from_b, _) = b.load_for_update(&r.session_id).await.unwrap();
    let newer = bumped(from_b.unwrap());
    assert_eq!(b.save(&newer, r.revision).await.unwrap(), SaveOutcome::Saved);
    assert_eq!(a.save(&bumped(copy.clone()), copy.revision).await.unwrap(), SaveOutcome::Conflict);
    // The conflict's answer refreshed A's copy: B's write, no extra read needed.
    let (fresh, cached) = a.load_for_update(&r.session_id).await.unwrap();
    assert!(cached);
    assert_eq!(fresh.unwrap(), newer);
    // Deleted elsewhere: A's cached copy cannot resurrect it.
    assert!(b.delete(&r.session_id).await.unwrap());
    let (stale, _) = a.load_for_update(&r.session_id).await.unwrap();
    let stale = stale.unwrap();
    assert_eq!(a.save(&bumped(stale.clone()), stale.revision).await.unwrap(), SaveOutcome::Missing);
    assert_eq!(a.load(&r.session_id).await.unwrap(), None);
}
