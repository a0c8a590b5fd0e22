//! Commit streaks: the debounce between a fix's candidate and the committed
//! ON_GREEN / OFF_GREEN decision (docs/specification.md, section 3).
//!
//! ```text
//! committed UNKNOWN            → the first candidate commits at once
//! candidate == committed       → streak resets to 0 (a pending switch was a flicker)
//! candidate != committed       → streak += 1; at SURFACE_COMMIT_{ON,OFF}_STREAK it commits
//! ```
//!
//! After a switch the streak is 0 again. `step` is pure: state and inputs in,
//! new state and what happened out.

use serde::{Deserialize, Serialize};

/// The committed (or candidate) green decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GreenState {
    #[default]
    Unknown,
    OnGreen,
    OffGreen,
}

impl GreenState {
    pub fn from_on_green(on: bool) -> GreenState {
        if on { GreenState::OnGreen } else { GreenState::OffGreen }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            GreenState::Unknown => "UNKNOWN",
            GreenState::OnGreen => "ON_GREEN",
            GreenState::OffGreen => "OFF_GREEN",
        }
    }
}

/// A change of the committed state.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Transition {
    pub from: GreenState,
    pub to: GreenState,
    pub at_ms: u64,
    /// `fix_count` of the fix that committed it (1 = the session's first fix).
    pub at_fix: u64,
    /// Consecutive agreeing candidates the switch rested on (1 for the first fix).
    pub streak: u32,
    /// Evidence mode: the accumulated log-odds when it switched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<f64>,
}

/// The streak lengths, from configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Streaks {
    pub on: u32,
    pub off: u32,
}

/// What one step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum StepOutcome {
    /// The session's first fix committed from UNKNOWN.
    FirstCommit,
    /// The candidate agreed with the committed state; `suppressed` is true
    /// when this ended a pending switch (a flicker that never committed).
    Held { suppressed: bool },
    /// A switch is pending: `streak` of `needed` candidates so far.
    Pending { streak: u32, needed: u32 },
    /// The committed state switched.
    Switched,
}

/// Hysteresis state as persisted in the session record.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hysteresis {
    pub committed: GreenState,
    pub candidate: GreenState,
    pub streak: u32,
    #[serde(default)]
    pub last_transition: Option<Transition>,
    /// Committed switches so far (the first commit included).
    #[serde(default)]
    pub transitions: u32,
    /// Pending switches that agreeing fixes cancelled.
    #[serde(default)]
    pub suppressed_flickers: u32,
    /// Evidence mode: accumulated log-odds that the ball is on the green, in [−C, +C].
    #[serde(default)]
    pub evidence: f64,
}

impl Hysteresis {
    /// Applies one candidate. `fix_index` is the fix's 1-based number in the session.
    pub fn step(&mut self, on_green: bool, streaks: Streaks, now_ms: u64, fix_index: u64) -> StepOutcome {
        let candidate = GreenState::from_on_green(on_green);
        self.candidate = candidate;
        if self.committed == GreenState::Unknown {
            self.commit(candidate, now_ms, fix_index, 1);
            return StepOutcome::FirstCommit;
        }
        if candidate == self.committed {
            let suppressed = self.streak > 0;
            if suppressed {
                self.suppressed_flickers = self.suppressed_flickers.saturating_add(1);
            }
            self.streak = 0;
            return StepOutcome::Held { suppressed };
        }
        self.streak = self.streak.saturating_add(1);
        let needed = if on_green { streaks.on } else { streaks.off };
        if self.streak >= needed {
            let streak = self.streak;
            self.commit(candidate, now_ms, fix_index, streak);
            StepOutcome::Switched
        } else {
            StepOutcome::Pending { streak: self.streak, needed }
        }
    }

    /// Applies one fix in evidence mode: `step` is its weighted, capped
    /// log-likelihood ratio (`crate::evidence::step_size`). The candidate and
    /// streak are still tracked (for reporting); the switch rests on the evidence.
    pub fn step_evidence(
        &mut self,
        on_green: bool,
        step: f64,
        params: crate::evidence::EvidenceParams,
        now_ms: u64,
        fix_index: u64,
    ) -> StepOutcome {
        let candidate = GreenState::from_on_green(on_green);
        self.candidate = candidate;
        let c = params.clamp;
        if self.committed == GreenState::Unknown {
            self.evidence = step.clamp(-c, c);
            self.commit(candidate, now_ms, fix_index, 1);
            self.set_transition_evidence();
            return StepOutcome::FirstCommit;
        }
        let before = self.evidence;
        self.evidence = (self.evidence + step).clamp(-c, c);
        let pending_before = self.streak > 0;
        self.streak = if candidate == self.committed { 0 } else { self.streak.saturating_add(1) };
        let switch_to = match self.committed {
            GreenState::OffGreen if self.evidence >= c => Some(GreenState::OnGreen),
            GreenState::OnGreen if self.evidence <= -c => Some(GreenState::OffGreen),
            _ => None,
        };
        if let Some(to) = switch_to {
            let streak = self.streak.max(1);
            self.commit(to, now_ms, fix_index, streak);
            self.set_transition_evidence();
            return StepOutcome::Switched;
        }
        // A flicker suppressed: evidence had moved towards a switch and came back.
        let toward = |e: f64| if self.committed == GreenState::OnGreen { -e } else { e };
        if pending_before && candidate == self.committed && toward(self.evidence) < toward(before) {
            self.suppressed_flickers = self.suppressed_flickers.saturating_add(1);
            return StepOutcome::Held { suppressed: true };
        }
        if candidate == self.committed {
            StepOutcome::Held { suppressed: false }
        } else {
            StepOutcome::Pending { streak: self.streak, needed: 0 }
        }
    }

    fn set_transition_evidence(&mut self) {
        if let Some(t) = &mut self.last_transition {
            t.evidence = Some(self.evidence);
        }
    }

    fn commit(&mut self, to: GreenState, at_ms: u64, at_fix: u64, streak: u32) {
        self.last_transition = Some(Transition { from: self.committed, to, at_ms, at_fix, streak, evidence: None });
        self.committed = to;
        self.streak = 0;
        self.transitions = self.transitions.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use GreenState::*;

    fn run(streaks: Streaks, fixes: &[bool]) -> alloc::vec::Vec<(GreenState, u32)> {
        let mut h = Hysteresis::default();
        fixes
            .iter()
            .enumerate()
            .map(|(i, on)| {
                h.step(*on, streaks, i as u64, i as u64 + 1);
                (h.committed, h.streak)
            })
            .collect()
    }

    #[test]
    fn seed_check_first_holds_second_switches() {
        let s = Streaks { on: 2, off: 2 };
        assert_eq!(run(s, &[true, false, false]), [(OnGreen, 0), (OnGreen, 1), (OffGreen, 0)]);
    }

    #[test]
    fn agreeing_candidate_resets_and_counts_a_flicker() {
        let mut h = Hysteresis::default();
        let s = Streaks { on: 3, off: 3 };
        h.step(true, s, 0, 1);
        h.step(false, s, 1, 2);
        h.step(false, s, 2, 3);
        assert_eq!(h.step(true, s, 3, 4), StepOutcome::Held { suppressed: true });
        assert_eq!((h.committed, h.streak, h.suppressed_flickers), (OnGreen, 0, 1));
    }

    #[test]
    fn on_and_off_streaks_differ() {
        let s = Streaks { on: 1, off: 3 };
        let got = run(s, &[false, true, false, false, false]);
        assert_eq!(got, [(OffGreen, 0), (OnGreen, 0), (OnGreen, 1), (OnGreen, 2), (OffGreen, 0)]);
    }
}
