//! Every environment variable greenside reads: its name, default, kind and
//! bounds, whether it is a secret, and which platforms read it. Both servers
//! parse their settings through these functions and a lookup function
//! (the process environment natively, vars and secrets on the edge), so a
//! default or a bound is written once. `.env.example` and `wrangler.toml`'s
//! `[vars]` are checked against this table (`core/tests/variables.rs`).
//!
//! ```text
//! VARIABLES ─► server/src/settings.rs (Settings::from_lookup)   ─► .env.example
//!           ─► worker/src/settings.rs (Settings::from_lookup)   ─► wrangler.toml [vars]
//! ```

use alloc::format;
use alloc::string::{String, ToString};

/// Which platforms read a variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platforms {
    Both,
    Native,
    Edge,
}

impl Platforms {
    pub fn native(self) -> bool {
        matches!(self, Platforms::Both | Platforms::Native)
    }

    pub fn edge(self) -> bool {
        matches!(self, Platforms::Both | Platforms::Edge)
    }
}

/// What a variable holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`.
    Flag,
    /// Seconds, fractions allowed, in `(0, max]`.
    Seconds { max: f64 },
    /// A whole number in `min..=max`.
    Count { min: u64, max: u64 },
    /// Anything else (a URL, a path, a list); its owner checks it.
    Text,
}

/// One variable.
#[derive(Debug)]
pub struct Variable {
    pub name: &'static str,
    /// The default as it would be written in the environment (`None`: unset).
    pub default: Option<&'static str>,
    pub kind: Kind,
    /// Never logged, shown or written anywhere (keys, tokens, passwords).
    pub secret: bool,
    /// Read only by tests (never set it in production).
    pub test_only: bool,
    pub platforms: Platforms,
}

const fn var(name: &'static str, default: Option<&'static str>, kind: Kind, platforms: Platforms) -> Variable {
    Variable { name, default, kind, secret: false, test_only: false, platforms }
}

const fn secret(name: &'static str, platforms: Platforms) -> Variable {
    Variable { name, default: None, kind: Kind::Text, secret: true, test_only: false, platforms }
}

const fn test_only(name: &'static str, default: &'static str, kind: Kind, platforms: Platforms) -> Variable {
    Variable { name, default: Some(default), kind, secret: false, test_only: true, platforms }
}

use Kind::{Count, Flag, Seconds, Text};
use Platforms::{Both, Edge, Native};

/// Timeouts and intervals are at most ten minutes.
const SECONDS: Kind = Seconds { max: 600.0 };

