//! The one route table of the HTTP API: path, method, the operation it
//! runs, its guard, its rate-limit group and the error codes it can answer.
//! The native router, the worker's dispatch, the OpenAPI document and the
//! rate limiter's groups are all made from it.
//!
//! ```text
//! ROUTES ─► server: axum Router (one handler per RouteId)
//!        ─► worker: find(method, path) ─► match RouteId
//!        ─► openapi: method, path, operationId, errors (+ its own prose and schemas)
//!        ─► rate_limit_group(method, path)
//! ```

use crate::error::ErrorCode as E;
use crate::error::ErrorCode;
use alloc::string::String;
use alloc::vec::Vec;

/// An HTTP method of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Delete,
}

impl Method {
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }

    /// `GET`, `POST` or `DELETE`, any case.
    pub fn parse(s: &str) -> Option<Method> {
        [Method::Get, Method::Post, Method::Delete].into_iter().find(|m| m.as_str().eq_ignore_ascii_case(s))
    }
}

/// What a route does (its OpenAPI `operationId` is [`RouteId::as_str`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteId {
    Start,
    SetCupLocation,
    SetBallLocation,
    SetBallLocations,
    GetSession,
    DeleteSession,
    GetHoleAdvice,
    ListSessions,
    ListRuns,
    PruneRuns,
    GetRun,
    GetRunBundle,
    ListCourses,
    GetCourse,
    LocateHole,
    MeasureHole,
    RoundStart,
    RoundSetBallLocation,
    RoundNextHole,
    RoundSetScore,
    GetRound,
    DeleteRound,
    RoundGpx,
    RoundCsv,
    ListRounds,
    Health,
    Live,
    Ready,
    Startup,
    Metrics,
    OpenApi,
}

impl RouteId {
    /// The OpenAPI `operationId`.
    pub const fn as_str(self) -> &'static str {
        match self {
            RouteId::Start => "start",
            RouteId::SetCupLocation => "set_cup_location",
            RouteId::SetBallLocation => "set_ball_location",
            RouteId::SetBallLocations => "set_ball_locations",
            RouteId::GetSession => "get_session",
            RouteId::DeleteSession => "delete_session",
            RouteId::GetHoleAdvice => "get_hole_advice",
            RouteId::ListSessions => "list_sessions",
            RouteId::ListRuns => "list_runs",
            RouteId::PruneRuns => "prune_runs",
            RouteId::GetRun => "get_run",
            RouteId::GetRunBundle => "get_run_bundle",
            RouteId::ListCourses => "list_courses",
            RouteId::GetCourse => "get_course",
            RouteId::LocateHole => "locate_hole",
            RouteId::MeasureHole => "measure",
            RouteId::RoundStart => "round_start",
            RouteId::RoundSetBallLocation => "round_set_ball_location",
            RouteId::RoundNextHole => "round_next_hole",
            RouteId::RoundSetScore => "round_set_score",
            RouteId::GetRound => "get_round",
            RouteId::DeleteRound => "delete_round",
            RouteId::RoundGpx => "round_gpx",
            RouteId::RoundCsv => "round_csv",
            RouteId::ListRounds => "list_rounds",
            RouteId::Health => "health",
            RouteId::Live => "live",
            RouteId::Ready => "ready",
            RouteId::Startup => "startup",
            RouteId::Metrics => "metrics",
            RouteId::OpenApi => "openapi",
        }
    }
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// `/api/*`: the API key when `REQUIRE_API_KEY` is on.
    Api,
    /// `x-admin-token`.
    Admin,
    /// Both: an admin route in the API's namespace (`/api/sessions`).
    ApiAdmin,
    /// Anyone (probes, the document).
    Open,
}

/// One route.
#[derive(Debug)]
pub struct Route {
    pub method: Method,
    /// The template: `{name}` is one path segment.
    pub path: &'static str,
    pub id: RouteId,
    pub access: Access,
    /// The rate-limit group (`RATE_LIMITS`), if the route is limited.
    pub group: Option<&'static str>,
    /// The error codes it can answer, in groups (see [`Route::errors`]).
    pub error_groups: &'static [&'static [ErrorCode]],
}

