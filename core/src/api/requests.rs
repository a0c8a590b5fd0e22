//! The request types, each read field by field from its JSON object.

use super::read::*;
use super::{HoleState, Request};
use crate::classify::AccuracyKind;
use crate::contract::check_api_version;
use crate::error::{ApiError, ErrorCode};
use crate::geometry::LatLon;
use crate::validate;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `POST /api/session/start`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StartRequest {
    /// 1–64 of `a-z 0-9 _ -`, starting with a letter or digit.
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[a-z0-9][a-z0-9_-]{0,63}$", example = "riverside"))]
    pub course_id: String,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 99, example = 1))]
    pub hole_id: u32,
    /// The units the golfer reads (`METRES`, the default, or `YARDS`): the
    /// layup marks are placed at 100, 150 and 200 of them. Distances stay in metres.
    #[serde(default)]
    pub units: crate::aim::Units,
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
        Ok(StartRequest { course_id: String::from(course_id), hole_id, units: units(obj)? })
    }
}

/// The optional `units` field: `METRES` (the default) or `YARDS`.
pub(super) fn units(obj: &Map<String, Value>) -> Result<crate::aim::Units, ApiError> {
    match present(obj, "units") {
        None => Ok(crate::aim::Units::default()),
        Some(v) => v.as_str().and_then(crate::aim::Units::from_wire).ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidField, "units must be \"METRES\" or \"YARDS\"").field("units")
        }),
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
        Ok(SetBallsRequest { session_id: session_id(obj)?, fixes: fixes(obj)? })
    }
}

/// The `fixes` array of a batch: 1 to [`MAX_BATCH_FIXES`] fixes, each named by its index.
pub(super) fn fixes(obj: &Map<String, Value>) -> Result<Vec<BallFix>, ApiError> {
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
    Ok(fixes)
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
        Ok(AdviceRequest { session_id: session_id(obj)?, want_plot: want_plot(obj)? })
    }
}

/// The optional `want_plot` field of an advice request.
pub(super) fn want_plot(obj: &Map<String, Value>) -> Result<bool, ApiError> {
    match present(obj, "want_plot") {
        None => Ok(false),
        Some(v) => v.as_bool().ok_or_else(|| type_error("want_plot", "true or false")),
    }
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
