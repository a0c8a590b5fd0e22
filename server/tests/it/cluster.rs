//! On a real Redis Cluster (three masters, three replicas, started here):
//! the session and run store conformance suites, and two servers sharing a
//! session through a manual failover of the master holding it, losing no
//! acknowledged fix. `scripts/cluster-failover` runs the long form
//! (20,000 fixes, six failovers, back and forth) through the same test's knobs.

#![allow(clippy::unwrap_used)]

use crate::common;
use crate::{run_stores, store_conformance};

use common::cluster::RedisCluster;
use common::{ON_GREEN, Server, ball, client, get, post, start_session};
use futures::StreamExt;
use greenside_server::runs::RunStore;
use greenside_server::store::redis::{RedisStore, tag_of};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const OFF: (f64, f64) = (40.267728069, -111.659682572);

fn knob(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn session_and_run_stores_conform_on_a_cluster() {
    let cluster = RedisCluster::start();
    let store = RedisStore::connect_cluster(&cluster.nodes(), "cconf", Duration::from_secs(5)).await.unwrap();
    store_conformance::conformance(store.clone()).await;
    let runs = RunStore::redis(store.connection(), "cruns");
    run_stores::conformance(&runs, run_stores::SEED).await;
    // The shards spread over the masters: each holds keys of both kinds.
    for m in cluster.masters() {
        let keys = cluster.cli(m, &["KEYS", "*"]);
        assert!(keys.contains("cconf:{s"), "no session shard on master {m}: {keys}");
        assert!(keys.contains("cruns:{r"), "no run shard on master {m}: {keys}");
    }
}

/// The master that holds `key` now.
fn master_of(cluster: &RedisCluster, key: &str) -> u16 {
    cluster
        .masters()
        .into_iter()
        .find(|m| cluster.cli(*m, &["EXISTS", key]).trim() == "1")
        .expect("a master has the key")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_lose_no_acknowledged_fix_through_a_failover() {
    let fixes = knob("GREENSIDE_FAILOVER_FIXES", 1200);
    let failovers = knob("GREENSIDE_FAILOVERS", 1);
    let cluster = RedisCluster::start();
    let urls = cluster.urls();
    let env = [
        ("SESSION_STORE_BACKEND", "redis"),
        ("REDIS_CLUSTER", "true"),
        ("REDIS_URL", urls.as_str()),
        ("REDIS_SESSION_PREFIX", "fo"),
    ];
    let (a, b) = (Server::start(&env), Server::start(&env));
    let c = client();
    let sid = start_session(&c, &a).await;
    let (s, _) = post(&c, &b.url("/api/session/set_ball_location"), &ball(&sid, ON_GREEN)).await;
    assert_eq!(s, 200);
    let key = format!("{}:{sid}", tag_of("fo", 's', &sid));

    let acked = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Each failover after another share of the fixes is acknowledged; after
    // the last, the load goes on until a share more is acknowledged by the
    // new master. So writes after the failover are always there to check (the
    // case a demoted master refusing scripts shows), however fast the load.
    let share = fixes / (failovers + 1);
    let deadline = Instant::now() + Duration::from_secs(180);
    let wait_for = |acked: &AtomicU64, n: u64, what: String| {
        let acked = acked.load(Ordering::SeqCst);
        assert!(Instant::now() < deadline, "{what}: only {acked} of {n} fixes acknowledged by the deadline");
        acked >= n
    };
    let chaos = {
        let (acked, key, stop) = (acked.clone(), key.clone(), stop.clone());
        let cluster = &cluster;
        async move {
            let mut done = Vec::new();
            for i in 0..failovers {
                while !wait_for(&acked, share * (i + 1), format!("before failover {i}")) {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                let master = tokio::task::block_in_place(|| master_of(cluster, &key));
                let new_master = tokio::task::block_in_place(|| {
                    let m = cluster.failover(master);
                    cluster.wait_ok(Duration::from_secs(30));
                    m
                });
                // Everything acknowledged from here on was written with the new master in charge.
                done.push((master, new_master, acked.load(Ordering::SeqCst)));
            }
            let taken_over = done.last().map_or(0, |d| d.2);
            while !wait_for(&acked, taken_over + share, String::from("after the last failover")) {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            stop.store(true, Ordering::SeqCst);
            done
        }
    };
    let urls = [a.url("/api/session/set_ball_location"), b.url("/api/session/set_ball_location")];
    let body = ball(&sid, OFF).to_string();
    let load = futures::stream::iter(0u64..)
        .take_while(|_| std::future::ready(!stop.load(Ordering::SeqCst)))
        .map(|i| {
            let (c, url, body) = (c.clone(), urls[(i % 2) as usize].clone(), body.clone());
            let (acked, failed) = (acked.clone(), failed.clone());
            async move {
                let answer = c.post(url).header("content-type", "application/json").body(body).send().await;
                let (status, text) = match answer {
                    Ok(r) => (r.status().as_u16(), r.text().await.unwrap_or_default()),
                    Err(e) => (0, e.to_string()),
                };
                if status == 200 {
                    acked.fetch_add(1, Ordering::SeqCst);
                } else if failed.fetch_add(1, Ordering::SeqCst) < 3 {
                    eprintln!("refused: {status} {text}");
                }
            }
        })
        .buffer_unordered(32)
        .collect::<Vec<()>>();
    let (done, _) = tokio::join!(chaos, load);
    let (acked, failed) = (acked.load(Ordering::SeqCst), failed.load(Ordering::SeqCst));
    let sent = acked + failed;
    assert_eq!(done.len() as u64, failovers, "every failover happened during the load");
    for (old, new, at) in &done {
        assert_ne!(old, new);
        eprintln!("failover: master {old} -> {new} after {at} acknowledged fixes");
    }
    let after_last = acked - done.last().map_or(0, |d| d.2);
    eprintln!("{after_last} fixes acknowledged after the last failover took over");
    assert!(after_last >= share, "only {after_last} fixes acknowledged after the last failover (want {share})");

    for l in a.logs().iter().chain(b.logs().iter()).filter(|l| l.contains("unavailable")).take(4) {
        eprintln!("server log: {}", &l[..l.len().min(300)]);
    }
    let (s, body) = get(&c, &a.url(&format!("/api/session/{sid}"))).await;
    assert_eq!(s, 200, "{body}");
    let hs = &body["hole_state"];
    let counted = hs["fix_count"].as_u64().unwrap() - 1;
    eprintln!("{sent} fixes sent: {acked} acknowledged, {failed} refused; {counted} counted");
    // A planned failover is ridden through: the clients follow MOVED to the
    // new master (a demoted master running a write script would refuse
    // every fix from then on).
    assert!(failed * 20 <= sent, "{failed} of {sent} fixes refused around the failover");
    // No acknowledged fix is lost; a refused one may have been applied
    // (its answer lost), never twice.
    assert!(
        counted >= acked && counted <= acked + failed,
        "{counted} counted for {acked} acknowledged, {failed} refused"
    );
    assert_eq!(hs["revision"].as_u64().unwrap(), counted + 2, "one revision per applied write");
    assert_eq!(hs["surface_state"], "OFF_GREEN");
    // Both instances read the same record from the new master.
    let (_, other) = get(&c, &b.url(&format!("/api/session/{sid}"))).await;
    assert_eq!(other["hole_state"]["fix_count"], hs["fix_count"]);
    let (_, started) = post(&c, &b.url("/api/session/start"), &serde_json::from_str(common::START).unwrap()).await;
    assert_eq!(started["hole_state"]["session_number"], 2, "the counter came through the failover");
}
