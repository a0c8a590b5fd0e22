//! Wire types of API contract 0.5.0 and the one decoding pipeline every
//! platform runs on a POST body:
//!
//! ```text
//! bytes ─ JSON? ─(malformed_json)→ object? ─(invalid_request)→ contract_version ─(unsupported_contract_version)→
//!   fields, by name ─(invalid_request / invalid_coordinates / invalid_accuracy / invalid_session_id / invalid_field)→ T
//! ```
//!
//! Fields are read by hand rather than by `#[derive(Deserialize)]` so every
//! error names its field (`ball_wgs84.lat`, `fixes[3].accuracy_m`) the same
//! way on every platform. Unknown fields are ignored (forward compatibility).

use crate::classify::{AccuracyKind, Surface};
use crate::contract::{API_CONTRACT_VERSION, check_api_version};
use crate::error::{ApiError, ErrorCode};
use crate::geometry::LatLon;
use crate::hysteresis::{GreenState, Transition};
use crate::validate;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Display;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Largest request body accepted, in bytes (platforms enforce it before decoding).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A request type read from a JSON object, field by field.
pub trait Request: Sized {
    fn from_object(obj: &Map<String, Value>) -> Result<Self, ApiError>;

    /// A quicker decode of a well-formed body, straight from the bytes into
    /// the request without building a [`Value`] first. `None` for anything it
    /// does not accept outright (unknown fields, nulls, escaped strings,
    /// wrong types, invalid values): such a body takes the general path,
    /// which decides the answer, error included. So this may only ever
    /// return what the general path would.
    fn decode_fast(_body: &[u8]) -> Option<Self> {
        None
    }
}

/// Decodes and validates a POST body (see the module docs for the order of checks).
pub fn decode<T: Request>(body: &[u8]) -> Result<T, ApiError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("request body is {} bytes; the limit is {MAX_BODY_BYTES}", body.len()),
        )
        .with("limit_bytes", MAX_BODY_BYTES));
    }
    if let Some(req) = T::decode_fast(body) {
        return Ok(req);
    }
    decode_value(&parse_strict(body)?)
}

/// What [`Strict`] says when an object repeats a key.
const DUPLICATE: &str = "duplicate key ";

