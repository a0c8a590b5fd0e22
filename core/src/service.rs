//! The service layer the native server and the edge worker share: admin
//! listings (query parsing, opaque cursors, summaries), run filters and
//! pruning, downstream call outcomes and their error codes, the advice
//! response body, debug bundles, and rate-limit policies.
//!
//! Everything here is pure (no IO, no clock): the platforms do the IO and
//! call these functions, so both answer with the same statuses, codes and
//! bodies.

use crate::advice::{AdviceDecision, PlanType};
use crate::api::HoleState;
use crate::config::Config;
use crate::error::{ApiError, ErrorCode};
use crate::frame::FrameDescription;
use crate::gcra::Gcra;
use crate::hysteresis::{GreenState, Hysteresis};
use crate::run::{RunRecord, RunStatus};
use crate::session::SessionRecord;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};
use serde_json::Value;

// ---- admin: sessions ----------------------------------------------------

/// Default and largest page size of `GET /api/sessions` and `GET /runs/v1`.
pub const DEFAULT_PAGE_LIMIT: usize = 50;
pub const MAX_PAGE_LIMIT: usize = 200;

/// A row of the admin session listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionSummary {
    pub session_id: String,
    pub session_number: u64,
    pub course_id: String,
    pub hole_id: u32,
    pub surface_state: GreenState,
    pub fix_count: u64,
    pub created_at_ms: u64,
    pub updated_at_ms: u64,
    pub expires_at_ms: u64,
}

impl From<&SessionRecord> for SessionSummary {
    fn from(r: &SessionRecord) -> Self {
        SessionSummary {
            session_id: r.session_id.clone(),
            session_number: r.session_number,
            course_id: r.course_id.clone(),
            hole_id: r.hole_id,
            surface_state: r.hysteresis.committed,
            fix_count: r.fix_count,
            created_at_ms: r.created_at_ms,
            updated_at_ms: r.updated_at_ms,
            expires_at_ms: r.expires_at_ms,
        }
    }
}

/// Counters shared by every instance on the same store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Counters {
    /// The last `session_number` handed out.
    pub session_number: u64,
    /// Sessions ever created.
    pub total_sessions: u64,
    /// Sessions currently stored (expired ones may linger until swept).
    pub active_sessions: u64,
}

fn invalid_query(field: &str, msg: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidQuery, msg).field(field)
}

fn page_limit(q: &dyn Fn(&str) -> Option<String>) -> Result<usize, ApiError> {
    match q("limit") {
        None => Ok(DEFAULT_PAGE_LIMIT),
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PAGE_LIMIT).contains(n))
            .ok_or_else(|| invalid_query("limit", format!("limit must be 1..={MAX_PAGE_LIMIT}"))),
    }
}

/// `GET /api/sessions?limit&cursor`: the page size and the session number to
/// list after. Cursors are opaque to clients: `c` + the last session number in hex.
pub fn parse_sessions_query(q: impl Fn(&str) -> Option<String>) -> Result<(usize, u64), ApiError> {
    let limit = page_limit(&q)?;
    let after = match q("cursor").as_deref() {
        None | Some("") => 0,
        Some(c) => c
            .strip_prefix('c')
            .and_then(|h| u64::from_str_radix(h, 16).ok())
            .ok_or_else(|| invalid_query("cursor", "cursor is not one this service issued".into()))?,
    };
    Ok((limit, after))
}

pub fn encode_sessions_cursor(after: u64) -> String {
    format!("c{after:x}")
}

/// The body of `GET /api/sessions`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionsPage {
    pub sessions: Vec<SessionSummary>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
    pub limit: usize,
    pub counters: Counters,
}

/// The body of `GET /api/sessions`.
pub fn sessions_page_body(
    sessions: &[SessionSummary],
    next_after: Option<u64>,
    limit: usize,
    counters: &Counters,
) -> Value {
    body_value(&SessionsPage {
        sessions: sessions.to_vec(),
        next_cursor: next_after.map(encode_sessions_cursor),
        limit,
        counters: *counters,
    })
}

/// An answer as a JSON value. The answer types hold only strings, numbers,
/// options and maps, which always serialize; the value's keys are sorted,
/// so both platforms send the same bytes.
fn body_value<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

// ---- admin: runs ----------------------------------------------------------

