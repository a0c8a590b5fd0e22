//! The rules every platform shares (commit streaks, evidence, TTL, default
//! accuracy): `Rules`, and how they are read from
//! environment-style variables (the platform passes a lookup function; core
//! never reads the environment itself).

use crate::accuracy::AccuracyKind;
use alloc::format;
use alloc::string::String;
use serde::{Deserialize, Serialize};

pub use crate::accuracy::MAX_ACCURACY_M;
/// Longest commit streak accepted from configuration.
pub const MAX_STREAK: u32 = 100;

/// How fixes are debounced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum HysteresisMode {
    /// Commit streaks exactly as seed 000 defines them (the default).
    #[default]
    Streak,
    /// Accumulated log-odds with a Schmitt trigger (`crate::evidence`).
    Evidence,
}

/// Rule settings. Defaults are the seed's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Rules {
    /// `SURFACE_COMMIT_ON_STREAK`: consecutive ON_GREEN candidates that switch OFF → ON.
    pub commit_on_streak: u32,
    /// `SURFACE_COMMIT_OFF_STREAK`: consecutive OFF_GREEN candidates that switch ON → OFF.
    pub commit_off_streak: u32,
    /// `SESSION_TTL_S`: sliding session expiry in seconds.
    pub session_ttl_s: u64,
    /// `DEFAULT_ACCURACY_M`: accuracy assumed when a fix carries none.
    pub default_accuracy_m: f64,
    /// `DEFAULT_ACCURACY_KIND`: how `accuracy_m` is meant when a fix does not say.
    pub default_accuracy_kind: AccuracyKind,
    /// `SURFACE_HYSTERESIS_MODE`: `streak` (default) or `evidence`.
    pub hysteresis_mode: HysteresisMode,
    /// `SURFACE_EVIDENCE_FALSE_SWITCH_RATE`: tolerated chance that noise alone switches a settled state.
    pub evidence_false_switch_rate: f64,
    /// `SURFACE_EVIDENCE_MAX_WAIT_FIXES`: decisive fixes that always switch.
    pub evidence_max_wait_fixes: u32,
    /// `HAZARD_CORRIDOR_M`: bunkers and water within this many metres either
    /// side of the line of play are hazards on the way.
    pub hazard_corridor_m: f64,
    /// `SHOT_MIN_DISTANCE_M`: the least distance the ball's position must move
    /// to count as a shot (the fixes' accuracy may ask for more).
    pub shot_min_distance_m: f64,
    /// `SHOT_CONFIRM_FIXES`: consecutive fixes at the new position that confirm a shot.
    pub shot_confirm_fixes: u32,
}

/// Widest `HAZARD_CORRIDOR_M` accepted, in metres.
pub const MAX_HAZARD_CORRIDOR_M: f64 = 100.0;
/// Largest `SHOT_MIN_DISTANCE_M` accepted, in metres.
pub const MAX_SHOT_MIN_DISTANCE_M: f64 = 100.0;
/// Most `SHOT_CONFIRM_FIXES` accepted.
pub const MAX_SHOT_CONFIRM_FIXES: u32 = 10;

impl Default for Rules {
    fn default() -> Self {
        Rules {
            commit_on_streak: 2,
            commit_off_streak: 2,
            session_ttl_s: 7200,
            default_accuracy_m: 5.0,
            default_accuracy_kind: AccuracyKind::P95,
            hysteresis_mode: HysteresisMode::Streak,
            evidence_false_switch_rate: 1e-4,
            evidence_max_wait_fixes: 1,
            hazard_corridor_m: 20.0,
            shot_min_distance_m: 5.0,
            shot_confirm_fixes: 2,
        }
    }
}

/// A configuration variable with an unusable value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}={value:?} is invalid: {reason}")]
pub struct RulesError {
    pub variable: &'static str,
    pub value: String,
    pub reason: &'static str,
}

