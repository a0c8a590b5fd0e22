//! One conformance suite, run against every run store: memory, SQLite in a
//! temporary directory, and Redis on a real `redis-server`. Every page and
//! every prune is compared with core's `runs_page` and `prune_plan` over the
//! same runs, so the stores agree to the run: ties on the time, cursors
//! across pages and cursors no page gave, every filter, prune boundaries
//! inside a tie and on the age limit exactly. Then what only the durable
//! store does: SQLite reopened keeps its runs, two handles on one file see
//! each other's writes, and the server stopped and started on the same
//! `RUN_STORE_DIR` answers the same `/runs/v1`.

#![allow(clippy::unwrap_used)]

use crate::common;

use common::{ON_GREEN, RedisServer, Server, ball, client, temp_dir};
use greenside_core::advice::PlanType;
use greenside_core::listing::{RunCursor, RunFilter, RunsQuery, prune_plan, runs_page};
use greenside_core::run::{RunRecord, RunStatus};
use greenside_server::runs::{RunStore, SQLITE_FILE};
use greenside_server::store::redis::RedisStore;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::time::Duration;

/// Runs per store: 400 over 40 distinct times, so about ten share each time.
const N: usize = 400;
const TIMES: u64 = 40;
const T0: u64 = 1_700_000_000_000;
const NOW: u64 = T0 + 60_000;
/// Every store gets the same runs.
pub const SEED: u64 = 7;

fn generate(seed: u64) -> Vec<RunRecord> {
    let mut rng = rand::rngs::SmallRng::seed_from_u64(seed);
    let courses = ["riverside", "augusta_national", "links"];
    let statuses = [RunStatus::Queued, RunStatus::Processing, RunStatus::Succeeded, RunStatus::Failed];
    (0..N)
        .map(|_| {
            let created = T0 + rng.random_range(0..TIMES) * 1_000;
            let mut r = RunRecord::new(
                format!("run_{:032x}", rng.random::<u128>()),
                format!("gs_{:032x}", rng.random::<u128>()),
                courses[rng.random_range(0..courses.len())].into(),
                rng.random_range(1..19),
                created,
            );
            r.status = statuses[rng.random_range(0..statuses.len())];
            if r.status != RunStatus::Queued {
                r.plan_type = Some(if rng.random_bool(0.7) { PlanType::Putt } else { PlanType::TeeToGreen });
                r.started_at_ms = Some(created + 1);
            }
            if r.status.is_terminal() {
                r.finished_at_ms = Some(created + 6);
                r.duration_ms = Some(5);
            }
            r
        })
        .collect()
}

/// Core's order: `created_at_ms` desc, then `run_id` desc.
fn newest_first(mut runs: Vec<RunRecord>) -> Vec<RunRecord> {
    runs.sort_by(|a, b| (b.created_at_ms, &b.run_id).cmp(&(a.created_at_ms, &a.run_id)));
    runs
}

fn filters() -> Vec<RunFilter> {
    let f = RunFilter::default;
    vec![
        f(),
        RunFilter { status: Some(RunStatus::Succeeded), ..f() },
        RunFilter { status: Some(RunStatus::Queued), ..f() },
        RunFilter { plan_type: Some(PlanType::Putt), ..f() },
        RunFilter { plan_type: Some(PlanType::TeeToGreen), ..f() },
        RunFilter { course_id: Some("riverside".into()), ..f() },
        RunFilter { course_id: Some("nowhere".into()), ..f() },
        // Bounds on tie times: from is inclusive, to exclusive.
        RunFilter { created_from_ms: Some(T0 + 10_000), created_to_ms: Some(T0 + 30_000), ..f() },
        RunFilter { created_to_ms: Some(T0 + 5_000), ..f() },
        RunFilter {
            status: Some(RunStatus::Failed),
            plan_type: Some(PlanType::Putt),
            course_id: Some("links".into()),
            created_from_ms: Some(T0 + 20_000),
            ..f()
        },
        // Bounds past what SQLite's signed integers hold.
        RunFilter { created_from_ms: Some(u64::MAX), ..f() },
        RunFilter { created_to_ms: Some(u64::MAX), status: Some(RunStatus::Processing), ..f() },
    ]
}