/// Filters of `GET /runs/v1`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunFilter {
    pub status: Option<RunStatus>,
    pub plan_type: Option<PlanType>,
    pub course_id: Option<String>,
    pub created_from_ms: Option<u64>,
    pub created_to_ms: Option<u64>,
}

impl RunFilter {
    pub fn matches(&self, r: &RunRecord) -> bool {
        self.status.is_none_or(|s| r.status == s)
            && self.plan_type.is_none_or(|p| r.plan_type == Some(p))
            && self.course_id.as_deref().is_none_or(|c| r.course_id == c)
            && self.created_from_ms.is_none_or(|t| r.created_at_ms >= t)
            && self.created_to_ms.is_none_or(|t| r.created_at_ms < t)
    }
}

/// Position in the newest-first order: runs strictly after `(created_at_ms, run_id)`.
pub type RunCursor = (u64, String);

/// A parsed `GET /runs/v1` query.
#[derive(Debug, Clone, PartialEq)]
pub struct RunsQuery {
    pub filter: RunFilter,
    pub limit: usize,
    pub cursor: Option<RunCursor>,
}

/// Opaque to clients: `r` + created_at_ms in hex + `.` + run_id.
pub fn encode_run_cursor(c: &RunCursor) -> String {
    format!("r{:x}.{}", c.0, c.1)
}

pub fn decode_run_cursor(s: &str) -> Option<RunCursor> {
    let (t, id) = s.strip_prefix('r')?.split_once('.')?;
    let t = u64::from_str_radix(t, 16).ok()?;
    is_run_id(id).then(|| (t, id.to_string()))
}

/// `run_` + 32 hex digits (what `run::run_id_from_random` makes).
pub fn is_run_id(id: &str) -> bool {
    id.len() == 36 && id.starts_with("run_") && id[4..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// Parses `status`, `plan_type`, `course_id`, `created_from_ms`,
/// `created_to_ms`, `limit` and `cursor`.
pub fn parse_runs_query(q: impl Fn(&str) -> Option<String>) -> Result<RunsQuery, ApiError> {
    let ms = |k: &str| -> Result<Option<u64>, ApiError> {
        q(k).map(|v| {
            v.parse::<u64>().map_err(|_| invalid_query(k, format!("{k} must be milliseconds since the epoch")))
        })
        .transpose()
    };
    let filter = RunFilter {
        status: q("status")
            .map(|s| {
                RunStatus::parse(&s).ok_or_else(|| {
                    invalid_query("status", "status must be queued, processing, succeeded or failed".into())
                })
            })
            .transpose()?,
        plan_type: q("plan_type")
            .map(|p| match p.as_str() {
                "PUTT" => Ok(PlanType::Putt),
                "TEE_TO_GREEN" => Ok(PlanType::TeeToGreen),
                _ => Err(invalid_query("plan_type", "plan_type must be PUTT or TEE_TO_GREEN".into())),
            })
            .transpose()?,
        course_id: q("course_id"),
        created_from_ms: ms("created_from_ms")?,
        created_to_ms: ms("created_to_ms")?,
    };
    let limit = page_limit(&q)?;
    let cursor = match q("cursor").as_deref() {
        None | Some("") => None,
        Some(c) => Some(
            decode_run_cursor(c)
                .ok_or_else(|| invalid_query("cursor", "cursor is not one this service issued".into()))?,
        ),
    };
    Ok(RunsQuery { filter, limit, cursor })
}

/// One page from every run, newest first (`created_at_ms` desc, then `run_id` desc).
pub fn runs_page(all_newest_first: Vec<RunRecord>, q: &RunsQuery) -> (Vec<RunRecord>, Option<RunCursor>) {
    let mut page = Vec::new();
    let mut more = false;
    for r in all_newest_first {
        if let Some((t, id)) = &q.cursor {
            if (r.created_at_ms, &r.run_id) >= (*t, id) {
                continue;
            }
        }
        if !q.filter.matches(&r) {
            continue;
        }
        if page.len() == q.limit {
            more = true;
            break;
        }
        page.push(r);
    }
    let next = if more { page.last().map(|r| (r.created_at_ms, r.run_id.clone())) } else { None };
    (page, next)
}

/// The body of `GET /runs/v1`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunsPage {
    pub runs: Vec<RunRecord>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
    pub limit: usize,
}

/// The body of `GET /runs/v1`.
pub fn runs_page_body(runs: &[RunRecord], next: Option<&RunCursor>, limit: usize) -> Value {
    body_value(&RunsPage { runs: runs.to_vec(), next_cursor: next.map(encode_run_cursor), limit })
}

pub fn run_not_found(run_id: &str) -> ApiError {
    ApiError::new(ErrorCode::RunNotFound, format!("no run `{run_id}`")).with("run_id", run_id)
}

pub fn bundle_not_found(run_id: &str) -> ApiError {
    ApiError::new(ErrorCode::RunNotFound, format!("no debug bundle for run `{run_id}`")).with("run_id", run_id)
}

/// Which terminal runs a prune deletes: older than `max_age_ms`, or beyond
/// the newest `max_runs` runs. Non-terminal runs are always kept.
pub fn prune_plan(
    all_newest_first: &[RunRecord],
    max_runs: Option<u64>,
    max_age_ms: Option<u64>,
    now_ms: u64,
) -> Vec<String> {
    all_newest_first
        .iter()
        .enumerate()
        .filter(|(i, r)| {
            let too_many = max_runs.is_some_and(|m| *i as u64 >= m);
            let too_old = max_age_ms.is_some_and(|a| now_ms.saturating_sub(r.created_at_ms) > a);
            r.status.is_terminal() && (too_many || too_old)
        })
        .map(|(_, r)| r.run_id.clone())
        .collect()
}

/// What a prune did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PruneReport {
    pub scanned: u64,
    pub deleted: u64,
    pub kept: u64,
    /// The deleted run ids (debug bundles are removed with them).
    #[serde(skip)]
    pub deleted_ids: Vec<String>,
}

