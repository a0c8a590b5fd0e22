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

/// Checks a coordinate; `field` is its JSON path (`ball_wgs84`).
pub fn lat_lon(field: &str, p: LatLon) -> Result<(), ApiError> {
    for (axis, v, lo, hi) in [("lat", p.lat, -90.0, 90.0), ("lon", p.lon, -180.0, 180.0)] {
        if !v.is_finite() || v < lo || v > hi {
            return Err(ApiError::new(
                ErrorCode::InvalidCoordinates,
                format!("{field}.{axis} must be a finite number in [{lo}, {hi}]"),
            )
            .field(&format!("{field}.{axis}")));
        }
    }
    Ok(())
}

/// Whether an accuracy radius is valid (see [`accuracy`]).
pub fn accuracy_ok(a: f64) -> bool {
    a.is_finite() && a > 0.0 && a <= MAX_ACCURACY_M
}

/// Checks `accuracy_m`: finite, greater than 0, at most [`MAX_ACCURACY_M`].
pub fn accuracy(field: &str, a: f64) -> Result<(), ApiError> {
    if accuracy_ok(a) {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::InvalidAccuracy,
            format!("{field} must be metres, greater than 0 and at most {MAX_ACCURACY_M}"),
        )
        .field(field))
    }
}

/// Course ids: 1–64 of `a-z 0-9 _ -`, starting with a letter or digit.
pub fn course_id(id: &str) -> Result<(), ApiError> {
    let b = id.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_' || *c == b'-');
    if ok {
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
    let ok = id.len() == SESSION_ID_PREFIX.len() + SESSION_ID_HEX
        && id.starts_with(SESSION_ID_PREFIX)
        && id[SESSION_ID_PREFIX.len()..].bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c));
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::InvalidSessionId, "session_id must be `gs_` followed by 32 lowercase hex digits")
            .field("session_id"))
    }
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
