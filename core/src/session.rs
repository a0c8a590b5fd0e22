//! The session state machine. Every function takes the record, the event and
//! `now_ms`, and changes the record or returns a typed error; the platform
//! loads before and saves (compare-and-set on `revision`) after.
//!
//! ```text
//! start ──► set_cup / set_ball (any order, any number) ──► request_advice ──► apply_advice_result
//!   every write: live? (now < expires_at) → apply → touch (revision+1, expires_at = now + TTL)
//! ```

use crate::api::{BallFix, CupSource, HoleState, StartRequest, Warning};
use crate::classify::AccuracyKind;
use crate::classify::{Classification, PreparedHole};
use crate::error::{ApiError, ErrorCode};
use crate::geometry::LatLon;
use crate::hysteresis::{Hysteresis, StepOutcome, Streaks};
use crate::plan::PlanType;
use crate::rules::{HysteresisMode, Rules};
use crate::run::RunStatus;
use crate::shots::Shots;
use crate::yardage::Yardage;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};
use serde_json::Map;

/// Version of the persisted record layout.
pub const RECORD_SCHEMA: u32 = 1;
/// Warning code when the cup is not inside the green.
pub const WARN_CUP_NOT_ON_GREEN: &str = "cup_not_on_green";

/// The cup as the session holds it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cup {
    pub wgs84: LatLon,
    pub source: CupSource,
    /// Signed metres to the green's edge (positive inside).
    pub distance_to_green_edge_m: f64,
}

/// The last accepted ball fix and its classification.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ball {
    pub wgs84: LatLon,
    pub classification: Classification,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_time_ms: Option<u64>,
    pub received_at_ms: u64,
}

/// The last advice call's outcome, as the session remembers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LastAdvice {
    pub run_id: String,
    pub plan_type: PlanType,
    pub status: RunStatus,
    pub at_ms: u64,
}

/// The persisted session: the same bytes in memory, Redis and Durable Objects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionRecord {
    pub schema: u32,
    pub session_id: String,
    pub session_number: u64,
    pub course_id: String,
    pub hole_id: u32,
    pub par: u8,
    pub created_at_ms: u64,
    pub updated_at_ms: u64,
    pub expires_at_ms: u64,
    pub revision: u64,
    pub cup: Option<Cup>,
    pub ball: Option<Ball>,
    pub hysteresis: Hysteresis,
    /// The mode the session was started with (it keeps it for its lifetime).
    #[serde(default)]
    pub hysteresis_mode: HysteresisMode,
    pub fix_count: u64,
    pub last_seq: Option<u64>,
    pub warnings: Vec<Warning>,
    pub last_advice: Option<LastAdvice>,
    /// The golfer's view from the last fix (records written before it have none).
    #[serde(default)]
    pub yardage: Option<Yardage>,
    /// The ball's lie and the shots so far.
    #[serde(default)]
    pub shots: Shots,
    /// The units the golfer reads (layup marks are placed in them).
    #[serde(default)]
    pub units: crate::aim::Units,
    /// The aim points and layup marks ahead of the last fix (`crate::aim`).
    #[serde(default)]
    pub ahead: crate::aim::Ahead,
}

fn cup_warning(hole: &PreparedHole, cup: &Cup) -> Option<Warning> {
    if cup.distance_to_green_edge_m > 0.0 {
        return None;
    }
    let mut details = Map::new();
    details.insert("distance_to_green_edge_m".into(), cup.distance_to_green_edge_m.into());
    details.insert("hole_id".into(), hole.hole_id.into());
    Some(Warning {
        code: String::from(WARN_CUP_NOT_ON_GREEN),
        message: format!(
            "the cup is {:.1} m outside the green of hole {}; check the position",
            -cup.distance_to_green_edge_m, hole.hole_id
        ),
        details,
    })
}

fn make_cup(hole: &PreparedHole, wgs84: LatLon, source: CupSource) -> Cup {
    let (_, d) = hole.signed_green_distance(hole.frame().to_local(wgs84).into());
    Cup { wgs84, source, distance_to_green_edge_m: d }
}