impl Route {
    /// The path with its one `{parameter}` segment set to `value` (the
    /// template itself when it has none). `value` goes in as given: a client
    /// passes ids, which need no escaping.
    pub fn path_with(&self, value: &str) -> String {
        match (self.path.find('{'), self.path.find('}')) {
            (Some(open), Some(close)) if open < close => {
                let mut p = String::from(&self.path[..open]);
                p.push_str(value);
                p.push_str(&self.path[close + 1..]);
                p
            }
            _ => String::from(self.path),
        }
    }

    /// Every code the route can answer, each once, in the groups' order.
    pub fn errors(&self) -> Vec<ErrorCode> {
        let mut all: Vec<ErrorCode> = Vec::new();
        for c in self.error_groups.iter().flat_map(|g| g.iter()) {
            if !all.contains(c) {
                all.push(*c);
            }
        }
        all
    }
}

/// Codes every JSON body can fail with before its fields are read.
pub const BODY: &[ErrorCode] = &[
    E::MalformedJson,
    E::DuplicateKey,
    E::InvalidRequest,
    E::UnsupportedContractVersion,
    E::PayloadTooLarge,
    E::UnsupportedMediaType,
];
/// Codes of a route that reads or writes a session.
pub const SESSION: &[ErrorCode] =
    &[E::InvalidSessionId, E::SessionNotFound, E::SessionStoreUnavailable, E::CourseDataUnavailable];
/// Codes of a route that reads positions from its query on a course (`locate`, `measure`).
pub const POSITION_QUERY: &[ErrorCode] = &[
    E::InvalidRequest,
    E::InvalidField,
    E::InvalidQuery,
    E::InvalidCoordinates,
    E::CourseNotFound,
    E::NotOnCourse,
    E::CourseDataUnavailable,
];
/// Codes of a route that reads or writes a round.
pub const ROUND: &[ErrorCode] =
    &[E::InvalidRoundId, E::RoundNotFound, E::RoundStoreUnavailable, E::CourseDataUnavailable];
/// Codes any `/api/*` route can answer.
pub const API: &[ErrorCode] = &[E::Unauthorized, E::RateLimited, E::Overloaded, E::InternalError];
/// Codes any admin route can answer.
pub const ADMIN: &[ErrorCode] = &[E::Forbidden, E::RateLimited, E::Overloaded, E::InternalError];

const fn route(
    method: Method,
    path: &'static str,
    id: RouteId,
    access: Access,
    group: Option<&'static str>,
    error_groups: &'static [&'static [ErrorCode]],
) -> Route {
    Route { method, path, id, access, group, error_groups }
}

use Access::{Admin, Api, ApiAdmin, Open};
use Method::{Delete, Get, Post};

