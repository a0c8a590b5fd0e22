//! Listing across shards: paging through the merge of every shard's own
//! page gives exactly the pages of one store holding every run (no gap, no
//! duplicate), for random runs, shard counts, filters and page sizes.

use greenside_core::listing::{RunFilter, RunsQuery, merge_pages, merge_runs_pages, runs_page};
use greenside_core::run::{RunRecord, RunStatus};
use greenside_core::shard;
use proptest::prelude::*;

fn run(i: usize, t: u64, status: u8) -> RunRecord {
    let mut r = RunRecord::new(format!("run_{i:032x}"), "s".into(), "c".into(), 1, t);
    r.status = [RunStatus::Queued, RunStatus::Processing, RunStatus::Succeeded, RunStatus::Failed][status as usize % 4];
    r
}

fn newest_first(mut runs: Vec<RunRecord>) -> Vec<RunRecord> {
    runs.sort_by(|a, b| (b.created_at_ms, &b.run_id).cmp(&(a.created_at_ms, &a.run_id)));
    runs
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn sharded_pages_are_the_unsharded_pages(
        times in prop::collection::vec((0u64..40, 0u8..4), 0..120),
        shards in 1u32..9,
        limit in 1usize..12,
        status in prop::option::of(0u8..4),
    ) {
        let all: Vec<RunRecord> = times.iter().enumerate().map(|(i, (t, s))| run(i, *t, *s)).collect();
        let mut by_shard = vec![Vec::new(); shards as usize];
        for r in &all {
            by_shard[shard::of(&r.run_id, shards) as usize].push(r.clone());
        }
        let by_shard: Vec<Vec<RunRecord>> = by_shard.into_iter().map(newest_first).collect();
        let all = newest_first(all);
        let filter = RunFilter { status: status.map(|s| run(0, 0, s).status), ..RunFilter::default() };
        let mut q = RunsQuery { filter, limit, cursor: None };
        let mut pages = 0;
        loop {
            let want = runs_page(all.clone(), &q);
            let got = merge_runs_pages(&q, by_shard.iter().map(|s| runs_page(s.clone(), &q)).collect());
            prop_assert_eq!(&got, &want);
            pages += 1;
            prop_assert!(pages <= all.len() + 1);
            match got.1 {
                Some(c) => q.cursor = Some(c),
                None => break,
            }
        }
    }
}

#[test]
fn a_full_shard_with_more_makes_the_merged_page_say_more() {
    // Two shards; the first is full with more behind it, the second empty.
    let (items, more) = merge_pages(vec![(vec![1, 2], true), (vec![], false)], 2, |x: &i32| *x);
    assert_eq!((items, more), (vec![1, 2], true));
    let (items, more) = merge_pages(vec![(vec![1, 3], false), (vec![2], false)], 2, |x: &i32| *x);
    assert_eq!((items, more), (vec![1, 2], true));
    let (items, more) = merge_pages(vec![(vec![1], false), (vec![2], false)], 2, |x: &i32| *x);
    assert_eq!((items, more), (vec![1, 2], false));
    let (items, more): (Vec<i32>, bool) = merge_pages(vec![(vec![], false)], 2, |x: &i32| *x);
    assert_eq!((items, more), (vec![], false));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// The run found by counting is the one at index `m` of the sorted runs,
    /// and the prune it decides is core's `prune_plan`.
    #[test]
    fn the_nth_newest_is_found_by_counting(
        times in prop::collection::vec((0u64..2_000_000_000, 0u8..4), 1..150),
        ties in 0u64..5,
        m_frac in 0.0f64..1.0,
    ) {
        use greenside_core::listing::{NthNewest, prune_due_from, prune_plan};
        // Few distinct times when `ties` is small, so ties are common.
        let all: Vec<RunRecord> = times.iter().enumerate()
            .map(|(i, (t, s))| run(i, if ties == 0 { *t } else { t % (ties * 3) }, *s)).collect();
        let sorted = newest_first(all.clone());
        let m = ((sorted.len() as f64 - 1.0) * m_frac) as u64;
        let count_from = |t: u64| all.iter().filter(|r| r.created_at_ms >= t).count() as u64;
        let oldest = all.iter().map(|r| r.created_at_ms).min().unwrap();
        let newest = all.iter().map(|r| r.created_at_ms).max().unwrap();
        let mut search = NthNewest::new(m, oldest, newest);
        let mut rounds = 0;
        let t = loop {
            if let Some(t) = search.time() { break t; }
            let probes = search.probes();
            let counts: Vec<u64> = probes.iter().map(|p| count_from(*p)).collect();
            search.narrow(&probes, &counts);
            rounds += 1;
            prop_assert!(rounds < 20);
        };
        let at_t: Vec<String> = all.iter().filter(|r| r.created_at_ms == t).map(|r| r.run_id.clone()).collect();
        let boundary = search.pick(t, count_from(t + 1), at_t).unwrap();
        let want = &sorted[m as usize];
        prop_assert_eq!(&boundary, &(want.created_at_ms, want.run_id.clone()));
        let now = 2_000_000_000;
        let plan = prune_plan(&sorted, Some(m), Some(1_000_000_000), now);
        let ours: Vec<String> = sorted.iter()
            .filter(|r| prune_due_from(r, Some(&boundary), Some(1_000_000_000), now))
            .map(|r| r.run_id.clone()).collect();
        prop_assert_eq!(ours, plan);
    }
}
