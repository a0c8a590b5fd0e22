//! A round: the holes of one course played in turn, each with its shots and
//! track, and the golfer's own entries; the scorecard, the stats and strokes
//! gained are read from it (`score.rs`, `strokes_gained.rs`), the GPX track
//! and the CSV scorecard written from it (`export.rs`).
//!
//! ```text
//! start(course, first hole, tee set, competition) ─► fix … fix ─► (hole detection) ─► fix … ─► set_score / next_hole
//!   every fix: seq new? ─► on an unplayed hole's tee? ─► held (HOLE_CONFIRM_FIXES in a row move the round there)
//!                                                   └─► else: the current hole's shots, track and numbers
//! ```
//!
//! **Hole detection.** A fix on the tee of a hole the round has not reached
//! yet (its tee box, or within [`crate::locate::TEE_NEAR_M`] of one of its
//! tees: [`crate::locate::surface_with_tees`]) is held, not applied. When
//! [`HOLE_CONFIRM_FIXES`] fixes in a row are on that same tee, the round
//! moves to that hole and the held fixes are its first; any other fix ends
//! the run and the held fixes go to the current hole as they came. So one
//! stray fix never moves the round, a skipped hole or another order is
//! followed, and a hole already played is only gone back to by hand
//! ([`next_hole`] with its id).
//!
//! **A hole starts at its tee.** Until a fix is on the current hole's tee,
//! fixes only go to its track (the walk from the last green, or to the first
//! tee): its shots start from the tee. A hole with no tee in the course file
//! starts at its first fix.
//!
//! **The golfer's entries win.** [`set_score`] sets any of strokes, putts,
//! penalties, fairway hit and green in regulation for a hole the round has
//! reached; a set number stays set whatever fixes come later, until the
//! golfer clears it.
//!
//! Rounds are kept, not expired: a store keeps the record as it is (its id,
//! creation time and revision are all it reads).

pub mod export;
pub mod score;
pub mod strokes_gained;

use crate::aim::Units;
use crate::api::{BallFix, RoundStartRequest, ScoreField, SetScoreRequest};
use crate::classify::{PreparedHole, Surface};
use crate::course::Course;
use crate::error::{ApiError, ErrorCode};
use crate::geometry::{LatLon, LocalXY};
use crate::rules::Rules;
use crate::shots::{Shot, Shots};
use crate::yardage::Yardage;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// Version of the persisted round layout.
pub const ROUND_SCHEMA: u32 = 1;
/// Fixes in a row on an unplayed hole's tee that move the round there.
pub const HOLE_CONFIRM_FIXES: usize = 3;
/// Fixes of one hole's track kept for the GPX export (a fix every 2 s for
/// 20 minutes); beyond it every other kept fix is dropped, so the track
/// thins evenly and a record stays bounded whatever a client sends.
pub const MAX_TRACK_FIXES: usize = 600;

/// A point of the track.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrackPoint {
    pub lat: f64,
    pub lon: f64,
    /// The fix's time (its `client_time_ms`, else when it arrived).
    pub t_ms: u64,
    pub surface: Surface,
}

/// A shot of a round: core's [`Shot`] with its distances to the cup.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoundShot {
    pub shot: Shot,
    /// Metres from where it was played to the cup.
    pub from_cup_m: f64,
    /// Metres from where it came to rest to the cup.
    pub to_cup_m: f64,
}

/// When the ball first came to rest on the green.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GreenArrival {
    /// Shots played before (0: the hole's first fix was on the green).
    pub after_shots: u32,
    /// Metres from there to the cup: the first putt's length.
    pub cup_m: f64,
}

/// What the golfer entered for a hole (each stays until cleared).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HandScore {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strokes: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub putts: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub penalties: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fairway_hit: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gir: Option<bool>,
}

