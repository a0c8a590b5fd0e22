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

use crate::api::HoleState;
use crate::classify::{PreparedHole, Surface};
use crate::downstream::{CallOutcome, service_name};
use crate::error::{ApiError, ErrorCode};
use crate::frame::{FrameDescription, bearing_deg};
use crate::geometry::{LatLon, LocalXY};
use crate::hysteresis::GreenState;
use crate::run::{RunRecord, RunStatus};
use crate::session::{self, SessionRecord};
use alloc::format;
use serde_json::Value;

pub use crate::plan::PlanType;
use alloc::string::String;
use serde::{Deserialize, Serialize};

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

/// Decides where advice comes from for a live session and builds the
/// downstream request. Does not change the record; the advice machine
/// (`advice_call`) records the outcome through `operation::apply`.
pub fn request(
    rec: &SessionRecord,
    hole: &PreparedHole,
    run_id: &str,
    now_ms: u64,
) -> Result<AdviceDecision, ApiError> {
    session::check_live(rec, now_ms)?;
    session::check_hole(rec, hole)?;
    decide(rec, hole, run_id)
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

// ---- the answer of `POST /api/get_hole_advice` ----

/// How advice was routed.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdviceRouting {
    pub plan_type: PlanType,
    pub surface_state: GreenState,
    pub reason: String,
    /// `putt_solver` or `tee_to_green`.
    pub service: String,
}

/// The hole drawn with ball, cup and the line between (`want_plot`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdvicePlot {
    /// Always `svg`.
    pub format: String,
    pub svg: String,
}

/// The downstream call behind an advice answer.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdviceDownstream {
    pub service: String,
    /// The service's HTTP status; null when none came.
    pub status: Option<u16>,
    pub latency_ms: Option<u64>,
    /// The error's code when the call failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<ErrorCode>,
}

/// The answer of `POST /api/get_hole_advice`. On a failed downstream call
/// the HTTP status is the error's, `plan` is null, `fallback_used` is true
/// and `error` says what failed; the straight-line `fallback` is always there.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdviceResponse {
    pub plan_type: PlanType,
    pub surface_state: GreenState,
    pub reason: String,
    pub routing: AdviceRouting,
    /// What was sent to the service.
    pub request: crate::advice::DownstreamRequest,
    pub fallback: crate::advice::FallbackPlan,
    pub run_id: String,
    pub run_status: RunStatus,
    pub hole_state: Option<HoleState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plot: Option<AdvicePlot>,
    /// The service's answer, as it sent it (a JSON object); null on failure.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub plan: Option<Value>,
    pub fallback_used: bool,
    pub downstream: AdviceDownstream,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
}

/// The answer of `POST /api/get_hole_advice`: its HTTP status and body. On a
/// failed call the status is the error's, the body carries the error and the
/// flagged fallback plan.
pub fn advice_body(
    decision: &AdviceDecision,
    run: &RunRecord,
    hole_state: Option<&HoleState>,
    plot_svg: Option<String>,
    outcome: &CallOutcome,
) -> (u16, Value) {
    let service = service_name(decision.plan_type);
    let (status, plan, downstream, error) = match outcome {
        Ok(a) => (
            200,
            Some(a.plan.clone()),
            AdviceDownstream {
                service: service.into(),
                status: Some(a.status),
                latency_ms: Some(a.latency_ms),
                error_code: None,
            },
            None,
        ),
        Err(f) => {
            let err = f.error.clone().with("run_id", run.run_id.as_str());
            let downstream = AdviceDownstream {
                service: service.into(),
                status: f.status,
                latency_ms: f.latency_ms,
                error_code: Some(f.error.code),
            };
            (err.http_status(), None, downstream, Some(err))
        }
    };
    let body = AdviceResponse {
        plan_type: decision.plan_type,
        surface_state: decision.surface_state,
        reason: decision.reason.clone(),
        routing: AdviceRouting {
            plan_type: decision.plan_type,
            surface_state: decision.surface_state,
            reason: decision.reason.clone(),
            service: service.into(),
        },
        request: decision.request.clone(),
        fallback: decision.fallback.clone(),
        run_id: run.run_id.clone(),
        run_status: run.status,
        hole_state: hole_state.cloned(),
        plot: plot_svg.map(|svg| AdvicePlot { format: "svg".into(), svg }),
        plan,
        fallback_used: error.is_some(),
        downstream,
        error,
    };
    (status, crate::json::to_value(&body))
}