/// A JSON value whose objects never repeat a key. serde_json's `Value`
/// keeps the last of two equal keys, so `{"lat": 91, "lat": 40.2}` would
/// pass as 40.2 while another parser sees 91: a body that two readers read
/// differently is refused instead.
struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Strict;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Strict, E> {
                Ok(Strict(Value::Bool(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Strict, E> {
                Ok(Strict(Value::from(v)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Strict, E> {
                Ok(Strict(Value::from(v)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Strict, E> {
                Ok(Strict(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Strict, E> {
                Ok(Strict(Value::String(v.into())))
            }
            fn visit_string<E>(self, v: String) -> Result<Strict, E> {
                Ok(Strict(Value::String(v)))
            }
            fn visit_unit<E>(self) -> Result<Strict, E> {
                Ok(Strict(Value::Null))
            }
            fn visit_none<E>(self) -> Result<Strict, E> {
                Ok(Strict(Value::Null))
            }
            fn visit_some<D2: serde::Deserializer<'de>>(self, d: D2) -> Result<Strict, D2::Error> {
                Strict::deserialize(d)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Strict, A::Error> {
                let mut out = Vec::new();
                while let Some(Strict(v)) = seq.next_element()? {
                    out.push(v);
                }
                Ok(Strict(Value::Array(out)))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Strict, A::Error> {
                let mut out = Map::new();
                while let Some(key) = map.next_key::<String>()? {
                    if out.contains_key(&key) {
                        return Err(serde::de::Error::custom(format!("{DUPLICATE}{key}")));
                    }
                    let Strict(v) = map.next_value()?;
                    out.insert(key, v);
                }
                Ok(Strict(Value::Object(out)))
            }
        }
        d.deserialize_any(V)
    }
}

/// Parses a body into a [`Value`], refusing an object that repeats a key
/// (`duplicate_key`, with the key) and anything that is not JSON.
pub fn parse_strict(body: &[u8]) -> Result<Value, ApiError> {
    match serde_json::from_slice::<Strict>(body) {
        Ok(Strict(v)) => Ok(v),
        Err(e) => {
            let text = e.to_string();
            match text.strip_prefix(DUPLICATE) {
                Some(rest) => {
                    // "key at line 1 column 20": the key is what comes before the position.
                    let key = rest.rsplit_once(" at line ").map_or(rest, |(k, _)| k);
                    Err(ApiError::new(ErrorCode::DuplicateKey, format!("request body repeats the key `{key}`"))
                        .with("key", key))
                }
                None => Err(ApiError::new(ErrorCode::MalformedJson, format!("request body is not valid JSON: {text}"))),
            }
        }
    }
}

/// Like [`decode`] for an already parsed body.
pub fn decode_value<T: Request>(value: &Value) -> Result<T, ApiError> {
    let obj = value
        .as_object()
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidRequest, "request body must be a JSON object"))?;
    check_api_version(obj.get("contract_version").and_then(Value::as_str))?;
    T::from_object(obj)
}

fn type_error(field: impl Display, expected: &str) -> ApiError {
    let field = field.to_string();
    ApiError::new(ErrorCode::InvalidRequest, format!("{field} must be {expected}")).field(&field)
}

fn missing(field: impl Display) -> ApiError {
    let field = field.to_string();
    ApiError::new(ErrorCode::InvalidRequest, format!("{field} is required")).field(&field)
}

/// A field's JSON path (`fixes[3].accuracy_m`), formatted only when an
/// error names it: decoding a valid body builds no strings for paths.
#[derive(Debug, Clone, Copy)]
struct FieldPath<'a> {
    prefix: &'a str,
    key: &'a str,
    axis: Option<&'a str>,
}

impl<'a> FieldPath<'a> {
    fn new(prefix: &'a str, key: &'a str) -> Self {
        FieldPath { prefix, key, axis: None }
    }

    fn axis(self, axis: &'a str) -> Self {
        FieldPath { axis: Some(axis), ..self }
    }
}

impl Display for FieldPath<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}{}", self.prefix, self.key)?;
        match self.axis {
            Some(a) => write!(f, ".{a}"),
            None => Ok(()),
        }
    }
}

fn present<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).filter(|v| !v.is_null())
}

fn req_str<'a>(obj: &'a Map<String, Value>, key: &str) -> Result<&'a str, ApiError> {
    match present(obj, key) {
        None => Err(missing(key)),
        Some(v) => v.as_str().ok_or_else(|| type_error(key, "a string")),
    }
}

fn opt_f64(obj: &Map<String, Value>, path: FieldPath<'_>) -> Result<Option<f64>, ApiError> {
    match present(obj, path.key) {
        None => Ok(None),
        Some(v) => v.as_f64().map(Some).ok_or_else(|| type_error(path, "a number")),
    }
}

/// A JSON number whose value is a whole number ≥ 0, as JSON Schema's
/// `integer` is (2020-12, what OpenAPI 3.1 uses): `68` and `68.0` alike, so
/// a client that writes every number as a double (`2300.0`) is understood.
/// Above 2^53 a double no longer tells neighbouring integers apart, so only
/// an exact integer literal is read there.
#[allow(clippy::float_cmp, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub fn whole_number(v: &Value) -> Option<u64> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    v.as_u64().or_else(|| {
        let f = v.as_f64()?;
        ((0.0..EXACT).contains(&f) && f == libm::trunc(f)).then_some(f as u64)
    })
}

