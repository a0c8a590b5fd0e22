//! The one error shape of the HTTP API and its stable codes.
//!
//! Every failure on every route and every platform is
//! `{"error": {"code": "...", "message": "...", "details": {...}}}` with the
//! HTTP status that [`ErrorCode::http_status`] gives. The codes below are the
//! complete, stable list; `docs/error-codes.md` documents them and a test
//! checks the two agree.

use alloc::string::{String, ToString};
use core::fmt;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident = ($code:literal, $status:literal), )*) => {
        /// A stable, documented error code. The string form never changes once released.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )*
        }

        impl ErrorCode {
            /// Every code, in documentation order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The wire form, `snake_case`.
            pub const fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code,)* }
            }

            /// The HTTP status every platform answers with.
            pub const fn http_status(self) -> u16 {
                match self { $(ErrorCode::$variant => $status,)* }
            }

            /// Parses the wire form.
            pub fn from_code(s: &str) -> Option<ErrorCode> {
                match s { $($code => Some(ErrorCode::$variant),)* _ => None }
            }
        }
    };
}

error_codes! {
    /// The body is not valid JSON.
    MalformedJson = ("malformed_json", 400),
    /// An object in the body repeats a key (`{"lat": 91, "lat": 40.2}`); `details.key` names it.
    DuplicateKey = ("duplicate_key", 400),
    /// A field is missing or has the wrong JSON type; `details.field` names it when known.
    InvalidRequest = ("invalid_request", 400),
    /// `contract_version` is missing or its major.minor differs from the supported one.
    UnsupportedContractVersion = ("unsupported_contract_version", 400),
    /// A coordinate is not finite or out of range; `details.field` names it.
    InvalidCoordinates = ("invalid_coordinates", 400),
    /// `session_id` does not have the session id format.
    InvalidSessionId = ("invalid_session_id", 400),
    /// `round_id` does not have the round id format (`gr_` and 32 lowercase hex digits).
    InvalidRoundId = ("invalid_round_id", 400),
    /// `accuracy_m` is not a finite positive number within range.
    InvalidAccuracy = ("invalid_accuracy", 400),
    /// Any other field out of its documented range or format; `details.field` names it.
    InvalidField = ("invalid_field", 400),
    /// A query parameter or pagination cursor is invalid.
    InvalidQuery = ("invalid_query", 400),
    /// Missing or wrong API key.
    Unauthorized = ("unauthorized", 401),
    /// Missing or wrong admin token.
    Forbidden = ("forbidden", 403),
    /// No route here.
    RouteNotFound = ("route_not_found", 404),
    /// The session does not exist or has expired.
    SessionNotFound = ("session_not_found", 404),
    /// The round does not exist (or was deleted).
    RoundNotFound = ("round_not_found", 404),
    /// The course is not in the registry.
    CourseNotFound = ("course_not_found", 404),
    /// The hole is not in the course.
    HoleNotFound = ("hole_not_found", 404),
    /// No hole of the course has a tee of the tee set a round asked for; `details.tee_sets` lists the course's.
    TeeSetNotFound = ("tee_set_not_found", 404),
    /// The run does not exist.
    RunNotFound = ("run_not_found", 404),
    /// The hole has fewer aim points than `measure`'s `to=aim:N` asks for; `details.aim_points` says how many.
    AimPointNotFound = ("aim_point_not_found", 404),
    /// The route exists but not with this method.
    MethodNotAllowed = ("method_not_allowed", 405),
    /// Advice needs a ball position and the session has none.
    BallLocationMissing = ("ball_location_missing", 409),
    /// Advice needs a cup position and the session has none.
    CupLocationMissing = ("cup_location_missing", 409),
    /// Concurrent writers kept winning; the client may retry.
    SessionConflict = ("session_conflict", 409),
    /// A score for a hole the round has not reached; move the round there first (`next_hole`).
    HoleNotReached = ("hole_not_reached", 409),
    /// The round is played in competition (Rules of Golf, Rule 4.3a): distances only, advice is refused.
    CompetitionRound = ("competition_round", 409),
    /// `next_hole` without a hole, on a round that has reached every hole: name the hole.
    NoHoleLeft = ("no_hole_left", 409),
    /// Concurrent writers to one round kept winning; the client may retry.
    RoundConflict = ("round_conflict", 409),
    /// A run status change that the run lifecycle forbids.
    RunInvalidTransition = ("run_invalid_transition", 409),
    /// The body exceeds the size limit.
    PayloadTooLarge = ("payload_too_large", 413),
    /// The request body is not `application/json`.
    UnsupportedMediaType = ("unsupported_media_type", 415),
    /// Well-formed but impossible (for example a batch larger than allowed).
    UnprocessableRequest = ("unprocessable_request", 422),
    /// The position is on no hole of the course (`locate`, `measure`); `details.field` names it.
    NotOnCourse = ("not_on_course", 422),
    /// `measure`'s `from` and `to` are the same point (within 1 cm).
    PointsEqual = ("points_equal", 422),
    /// The hole has no line of play in the course file, so no aim points (`measure`'s `to=aim:N`).
    HoleWithoutLine = ("hole_without_line", 422),
    /// Too many requests from this client; `Retry-After` says when to retry.
    RateLimited = ("rate_limited", 429),
    /// A bug: the service failed in a way it did not expect.
    InternalError = ("internal_error", 500),
    /// The putt solver answered with something that is not a putt solution.
    PuttSolverBadResponse = ("putt_solver_bad_response", 502),
    /// The putt solver refused our service key.
    PuttSolverUnauthorized = ("putt_solver_unauthorized", 502),
    /// The putt solver could not be reached.
    PuttSolverUnavailable = ("putt_solver_unavailable", 502),
    /// The tee-to-green planner answered with something that is not a plan.
    TeeToGreenBadResponse = ("tee_to_green_bad_response", 502),
    /// The tee-to-green planner refused our service key.
    TeeToGreenUnauthorized = ("tee_to_green_unauthorized", 502),
    /// The tee-to-green planner could not be reached.
    TeeToGreenUnavailable = ("tee_to_green_unavailable", 502),
    /// `PUTT_SOLVER_URL` is not set.
    PuttSolverNotConfigured = ("putt_solver_not_configured", 503),
    /// `TEE_TO_GREEN_URL` is not set.
    TeeToGreenNotConfigured = ("tee_to_green_not_configured", 503),
    /// The server is at its bound of requests in flight (`HTTP_MAX_IN_FLIGHT`,
    /// or the client's share of it); nothing was done: retry after `Retry-After`.
    Overloaded = ("overloaded", 503),
    /// The run store could not write the advice call's run (a full or broken
    /// disk, SQLite or Redis failing); `/health` says why. The advice was not given.
    RunStoreUnavailable = ("run_store_unavailable", 503),
    /// The session store (Redis) cannot be reached; nothing was written.
    SessionStoreUnavailable = ("session_store_unavailable", 503),
    /// The round store (SQLite, or Redis beside Redis sessions; a round's object on the edge) failed; nothing was written.
    RoundStoreUnavailable = ("round_store_unavailable", 503),
    /// The dataset registry or the course file failed to load; `/health` has the reason.
    CourseDataUnavailable = ("course_data_unavailable", 503),
    /// The putt solver did not answer within `PUTT_SOLVER_TIMEOUT_S`.
    PuttSolverTimeout = ("putt_solver_timeout", 504),
    /// The tee-to-green planner did not answer within `TEE_TO_GREEN_TIMEOUT_S`.
    TeeToGreenTimeout = ("tee_to_green_timeout", 504),
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ErrorCode::from_code(&s).ok_or_else(|| serde::de::Error::custom(alloc::format!("unknown error code `{s}`")))
    }
}

