//! The scorecard, the stats and strokes gained, read from a round.
//!
//! Per hole the round reached and played (a fix, or a number entered):
//!
//! | number | from the GPS | the golfer's entry |
//! | --- | --- | --- |
//! | putts | the putts the GPS saw (moves on the green) plus the putts a tour player takes from where the ball last rested on the green, rounded (`ESTIMATE`) | `putts` (`HAND`, the taps) |
//! | penalties | one per shot that came to rest in water or out of bounds (`SUGGESTED`) | `penalties` (`HAND`, 0 removes the suggestion) |
//! | strokes | shots from off the green + putts + penalties (`GPS`) | `strokes` (`HAND`) |
//! | fairway hit | par 4 and 5: the tee shot came to rest on the fairway | `fairway_hit` |
//! | green in regulation | on the green after at most par − 2 strokes (shots + their penalties) | `gir` |
//!
//! A **sand save** is tried when the last shot from off the green was from a
//! bunker within [`AROUND_GREEN_M`] of the cup, and made when one putt
//! followed; an **up and down** is tried when the green was missed in
//! regulation and the last shot from off the green was from within
//! [`AROUND_GREEN_M`], made the same way.
//!
//! Strokes gained (`strokes_gained.rs` has the baseline and its source):
//! each shot from off the green is `E(before) − E(after) − 1 − its penalty`,
//! the first from the tee; after a shot out of bounds the ball is played
//! again from where it was (stroke and distance), after one into water from
//! the rough at the same distance (a drop). Putting is `E(green, first putt)
//! − putts` when the putts are known (the GPS's or the golfer's, not an
//! estimate). The hole is `E(tee, first shot) − strokes`.

use super::strokes_gained::{AROUND_GREEN_M, Category, Lie, category, estimated_putts, expected};
use super::{RoundHole, RoundRecord};
use crate::classify::Surface;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// Where a number came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Source {
    /// Entered by the golfer.
    Hand,
    /// Counted from the fixes.
    Gps,
    /// Estimated from the first putt's length.
    Estimate,
    /// Suggested from where the ball came to rest (water, out of bounds).
    Suggested,
}

/// One shot's worth.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShotValue {
    pub number: u32,
    pub category: Category,
    pub from_surface: Surface,
    pub to_surface: Surface,
    pub length_m: f64,
    pub from_cup_m: f64,
    pub to_cup_m: f64,
    /// Penalty strokes it cost (water, out of bounds).
    pub penalty: u8,
    pub strokes_gained: f64,
}

/// One hole of the scorecard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HoleScore {
    pub hole_id: u32,
    pub par: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length_m: Option<f64>,
    /// The round reached the hole.
    pub reached: bool,
    /// Strokes, when the hole was played.
    pub strokes: Option<u8>,
    pub strokes_source: Option<Source>,
    pub putts: Option<u8>,
    pub putts_source: Option<Source>,
    pub penalties: u8,
    pub penalties_source: Option<Source>,
    /// `null` on a par 3, or before the tee shot.
    pub fairway_hit: Option<bool>,
    pub gir: Option<bool>,
    /// `null` when not tried.
    pub sand_save: Option<bool>,
    pub up_and_down: Option<bool>,
    /// Strokes against par.
    pub to_par: Option<i32>,
    /// Metres of the first putt (where the ball first rested on the green, to the cup).
    pub first_putt_m: Option<f64>,
    /// The shots the GPS saw, with what each gained.
    pub shots: Vec<ShotValue>,
    pub strokes_gained: Option<f64>,
    pub strokes_gained_putting: Option<f64>,
}

/// Totals of some holes (the front nine, the back nine, all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Totals {
    /// Holes with strokes.
    pub holes: u32,
    pub strokes: u32,
    /// Par of those holes.
    pub par: u32,
    pub to_par: i32,
    pub putts: u32,
}

/// A made / tried count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ratio {
    pub made: u32,
    pub of: u32,
}

impl Ratio {
    fn add(&mut self, v: Option<bool>) {
        if let Some(made) = v {
            self.of += 1;
            self.made += u32::from(made);
        }
    }
}

/// Strokes gained by category and in all.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StrokesGained {
    pub off_the_tee: f64,
    pub approach: f64,
    pub around_the_green: f64,
    pub putting: f64,
    /// The holes' totals (`E(tee) − strokes` summed): equal to the four
    /// categories when every shot was seen.
    pub total: f64,
}

