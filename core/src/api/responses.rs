//! The answer types: `hole_state` and the responses that carry it.

use crate::classify::Surface;
use crate::contract::API_CONTRACT_VERSION;
use crate::geometry::LatLon;
use crate::hysteresis::{GreenState, Transition};
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A warning carried in the session state (never an error).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Warning {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub details: Map<String, Value>,
}

/// Where the cup position came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CupSource {
    /// The course file's default cup for the hole.
    CourseDefault,
    /// Set by `set_cup_location`.
    Client,
}

/// `hole_state`: the session as every response shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HoleState {
    pub contract_version: String,
    pub session_id: String,
    pub session_number: u64,
    pub course_id: String,
    pub hole_id: u32,
    pub par: u8,
    pub cup_wgs84: Option<LatLon>,
    pub cup_source: Option<CupSource>,
    pub ball_wgs84: Option<LatLon>,
    pub accuracy_m: Option<f64>,
    /// Detailed surface under the last fix.
    pub surface: Option<Surface>,
    /// The committed decision that routes advice.
    pub surface_state: GreenState,
    /// The last fix's candidate.
    pub candidate_state: GreenState,
    /// Consecutive fixes disagreeing with `surface_state` (0 when none pending).
    pub candidate_streak: u32,
    pub surface_confidence: Option<f64>,
    /// Signed metres to the green's edge, positive inside.
    pub distance_to_green_edge_m: Option<f64>,
    /// Front, middle and back of the green along the line of play from the
    /// last fix (`null` before the first fix): `crate::yardage`.
    pub green_distances: Option<crate::yardage::GreenDistances>,
    /// Bunkers and water within the corridor of the line of play, nearest first.
    pub hazards: Vec<crate::yardage::Hazard>,
    /// The units the session was started with (layup marks are in them).
    pub units: crate::aim::Units,
    /// The hole's aim points ahead of the ball, from its line of play: `crate::aim`.
    pub aim_points: Vec<crate::aim::AimPoint>,
    /// The layup marks (100, 150, 200 `units` from the middle of the green) ahead of the ball.
    pub layups: Vec<crate::aim::Layup>,
    pub last_transition: Option<Transition>,
    pub transitions: u32,
    pub suppressed_flickers: u32,
    /// What the decision rests on: `streak` (candidate_streak against the
    /// configured streaks) or `evidence` (evidence_log_odds against ±C).
    pub hysteresis_mode: crate::rules::HysteresisMode,
    /// Evidence mode: accumulated log-odds that the ball is on the green.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_log_odds: Option<f64>,
    /// Ball fixes accepted (duplicates by `seq` not counted).
    pub fix_count: u64,
    pub last_seq: Option<u64>,
    /// Shots so far (`shots.len()`): `crate::shots`.
    pub strokes: u32,
    /// Each confirmed move of the ball, first first.
    pub shots: Vec<crate::shots::Shot>,
    pub warnings: Vec<Warning>,
    pub created_at_ms: u64,
    pub updated_at_ms: u64,
    pub expires_at_ms: u64,
    /// Increases by one on every accepted write (the stores' compare-and-set version).
    pub revision: u64,
}

/// `{session_id, hole_state}`: answer of `start`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StartResponse {
    pub session_id: String,
    pub hole_state: HoleState,
}

/// `{hole_state}`: answer of `set_cup_location` and `GET /api/session/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HoleStateResponse {
    pub hole_state: HoleState,
}

/// Answer of `set_ball_location`: `applied` is false when the fix's `seq` was
/// already accepted (acknowledged, not applied twice).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetBallResponse {
    pub hole_state: HoleState,
    pub applied: bool,
}

/// Answer of `DELETE /api/session/{session_id}`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedResponse {
    /// Always true: a session that is not there answers `session_not_found`.
    pub deleted: bool,
    pub session_id: String,
}

impl DeletedResponse {
    pub fn of(session_id: &str) -> DeletedResponse {
        DeletedResponse { deleted: true, session_id: String::from(session_id) }
    }
}

/// The contract version responses carry.
pub fn contract_version() -> String {
    String::from(API_CONTRACT_VERSION)
}