/// The body of `POST /runs/v1/prune`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PruneResponse {
    /// Runs looked at.
    pub scanned: u64,
    /// Runs deleted.
    pub deleted: u64,
    /// Runs kept.
    pub kept: u64,
    /// Debug bundles deleted with their runs.
    pub bundles_deleted: u64,
    /// The limits this prune used.
    pub max_runs: u64,
    pub max_age_days: u64,
}

/// The body of `POST /runs/v1/prune`.
pub fn prune_body(report: &PruneReport, bundles_deleted: usize, max_runs: u64, max_age_days: u64) -> Value {
    body_value(&PruneResponse {
        scanned: report.scanned,
        deleted: report.deleted,
        kept: report.kept,
        bundles_deleted: bundles_deleted as u64,
        max_runs,
        max_age_days,
    })
}

// ---- downstream calls -------------------------------------------------------

/// The service's name in messages, logs and `/health`.
pub fn service_name(plan: PlanType) -> &'static str {
    match plan {
        PlanType::Putt => "putt_solver",
        PlanType::TeeToGreen => "tee_to_green",
    }
}

/// The variable that configures the service's URL.
pub fn url_var(plan: PlanType) -> &'static str {
    match plan {
        PlanType::Putt => "PUTT_SOLVER_URL",
        PlanType::TeeToGreen => "TEE_TO_GREEN_URL",
    }
}

/// Largest downstream answer read, in bytes.
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// What a successful call returned.
#[derive(Debug, Clone, PartialEq)]
pub struct CallAnswer {
    pub plan: Value,
    pub status: u16,
    pub latency_ms: u64,
}

/// A failed call: the error for the client and what was observed.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub error: ApiError,
    pub status: Option<u16>,
    pub latency_ms: Option<u64>,
}

pub type CallOutcome = Result<CallAnswer, Failure>;

/// What went wrong with a call, as a platform observed it.
#[derive(Debug, Clone, PartialEq)]
pub enum CallProblem {
    /// No URL configured.
    NotConfigured,
    /// No answer (or not all of it) within the timeout.
    Timeout { timeout_ms: u64, after_headers: bool },
    /// Refused connection, reset, or a failure before any status.
    Connection { connect: bool },
    /// A status outside 2xx (401/403 mean our key was refused).
    Status,
    /// The body could not be read (too large, cut off).
    Unreadable(String),
    /// A 2xx whose body is not JSON (`Some(parser message)`) or not an object (`None`).
    NotAnObject(Option<String>),
}