/// One hole of the round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoundHole {
    pub hole_id: u32,
    /// From the round's tee set when it gives one, else the hole's.
    pub par: u8,
    /// Metres, from the tee set or the hole, when the course file says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length_m: Option<f64>,
    /// The course's default cup, else the middle of the green.
    pub cup_wgs84: LatLon,
    /// When the round reached the hole (`None`: not yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reached_at_ms: Option<u64>,
    /// The ball's lie and the pending move (its shots are in `shots`).
    #[serde(default)]
    pub lie: Shots,
    #[serde(default)]
    pub shots: Vec<RoundShot>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub green: Option<GreenArrival>,
    /// Metres from the ball's lie to the cup while it rests on the green.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rest_cup_m: Option<f64>,
    /// A fix has been on the hole's tee: its shots start there, and the
    /// fixes before it (the walk from the last green, a round started in
    /// the car park) only go to the track.
    #[serde(default)]
    pub teed: bool,
    /// The ball left the green for off it (the golfer walking to the next
    /// tee): the hole's shots are over, later fixes only go to the track.
    #[serde(default)]
    pub walked_off: bool,
    #[serde(default)]
    pub track: Vec<TrackPoint>,
    /// Fixes applied to the hole (the track may hold fewer).
    #[serde(default)]
    pub fixes: u64,
    #[serde(default)]
    pub hand: HandScore,
}

/// Fixes held while the round may be moving to another hole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PendingHole {
    pub hole_id: u32,
    pub fixes: Vec<HeldFix>,
}

/// A held fix and when it arrived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HeldFix {
    pub fix: BallFix,
    pub at_ms: u64,
}

/// The persisted round: the same bytes in every store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoundRecord {
    pub schema: u32,
    pub round_id: String,
    pub course_id: String,
    pub course_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tee: Option<String>,
    /// Rule 4.3a: distances only, no advice.
    pub competition: bool,
    pub units: Units,
    pub created_at_ms: u64,
    pub updated_at_ms: u64,
    pub revision: u64,
    pub fix_count: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seq: Option<u64>,
    pub current_hole_id: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<PendingHole>,
    /// Every hole of the course, in the course file's order.
    pub holes: Vec<RoundHole>,
    /// The current hole's numbers from its last fix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view: Option<Yardage>,
    /// The ball's last position on the current hole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ball_wgs84: Option<LatLon>,
}

impl RoundRecord {
    /// The round's hole `hole_id`.
    pub fn hole(&self, hole_id: u32) -> Option<&RoundHole> {
        self.holes.iter().find(|h| h.hole_id == hole_id)
    }

    fn hole_mut(&mut self, hole_id: u32) -> Option<&mut RoundHole> {
        self.holes.iter_mut().find(|h| h.hole_id == hole_id)
    }
}

/// The error for an unknown round.
pub fn not_found(round_id: &str) -> ApiError {
    ApiError::new(ErrorCode::RoundNotFound, "no such round").with("round_id", round_id)
}

/// Starts a round on `course`, whose holes `holes` are (prepared, any order).
pub fn start(
    req: &RoundStartRequest,
    round_id: String,
    course: &Course,
    holes: &[&PreparedHole],
    now_ms: u64,
) -> Result<RoundRecord, ApiError> {
    crate::validate::round_id(&round_id)?;
    if let Some(tee) = &req.tee {
        let known = course.holes.iter().any(|h| h.tees.iter().any(|t| t.name.as_deref() == Some(tee)));
        if !known {
            let mut names: Vec<&str> =
                course.holes.iter().flat_map(|h| h.tees.iter().filter_map(|t| t.name.as_deref())).collect();
            names.sort_unstable();
            names.dedup();
            return Err(ApiError::new(ErrorCode::TeeSetNotFound, format!("the course has no tee set named {tee:?}"))
                .field("tee")
                .with("tee_sets", names.join(",")));
        }
    }
    let mut out = Vec::with_capacity(course.holes.len());
    for h in &course.holes {
        let prepared = holes
            .iter()
            .find(|p| p.hole_id == h.hole_id)
            .ok_or_else(|| ApiError::new(ErrorCode::InternalError, "a hole of the course is not prepared"))?;
        let tee = req.tee.as_deref().and_then(|name| h.tees.iter().find(|t| t.name.as_deref() == Some(name)));
        out.push(RoundHole {
            hole_id: h.hole_id,
            par: tee.and_then(|t| t.par).unwrap_or(h.par),
            length_m: tee.and_then(|t| t.dist_m).or(h.dist_m),
            cup_wgs84: prepared.default_cup.unwrap_or_else(|| prepared.green_centroid_wgs84()),
            reached_at_ms: None,
            lie: Shots::default(),
            shots: Vec::new(),
            green: None,
            rest_cup_m: None,
            teed: false,
            walked_off: false,
            track: Vec::new(),
            fixes: 0,
            hand: HandScore::default(),
        });
    }
    let first = match req.start_hole_id {
        Some(id) => {
            out.iter().find(|h| h.hole_id == id).ok_or_else(|| hole_not_found(&req.course_id, id, "start_hole_id"))?;
            id
        }
        None => out.first().map(|h| h.hole_id).ok_or_else(|| hole_not_found(&req.course_id, 1, "course_id"))?,
    };
    let mut rec = RoundRecord {
        schema: ROUND_SCHEMA,
        round_id,
        course_id: course.course_id.clone(),
        course_name: course.name.clone(),
        tee: req.tee.clone(),
        competition: req.competition,
        units: req.units,
        created_at_ms: now_ms,
        updated_at_ms: now_ms,
        revision: 1,
        fix_count: 0,
        last_seq: None,
        current_hole_id: first,
        pending: None,
        holes: out,
        view: None,
        ball_wgs84: None,
    };
    if let Some(h) = rec.hole_mut(first) {
        h.reached_at_ms = Some(now_ms);
    }
    Ok(rec)
}

