//! The worker's settings: the same variable names and defaults as the native
//! server (`server/src/settings.rs`), read from Worker vars and secrets
//! (`wrangler.toml` `[vars]`, `wrangler secret put`, `--var` locally), once
//! per isolate.

use greenside_core::error::{ApiError, ErrorCode};
use greenside_core::ratelimit::{self, Limit};
use greenside_core::rules::Rules;
use greenside_core::variables;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use worker::Env;

/// A secret (a key or a token): `Debug` shows `[REDACTED]`, never the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(greenside_core::redact::REDACTED)
    }
}

/// A downstream service.
#[derive(Clone)]
pub struct Downstream {
    pub url: Option<String>,
    pub timeout_ms: u64,
    pub api_key: Option<Secret>,
}

impl std::fmt::Debug for Downstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Downstream")
            .field("url", &self.url.as_deref().map(greenside_core::redact::url))
            .field("timeout_ms", &self.timeout_ms)
            .field("api_key", &self.api_key)
            .finish()
    }
}

#[derive(Debug)]
pub struct Settings {
    pub rules: Rules,
    pub putt_solver: Downstream,
    pub tee_to_green: Downstream,
    pub require_api_key: bool,
    pub api_key: Option<Secret>,
    pub admin_token: Option<Secret>,
    /// `/metrics` and the counting behind it are on when set (`metrics.rs`).
    pub metrics_token: Option<Secret>,
    /// How many `MetricsShard` objects the counts spread over.
    pub metrics_shards: u32,
    /// How many `Directory` objects the sessions' numbers and index spread over.
    pub directory_shards: u32,
    /// How many `RunLog` objects the runs spread over.
    pub run_log_shards: u32,
    pub debug_bundle_enabled: bool,
    pub test_clock: bool,
    /// `RUNS_PRUNE_MAX_RUNS`, `RUNS_PRUNE_MAX_AGE_DAYS`: the sweeper's limits and a prune's defaults.
    pub retention: greenside_core::listing::Retention,
    /// `RUNS_RETENTION_INTERVAL_S` (default 3600; 0: off): the run log's alarm.
    pub runs_retention_interval_s: u64,
    pub rate_limits: Option<BTreeMap<&'static str, Limit>>,
    pub trusted_proxy_header: Option<String>,
    /// Origins whose pages may call the API (`CORS_ALLOWED_ORIGINS`; none by default).
    pub cors: greenside_core::cors::Cors,
    /// Tests only (with the test clock): a delay before each catalogue load
    /// in a session object, so its await is a real one.
    pub test_catalog_delay_ms: u64,
}

/// A value from a var or a secret; blank counts as unset.
pub fn lookup(env: &Env, k: &str) -> Option<String> {
    let v = env.var(k).map(|v| v.to_string()).or_else(|_| env.secret(k).map(|s| s.to_string())).ok()?;
    (!v.trim().is_empty()).then_some(v)
}

fn invalid(var: &str, reason: &str) -> ApiError {
    ApiError::new(ErrorCode::InternalError, format!("the worker's configuration is invalid: {var}: {reason}"))
        .with("variable", var)
}

fn bad(e: variables::InvalidVariable) -> ApiError {
    invalid(e.variable, &e.reason)
}

