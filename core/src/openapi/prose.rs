//! Each route's prose for the document: summary, description, parameters,
//! bodies and answers (method, path, guard and error codes come from
//! core's route table).

use super::{schema_ref, versioned};
use crate::advice::*;
use crate::api::*;
use crate::bundle::*;
use crate::health::*;
use crate::listing::*;
use crate::routes::{self, RouteId, by_id};
use alloc::vec::Vec;
use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::{RefOr, Required};

/// `lat,lon` in decimal degrees (the measure route's points).
const LAT_LON_PATTERN: &str =
    concat!(r"^[-+]?(90(\.0+)?|[1-8]?[0-9](\.[0-9]+)?),", r"[-+]?(180(\.0+)?|(1[0-7][0-9]|[1-9]?[0-9])(\.[0-9]+)?)$");
/// `to`: a point, or `aim:N` (N from 1).
const TO_PATTERN: &str = concat!(
    r"^(aim:[1-9][0-9]{0,8}|[-+]?(90(\.0+)?|[1-8]?[0-9](\.[0-9]+)?),",
    r"[-+]?(180(\.0+)?|(1[0-7][0-9]|[1-9]?[0-9])(\.[0-9]+)?))$"
);

fn string_param(
    name: &str,
    at: ParameterIn,
    required: bool,
    description: &str,
    pattern: Option<&str>,
) -> ParameterBuilder {
    let schema = ObjectBuilder::new().schema_type(Type::String).pattern(pattern);
    ParameterBuilder::new()
        .name(name)
        .parameter_in(at)
        .required(if required { Required::True } else { Required::False })
        .description(Some(description))
        .schema(Some(schema))
}

fn degrees_param(name: &str, description: &str, limit: f64) -> ParameterBuilder {
    let schema = ObjectBuilder::new().schema_type(Type::Number).minimum(Some(-limit)).maximum(Some(limit));
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::True)
        .description(Some(description))
        .schema(Some(schema))
}

fn int_param(name: &str, description: &str, min: Option<f64>, max: Option<f64>) -> ParameterBuilder {
    let mut schema = ObjectBuilder::new().schema_type(Type::Integer);
    if let Some(m) = min {
        schema = schema.minimum(Some(m));
    }
    if let Some(m) = max {
        schema = schema.maximum(Some(m));
    }
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(schema))
}

fn enum_param(name: &str, description: &str, values: &[&str]) -> ParameterBuilder {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values.iter().copied()))))
}

const SESSION_ID_PATTERN: &str = r"^gs_[0-9a-f]{32}$";
const ROUND_ID_PATTERN: &str = r"^gr_[0-9a-f]{32}$";
const RUN_ID_PATTERN: &str = r"^run_[0-9a-fA-F]{32}$";
const COURSE_ID_PATTERN: &str = r"^[a-z0-9][a-z0-9_-]{0,63}$";