fn codes(plan: PlanType) -> [ErrorCode; 5] {
    match plan {
        PlanType::Putt => [
            ErrorCode::PuttSolverNotConfigured,
            ErrorCode::PuttSolverTimeout,
            ErrorCode::PuttSolverUnauthorized,
            ErrorCode::PuttSolverUnavailable,
            ErrorCode::PuttSolverBadResponse,
        ],
        PlanType::TeeToGreen => [
            ErrorCode::TeeToGreenNotConfigured,
            ErrorCode::TeeToGreenTimeout,
            ErrorCode::TeeToGreenUnauthorized,
            ErrorCode::TeeToGreenUnavailable,
            ErrorCode::TeeToGreenBadResponse,
        ],
    }
}

/// The stable error of a failed call:
///
/// | what happened | putt solver | tee-to-green |
/// | --- | --- | --- |
/// | URL not set | `putt_solver_not_configured` 503 | `tee_to_green_not_configured` 503 |
/// | no answer within the timeout | `putt_solver_timeout` 504 | `tee_to_green_timeout` 504 |
/// | 401 / 403 (our key refused) | `putt_solver_unauthorized` 502 | `tee_to_green_unauthorized` 502 |
/// | refused connection, reset, other non-2xx | `putt_solver_unavailable` 502 | `tee_to_green_unavailable` 502 |
/// | 2xx that is not a JSON object | `putt_solver_bad_response` 502 | `tee_to_green_bad_response` 502 |
pub fn call_failure(plan: PlanType, problem: CallProblem, status: Option<u16>, latency_ms: Option<u64>) -> Failure {
    let [not_configured, timeout, unauthorized, unavailable, bad] = codes(plan);
    let name = service_name(plan);
    let (code, msg) = match problem {
        CallProblem::NotConfigured => (not_configured, format!("the {name} is not configured; set {}", url_var(plan))),
        CallProblem::Timeout { timeout_ms, after_headers: false } => {
            (timeout, format!("the {name} did not answer within {timeout_ms} ms"))
        }
        CallProblem::Timeout { after_headers: true, .. } => {
            (timeout, format!("the {name} did not finish its answer in time"))
        }
        CallProblem::Connection { connect } => {
            let why = if connect { "could not connect" } else { "the connection failed" };
            (unavailable, format!("the {name} is unavailable: {why}"))
        }
        CallProblem::Status => match status {
            Some(s @ (401 | 403)) => (unauthorized, format!("the {name} refused our service key ({s})")),
            Some(s) => (unavailable, format!("the {name} answered {s}")),
            None => (unavailable, format!("the {name} answered without a status")),
        },
        CallProblem::Unreadable(m) => (bad, format!("the {name} answer could not be read: {m}")),
        CallProblem::NotAnObject(None) => (bad, format!("the {name} answered JSON that is not an object")),
        CallProblem::NotAnObject(Some(m)) => (bad, format!("the {name} answered something that is not JSON: {m}")),
    };
    Failure { error: ApiError::new(code, msg).with("service", name), status, latency_ms }
}

/// A 2xx body: a JSON object is the plan; anything else is `*_bad_response`.
pub fn parse_answer(plan: PlanType, status: u16, body: &[u8], latency_ms: u64) -> CallOutcome {
    if body.len() > MAX_RESPONSE_BYTES {
        let m = format!("larger than {MAX_RESPONSE_BYTES} bytes");
        return Err(call_failure(plan, CallProblem::Unreadable(m), Some(status), Some(latency_ms)));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(v @ Value::Object(_)) => Ok(CallAnswer { plan: v, status, latency_ms }),
        Ok(_) => Err(call_failure(plan, CallProblem::NotAnObject(None), Some(status), Some(latency_ms))),
        Err(e) => {
            Err(call_failure(plan, CallProblem::NotAnObject(Some(e.to_string())), Some(status), Some(latency_ms)))
        }
    }
}

/// What an instance (or an isolate) has seen of a downstream service, for
/// `/health` (the services are not probed: a probe would cost a plan).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DownstreamSeen {
    pub calls: u64,
    pub failures: u64,
    pub consecutive_failures: u64,
    pub last_success_at_ms: Option<u64>,
    pub last_error_code: Option<String>,
    pub last_error_at_ms: Option<u64>,
}

impl DownstreamSeen {
    /// Counts one call's outcome at `now_ms`.
    pub fn record(&mut self, outcome: &CallOutcome, now_ms: u64) {
        self.calls += 1;
        match outcome {
            Ok(_) => {
                self.consecutive_failures = 0;
                self.last_success_at_ms = Some(now_ms);
            }
            Err(f) => {
                self.failures += 1;
                self.consecutive_failures += 1;
                self.last_error_code = Some(f.error.code.as_str().to_string());
                self.last_error_at_ms = Some(now_ms);
            }
        }
    }
}