/// Every route of the API, in the document's order.
pub const ROUTES: &[Route] = &[
    route(
        Post,
        "/api/session/start",
        RouteId::Start,
        Api,
        Some("start"),
        &[BODY, &[E::InvalidField, E::CourseNotFound, E::HoleNotFound], SESSION, API],
    ),
    route(
        Post,
        "/api/session/set_cup_location",
        RouteId::SetCupLocation,
        Api,
        Some("set_cup_location"),
        &[BODY, SESSION, &[E::InvalidCoordinates, E::SessionConflict], API],
    ),
    route(
        Post,
        "/api/session/set_ball_location",
        RouteId::SetBallLocation,
        Api,
        Some("set_ball_location"),
        &[BODY, SESSION, &[E::InvalidCoordinates, E::InvalidAccuracy, E::InvalidField, E::SessionConflict], API],
    ),
    route(
        Post,
        "/api/session/set_ball_locations",
        RouteId::SetBallLocations,
        Api,
        Some("set_ball_location"),
        &[
            BODY,
            SESSION,
            &[E::InvalidCoordinates, E::InvalidAccuracy, E::InvalidField, E::UnprocessableRequest, E::SessionConflict],
            API,
        ],
    ),
    route(
        Get,
        "/api/session/{session_id}",
        RouteId::GetSession,
        Api,
        Some("session_read"),
        &[&[E::InvalidRequest], SESSION, API],
    ),
    route(
        Delete,
        "/api/session/{session_id}",
        RouteId::DeleteSession,
        Api,
        Some("default"),
        &[&[E::InvalidRequest], SESSION, API],
    ),
    route(
        Post,
        "/api/get_hole_advice",
        RouteId::GetHoleAdvice,
        Api,
        Some("get_hole_advice"),
        &[
            BODY,
            SESSION,
            ROUND,
            &[E::BallLocationMissing, E::CupLocationMissing, E::SessionConflict, E::CompetitionRound],
            API,
        ],
    ),
    route(
        Get,
        "/api/sessions",
        RouteId::ListSessions,
        ApiAdmin,
        Some("admin"),
        &[&[E::InvalidQuery, E::SessionStoreUnavailable], ADMIN, API],
    ),
    route(
        Get,
        "/runs/v1",
        RouteId::ListRuns,
        Admin,
        Some("admin"),
        &[&[E::InvalidQuery, E::SessionStoreUnavailable], ADMIN],
    ),
    route(
        Post,
        "/runs/v1/prune",
        RouteId::PruneRuns,
        Admin,
        Some("admin"),
        &[BODY, &[E::InvalidField, E::SessionStoreUnavailable], ADMIN],
    ),
    route(
        Get,
        "/runs/v1/{run_id}",
        RouteId::GetRun,
        Admin,
        Some("admin"),
        &[&[E::InvalidRequest, E::RunNotFound, E::SessionStoreUnavailable], ADMIN],
    ),
    route(
        Get,
        "/runs/v1/{run_id}/bundle",
        RouteId::GetRunBundle,
        Admin,
        Some("admin"),
        &[&[E::InvalidRequest, E::RunNotFound], ADMIN],
    ),
    route(Get, "/api/courses", RouteId::ListCourses, Api, Some("default"), &[&[E::CourseDataUnavailable], API]),
    route(
        Get,
        "/api/courses/{course_id}",
        RouteId::GetCourse,
        Api,
        Some("default"),
        &[&[E::InvalidRequest, E::InvalidField, E::CourseNotFound, E::CourseDataUnavailable], API],
    ),
    route(Get, "/api/courses/{course_id}/locate", RouteId::LocateHole, Api, Some("default"), &[POSITION_QUERY, API]),
    route(
        Get,
        "/api/courses/{course_id}/holes/{hole_id}/measure",
        RouteId::MeasureHole,
        Api,
        Some("default"),
        &[POSITION_QUERY, &[E::HoleNotFound, E::AimPointNotFound, E::PointsEqual, E::HoleWithoutLine], API],
    ),
    route(
        Post,
        "/api/round/start",
        RouteId::RoundStart,
        Api,
        Some("start"),
        &[BODY, &[E::InvalidField, E::CourseNotFound, E::HoleNotFound, E::TeeSetNotFound], ROUND, API],
    ),
    route(
        Post,
        "/api/round/set_ball_location",
        RouteId::RoundSetBallLocation,
        Api,
        Some("set_ball_location"),
        &[
            BODY,
            ROUND,
            &[E::InvalidCoordinates, E::InvalidAccuracy, E::InvalidField, E::UnprocessableRequest, E::RoundConflict],
            API,
        ],
    ),
    route(
        Post,
        "/api/round/next_hole",
        RouteId::RoundNextHole,
        Api,
        Some("default"),
        &[BODY, ROUND, &[E::InvalidField, E::HoleNotFound, E::NoHoleLeft, E::RoundConflict], API],
    ),
    route(
        Post,
        "/api/round/set_score",
        RouteId::RoundSetScore,
        Api,
        Some("default"),
        &[BODY, ROUND, &[E::InvalidField, E::HoleNotFound, E::HoleNotReached, E::RoundConflict], API],
    ),
    route(
        Get,
        "/api/round/{round_id}",
        RouteId::GetRound,
        Api,
        Some("session_read"),
        &[&[E::InvalidRequest], ROUND, API],
    ),
    route(
        Delete,
        "/api/round/{round_id}",
        RouteId::DeleteRound,
        Api,
        Some("default"),
        &[&[E::InvalidRequest], ROUND, API],
    ),
    route(
        Get,
        "/api/round/{round_id}/export.gpx",
        RouteId::RoundGpx,
        Api,
        Some("default"),
        &[&[E::InvalidRequest], ROUND, API],
    ),
    route(
        Get,
        "/api/round/{round_id}/scorecard.csv",
        RouteId::RoundCsv,
        Api,
        Some("default"),
        &[&[E::InvalidRequest], ROUND, API],
    ),
    route(
        Get,
        "/api/rounds",
        RouteId::ListRounds,
        Api,
        Some("default"),
        &[&[E::InvalidQuery, E::RoundStoreUnavailable], API],
    ),
    route(Get, "/health", RouteId::Health, Open, None, &[]),
    route(Get, "/live", RouteId::Live, Open, None, &[]),
    route(Get, "/ready", RouteId::Ready, Open, None, &[]),
    route(Get, "/startup", RouteId::Startup, Open, None, &[&[E::CourseDataUnavailable]]),
    // On the edge `/metrics` is off (404) without METRICS_TOKEN and asks for it as a bearer token (401).
    route(Get, "/metrics", RouteId::Metrics, Open, None, &[&[E::RouteNotFound, E::Unauthorized]]),
    route(Get, "/openapi.json", RouteId::OpenApi, Open, None, &[]),
];