fn hole_not_found(course_id: &str, hole_id: u32, field: &str) -> ApiError {
    ApiError::new(ErrorCode::HoleNotFound, format!("hole {hole_id} is not on course {course_id}"))
        .field(field)
        .with("hole_id", hole_id)
}

fn touch(rec: &mut RoundRecord, now_ms: u64) {
    rec.revision += 1;
    rec.updated_at_ms = now_ms;
}

fn prepared<'a>(holes: &[&'a PreparedHole], hole_id: u32) -> Result<&'a PreparedHole, ApiError> {
    holes
        .iter()
        .copied()
        .find(|h| h.hole_id == hole_id)
        .ok_or_else(|| ApiError::new(ErrorCode::InternalError, "a hole of the round is not prepared"))
}

/// What a fix did to the round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixOutcome {
    /// Applied to the current hole (and any held fixes before it).
    Applied,
    /// Held: it is on an unplayed hole's tee, the round may be moving there.
    Held,
    /// The round moved to this hole by itself.
    MovedTo(u32),
    /// Its `seq` was already accepted: nothing changed.
    Duplicate,
}

fn on_unplayed_tee(rec: &RoundRecord, holes: &[&PreparedHole], fix: &BallFix, rules: &Rules) -> Option<u32> {
    rec.holes
        .iter()
        .filter(|h| h.hole_id != rec.current_hole_id && h.reached_at_ms.is_none())
        .find(|h| {
            holes
                .iter()
                .find(|p| p.hole_id == h.hole_id)
                .is_some_and(|p| crate::locate::surface_with_tees(p, fix.ball_wgs84, rules).1 == Surface::Tee)
        })
        .map(|h| h.hole_id)
}

/// Takes one fix (checked like a session's). Any error leaves the record as it was.
pub fn add_fix(
    rec: &mut RoundRecord,
    fix: &BallFix,
    holes: &[&PreparedHole],
    rules: &Rules,
    now_ms: u64,
) -> Result<FixOutcome, ApiError> {
    crate::validate::lat_lon("ball_wgs84", fix.ball_wgs84)?;
    if let Some(a) = fix.accuracy_m {
        crate::validate::accuracy("accuracy_m", a)?;
    }
    if let (Some(seq), Some(last)) = (fix.seq, rec.last_seq) {
        if seq <= last {
            return Ok(FixOutcome::Duplicate);
        }
    }
    let held = HeldFix { fix: fix.clone(), at_ms: now_ms };
    let outcome = match (on_unplayed_tee(rec, holes, fix, rules), rec.pending.take()) {
        (Some(id), Some(mut p)) if p.hole_id == id => {
            p.fixes.push(held);
            if p.fixes.len() >= HOLE_CONFIRM_FIXES {
                move_to(rec, id, now_ms);
                for f in &p.fixes {
                    apply_fix(rec, f, holes, rules)?;
                }
                FixOutcome::MovedTo(id)
            } else {
                rec.pending = Some(p);
                FixOutcome::Held
            }
        }
        (Some(id), earlier) => {
            for f in earlier.iter().flat_map(|p| p.fixes.iter()) {
                apply_fix(rec, f, holes, rules)?;
            }
            rec.pending = Some(PendingHole { hole_id: id, fixes: alloc::vec![held] });
            FixOutcome::Held
        }
        (None, earlier) => {
            for f in earlier.iter().flat_map(|p| p.fixes.iter()).chain(core::iter::once(&held)) {
                apply_fix(rec, f, holes, rules)?;
            }
            FixOutcome::Applied
        }
    };
    rec.fix_count += 1;
    if fix.seq.is_some() {
        rec.last_seq = fix.seq;
    }
    touch(rec, now_ms);
    Ok(outcome)
}