/// A component's status in `/health`: `healthy`, `degraded` (working, with
/// something to look at), `unhealthy` (not working), `unknown` (not seen yet).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    Healthy,
    Degraded,
    Unhealthy,
    Unknown,
}

impl HealthStatus {
    /// The overall status of components: the worst one; `unknown` counts as healthy.
    pub fn worst(all: &[HealthStatus]) -> HealthStatus {
        if all.contains(&HealthStatus::Unhealthy) {
            HealthStatus::Unhealthy
        } else if all.contains(&HealthStatus::Degraded) {
            HealthStatus::Degraded
        } else {
            HealthStatus::Healthy
        }
    }

    /// The IETF health-check draft's word (`pass`, `warn`, `fail`).
    pub fn draft(self) -> &'static str {
        match self {
            HealthStatus::Healthy => "pass",
            HealthStatus::Unhealthy => "fail",
            HealthStatus::Degraded | HealthStatus::Unknown => "warn",
        }
    }
}

/// A downstream service's entry in `/health`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DownstreamHealth {
    pub configured: bool,
    pub url: Option<String>,
    pub timeout_s: f64,
    /// Whether a key is configured; the key itself never appears.
    pub api_key_configured: bool,
    pub status: HealthStatus,
    /// Always null: services are not probed (a probe would cost a plan).
    pub response_time_ms: Option<f64>,
    pub seen: Option<DownstreamSeen>,
}

/// A service's entry in `/health`: `unknown` before the first call,
/// `healthy` after a success, `degraded` while calls fail.
pub fn downstream_health(
    url: Option<&str>,
    timeout_ms: u64,
    api_key_configured: bool,
    seen: Option<&DownstreamSeen>,
) -> DownstreamHealth {
    let status = match seen {
        None => HealthStatus::Unknown,
        Some(s) if s.consecutive_failures > 0 => HealthStatus::Degraded,
        Some(_) => HealthStatus::Healthy,
    };
    DownstreamHealth {
        configured: url.is_some(),
        url: url.map(String::from),
        timeout_s: timeout_ms as f64 / 1000.0,
        api_key_configured,
        status,
        response_time_ms: None,
        seen: seen.cloned(),
    }
}

/// The course catalogue's entry in `/health`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistryHealth {
    pub loaded: bool,
    /// Where course data comes from (`bundled`, `disk`, `kv`).
    pub source: String,
    pub path: String,
    pub root: String,
    pub courses: usize,
    pub holes: usize,
    pub failed_courses: usize,
    /// Why the registry did not load.
    pub error: Option<crate::catalog::LoadError>,
    pub course_errors: Vec<crate::catalog::CourseLoadError>,
    pub status: HealthStatus,
    /// How long loading took.
    pub response_time_ms: f64,
}

impl RegistryHealth {
    /// The entry of a catalogue loaded from `source` (`path` in `root`) in `load_ms`.
    pub fn of(cat: &crate::catalog::Catalog, source: &str, path: String, root: String, load_ms: u64) -> Self {
        let (courses, holes, failed) = cat.counts();
        let status = if !cat.loaded() {
            HealthStatus::Unhealthy
        } else if failed > 0 {
            HealthStatus::Degraded
        } else {
            HealthStatus::Healthy
        };
        RegistryHealth {
            loaded: cat.loaded(),
            source: source.into(),
            path,
            root,
            courses,
            holes,
            failed_courses: failed,
            error: cat.registry.as_ref().err().cloned(),
            course_errors: cat.course_errors(),
            status,
            response_time_ms: load_ms as f64,
        }
    }
}

/// The session store's entry in `/health`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoreHealth {
    /// `memory`, `redis` or `durable_objects`.
    pub backend: String,
    /// The backend the configuration asked for.
    pub requested: String,
    pub connected: bool,
    /// The Redis URL with any password removed.
    pub redis_url: Option<String>,
    pub prefix: Option<String>,
    pub warnings: Vec<String>,
    pub error: Option<String>,
    pub counters: Option<Counters>,
    pub status: HealthStatus,
    /// One round trip to the store.
    pub response_time_ms: f64,
}

