//! A filtered `GET /runs/v1` page over 100,000 runs on each run store
//! (memory, SQLite, Redis), beside the same page over 100 runs: if the
//! store pages through an index, the two are close; if it loads every run,
//! the large one is about a thousand times slower.
//!
//! ```text
//! cargo bench -p greenside-server --bench runs            # 100 and 100,000 runs, 200 pages each
//! cargo bench -p greenside-server --bench runs -- --test  # smoke: 100 and 2,000 runs, 20 pages
//! ```
//!
//! Redis is a `redis-server` this bench starts on a free port (nothing
//! persisted) and stops. The pages: the first page of `status=failed` (half
//! the runs), and the page after a cursor deep in the list with
//! `status=succeeded&course_id=riverside`. Writes `target/bench/runs.json`.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use greenside_core::ErrorCode;
use greenside_core::advice::PlanType;
use greenside_core::listing::{RunsQuery, parse_runs_query};
use greenside_core::run::RunRecord;
use greenside_server::runs::RunStore;
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn run(i: u64) -> RunRecord {
    let t = 1_700_000_000_000 + i * 1000;
    let mut r = RunRecord::new(format!("run_{i:032x}"), "gs_bench".into(), "riverside".into(), 1, t);
    r.start(PlanType::Putt, "bench".into(), t).unwrap();
    if i % 2 == 0 {
        r.succeed(Some(1), false, t + 1).unwrap();
    } else {
        r.fail(ErrorCode::PuttSolverTimeout, "bench".into(), None, true, t + 1).unwrap();
    }
    r
}

fn query(pairs: &[(&str, String)]) -> RunsQuery {
    let m: HashMap<&str, String> = pairs.iter().cloned().collect();
    parse_runs_query(|k| m.get(k).cloned()).unwrap()
}

struct Redis(Child);
impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_redis() -> (Redis, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server must be installed");
    let t0 = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(t0.elapsed() < Duration::from_secs(10), "redis-server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    (Redis(child), port)
}

async fn fill(store: &RunStore, n: u64) {
    for chunk in (0..n).collect::<Vec<_>>().chunks(256) {
        let puts = chunk.iter().map(|i| {
            let r = run(*i);
            async move { store.put(&r).await.unwrap() }
        });
        futures::future::join_all(puts).await;
    }
}

/// p50 and p99 of `rounds` pages, in microseconds.
async fn time_pages(store: &RunStore, q: &RunsQuery, rounds: usize, want: usize) -> (f64, f64) {
    let mut us = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t0 = Instant::now();
        let (page, _) = store.list(q).await.unwrap();
        us.push(t0.elapsed().as_secs_f64() * 1e6);
        assert_eq!(page.len(), want);
    }
    us.sort_by(f64::total_cmp);
    let at = |p: f64| us[((us.len() as f64 - 1.0) * p).round() as usize];
    (at(0.5), at(0.99))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let smoke = std::env::args().any(|a| a == "--test");
    let (big, rounds) = if smoke { (2_000, 20) } else { (100_000, 200) };
    let sizes = [100u64, big];
    let (_redis, port) = start_redis();
    let tmp = std::env::temp_dir().join(format!("greenside-bench-runs-{}", std::process::id()));
    let mut rows = Vec::new();
    let mut json = Vec::new();
    for backend in ["memory", "sqlite", "redis"] {
        let mut cells = Vec::new();
        for &n in &sizes {
            let store = match backend {
                "memory" => RunStore::memory(),
                "sqlite" => RunStore::sqlite(&tmp.join(format!("{n}"))).unwrap(),
                _ => {
                    let client = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
                    let conn = redis::aio::ConnectionManager::new(client).await.unwrap();
                    RunStore::redis(greenside_server::store::redis::Conn::Single(conn), &format!("bench{n}"))
                }
            };
            fill(&store, n).await;
            // Newest first: the first failed page; then a cursor two thirds
            // of the way down, succeeded runs of one course after it.
            let first = query(&[("status", "failed".into()), ("limit", "50".into())]);
            let deep_i = n / 3;
            let cursor = format!("r{:x}.run_{deep_i:032x}", 1_700_000_000_000 + deep_i * 1000);
            let deep = query(&[
                ("status", "succeeded".into()),
                ("course_id", "riverside".into()),
                ("limit", "10".into()),
                ("cursor", cursor),
            ]);
            let a = time_pages(&store, &first, rounds, 50).await;
            let b = time_pages(&store, &deep, rounds, 10).await;
            cells.push((n, a, b));
        }
        let (small, large) = (cells[0], cells[1]);
        for (name, s, l) in [("first failed page", small.1, large.1), ("deep page, 2 filters", small.2, large.2)] {
            rows.push(format!(
                "| {backend} | {name} | {:.0} / {:.0} | {:.0} / {:.0} | {:.2}x |",
                s.0,
                s.1,
                l.0,
                l.1,
                l.0 / s.0
            ));
            json.push(format!(
                r#"{{"store":"{backend}","page":"{name}","small":{},"large":{},"small_p50_us":{:.1},"small_p99_us":{:.1},"large_p50_us":{:.1},"large_p99_us":{:.1}}}"#,
                sizes[0], sizes[1], s.0, s.1, l.0, l.1
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    println!("| store | page | {} runs p50 / p99 (µs) | {} runs p50 / p99 (µs) | p50 ratio |", sizes[0], sizes[1]);
    println!("|---|---|---|---|---|");
    for r in &rows {
        println!("{r}");
    }
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("runs.json"), format!("[{}]\n", json.join(","))).unwrap();
}