impl Rules {
    /// Reads `SURFACE_COMMIT_ON_STREAK`, `SURFACE_COMMIT_OFF_STREAK`,
    /// `SESSION_TTL_S`, `DEFAULT_ACCURACY_M` and `DEFAULT_ACCURACY_KIND`
    /// through `lookup`; unset variables keep their defaults.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Rules, RulesError> {
        let mut c = Rules::default();
        let get = |name: &'static str| lookup(name).map(|v| (name, String::from(v.trim())));
        if let Some((var, v)) = get("SURFACE_COMMIT_ON_STREAK") {
            c.commit_on_streak = parse_streak(var, &v)?;
        }
        if let Some((var, v)) = get("SURFACE_COMMIT_OFF_STREAK") {
            c.commit_off_streak = parse_streak(var, &v)?;
        }
        if let Some((var, v)) = get("SESSION_TTL_S") {
            c.session_ttl_s = match v.parse::<u64>() {
                Ok(s) if (1..=30 * 86_400).contains(&s) => s,
                _ => return Err(err(var, v, "expected whole seconds between 1 and 2592000")),
            };
        }
        if let Some((var, v)) = get("DEFAULT_ACCURACY_M") {
            c.default_accuracy_m = match v.parse::<f64>() {
                Ok(a) if a.is_finite() && a > 0.0 && a <= MAX_ACCURACY_M => a,
                _ => {
                    return Err(err(var, v, "expected metres, greater than 0 and at most 1000"));
                }
            };
        }
        if let Some((var, v)) = get("DEFAULT_ACCURACY_KIND") {
            c.default_accuracy_kind =
                AccuracyKind::parse(&v).ok_or_else(|| err(var, v.clone(), "expected `p95` or `p68`"))?;
        }
        if let Some((var, v)) = get("SURFACE_HYSTERESIS_MODE") {
            c.hysteresis_mode = match v.as_str() {
                "streak" => HysteresisMode::Streak,
                "evidence" => HysteresisMode::Evidence,
                _ => return Err(err(var, v, "expected `streak` or `evidence`")),
            };
        }
        if let Some((var, v)) = get("SURFACE_EVIDENCE_FALSE_SWITCH_RATE") {
            c.evidence_false_switch_rate = match v.parse::<f64>() {
                Ok(a) if a > 0.0 && a < 0.5 => a,
                _ => return Err(err(var, v, "expected a probability between 0 and 0.5, e.g. 0.0001")),
            };
        }
        if let Some((var, v)) = get("SURFACE_EVIDENCE_MAX_WAIT_FIXES") {
            c.evidence_max_wait_fixes = parse_streak(var, &v)?;
        }
        if let Some((var, v)) = get("HAZARD_CORRIDOR_M") {
            c.hazard_corridor_m = parse_metres(var, &v, MAX_HAZARD_CORRIDOR_M, CORRIDOR_RANGE)?;
        }
        if let Some((var, v)) = get("SHOT_MIN_DISTANCE_M") {
            c.shot_min_distance_m = parse_metres(var, &v, MAX_SHOT_MIN_DISTANCE_M, SHOT_RANGE)?;
        }
        if let Some((var, v)) = get("SHOT_CONFIRM_FIXES") {
            c.shot_confirm_fixes = match v.parse::<u32>() {
                Ok(n) if (1..=MAX_SHOT_CONFIRM_FIXES).contains(&n) => n,
                _ => return Err(err(var, v, "expected a whole number of fixes between 1 and 10")),
            };
        }
        Ok(c)
    }

    /// The evidence mode's band and cap (valid once `validate` passed).
    pub fn evidence_params(&self) -> crate::evidence::EvidenceParams {
        crate::evidence::EvidenceParams::new(self.evidence_false_switch_rate, self.evidence_max_wait_fixes)
            .or_else(|| crate::evidence::EvidenceParams::new(1e-4, 1))
            .unwrap_or(crate::evidence::EvidenceParams { clamp: 4.6, per_fix_cap: 9.2 })
    }

    /// Checks a configuration built in code (for example from a test vector).
    pub fn validate(&self) -> Result<(), RulesError> {
        parse_streak("SURFACE_COMMIT_ON_STREAK", &format!("{}", self.commit_on_streak))?;
        parse_streak("SURFACE_COMMIT_OFF_STREAK", &format!("{}", self.commit_off_streak))?;
        if !(self.evidence_false_switch_rate > 0.0 && self.evidence_false_switch_rate < 0.5) {
            return Err(err(
                "SURFACE_EVIDENCE_FALSE_SWITCH_RATE",
                format!("{}", self.evidence_false_switch_rate),
                "expected a probability between 0 and 0.5",
            ));
        }
        parse_streak("SURFACE_EVIDENCE_MAX_WAIT_FIXES", &format!("{}", self.evidence_max_wait_fixes))?;
        parse_metres(
            "HAZARD_CORRIDOR_M",
            &format!("{}", self.hazard_corridor_m),
            MAX_HAZARD_CORRIDOR_M,
            CORRIDOR_RANGE,
        )?;
        parse_metres(
            "SHOT_MIN_DISTANCE_M",
            &format!("{}", self.shot_min_distance_m),
            MAX_SHOT_MIN_DISTANCE_M,
            SHOT_RANGE,
        )?;
        if !(1..=MAX_SHOT_CONFIRM_FIXES).contains(&self.shot_confirm_fixes) {
            return Err(err(
                "SHOT_CONFIRM_FIXES",
                format!("{}", self.shot_confirm_fixes),
                "expected a whole number of fixes between 1 and 10",
            ));
        }
        if self.session_ttl_s == 0 {
            return Err(err("SESSION_TTL_S", String::from("0"), "must be at least 1"));
        }
        if !(self.default_accuracy_m.is_finite()
            && self.default_accuracy_m > 0.0
            && self.default_accuracy_m <= MAX_ACCURACY_M)
        {
            return Err(err(
                "DEFAULT_ACCURACY_M",
                format!("{}", self.default_accuracy_m),
                "expected metres, greater than 0 and at most 1000",
            ));
        }
        Ok(())
    }

    pub fn ttl_ms(&self) -> u64 {
        self.session_ttl_s.saturating_mul(1000)
    }
}

