//! Retries never count a fix twice, on both platforms: a fix sent three
//! times counts once, and 1,000 retries of random earlier fixes interleaved
//! with new ones (single and batched) leave `fix_count` equal to the number
//! of distinct `seq` values.

#![allow(clippy::unwrap_used)]

use crate::common;

use common::{ON_GREEN, Platform, START, client, get, post};
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

fn fix(seq: u64) -> Value {
    // Alternate on and off the green so the hysteresis has work to do.
    let (lat, lon) = if (seq / 3) % 2 == 0 { ON_GREEN } else { (40.26760, -111.66010) };
    json!({"ball_wgs84": {"lat": lat, "lon": lon}, "accuracy_m": 4.0, "seq": seq, "client_time_ms": 1_000 * seq})
}

async fn retries_count_once(platform: Platform) {
    let t = platform.start(&[]);
    let c = client();
    let (status, body) = post(&c, &t.url("/api/session/start"), &serde_json::from_str(START).unwrap()).await;
    assert_eq!(status, 200, "{body}");
    let sid = body["session_id"].as_str().unwrap().to_string();
    let one = |seq: u64| {
        let mut b = fix(seq);
        b["contract_version"] = json!("0.5.0");
        b["session_id"] = json!(sid);
        b
    };

    // The same fix three times: applied once, then acknowledged with the current state.
    let mut answers = Vec::new();
    for _ in 0..3 {
        let (status, a) = post(&c, &t.url("/api/session/set_ball_location"), &one(1)).await;
        assert_eq!(status, 200, "{a}");
        answers.push(a);
    }
    assert_eq!(answers.iter().map(|a| a["applied"].as_bool().unwrap()).collect::<Vec<_>>(), [true, false, false]);
    assert!(answers.iter().all(|a| a["hole_state"]["fix_count"] == 1 && a["hole_state"]["last_seq"] == 1));

    // New fixes with retries of random earlier ones, single and batched.
    let mut rng = rand::rngs::SmallRng::seed_from_u64(11);
    let mut next = 2u64;
    let mut retries = 0;
    while retries < 1_000 {
        if rng.random_bool(0.3) {
            // A new fix, sometimes inside a batch that repeats earlier ones.
            if rng.random_bool(0.5) {
                let (status, a) = post(&c, &t.url("/api/session/set_ball_location"), &one(next)).await;
                assert_eq!((status, a["applied"].as_bool()), (200, Some(true)), "{a}");
                next += 1;
            } else {
                let earlier: Vec<u64> = (0..rng.random_range(1..4)).map(|_| rng.random_range(1..next)).collect();
                retries += earlier.len();
                let mut seqs = earlier;
                seqs.sort_unstable();
                seqs.push(next);
                seqs.push(next + 1);
                let fixes: Vec<Value> = seqs.iter().map(|s| fix(*s)).collect();
                let body = json!({"contract_version": "0.5.0", "session_id": sid, "fixes": fixes});
                let (status, a) = post(&c, &t.url("/api/session/set_ball_locations"), &body).await;
                assert_eq!(status, 200, "{a}");
                assert_eq!(a["applied"], 2, "only the two new fixes: {a}");
                next += 2;
            }
        } else {
            let seq = rng.random_range(1..next);
            let (status, a) = post(&c, &t.url("/api/session/set_ball_location"), &one(seq)).await;
            assert_eq!((status, a["applied"].as_bool()), (200, Some(false)), "retry of {seq}: {a}");
            retries += 1;
        }
    }
    let (_, st) = get(&c, &t.url(&format!("/api/session/{sid}"))).await;
    let distinct = next - 1;
    assert_eq!(st["hole_state"]["fix_count"].as_u64(), Some(distinct), "{}", platform.name());
    assert_eq!(st["hole_state"]["last_seq"].as_u64(), Some(distinct));
    eprintln!(
        "{}: {retries} retries, {distinct} distinct fixes, fix_count {}",
        platform.name(),
        st["hole_state"]["fix_count"]
    );
    t.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn retries_count_once_on_the_native_server() {
    retries_count_once(Platform::Native).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn retries_count_once_on_the_worker() {
    retries_count_once(Platform::Worker).await;
}