/// Every variable, grouped as `.env.example` lists them.
pub const VARIABLES: &[Variable] = &[
    var("HOST", Some("127.0.0.1"), Text, Native),
    var("PORT", Some("8000"), Count { min: 0, max: 65_535 }, Native),
    var("COURSE_DATA_ROOT", None, Text, Native),
    var("DATASET_REGISTRY_PATH", None, Text, Native),
    var("WEB_ROOT", None, Text, Native),
    var("WEB_PKG_DIR", None, Text, Native),
    // The rules (`rules::Rules::from_lookup` parses these with their own bounds).
    var("SESSION_TTL_S", Some("7200"), Text, Both),
    var("SURFACE_HYSTERESIS_MODE", Some("streak"), Text, Both),
    var("SURFACE_COMMIT_ON_STREAK", Some("2"), Text, Both),
    var("SURFACE_COMMIT_OFF_STREAK", Some("2"), Text, Both),
    var("SURFACE_EVIDENCE_FALSE_SWITCH_RATE", Some("0.0001"), Text, Both),
    var("SURFACE_EVIDENCE_MAX_WAIT_FIXES", Some("1"), Text, Both),
    var("DEFAULT_ACCURACY_M", Some("5"), Text, Both),
    var("DEFAULT_ACCURACY_KIND", Some("p95"), Text, Both),
    var("HAZARD_CORRIDOR_M", Some("20"), Text, Both),
    var("SHOT_MIN_DISTANCE_M", Some("5"), Text, Both),
    var("SHOT_CONFIRM_FIXES", Some("2"), Text, Both),
    var("SESSION_SWEEP_INTERVAL_S", Some("30"), SECONDS, Native),
    var("SESSION_STORE_BACKEND", Some("memory"), Text, Native),
    var("REDIS_URL", None, Text, Native),
    var("REDIS_SESSION_PREFIX", Some("aime:hole_session"), Text, Native),
    var("REDIS_CLUSTER", Some("false"), Flag, Native),
    var("USE_REDIS", None, Flag, Native),
    var("REDIS_HOST", None, Text, Native),
    var("REDIS_PORT", None, Count { min: 0, max: 65_535 }, Native),
    var("REDIS_DB", None, Count { min: 0, max: u32::MAX as u64 }, Native),
    secret("REDIS_PASSWORD", Native),
    var("PUTT_SOLVER_URL", None, Text, Both),
    var("PUTT_SOLVER_TIMEOUT_S", Some("4.0"), SECONDS, Both),
    secret("PUTT_SOLVER_API_KEY", Both),
    var("TEE_TO_GREEN_URL", None, Text, Both),
    var("TEE_TO_GREEN_TIMEOUT_S", Some("3.0"), SECONDS, Both),
    secret("TEE_TO_GREEN_API_KEY", Both),
    var("DEBUG_BUNDLE_ENABLED", Some("false"), Flag, Both),
    var("DEBUG_BUNDLE_DIR", Some("debug_bundles"), Text, Native),
    // Unset: `sqlite` with the memory session store, `redis` with Redis.
    var("RUN_STORE_BACKEND", None, Text, Native),
    var("RUN_STORE_DIR", Some("greenside-data/runs"), Text, Native),
    var("RUNS_PRUNE_MAX_RUNS", Some("10000"), Count { min: 1, max: u64::MAX }, Both),
    var("RUNS_PRUNE_MAX_AGE_DAYS", Some("30"), Count { min: 0, max: 3650 }, Both),
    // Seconds between automatic prunes with the two limits above; 0: never.
    var("RUNS_RETENTION_INTERVAL_S", Some("3600"), Count { min: 0, max: 604_800 }, Both),
    var("RATE_LIMIT_ENABLED", Some("true"), Flag, Both),
    var("RATE_LIMITS", Some(crate::ratelimit::DEFAULT_RATE_LIMITS), Text, Both),
    var("RATE_LIMIT_MAX_CLIENTS", Some("100000"), Count { min: 1, max: 10_000_000 }, Native),
    var("TRUSTED_PROXY_HEADER", None, Text, Both),
    var("CORS_ALLOWED_ORIGINS", None, Text, Both),
    var("HTTP_HEADER_TIMEOUT_S", Some("10"), SECONDS, Native),
    var("HTTP_MAX_CONNECTIONS", Some("1024"), Count { min: 1, max: 1_000_000 }, Native),
    // 0: no cap per client (the default: phones behind one carrier NAT share an address).
    var("HTTP_MAX_CONNECTIONS_PER_CLIENT", Some("0"), Count { min: 0, max: 1_000_000 }, Native),
    var("HTTP_MAX_IN_FLIGHT", Some("512"), Count { min: 1, max: 1_000_000 }, Native),
    var("REQUIRE_API_KEY", Some("false"), Flag, Both),
    secret("API_KEY", Both),
    secret("ADMIN_TOKEN", Both),
    secret("METRICS_TOKEN", Edge),
    var("METRICS_SHARDS", Some("8"), Count { min: 1, max: 256 }, Edge),
    var("DIRECTORY_SHARDS", Some("8"), Count { min: 1, max: 64 }, Edge),
    var("RUN_LOG_SHARDS", Some("8"), Count { min: 1, max: 64 }, Edge),
    var("LOG_LEVEL", Some("info"), Text, Native),
    var("LOG_FORMAT", Some("json"), Text, Native),
    // Traces, by OpenTelemetry's names (export is off until an endpoint is
    // set); the SDK reads the other OTEL_* variables itself (docs/operations.md).
    var("OTEL_SDK_DISABLED", Some("false"), Flag, Native),
    var("OTEL_TRACES_EXPORTER", Some("otlp"), Text, Native),
    var("OTEL_EXPORTER_OTLP_ENDPOINT", None, Text, Native),
    var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", None, Text, Native),
    var("OTEL_EXPORTER_OTLP_PROTOCOL", Some("http/protobuf"), Text, Native),
    var("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", None, Text, Native),
    var("OTEL_SERVICE_NAME", Some("greenside"), Text, Native),
    test_only("GREENSIDE_TEST_CLOCK", "false", Flag, Both),
    test_only("GREENSIDE_TEST_CATALOG_DELAY_MS", "0", Count { min: 0, max: 10_000 }, Edge),
];

