//! Reading a JSON body: the strict parse (duplicate keys refused, nesting
//! bounded) and the field readers, each error naming its field
//! (`ball_wgs84.lat`, `fixes[3].accuracy_m`).

use super::Request;
use crate::contract::check_api_version;
use crate::error::{ApiError, ErrorCode};
use crate::geometry::LatLon;
use crate::validate;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Display;
use serde::Deserialize;
use serde_json::{Map, Value};

/// What [`Strict`] says when an object repeats a key.
pub(super) const DUPLICATE: &str = "duplicate key ";

/// A JSON value whose objects never repeat a key. serde_json's `Value`
/// keeps the last of two equal keys, so `{"lat": 91, "lat": 40.2}` would
/// pass as 40.2 while another parser sees 91: a body that two readers read
/// differently is refused instead.
pub(super) struct Strict(Value);

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

pub(super) fn type_error(field: impl Display, expected: &str) -> ApiError {
    let field = field.to_string();
    ApiError::new(ErrorCode::InvalidRequest, format!("{field} must be {expected}")).field(&field)
}

pub(super) fn missing(field: impl Display) -> ApiError {
    let field = field.to_string();
    ApiError::new(ErrorCode::InvalidRequest, format!("{field} is required")).field(&field)
}

/// A field's JSON path (`fixes[3].accuracy_m`), formatted only when an
/// error names it: decoding a valid body builds no strings for paths.
#[derive(Debug, Clone, Copy)]
pub(super) struct FieldPath<'a> {
    prefix: &'a str,
    key: &'a str,
    axis: Option<&'a str>,
}

impl<'a> FieldPath<'a> {
    pub(super) fn new(prefix: &'a str, key: &'a str) -> Self {
        FieldPath { prefix, key, axis: None }
    }

    pub(super) fn axis(self, axis: &'a str) -> Self {
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

pub(super) fn present<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).filter(|v| !v.is_null())
}

pub(super) fn req_str<'a>(obj: &'a Map<String, Value>, key: &str) -> Result<&'a str, ApiError> {
    match present(obj, key) {
        None => Err(missing(key)),
        Some(v) => v.as_str().ok_or_else(|| type_error(key, "a string")),
    }
}

pub(super) fn opt_f64(obj: &Map<String, Value>, path: FieldPath<'_>) -> Result<Option<f64>, ApiError> {
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

pub(super) fn opt_u64(obj: &Map<String, Value>, path: FieldPath<'_>) -> Result<Option<u64>, ApiError> {
    match present(obj, path.key) {
        None => Ok(None),
        Some(v) => whole_number(v).map(Some).ok_or_else(|| type_error(path, "a whole number ≥ 0")),
    }
}

pub(super) fn session_id(obj: &Map<String, Value>) -> Result<String, ApiError> {
    let id = req_str(obj, "session_id")?;
    validate::session_id(id)?;
    Ok(String::from(id))
}

pub(super) fn lat_lon(obj: &Map<String, Value>, path: FieldPath<'_>) -> Result<LatLon, ApiError> {
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