fn opt_u64(obj: &Map<String, Value>, path: FieldPath<'_>) -> Result<Option<u64>, ApiError> {
    match present(obj, path.key) {
        None => Ok(None),
        Some(v) => whole_number(v).map(Some).ok_or_else(|| type_error(path, "a whole number ≥ 0")),
    }
}

fn session_id(obj: &Map<String, Value>) -> Result<String, ApiError> {
    let id = req_str(obj, "session_id")?;
    validate::session_id(id)?;
    Ok(String::from(id))
}

fn lat_lon(obj: &Map<String, Value>, path: FieldPath<'_>) -> Result<LatLon, ApiError> {
    let inner = match present(obj, path.key) {
        None => return Err(missing(path)),
        Some(v) => v.as_object().ok_or_else(|| type_error(path, "an object {\"lat\": number, \"lon\": number}"))?,
    };
    let axis = |name: &'static str| -> Result<f64, ApiError> {
        let p = path.axis(name);
        match present(inner, name) {
            None => Err(missing(p)),
            Some(v) => v.as_f64().ok_or_else(|| {
                let p = p.to_string();
                ApiError::new(ErrorCode::InvalidCoordinates, format!("{p} must be a number")).field(&p)
            }),
        }
    };
    let p = LatLon::new(axis("lat")?, axis("lon")?);
    if !validate::lat_lon_ok(p.lat, p.lon) {
        validate::lat_lon(&path.to_string(), p)?;
    }
    Ok(p)
}

/// `POST /api/session/start`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StartRequest {
    /// 1–64 of `a-z 0-9 _ -`, starting with a letter or digit.
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[a-z0-9][a-z0-9_-]{0,63}$", example = "riverside"))]
    pub course_id: String,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 99, example = 1))]
    pub hole_id: u32,
}

impl Request for StartRequest {
    fn from_object(obj: &Map<String, Value>) -> Result<Self, ApiError> {
        let course_id = req_str(obj, "course_id")?;
        validate::course_id(course_id)?;
        let hole_id = match present(obj, "hole_id") {
            None => return Err(missing("hole_id")),
            Some(v) => whole_number(v).ok_or_else(|| type_error("hole_id", "a whole number"))?,
        };
        let hole_id = u32::try_from(hole_id).unwrap_or(u32::MAX);
        validate::hole_id(hole_id)?;
        Ok(StartRequest { course_id: String::from(course_id), hole_id })
    }
}

/// `POST /api/session/set_cup_location`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetCupRequest {
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^gs_[0-9a-f]{32}$", example = "gs_0123456789abcdef0123456789abcdef")
    )]
    pub session_id: String,
    pub cup_wgs84: LatLon,
}

impl Request for SetCupRequest {
    fn from_object(obj: &Map<String, Value>) -> Result<Self, ApiError> {
        Ok(SetCupRequest { session_id: session_id(obj)?, cup_wgs84: lat_lon(obj, FieldPath::new("", "cup_wgs84"))? })
    }
}

/// One ball fix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BallFix {
    pub ball_wgs84: LatLon,
    /// Horizontal accuracy radius in metres (meaning per `accuracy_kind`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(exclusive_minimum = 0.0, maximum = 1000.0))]
    pub accuracy_m: Option<f64>,
    /// `p95` (browser, default) or `p68` (Android).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy_kind: Option<AccuracyKind>,
    /// Client sequence number, strictly increasing per session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// Client time of the fix, milliseconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_time_ms: Option<u64>,
}

