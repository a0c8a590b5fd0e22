//! The run record of every advice call and its lifecycle.
//!
//! ```text
//! queued ──► processing ──► succeeded
//!    │            └───────► failed
//!    └──────────────────────► failed      (rejected before it started)
//! ```
//! Terminal states (`succeeded`, `failed`) never move; any other change is
//! [`RunError::InvalidTransition`] (`run_invalid_transition`, 409).

use crate::error::{ApiError, ErrorCode};
use crate::plan::PlanType;
use alloc::string::String;
use serde::{Deserialize, Serialize};

/// Lifecycle status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Queued,
    Processing,
    Succeeded,
    Failed,
}

impl RunStatus {
    pub const fn is_terminal(self) -> bool {
        matches!(self, RunStatus::Succeeded | RunStatus::Failed)
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            RunStatus::Queued => "queued",
            RunStatus::Processing => "processing",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<RunStatus> {
        [RunStatus::Queued, RunStatus::Processing, RunStatus::Succeeded, RunStatus::Failed]
            .into_iter()
            .find(|r| r.as_str() == s)
    }

    /// True when the lifecycle allows `self → to`.
    pub const fn can_move_to(self, to: RunStatus) -> bool {
        matches!(
            (self, to),
            (RunStatus::Queued, RunStatus::Processing)
                | (RunStatus::Queued, RunStatus::Failed)
                | (RunStatus::Processing, RunStatus::Succeeded)
                | (RunStatus::Processing, RunStatus::Failed)
        )
    }
}

/// A forbidden status change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    #[error("run cannot move from {} to {}", from.as_str(), to.as_str())]
    InvalidTransition { from: RunStatus, to: RunStatus },
}

impl From<RunError> for ApiError {
    fn from(e: RunError) -> ApiError {
        let RunError::InvalidTransition { from, to } = e;
        ApiError::new(ErrorCode::RunInvalidTransition, alloc::format!("{e}"))
            .with("from", from.as_str())
            .with("to", to.as_str())
    }
}

/// One advice call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunRecord {
    pub run_id: String,
    pub status: RunStatus,
    pub session_id: String,
    pub course_id: String,
    pub hole_id: u32,
    pub plan_type: Option<PlanType>,
    pub routing_reason: Option<String>,
    pub created_at_ms: u64,
    pub started_at_ms: Option<u64>,
    pub finished_at_ms: Option<u64>,
    /// Wall time from start to finish.
    pub duration_ms: Option<u64>,
    pub downstream_latency_ms: Option<u64>,
    /// True when the answer was the built-in fallback plan.
    pub fallback_used: bool,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// The W3C trace the advice call ran in (32 hex digits): the trace id
    /// of its log lines and of the `traceparent` sent to the service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
}

impl RunRecord {
    /// A queued run. Ids come from the platform: `run_` + 32 hex digits.
    pub fn new(run_id: String, session_id: String, course_id: String, hole_id: u32, now_ms: u64) -> RunRecord {
        RunRecord {
            run_id,
            status: RunStatus::Queued,
            session_id,
            course_id,
            hole_id,
            plan_type: None,
            routing_reason: None,
            created_at_ms: now_ms,
            started_at_ms: None,
            finished_at_ms: None,
            duration_ms: None,
            downstream_latency_ms: None,
            fallback_used: false,
            error_code: None,
            error_message: None,
            trace_id: None,
        }
    }

    fn go(&mut self, to: RunStatus) -> Result<(), RunError> {
        if self.status.can_move_to(to) {
            self.status = to;
            Ok(())
        } else {
            Err(RunError::InvalidTransition { from: self.status, to })
        }
    }

    /// `queued → processing`, with the routing decision.
    pub fn start(&mut self, plan_type: PlanType, reason: String, now_ms: u64) -> Result<(), RunError> {
        self.go(RunStatus::Processing)?;
        self.plan_type = Some(plan_type);
        self.routing_reason = Some(reason);
        self.started_at_ms = Some(now_ms);
        Ok(())
    }

    /// `processing → succeeded`.
    pub fn succeed(
        &mut self,
        downstream_latency_ms: Option<u64>,
        fallback_used: bool,
        now_ms: u64,
    ) -> Result<(), RunError> {
        self.go(RunStatus::Succeeded)?;
        self.downstream_latency_ms = downstream_latency_ms;
        self.fallback_used = fallback_used;
        self.finish(now_ms);
        Ok(())
    }

    /// `queued|processing → failed`, with the stable error code and message.
    pub fn fail(
        &mut self,
        code: ErrorCode,
        message: String,
        downstream_latency_ms: Option<u64>,
        fallback_used: bool,
        now_ms: u64,
    ) -> Result<(), RunError> {
        self.go(RunStatus::Failed)?;
        self.error_code = Some(String::from(code.as_str()));
        self.error_message = Some(message);
        self.downstream_latency_ms = downstream_latency_ms;
        self.fallback_used = fallback_used;
        self.finish(now_ms);
        Ok(())
    }

    fn finish(&mut self, now_ms: u64) {
        self.finished_at_ms = Some(now_ms);
        self.duration_ms = Some(now_ms.saturating_sub(self.started_at_ms.unwrap_or(self.created_at_ms)));
    }
}

/// Formats 16 random bytes as a run id (`run_` + 32 hex digits).
pub fn run_id_from_random(bytes: [u8; 16]) -> String {
    let s = crate::validate::session_id_from_random(bytes);
    alloc::format!("run_{}", &s[crate::validate::SESSION_ID_PREFIX.len()..])
}
