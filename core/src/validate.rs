//! Input validation. Every error names the field it is about.

use crate::accuracy::MAX_ACCURACY_M;
use crate::error::{ApiError, ErrorCode};
use crate::geometry::LatLon;
use alloc::format;
use alloc::string::String;

/// Largest hole id accepted.
pub const MAX_HOLE_ID: u32 = 99;
/// Session ids: this prefix and 32 lowercase hex digits (128 random bits).
pub const SESSION_ID_PREFIX: &str = "gs_";
const SESSION_ID_HEX: usize = 32;

/// True when `lat`, `lon` are finite and within WGS84 ranges.
pub fn lat_lon_ok(lat: f64, lon: f64) -> bool {
    lat.is_finite() && lon.is_finite() && (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)
}

/// The axis of a position that is out of range (see [`check_lat_lon`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    Lat,
    Lon,
}

impl Axis {
    pub const fn as_str(self) -> &'static str {
        match self {
            Axis::Lat => "lat",
            Axis::Lon => "lon",
        }
    }

    /// The valid range, as error messages spell it.
    pub const fn range(self) -> &'static str {
        match self {
            Axis::Lat => "[-90, 90]",
            Axis::Lon => "[-180, 180]",
        }
    }
}

/// The first axis of `p` that is not finite or out of its WGS84 range.
pub fn check_lat_lon(p: LatLon) -> Result<(), Axis> {
    if !(p.lat.is_finite() && (-90.0..=90.0).contains(&p.lat)) {
        return Err(Axis::Lat);
    }
    if !(p.lon.is_finite() && (-180.0..=180.0).contains(&p.lon)) {
        return Err(Axis::Lon);
    }
    Ok(())
}

/// Checks a coordinate; `field` is its JSON path (`ball_wgs84`).
pub fn lat_lon(field: &str, p: LatLon) -> Result<(), ApiError> {
    // The range is a literal, not a formatted float: no float printing here.
    check_lat_lon(p).map_err(|axis| {
        ApiError::new(
            ErrorCode::InvalidCoordinates,
            format!("{field}.{} must be a finite number in {}", axis.as_str(), axis.range()),
        )
        .field(&format!("{field}.{}", axis.as_str()))
    })
}

/// Whether an accuracy radius is valid (see [`accuracy`]).
pub fn accuracy_ok(a: f64) -> bool {
    a.is_finite() && a > 0.0 && a <= MAX_ACCURACY_M
}

/// [`MAX_ACCURACY_M`] as messages spell it (a literal: no float printing).
pub const MAX_ACCURACY_TEXT: &str = "1000";

/// Checks `accuracy_m`: finite, greater than 0, at most [`MAX_ACCURACY_M`].
pub fn accuracy(field: &str, a: f64) -> Result<(), ApiError> {
    if accuracy_ok(a) {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::InvalidAccuracy,
            format!("{field} must be metres, greater than 0 and at most {MAX_ACCURACY_TEXT}"),
        )
        .field(field))
    }
}

/// Whether `id` is a course id (see [`course_id`]); builds no error.
pub fn course_id_ok(id: &str) -> bool {
    let b = id.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_' || *c == b'-')
}

/// Course ids: 1–64 of `a-z 0-9 _ -`, starting with a letter or digit.
pub fn course_id(id: &str) -> Result<(), ApiError> {
    if course_id_ok(id) {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::InvalidField,
            "course_id must be 1-64 characters of a-z, 0-9, `_` or `-`, starting with a letter or digit",
        )
        .field("course_id"))
    }
}

/// Hole ids: 1..=[`MAX_HOLE_ID`].
pub fn hole_id(id: u32) -> Result<(), ApiError> {
    if (1..=MAX_HOLE_ID).contains(&id) {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::InvalidField, format!("hole_id must be 1..={MAX_HOLE_ID}")).field("hole_id"))
    }
}

