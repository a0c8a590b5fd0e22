//! The offline-first client's outbox: fixes applied locally and kept until
//! the server confirms them. The `seq` rules live here, so the npm package
//! only converts and calls out.
//!
//! ```text
//! add_fix: fix without seq → next_seq ─► operation::apply ─► applied? keep it, next_seq = seq + 1
//! sync:    next_batch() ─► POST set_ball_locations ─► confirm(hole_state.last_seq) drops seq ≤ last_seq
//! ```
//!
//! A fix the server already had is skipped there by its `seq`, never counted
//! twice, so a sync can be retried at any time.

use crate::api::{self, BallFix, SetBallRequest};
use crate::classify::PreparedHole;
use crate::error::ApiError;
use crate::operation::{self, Applied, Operation};
use crate::rules::Rules;
use crate::session::SessionRecord;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// A `set_ball_locations` body, as `sync` sends it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncBody {
    pub contract_version: String,
    pub session_id: String,
    pub fixes: Vec<BallFix>,
}

/// What `sync` reads of a `set_ball_locations` answer
/// ([`api::SetBallsResponse`]): the counts and the `last_seq` that confirms
/// fixes; every other field is ignored (a client in the browser then reads
/// three numbers, not the whole `hole_state`: 1 KB of the package's wasm
/// instead of 14). The test below holds it to the response type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct SyncAck {
    pub applied: u32,
    pub skipped_duplicates: u32,
    pub hole_state: AckedState,
}

/// The part of `hole_state` a sync needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct AckedState {
    /// The highest `seq` the session has accepted (`None` before any).
    pub last_seq: Option<u64>,
}

/// Applied fixes the server has not confirmed, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Outbox {
    fixes: Vec<BallFix>,
    /// The `seq` the next fix without one gets.
    next_seq: u64,
}

impl Default for Outbox {
    fn default() -> Self {
        Outbox { fixes: Vec::new(), next_seq: 1 }
    }
}

impl Outbox {
    /// Applies a fix to the local record and keeps it for the server when it
    /// changed the record. A fix without `seq` gets one more than the last
    /// applied; a repeated `seq` is acknowledged and not kept.
    pub fn add_fix(
        &mut self,
        rec: &mut SessionRecord,
        mut fix: BallFix,
        hole: &PreparedHole,
        rules: &Rules,
        now_ms: u64,
    ) -> Result<Applied, ApiError> {
        let seq = *fix.seq.get_or_insert(self.next_seq);
        let op = Operation::SetBallLocation(SetBallRequest { session_id: rec.session_id.clone(), fix });
        let applied = operation::apply(rec, &op, hole, rules, now_ms)?;
        if applied.save {
            self.next_seq = self.next_seq.max(seq.saturating_add(1));
            if let Operation::SetBallLocation(r) = op {
                self.fixes.push(r.fix);
            }
        }
        Ok(applied)
    }

    /// The fixes not confirmed yet, oldest first.
    pub fn pending(&self) -> &[BallFix] {
        &self.fixes
    }

    /// The next `set_ball_locations` body (at most [`api::MAX_BATCH_FIXES`]
    /// fixes), or `None` when nothing is pending.
    pub fn next_batch(&self, session_id: &str) -> Option<SyncBody> {
        if self.fixes.is_empty() {
            return None;
        }
        let n = self.fixes.len().min(api::MAX_BATCH_FIXES);
        Some(SyncBody {
            contract_version: api::contract_version(),
            session_id: session_id.into(),
            fixes: self.fixes[..n].to_vec(),
        })
    }

    /// Drops every fix the server has accepted (`seq` up to its `last_seq`);
    /// returns how many went. Zero means the server confirmed nothing: a
    /// sync stops rather than send the same batch again.
    pub fn confirm(&mut self, last_seq: u64) -> usize {
        let before = self.fixes.len();
        self.fixes.retain(|f| f.seq.is_some_and(|s| s > last_seq));
        before - self.fixes.len()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_sync_ack_reads_the_batch_answer() {
        let course = crate::course::Course::from_json(crate::example::RIVERSIDE_COURSE_JSON).unwrap();
        let hole = course.prepare_hole(1).unwrap();
        let rules = Rules::default();
        let start = api::StartRequest { course_id: "riverside".into(), hole_id: 1, units: Default::default() };
        let mut rec =
            crate::session::start(&start, "gs_0123456789abcdef0123456789abcdef".into(), 1, &hole, &rules, 0).unwrap();
        rec.last_seq = Some(41);
        let answer =
            api::SetBallsResponse { hole_state: crate::session::hole_state(&rec), applied: 3, skipped_duplicates: 2 };
        let text = serde_json::to_string(&answer).unwrap();
        let ack: SyncAck = serde_json::from_str(&text).unwrap();
        assert_eq!(ack, SyncAck { applied: 3, skipped_duplicates: 2, hole_state: AckedState { last_seq: Some(41) } });
    }
}