/// Takes a batch of fixes in order: all of them or, on an error, none.
pub fn add_fixes(
    rec: &mut RoundRecord,
    fixes: &[BallFix],
    holes: &[&PreparedHole],
    rules: &Rules,
    now_ms: u64,
) -> Result<(u32, u32), ApiError> {
    let mut next = rec.clone();
    let (mut applied, mut duplicates) = (0, 0);
    for (i, f) in fixes.iter().enumerate() {
        match add_fix(&mut next, f, holes, rules, now_ms).map_err(|e| e.with("fix_index", i))? {
            FixOutcome::Duplicate => duplicates += 1,
            _ => applied += 1,
        }
    }
    if applied > 0 {
        next.revision = rec.revision + 1;
        *rec = next;
    }
    Ok((applied, duplicates))
}

fn local(hole: &PreparedHole, p: LatLon) -> LocalXY {
    hole.frame().to_local(p)
}

fn distance(a: LocalXY, b: LocalXY) -> f64 {
    libm::hypot(a.x - b.x, a.y - b.y)
}

/// One fix into the current hole: its track, its shots, the numbers.
fn apply_fix(rec: &mut RoundRecord, f: &HeldFix, holes: &[&PreparedHole], rules: &Rules) -> Result<(), ApiError> {
    let hole = prepared(holes, rec.current_hole_id)?;
    let fix = &f.fix;
    let c = hole.classify(fix.ball_wgs84, fix.accuracy_m, fix.accuracy_kind, rules);
    let at_ms = fix.client_time_ms.unwrap_or(f.at_ms);
    let Some(h) = rec.holes.iter_mut().find(|h| h.hole_id == hole.hole_id) else {
        return Err(ApiError::new(ErrorCode::InternalError, "the current hole is not in the round"));
    };
    let cup = local(hole, h.cup_wgs84);
    h.fixes += 1;
    if h.track.len() >= MAX_TRACK_FIXES {
        let mut i = 0;
        h.track.retain(|_| {
            i += 1;
            i % 2 == 1
        });
    }
    h.track.push(TrackPoint { lat: fix.ball_wgs84.lat, lon: fix.ball_wgs84.lon, t_ms: at_ms, surface: c.surface });
    if !h.teed && !hole.tee_points().is_empty() {
        h.teed = crate::locate::surface_with_tees(hole, fix.ball_wgs84, rules).1 == Surface::Tee;
    } else {
        h.teed = true;
    }
    let before = h.lie.clone();
    let playing = h.teed && !h.walked_off;
    let shot = if playing { h.lie.step(fix.ball_wgs84, &c, rules, h.fixes, at_ms) } else { None };
    if shot.is_some_and(|s| s.from_surface == Surface::Green && !on_or_by_green(s.to_surface)) {
        // Not a putt: the ball was holed and the golfer walks on.
        h.lie = before;
        h.walked_off = true;
    } else if let Some(shot) = shot {
        let from_cup_m = distance(local(hole, shot.from_wgs84), cup);
        let to_cup_m = distance(local(hole, shot.to_wgs84), cup);
        if h.shots.len() >= crate::shots::MAX_SHOTS {
            h.shots.remove(0);
        }
        h.shots.push(RoundShot { shot, from_cup_m, to_cup_m });
        // The shots are kept here: the lie keeps only its last (for its numbering).
        let keep = h.lie.shots.len().saturating_sub(1);
        h.lie.shots.drain(..keep);
    }
    let on_green = h.lie.lie.filter(|l| l.surface == Surface::Green);
    h.rest_cup_m = on_green.map(|l| distance(l.local, cup));
    if let (None, Some(cup_m)) = (h.green, h.rest_cup_m) {
        h.green = Some(GreenArrival { after_shots: h.lie.strokes(), cup_m });
    }
    let cup_wgs84 = h.cup_wgs84;
    rec.view = Some(hole.yardage(fix.ball_wgs84, Some(cup_wgs84), rules.hazard_corridor_m));
    rec.ball_wgs84 = Some(fix.ball_wgs84);
    Ok(())
}