/// The route of `id`.
pub fn by_id(id: RouteId) -> &'static Route {
    // Every RouteId has exactly one route (a test checks it).
    ROUTES.iter().find(|r| r.id == id).unwrap_or(&ROUTES[0])
}

/// What a request's method and path match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found<'p> {
    /// The route, and the path's one parameter (`{session_id}`, `{run_id}`, `{course_id}`) as sent.
    Route(&'static Route, Option<&'p str>),
    /// The path is a route's, the method is not: the (first) route of that path.
    MethodNotAllowed(&'static Route),
    NotFound,
}

impl PartialEq for Route {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for Route {}

/// Matches a template against a path: `Some(parameter)` on a match.
fn matches<'p>(template: &str, path: &'p str) -> Option<Option<&'p str>> {
    let (mut t, mut p) = (template.split('/'), path.split('/'));
    let mut param = None;
    loop {
        match (t.next(), p.next()) {
            (None, None) => return Some(param),
            (Some(ts), Some(ps)) if ts.starts_with('{') => {
                if ps.is_empty() {
                    return None;
                }
                param = Some(ps);
            }
            (Some(ts), Some(ps)) if ts == ps => {}
            _ => return None,
        }
    }
}

/// Every `{parameter}` of `template` in `path`, in order (empty when the
/// path does not match): the measure route has two (`{course_id}`, `{hole_id}`).
pub fn path_params<'p>(template: &str, path: &'p str) -> Vec<&'p str> {
    if matches(template, path).is_none() {
        return Vec::new();
    }
    template.split('/').zip(path.split('/')).filter(|(t, _)| t.starts_with('{')).map(|(_, p)| p).collect()
}

/// The route of a request. A path that matches a template without
/// parameters is that route's (`/runs/v1/prune` is never a run id, and
/// `GET /api/session/start` is a 405, not a session), as in axum's router.
/// `HEAD` is `GET` without the body (RFC 9110): routed as `GET`, as axum does.
pub fn find<'p>(method: &str, path: &'p str) -> Found<'p> {
    let method = routing_method(method);
    // No allocation: the access guard runs this on every request.
    let literal = ROUTES.iter().any(|r| matches(r.path, path) == Some(None));
    let mut first = None;
    for r in ROUTES {
        let Some(param) = matches(r.path, path).filter(|p| p.is_none() == literal) else { continue };
        if Some(r.method) == method {
            return Found::Route(r, param);
        }
        first = first.or(Some(r));
    }
    first.map_or(Found::NotFound, Found::MethodNotAllowed)
}

