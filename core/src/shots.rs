//! Shots: where the ball came to rest, and each move of it, as the
//! session's fixes show them.
//!
//! The session keeps the ball's **lie** (the position it rests at: the first
//! fix, then each confirmed new position). A fix **moved** from a position
//! when it is farther from it than
//!
//! ```text
//! max(SHOT_MIN_DISTANCE_M, 2.4477 · sqrt(σ₁² + σ₂²))
//! ```
//!
//! where σ₁, σ₂ are the two fixes' per-axis standard deviations (from their
//! accuracy, as `surface_confidence` uses them) and 2.4477 = sqrt(−2 ln 0.05):
//! the radius inside which two fixes of one resting ball fall 95 % of the
//! time. So noisier fixes need a longer move.
//!
//! A fix that moved from the lie starts (or continues) a **pending** new
//! position; `SHOT_CONFIRM_FIXES` consecutive fixes that moved from the lie
//! and not from the pending position's first fix confirm it: the session
//! records a shot from the lie to that first fix, and it becomes the lie. A
//! fix back at the lie drops the pending position (a stray fix, not a shot).
//! A repeated fix (its `seq` already accepted) never reaches this code, so a
//! replay never makes a second shot. A move shorter than the threshold (most
//! putts, with phone GPS) is not seen.
//!
//! A session keeps its newest [`MAX_SHOTS`] shots (numbers go on counting),
//! so a session's record, and the memory a server holds for it, is bounded
//! whatever a client sends.

use crate::classify::{Classification, Surface};
use crate::geometry::{LatLon, LocalXY};
use crate::rules::Rules;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// sqrt(−2 ln 0.05): the 95 % radius, in standard deviations, of a circular normal.
pub const MOVE_SIGMAS: f64 = 2.447_746_830_680_816;

/// The shots a session keeps: far beyond any hole's, a bound on a record's size.
pub const MAX_SHOTS: usize = 100;

/// One shot: the ball moved from one lie to the next.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Shot {
    /// 1 for the first shot of the session.
    pub number: u32,
    pub from_wgs84: LatLon,
    pub to_wgs84: LatLon,
    /// Metres from `from` to `to`.
    pub length_m: f64,
    pub from_surface: Surface,
    pub to_surface: Surface,
    /// The fix (by `fix_count`) that confirmed it, and when.
    pub at_fix: u64,
    pub at_ms: u64,
}

/// A position the ball rests at (or may have moved to).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Spot {
    pub wgs84: LatLon,
    pub local: LocalXY,
    pub surface: Surface,
    pub sigma_m: f64,
    /// Consecutive fixes seen at it (for a pending position).
    pub fixes: u32,
}

impl Spot {
    fn of(wgs84: LatLon, c: &Classification) -> Spot {
        Spot { wgs84, local: c.local, surface: c.surface, sigma_m: c.accuracy_kind.sigma_m(c.accuracy_m), fixes: 1 }
    }

    fn distance(&self, local: LocalXY) -> f64 {
        libm::hypot(local.x - self.local.x, local.y - self.local.y)
    }

    /// True when a fix (at `local`, with `sigma_m`) is away from this spot.
    fn moved(&self, local: LocalXY, sigma_m: f64, rules: &Rules) -> bool {
        let noise = MOVE_SIGMAS * libm::sqrt(self.sigma_m * self.sigma_m + sigma_m * sigma_m);
        self.distance(local) > rules.shot_min_distance_m.max(noise)
    }
}

/// The session's shots and the ball's lie.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Shots {
    pub lie: Option<Spot>,
    pub pending: Option<Spot>,
    pub shots: Vec<Shot>,
}

impl Shots {
    /// Shots so far, counting those beyond [`MAX_SHOTS`] no longer kept.
    pub fn strokes(&self) -> u32 {
        self.shots.last().map_or(0, |s| s.number)
    }

    /// Takes one classified fix; answers the shot it confirmed, if any.
    pub fn step(&mut self, wgs84: LatLon, c: &Classification, rules: &Rules, fix: u64, now_ms: u64) -> Option<Shot> {
        let here = Spot::of(wgs84, c);
        let Some(lie) = self.lie else {
            self.lie = Some(here);
            return None;
        };
        if !lie.moved(here.local, here.sigma_m, rules) {
            self.pending = None;
            return None;
        }
        let pending = match self.pending {
            Some(mut p) if !p.moved(here.local, here.sigma_m, rules) => {
                p.fixes += 1;
                p
            }
            _ => here,
        };
        if pending.fixes < rules.shot_confirm_fixes {
            self.pending = Some(pending);
            return None;
        }
        let shot = Shot {
            number: self.strokes() + 1,
            from_wgs84: lie.wgs84,
            to_wgs84: pending.wgs84,
            length_m: lie.distance(pending.local),
            from_surface: lie.surface,
            to_surface: pending.surface,
            at_fix: fix,
            at_ms: now_ms,
        };
        if self.shots.len() >= MAX_SHOTS {
            self.shots.remove(0);
        }
        self.shots.push(shot);
        self.lie = Some(Spot { fixes: 1, ..pending });
        self.pending = None;
        Some(shot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accuracy::AccuracyKind;

    fn at(x: f64) -> (LatLon, Classification) {
        let c = Classification {
            surface: Surface::Fairway,
            on_green: false,
            distance_to_green_edge_m: -50.0,
            surface_confidence: 1.0,
            accuracy_m: 1.0,
            accuracy_kind: AccuracyKind::P95,
            local: LocalXY { x, y: 0.0 },
        };
        (LatLon { lat: 0.0, lon: x * 1e-5 }, c)
    }

    /// A client that walks a ball forever cannot grow the record: the newest
    /// MAX_SHOTS are kept, and the numbers and strokes go on counting.
    #[test]
    fn a_session_keeps_its_newest_shots_and_counts_them_all() {
        let rules = Rules::default();
        let mut shots = Shots::default();
        let mut fix = 0;
        let total = MAX_SHOTS as u32 + 25;
        for n in 0..=total {
            // Each position 50 m on, held for enough fixes to confirm it.
            for _ in 0..rules.shot_confirm_fixes.max(1) + 1 {
                fix += 1;
                let (p, c) = at(f64::from(n) * 50.0);
                shots.step(p, &c, &rules, fix, fix);
            }
        }
        assert_eq!(shots.strokes(), total);
        assert_eq!(shots.shots.len(), MAX_SHOTS);
        assert_eq!(shots.shots[0].number, total - MAX_SHOTS as u32 + 1);
        assert!(shots.shots.windows(2).all(|w| w[1].number == w[0].number + 1));
    }
}
