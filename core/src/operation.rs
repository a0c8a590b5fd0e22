//! One entry point for every write to a session: the platforms decode a
//! request into an [`Operation`], load the record, call [`apply`], and do
//! what the [`Applied`] it returns says: save the record or not, count the
//! [`Events`] in their metrics, and send the [`Answer`].
//!
//! ```text
//! bytes ─► api::decode ─► Operation ─► apply(record, op, hole, rules, now) ─► Applied { answer, save, events }
//!                                        │                                      │
//!                           platform: load (live)                  platform: if save { store.save } ; metrics += events
//! ```
//!
//! No platform matches on a ball or step outcome or reads hysteresis state:
//! what to persist and which metric events happened come back as values.

use crate::advice::PlanType;
use crate::api::{
    HoleStateResponse, SetBallRequest, SetBallResponse, SetBallsRequest, SetBallsResponse, SetCupRequest,
};
use crate::classify::PreparedHole;
use crate::error::ApiError;
use crate::hysteresis::{GreenState, StepOutcome};
use crate::rules::Rules;
use crate::run::RunStatus;
use crate::session::{self, BallOutcome, SessionRecord};
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// A write to one session, decoded and validated by the platform's front.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Operation {
    /// `POST /api/session/set_cup_location`.
    SetCupLocation(SetCupRequest),
    /// `POST /api/session/set_ball_location`.
    SetBallLocation(SetBallRequest),
    /// `POST /api/session/set_ball_locations`: the whole batch or nothing.
    SetBallLocations(SetBallsRequest),
    /// The outcome of an advice call, recorded on the session by the advice flow.
    AdviceResult(AdviceResult),
}

/// What an advice call ended as, for the session to remember.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdviceResult {
    pub session_id: String,
    pub run_id: String,
    pub plan_type: PlanType,
    pub run_status: RunStatus,
}

impl Operation {
    /// The session the operation writes to.
    pub fn session_id(&self) -> &str {
        match self {
            Operation::SetCupLocation(r) => &r.session_id,
            Operation::SetBallLocation(r) => &r.session_id,
            Operation::SetBallLocations(r) => &r.session_id,
            Operation::AdviceResult(r) => &r.session_id,
        }
    }

    /// What the operation does, as a trace span names it: `classify` for a
    /// fix (classification and hysteresis), `classify_batch` for a batch.
    pub fn span_name(&self) -> &'static str {
        match self {
            Operation::SetCupLocation(_) => "set_cup",
            Operation::SetBallLocation(_) => "classify",
            Operation::SetBallLocations(_) => "classify_batch",
            Operation::AdviceResult(_) => "record_advice",
        }
    }
}

/// Metric events of one operation: what the platforms count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Events {
    /// Fixes classified and stepped.
    pub fixes: u32,
    /// Fixes acknowledged but not applied (their `seq` was already accepted).
    pub duplicate_fixes: u32,
    /// Committed switches (and first commits) to `ON_GREEN`.
    pub to_on_green: u32,
    /// Committed switches (and first commits) to `OFF_GREEN`.
    pub to_off_green: u32,
    /// Pending switches that ended without committing.
    pub suppressed_flickers: u32,
}

impl Events {
    /// The header a session's Durable Object answers its events in, beside
    /// its answer body (which the edge front passes on untouched).
    pub const HEADER: &'static str = "x-greenside-events";

    /// The header's value: `fixes,duplicate_fixes,to_on_green,to_off_green,suppressed_flickers`.
    pub fn to_header(&self) -> alloc::string::String {
        alloc::format!(
            "{},{},{},{},{}",
            self.fixes,
            self.duplicate_fixes,
            self.to_on_green,
            self.to_off_green,
            self.suppressed_flickers
        )
    }

    /// [`Events::to_header`] read back; a missing or unreadable count is 0.
    pub fn from_header(value: &str) -> Events {
        let mut n = value.split(',').map(|v| v.trim().parse::<u32>().unwrap_or(0));
        let mut next = || n.next().unwrap_or(0);
        Events {
            fixes: next(),
            duplicate_fixes: next(),
            to_on_green: next(),
            to_off_green: next(),
            suppressed_flickers: next(),
        }
    }

