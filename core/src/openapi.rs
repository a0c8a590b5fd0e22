//! The OpenAPI 3.1 document of the HTTP API, built from the wire types.
//!
//! Every request and answer schema is derived (utoipa `ToSchema`) from the
//! types the platforms decode and encode, so the document cannot drift from
//! the code: a type change changes the document, and CI checks the committed
//! copy (`docs/openapi.json`) against [`document`]. The routes are listed
//! once, below; each names the error codes it can answer, and the error
//! responses (status, description, `ErrorBody` schema) are generated from
//! that list through [`ErrorCode::http_status`].
//!
//! The native server serves [`document`] at `/openapi.json`; the edge worker
//! serves the committed copy (utoipa stays out of its wasm), which the same
//! CI check keeps identical.

use crate::error::ErrorCode;
use crate::routes::{self, Access, RouteId, by_id};
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use utoipa::ToSchema;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{AllOfBuilder, AnyOfBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathItem, Paths, RefOr, Required,
    ResponseBuilder,
};

/// The document as pretty JSON with a final newline (what `/openapi.json`
/// serves and `docs/openapi.json` holds).
pub fn document() -> String {
    let mut text = openapi().to_pretty_json().unwrap_or_default();
    text.push('\n');
    text
}

fn schema_ref<T: ToSchema>() -> RefOr<Schema> {
    RefOr::Ref(utoipa::openapi::Ref::from_schema_name(T::name()))
}

/// A POST body: `contract_version` and the type's fields.
fn versioned<T: ToSchema>() -> RefOr<Schema> {
    AllOfBuilder::new().item(utoipa::openapi::Ref::from_schema_name("ContractVersion")).item(schema_ref::<T>()).into()
}

fn contract_version_schema() -> RefOr<Schema> {
    ObjectBuilder::new()
        .property(
            "contract_version",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some(format!(
                    "The API contract the client speaks; major.minor must be {} (the patch may differ).",
                    crate::API_CONTRACT_VERSION
                )))
                .pattern(Some(r"^0\.5\.[0-9]{1,9}$"))
                .examples([crate::API_CONTRACT_VERSION]),
        )
        .required("contract_version")
        .description(Some("Every POST body carries the contract version it was written for."))
        .into()
}

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
const RUN_ID_PATTERN: &str = r"^run_[0-9a-fA-F]{32}$";
const COURSE_ID_PATTERN: &str = r"^[a-z0-9][a-z0-9_-]{0,63}$";

