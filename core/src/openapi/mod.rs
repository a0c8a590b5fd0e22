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

mod prose;

use crate::error::ErrorCode;
use crate::routes::{self, Access, RouteId};
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use prose::{Route, routes};
use utoipa::ToSchema;
use utoipa::openapi::path::{HttpMethod, OperationBuilder};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, Schema, Type};
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

pub(super) fn schema_ref<T: ToSchema>() -> RefOr<Schema> {
    RefOr::Ref(utoipa::openapi::Ref::from_schema_name(T::name()))
}

/// A POST body: `contract_version` and the type's fields.
pub(super) fn versioned<T: ToSchema>() -> RefOr<Schema> {
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
    add::<AdviceTarget>(&mut out);
    add::<PruneRequest>(&mut out);
    add::<RoundStartRequest>(&mut out);
    add::<RoundFixRequest>(&mut out);
    add::<NextHoleRequest>(&mut out);
    add::<SetScoreRequest>(&mut out);
    add::<crate::round::RoundResponse>(&mut out);
    add::<crate::round::RoundFixResponse>(&mut out);
    add::<crate::round::RoundDeleted>(&mut out);
    add::<RoundsPage>(&mut out);
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
    add::<crate::measure::Measured>(&mut out);
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

/// Links from the answers that carry a session or round id to the routes
/// that take one, so a client (or Schemathesis's stateful phase) can follow a
/// session from `start` through fixes to advice, its run and the run's
/// bundle, a round from its start through fixes and scores to its exports,
/// and the listings to what they list.
fn add_session_links(paths: &mut Paths) {
    use utoipa::openapi::link::LinkBuilder;
    let session_sources: &[(&str, &str)] = &[
        ("/api/session/start", "$response.body#/session_id"),
        ("/api/session/set_cup_location", "$response.body#/hole_state/session_id"),
        ("/api/session/set_ball_location", "$response.body#/hole_state/session_id"),
        ("/api/session/set_ball_locations", "$response.body#/hole_state/session_id"),
    ];
    let round_sources: &[(&str, &str)] = &[
        ("/api/round/start", "$response.body#/round_state/round_id"),
        ("/api/round/set_ball_location", "$response.body#/round_state/round_id"),
        ("/api/round/next_hole", "$response.body#/round_state/round_id"),
        ("/api/round/set_score", "$response.body#/round_state/round_id"),
    ];
    /// Answers carrying the id (path, pointer), its name, the routes taking it in the body and in the path.
    type Family<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a [&'a str], &'a [&'a str]);
    let families: [Family<'_>; 2] = [
        (
            session_sources,
            "session_id",
            &["set_cup_location", "set_ball_location", "set_ball_locations", "get_hole_advice"],
            &["get_session", "delete_session"],
        ),
        (
            round_sources,
            "round_id",
            &["round_set_ball_location", "round_next_hole", "round_set_score"],
            &["get_round", "delete_round", "round_gpx", "round_csv"],
        ),
    ];
    for (sources, id, body_targets, path_targets) in families {
        for (path, pointer) in sources {
            let Some(op) = paths.paths.get_mut(*path).and_then(|item| item.post.as_mut()) else { continue };
            let Some(RefOr::T(ok)) = op.responses.responses.get_mut("200") else { continue };
            for target in body_targets {
                let body = serde_json::json!({ id: pointer });
                let link = LinkBuilder::new()
                    .operation_id(*target)
                    .request_body(Some(body))
                    .description("The same one (the body's other fields as the target needs them).")
                    .build();
                ok.links.insert((*target).into(), RefOr::T(link));
            }
            for target in path_targets {
                let link = LinkBuilder::new().operation_id(*target).parameter(id, *pointer).build();
                ok.links.insert((*target).into(), RefOr::T(link));
            }
        }
    }
    // A session's advice to its run, the admin listings to their items.
    let path_links = [
        (
            RouteId::GetHoleAdvice,
            "$response.body#/run_id",
            "run_id",
            [RouteId::GetRun, RouteId::GetRunBundle].as_slice(),
        ),
        (RouteId::ListRuns, "$response.body#/runs/0/run_id", "run_id", &[RouteId::GetRun, RouteId::GetRunBundle]),
        (RouteId::ListSessions, "$response.body#/sessions/0/session_id", "session_id", &[RouteId::GetSession]),
        (RouteId::ListRounds, "$response.body#/rounds/0/round_id", "round_id", &[RouteId::GetRound]),
    ];
    for (source, pointer, param, targets) in path_links {
        let route = routes::by_id(source);
        let Some(item) = paths.paths.get_mut(route.path) else { continue };
        let op = match route.method {
            routes::Method::Get => item.get.as_mut(),
            routes::Method::Post => item.post.as_mut(),
            routes::Method::Delete => item.delete.as_mut(),
        };
        let Some(RefOr::T(ok)) = op.and_then(|op| op.responses.responses.get_mut("200")) else { continue };
        for target in targets {
            let link = LinkBuilder::new().operation_id(target.as_str()).parameter(param, pointer).build();
            ok.links.insert(target.as_str().into(), RefOr::T(link));
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
        ("round", "A round: the holes of a course in turn, the scorecard, stats and strokes gained, GPX and CSV."),
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
