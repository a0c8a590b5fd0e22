//! The round routes' requests (`/api/round/*`), read field by field like
//! the session's, and their answers.

use super::Request;
use super::read::*;
use super::requests::{BallFix, fixes, units, want_plot};
use crate::error::{ApiError, ErrorCode};
use crate::validate;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use serde::Serialize;
use serde_json::{Map, Value};

/// `POST /api/round/start`
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoundStartRequest {
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[a-z0-9][a-z0-9_-]{0,63}$", example = "augusta_national"))]
    pub course_id: String,
    /// The hole to start on (a shotgun start, or the back nine first); default the course's first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 99, example = 10))]
    pub start_hole_id: Option<u32>,
    /// A tee set of the course by name (`tee=<colour>` in OpenStreetMap): its pars and lengths.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64, example = "white"))]
    pub tee: Option<String>,
    /// Competition mode (Rules of Golf, Rule 4.3a): distances only; advice is refused (`competition_round`).
    #[serde(default)]
    pub competition: bool,
    #[serde(default)]
    pub units: crate::aim::Units,
}

fn opt_bool(obj: &Map<String, Value>, key: &str) -> Result<Option<bool>, ApiError> {
    match present(obj, key) {
        None => Ok(None),
        Some(v) => v.as_bool().map(Some).ok_or_else(|| type_error(key, "true or false")),
    }
}

impl Request for RoundStartRequest {
    fn from_object(obj: &Map<String, Value>) -> Result<Self, ApiError> {
        let course_id = req_str(obj, "course_id")?;
        validate::course_id(course_id)?;
        let start_hole_id = opt_u64(obj, FieldPath::new("", "start_hole_id"))?
            .map(|h| u32::try_from(h).unwrap_or(u32::MAX))
            .map(|h| validate::hole_id(h).map(|()| h).map_err(|e| e.field("start_hole_id")))
            .transpose()?;
        let tee = match present(obj, "tee") {
            None => None,
            Some(v) => {
                let t = v.as_str().ok_or_else(|| type_error("tee", "a string"))?;
                if t.is_empty() || t.len() > 64 {
                    return Err(ApiError::new(ErrorCode::InvalidField, "tee must be 1 to 64 bytes").field("tee"));
                }
                Some(String::from(t))
            }
        };
        Ok(RoundStartRequest {
            course_id: String::from(course_id),
            start_hole_id,
            tee,
            competition: opt_bool(obj, "competition")?.unwrap_or(false),
            units: units(obj)?,
        })
    }
}

pub(super) fn round_id(obj: &Map<String, Value>) -> Result<String, ApiError> {
    let id = req_str(obj, "round_id")?;
    validate::round_id(id)?;
    Ok(String::from(id))
}

/// One fix for a round.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoundFixOne {
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^gr_[0-9a-f]{32}$", example = "gr_0123456789abcdef0123456789abcdef")
    )]
    pub round_id: String,
    #[serde(flatten)]
    pub fix: BallFix,
}

/// A batch of fixes for a round (an outbox's sync), applied in order, all or none.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoundFixMany {
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^gr_[0-9a-f]{32}$", example = "gr_0123456789abcdef0123456789abcdef")
    )]
    pub round_id: String,
    /// 1 to 500 fixes.
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 500))]
    pub fixes: Vec<BallFix>,
}

/// `POST /api/round/set_ball_location`: one fix, or a batch in `fixes`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum RoundFixRequest {
    Many(RoundFixMany),
    One(RoundFixOne),
}

impl RoundFixRequest {
    pub fn round_id(&self) -> &str {
        match self {
            RoundFixRequest::Many(m) => &m.round_id,
            RoundFixRequest::One(o) => &o.round_id,
        }
    }

    /// The fixes, in order.
    pub fn fixes(&self) -> &[BallFix] {
        match self {
            RoundFixRequest::Many(m) => &m.fixes,
            RoundFixRequest::One(o) => core::slice::from_ref(&o.fix),
        }
    }
}

impl Request for RoundFixRequest {
    fn from_object(obj: &Map<String, Value>) -> Result<Self, ApiError> {
        let round_id = round_id(obj)?;
        if present(obj, "fixes").is_some() {
            Ok(RoundFixRequest::Many(RoundFixMany { round_id, fixes: fixes(obj)? }))
        } else {
            Ok(RoundFixRequest::One(RoundFixOne { round_id, fix: BallFix::from_object(obj, "")? }))
        }
    }
}

/// `POST /api/round/next_hole`
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NextHoleRequest {
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^gr_[0-9a-f]{32}$", example = "gr_0123456789abcdef0123456789abcdef")
    )]
    pub round_id: String,
    /// The hole to move to; default the next one in the course's order the round has not reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 99))]
    pub hole_id: Option<u32>,
}

fn hole_field(obj: &Map<String, Value>, key: &str) -> Result<Option<u32>, ApiError> {
    opt_u64(obj, FieldPath::new("", key))?
        .map(|h| {
            let h = u32::try_from(h).unwrap_or(u32::MAX);
            validate::hole_id(h).map(|()| h).map_err(|e| e.field(key))
        })
        .transpose()
}

