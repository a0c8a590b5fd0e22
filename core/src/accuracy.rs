//! A GPS fix's accuracy: what `accuracy_m` means (the 95 % or the 68 %
//! circle) and the largest one accepted.

use serde::{Deserialize, Serialize};

/// Largest `accuracy_m` accepted (metres). A fix worse than this is not a ball position.
pub const MAX_ACCURACY_M: f64 = 1000.0;

/// What a fix's `accuracy_m` means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum AccuracyKind {
    /// Radius of the 95 % circle (W3C Geolocation `coords.accuracy`).
    P95,
    /// Radius of the 68 % circle (Android `Location.getAccuracy()`).
    P68,
}

impl AccuracyKind {
    /// Every kind, in declaration order (the order of [`AccuracyKind::index`]).
    pub const ALL: [AccuracyKind; 2] = [AccuracyKind::P95, AccuracyKind::P68];

    pub const fn index(self) -> usize {
        self as usize
    }

    /// The wire name (`p95`, `p68`).
    pub const fn as_str(self) -> &'static str {
        match self {
            AccuracyKind::P95 => "p95",
            AccuracyKind::P68 => "p68",
        }
    }

    pub fn parse(s: &str) -> Option<AccuracyKind> {
        match s {
            "p95" => Some(AccuracyKind::P95),
            "p68" => Some(AccuracyKind::P68),
            _ => None,
        }
    }

    /// The probability the accuracy circle holds.
    pub const fn probability(self) -> f64 {
        match self {
            AccuracyKind::P95 => 0.95,
            AccuracyKind::P68 => 0.68,
        }
    }

    /// `sqrt(-2 ln(1 - p))`: the radius of the `p` circle in units of σ
    /// (a test checks these constants against the formula).
    pub const fn radius_in_sigmas(self) -> f64 {
        match self {
            AccuracyKind::P95 => 2.447_746_830_680_816,
            AccuracyKind::P68 => 1.509_592_185_451_663_6,
        }
    }

    /// Per-axis σ of a circular normal whose `p` circle has radius `r`.
    pub fn sigma_m(self, r: f64) -> f64 {
        r / self.radius_in_sigmas()
    }
}