/// Walks every filter's pages at several sizes, each page compared with
/// core's, and the walk with every match once in order; then cursors no
/// page gave. Returns the number of pages compared.
async fn check_pages(store: &RunStore, oracle: &[RunRecord]) -> usize {
    let mut pages = 0;
    for filter in filters() {
        let all: Vec<RunRecord> = oracle.iter().filter(|r| filter.matches(r)).cloned().collect();
        for limit in [1, 7, 50, 200] {
            if limit == 1 && all.len() > 100 {
                continue;
            }
            let (mut cursor, mut walked) = (None, Vec::new());
            loop {
                let q = RunsQuery { filter: filter.clone(), limit, cursor: cursor.clone() };
                let got = store.list(&q).await.unwrap();
                assert_eq!(got, runs_page(oracle.to_vec(), &q), "{}: {q:?}", store.backend());
                pages += 1;
                walked.extend(got.0);
                match got.1 {
                    Some(c) => cursor = Some(c),
                    None => break,
                }
            }
            assert_eq!(walked, all, "{}: {filter:?} by {limit}: every match once, in order", store.backend());
        }
    }
    // Inside a tie (the time of a stored run with a smaller and a larger id),
    // on an id that is not stored, before everything, after everything.
    let tie = oracle.windows(3).find(|w| w[0].created_at_ms == w[2].created_at_ms).map(|w| &w[1]).unwrap();
    let cursors: Vec<RunCursor> = vec![
        (tie.created_at_ms, tie.run_id.clone()),
        (tie.created_at_ms, format!("{}0", &tie.run_id[..35])),
        (T0 + 20_000, "run_80000000000000000000000000000000".into()),
        (T0 - 1, "run_ffffffffffffffffffffffffffffffff".into()),
        (u64::MAX, "run_00000000000000000000000000000000".into()),
    ];
    for cursor in cursors {
        for filter in [RunFilter::default(), RunFilter { status: Some(RunStatus::Failed), ..RunFilter::default() }] {
            let q = RunsQuery { filter, limit: 13, cursor: Some(cursor.clone()) };
            assert_eq!(store.list(&q).await.unwrap(), runs_page(oracle.to_vec(), &q), "{}: {q:?}", store.backend());
            pages += 1;
        }
    }
    pages
}