impl Settings {
    /// What core's guard checks callers against.
    pub fn keys(&self) -> greenside_core::guard::Keys<'_> {
        greenside_core::guard::Keys {
            require_api_key: self.require_api_key,
            api_key: self.api_key.as_ref().map(Secret::expose),
            admin_token: self.admin_token.as_ref().map(Secret::expose),
        }
    }

    /// The service that gives `plan`.
    pub fn downstream(&self, plan: greenside_core::advice::PlanType) -> &Downstream {
        match plan {
            greenside_core::advice::PlanType::Putt => &self.putt_solver,
            greenside_core::advice::PlanType::TeeToGreen => &self.tee_to_green,
        }
    }

    /// Every variable through core's table (`greenside_core::variables`):
    /// its defaults and bounds, the same as the native server's.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Settings, ApiError> {
        let get: variables::Lookup<'_> = &get;
        let aliased = variables::with_aliases(get);
        let get: variables::Lookup<'_> = &aliased;
        let rules = Rules::from_lookup(get).map_err(|e| invalid(e.variable, e.reason))?;
        let flag = |k: &str| variables::flag(get, k).map_err(bad);
        let count = |k: &str| variables::count(get, k).map_err(bad).map(Option::unwrap_or_default);
        let downstream = |url: &str, timeout: &str, key: &str| -> Result<Downstream, ApiError> {
            Ok(Downstream {
                url: variables::text(get, url).map(|u| u.trim().trim_end_matches('/').to_string()),
                timeout_ms: variables::millis(get, timeout).map_err(bad)?.unwrap_or_default(),
                api_key: variables::text(get, key).map(Secret),
            })
        };
        let require_api_key = flag("REQUIRE_API_KEY")?;
        let test_clock = flag("GREENSIDE_TEST_CLOCK")?;
        let api_key = variables::text(get, "API_KEY").map(Secret);
        if require_api_key && api_key.is_none() {
            return Err(invalid("API_KEY", "REQUIRE_API_KEY is on, so API_KEY must be set"));
        }
        let rate_limits = if flag("RATE_LIMIT_ENABLED")? {
            let spec = variables::text(get, "RATE_LIMITS").unwrap_or_default();
            Some(ratelimit::parse_rate_limits(&spec).map_err(|e| invalid("RATE_LIMITS", &e))?)
        } else {
            None
        };
        Ok(Settings {
            rules,
            putt_solver: downstream("PUTT_SOLVER_URL", "PUTT_SOLVER_TIMEOUT_S", "PUTT_SOLVER_API_KEY")?,
            tee_to_green: downstream("TEE_TO_GREEN_URL", "TEE_TO_GREEN_TIMEOUT_S", "TEE_TO_GREEN_API_KEY")?,
            require_api_key,
            api_key,
            admin_token: variables::text(get, "ADMIN_TOKEN").map(Secret),
            metrics_token: variables::text(get, "METRICS_TOKEN").map(Secret),
            metrics_shards: u32::try_from(count("METRICS_SHARDS")?).unwrap_or(u32::MAX),
            directory_shards: u32::try_from(count("DIRECTORY_SHARDS")?).unwrap_or(u32::MAX),
            run_log_shards: u32::try_from(count("RUN_LOG_SHARDS")?).unwrap_or(u32::MAX),
            debug_bundle_enabled: flag("DEBUG_BUNDLE_ENABLED")?,
            test_clock,
            retention: greenside_core::listing::Retention::from_lookup(get).map_err(bad)?,
            runs_retention_interval_s: count("RUNS_RETENTION_INTERVAL_S")?,
            rate_limits,
            trusted_proxy_header: variables::text(get, "TRUSTED_PROXY_HEADER").map(|h| h.trim().to_ascii_lowercase()),
            cors: greenside_core::cors::Cors::parse(&variables::text(get, "CORS_ALLOWED_ORIGINS").unwrap_or_default())
                .map_err(|e| invalid("CORS_ALLOWED_ORIGINS", &e))?,
            test_catalog_delay_ms: if test_clock { count("GREENSIDE_TEST_CATALOG_DELAY_MS")? } else { 0 },
        })
    }
}

thread_local! {
    static SETTINGS: RefCell<Option<Rc<Settings>>> = const { RefCell::new(None) };
    /// The test clock's latest time (as the native clock keeps it).
    static LATEST_TEST_MS: Cell<u64> = const { Cell::new(0) };
}

/// This isolate's settings (vars do not change under a running isolate).
pub fn get(env: &Env) -> Result<Rc<Settings>, ApiError> {
    if let Some(s) = SETTINGS.with(|s| s.borrow().clone()) {
        return Ok(s);
    }
    let s = Rc::new(Settings::from_lookup(|k| lookup(env, k))?);
    // Once per isolate: a var that looks like one of greenside's but is not
    // (a typo, another version's spelling) would otherwise be ignored silently.
    let keys: Vec<String> =
        js_sys::Object::keys(env.unchecked_ref::<js_sys::Object>()).iter().filter_map(|k| k.as_string()).collect();
    for name in variables::unknown(keys.iter().map(String::as_str)) {
        crate::runtime::log(
            "warn",
            "not a greenside setting; ignored (check its spelling)",
            &[("variable", serde_json::json!(name))],
        );
    }
    SETTINGS.with(|c| *c.borrow_mut() = Some(s.clone()));
    Ok(s)
}

/// The request's `now_ms`: the test clock's header when enabled.
pub fn now_ms(s: &Settings, header: Option<String>) -> u64 {
    if s.test_clock {
        if let Some(ms) = header.and_then(|h| h.trim().parse::<u64>().ok()) {
            LATEST_TEST_MS.with(|l| l.set(l.get().max(ms)));
            return ms;
        }
        return LATEST_TEST_MS.with(Cell::get);
    }
    crate::runtime::system_now_ms()
}