/// Starts a session. `session_id` comes from the platform's CSPRNG
/// ([`crate::validate::session_id_from_random`]) and `session_number` from its counter.
pub fn start(
    req: &StartRequest,
    session_id: String,
    session_number: u64,
    hole: &PreparedHole,
    rules: &Rules,
    now_ms: u64,
) -> Result<SessionRecord, ApiError> {
    crate::validate::session_id(&session_id)?;
    if req.course_id != hole.course_id || req.hole_id != hole.hole_id {
        return Err(ApiError::new(ErrorCode::InternalError, "prepared hole does not match the request"));
    }
    let mut rec = SessionRecord {
        schema: RECORD_SCHEMA,
        session_id,
        session_number,
        course_id: hole.course_id.clone(),
        hole_id: hole.hole_id,
        par: hole.par,
        created_at_ms: now_ms,
        updated_at_ms: now_ms,
        expires_at_ms: 0,
        revision: 0,
        cup: None,
        ball: None,
        hysteresis: Hysteresis::default(),
        hysteresis_mode: rules.hysteresis_mode,
        fix_count: 0,
        last_seq: None,
        warnings: Vec::new(),
        last_advice: None,
        yardage: None,
        shots: Shots::default(),
        units: req.units,
        ahead: crate::aim::Ahead::default(),
    };
    if let Some(c) = hole.default_cup {
        let cup = make_cup(hole, c, CupSource::CourseDefault);
        rec.warnings.extend(cup_warning(hole, &cup));
        rec.cup = Some(cup);
    }
    touch(&mut rec, rules, now_ms);
    Ok(rec)
}

/// True when the session has expired at `now_ms`.
pub fn is_expired(rec: &SessionRecord, now_ms: u64) -> bool {
    now_ms >= rec.expires_at_ms
}

/// What the session has left at `now_ms`: `None` once it has expired (the
/// rule of [`is_expired`]), the milliseconds to its expiry otherwise.
pub fn time_left_ms(rec: &SessionRecord, now_ms: u64) -> Option<u64> {
    (!is_expired(rec, now_ms)).then(|| rec.expires_at_ms - now_ms)
}

/// The whole idle TTL core gave the record at its last write
/// (`expires_at_ms - updated_at_ms`, at least 1 ms): what a store that
/// expires keys itself (Redis) is told.
pub fn ttl_ms(rec: &SessionRecord) -> u64 {
    rec.expires_at_ms.saturating_sub(rec.updated_at_ms).max(1)
}

/// `session_not_found` for an expired record; stores call this on every load.
pub fn check_live(rec: &SessionRecord, now_ms: u64) -> Result<(), ApiError> {
    if is_expired(rec, now_ms) { Err(not_found(&rec.session_id)) } else { Ok(()) }
}

/// The error for an unknown or expired session.
pub fn not_found(session_id: &str) -> ApiError {
    ApiError::new(ErrorCode::SessionNotFound, "no such session (it may have expired)").with("session_id", session_id)
}

/// Records a write: bumps `revision`, slides the expiry.
pub fn touch(rec: &mut SessionRecord, rules: &Rules, now_ms: u64) {
    rec.revision += 1;
    rec.updated_at_ms = now_ms;
    rec.expires_at_ms = now_ms.saturating_add(rules.ttl_ms());
}

pub(crate) fn check_hole(rec: &SessionRecord, hole: &PreparedHole) -> Result<(), ApiError> {
    if rec.course_id == hole.course_id && rec.hole_id == hole.hole_id {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::InternalError, "prepared hole does not match the session"))
    }
}

/// Sets the cup. A cup outside the green is accepted with a `cup_not_on_green` warning.
pub fn set_cup(
    rec: &mut SessionRecord,
    cup: LatLon,
    hole: &PreparedHole,
    rules: &Rules,
    now_ms: u64,
) -> Result<(), ApiError> {
    check_live(rec, now_ms)?;
    check_hole(rec, hole)?;
    crate::validate::lat_lon("cup_wgs84", cup)?;
    let cup = make_cup(hole, cup, CupSource::Client);
    rec.warnings.retain(|w| w.code != WARN_CUP_NOT_ON_GREEN);
    rec.warnings.extend(cup_warning(hole, &cup));
    rec.cup = Some(cup);
    // The line of play now aims at the new cup.
    if let Some(b) = rec.ball {
        let (y, ahead) = hole.view(b.wgs84, Some(cup.wgs84), rules.hazard_corridor_m, rec.units);
        (rec.yardage, rec.ahead) = (Some(y), ahead);
    }
    touch(rec, rules, now_ms);
    Ok(())
}

/// What `set_ball` did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BallOutcome {
    /// Classified and stepped; the hysteresis outcome says how.
    Applied { classification: Classification, step: StepOutcome },
    /// `seq` was already accepted: acknowledged, nothing changed.
    Duplicate,
}