/// How many holes ended at each score against par.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScoreCounts {
    pub eagles_or_better: u32,
    pub birdies: u32,
    pub pars: u32,
    pub bogeys: u32,
    pub double_bogeys_or_worse: u32,
}

/// The round's stats.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stats {
    pub fairways: Ratio,
    pub greens_in_regulation: Ratio,
    pub sand_saves: Ratio,
    pub up_and_downs: Ratio,
    pub putts: u32,
    /// Putts per hole with putts (`null` before any).
    pub putts_per_hole: Option<f64>,
    pub penalties: u32,
    pub scores: ScoreCounts,
    pub strokes_gained: StrokesGained,
}

/// The whole scorecard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Scorecard {
    pub holes: Vec<HoleScore>,
    /// The course's first nine holes (in its order), the rest, and all.
    pub out: Totals,
    #[serde(rename = "in")]
    pub in_: Totals,
    pub total: Totals,
    pub stats: Stats,
}

fn penalty_of(s: Surface) -> u8 {
    u8::from(matches!(s, Surface::Water | Surface::OutOfBounds))
}

fn clamp_u8(n: u32) -> u8 {
    u8::try_from(n).unwrap_or(u8::MAX)
}

/// A hole's numbers.
pub fn hole_score(h: &RoundHole) -> HoleScore {
    let reached = h.reached_at_ms.is_some();
    let hand = h.hand;
    let off_green: Vec<_> = h.shots.iter().filter(|s| s.shot.from_surface != Surface::Green).collect();
    let gps_putts = clamp_u8(h.shots.iter().filter(|s| s.shot.from_surface == Surface::Green).count() as u32);
    let suggested = clamp_u8(h.shots.iter().map(|s| u32::from(penalty_of(s.shot.to_surface))).sum());
    let (penalties, penalties_source) = match hand.penalties {
        Some(p) => (p, Some(Source::Hand)),
        None => (suggested, (suggested > 0).then_some(Source::Suggested)),
    };
    let (putts, putts_source) = match (hand.putts, h.rest_cup_m) {
        (Some(p), _) => (Some(p), Some(Source::Hand)),
        (None, Some(d)) => (Some(gps_putts.saturating_add(estimated_putts(d))), Some(Source::Estimate)),
        (None, None) if gps_putts > 0 => (Some(gps_putts), Some(Source::Gps)),
        (None, None) => (None, None),
    };
    let played = h.fixes > 0 || hand.strokes.is_some();
    let (strokes, strokes_source) = match hand.strokes {
        Some(s) => (Some(s), Some(Source::Hand)),
        None if played && (!off_green.is_empty() || putts.is_some()) => {
            let n = off_green.len() as u32 + u32::from(putts.unwrap_or(0)) + u32::from(penalties);
            (Some(clamp_u8(n)), Some(Source::Gps))
        }
        None => (None, None),
    };
    let fairway_hit = hand
        .fairway_hit
        .or_else(|| (h.par >= 4).then(|| h.shots.first().map(|s| s.shot.to_surface == Surface::Fairway)).flatten());
    let regulation = u32::from(h.par.saturating_sub(2));
    let gir = hand.gir.or_else(|| match h.green {
        Some(g) => {
            let pens: u32 = h
                .shots
                .iter()
                .filter(|s| s.shot.number <= g.after_shots)
                .map(|s| u32::from(penalty_of(s.shot.to_surface)))
                .sum();
            Some(g.after_shots + pens <= regulation)
        }
        None => (off_green.len() as u32 > regulation).then_some(false),
    });
    let last_off = off_green.last();
    let one_putt = putts.map(|p| p <= 1);
    let short = last_off.filter(|s| s.from_cup_m <= AROUND_GREEN_M && h.green.is_some());
    let sand_save = short.filter(|s| s.shot.from_surface == Surface::Bunker).and(one_putt);
    let up_and_down = short.filter(|_| gir == Some(false)).and(one_putt);
    // Strokes gained of the shots from off the green.
    let shot_penalty = |s: Surface| if hand.penalties == Some(0) { 0 } else { penalty_of(s) };
    let values: Vec<ShotValue> = off_green
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let first = i == 0 && s.shot.number == 1;
            let before_lie = if first { Lie::Tee } else { Lie::of(s.shot.from_surface) };
            let before = expected(before_lie, s.from_cup_m);
            let after = match s.shot.to_surface {
                Surface::OutOfBounds => before,
                to => expected(Lie::of(to), s.to_cup_m),
            };
            let penalty = shot_penalty(s.shot.to_surface);
            ShotValue {
                number: s.shot.number,
                category: category(first, h.par, s.from_cup_m),
                from_surface: s.shot.from_surface,
                to_surface: s.shot.to_surface,
                length_m: s.shot.length_m,
                from_cup_m: s.from_cup_m,
                to_cup_m: s.to_cup_m,
                penalty,
                strokes_gained: before - after - 1.0 - f64::from(penalty),
            }
        })
        .collect();
    let first_putt_m = h.green.map(|g| g.cup_m);
    let strokes_gained_putting = match (putts_source, first_putt_m, putts) {
        (Some(Source::Hand | Source::Gps), Some(d), Some(p)) => Some(expected(Lie::Green, d) - f64::from(p)),
        _ => None,
    };
    let strokes_gained = match (strokes, h.shots.first()) {
        (Some(n), Some(s)) if s.shot.number == 1 => Some(expected(Lie::Tee, s.from_cup_m) - f64::from(n)),
        _ => None,
    };
    HoleScore {
        hole_id: h.hole_id,
        par: h.par,
        length_m: h.length_m,
        reached,
        strokes,
        strokes_source,
        putts,
        putts_source,
        penalties,
        penalties_source,
        fairway_hit,
        gir,
        sand_save,
        up_and_down,
        to_par: strokes.map(|s| i32::from(s) - i32::from(h.par)),
        first_putt_m,
        shots: values,
        strokes_gained,
        strokes_gained_putting,
    }
}

