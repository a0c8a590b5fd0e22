//! Advice routing: the committed surface state picks the downstream service,
//! and core builds the exact request body the platform sends.
//!
//! ```text
//! ON_GREEN  → PUTT          POST {PUTT_SOLVER_URL}/solve_putt   (ball and cup in WGS84 and the green frame)
//! OFF_GREEN → TEE_TO_GREEN  POST {TEE_TO_GREEN_URL}/plan_shot
//! ```
//!
//! A built-in fallback (straight-line distance and bearing to the cup) is
//! always computed so a platform can answer something useful, clearly
//! flagged, when the downstream service is missing or failing.

use crate::classify::{PreparedHole, Surface};
use crate::error::{ApiError, ErrorCode};
use crate::frame::{FrameDescription, bearing_deg};
use crate::geometry::{LatLon, LocalXY};
use crate::hysteresis::GreenState;
use crate::session::SessionRecord;
use alloc::format;
use alloc::string::String;
use serde::{Deserialize, Serialize};

/// Which kind of advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PlanType {
    Putt,
    TeeToGreen,
}

impl PlanType {
    pub const fn as_str(self) -> &'static str {
        match self {
            PlanType::Putt => "PUTT",
            PlanType::TeeToGreen => "TEE_TO_GREEN",
        }
    }

    /// Path appended to the service's base URL.
    pub const fn path(self) -> &'static str {
        match self {
            PlanType::Putt => "/solve_putt",
            PlanType::TeeToGreen => "/plan_shot",
        }
    }
}

/// Body of `POST /solve_putt` and `POST /plan_shot` (one shape; `plan_type` tells which).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DownstreamRequest {
    pub contract_version: String,
    pub plan_type: PlanType,
    pub run_id: String,
    pub session_id: String,
    pub course_id: String,
    pub hole_id: u32,
    pub par: u8,
    pub ball_wgs84: LatLon,
    pub cup_wgs84: LatLon,
    /// Ball in the green-local frame described by `frame` (metres).
    pub ball_local: LocalXY,
    /// Cup in the green-local frame described by `frame` (metres).
    pub cup_local: LocalXY,
    pub frame: FrameDescription,
    pub surface: Surface,
    pub surface_confidence: f64,
    pub accuracy_m: f64,
    pub distance_to_cup_m: f64,
    pub bearing_to_cup_deg: f64,
}

/// The built-in straight-line plan used when no downstream answer is available.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FallbackPlan {
    pub kind: String,
    pub distance_m: f64,
    /// Compass bearing from ball to cup, degrees clockwise from north.
    pub bearing_deg: f64,
    pub note: String,
}

/// The routing decision, with everything the platform needs to carry it out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdviceDecision {
    pub plan_type: PlanType,
    pub surface_state: GreenState,
    pub reason: String,
    pub request: DownstreamRequest,
    pub fallback: FallbackPlan,
}

/// Builds the decision for the session's current state.
pub fn decide(rec: &SessionRecord, hole: &PreparedHole, run_id: &str) -> Result<AdviceDecision, ApiError> {
    let ball = rec.ball.as_ref().ok_or_else(|| {
        ApiError::new(ErrorCode::BallLocationMissing, "set a ball location before asking for advice")
            .with("session_id", rec.session_id.as_str())
    })?;
    let cup = rec.cup.as_ref().ok_or_else(|| {
        ApiError::new(ErrorCode::CupLocationMissing, "set a cup location before asking for advice")
            .with("session_id", rec.session_id.as_str())
    })?;
    let (plan_type, reason) = match rec.hysteresis.committed {
        GreenState::OnGreen => (PlanType::Putt, "surface_state is ON_GREEN"),
        // A ball always commits a state; UNKNOWN cannot co-exist with a ball, but route it off-green.
        GreenState::OffGreen | GreenState::Unknown => (PlanType::TeeToGreen, "surface_state is OFF_GREEN"),
    };
    let frame = hole.green_frame();
    let ball_local = frame.to_local(ball.wgs84);
    let cup_local = frame.to_local(cup.wgs84);
    let distance = libm::hypot(cup_local.x - ball_local.x, cup_local.y - ball_local.y);
    let bearing = bearing_deg(hole.frame(), ball.wgs84, cup.wgs84);
    let c = &ball.classification;
    let reason = match rec.hysteresis.last_transition {
        Some(t) => format!("{reason} (committed at fix {} on a streak of {})", t.at_fix, t.streak),
        None => String::from(reason),
    };
    Ok(AdviceDecision {
        plan_type,
        surface_state: rec.hysteresis.committed,
        reason,
        request: DownstreamRequest {
            contract_version: crate::api::contract_version(),
            plan_type,
            run_id: String::from(run_id),
            session_id: rec.session_id.clone(),
            course_id: rec.course_id.clone(),
            hole_id: rec.hole_id,
            par: rec.par,
            ball_wgs84: ball.wgs84,
            cup_wgs84: cup.wgs84,
            ball_local,
            cup_local,
            frame: frame.describe(),
            surface: c.surface,
            surface_confidence: c.surface_confidence,
            accuracy_m: c.accuracy_m,
            distance_to_cup_m: distance,
            bearing_to_cup_deg: bearing,
        },
        fallback: FallbackPlan {
            kind: String::from("builtin_straight_line"),
            distance_m: distance,
            bearing_deg: bearing,
            note: String::from("built-in fallback: straight-line distance and bearing to the cup, no green reading"),
        },
    })
}