/// Every run, newest first, through the store's own pages.
async fn listed(store: &RunStore) -> Vec<RunRecord> {
    let (mut cursor, mut out) = (None, Vec::new());
    loop {
        let q = RunsQuery { filter: RunFilter::default(), limit: 200, cursor };
        let (page, next) = store.list(&q).await.unwrap();
        out.extend(page);
        match next {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

/// The suite. Returns the runs the store holds at the end (newest first).
pub async fn conformance(store: &RunStore, seed: u64) -> Vec<RunRecord> {
    let runs = generate(seed);
    // Each run is written queued first and then as it ended, as the advice
    // route does: the second write must move it between the indexes.
    for r in &runs {
        let queued =
            RunRecord::new(r.run_id.clone(), r.session_id.clone(), r.course_id.clone(), r.hole_id, r.created_at_ms);
        store.put(&queued).await.unwrap();
    }
    for r in &runs {
        store.put(r).await.unwrap();
    }
    let mut oracle = newest_first(runs);
    assert!(oracle.windows(2).any(|w| w[0].created_at_ms == w[1].created_at_ms), "ties on the time");
    for r in oracle.iter().step_by(37) {
        assert_eq!(store.get(&r.run_id).await.unwrap().as_ref(), Some(r));
    }
    assert_eq!(store.get("run_00000000000000000000000000000000").await.unwrap(), None);
    let pages = check_pages(store, &oracle).await;
    eprintln!("{}: {} runs, {pages} pages equal to core's", store.backend(), oracle.len());

    // Prunes, each compared with core's plan over what is left. `Tie(k)`:
    // keep the newest k or a few more, so the cut falls inside a tie.
    enum Keep {
        All,
        Newest(u64),
        Tie(usize),
    }
    // The age limit lands exactly on a stored time: runs at it are not older than it.
    let cutoff = T0 + 10_000;
    assert!(oracle.iter().any(|r| r.created_at_ms == cutoff && r.status.is_terminal()));
    let plans = [
        (Keep::All, None),
        (Keep::Newest(u64::MAX), Some(u64::MAX)),
        (Keep::Tie(350), None),
        (Keep::All, Some(NOW - cutoff)),
        // One millisecond later, the runs at that time are older than the limit.
        (Keep::All, Some(NOW - cutoff - 1)),
        (Keep::Tie(150), Some(NOW - (T0 + 25_000))),
        (Keep::Newest(0), None),
    ];
    for (keep, max_age_ms) in plans {
        let max_runs = match keep {
            Keep::All => None,
            Keep::Newest(n) => Some(n),
            Keep::Tie(from) => {
                let k = (from..oracle.len()).find(|&k| oracle[k - 1].created_at_ms == oracle[k].created_at_ms);
                Some(k.unwrap() as u64)
            }
        };
        let want = prune_plan(&oracle, max_runs, max_age_ms, NOW);
        let report = store.prune(max_runs, max_age_ms, NOW).await.unwrap();
        let what = format!("{}: prune {max_runs:?} {max_age_ms:?}", store.backend());
        assert_eq!(report.deleted_ids, want, "{what}");
        assert_eq!((report.scanned, report.deleted), (oracle.len() as u64, want.len() as u64), "{what}");
        assert_eq!(report.kept, report.scanned - report.deleted, "{what}");
        if max_age_ms == Some(NOW - cutoff - 1) {
            assert!(want.iter().all(|id| oracle.iter().any(|r| &r.run_id == id && r.created_at_ms == cutoff)));
            assert!(!want.is_empty(), "{what}: the runs at the former limit go");
        }
        oracle.retain(|r| !want.contains(&r.run_id));
        assert_eq!(listed(store).await, oracle, "{what}: what is left");
        eprintln!("{what}: {} deleted, {} kept", report.deleted, report.kept);
        if max_age_ms == Some(NOW - cutoff) {
            check_pages(store, &oracle).await;
        }
    }
    assert!(oracle.iter().all(|r| !r.status.is_terminal()), "max_runs 0 leaves only runs in flight");
    assert!(!oracle.is_empty());
    oracle
}

#[tokio::test(flavor = "multi_thread")]
async fn memory_run_store_conforms() {
    let store = RunStore::memory();
    assert_eq!(store.backend(), "memory");
    conformance(&store, SEED).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_run_store_conforms_and_keeps_runs_when_reopened() {
    let dir = temp_dir("runs-sqlite");
    let store = RunStore::sqlite(&dir).unwrap();
    assert_eq!(store.backend(), "sqlite");
    let left = conformance(&store, SEED).await;
    drop(store);
    assert!(dir.join(SQLITE_FILE).is_file());

    // Reopened: the same runs, the same pages; and it takes new ones.
    let store = RunStore::sqlite(&dir).unwrap();
    assert_eq!(listed(&store).await, left);
    let mut more = newest_first(generate(22));
    for r in &more {
        store.put(r).await.unwrap();
    }
    more.extend(left);
    let all = newest_first(more);
    let pages = check_pages(&store, &all).await;
    eprintln!("sqlite reopened: {} runs, {pages} pages equal to core's", all.len());

    // The file as an operator finds it: write-ahead log, the indexes.
    drop(store);
    let conn = rusqlite::Connection::open(dir.join(SQLITE_FILE)).unwrap();
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    let mut st = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'runs'").unwrap();
    let indexes: Vec<String> = st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    for want in ["runs_by_time", "runs_by_status", "runs_by_course", "runs_by_plan"] {
        assert!(indexes.iter().any(|i| i == want), "{want} in {indexes:?}");
    }
    drop(st);
    drop(conn);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn redis_run_store_conforms() {
    let redis = RedisServer::start();
    let sessions = RedisStore::connect(&redis.url(), "runconf", Duration::from_secs(2)).await.unwrap();
    let store = RunStore::redis(sessions.connection(), sessions.prefix());
    assert_eq!(store.backend(), "redis");
    conformance(&store, SEED).await;
}

/// A Redis an older server left (every run at `{prefix}:run:{id}` under one
/// `{prefix}:runs` index, status sets, the `runs:index` marker, sessions at
/// `{prefix}:{id}` under `{prefix}:index`): connecting moves everything into
/// the sharded layout. Every page then matches core's over every run, the
/// sessions keep their records and TTLs, the totals add up, and no key of
/// the old layout is left.
#[tokio::test(flavor = "multi_thread")]
async fn redis_keys_of_the_unsharded_layout_are_moved_on_connect() {
    let redis = RedisServer::start();
    let prefix = "runold";
    let runs = generate(SEED + 1);
    for r in &runs {
        let json = serde_json::to_string(r).unwrap();
        redis.command(&["SET", &format!("{prefix}:run:{}", r.run_id), &json]);
        redis.command(&["ZADD", &format!("{prefix}:runs"), &r.created_at_ms.to_string(), &r.run_id]);
        redis.command(&[
            "ZADD",
            &format!("{prefix}:runs:st:{}", r.status.as_str()),
            &r.created_at_ms.to_string(),
            &r.run_id,
        ]);
    }
    redis.command(&["SET", &format!("{prefix}:runs:index"), "2"]);
    let rec = common::session_record(1, T0, 3600);
    let json = serde_json::to_string(&rec).unwrap();
    let old_session = format!("{prefix}:{}", rec.session_id);
    redis.command(&["HSET", &old_session, "rev", &rec.revision.to_string(), "rec", &json]);
    redis.command(&["PEXPIRE", &old_session, "3600000"]);
    redis.command(&["ZADD", &format!("{prefix}:index"), "1", &rec.session_id]);
    redis.command(&["SET", &format!("{prefix}:total_sessions"), "5"]);
    redis.command(&["SET", &format!("{prefix}:session_number"), "5"]);

    let sessions = RedisStore::connect(&redis.url(), prefix, Duration::from_secs(2)).await.unwrap();
    let store = RunStore::redis(sessions.connection(), sessions.prefix());
    let pages = check_pages(&store, &newest_first(runs.clone())).await;
    assert!(pages > 100, "{pages} pages");
    use greenside_server::store::SessionStore;
    let moved = sessions.load(&rec.session_id).await.unwrap().expect("the session moved");
    assert_eq!(moved, rec);
    let new_key =
        format!("{}:{}", greenside_server::store::redis::tag_of(prefix, 's', &rec.session_id), rec.session_id);
    let pttl: i64 = redis.command(&["PTTL", &new_key]).trim_start_matches(':').trim().parse().unwrap();
    assert!(pttl > 3_500_000, "the TTL came along: {pttl}");
    let c = sessions.counters().await.unwrap();
    assert_eq!((c.session_number, c.total_sessions, c.active_sessions), (5, 5, 1));
    let page = sessions.list(0, 10, T0).await.unwrap();
    assert_eq!(page.sessions.len(), 1);
    // Through a client: the raw helper reads one reply chunk, too short for every key.
    let keys: Vec<String> =
        redis::cmd("KEYS").arg(format!("{prefix}:*")).query_async(&mut sessions.connection()).await.unwrap();
    assert!(keys.len() > N, "{} keys", keys.len());
    for k in &keys {
        let old = *k == format!("{prefix}:runs")
            || *k == format!("{prefix}:index")
            || *k == format!("{prefix}:total_sessions")
            || *k == old_session
            || k.starts_with(&format!("{prefix}:run:"))
            || k.starts_with(&format!("{prefix}:runs:"));
        assert!(!old, "{k} of the old layout is left");
    }
    // A second connect (another instance starting) finds nothing to move.
    let again = RedisStore::connect(&redis.url(), prefix, Duration::from_secs(2)).await.unwrap();
    assert_eq!(check_pages(&RunStore::redis(again.connection(), prefix), &newest_first(runs)).await, pages);
}

/// Two instances on one file (a restart overlapping the old process, or two
/// servers on one volume): writes interleave, nothing is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_sqlite_handles_on_one_file_share_their_runs() {
    let dir = temp_dir("runs-shared");
    let (a, b) = (RunStore::sqlite(&dir).unwrap(), RunStore::sqlite(&dir).unwrap());
    let runs = generate(4);
    let mut tasks = Vec::new();
    for (i, r) in runs.iter().cloned().enumerate() {
        let s = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move { s.put(&r).await.unwrap() }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let want = newest_first(runs);
    assert_eq!(listed(&a).await, want);
    assert_eq!(listed(&b).await, want);
    drop((a, b));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sqlite_refuses_what_it_cannot_open_and_says_where() {
    let dir = temp_dir("runs-bad");
    let file = dir.join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let e = RunStore::sqlite(&file).unwrap_err();
    assert!(e.contains(file.to_str().unwrap()), "{e}");
    // A file from a newer schema is left alone.
    let newer = dir.join("newer");
    std::fs::create_dir_all(&newer).unwrap();
    rusqlite::Connection::open(newer.join(SQLITE_FILE)).unwrap().execute_batch("PRAGMA user_version = 99").unwrap();
    let e = RunStore::sqlite(&newer).unwrap_err();
    assert!(e.contains("schema version 99") && e.contains("newer"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

const ADMIN: &str = "admin-runs-store-7";

async fn admin_get(c: &reqwest::Client, s: &Server, path: &str) -> (u16, Value) {
    let r = c.get(s.url(path)).header("x-admin-token", ADMIN).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// `n` advice calls (no solver configured: each answers the fallback and
/// records a failed run).
async fn advise(c: &reqwest::Client, s: &Server, n: usize) {
    let sid = common::start_session(c, s).await;
    assert_eq!(common::post(c, &s.url("/api/session/set_ball_location"), &ball(&sid, ON_GREEN)).await.0, 200);
    for _ in 0..n {
        let (status, body) =
            common::post(c, &s.url("/api/get_hole_advice"), &json!({"contract_version": "0.5.0", "session_id": sid}))
                .await;
        assert_eq!((status, &body["fallback_used"]), (503, &json!(true)), "{body}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_restarted_on_the_same_dir_keeps_its_runs() {
    let dir = temp_dir("runs-restart");
    let dir_s = dir.to_str().unwrap().to_string();
    let env = [("ADMIN_TOKEN", ADMIN), ("RUN_STORE_DIR", dir_s.as_str())];
    let c = client();
    let s = Server::start(&env);
    advise(&c, &s, 5).await;
    let (status, before) = admin_get(&c, &s, "/runs/v1?limit=200").await;
    assert_eq!(status, 200, "{before}");
    assert_eq!(before["runs"].as_array().unwrap().len(), 5);
    s.stop();

    let s = Server::start(&env);
    assert!(s.logs().iter().any(|l| l.contains("greenside listening") && l.contains(r#""runs":"sqlite""#)));
    let (_, after) = admin_get(&c, &s, "/runs/v1?limit=200").await;
    assert_eq!(after, before, "the same runs, the same page");
    let id = before["runs"][2]["run_id"].as_str().unwrap();
    let (status, one) = admin_get(&c, &s, &format!("/runs/v1/{id}")).await;
    assert_eq!((status, &one), (200, &before["runs"][2]));
    // It keeps writing after the restart, newest first.
    advise(&c, &s, 1).await;
    let (_, page) = admin_get(&c, &s, "/runs/v1?limit=2").await;
    assert_eq!(page["runs"][1], before["runs"][0]);
    s.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// With no configuration at all, runs go to `greenside-data/runs` under the
/// working directory; `RUN_STORE_BACKEND=memory` keeps them in the process.
#[tokio::test(flavor = "multi_thread")]
async fn the_default_store_needs_no_configuration_and_memory_is_asked_for() {
    let cwd = temp_dir("runs-cwd");
    let c = client();
    let s = Server::start_in(&cwd, &[("ADMIN_TOKEN", ADMIN)]);
    advise(&c, &s, 2).await;
    s.stop();
    assert!(cwd.join("greenside-data/runs").join(SQLITE_FILE).is_file());
    let s = Server::start_in(&cwd, &[("ADMIN_TOKEN", ADMIN)]);
    assert_eq!(admin_get(&c, &s, "/runs/v1").await.1["runs"].as_array().unwrap().len(), 2);
    s.stop();

    let memory = [("ADMIN_TOKEN", ADMIN), ("RUN_STORE_BACKEND", "memory")];
    let s = Server::start_in(&cwd, &memory);
    assert_eq!(admin_get(&c, &s, "/runs/v1").await.1["runs"], json!([]), "memory does not read the file");
    advise(&c, &s, 1).await;
    s.stop();
    let s = Server::start_in(&cwd, &memory);
    assert_eq!(admin_get(&c, &s, "/runs/v1").await.1["runs"], json!([]), "memory runs end with the process");
    s.stop();
    std::fs::remove_dir_all(&cwd).unwrap();
}

#[test]
fn a_run_store_dir_that_cannot_be_made_stops_the_server_with_a_clear_message() {
    let dir = temp_dir("runs-unmakeable");
    let file = dir.join("a-file");
    std::fs::write(&file, "x").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_greenside"))
        .args(["serve", "--port", "0"])
        .env_clear()
        .env("RUN_STORE_DIR", &file)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(file.to_str().unwrap()) && err.contains("RUN_STORE_DIR"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