/// Where debug bundles go.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BundlesInfo {
    pub enabled: bool,
    pub dir: String,
}

/// The downstream services in `/health`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DownstreamServices {
    pub putt_solver: DownstreamHealth,
    pub tee_to_green: DownstreamHealth,
}

/// Whether the admin routes are on.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminInfo {
    pub enabled: bool,
}

/// `GET /health`: every component, and the worst of them as `status`
/// (503 when `unhealthy`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthReport {
    pub status: HealthStatus,
    /// Always `greenside`.
    pub service: String,
    /// `cloudflare-workers` on the edge worker; absent on the native server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    pub version: String,
    pub contract_version: String,
    pub manifest_contract_version: String,
    /// Seconds since the process started (native server only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uptime_s: Option<u64>,
    pub dataset_registry: RegistryHealth,
    pub session_store: StoreHealth,
    pub debug_bundles: BundlesInfo,
    pub downstream: DownstreamServices,
    /// True when the test clock (`x-test-now-ms`) is enabled.
    pub test_clock: bool,
    pub admin: AdminInfo,
}

/// What a platform knows about itself for `/health`.
#[derive(Debug)]
pub struct HealthParts {
    pub platform: Option<String>,
    pub uptime_s: Option<u64>,
    pub dataset_registry: RegistryHealth,
    pub session_store: StoreHealth,
    pub debug_bundles: BundlesInfo,
    pub downstream: DownstreamServices,
    pub test_clock: bool,
    pub admin_enabled: bool,
}

impl HealthReport {
    pub fn new(p: HealthParts) -> HealthReport {
        let status = HealthStatus::worst(&[
            p.dataset_registry.status,
            p.session_store.status,
            p.downstream.putt_solver.status,
            p.downstream.tee_to_green.status,
        ]);
        HealthReport {
            status,
            service: "greenside".into(),
            platform: p.platform,
            version: env!("CARGO_PKG_VERSION").into(),
            contract_version: crate::API_CONTRACT_VERSION.into(),
            manifest_contract_version: crate::MANIFEST_CONTRACT_VERSION.into(),
            uptime_s: p.uptime_s,
            dataset_registry: p.dataset_registry,
            session_store: p.session_store,
            debug_bundles: p.debug_bundles,
            downstream: p.downstream,
            test_clock: p.test_clock,
            admin: AdminInfo { enabled: p.admin_enabled },
        }
    }

    /// The HTTP status: 503 when unhealthy, else 200.
    pub fn http_status(&self) -> u16 {
        if self.status == HealthStatus::Unhealthy { 503 } else { 200 }
    }

    /// The body as JSON (keys sorted, as every answer).
    pub fn body(&self) -> Value {
        body_value(self)
    }

    /// The IETF health-check draft's shape (`application/health+json`).
    pub fn draft_body(&self) -> HealthDraft {
        let check = |name: &str, status: HealthStatus, ms: f64, error: Option<String>| {
            alloc::vec![HealthDraftCheck {
                component_id: name.into(),
                component_type: "datastore".into(),
                status: status.draft().into(),
                observed_value: ms,
                observed_unit: "ms".into(),
                output: error,
            }]
        };
        let reg = &self.dataset_registry;
        let store = &self.session_store;
        let reg_error = reg.error.as_ref().and_then(|e| serde_json::to_string(e).ok());
        let store_error = store.error.as_ref().and_then(|e| serde_json::to_string(e).ok());
        let mut checks = BTreeMap::new();
        checks.insert(
            "dataset_registry:responseTime".into(),
            check("dataset_registry", reg.status, reg.response_time_ms, reg_error),
        );
        checks.insert(
            "session_store:responseTime".into(),
            check("session_store", store.status, store.response_time_ms, store_error),
        );
        HealthDraft {
            status: self.status.draft().into(),
            version: self.version.clone(),
            service_id: "greenside".into(),
            description: "greenside hole-session service".into(),
            checks,
        }
    }
}

/// `GET /health` with `Accept: application/health+json`
/// (draft-inadarei-api-health-check).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthDraft {
    /// `pass`, `warn` or `fail`.
    pub status: String,
    pub version: String,
    pub service_id: String,
    pub description: String,
    pub checks: BTreeMap<String, Vec<HealthDraftCheck>>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthDraftCheck {
    pub component_id: String,
    pub component_type: String,
    pub status: String,
    pub observed_value: f64,
    pub observed_unit: String,
    pub output: Option<String>,
}