/// Classifies a fix and applies hysteresis. A fix whose `seq` is not above
/// `last_seq` is a duplicate: the record is left exactly as it was (no
/// revision, no expiry change), so there is nothing to save.
pub fn set_ball(
    rec: &mut SessionRecord,
    fix: &BallFix,
    hole: &PreparedHole,
    rules: &Rules,
    now_ms: u64,
) -> Result<BallOutcome, ApiError> {
    check_live(rec, now_ms)?;
    check_hole(rec, hole)?;
    crate::validate::lat_lon("ball_wgs84", fix.ball_wgs84)?;
    if let Some(a) = fix.accuracy_m {
        crate::validate::accuracy("accuracy_m", a)?;
    }
    if let (Some(seq), Some(last)) = (fix.seq, rec.last_seq) {
        if seq <= last {
            return Ok(BallOutcome::Duplicate);
        }
    }
    let classification = hole.classify(fix.ball_wgs84, fix.accuracy_m, fix.accuracy_kind, rules);
    rec.fix_count += 1;
    let step = match rec.hysteresis_mode {
        HysteresisMode::Streak => {
            let streaks = Streaks { on: rules.commit_on_streak, off: rules.commit_off_streak };
            rec.hysteresis.step(classification.on_green, streaks, now_ms, rec.fix_count)
        }
        HysteresisMode::Evidence => {
            let c = &classification;
            let sigma = c.accuracy_kind.sigma_m(c.accuracy_m);
            let p95 = AccuracyKind::P95.radius_in_sigmas() * sigma;
            let age = fix.client_time_ms.map_or(0, |t| now_ms.saturating_sub(t));
            let params = rules.evidence_params();
            let size = crate::evidence::step_size(c.distance_to_green_edge_m, sigma, p95, age, &params);
            rec.hysteresis.step_evidence(c.on_green, size, params, now_ms, rec.fix_count)
        }
    };
    let (y, ahead) = hole.view(fix.ball_wgs84, rec.cup.map(|c| c.wgs84), rules.hazard_corridor_m, rec.units);
    (rec.yardage, rec.ahead) = (Some(y), ahead);
    rec.shots.step(fix.ball_wgs84, &classification, rules, rec.fix_count, now_ms);
    rec.ball = Some(Ball {
        wgs84: fix.ball_wgs84,
        classification,
        client_time_ms: fix.client_time_ms,
        received_at_ms: now_ms,
    });
    if fix.seq.is_some() {
        rec.last_seq = fix.seq;
    }
    touch(rec, rules, now_ms);
    Ok(BallOutcome::Applied { classification, step })
}

/// Records the outcome of an advice call on the session (and slides its expiry).
pub fn apply_advice_result(
    rec: &mut SessionRecord,
    run_id: &str,
    plan_type: PlanType,
    status: RunStatus,
    rules: &Rules,
    now_ms: u64,
) -> Result<(), ApiError> {
    check_live(rec, now_ms)?;
    if !status.is_terminal() {
        return Err(ApiError::new(ErrorCode::InternalError, "advice results are recorded once the run is terminal"));
    }
    rec.last_advice = Some(LastAdvice { run_id: String::from(run_id), plan_type, status, at_ms: now_ms });
    touch(rec, rules, now_ms);
    Ok(())
}

/// The wire view of a record.
pub fn hole_state(rec: &SessionRecord) -> HoleState {
    let c = rec.ball.as_ref().map(|b| &b.classification);
    HoleState {
        contract_version: crate::api::contract_version(),
        session_id: rec.session_id.clone(),
        session_number: rec.session_number,
        course_id: rec.course_id.clone(),
        hole_id: rec.hole_id,
        par: rec.par,
        cup_wgs84: rec.cup.map(|c| c.wgs84),
        cup_source: rec.cup.map(|c| c.source),
        ball_wgs84: rec.ball.map(|b| b.wgs84),
        accuracy_m: c.map(|c| c.accuracy_m),
        surface: c.map(|c| c.surface),
        surface_state: rec.hysteresis.committed,
        candidate_state: rec.hysteresis.candidate,
        candidate_streak: rec.hysteresis.streak,
        surface_confidence: c.map(|c| c.surface_confidence),
        distance_to_green_edge_m: c.map(|c| c.distance_to_green_edge_m),
        green_distances: rec.yardage.as_ref().and_then(|y| y.green),
        hazards: rec.yardage.as_ref().map(|y| y.hazards.clone()).unwrap_or_default(),
        units: rec.units,
        aim_points: rec.ahead.aim_points.clone(),
        layups: rec.ahead.layups.clone(),
        last_transition: rec.hysteresis.last_transition,
        transitions: rec.hysteresis.transitions,
        suppressed_flickers: rec.hysteresis.suppressed_flickers,
        hysteresis_mode: rec.hysteresis_mode,
        evidence_log_odds: (rec.hysteresis_mode == HysteresisMode::Evidence).then_some(rec.hysteresis.evidence),
        fix_count: rec.fix_count,
        last_seq: rec.last_seq,
        strokes: rec.shots.strokes(),
        shots: rec.shots.shots.clone(),
        warnings: rec.warnings.clone(),
        created_at_ms: rec.created_at_ms,
        updated_at_ms: rec.updated_at_ms,
        expires_at_ms: rec.expires_at_ms,
        revision: rec.revision,
    }
}