fn parse_streak(var: &'static str, v: &str) -> Result<u32, RulesError> {
    match v.parse::<u32>() {
        Ok(n) if (1..=MAX_STREAK).contains(&n) => Ok(n),
        _ => Err(err(var, String::from(v), "expected a whole number of fixes between 1 and 100")),
    }
}

const CORRIDOR_RANGE: &str = "expected metres, greater than 0 and at most 100";
const SHOT_RANGE: &str = "expected metres, greater than 0 and at most 100";

fn parse_metres(var: &'static str, v: &str, max: f64, reason: &'static str) -> Result<f64, RulesError> {
    match v.parse::<f64>() {
        Ok(m) if m.is_finite() && m > 0.0 && m <= max => Ok(m),
        _ => Err(err(var, String::from(v), reason)),
    }
}

fn err(variable: &'static str, value: String, reason: &'static str) -> RulesError {
    RulesError { variable, value, reason }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn reads_variables_and_names_the_bad_one() {
        let c = Rules::from_lookup(|k| match k {
            "SURFACE_COMMIT_ON_STREAK" => Some("3".to_string()),
            "SESSION_TTL_S" => Some(" 60 ".to_string()),
            "DEFAULT_ACCURACY_KIND" => Some("p68".to_string()),
            _ => None,
        })
        .unwrap();
        assert_eq!((c.commit_on_streak, c.commit_off_streak, c.session_ttl_s), (3, 2, 60));
        assert_eq!(c.default_accuracy_kind, AccuracyKind::P68);
        for (k, v) in [
            ("SURFACE_COMMIT_OFF_STREAK", "0"),
            ("SURFACE_COMMIT_OFF_STREAK", "two"),
            ("SESSION_TTL_S", "-1"),
            ("DEFAULT_ACCURACY_M", "NaN"),
            ("DEFAULT_ACCURACY_KIND", "p99"),
            ("HAZARD_CORRIDOR_M", "0"),
            ("HAZARD_CORRIDOR_M", "100.5"),
            ("SHOT_MIN_DISTANCE_M", "-3"),
            ("SHOT_CONFIRM_FIXES", "11"),
        ] {
            let e = Rules::from_lookup(|q| (q == k).then(|| v.to_string())).unwrap_err();
            assert_eq!(e.variable, k);
        }
    }
}
