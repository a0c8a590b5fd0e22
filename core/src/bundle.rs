//! Debug bundles: everything needed to replay an advice decision offline,
//! secrets replaced by [`REDACTED`]; both platforms write the same layout.

use crate::advice::AdviceDecision;
use crate::downstream::{CallOutcome, service_name};
use crate::frame::FrameDescription;
use crate::hysteresis::Hysteresis;
use crate::rules::Rules;
use crate::run::RunRecord;
use crate::session::SessionRecord;
use alloc::format;
use alloc::string::String;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Layout version of a bundle.
pub const BUNDLE_VERSION: u32 = 1;
pub use crate::redact::REDACTED;

/// The downstream call of a bundle.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BundleDownstream {
    pub service: String,
    pub url: Option<String>,
    /// Request headers as sent, secrets replaced by [`REDACTED`].
    pub request_headers: serde_json::Map<String, Value>,
    pub request_body: Value,
    pub response_status: Option<u16>,
    pub response_body: Option<Value>,
    pub error: Option<Value>,
    pub latency_ms: Option<u64>,
}

impl BundleDownstream {
    /// The record of a call to `base_url` (with or without a key, with the
    /// `traceparent` sent) and its outcome.
    pub fn of(
        decision: &AdviceDecision,
        base_url: Option<&str>,
        key_sent: bool,
        traceparent: Option<&str>,
        outcome: &CallOutcome,
    ) -> Self {
        let mut request_headers = serde_json::Map::new();
        request_headers.insert("content-type".into(), "application/json".into());
        if key_sent {
            request_headers.insert("X-API-Key".into(), REDACTED.into());
        }
        if let Some(tp) = traceparent {
            request_headers.insert("traceparent".into(), tp.into());
        }
        let (response_status, response_body, error, latency_ms) = match outcome {
            Ok(a) => (Some(a.status), Some(a.plan.clone()), None, Some(a.latency_ms)),
            Err(f) => (f.status, None, serde_json::to_value(&f.error).ok(), f.latency_ms),
        };
        BundleDownstream {
            service: service_name(decision.plan_type).into(),
            url: base_url.map(|u| crate::redact::url(&format!("{u}{}", decision.plan_type.path()))),
            request_headers,
            request_body: serde_json::to_value(&decision.request).unwrap_or(Value::Null),
            response_status,
            response_body,
            error,
            latency_ms,
        }
    }
}

/// Everything needed to replay an advice decision offline.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bundle {
    pub bundle_version: u32,
    pub greenside_version: String,
    pub contract_version: String,
    pub run: RunRecord,
    pub request: Value,
    pub now_ms: u64,
    pub rules: Rules,
    pub course: BundleCourse,
    /// The session exactly as the decision read it.
    pub session_before: SessionRecord,
    pub hysteresis_before: Hysteresis,
    pub hysteresis_after: Option<Hysteresis>,
    pub classification: Option<Value>,
    pub frames: BundleFrames,
    pub decision: Option<AdviceDecision>,
    pub downstream: Option<BundleDownstream>,
    pub fallback_used: bool,
    pub total_ms: u64,
}

/// What a bundle is made of, as the platform has it at hand.
#[derive(Debug)]
pub struct BundleParts<'a> {
    pub run: &'a RunRecord,
    pub request: &'a crate::api::AdviceRequest,
    pub now_ms: u64,
    pub rules: &'a Rules,
    /// The session exactly as the decision read it.
    pub session_before: &'a SessionRecord,
    pub session_after: Option<&'a SessionRecord>,
    pub hole: &'a crate::classify::PreparedHole,
    pub dataset_version: Option<String>,
    pub decision: Option<&'a AdviceDecision>,
    pub downstream: Option<BundleDownstream>,
    pub total_ms: u64,
}

impl Bundle {
    /// Assembles a bundle (both platforms write the same layout).
    pub fn new(p: BundleParts<'_>) -> Bundle {
        let rec = p.session_before;
        Bundle {
            bundle_version: BUNDLE_VERSION,
            greenside_version: env!("CARGO_PKG_VERSION").into(),
            contract_version: crate::API_CONTRACT_VERSION.into(),
            run: p.run.clone(),
            request: serde_json::to_value(p.request).unwrap_or(Value::Null),
            now_ms: p.now_ms,
            rules: p.rules.clone(),
            course: BundleCourse {
                course_id: rec.course_id.clone(),
                hole_id: rec.hole_id,
                dataset_version: p.dataset_version,
            },
            session_before: rec.clone(),
            hysteresis_before: rec.hysteresis,
            hysteresis_after: p.session_after.map(|r| r.hysteresis),
            classification: rec.ball.as_ref().and_then(|b| serde_json::to_value(b.classification).ok()),
            frames: BundleFrames { hole: p.hole.frame().describe(), green: p.hole.green_frame().describe() },
            decision: p.decision.cloned(),
            downstream: p.downstream,
            fallback_used: p.run.fallback_used,
            total_ms: p.total_ms,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BundleCourse {
    pub course_id: String,
    pub hole_id: u32,
    pub dataset_version: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BundleFrames {
    /// The hole frame classification uses (x east, y north).
    pub hole: FrameDescription,
    /// The green frame of the downstream request.
    pub green: FrameDescription,
}