/// `GET /live`, `GET /startup`: `{"status": "alive" | "started"}`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeAnswer {
    pub status: String,
}

/// `GET /ready`: `ready` (200) or `not_ready` (503, with the error).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadyAnswer {
    /// `ready` or `not_ready`.
    pub status: String,
    /// Each required check: `ok` and what it saw.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub checks: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
}

impl ReadyAnswer {
    /// The answer for `checks`, ready when `failing` is `None`: its status and body.
    pub fn of(checks: Value, failing: Option<ErrorCode>) -> (u16, Value) {
        match failing {
            None => (200, body_value(&ReadyAnswer { status: "ready".into(), checks, error: None })),
            Some(code) => {
                let err = ApiError::new(code, "not ready: a required check fails").with("checks", checks.clone());
                let status = err.http_status();
                (status, body_value(&ReadyAnswer { status: "not_ready".into(), checks, error: Some(err) }))
            }
        }
    }
}

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
    (status, body_value(&body))
}

// ---- debug bundles ----------------------------------------------------------

/// Layout version of a bundle.
pub const BUNDLE_VERSION: u32 = 1;
/// What replaces a secret in a bundle.
pub const REDACTED: &str = "[REDACTED]";

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
    /// The record of a call to `base_url` (with or without a key) and its outcome.
    pub fn of(decision: &AdviceDecision, base_url: Option<&str>, key_sent: bool, outcome: &CallOutcome) -> Self {
        let mut request_headers = serde_json::Map::new();
        request_headers.insert("content-type".into(), "application/json".into());
        if key_sent {
            request_headers.insert("X-API-Key".into(), REDACTED.into());
        }
        let (response_status, response_body, error, latency_ms) = match outcome {
            Ok(a) => (Some(a.status), Some(a.plan.clone()), None, Some(a.latency_ms)),
            Err(f) => (f.status, None, serde_json::to_value(&f.error).ok(), f.latency_ms),
        };
        BundleDownstream {
            service: service_name(decision.plan_type).into(),
            url: base_url.map(|u| format!("{u}{}", decision.plan_type.path())),
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
    pub rules: Config,
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
    pub rules: &'a Config,
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

// ---- rate limits --------------------------------------------------------------

/// Route groups with their own limits.
pub const RATE_LIMIT_GROUPS: &[&str] =
    &["default", "start", "set_cup_location", "set_ball_location", "get_hole_advice", "session_read", "admin"];

/// Defaults: a phone sends about one fix a second; bursts cover reconnects.
pub const DEFAULT_RATE_LIMITS: &str =
    "default=600/60:100,start=60/60:20,set_ball_location=600/60:120,get_hole_advice=120/60:30,admin=600/60:100";

/// One group's limit.
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    pub limit: u32,
    pub period_ms: u64,
    pub burst: u32,
    pub gcra: Gcra,
}

/// Parses `RATE_LIMITS` (`group=limit/period_s[:burst],...`); `default` is
/// always present (every group without an entry uses it).
pub fn parse_rate_limits(spec: &str) -> Result<BTreeMap<&'static str, Limit>, String> {
    let mut out = BTreeMap::new();
    for entry in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (group, rest) =
            entry.split_once('=').ok_or_else(|| format!("`{entry}`: expected group=limit/period_s[:burst]"))?;
        let group = *RATE_LIMIT_GROUPS
            .iter()
            .find(|g| **g == group.trim())
            .ok_or_else(|| format!("unknown route group `{group}`"))?;
        let (rate, burst) = match rest.split_once(':') {
            Some((r, b)) => (r, Some(b)),
            None => (rest, None),
        };
        let (limit, period) = rate.split_once('/').ok_or_else(|| format!("`{entry}`: expected limit/period_s"))?;
        let limit: u32 = limit.trim().parse().map_err(|_| format!("`{entry}`: limit must be a whole number"))?;
        let period_s: f64 =
            period.trim().trim_end_matches('s').parse().map_err(|_| format!("`{entry}`: period must be seconds"))?;
        if !(period_s.is_finite() && period_s > 0.0 && period_s <= 86_400.0) {
            return Err(format!("`{entry}`: period must be in (0, 86400] seconds"));
        }
        let burst: u32 = match burst {
            Some(b) => b.trim().parse().map_err(|_| format!("`{entry}`: burst must be a whole number"))?,
            None => limit.max(1),
        };
        let period_ms = libm::round(period_s * 1000.0) as u64;
        let gcra = Gcra::new(limit, period_ms, burst)
            .ok_or_else(|| format!("`{entry}`: limit and burst must be at least 1"))?;
        out.insert(group, Limit { limit, period_ms, burst, gcra });
    }
    if !out.contains_key("default") {
        out.extend(parse_rate_limits("default=600/60:100")?);
    }
    Ok(out)
}

