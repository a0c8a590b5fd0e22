//! `POST /runs/v1/prune` and the retention sweeper: which runs go (the
//! newest-`max_runs` boundary found by counting, the age limit), the
//! report and the answer, and the retention limits.

use super::RunCursor;
use crate::run::RunRecord;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Finds the run at index `m` of the newest-first order over several
/// shards by counting runs, never by reading them: a search on the time in
/// which each round asks every shard how many runs are at or after each of
/// a few probe times (`count_from`), then the runs at the time found decide
/// the tie. Redis (`ZCOUNT`) and the edge's run-log shards (`COUNT(*)`) both
/// prune by the global `max_runs` through it.
#[derive(Debug, Clone)]
pub struct NthNewest {
    m: u64,
    /// `count_from(lo) > m` and `count_from(hi + 1) <= m` throughout.
    lo: u64,
    hi: u64,
}

/// Probe times per round: a round shrinks the range about 32 times.
const PROBES: u64 = 31;

impl NthNewest {
    /// For `m` below the number of runs, whose times span `oldest..=newest`.
    pub fn new(m: u64, oldest: u64, newest: u64) -> NthNewest {
        NthNewest { m, lo: oldest, hi: newest.max(oldest) }
    }

    /// The times to count from next (none once the time is found).
    pub fn probes(&self) -> Vec<u64> {
        let span = self.hi - self.lo;
        let mut p: Vec<u64> = (1..=PROBES)
            .map(|j| self.lo + ((u128::from(span) * u128::from(j)).div_ceil(u128::from(PROBES)) as u64))
            .filter(|t| *t > self.lo)
            .collect();
        p.dedup();
        p
    }

    /// Takes the summed `count_from` of every probe (in `probes()` order).
    pub fn narrow(&mut self, probes: &[u64], counts: &[u64]) {
        for (t, n) in probes.iter().zip(counts) {
            if *n > self.m {
                self.lo = self.lo.max(*t);
            } else {
                self.hi = self.hi.min(t.saturating_sub(1));
            }
        }
        self.hi = self.hi.max(self.lo);
    }

    /// The time of the run at index `m`, once found.
    pub fn time(&self) -> Option<u64> {
        (self.lo == self.hi).then_some(self.lo)
    }

    /// The run at index `m`: `newer` runs are after time `t`, and `at_t` are
    /// the ids of the runs at `t` (any order, every shard's).
    pub fn pick(&self, t: u64, newer: u64, mut at_t: Vec<String>) -> Option<RunCursor> {
        at_t.sort_by(|a, b| b.cmp(a));
        let i = usize::try_from(self.m.checked_sub(newer)?).ok()?;
        at_t.into_iter().nth(i).map(|id| (t, id))
    }
}

/// Whether a prune deletes `r` given the run at index `max_runs` (found by
/// [`NthNewest`]; every run at or before it in the newest-first order is
/// beyond the limit): [`prune_due`] for stores that do not walk every run.
pub fn prune_due_from(r: &RunRecord, boundary: Option<&RunCursor>, max_age_ms: Option<u64>, now_ms: u64) -> bool {
    let beyond = boundary.is_some_and(|(t, id)| (r.created_at_ms, &r.run_id) <= (*t, id));
    let too_old = max_age_ms.is_some_and(|a| now_ms.saturating_sub(r.created_at_ms) > a);
    r.status.is_terminal() && (beyond || too_old)
}

/// Which terminal runs a prune deletes: older than `max_age_ms`, or beyond
/// the newest `max_runs` runs. Non-terminal runs are always kept.
pub fn prune_plan(
    all_newest_first: &[RunRecord],
    max_runs: Option<u64>,
    max_age_ms: Option<u64>,
    now_ms: u64,
) -> Vec<String> {
    all_newest_first
        .iter()
        .enumerate()
        .filter(|(i, r)| prune_due(*i as u64, r, max_runs, max_age_ms, now_ms))
        .map(|(_, r)| r.run_id.clone())
        .collect()
}

/// Whether a prune deletes `r`, the run at `index` in the newest-first order:
/// terminal, and beyond the newest `max_runs` or older than `max_age_ms`.
/// Stores that walk their own index ask this run by run.
pub fn prune_due(index: u64, r: &RunRecord, max_runs: Option<u64>, max_age_ms: Option<u64>, now_ms: u64) -> bool {
    let too_many = max_runs.is_some_and(|m| index >= m);
    let too_old = max_age_ms.is_some_and(|a| now_ms.saturating_sub(r.created_at_ms) > a);
    r.status.is_terminal() && (too_many || too_old)
}

/// What a prune did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PruneReport {
    pub scanned: u64,
    pub deleted: u64,
    pub kept: u64,
    /// The deleted run ids (debug bundles are removed with them).
    #[serde(skip)]
    pub deleted_ids: Vec<String>,
}

/// The body of `POST /runs/v1/prune`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PruneResponse {
    /// Runs looked at.
    pub scanned: u64,
    /// Runs deleted.
    pub deleted: u64,
    /// Runs kept.
    pub kept: u64,
    /// Debug bundles deleted with their runs.
    pub bundles_deleted: u64,
    /// The limits this prune used.
    pub max_runs: u64,
    pub max_age_days: u64,
}

/// How many runs to keep and for how long: what `POST /runs/v1/prune`
/// and the retention sweeper apply, on every run store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub max_runs: u64,
    pub max_age_days: u64,
}

/// A day in milliseconds.
pub const DAY_MS: u64 = 86_400_000;

impl Retention {
    /// The platform's defaults, `RUNS_PRUNE_MAX_RUNS` and
    /// `RUNS_PRUNE_MAX_AGE_DAYS`, from the variable table.
    pub fn from_lookup(get: crate::variables::Lookup<'_>) -> Result<Retention, crate::variables::InvalidVariable> {
        let count = |k: &str| crate::variables::count(get, k).map(Option::unwrap_or_default);
        Ok(Retention { max_runs: count("RUNS_PRUNE_MAX_RUNS")?, max_age_days: count("RUNS_PRUNE_MAX_AGE_DAYS")? })
    }

    /// A prune request's limits, each the platform's default (`RUNS_PRUNE_MAX_RUNS`,
    /// `RUNS_PRUNE_MAX_AGE_DAYS`) where the body leaves it out.
    pub fn of(req: &crate::api::PruneRequest, defaults: Retention) -> Retention {
        Retention {
            max_runs: req.max_runs.unwrap_or(defaults.max_runs),
            max_age_days: req.max_age_days.unwrap_or(defaults.max_age_days),
        }
    }

    /// The age limit in milliseconds (saturating: ten years fits many times).
    pub const fn max_age_ms(&self) -> u64 {
        self.max_age_days.saturating_mul(DAY_MS)
    }

    /// The body of `POST /runs/v1/prune`.
    pub fn body(&self, report: &PruneReport, bundles_deleted: usize) -> Value {
        crate::json::to_value(&PruneResponse {
            scanned: report.scanned,
            deleted: report.deleted,
            kept: report.kept,
            bundles_deleted: bundles_deleted as u64,
            max_runs: self.max_runs,
            max_age_days: self.max_age_days,
        })
    }
}