fn totals<'a>(holes: impl Iterator<Item = &'a HoleScore>) -> Totals {
    let mut t = Totals::default();
    for h in holes {
        if let Some(s) = h.strokes {
            t.holes += 1;
            t.strokes += u32::from(s);
            t.par += u32::from(h.par);
            t.putts += u32::from(h.putts.unwrap_or(0));
        }
    }
    t.to_par = i32::try_from(t.strokes).unwrap_or(i32::MAX) - i32::try_from(t.par).unwrap_or(i32::MAX);
    t
}

/// The round's scorecard and stats.
pub fn scorecard(rec: &RoundRecord) -> Scorecard {
    let holes: Vec<HoleScore> = rec.holes.iter().map(hole_score).collect();
    let mut stats = Stats::default();
    let (mut putt_holes, mut sg) = (0u32, StrokesGained::default());
    for h in &holes {
        if h.strokes.is_none() {
            continue;
        }
        stats.fairways.add(h.fairway_hit);
        stats.greens_in_regulation.add(h.gir);
        stats.sand_saves.add(h.sand_save);
        stats.up_and_downs.add(h.up_and_down);
        if let Some(p) = h.putts {
            stats.putts += u32::from(p);
            putt_holes += 1;
        }
        stats.penalties += u32::from(h.penalties);
        let c = &mut stats.scores;
        match h.to_par.unwrap_or(0) {
            i32::MIN..=-2 => c.eagles_or_better += 1,
            -1 => c.birdies += 1,
            0 => c.pars += 1,
            1 => c.bogeys += 1,
            _ => c.double_bogeys_or_worse += 1,
        }
        for s in &h.shots {
            match s.category {
                Category::OffTheTee => sg.off_the_tee += s.strokes_gained,
                Category::Approach => sg.approach += s.strokes_gained,
                Category::AroundTheGreen => sg.around_the_green += s.strokes_gained,
                Category::Putting => sg.putting += s.strokes_gained,
            }
        }
        sg.putting += h.strokes_gained_putting.unwrap_or(0.0);
        sg.total += h.strokes_gained.unwrap_or(0.0);
    }
    stats.putts_per_hole = (putt_holes > 0).then(|| f64::from(stats.putts) / f64::from(putt_holes));
    stats.strokes_gained = sg;
    Scorecard {
        out: totals(holes.iter().take(9)),
        in_: totals(holes.iter().skip(9)),
        total: totals(holes.iter()),
        holes,
        stats,
    }
}
