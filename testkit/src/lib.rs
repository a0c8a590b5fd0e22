//! Shared test helpers: loading `tests/vectors/` and matching expectations
//! (format in `tests/vectors/README.md`). Every Rust platform's vector
//! replay uses these, so "identical" is judged the same way everywhere.

use serde_json::Value;
use std::path::{Path, PathBuf};

/// The repository's `tests/vectors` directory.
pub fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

/// Every vector file, sorted by name, parsed. Panics (failing the test) on
/// unreadable or unparsable files, a name that does not match its file, or a
/// directory that does not hold exactly the files `files.txt` lists.
pub fn load_vectors() -> Vec<Value> {
    let dir = vectors_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let listed = std::fs::read_to_string(dir.join("files.txt"))
        .unwrap_or_else(|e| panic!("cannot read {}/files.txt: {e}", dir.display()));
    let mut listed: Vec<&str> =
        listed.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
    listed.sort_unstable();
    let found: Vec<&str> = files.iter().filter_map(|f| f.file_name()?.to_str()).collect();
    assert_eq!(found, listed, "{}: the vector files must be exactly those files.txt lists", dir.display());
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            let stem = f.file_stem().and_then(|s| s.to_str());
            assert_eq!(v["name"].as_str(), stem, "{}: `name` must equal the file name", f.display());
            v
        })
        .collect()
}

/// `expected` ⊆ `actual`: objects by key (recursively; expected `null` matches a
/// missing key), arrays element-wise with equal length, integers exactly,
/// other numbers within 1e-9 relative, `{"$approx": x, "$tol": t}` within `t`.
pub fn matches(expected: &Value, actual: &Value, path: &str) -> Result<(), String> {
    match expected {
        Value::Object(e) if e.contains_key("$approx") => {
            let x = e["$approx"].as_f64().ok_or_else(|| format!("{path}: bad $approx"))?;
            let tol = e["$tol"].as_f64().ok_or_else(|| format!("{path}: bad $tol"))?;
            let a = actual.as_f64().ok_or_else(|| format!("{path}: expected a number near {x}, got {actual}"))?;
            if (a - x).abs() <= tol { Ok(()) } else { Err(format!("{path}: {a} is not within {tol} of {x}")) }
        }
        Value::Object(e) => {
            for (k, v) in e {
                let a = actual.get(k).unwrap_or(&Value::Null);
                matches(v, a, &format!("{path}.{k}"))?;
            }
            Ok(())
        }
        Value::Array(e) => {
            let a = actual.as_array().ok_or_else(|| format!("{path}: expected an array, got {actual}"))?;
            if a.len() != e.len() {
                return Err(format!("{path}: expected {} elements, got {}: {actual}", e.len(), a.len()));
            }
            e.iter().zip(a).enumerate().try_for_each(|(i, (e, a))| matches(e, a, &format!("{path}[{i}]")))
        }
        Value::Number(n) => {
            let both_int = (n.is_i64() || n.is_u64()) && (actual.is_i64() || actual.is_u64());
            if both_int {
                let eq = match (n.as_u64(), actual.as_u64()) {
                    (Some(a), Some(b)) => a == b,
                    _ => n.as_i64().is_some() && n.as_i64() == actual.as_i64(),
                };
                return if eq { Ok(()) } else { Err(format!("{path}: expected {n}, got {actual}")) };
            }
            let x = n.as_f64().unwrap_or(f64::NAN);
            let a = actual.as_f64().ok_or_else(|| format!("{path}: expected {n}, got {actual}"))?;
            if (a - x).abs() <= 1e-9 * x.abs().max(1.0) {
                Ok(())
            } else {
                Err(format!("{path}: expected {x}, got {a}"))
            }
        }
        _ if expected == actual => Ok(()),
        _ => Err(format!("{path}: expected {expected}, got {actual}")),
    }
}

/// Replaces the strings `"$session_id"` and `"$round_id"` anywhere in `v`
/// with `sid`, the id the most recent start answered (a session's or a
/// round's: a vector file plays one or the other).
pub fn substitute(v: &Value, sid: &str) -> Value {
    match v {
        Value::String(s) if s == "$session_id" || s == "$round_id" => Value::String(sid.to_string()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), substitute(v, sid))).collect()),
        Value::Array(a) => Value::Array(a.iter().map(|v| substitute(v, sid)).collect()),
        other => other.clone(),
    }
}

/// The request bytes of a session step: `raw_body` (its `$session_id`
/// replaced: the text is sent as written, `1.0` stays `1.0`), or `body` with
/// substitution, padded with spaces to `pad_to_bytes`.
pub fn step_body(step: &Value, sid: &str) -> Vec<u8> {
    let mut body = match (step.get("raw_body"), step.get("body")) {
        (Some(raw), _) => raw
            .as_str()
            .expect("raw_body is a string")
            .replace("$session_id", sid)
            .replace("$round_id", sid)
            .into_bytes(),
        (None, Some(b)) => serde_json::to_vec(&substitute(b, sid)).expect("encodable"),
        (None, None) => Vec::new(),
    };
    if let Some(n) = step.get("pad_to_bytes").and_then(Value::as_u64) {
        body.resize(n as usize, b' ');
    }
    body
}

/// The id a successful start answered: a session's `session_id`, or the
/// `round_state.round_id` of a round's start.
pub fn started_id(op: &str, reply: &Value) -> Option<String> {
    match op {
        "start" => reply["session_id"].as_str().map(String::from),
        "round_start" => reply["round_state"]["round_id"].as_str().map(String::from),
        _ => None,
    }
}

/// The path id of a step (`session_id` or `round_id`), substituted.
pub fn path_id(step: &Value, sid: &str) -> Option<String> {
    step.get("session_id").or_else(|| step.get("round_id")).and_then(|s| substitute(s, sid).as_str().map(String::from))
}

/// Checks the generic rule for error replies: the one shape, a non-empty message,
/// and (through `status_of`) a code whose documented status is `status`.
pub fn check_error_shape(reply: &Value, status: u16, status_of: impl Fn(&str) -> Option<u16>) -> Result<(), String> {
    let code = reply["error"]["code"].as_str().ok_or_else(|| format!("not the error shape: {reply}"))?;
    match status_of(code) {
        Some(s) if s == status => {}
        Some(s) => {
            return Err(format!("code {code} is documented as {s}, answered {status}"));
        }
        None => return Err(format!("unknown error code {code}")),
    }
    if reply["error"]["message"].as_str().is_none_or(|m| m.is_empty()) {
        return Err(format!("empty message: {reply}"));
    }
    if !reply["error"]["details"].is_object() {
        return Err(format!("details must be an object: {reply}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_matcher_can_fail() {
        assert!(matches(&json!({"a": 1}), &json!({"a": 2}), "").is_err());
        assert!(matches(&json!({"a": {"$approx": 1.0, "$tol": 0.1}}), &json!({"a": 1.2}), "").is_err());
        assert!(matches(&json!([1]), &json!([1, 2]), "").is_err());
        assert!(matches(&json!({"a": null}), &json!({}), "").is_ok());
        assert!(matches(&json!({"x": 0.5}), &json!({"x": 0.5000001}), "").is_err());
        assert!(matches(&json!({"x": 1.0}), &json!({"x": 1}), "").is_ok());
        assert!(matches(&json!({"x": 2}), &json!({"x": 2.5}), "").is_err());
    }
}