impl BallFix {
    /// Reads a fix from `obj`; `prefix` is its path (`""` or `fixes[3].`).
    pub fn from_object(obj: &Map<String, Value>, prefix: &str) -> Result<Self, ApiError> {
        let ball_wgs84 = lat_lon(obj, FieldPath::new(prefix, "ball_wgs84"))?;
        let acc_path = FieldPath::new(prefix, "accuracy_m");
        let accuracy_m = opt_f64(obj, acc_path)?;
        if let Some(a) = accuracy_m {
            if !validate::accuracy_ok(a) {
                validate::accuracy(&acc_path.to_string(), a)?;
            }
        }
        let accuracy_kind = match present(obj, "accuracy_kind") {
            None => None,
            Some(v) => Some(v.as_str().and_then(AccuracyKind::parse).ok_or_else(|| {
                let kind_path = FieldPath::new(prefix, "accuracy_kind").to_string();
                ApiError::new(ErrorCode::InvalidField, format!("{kind_path} must be \"p95\" or \"p68\""))
                    .field(&kind_path)
            })?),
        };
        Ok(BallFix {
            ball_wgs84,
            accuracy_m,
            accuracy_kind,
            seq: opt_u64(obj, FieldPath::new(prefix, "seq"))?,
            client_time_ms: opt_u64(obj, FieldPath::new(prefix, "client_time_ms"))?,
        })
    }
}

/// `POST /api/session/set_ball_location`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetBallRequest {
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^gs_[0-9a-f]{32}$", example = "gs_0123456789abcdef0123456789abcdef")
    )]
    pub session_id: String,
    #[serde(flatten)]
    pub fix: BallFix,
}

impl Request for SetBallRequest {
    fn from_object(obj: &Map<String, Value>) -> Result<Self, ApiError> {
        Ok(SetBallRequest { session_id: session_id(obj)?, fix: BallFix::from_object(obj, "")? })
    }

    /// The hot path: every ball fix of every phone comes through here.
    fn decode_fast(body: &[u8]) -> Option<Self> {
        // Exactly the documented fields; borrowed strings fail on escapes.
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Wire<'a> {
            contract_version: &'a str,
            session_id: &'a str,
            ball_wgs84: LatLonWire,
            #[serde(default)]
            accuracy_m: Option<f64>,
            #[serde(default)]
            accuracy_kind: Option<&'a str>,
            #[serde(default)]
            seq: Option<u64>,
            #[serde(default)]
            client_time_ms: Option<u64>,
        }
        /// `{"lat": number, "lon": number}` and nothing else (a derived
        /// struct would also take `[lat, lon]`, which the general path refuses).
        struct LatLonWire {
            lat: f64,
            lon: f64,
        }
        impl<'de> Deserialize<'de> for LatLonWire {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                use serde::de::{Error, MapAccess, Visitor};
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = LatLonWire;
                    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                        f.write_str("an object {\"lat\": number, \"lon\": number}")
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<LatLonWire, A::Error> {
                        let (mut lat, mut lon) = (None, None);
                        while let Some(k) = m.next_key::<&'de str>()? {
                            let slot = match k {
                                "lat" => &mut lat,
                                "lon" => &mut lon,
                                _ => return Err(A::Error::custom("unknown field")),
                            };
                            if slot.replace(m.next_value::<f64>()?).is_some() {
                                return Err(A::Error::custom("duplicate field"));
                            }
                        }
                        match (lat, lon) {
                            (Some(lat), Some(lon)) => Ok(LatLonWire { lat, lon }),
                            _ => Err(A::Error::custom("missing field")),
                        }
                    }
                }
                d.deserialize_map(V)
            }
        }
        // An array would fill the derived struct by position.
        if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return None;
        }
        let w: Wire<'_> = serde_json::from_slice(body).ok()?;
        check_api_version(Some(w.contract_version)).ok()?;
        validate::session_id(w.session_id).ok()?;
        if !validate::lat_lon_ok(w.ball_wgs84.lat, w.ball_wgs84.lon) || !w.accuracy_m.is_none_or(validate::accuracy_ok)
        {
            return None;
        }
        let accuracy_kind = match w.accuracy_kind {
            None => None,
            Some(k) => Some(AccuracyKind::parse(k)?),
        };
        Some(SetBallRequest {
            session_id: String::from(w.session_id),
            fix: BallFix {
                ball_wgs84: LatLon::new(w.ball_wgs84.lat, w.ball_wgs84.lon),
                accuracy_m: w.accuracy_m,
                accuracy_kind,
                seq: w.seq,
                client_time_ms: w.client_time_ms,
            },
        })
    }
}