/// The route of a request whose path a router has already matched to the
/// template `template` (axum's `MatchedPath`): [`find`] without reading
/// the path again. The parameter is not kept.
pub fn find_template(method: &str, template: &str) -> Found<'static> {
    let method = routing_method(method);
    let mut first = None;
    for r in ROUTES.iter().filter(|r| r.path == template) {
        if Some(r.method) == method {
            return Found::Route(r, None);
        }
        first = first.or(Some(r));
    }
    first.map_or(Found::NotFound, Found::MethodNotAllowed)
}

/// `HEAD` is `GET` without the body (RFC 9110).
fn routing_method(method: &str) -> Option<Method> {
    if method.eq_ignore_ascii_case("HEAD") { Some(Method::Get) } else { Method::parse(method) }
}

/// The routes of a path, each with the path's parameter as sent: those of
/// the literal template that matches it, else those of the templates with
/// a parameter that do.
fn of_path(path: &str) -> Vec<(&'static Route, Option<&str>)> {
    let matching = |literal: bool| {
        ROUTES.iter().filter_map(move |r| matches(r.path, path).filter(|p| p.is_none() == literal).map(|p| (r, p)))
    };
    let mut candidates = matching(true).peekable();
    if candidates.peek().is_some() { candidates.collect() } else { matching(false).collect() }
}

/// The `Allow` header of a 405 on `path` (RFC 9110): its routes' methods in
/// the table's order, `HEAD` after `GET` (as axum writes it).
pub fn allow(path: &str) -> String {
    let mut out = String::new();
    for (r, _) in of_path(path) {
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(r.method.as_str());
        if r.method == Method::Get {
            out.push_str(",HEAD");
        }
    }
    out
}

/// The rate-limit group of a request: its route's, or `default` for any
/// other `/api/*` path (so an unknown route still costs its client).
pub fn rate_limit_group(method: &str, path: &str) -> Option<&'static str> {
    group_of(&find(method, path), path)
}