/// The schema of an error code: one of the documented strings.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for ErrorCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("A stable error code (docs/error-codes.md lists each with its meaning and status)."))
            .enum_values(Some(ErrorCode::ALL.iter().map(|c| c.as_str())))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for ErrorCode {}

/// An API error: a stable code, a sentence for humans, and structured details.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// Structured details: `field` names the offending field, and so on.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub details: Map<String, Value>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError { code, message: message.into(), details: Map::new() }
    }

    /// Adds one entry to `details`.
    #[must_use]
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_string(), value.into());
        self
    }

    /// The `Retry-After` seconds the answer carries (`details.retry_after_s`:
    /// a rate limit, a shed request), for either platform's header.
    pub fn retry_after_s(&self) -> Option<u64> {
        self.details.get("retry_after_s").and_then(Value::as_u64)
    }

    /// Names the offending field (`details.field`).
    #[must_use]
    pub fn field(self, field: &str) -> Self {
        self.with("field", field)
    }

    pub fn http_status(&self) -> u16 {
        self.code.http_status()
    }

    /// The wire body: `{"error": {...}}`.
    pub fn body(&self) -> ErrorBody<'_> {
        ErrorBody { error: self }
    }

    /// The wire body as JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.body()).unwrap_or_else(|_| {
            // Serializing a Map of Values cannot fail; keep a valid body regardless.
            String::from(r#"{"error":{"code":"internal_error","message":"error encoding failed","details":{}}}"#)
        })
    }
}

/// `{"error": ApiError}` on the wire.
#[derive(Debug, Serialize)]
pub struct ErrorBody<'a> {
    pub error: &'a ApiError,
}

/// Owned form of [`ErrorBody`], for clients and tests that decode errors.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ErrorBody))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnedErrorBody {
    pub error: ApiError,
}