/// Where a putt may end: the green, or just off it.
fn on_or_by_green(s: Surface) -> bool {
    matches!(s, Surface::Green | Surface::Fringe)
}

fn move_to(rec: &mut RoundRecord, hole_id: u32, now_ms: u64) {
    rec.current_hole_id = hole_id;
    rec.view = None;
    rec.ball_wgs84 = None;
    if let Some(h) = rec.hole_mut(hole_id) {
        h.reached_at_ms.get_or_insert(now_ms);
    }
}

/// Moves the round by hand: to `hole_id`, or to the next hole in the
/// course's order (from the current one, wrapping) the round has not reached.
/// Held fixes go to the hole they were held on.
pub fn next_hole(
    rec: &mut RoundRecord,
    hole_id: Option<u32>,
    holes: &[&PreparedHole],
    rules: &Rules,
    now_ms: u64,
) -> Result<(), ApiError> {
    let target = match hole_id {
        Some(id) => {
            rec.hole(id).ok_or_else(|| hole_not_found(&rec.course_id, id, "hole_id"))?;
            id
        }
        None => {
            let at = rec.holes.iter().position(|h| h.hole_id == rec.current_hole_id).unwrap_or(0);
            let n = rec.holes.len();
            (1..=n)
                .map(|k| &rec.holes[(at + k) % n])
                .find(|h| h.reached_at_ms.is_none())
                .map(|h| h.hole_id)
                .ok_or_else(|| {
                    ApiError::new(ErrorCode::NoHoleLeft, "the round has reached every hole; name one").field("hole_id")
                })?
        }
    };
    let pending = rec.pending.take();
    if let Some(p) = &pending {
        // The golfer says where the ball is: the held fixes were on that tee, or the current hole's.
        if p.hole_id != target {
            for f in &p.fixes {
                apply_fix(rec, f, holes, rules)?;
            }
        }
    }
    move_to(rec, target, now_ms);
    if let Some(p) = pending.filter(|p| p.hole_id == target) {
        for f in &p.fixes {
            apply_fix(rec, f, holes, rules)?;
        }
    }
    touch(rec, now_ms);
    Ok(())
}

/// Sets (and clears) the golfer's own numbers for a hole the round has reached.
pub fn set_score(rec: &mut RoundRecord, entry: &SetScoreRequest, now_ms: u64) -> Result<(), ApiError> {
    let course_id = rec.course_id.clone();
    let h = rec.hole_mut(entry.hole_id).ok_or_else(|| hole_not_found(&course_id, entry.hole_id, "hole_id"))?;
    if h.reached_at_ms.is_none() {
        return Err(ApiError::new(
            ErrorCode::HoleNotReached,
            format!("the round has not reached hole {} yet; move to it first (next_hole)", entry.hole_id),
        )
        .field("hole_id")
        .with("hole_id", entry.hole_id));
    }
    for f in &entry.clear {
        match f {
            ScoreField::Strokes => h.hand.strokes = None,
            ScoreField::Putts => h.hand.putts = None,
            ScoreField::Penalties => h.hand.penalties = None,
            ScoreField::FairwayHit => h.hand.fairway_hit = None,
            ScoreField::Gir => h.hand.gir = None,
        }
    }
    let s = entry;
    h.hand.strokes = s.strokes.or(h.hand.strokes);
    h.hand.putts = s.putts.or(h.hand.putts);
    h.hand.penalties = s.penalties.or(h.hand.penalties);
    h.hand.fairway_hit = s.fairway_hit.or(h.hand.fairway_hit);
    h.hand.gir = s.gir.or(h.hand.gir);
    touch(rec, now_ms);
    Ok(())
}