/// Most fixes one `set_ball_locations` batch may carry.
pub const MAX_BATCH_FIXES: usize = 500;

/// `POST /api/session/set_ball_locations`: an ordered batch applied atomically.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetBallsRequest {
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^gs_[0-9a-f]{32}$", example = "gs_0123456789abcdef0123456789abcdef")
    )]
    pub session_id: String,
    /// 1 to 500 fixes, applied in order.
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 500))]
    pub fixes: Vec<BallFix>,
}

impl Request for SetBallsRequest {
    fn from_object(obj: &Map<String, Value>) -> Result<Self, ApiError> {
        let session_id = session_id(obj)?;
        let list = match present(obj, "fixes") {
            None => return Err(missing("fixes")),
            Some(v) => v.as_array().ok_or_else(|| type_error("fixes", "an array of fixes"))?,
        };
        if list.is_empty() {
            return Err(ApiError::new(ErrorCode::InvalidField, "fixes must hold at least one fix").field("fixes"));
        }
        if list.len() > MAX_BATCH_FIXES {
            return Err(ApiError::new(
                ErrorCode::UnprocessableRequest,
                format!("a batch holds at most {MAX_BATCH_FIXES} fixes; split it"),
            )
            .field("fixes")
            .with("max_fixes", MAX_BATCH_FIXES)
            .with("fixes", list.len()));
        }
        let mut fixes = Vec::with_capacity(list.len());
        for (i, v) in list.iter().enumerate() {
            let path = format!("fixes[{i}]");
            let o = v.as_object().ok_or_else(|| type_error(&path, "an object"))?;
            fixes.push(BallFix::from_object(o, &format!("{path}."))?);
        }
        Ok(SetBallsRequest { session_id, fixes })
    }
}

/// Answer of `set_ball_locations`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetBallsResponse {
    pub hole_state: HoleState,
    /// Fixes classified and stepped.
    pub applied: u32,
    /// Fixes whose `seq` was already accepted (acknowledged, not applied).
    pub skipped_duplicates: u32,
}

/// `POST /api/get_hole_advice`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdviceRequest {
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^gs_[0-9a-f]{32}$", example = "gs_0123456789abcdef0123456789abcdef")
    )]
    pub session_id: String,
    /// Also answer an SVG drawing of the hole (default false).
    #[serde(default)]
    pub want_plot: bool,
}

impl Request for AdviceRequest {
    fn from_object(obj: &Map<String, Value>) -> Result<Self, ApiError> {
        let want_plot = match present(obj, "want_plot") {
            None => false,
            Some(v) => v.as_bool().ok_or_else(|| type_error("want_plot", "true or false"))?,
        };
        Ok(AdviceRequest { session_id: session_id(obj)?, want_plot })
    }
}

/// A warning carried in the session state (never an error).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Warning {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub details: Map<String, Value>,
}

/// Where the cup position came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CupSource {
    /// The course file's default cup for the hole.
    CourseDefault,
    /// Set by `set_cup_location`.
    Client,
}