/// Checks the session id format (`gs_` + 32 lowercase hex digits).
pub fn session_id(id: &str) -> Result<(), ApiError> {
    if is_prefixed_hex(id, SESSION_ID_PREFIX) {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::InvalidSessionId, "session_id must be `gs_` followed by 32 lowercase hex digits")
            .field("session_id"))
    }
}

/// Round ids: this prefix and 32 lowercase hex digits.
pub const ROUND_ID_PREFIX: &str = "gr_";

/// Checks a round id's format (`invalid_round_id`).
pub fn round_id(id: &str) -> Result<(), ApiError> {
    if is_prefixed_hex(id, ROUND_ID_PREFIX) {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::InvalidRoundId, "round_id must be `gr_` followed by 32 lowercase hex digits")
            .field("round_id"))
    }
}

/// `prefix` and then 32 lowercase hex digits.
fn is_prefixed_hex(id: &str, prefix: &str) -> bool {
    id.len() == prefix.len() + SESSION_ID_HEX
        && id.starts_with(prefix)
        && id[prefix.len()..].bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
}

/// Formats 16 random bytes (the platform's CSPRNG) as a round id.
pub fn round_id_from_random(bytes: [u8; 16]) -> String {
    let mut s = session_id_from_random(bytes);
    s.replace_range(..SESSION_ID_PREFIX.len(), ROUND_ID_PREFIX);
    s
}

/// Formats 16 random bytes (from the platform's CSPRNG) as a session id.
pub fn session_id_from_random(bytes: [u8; 16]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(SESSION_ID_PREFIX.len() + SESSION_ID_HEX);
    s.push_str(SESSION_ID_PREFIX);
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelled_out_limits_match_the_numbers() {
        assert_eq!(alloc::format!("{MAX_ACCURACY_M}"), MAX_ACCURACY_TEXT);
        assert_eq!(alloc::format!("[{}, {}]", -90.0, 90.0), Axis::Lat.range());
        assert_eq!(alloc::format!("[{}, {}]", -180.0, 180.0), Axis::Lon.range());
        assert_eq!(check_lat_lon(LatLon::new(f64::NAN, 0.0)), Err(Axis::Lat));
        assert_eq!(check_lat_lon(LatLon::new(0.0, 180.5)), Err(Axis::Lon));
    }

    #[test]
    fn coordinates_name_the_axis() {
        assert!(lat_lon("ball_wgs84", LatLon::new(90.0, -180.0)).is_ok());
        let e = lat_lon("ball_wgs84", LatLon::new(f64::NAN, 0.0)).unwrap_err();
        assert_eq!(e.details["field"], "ball_wgs84.lat");
        let e = lat_lon("cup_wgs84", LatLon::new(0.0, 180.5)).unwrap_err();
        assert_eq!((e.code, e.details["field"].as_str()), (ErrorCode::InvalidCoordinates, Some("cup_wgs84.lon")));
    }

    #[test]
    fn session_ids_round_trip_their_format() {
        let id = session_id_from_random([0xab; 16]);
        assert_eq!(id, "gs_abababababababababababababababab");
        assert!(session_id(&id).is_ok());
        for bad in [
            "",
            "gs_",
            "gs_ABABABABABABABABABABABABABABABAB",
            "xx_abababababababababababababababab",
            "gs_abababababababababababababababa",
        ] {
            assert_eq!(session_id(bad).unwrap_err().code, ErrorCode::InvalidSessionId);
        }
    }

    #[test]
    fn ids_and_accuracy() {
        assert!(course_id("riverside").is_ok());
        assert!(course_id("augusta-national_2").is_ok());
        for bad in ["", "-x", "Riverside", "a b", &"a".repeat(65)] {
            assert!(course_id(bad).is_err(), "{bad}");
        }
        assert!(hole_id(0).is_err() && hole_id(100).is_err() && hole_id(18).is_ok());
        for bad in [0.0, -1.0, f64::INFINITY, 1000.5] {
            assert_eq!(accuracy("accuracy_m", bad).unwrap_err().code, ErrorCode::InvalidAccuracy);
        }
    }
}