    fn fix(&mut self, out: BallOutcome, committed: GreenState) {
        match out {
            BallOutcome::Duplicate => self.duplicate_fixes += 1,
            BallOutcome::Applied { step, .. } => {
                self.fixes += 1;
                match (step, committed) {
                    (StepOutcome::Switched | StepOutcome::FirstCommit, GreenState::OnGreen) => self.to_on_green += 1,
                    (StepOutcome::Switched | StepOutcome::FirstCommit, GreenState::OffGreen) => self.to_off_green += 1,
                    (StepOutcome::Held { suppressed: true }, _) => self.suppressed_flickers += 1,
                    _ => {}
                }
            }
        }
    }

    /// The transitions as `(state it switched to, count)`, zero counts left out.
    pub fn transitions(&self) -> impl Iterator<Item = (GreenState, u32)> {
        [(GreenState::OnGreen, self.to_on_green), (GreenState::OffGreen, self.to_off_green)]
            .into_iter()
            .filter(|(_, n)| *n > 0)
    }
}

/// The answer of an operation, as the HTTP API sends it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Answer {
    HoleState(HoleStateResponse),
    SetBall(SetBallResponse),
    SetBalls(SetBallsResponse),
}

impl Answer {
    /// The answer's JSON text (the fix answers through the hand-written encoder).
    pub fn to_json(&self) -> Vec<u8> {
        match self {
            Answer::SetBall(a) => a.to_json(),
            Answer::SetBalls(a) => a.to_json(),
            // Strings, numbers and options only: serialization cannot fail.
            Answer::HoleState(a) => serde_json::to_vec(a).unwrap_or_default(),
        }
    }

    /// `applied` as the npm package reports it: whether anything changed.
    pub fn applied(&self) -> bool {
        match self {
            Answer::SetBall(a) => a.applied,
            Answer::SetBalls(a) => a.applied > 0,
            Answer::HoleState(_) => true,
        }
    }
}

/// What [`apply`] decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub answer: Answer,
    /// Whether the record changed and must be saved (a repeated fix changes nothing).
    pub save: bool,
    pub events: Events,
}

/// Applies `op` to a live record. On an error the record is left as it was.
pub fn apply(
    rec: &mut SessionRecord,
    op: &Operation,
    hole: &PreparedHole,
    rules: &Rules,
    now_ms: u64,
) -> Result<Applied, ApiError> {
    let mut events = Events::default();
    let (answer, save) = match op {
        Operation::SetCupLocation(r) => {
            session::set_cup(rec, r.cup_wgs84, hole, rules, now_ms)?;
            (Answer::HoleState(HoleStateResponse { hole_state: session::hole_state(rec) }), true)
        }
        Operation::SetBallLocation(r) => {
            let out = session::set_ball(rec, &r.fix, hole, rules, now_ms)?;
            events.fix(out, rec.hysteresis.committed);
            let applied = matches!(out, BallOutcome::Applied { .. });
            (Answer::SetBall(SetBallResponse { hole_state: session::hole_state(rec), applied }), applied)
        }
        Operation::SetBallLocations(r) => {
            // Atomic: every fix on a copy, kept only when all of them pass.
            let mut next = rec.clone();
            for (i, fix) in r.fixes.iter().enumerate() {
                let out = session::set_ball(&mut next, fix, hole, rules, now_ms).map_err(|e| e.with("fix_index", i))?;
                events.fix(out, next.hysteresis.committed);
            }
            let save = events.fixes > 0;
            if save {
                // One write for the whole batch: the revision moves once.
                next.revision = rec.revision + 1;
                *rec = next;
            }
            let answer = SetBallsResponse {
                hole_state: session::hole_state(rec),
                applied: events.fixes,
                skipped_duplicates: events.duplicate_fixes,
            };
            (Answer::SetBalls(answer), save)
        }
        Operation::AdviceResult(a) => {
            session::apply_advice_result(rec, &a.run_id, a.plan_type, a.run_status, rules, now_ms)?;
            (Answer::HoleState(HoleStateResponse { hole_state: session::hole_state(rec) }), true)
        }
    };
    Ok(Applied { answer, save, events })
}

#[cfg(test)]
mod header_tests {
    use super::Events;

    #[test]
    fn events_cross_a_header_and_come_back() {
        let e = Events { fixes: 3, duplicate_fixes: 1, to_on_green: 2, to_off_green: 0, suppressed_flickers: 7 };
        assert_eq!(e.to_header(), "3,1,2,0,7");
        assert_eq!(Events::from_header(&e.to_header()), e);
        assert_eq!(Events::from_header("4, x"), Events { fixes: 4, ..Events::default() });
    }
}