/// `hole_state`: the session as every response shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HoleState {
    pub contract_version: String,
    pub session_id: String,
    pub session_number: u64,
    pub course_id: String,
    pub hole_id: u32,
    pub par: u8,
    pub cup_wgs84: Option<LatLon>,
    pub cup_source: Option<CupSource>,
    pub ball_wgs84: Option<LatLon>,
    pub accuracy_m: Option<f64>,
    /// Detailed surface under the last fix.
    pub surface: Option<Surface>,
    /// The committed decision that routes advice.
    pub surface_state: GreenState,
    /// The last fix's candidate.
    pub candidate_state: GreenState,
    /// Consecutive fixes disagreeing with `surface_state` (0 when none pending).
    pub candidate_streak: u32,
    pub surface_confidence: Option<f64>,
    /// Signed metres to the green's edge, positive inside.
    pub distance_to_green_edge_m: Option<f64>,
    /// Front, middle and back of the green along the line of play from the
    /// last fix (`null` before the first fix): `crate::yardage`.
    pub green_distances: Option<crate::yardage::GreenDistances>,
    /// Bunkers and water within the corridor of the line of play, nearest first.
    pub hazards: Vec<crate::yardage::Hazard>,
    pub last_transition: Option<Transition>,
    pub transitions: u32,
    pub suppressed_flickers: u32,
    /// What the decision rests on: `streak` (candidate_streak against the
    /// configured streaks) or `evidence` (evidence_log_odds against ±C).
    pub hysteresis_mode: crate::rules::HysteresisMode,
    /// Evidence mode: accumulated log-odds that the ball is on the green.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_log_odds: Option<f64>,
    /// Ball fixes accepted (duplicates by `seq` not counted).
    pub fix_count: u64,
    pub last_seq: Option<u64>,
    /// Shots so far (`shots.len()`): `crate::shots`.
    pub strokes: u32,
    /// Each confirmed move of the ball, first first.
    pub shots: Vec<crate::shots::Shot>,
    pub warnings: Vec<Warning>,
    pub created_at_ms: u64,
    pub updated_at_ms: u64,
    pub expires_at_ms: u64,
    /// Increases by one on every accepted write (the stores' compare-and-set version).
    pub revision: u64,
}

/// `{session_id, hole_state}`: answer of `start`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StartResponse {
    pub session_id: String,
    pub hole_state: HoleState,
}

/// `{hole_state}`: answer of `set_cup_location` and `GET /api/session/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HoleStateResponse {
    pub hole_state: HoleState,
}

/// Answer of `set_ball_location`: `applied` is false when the fix's `seq` was
/// already accepted (acknowledged, not applied twice).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetBallResponse {
    pub hole_state: HoleState,
    pub applied: bool,
}

/// Answer of `DELETE /api/session/{session_id}`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedResponse {
    /// Always true: a session that is not there answers `session_not_found`.
    pub deleted: bool,
    pub session_id: String,
}

impl DeletedResponse {
    pub fn of(session_id: &str) -> DeletedResponse {
        DeletedResponse { deleted: true, session_id: String::from(session_id) }
    }
}

/// The contract version responses carry.
pub fn contract_version() -> String {
    String::from(API_CONTRACT_VERSION)
}

/// `POST /runs/v1/prune`: limits for this prune; absent ones use the
/// platform's defaults (`RUNS_PRUNE_MAX_RUNS`, `RUNS_PRUNE_MAX_AGE_DAYS`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PruneRequest {
    pub max_runs: Option<u64>,
    #[cfg_attr(feature = "openapi", schema(maximum = 3650))]
    pub max_age_days: Option<u64>,
}

/// Largest `max_age_days` accepted (ten years).
pub const MAX_PRUNE_AGE_DAYS: u64 = 3650;