/// The hole session advice is asked for on a round's current hole (Rule
/// 4.3a first: a competition round answers `competition_round`): the hole,
/// its cup, and the ball where it lies (its last rest, else its last fix),
/// the on-green decision committed from that position, as the ball is at
/// rest. Its id is the round's, as a session id (`gs_` and the round's
/// digits): the advice's run names it.
pub fn advice_session(
    rec: &RoundRecord,
    hole: &PreparedHole,
    rules: &Rules,
    now_ms: u64,
) -> Result<crate::session::SessionRecord, ApiError> {
    check_advice_allowed(rec)?;
    let h = rec.hole(rec.current_hole_id).ok_or_else(|| not_found(&rec.round_id))?;
    let start = crate::api::StartRequest { course_id: rec.course_id.clone(), hole_id: h.hole_id, units: rec.units };
    let id =
        format!("{}{}", crate::validate::SESSION_ID_PREFIX, &rec.round_id[crate::validate::ROUND_ID_PREFIX.len()..]);
    let mut s = crate::session::start(&start, id, 0, hole, rules, now_ms)?;
    if s.cup.map(|c| c.wgs84) != Some(h.cup_wgs84) {
        crate::session::set_cup(&mut s, h.cup_wgs84, hole, rules, now_ms)?;
    }
    let ball = h.lie.lie.map(|l| l.wgs84).or(rec.ball_wgs84);
    if let Some(ball_wgs84) = ball {
        let fix = BallFix { ball_wgs84, accuracy_m: None, accuracy_kind: None, seq: None, client_time_ms: None };
        crate::session::set_ball(&mut s, &fix, hole, rules, now_ms)?;
        if let Some(b) = s.ball {
            // At rest: its position decides, with no streak to wait for.
            s.hysteresis.committed = crate::hysteresis::GreenState::from_on_green(b.classification.on_green);
        }
    }
    Ok(s)
}

/// Rule 4.3a: advice is refused on a competition round.
pub fn check_advice_allowed(rec: &RoundRecord) -> Result<(), ApiError> {
    if rec.competition {
        Err(ApiError::new(
            ErrorCode::CompetitionRound,
            "this round is played in competition: the Rules of Golf (Rule 4.3a) allow distances, not advice",
        )
        .with("round_id", rec.round_id.as_str()))
    } else {
        Ok(())
    }
}

/// The current hole, as the golfer reads it during play.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CurrentHole {
    pub hole_id: u32,
    pub par: u8,
    pub length_m: Option<f64>,
    pub cup_wgs84: LatLon,
    pub ball_wgs84: Option<LatLon>,
    /// Where the ball lies (its last confirmed rest).
    pub lie: Option<Surface>,
    /// Shots the GPS has seen on the hole so far.
    pub shots: u32,
    pub green_distances: Option<crate::yardage::GreenDistances>,
    pub hazards: Vec<crate::yardage::Hazard>,
}

/// `round_state`: what every round route answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoundState {
    pub contract_version: String,
    pub round_id: String,
    pub course_id: String,
    pub course_name: String,
    pub tee: Option<String>,
    pub competition: bool,
    pub units: Units,
    pub current: CurrentHole,
    /// The hole the round may be moving to (fixes held on its tee).
    pub pending_hole_id: Option<u32>,
    pub scorecard: score::Scorecard,
    pub fix_count: u64,
    pub last_seq: Option<u64>,
    pub created_at_ms: u64,
    pub updated_at_ms: u64,
    pub revision: u64,
}

/// Answer of `POST /api/round/set_ball_location`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoundFixResponse {
    pub round_state: RoundState,
    /// Fixes taken (applied, or held on a tee the round may move to).
    pub applied: u32,
    /// Fixes whose `seq` was already accepted (acknowledged, not applied).
    pub skipped_duplicates: u32,
}

/// The answer of a round route: `{"round_state": …}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoundResponse {
    pub round_state: RoundState,
}

