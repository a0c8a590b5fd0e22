//! `TrackerConfig` → core's `Rules`, through the parser the servers read
//! their environment with (`Rules::from_lookup`): each key stands for its
//! variable (core/src/variables.rs), so the defaults, the bounds and the
//! error messages are core's. Only the JavaScript types are checked here.
//!
//! ```text
//! { commitOnStreak: 3 } ─► SURFACE_COMMIT_ON_STREAK="3" ─► Rules::from_lookup ─► Rules
//! ```

use crate::error::bad_arg;
use greenside_core::rules::Rules;
use wasm_bindgen::JsValue;

/// What a key's value is in JavaScript (`types.d.ts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Js {
    Number,
    String,
}

/// Each `TrackerConfig` key, the variable core reads it as, and its type.
const KEYS: &[(&str, &str, Js)] = &[
    ("commitOnStreak", "SURFACE_COMMIT_ON_STREAK", Js::Number),
    ("commitOffStreak", "SURFACE_COMMIT_OFF_STREAK", Js::Number),
    ("sessionTtlS", "SESSION_TTL_S", Js::Number),
    ("defaultAccuracyM", "DEFAULT_ACCURACY_M", Js::Number),
    ("defaultAccuracyKind", "DEFAULT_ACCURACY_KIND", Js::String),
    ("hysteresisMode", "SURFACE_HYSTERESIS_MODE", Js::String),
    ("evidenceFalseSwitchRate", "SURFACE_EVIDENCE_FALSE_SWITCH_RATE", Js::Number),
    ("evidenceMaxWaitFixes", "SURFACE_EVIDENCE_MAX_WAIT_FIXES", Js::Number),
    ("hazardCorridorM", "HAZARD_CORRIDOR_M", Js::Number),
    ("shotMinDistanceM", "SHOT_MIN_DISTANCE_M", Js::Number),
    ("shotConfirmFixes", "SHOT_CONFIRM_FIXES", Js::Number),
];

/// The rules a `TrackerConfig` (or `undefined`/`null`: the defaults) sets.
/// Other keys are ignored; a key set to `undefined` or `null` keeps its
/// default. Errors are `invalid_request` naming `config`.
pub(crate) fn rules(config: &JsValue) -> Result<Rules, JsValue> {
    if config.is_undefined() || config.is_null() {
        return Ok(Rules::default());
    }
    if !config.is_object() {
        return Err(bad_arg("config", "config must be an object (TrackerConfig)".into()));
    }
    // Every value as the text of its variable; a wrong type is refused
    // before core reads any.
    let mut set: Vec<(&str, String)> = Vec::new();
    for &(key, variable, js) in KEYS {
        let v = js_sys::Reflect::get(config, &key.into())?;
        if v.is_undefined() || v.is_null() {
            continue;
        }
        let text = match js {
            // A number's shortest round-trip digits (`2`, `0.0001`, `NaN`, `inf`).
            Js::Number => v.as_f64().map(|n| n.to_string()),
            Js::String => v.as_string(),
        };
        let what = if js == Js::Number { "a number" } else { "a string" };
        set.push((variable, text.ok_or_else(|| bad_arg("config", format!("config.{key} must be {what}")))?));
    }
    Rules::from_lookup(|name| set.iter().find(|(v, _)| *v == name).map(|(_, t)| t.clone()))
        .map_err(|e| bad_arg("config", e.to_string()))
}

/// `config.units`: the units layup marks are placed in (not a rule: the
/// session keeps it, as a start body's `units`).
pub(crate) fn units(config: &JsValue) -> Result<greenside_core::aim::Units, JsValue> {
    if !config.is_object() {
        return Ok(greenside_core::aim::Units::default());
    }
    let v = js_sys::Reflect::get(config, &"units".into())?;
    if v.is_undefined() || v.is_null() {
        return Ok(greenside_core::aim::Units::default());
    }
    v.as_string()
        .as_deref()
        .and_then(greenside_core::aim::Units::from_wire)
        .ok_or_else(|| bad_arg("config", "config.units must be \"METRES\" or \"YARDS\"".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    #[test]
    fn every_variable_core_reads_has_one_key() {
        let asked = RefCell::new(Vec::new());
        Rules::from_lookup(|name| {
            asked.borrow_mut().push(name.to_string());
            None
        })
        .unwrap();
        let mut asked = asked.into_inner();
        let mut keys: Vec<String> = KEYS.iter().map(|k| k.1.to_string()).collect();
        asked.sort();
        keys.sort();
        assert_eq!(asked, keys);
        for (key, variable, _) in KEYS {
            assert_eq!(greenside_core::variables::variable(variable).name, *variable, "{key}");
        }
    }
}