impl Request for PruneRequest {
    fn from_object(obj: &Map<String, Value>) -> Result<Self, ApiError> {
        let max_runs = opt_u64(obj, FieldPath::new("", "max_runs"))?;
        let max_age_days = opt_u64(obj, FieldPath::new("", "max_age_days"))?;
        if max_age_days.is_some_and(|d| d > MAX_PRUNE_AGE_DAYS) {
            return Err(ApiError::new(
                ErrorCode::InvalidField,
                format!("max_age_days must be at most {MAX_PRUNE_AGE_DAYS}"),
            )
            .field("max_age_days"));
        }
        Ok(PruneRequest { max_runs, max_age_days })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The general path alone (what `decode` does without the fast one).
    fn general<T: Request>(body: &[u8]) -> Result<T, ApiError> {
        decode_value(&parse_strict(body)?)
    }

    #[test]
    fn whole_numbers_may_be_written_with_a_fraction() {
        use serde_json::json;
        for (v, want) in [
            (json!(68), Some(68)),
            (json!(68.0), Some(68)),
            (json!(0.0), Some(0)),
            (json!(-0.0), Some(0)),
            (json!(2300.0), Some(2300)),
            (json!(68.5), None),
            (json!(-1), None),
            (json!(-1.0), None),
            (json!(9_007_199_254_740_991.0), Some(9_007_199_254_740_991)),
            (json!(9_007_199_254_740_992.0), None),
            (json!(u64::MAX), Some(u64::MAX)),
            (json!("68"), None),
        ] {
            assert_eq!(whole_number(&v), want, "{v}");
        }
        let start: StartRequest =
            decode(br#"{"contract_version":"0.5.0","course_id":"riverside","hole_id":1.0}"#).unwrap();
        assert_eq!(start.hole_id, 1);
        let e = decode::<StartRequest>(br#"{"contract_version":"0.5.0","course_id":"riverside","hole_id":1.5}"#)
            .unwrap_err();
        assert_eq!(
            (e.code, e.details.get("field").and_then(Value::as_str)),
            (ErrorCode::InvalidRequest, Some("hole_id"))
        );
        let id = "gs_0123456789abcdef0123456789abcdef";
        let body = format!(
            r#"{{"contract_version":"0.5.0","session_id":"{id}","ball_wgs84":{{"lat":1,"lon":2}},"seq":2300.0}}"#
        );
        assert_eq!(decode::<SetBallRequest>(body.as_bytes()).unwrap().fix.seq, Some(2300));
        let body = body.replace("2300.0", "7.5");
        let e = decode::<SetBallRequest>(body.as_bytes()).unwrap_err();
        assert_eq!(e.details.get("field").and_then(Value::as_str), Some("seq"));
    }

    #[test]
    fn a_repeated_key_is_refused_wherever_it_is() {
        for (body, key) in [
            (r#"{"a":1,"a":2}"#, "a"),
            (r#"{"x":{"lat":91,"lat":40.2}}"#, "lat"),
            (r#"[{"k":1},{"k":1,"k":1}]"#, "k"),
            (r#"{"a b":1,"a b":2}"#, "a b"),
        ] {
            let e = parse_strict(body.as_bytes()).unwrap_err();
            assert_eq!(
                (e.code, e.details.get("key").and_then(Value::as_str)),
                (ErrorCode::DuplicateKey, Some(key)),
                "{body}"
            );
        }
        assert_eq!(parse_strict(br#"{"a":1,"b":{"a":2}}"#).unwrap(), serde_json::json!({"a":1,"b":{"a":2}}));
        assert_eq!(parse_strict(b"{").unwrap_err().code, ErrorCode::MalformedJson);
        let v = parse_strict(br#"{"n":-1,"f":1.5,"s":"x","z":null,"t":true,"a":[1]}"#).unwrap();
        assert_eq!(v, serde_json::from_str::<Value>(r#"{"n":-1,"f":1.5,"s":"x","z":null,"t":true,"a":[1]}"#).unwrap());
    }

    #[test]
    fn the_fast_set_ball_decode_answers_what_the_general_path_does() {
        let id = "gs_0123456789abcdef0123456789abcdef";
        let bodies: Vec<String> = [
            r#"{"contract_version":"0.5.0","session_id":"ID","ball_wgs84":{"lat":40.2682,"lon":-111.6595},"accuracy_m":4}"#,
            r#"{"contract_version":"0.5.7","session_id":"ID","ball_wgs84":{"lon":-111.6595,"lat":40},"seq":7,"client_time_ms":1795650000000,"accuracy_kind":"p68"}"#,
            r#"{"session_id":"ID","ball_wgs84":{"lat":1,"lon":2},"contract_version":"0.5.0","accuracy_m":null,"seq":null}"#,
            r#"{"contract_version":"0.5.0","session_id":"ID","ball_wgs84":{"lat":1,"lon":2},"extra":[1e400]}"#,
            r#"{"contract_version":"0.5.0","session_id":"\u0067s_0123456789abcdef0123456789abcdef","ball_wgs84":{"lat":1,"lon":2}}"#,
            r#"{"contract_version":"0.5.0","session_id":"ID","ball_wgs84":{"lat":1,"lon":2,"alt":3}}"#,
            r#"{"contract_version":"0.5.0","session_id":"ID","session_id":"gs_ffffffffffffffffffffffffffffffff","ball_wgs84":{"lat":1,"lon":2}}"#,
            r#"{"contract_version":"0.4.0","session_id":"ID","ball_wgs84":{"lat":1,"lon":2}}"#,
            r#"{"session_id":"ID","ball_wgs84":{"lat":1,"lon":2}}"#,
            r#"{"contract_version":"0.5.0","session_id":"gs_nothex","ball_wgs84":{"lat":1,"lon":2}}"#,
            r#"{"contract_version":"0.5.0","session_id":"ID","ball_wgs84":{"lat":91,"lon":2}}"#,
            r#"{"contract_version":"0.5.0","session_id":"ID","ball_wgs84":{"lat":"1","lon":2}}"#,
            r#"{"contract_version":"0.5.0","session_id":"ID","ball_wgs84":{"lat":1}}"#,
            r#"{"contract_version":"0.5.0","session_id":"ID","ball_wgs84":[1,2]}"#,
            r#"["0.5.0","ID",{"lat":1,"lon":2}]"#,
            r#"{"contract_version":"0.5.0","session_id":"ID","ball_wgs84":{"lat":1,"lon":2,"lat":3}}"#,
            r#"{"contract_version":"0.5.0","session_id":"ID","ball_wgs84":{"lat":null,"lon":2}}"#,
            r#" {"contract_version":"0.5.0","session_id":"ID","ball_wgs84":{"lat":1,"lon":2}}"#,
            r#"{"contract_version":"0.5.0","session_id":"ID","ball_wgs84":{"lat":1,"lon":2},"accuracy_m":0}"#,
            r#"{"contract_version":"0.5.0","session_id":"ID","ball_wgs84":{"lat":1,"lon":2},"accuracy_m":1001}"#,
            r#"{"contract_version":"0.5.0","session_id":"ID","ball_wgs84":{"lat":1,"lon":2},"accuracy_kind":"p50"}"#,
            r#"{"contract_version":"0.5.0","session_id":"ID","ball_wgs84":{"lat":1,"lon":2},"seq":-1}"#,
            r#"{"contract_version":"0.5.0","session_id":"ID","ball_wgs84":{"lat":1,"lon":2},"seq":1.5}"#,
            r#"{"contract_version":"0.5.0","session_id":"ID","ball_wgs84":{"lat":1,"lon":2}} x"#,
            r#"{"contract_version":"0.5.0","session_id":"ID","ball_wgs84":{"lat":1e400,"lon":2}}"#,
            r#"{"contract_version":5,"session_id":"ID","ball_wgs84":{"lat":1,"lon":2}}"#,
            r#"[]"#,
            r#""#,
        ]
        .iter()
        .map(|b| b.replace("ID", id))
        .collect();
        let mut fast_taken = 0;
        for b in &bodies {
            let via_decode = decode::<SetBallRequest>(b.as_bytes());
            let via_general = general::<SetBallRequest>(b.as_bytes());
            assert_eq!(via_decode, via_general, "{b}");
            if SetBallRequest::decode_fast(b.as_bytes()).is_some() {
                fast_taken += 1;
                assert!(via_general.is_ok(), "{b}");
            }
        }
        // The fast path is taken for the plain bodies (else this test proves nothing).
        assert_eq!(fast_taken, 4);
    }
}
