//! Which kind of advice a run asks for, and where its service listens.

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