/// An answer's bodies: content type → schema.
type Contents = Vec<(&'static str, RefOr<Schema>)>;

/// One route: what it takes, what it answers, and the codes it can fail with.
struct Route {
    /// Method, path, operationId, guard and error codes: core's route table.
    route: &'static routes::Route,
    tag: &'static str,
    summary: &'static str,
    description: &'static str,
    params: Vec<ParameterBuilder>,
    body: Option<RefOr<Schema>>,
    /// Status, description, content type → schema.
    answers: Vec<(u16, &'static str, Contents)>,
}

fn json(schema: RefOr<Schema>) -> Contents {
    alloc::vec![("application/json", schema)]
}

fn routes() -> Vec<Route> {
    use crate::advice::*;
    use crate::api::*;
    use crate::bundle::*;
    use crate::health::*;
    use crate::listing::*;
    let session_param =
        || string_param("session_id", ParameterIn::Path, true, "The session's id.", Some(SESSION_ID_PATTERN));
    let run_param = || string_param("run_id", ParameterIn::Path, true, "The run's id.", Some(RUN_ID_PATTERN));
    let page_params = || {
        alloc::vec![
            int_param("limit", "Page size (default 50).", Some(1.0), Some(MAX_PAGE_LIMIT as f64)),
            string_param("cursor", ParameterIn::Query, false, "`next_cursor` of the previous page.", None),
        ]
    };
    let session_write = |id, summary, description, body| Route {
        route: by_id(id),
        tag: "session",
        summary,
        description,
        params: Vec::new(),
        body: Some(body),
        answers: Vec::new(),
    };
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
            description: "ON_GREEN asks the putt solver, anything else the tee-to-green planner. When the call fails, the status is the error's (502, 503 or 504) and the body is still an `AdviceResponse`: `plan` null, `fallback_used` true, the straight-line `fallback` and the `error`.",
            params: Vec::new(),
            body: Some(versioned::<AdviceRequest>()),
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
        Route {
            route: by_id(RouteId::ListSessions),
            tag: "admin",
            summary: "List sessions (admin)",
            description: "Oldest first, by session number; cursors are opaque.",
            params: page_params(),
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
                        None
                    ),
                    int_param("created_to_ms", "Only runs created at or before (ms since the epoch).", Some(0.0), None),
                ];
                p.extend(page_params());
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
            answers: alloc::vec![(200, "The most likely hole.", json(schema_ref::<crate::locate::Located>()))],
        },
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
            summary: "Prometheus metrics (native server only)",
            description: "OpenMetrics text. The edge worker answers `route_not_found`.",
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

/// The error responses of a route: one per status, listing its codes.
fn error_answers(errors: &[ErrorCode]) -> BTreeMap<u16, Vec<ErrorCode>> {
    let mut by_status: BTreeMap<u16, Vec<ErrorCode>> = BTreeMap::new();
    for c in errors {
        by_status.entry(c.http_status()).or_default().push(*c);
    }
    by_status
}

fn operation(r: Route) -> utoipa::openapi::path::Operation {
    let mut op = OperationBuilder::new()
        .operation_id(Some(r.route.id.as_str()))
        .tag(r.tag)
        .summary(Some(r.summary))
        .description(if r.description.is_empty() { None } else { Some(r.description) })
        .parameters(Some(r.params));
    if let Some(body) = r.body {
        op = op.request_body(Some(
            RequestBodyBuilder::new()
                .required(Some(Required::True))
                .content("application/json", ContentBuilder::new().schema(Some(body)).build())
                .build(),
        ));
    }
    let answered: Vec<u16> = r.answers.iter().map(|a| a.0).collect();
    for (status, description, contents) in r.answers {
        let mut resp = ResponseBuilder::new().description(description);
        for (ct, schema) in contents {
            resp = resp.content(ct, ContentBuilder::new().schema(Some(schema)).build());
        }
        op = op.response(status.to_string(), resp.build());
    }
    for (status, list) in error_answers(&r.route.errors()) {
        if answered.contains(&status) {
            continue;
        }
        let names: Vec<String> = list.iter().map(|c| format!("`{c}`")).collect();
        let resp = ResponseBuilder::new()
            .description(format!("The error shape; code one of {}.", names.join(", ")))
            .content(
                "application/json",
                ContentBuilder::new().schema(Some(schema_ref::<crate::error::OwnedErrorBody>())).build(),
            )
            .build();
        op = op.response(status.to_string(), resp);
    }
    match r.route.access {
        Access::Api => {
            // Open unless the server requires an API key.
            op = op.security(SecurityRequirement::default());
            op = op.security(SecurityRequirement::new("api_key", Vec::<String>::new()));
        }
        Access::Admin => op = op.security(SecurityRequirement::new("admin_token", Vec::<String>::new())),
        Access::ApiAdmin => {
            // The admin token, and the API key too when the server requires one.
            op = op.security(SecurityRequirement::new("admin_token", Vec::<String>::new()));
            op = op.security(
                SecurityRequirement::new("admin_token", Vec::<String>::new()).add("api_key", Vec::<String>::new()),
            );
        }
        Access::Open => {}
    }
    op.build()
}

/// Every schema the document references, with the ones they reference.
fn schemas() -> Vec<(String, RefOr<Schema>)> {
    let mut out: Vec<(String, RefOr<Schema>)> = Vec::new();
    fn add<T: ToSchema>(out: &mut Vec<(String, RefOr<Schema>)>) {
        out.push((T::name().to_string(), T::schema()));
        T::schemas(out);
    }
    use crate::advice::*;
    use crate::api::*;
    use crate::bundle::*;
    use crate::health::*;
    use crate::listing::*;
    add::<StartRequest>(&mut out);
    add::<SetCupRequest>(&mut out);
    add::<SetBallRequest>(&mut out);
    add::<SetBallsRequest>(&mut out);
    add::<AdviceRequest>(&mut out);
    add::<PruneRequest>(&mut out);
    add::<StartResponse>(&mut out);
    add::<HoleStateResponse>(&mut out);
    add::<SetBallResponse>(&mut out);
    add::<SetBallsResponse>(&mut out);
    add::<DeletedResponse>(&mut out);
    add::<AdviceResponse>(&mut out);
    add::<SessionsPage>(&mut out);
    add::<RunsPage>(&mut out);
    add::<PruneResponse>(&mut out);
    add::<crate::run::RunRecord>(&mut out);
    add::<Bundle>(&mut out);
    add::<crate::catalog::CourseList>(&mut out);
    add::<crate::course::Course>(&mut out);
    add::<crate::locate::Located>(&mut out);
    add::<HealthReport>(&mut out);
    add::<HealthDraft>(&mut out);
    add::<ProbeAnswer>(&mut out);
    add::<ReadyAnswer>(&mut out);
    add::<crate::error::OwnedErrorBody>(&mut out);
    out.push(("ContractVersion".into(), contract_version_schema()));
    // Sorted and unique, so the document is stable.
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

/// Links from the answers that carry a session id to the routes that take
/// one, so a client (or Schemathesis's stateful phase) can follow a session
/// from `start` through fixes to advice.
fn add_session_links(paths: &mut Paths) {
    use utoipa::openapi::link::LinkBuilder;
    let sources = [
        ("/api/session/start", "$response.body#/session_id"),
        ("/api/session/set_cup_location", "$response.body#/hole_state/session_id"),
        ("/api/session/set_ball_location", "$response.body#/hole_state/session_id"),
        ("/api/session/set_ball_locations", "$response.body#/hole_state/session_id"),
    ];
    let body_targets = ["set_cup_location", "set_ball_location", "set_ball_locations", "get_hole_advice"];
    let path_targets = ["get_session", "delete_session"];
    for (path, pointer) in sources {
        let Some(op) = paths.paths.get_mut(path).and_then(|item| item.post.as_mut()) else { continue };
        let Some(RefOr::T(ok)) = op.responses.responses.get_mut("200") else { continue };
        for target in body_targets {
            let body = serde_json::json!({ "session_id": pointer });
            let link = LinkBuilder::new()
                .operation_id(target)
                .request_body(Some(body))
                .description("The same session (the body's other fields as the target needs them).")
                .build();
            ok.links.insert(target.into(), RefOr::T(link));
        }
        for target in path_targets {
            let link = LinkBuilder::new().operation_id(target).parameter("session_id", pointer).build();
            ok.links.insert(target.into(), RefOr::T(link));
        }
    }
}

/// The whole document.
pub fn openapi() -> OpenApi {
    let mut paths = Paths::new();
    for r in routes() {
        let path = r.route.path;
        let method = match r.route.method {
            routes::Method::Get => HttpMethod::Get,
            routes::Method::Post => HttpMethod::Post,
            routes::Method::Delete => HttpMethod::Delete,
        };
        let op = operation(r);
        match paths.paths.get_mut(path) {
            Some(item) => item.merge_operations(PathItem::new(method, op)),
            None => {
                paths.paths.insert(path.into(), PathItem::new(method, op));
            }
        }
    }
    add_session_links(&mut paths);
    let mut components = ComponentsBuilder::new()
        .security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "x-api-key",
                "Needed on /api/* only when the server runs with REQUIRE_API_KEY=1.",
            ))),
        )
        .security_scheme(
            "admin_token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "x-admin-token",
                "The ADMIN_TOKEN; without it configured the admin routes answer 403.",
            ))),
        );
    for (name, schema) in schemas() {
        components = components.schema(name, schema);
    }
    let tags = [
        ("session", "A hole session: start, cup, ball fixes, read, end."),
        ("advice", "Advice routed by the committed surface state."),
        ("courses", "Course data."),
        ("admin", "Listings, runs and debug bundles (x-admin-token)."),
        ("operations", "Health, probes, metrics, this document."),
    ];
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("greenside")
                .version(crate::API_CONTRACT_VERSION)
                .description(Some(
                    "Hole sessions for a golf app: ball fixes classified on the course, a debounced on-green decision, and advice routed to a putt solver or a tee-to-green planner. Every error is `{\"error\": {\"code\", \"message\", \"details\"}}` with a stable code (docs/error-codes.md).",
                ))
                .build(),
        )
        .paths(paths)
        .components(Some(components.build()))
        .tags(Some(tags.iter().map(|(n, d)| TagBuilder::new().name(*n).description(Some(*d)).build())))
        .build()
}