/// The rate-limit group of a request whose route lookup gave `found`: its
/// route's (a route of its path with another method counts), `default` for
/// an unknown path under `/api/`, else none.
pub fn group_of(found: &Found<'_>, path: &str) -> Option<&'static str> {
    match found {
        Found::Route(r, _) | Found::MethodNotAllowed(r) => r.group,
        Found::NotFound if path.starts_with("/api/") => Some("default"),
        Found::NotFound => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_id_has_exactly_one_route() {
        for r in ROUTES {
            assert_eq!(ROUTES.iter().filter(|o| o.id == r.id).count(), 1, "{:?}", r.id);
            assert_eq!(by_id(r.id).path, r.path);
            assert_eq!(
                find(
                    r.method.as_str(),
                    &r.path
                        .replace("{session_id}", "gs_x")
                        .replace("{round_id}", "gr_x")
                        .replace("{run_id}", "run_x")
                        .replace("{course_id}", "c")
                        .replace("{hole_id}", "1")
                ),
                Found::Route(r, find_param(r.path))
            );
        }
    }

    /// The path's last parameter, as `find` keeps it.
    fn find_param(template: &str) -> Option<&'static str> {
        ["{hole_id}", "{session_id}", "{round_id}", "{run_id}", "{course_id}"]
            .iter()
            .zip(["1", "gs_x", "gr_x", "run_x", "c"])
            .find(|(t, _)| template.contains(**t))
            .map(|(_, p)| p)
    }

    #[test]
    fn every_parameter_of_a_path_is_read() {
        let r = by_id(RouteId::MeasureHole);
        assert_eq!(path_params(r.path, "/api/courses/augusta/holes/13/measure"), ["augusta", "13"]);
        assert!(path_params(r.path, "/api/courses/augusta/holes/13").is_empty());
        assert_eq!(path_params(by_id(RouteId::GetSession).path, "/api/session/gs_x"), ["gs_x"]);
    }

    #[test]
    fn a_matched_template_finds_what_the_path_finds() {
        for r in ROUTES {
            let path = r.path_with("p");
            for m in ["GET", "POST", "DELETE", "HEAD", "PUT"] {
                let by_path = match find(m, &path) {
                    Found::Route(f, _) => Some((f.id, true)),
                    Found::MethodNotAllowed(f) => Some((f.id, false)),
                    Found::NotFound => None,
                };
                let by_template = match find_template(m, r.path) {
                    Found::Route(f, _) => Some((f.id, true)),
                    Found::MethodNotAllowed(f) => Some((f.id, false)),
                    Found::NotFound => None,
                };
                assert_eq!(by_path, by_template, "{m} {}", r.path);
            }
        }
        assert!(matches!(find_template("GET", "/app/{*path}"), Found::NotFound));
    }

    #[test]
    fn head_is_get_and_a_405_names_what_is_allowed() {
        assert!(matches!(find("HEAD", "/live"), Found::Route(r, _) if r.id == RouteId::Live));
        assert!(matches!(find("HEAD", "/api/session/start"), Found::MethodNotAllowed(_)));
        assert_eq!(allow("/live"), "GET,HEAD");
        assert_eq!(allow("/api/session/start"), "POST");
        assert_eq!(allow("/api/session/gs_1"), "GET,HEAD,DELETE");
        assert_eq!(allow("/nothing"), "");
    }

    #[test]
    fn a_path_is_made_from_its_template() {
        assert_eq!(by_id(RouteId::GetSession).path_with("gs_1"), "/api/session/gs_1");
        assert_eq!(by_id(RouteId::GetRunBundle).path_with("run_2"), "/runs/v1/run_2/bundle");
        assert_eq!(by_id(RouteId::Live).path_with("x"), "/live");
        for r in ROUTES {
            assert!(
                matches!(find(r.method.as_str(), &r.path_with("p")), Found::Route(f, _) if f.id == r.id),
                "{}",
                r.path
            );
        }
    }

    #[test]
    fn literal_segments_win_and_methods_are_checked() {
        assert!(matches!(find("POST", "/runs/v1/prune"), Found::Route(r, None) if r.id == RouteId::PruneRuns));
        assert!(matches!(find("GET", "/runs/v1/prune"), Found::MethodNotAllowed(r) if r.id == RouteId::PruneRuns));
        assert!(matches!(find("GET", "/api/session/start"), Found::MethodNotAllowed(r) if r.id == RouteId::Start));
        assert!(
            matches!(find("delete", "/api/session/gs_1"), Found::Route(r, Some("gs_1")) if r.id == RouteId::DeleteSession)
        );
        assert!(matches!(find("PUT", "/api/session/gs_1"), Found::MethodNotAllowed(_)));
        for missing in ["/api/session/", "/health/", "/nope", "", "/runs/v1/r/bundle/x"] {
            assert_eq!(find("GET", missing), Found::NotFound, "{missing}");
        }
    }

    #[test]
    fn rate_limit_groups_come_from_the_table() {
        assert_eq!(rate_limit_group("POST", "/api/session/set_ball_locations"), Some("set_ball_location"));
        assert_eq!(rate_limit_group("GET", "/api/session/gs_1"), Some("session_read"));
        assert_eq!(rate_limit_group("DELETE", "/api/session/gs_1"), Some("default"));
        assert_eq!(rate_limit_group("GET", "/api/unknown"), Some("default"));
        assert_eq!(rate_limit_group("GET", "/runs/v1/r_1"), Some("admin"));
        assert_eq!(rate_limit_group("GET", "/health"), None);
        for r in ROUTES {
            if let Some(g) = r.group {
                assert!(crate::ratelimit::RATE_LIMIT_GROUPS.contains(&g), "{g}");
            }
        }
    }
}