/// The limit of a group (`default` for a group without its own).
pub fn limit_for<'a>(limits: &'a BTreeMap<&'static str, Limit>, group: &str) -> Option<&'a Limit> {
    limits.get(group).or_else(|| limits.get("default"))
}

/// The 429 answer of a denied request.
pub fn rate_limited(limit: &Limit, retry_after_ms: u64) -> ApiError {
    let reset_s = retry_after_ms.div_ceil(1000);
    ApiError::new(ErrorCode::RateLimited, format!("too many requests; retry in {reset_s} s"))
        .with("retry_after_s", reset_s.max(1))
        .with("limit", limit.limit)
        .with("period_s", limit.period_ms.div_ceil(1000))
}

/// `RateLimit-Policy` and `RateLimit` header values.
pub fn rate_limit_headers(limit: &Limit, remaining: u64, retry_after_ms: u64) -> (String, String) {
    let reset_s = retry_after_ms.div_ceil(1000);
    (
        format!("{};w={}", limit.limit, limit.period_ms.div_ceil(1000)),
        format!("limit={}, remaining={}, reset={}", limit.limit, remaining, reset_s),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn limits_parse_and_name_the_problem() {
        let l = parse_rate_limits("start=10/60:5, set_ball_location=2/1s").unwrap();
        assert_eq!((l["start"].limit, l["start"].period_ms, l["start"].burst), (10, 60_000, 5));
        assert_eq!(l["set_ball_location"].burst, 2);
        assert!(l.contains_key("default"));
        for bad in ["nowhere=1/1", "start=0/1", "start=1/0", "start", "start=1/1:x", "start=1/-1"] {
            assert!(parse_rate_limits(bad).is_err(), "{bad}");
        }
        assert!(parse_rate_limits(DEFAULT_RATE_LIMITS).is_ok());
    }

    #[test]
    fn cursors_round_trip_and_reject_strangers() {
        let c = (0x1234u64, String::from("run_0123456789abcdef0123456789abcdef"));
        assert_eq!(decode_run_cursor(&encode_run_cursor(&c)), Some(c));
        for bad in ["", "r", "r12", "rzz.run_x", "r1.run_../../etc"] {
            assert_eq!(decode_run_cursor(bad), None, "{bad}");
        }
        let q = |k: &str| (k == "cursor").then(|| encode_sessions_cursor(77));
        assert_eq!(parse_sessions_query(q).unwrap(), (DEFAULT_PAGE_LIMIT, 77));
        let bad = |k: &str| (k == "limit").then(|| String::from("0"));
        assert_eq!(parse_sessions_query(bad).unwrap_err().code, ErrorCode::InvalidQuery);
    }

    #[test]
    fn call_failures_map_to_stable_codes() {
        let f = |p, s| call_failure(PlanType::Putt, p, s, None).error.code;
        assert_eq!(f(CallProblem::NotConfigured, None), ErrorCode::PuttSolverNotConfigured);
        assert_eq!(f(CallProblem::Status, Some(401)), ErrorCode::PuttSolverUnauthorized);
        assert_eq!(f(CallProblem::Status, Some(500)), ErrorCode::PuttSolverUnavailable);
        assert_eq!(
            call_failure(
                PlanType::TeeToGreen,
                CallProblem::Timeout { timeout_ms: 5, after_headers: false },
                None,
                None
            )
            .error
            .code,
            ErrorCode::TeeToGreenTimeout
        );
        assert!(parse_answer(PlanType::Putt, 200, b"{}", 1).is_ok());
        assert_eq!(
            parse_answer(PlanType::Putt, 200, b"[]", 1).unwrap_err().error.code,
            ErrorCode::PuttSolverBadResponse
        );
        assert_eq!(
            parse_answer(PlanType::Putt, 200, b"<", 1).unwrap_err().error.code,
            ErrorCode::PuttSolverBadResponse
        );
    }
}