impl Request for NextHoleRequest {
    fn from_object(obj: &Map<String, Value>) -> Result<Self, ApiError> {
        Ok(NextHoleRequest { round_id: round_id(obj)?, hole_id: hole_field(obj, "hole_id")? })
    }
}

/// Most strokes, putts or penalties a golfer can enter for a hole.
pub const MAX_HAND_STROKES: u8 = 20;

/// A field of the golfer's entries for a hole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ScoreField {
    Strokes,
    Putts,
    Penalties,
    FairwayHit,
    Gir,
}

impl ScoreField {
    pub const ALL: [ScoreField; 5] =
        [ScoreField::Strokes, ScoreField::Putts, ScoreField::Penalties, ScoreField::FairwayHit, ScoreField::Gir];

    pub const fn as_str(self) -> &'static str {
        match self {
            ScoreField::Strokes => "strokes",
            ScoreField::Putts => "putts",
            ScoreField::Penalties => "penalties",
            ScoreField::FairwayHit => "fairway_hit",
            ScoreField::Gir => "gir",
        }
    }
}

/// `POST /api/round/set_score`: the golfer's own numbers for a hole.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetScoreRequest {
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^gr_[0-9a-f]{32}$", example = "gr_0123456789abcdef0123456789abcdef")
    )]
    pub round_id: String,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 99, example = 1))]
    pub hole_id: u32,
    /// 1 to 20.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 20))]
    pub strokes: Option<u8>,
    /// 0 to 20 (a tap per putt on the page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 20))]
    pub putts: Option<u8>,
    /// 0 to 20 (0 removes a suggested penalty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 20))]
    pub penalties: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fairway_hit: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gir: Option<bool>,
    /// Entries to drop, back to what the GPS says.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(max_items = 5))]
    pub clear: Vec<ScoreField>,
}

fn count(obj: &Map<String, Value>, key: &str, min: u8) -> Result<Option<u8>, ApiError> {
    match present(obj, key) {
        None => Ok(None),
        Some(v) => {
            let n = whole_number(v).ok_or_else(|| type_error(key, "a whole number"))?;
            match u8::try_from(n) {
                Ok(n) if (min..=MAX_HAND_STROKES).contains(&n) => Ok(Some(n)),
                _ => Err(ApiError::new(
                    ErrorCode::InvalidField,
                    format!("{key} must be from {min} to {MAX_HAND_STROKES}"),
                )
                .field(key)),
            }
        }
    }
}

impl Request for SetScoreRequest {
    fn from_object(obj: &Map<String, Value>) -> Result<Self, ApiError> {
        let round_id = round_id(obj)?;
        let hole_id = hole_field(obj, "hole_id")?.ok_or_else(|| missing("hole_id"))?;
        let clear = match present(obj, "clear") {
            None => Vec::new(),
            Some(v) => {
                let list = v.as_array().ok_or_else(|| type_error("clear", "an array of field names"))?;
                let mut out = Vec::new();
                for (i, f) in list.iter().enumerate() {
                    let field = f.as_str().and_then(|s| ScoreField::ALL.into_iter().find(|x| x.as_str() == s));
                    let field = field.ok_or_else(|| {
                        let path = format!("clear[{i}]");
                        ApiError::new(
                            ErrorCode::InvalidField,
                            format!("{path} must be one of strokes, putts, penalties, fairway_hit, gir"),
                        )
                        .field(&path)
                    })?;
                    if !out.contains(&field) {
                        out.push(field);
                    }
                }
                out
            }
        };
        Ok(SetScoreRequest {
            round_id,
            hole_id,
            strokes: count(obj, "strokes", 1)?,
            putts: count(obj, "putts", 0)?,
            penalties: count(obj, "penalties", 0)?,
            fairway_hit: opt_bool(obj, "fairway_hit")?,
            gir: opt_bool(obj, "gir")?,
            clear,
        })
    }
}

/// `POST /api/get_hole_advice` on a round: advice for its current hole
/// (refused with `competition_round` in competition mode).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoundAdviceRequest {
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^gr_[0-9a-f]{32}$", example = "gr_0123456789abcdef0123456789abcdef")
    )]
    pub round_id: String,
    /// Also answer an SVG drawing of the hole (default false).
    #[serde(default)]
    pub want_plot: bool,
}

/// What `POST /api/get_hole_advice` is asked about: a hole session
/// (`session_id`) or a round's current hole (`round_id`), not both.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum AdviceTarget {
    Session(super::AdviceRequest),
    Round(RoundAdviceRequest),
}

impl Request for AdviceTarget {
    fn from_object(obj: &Map<String, Value>) -> Result<Self, ApiError> {
        match (present(obj, "session_id"), present(obj, "round_id")) {
            (Some(_), Some(_)) => Err(ApiError::new(
                ErrorCode::InvalidRequest,
                "give session_id (a hole session) or round_id (a round's current hole), not both",
            )
            .field("round_id")),
            (None, Some(_)) => {
                Ok(AdviceTarget::Round(RoundAdviceRequest { round_id: round_id(obj)?, want_plot: want_plot(obj)? }))
            }
            _ => Ok(AdviceTarget::Session(super::AdviceRequest::from_object(obj)?)),
        }
    }
}