/// The wire view of a round.
pub fn state(rec: &RoundRecord) -> RoundState {
    let h = rec.hole(rec.current_hole_id);
    let view = rec.view.as_ref();
    RoundState {
        contract_version: crate::api::contract_version(),
        round_id: rec.round_id.clone(),
        course_id: rec.course_id.clone(),
        course_name: rec.course_name.clone(),
        tee: rec.tee.clone(),
        competition: rec.competition,
        units: rec.units,
        current: CurrentHole {
            hole_id: rec.current_hole_id,
            par: h.map_or(0, |h| h.par),
            length_m: h.and_then(|h| h.length_m),
            cup_wgs84: h.map_or(LatLon::new(0.0, 0.0), |h| h.cup_wgs84),
            ball_wgs84: rec.ball_wgs84,
            lie: h.and_then(|h| h.lie.lie).map(|l| l.surface),
            shots: h.map_or(0, |h| h.lie.strokes()),
            green_distances: view.and_then(|v| v.green),
            hazards: view.map(|v| v.hazards.clone()).unwrap_or_default(),
        },
        pending_hole_id: rec.pending.as_ref().map(|p| p.hole_id),
        scorecard: score::scorecard(rec),
        fix_count: rec.fix_count,
        last_seq: rec.last_seq,
        created_at_ms: rec.created_at_ms,
        updated_at_ms: rec.updated_at_ms,
        revision: rec.revision,
    }
}

/// A round in a listing: what is fixed when it starts (its numbers are
/// `GET /api/round/{round_id}`'s), so every store's index holds it as it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoundSummary {
    pub round_id: String,
    pub course_id: String,
    pub course_name: String,
    pub competition: bool,
    pub created_at_ms: u64,
}

/// What a listing shows of a round.
pub fn summary(rec: &RoundRecord) -> RoundSummary {
    RoundSummary {
        round_id: rec.round_id.clone(),
        course_id: rec.course_id.clone(),
        course_name: rec.course_name.clone(),
        competition: rec.competition,
        created_at_ms: rec.created_at_ms,
    }
}

/// A write to a round, decoded by the platform's front.
#[derive(Debug, Clone, PartialEq)]
pub enum RoundOp {
    /// `POST /api/round/set_ball_location`: one fix or a batch.
    SetBallLocation(crate::api::RoundFixRequest),
    /// `POST /api/round/next_hole`.
    NextHole(crate::api::NextHoleRequest),
    /// `POST /api/round/set_score`.
    SetScore(SetScoreRequest),
}

impl RoundOp {
    /// The round the operation writes to.
    pub fn round_id(&self) -> &str {
        match self {
            RoundOp::SetBallLocation(r) => r.round_id(),
            RoundOp::NextHole(r) => &r.round_id,
            RoundOp::SetScore(r) => &r.round_id,
        }
    }
}

/// What [`apply`] decided: the answer's JSON, and whether to save.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundApplied {
    pub answer: Vec<u8>,
    /// False when nothing changed (every fix a repeat).
    pub save: bool,
}

/// Applies `op` to a round on its course's prepared `holes`. On an error
/// the record is left as it was.
pub fn apply(
    rec: &mut RoundRecord,
    op: &RoundOp,
    holes: &[&PreparedHole],
    rules: &Rules,
    now_ms: u64,
) -> Result<RoundApplied, ApiError> {
    let save = match op {
        RoundOp::SetBallLocation(r) => {
            let (applied, skipped_duplicates) = add_fixes(rec, r.fixes(), holes, rules, now_ms)?;
            let answer = RoundFixResponse { round_state: state(rec), applied, skipped_duplicates };
            return Ok(RoundApplied { answer: crate::json::to_vec(&answer), save: applied > 0 });
        }
        RoundOp::NextHole(r) => next_hole(rec, r.hole_id, holes, rules, now_ms).map(|()| true)?,
        RoundOp::SetScore(r) => set_score(rec, r, now_ms).map(|()| true)?,
    };
    Ok(RoundApplied { answer: answer_json(rec), save })
}

/// Answer of `DELETE /api/round/{round_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoundDeleted {
    /// Always true: a round that is not there answers `round_not_found`.
    pub deleted: bool,
    pub round_id: String,
}

impl RoundDeleted {
    pub fn of(round_id: &str) -> RoundDeleted {
        RoundDeleted { deleted: true, round_id: String::from(round_id) }
    }
}

/// `{"round_state": …}` as JSON.
pub fn answer_json(rec: &RoundRecord) -> Vec<u8> {
    crate::json::to_vec(&RoundResponse { round_state: state(rec) })
}