/// Other seeds' spellings of a variable, `(alias, variable)`: read when the
/// variable itself is unset (its own spelling wins).
pub const ALIASES: &[(&str, &str)] = &[
    // seed 003
    ("SESSION_TTL", "SESSION_TTL_S"),
    // seed 004
    ("REDIS_SESSION_TTL", "SESSION_TTL_S"),
    // seed 001
    ("GOLFIQ_RUNS_DIR", "RUN_STORE_DIR"),
];

/// A lookup that also answers a variable from its aliases.
pub fn with_aliases<'a>(get: Lookup<'a>) -> impl Fn(&str) -> Option<String> + 'a {
    move |name| get(name).or_else(|| ALIASES.iter().filter(|(_, to)| *to == name).find_map(|(alias, _)| get(alias)))
}

/// The prefixes of greenside's variables.
const PREFIXES: &[&str] = &[
    "SESSION_",
    "SURFACE_",
    "REDIS_",
    "PUTT_SOLVER_",
    "TEE_TO_GREEN_",
    "DEBUG_BUNDLE_",
    "RUNS_",
    "RUN_STORE_",
    "RATE_LIMIT",
    "GREENSIDE_",
    "DEFAULT_ACCURACY",
    "COURSE_",
    "DATASET_",
    "TRUSTED_",
    "REQUIRE_",
    "ADMIN_",
    "CORS_",
];

/// The names among `names` that look like greenside's (one of its
/// prefixes) but are neither a variable nor an alias: a typo or another
/// version's spelling, which would otherwise be ignored without a word.
/// Each platform warns about them at start-up.
pub fn unknown<'n>(names: impl IntoIterator<Item = &'n str>) -> alloc::vec::Vec<&'n str> {
    names
        .into_iter()
        .filter(|n| PREFIXES.iter().any(|p| n.starts_with(p)))
        .filter(|n| !VARIABLES.iter().any(|v| v.name == *n) && !ALIASES.iter().any(|(a, _)| a == n))
        .collect()
}

/// The variable called `name`. Every name a platform reads is in the table
/// (the tests read every one); an unknown name is a programming error and
/// answers a text variable with no default.
pub fn variable(name: &str) -> &'static Variable {
    static UNKNOWN: Variable = var("", None, Text, Both);
    VARIABLES.iter().find(|v| v.name == name).unwrap_or(&UNKNOWN)
}

/// A variable with a value greenside cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}={value:?} is invalid: {reason}")]
pub struct InvalidVariable {
    pub variable: &'static str,
    /// The value, or `[REDACTED]` for a secret.
    pub value: String,
    pub reason: String,
}

/// A lookup function: the variable's value, `None` when unset.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

fn invalid(v: &'static Variable, value: &str, reason: String) -> InvalidVariable {
    let value = if v.secret { String::from(crate::bundle::REDACTED) } else { value.to_string() };
    InvalidVariable { variable: v.name, value, reason }
}

/// The value set, or the default; blank counts as unset.
pub fn text(get: Lookup<'_>, name: &str) -> Option<String> {
    let v = variable(name);
    get(name).filter(|s| !s.trim().is_empty()).or_else(|| v.default.map(String::from))
}

/// A [`Kind::Flag`].
pub fn flag(get: Lookup<'_>, name: &str) -> Result<bool, InvalidVariable> {
    let v = variable(name);
    let Some(s) = text(get, name) else { return Ok(false) };
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(invalid(v, &s, String::from("expected true or false"))),
    }
}