/// An answer's bodies: content type → schema.
pub(super) type Contents = Vec<(&'static str, RefOr<Schema>)>;

/// One route: what it takes, what it answers, and the codes it can fail with.
pub(super) struct Route {
    /// Method, path, operationId, guard and error codes: core's route table.
    pub(super) route: &'static routes::Route,
    pub(super) tag: &'static str,
    pub(super) summary: &'static str,
    pub(super) description: &'static str,
    pub(super) params: Vec<ParameterBuilder>,
    pub(super) body: Option<RefOr<Schema>>,
    /// Status, description, content type → schema.
    pub(super) answers: Vec<(u16, &'static str, Contents)>,
}

fn json(schema: RefOr<Schema>) -> Contents {
    alloc::vec![("application/json", schema)]
}

fn session_param() -> ParameterBuilder {
    string_param("session_id", ParameterIn::Path, true, "The session's id.", Some(SESSION_ID_PATTERN))
}

fn run_param() -> ParameterBuilder {
    string_param("run_id", ParameterIn::Path, true, "The run's id.", Some(RUN_ID_PATTERN))
}

/// `limit` and `cursor`; `cursor_pattern` is what the listing's parser takes.
fn page_params(cursor_pattern: &str) -> Vec<ParameterBuilder> {
    alloc::vec![
        int_param("limit", "Page size (default 50).", Some(1.0), Some(crate::listing::MAX_PAGE_LIMIT as f64)),
        string_param(
            "cursor",
            ParameterIn::Query,
            false,
            "`next_cursor` of the previous page (opaque; empty or absent for the first page). A cursor this service did not issue is 400 `invalid_query`.",
            Some(cursor_pattern),
        ),
    ]
}

/// A session write: a versioned body, the `session` tag.
fn session_write(id: RouteId, summary: &'static str, description: &'static str, body: RefOr<Schema>) -> Route {
    Route {
        route: by_id(id),
        tag: "session",
        summary,
        description,
        params: Vec::new(),
        body: Some(body),
        answers: Vec::new(),
    }
}

/// Every route's prose, in the document's order.
pub(super) fn routes() -> Vec<Route> {
    let mut all = session_routes();
    all.extend(round_routes());
    all.extend(admin_routes());
    all.extend(course_routes());
    all.extend(operations_routes());
    all
}

/// The session: start, cup, fixes, read, delete, advice.
fn session_routes() -> Vec<Route> {
    alloc::vec![
        Route {
            answers: alloc::vec![(200, "The new session.", json(schema_ref::<StartResponse>()))],
            ..session_write(
                RouteId::Start,
                "Start a session for one hole",
                "The cup starts at the course's default cup for the hole when it has one.",
                versioned::<StartRequest>(),
            )
        },
        Route {
            answers: alloc::vec![(200, "The session after the write.", json(schema_ref::<HoleStateResponse>()))],
            ..session_write(RouteId::SetCupLocation, "Set the cup", "", versioned::<SetCupRequest>(),)
        },
        Route {
            answers: alloc::vec![(
                200,
                "The session after the fix; `applied` is false when its `seq` was already accepted.",
                json(schema_ref::<SetBallResponse>()),
            )],
            ..session_write(
                RouteId::SetBallLocation,
                "Send one ball fix",
                "Classifies the fix and steps the hysteresis. A fix whose `seq` the session already accepted is acknowledged and not applied again.",
                versioned::<SetBallRequest>(),
            )
        },
        Route {
            answers: alloc::vec![(200, "The session after the batch.", json(schema_ref::<SetBallsResponse>()))],
            ..session_write(
                RouteId::SetBallLocations,
                "Send an ordered batch of fixes",
                "Applied atomically, in order; fixes whose `seq` was already accepted are skipped and counted.",
                versioned::<SetBallsRequest>(),
            )
        },
        Route {
            route: by_id(RouteId::GetSession),
            tag: "session",
            summary: "Read a session",
            description: "",
            params: alloc::vec![session_param()],
            body: None,
            answers: alloc::vec![(200, "The session.", json(schema_ref::<HoleStateResponse>()))],
        },
        Route {
            route: by_id(RouteId::DeleteSession),
            tag: "session",
            summary: "End a session",
            description: "Deletes the session; later reads answer `session_not_found`.",
            params: alloc::vec![session_param()],
            body: None,
            answers: alloc::vec![(200, "Deleted.", json(schema_ref::<DeletedResponse>()))],
        },
        Route {
            route: by_id(RouteId::GetHoleAdvice),
            tag: "advice",
            summary: "Route to advice",
            description: "For a hole session (`session_id`) or a round's current hole (`round_id`: the ball where it last came to rest; a round in competition mode answers 409 `competition_round`, Rule 4.3a). ON_GREEN asks the putt solver, anything else the tee-to-green planner. When the call fails, the status is the error's (502, 503 or 504) and the body is still an `AdviceResponse`: `plan` null, `fallback_used` true, the straight-line `fallback` and the `error`.",
            params: Vec::new(),
            body: Some(versioned::<AdviceTarget>()),
            answers: alloc::vec![
                (200, "The plan and how it was routed.", json(schema_ref::<AdviceResponse>())),
                (
                    502,
                    "The service failed (`*_bad_response`, `*_unauthorized`, `*_unavailable`); the fallback plan is flagged.",
                    json(schema_ref::<AdviceResponse>()),
                ),
                (
                    503,
                    "The service is not configured (an `AdviceResponse` with the fallback), or the session store or course data is unavailable (an `ErrorBody`).",
                    json(
                        AnyOfBuilder::new()
                            .item(schema_ref::<AdviceResponse>())
                            .item(schema_ref::<crate::error::OwnedErrorBody>())
                            .into()
                    ),
                ),
                (
                    504,
                    "The service did not answer in time; the fallback plan is flagged.",
                    json(schema_ref::<AdviceResponse>())
                ),
            ],
        },
    ]
}

fn round_param() -> ParameterBuilder {
    string_param("round_id", ParameterIn::Path, true, "The round's id.", Some(ROUND_ID_PATTERN))
}

/// A round route: the `round` tag, the round's state as the answer.
fn round_route(id: RouteId, summary: &'static str, description: &'static str) -> Route {
    Route {
        route: by_id(id),
        tag: "round",
        summary,
        description,
        params: Vec::new(),
        body: None,
        answers: alloc::vec![(200, "The round after the write.", json(schema_ref::<crate::round::RoundResponse>()))],
    }
}

/// The round: start, fixes, next hole, scores, read, export, list, delete.
fn round_routes() -> Vec<Route> {
    use crate::round::{RoundDeleted, RoundFixResponse, RoundResponse};
    let text = |ct: &'static str, what: &'static str| -> Contents {
        alloc::vec![(ct, ObjectBuilder::new().schema_type(Type::String).description(Some(what)).into())]
    };
    alloc::vec![
        Route {
            body: Some(versioned::<RoundStartRequest>()),
            answers: alloc::vec![(200, "The new round.", json(schema_ref::<RoundResponse>()))],
            ..round_route(
                RouteId::RoundStart,
                "Start a round on a course",
                "From the course's first hole or `start_hole_id`, with a tee set's pars and lengths when `tee` names one (`tee_set_not_found` when no hole has it). In competition mode (Rule 4.3a) the round answers distances only and advice is refused (`competition_round`).",
            )
        },
        Route {
            body: Some(versioned::<RoundFixRequest>()),
            answers: alloc::vec![(
                200,
                "The round after the fixes; `applied` counts the fixes taken, `skipped_duplicates` those whose `seq` the round already had.",
                json(schema_ref::<RoundFixResponse>()),
            )],
            ..round_route(
                RouteId::RoundSetBallLocation,
                "Send ball fixes to a round",
                "One fix, or a batch in `fixes` (applied in order, all or none). A fix on the tee of a hole the round has not reached is held; three in a row on that tee move the round there (docs/golfer.md, \"A round\").",
            )
        },
        Route {
            body: Some(versioned::<NextHoleRequest>()),
            ..round_route(
                RouteId::RoundNextHole,
                "Move the round to a hole",
                "To `hole_id`, or to the next hole in the course's order the round has not reached.",
            )
        },
        Route {
            body: Some(versioned::<SetScoreRequest>()),
            ..round_route(
                RouteId::RoundSetScore,
                "Enter the golfer's own numbers for a hole",
                "Any of strokes (1-20), putts and penalties (0-20), fairway hit and green in regulation; each stays set over later fixes until named in `clear`. Only for a hole the round has reached (`hole_not_reached`).",
            )
        },
        Route {
            params: alloc::vec![round_param()],
            answers: alloc::vec![(200, "The round.", json(schema_ref::<RoundResponse>()))],
            ..round_route(RouteId::GetRound, "Read a round: the current hole, the scorecard, the stats", "")
        },
        Route {
            params: alloc::vec![round_param()],
            answers: alloc::vec![(200, "Deleted.", json(schema_ref::<RoundDeleted>()))],
            ..round_route(RouteId::DeleteRound, "Delete a round", "Later reads answer `round_not_found`.")
        },
        Route {
            params: alloc::vec![round_param()],
            answers: alloc::vec![(
                200,
                "GPX 1.1.",
                text(
                    "application/gpx+xml",
                    "The track of fixes (a segment per hole, in the order played) and each shot as a waypoint."
                ),
            )],
            ..round_route(RouteId::RoundGpx, "Export a round as GPX 1.1", "")
        },
        Route {
            params: alloc::vec![round_param()],
            answers: alloc::vec![(
                200,
                "CSV (RFC 4180).",
                text("text/csv", "A header, a row per hole, then OUT, IN and TOTAL."),
            )],
            ..round_route(RouteId::RoundCsv, "Export a round's scorecard as CSV", "")
        },
        Route {
            params: page_params(ROUNDS_CURSOR_PATTERN),
            answers: alloc::vec![(200, "One page.", json(schema_ref::<RoundsPage>()))],
            ..round_route(RouteId::ListRounds, "List rounds", "Newest first; cursors are opaque.")
        },
    ]
}

/// The admin listings and the runs.
fn admin_routes() -> Vec<Route> {
    alloc::vec![
        Route {
            route: by_id(RouteId::ListSessions),
            tag: "admin",
            summary: "List sessions (admin)",
            description: "Oldest first, by session number; cursors are opaque.",
            params: page_params(SESSIONS_CURSOR_PATTERN),
            body: None,
            answers: alloc::vec![(200, "One page.", json(schema_ref::<SessionsPage>()))],
        },
        Route {
            route: by_id(RouteId::ListRuns),
            tag: "admin",
            summary: "List advice runs (admin)",
            description: "Newest first; filters combine.",
            params: {
                let mut p = alloc::vec![
                    enum_param(
                        "status",
                        "Only runs with this status.",
                        &["queued", "processing", "succeeded", "failed"]
                    ),
                    enum_param("plan_type", "Only runs of this plan type.", &["PUTT", "TEE_TO_GREEN"]),
                    string_param("course_id", ParameterIn::Query, false, "Only runs on this course.", None),
                    int_param(
                        "created_from_ms",
                        "Only runs created at or after (ms since the epoch).",
                        Some(0.0),
                        Some(MAX_QUERY_MS as f64),
                    ),
                    int_param(
                        "created_to_ms",
                        "Only runs created at or before (ms since the epoch).",
                        Some(0.0),
                        Some(MAX_QUERY_MS as f64),
                    ),
                ];
                p.extend(page_params(RUNS_CURSOR_PATTERN));
                p
            },
            body: None,
            answers: alloc::vec![(200, "One page.", json(schema_ref::<RunsPage>()))],
        },
        Route {
            route: by_id(RouteId::PruneRuns),
            tag: "admin",
            summary: "Delete old finished runs and their bundles (admin)",
            description: "Absent limits use the platform's defaults (`RUNS_PRUNE_MAX_RUNS`, `RUNS_PRUNE_MAX_AGE_DAYS`). Runs still in flight are kept.",
            params: Vec::new(),
            body: Some(versioned::<PruneRequest>()),
            answers: alloc::vec![(200, "What was deleted.", json(schema_ref::<PruneResponse>()))],
        },
        Route {
            route: by_id(RouteId::GetRun),
            tag: "admin",
            summary: "Read a run (admin)",
            description: "",
            params: alloc::vec![run_param()],
            body: None,
            answers: alloc::vec![(200, "The run.", json(schema_ref::<crate::run::RunRecord>()))],
        },
        Route {
            route: by_id(RouteId::GetRunBundle),
            tag: "admin",
            summary: "Read a run's debug bundle (admin)",
            description: "Everything needed to replay the decision offline (`greenside replay`); secrets are redacted. Only when debug bundles are enabled.",
            params: alloc::vec![run_param()],
            body: None,
            answers: alloc::vec![(200, "The bundle.", json(schema_ref::<Bundle>()))],
        },
    ]
}

/// The courses.
fn course_routes() -> Vec<Route> {
    alloc::vec![
        Route {
            route: by_id(RouteId::ListCourses),
            tag: "courses",
            summary: "List courses",
            description: "",
            params: Vec::new(),
            body: None,
            answers: alloc::vec![(
                200,
                "Every course in the registry.",
                json(schema_ref::<crate::catalog::CourseList>())
            )],
        },
        Route {
            route: by_id(RouteId::GetCourse),
            tag: "courses",
            summary: "Read a course file (for maps)",
            description: "",
            params: alloc::vec![string_param(
                "course_id",
                ParameterIn::Path,
                true,
                "The course's id.",
                Some(COURSE_ID_PATTERN)
            )],
            body: None,
            answers: alloc::vec![(200, "The course file.", json(schema_ref::<crate::course::Course>()))],
        },
        Route {
            route: by_id(RouteId::LocateHole),
            tag: "courses",
            summary: "Which hole is this position on?",
            description: "Scores every hole of the course by the surface the position lands on and its distance from the hole's axis (docs/golfer.md); the best hole, its surface, a confidence and the candidates. `not_on_course` when no hole scores.",
            params: alloc::vec![
                string_param("course_id", ParameterIn::Path, true, "The course's id.", Some(COURSE_ID_PATTERN)),
                degrees_param("lat", "Latitude, decimal degrees (WGS84).", 90.0),
                degrees_param("lon", "Longitude, decimal degrees (WGS84).", 180.0),
            ],
            body: None,
            answers: alloc::vec![
                (200, "The most likely hole.", json(schema_ref::<crate::locate::Located>())),
                (
                    422,
                    "`not_on_course`: the position is on no hole of the course. An answer about a valid position (the golfer is off the course), not a rejection of the request.",
                    json(schema_ref::<crate::error::OwnedErrorBody>()),
                ),
            ],
        },
        Route {
            route: by_id(RouteId::MeasureHole),
            tag: "courses",
            summary: "Measure any point: a tap on the map, or an aim point",
            description: "From `from` (the ball) to `to` (a point, or `aim:N`, the hole's N-th aim point from the tee): the distance, the surface at `to` on this hole, front / middle / back of the green from `to` (towards the green's centre), and the bunkers and water within `HAZARD_CORRIDOR_M` of the line between (docs/golfer.md). `not_on_course` when a point is on no hole of the course, `points_equal` when `from` and `to` are the same point, `hole_without_line` for `aim:N` on a hole whose course file has no line of play, `aim_point_not_found` for an aim point the hole does not have.",
            params: alloc::vec![
                string_param("course_id", ParameterIn::Path, true, "The course's id.", Some(COURSE_ID_PATTERN)),
                string_param("hole_id", ParameterIn::Path, true, "The hole's number (1-99).", Some(r"^[1-9][0-9]?$")),
                string_param(
                    "from",
                    ParameterIn::Query,
                    true,
                    "Where to measure from (the ball): `lat,lon` in decimal degrees (WGS84).",
                    Some(LAT_LON_PATTERN),
                ),
                string_param(
                    "to",
                    ParameterIn::Query,
                    true,
                    "Where to measure to: `lat,lon` in decimal degrees (WGS84), or `aim:N` (the hole's N-th aim point, from 1).",
                    Some(TO_PATTERN),
                ),
            ],
            body: None,
            answers: alloc::vec![
                (200, "The measurement.", json(schema_ref::<crate::measure::Measured>())),
                (
                    422,
                    "`not_on_course`, `points_equal` or `hole_without_line`: the points or the hole cannot be measured as asked.",
                    json(schema_ref::<crate::error::OwnedErrorBody>()),
                ),
            ],
        },
    ]
}

/// Probes, health, metrics and this document.
fn operations_routes() -> Vec<Route> {
    alloc::vec![
        Route {
            route: by_id(RouteId::Health),
            tag: "operations",
            summary: "Every component's health",
            description: "503 when a component is unhealthy. `Accept: application/health+json` answers the IETF health-check draft's shape.",
            params: Vec::new(),
            body: None,
            answers: alloc::vec![
                (
                    200,
                    "Healthy or degraded.",
                    alloc::vec![
                        ("application/json", schema_ref::<HealthReport>()),
                        ("application/health+json", schema_ref::<HealthDraft>()),
                    ],
                ),
                (
                    503,
                    "Unhealthy.",
                    alloc::vec![
                        ("application/json", schema_ref::<HealthReport>()),
                        ("application/health+json", schema_ref::<HealthDraft>()),
                    ],
                ),
            ],
        },
        Route {
            route: by_id(RouteId::Live),
            tag: "operations",
            summary: "Liveness probe",
            description: "",
            params: Vec::new(),
            body: None,
            answers: alloc::vec![(200, "`alive`.", json(schema_ref::<ProbeAnswer>()))],
        },
        Route {
            route: by_id(RouteId::Ready),
            tag: "operations",
            summary: "Readiness probe",
            description: "503 when course data or the session store (the requested backend) is not there.",
            params: Vec::new(),
            body: None,
            answers: alloc::vec![
                (200, "`ready`.", json(schema_ref::<ReadyAnswer>())),
                (503, "`not_ready`, with the failing checks and the error.", json(schema_ref::<ReadyAnswer>())),
            ],
        },
        Route {
            route: by_id(RouteId::Startup),
            tag: "operations",
            summary: "Startup probe",
            description: "",
            params: Vec::new(),
            body: None,
            answers: alloc::vec![(200, "`started`.", json(schema_ref::<ProbeAnswer>()))],
        },
        Route {
            route: by_id(RouteId::Metrics),
            tag: "operations",
            summary: "Prometheus metrics",
            description: "OpenMetrics text. On the edge only with `METRICS_TOKEN` set (else `route_not_found`), and then with `Authorization: Bearer <METRICS_TOKEN>` (else `unauthorized`).",
            params: Vec::new(),
            body: None,
            answers: alloc::vec![(
                200,
                "OpenMetrics text.",
                alloc::vec![(
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                    ObjectBuilder::new().schema_type(Type::String).into()
                )],
            )],
        },
        Route {
            route: by_id(RouteId::OpenApi),
            tag: "operations",
            summary: "This document",
            description: "",
            params: Vec::new(),
            body: None,
            answers: alloc::vec![(
                200,
                "The OpenAPI 3.1 document.",
                json(ObjectBuilder::new().schema_type(Type::Object).into()),
            )],
        },
    ]
}