/// A flag that is unset (no value, no default) is `None`.
pub fn opt_flag(get: Lookup<'_>, name: &str) -> Result<Option<bool>, InvalidVariable> {
    if text(get, name).is_none() { Ok(None) } else { flag(get, name).map(Some) }
}

/// A [`Kind::Seconds`] in milliseconds.
pub fn millis(get: Lookup<'_>, name: &str) -> Result<Option<u64>, InvalidVariable> {
    let v = variable(name);
    let max = match v.kind {
        Seconds { max } => max,
        _ => 600.0,
    };
    let Some(s) = text(get, name) else { return Ok(None) };
    match s.trim().parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs > 0.0 && secs <= max => Ok(Some(libm::round(secs * 1000.0) as u64)),
        _ => Err(invalid(v, &s, format!("expected seconds in (0, {max}]"))),
    }
}

/// A [`Kind::Count`].
pub fn count(get: Lookup<'_>, name: &str) -> Result<Option<u64>, InvalidVariable> {
    let v = variable(name);
    let (min, max) = match v.kind {
        Count { min, max } => (min, max),
        _ => (0, u64::MAX),
    };
    let Some(s) = text(get, name) else { return Ok(None) };
    match s.trim().parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
        _ => Err(invalid(v, &s, format!("expected a whole number in {min}..={max}"))),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| String::from(*v))
    }

    #[test]
    fn defaults_bounds_and_secrets() {
        let none = env(&[]);
        assert_eq!(millis(&none, "PUTT_SOLVER_TIMEOUT_S").unwrap(), Some(4000));
        assert_eq!(count(&none, "RUNS_PRUNE_MAX_AGE_DAYS").unwrap(), Some(30));
        assert!(flag(&none, "RATE_LIMIT_ENABLED").unwrap());
        assert_eq!(opt_flag(&none, "USE_REDIS").unwrap(), None);
        let bad =
            env(&[("PUTT_SOLVER_TIMEOUT_S", "-1"), ("RUNS_PRUNE_MAX_AGE_DAYS", "4000"), ("REQUIRE_API_KEY", "maybe")]);
        assert_eq!(millis(&bad, "PUTT_SOLVER_TIMEOUT_S").unwrap_err().variable, "PUTT_SOLVER_TIMEOUT_S");
        assert!(count(&bad, "RUNS_PRUNE_MAX_AGE_DAYS").unwrap_err().reason.contains("0..=3650"));
        assert!(flag(&bad, "REQUIRE_API_KEY").is_err());
        let blank = env(&[("SESSION_STORE_BACKEND", "  ")]);
        assert_eq!(text(&blank, "SESSION_STORE_BACKEND").as_deref(), Some("memory"));
        let seeds = env(&[("SESSION_TTL", "60"), ("REDIS_SESSION_TTL", "90")]);
        assert_eq!(with_aliases(&seeds)("SESSION_TTL_S").as_deref(), Some("60"));
        let own = env(&[("SESSION_TTL_S", "30"), ("REDIS_SESSION_TTL", "90")]);
        assert_eq!(with_aliases(&own)("SESSION_TTL_S").as_deref(), Some("30"), "the variable's own spelling wins");
        let names = ["SURFACE_COMMIT_ONSTREAK", "SESSION_TTL", "PATH", "REDIS_URL", "RATE_LIMITS_X", "HOME"];
        assert_eq!(unknown(names), ["SURFACE_COMMIT_ONSTREAK", "RATE_LIMITS_X"]);
        for (alias, to) in ALIASES {
            assert_eq!(variable(to).name, *to, "{alias} names a variable");
        }
        for v in VARIABLES {
            assert!(!(v.secret && v.default.is_some()), "{}: a secret has no default", v.name);
            assert!(unknown([v.name]).is_empty(), "{}", v.name);
            assert_eq!(VARIABLES.iter().filter(|o| o.name == v.name).count(), 1, "{}", v.name);
        }
    }
}
