//! Settings from the environment, with the seed's names and defaults.
//! `.env.example` lists every variable; this is the one place they are read.

use greenside_core::rules::{Rules, RulesError};
use greenside_core::variables;
use std::path::PathBuf;
use std::time::Duration;

/// Where the store should live, as requested by the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreRequest {
    Memory,
    /// `url` is one `redis://` URL, or with `cluster` one or more of the
    /// cluster's nodes, comma-separated.
    Redis {
        url: String,
        cluster: bool,
    },
}

impl StoreRequest {
    pub fn name(&self) -> &'static str {
        match self {
            StoreRequest::Memory => "memory",
            StoreRequest::Redis { .. } => "redis",
        }
    }
}

/// Where run records live (`RUN_STORE_BACKEND`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunBackend {
    /// In the process: lost on restart.
    Memory,
    /// `RUN_STORE_DIR/runs.sqlite3`: the default beside memory sessions.
    Sqlite,
    /// Beside Redis sessions (the default there): shared by every instance.
    Redis,
}

impl RunBackend {
    pub fn name(self) -> &'static str {
        match self {
            RunBackend::Memory => "memory",
            RunBackend::Sqlite => "sqlite",
            RunBackend::Redis => "redis",
        }
    }
}

/// A downstream service's settings. The key is never logged or shown.
#[derive(Clone)]
pub struct Downstream {
    pub url: Option<String>,
    pub timeout: Duration,
    pub api_key: Option<String>,
}

impl std::fmt::Debug for Downstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Downstream")
            .field("url", &self.url.as_deref().map(greenside_core::redact::url))
            .field("timeout", &self.timeout)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Everything the server reads from its environment.
#[derive(Clone)]
pub struct Settings {
    pub host: String,
    pub port: u16,
    pub course_data_root: PathBuf,
    pub dataset_registry_path: PathBuf,
    /// True when `COURSE_DATA_ROOT` or `DATASET_REGISTRY_PATH` was set.
    pub course_data_explicit: bool,
    pub rules: Rules,
    pub store: StoreRequest,
    pub redis_session_prefix: String,
    /// `RUN_STORE_BACKEND`: unset, `sqlite` beside the memory session store
    /// and `redis` beside Redis.
    pub run_store: RunBackend,
    /// `RUN_STORE_DIR` (default `greenside-data/runs`, relative to the
    /// working directory; seed 001's `GOLFIQ_RUNS_DIR` also works): where
    /// the SQLite run store keeps `runs.sqlite3`.
    pub run_store_dir: PathBuf,
    pub putt_solver: Downstream,
    pub tee_to_green: Downstream,
    pub debug_bundle_enabled: bool,
    pub debug_bundle_dir: PathBuf,
    pub require_api_key: bool,
    pub api_key: Option<String>,
    pub admin_token: Option<String>,
    pub log_level: String,
    pub log_format: LogFormat,
    /// `GREENSIDE_TEST_CLOCK=1`: honour `x-greenside-now-ms` (tests only).
    pub test_clock: bool,
    /// Seconds between memory-store sweeps.
    pub sweep_interval: Duration,
    /// `RUNS_PRUNE_MAX_RUNS` (default 10000: runs kept by a prune without
    /// limits) and `RUNS_PRUNE_MAX_AGE_DAYS` (default 30: older terminal
    /// runs are pruned): the sweeper's limits and a prune's defaults.
    pub retention: greenside_core::listing::Retention,
    /// `RUNS_RETENTION_INTERVAL_S` (default 3600; 0: off): how often the
    /// retention sweeper prunes with the two limits above.
    pub runs_retention_interval: Option<Duration>,
    /// `RATE_LIMIT_ENABLED` (default true) and `RATE_LIMITS` (see `ratelimit`).
    pub rate_limits: Option<std::collections::HashMap<&'static str, crate::ratelimit::Limit>>,
    /// `RATE_LIMIT_MAX_CLIENTS` (default 100000): size bound of the key table.
    pub rate_limit_max_clients: usize,
    /// `TRUSTED_PROXY_HEADER`: a header a trusted proxy sets with the client address.
    pub trusted_proxy_header: Option<String>,
    /// `WEB_ROOT`: the web page's files (default: `web/` of the repository).
    pub web_root: PathBuf,
    /// `WEB_PKG_DIR`: the npm package's `web` build the page loads (default: `wasm/pkg/web`).
    pub web_pkg_dir: PathBuf,
    /// Origins whose pages may call the API (`CORS_ALLOWED_ORIGINS`; none by default).
    pub cors: greenside_core::cors::Cors,
    /// The time a client has to send a request's headers, from when the
    /// connection opens or the previous answer went out: also the idle
    /// keep-alive timeout (`HTTP_HEADER_TIMEOUT_S`).
    pub header_timeout: Duration,
    /// Connections served at once (`HTTP_MAX_CONNECTIONS`); more wait to be
    /// accepted. The descriptor budget may lower it (`listen::budget`).
    pub max_connections: usize,
    /// `HTTP_MAX_CONNECTIONS_PER_CLIENT` (0: none): connections per client
    /// address, or API requests in flight per client behind a trusted proxy.
    pub max_connections_per_client: usize,
    /// `HTTP_MAX_IN_FLIGHT`: API requests in flight before new ones are shed.
    pub max_in_flight: usize,
    /// Where spans are exported (`OTEL_EXPORTER_OTLP_ENDPOINT` and the
    /// other `OTEL_*` settings); `None`: no export (traces still propagate).
    pub otlp: Option<Otlp>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("course_data_root", &self.course_data_root)
            .field("store", &self.store.name())
            .field("run_store", &self.run_store.name())
            .field("run_store_dir", &self.run_store_dir)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("admin_token", &self.admin_token.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

/// Where and how spans go (`OTEL_*` settings the server itself reads; the
/// SDK reads `OTEL_EXPORTER_OTLP_HEADERS`, `…_TIMEOUT`, `OTEL_RESOURCE_ATTRIBUTES`,
/// `OTEL_TRACES_SAMPLER[_ARG]` and `OTEL_BSP_*` itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Otlp {
    /// The full URL spans are posted to (`…/v1/traces`).
    pub endpoint: String,
    /// `OTEL_SERVICE_NAME` (default `greenside`).
    pub service_name: String,
}

/// A variable with a value the server cannot use.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error(transparent)]
    Rules(#[from] RulesError),
    #[error("{variable}={value:?} is invalid: {reason}")]
    Invalid { variable: &'static str, value: String, reason: &'static str },
    #[error(transparent)]
    Variable(#[from] variables::InvalidVariable),
}

/// The course data bundled with the repository (the default root).
pub fn bundled_course_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/courses")
}

fn invalid(variable: &'static str, value: &str, reason: &'static str) -> SettingsError {
    SettingsError::Invalid { variable, value: value.to_string(), reason }
}

impl Settings {
    /// What core's guard checks callers against.
    pub fn keys(&self) -> greenside_core::guard::Keys<'_> {
        greenside_core::guard::Keys {
            require_api_key: self.require_api_key,
            api_key: self.api_key.as_deref(),
            admin_token: self.admin_token.as_deref(),
        }
    }

    /// The service that gives `plan`.
    pub fn downstream(&self, plan: greenside_core::advice::PlanType) -> &Downstream {
        match plan {
            greenside_core::advice::PlanType::Putt => &self.putt_solver,
            greenside_core::advice::PlanType::TeeToGreen => &self.tee_to_green,
        }
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<Settings, SettingsError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads settings through `get` (tests pass a map): every variable
    /// through core's table (`greenside_core::variables`), its defaults and
    /// bounds the same as the edge worker's.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Settings, SettingsError> {
        let nonempty = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let aliased = variables::with_aliases(&nonempty);
        let get: variables::Lookup<'_> = &aliased;
        let text = |k: &str| variables::text(get, k);
        let path = |k: &str| text(k).map(PathBuf::from);
        let rules = Rules::from_lookup(get)?;

        // The table bounds it to 0..=65535 and gives the default.
        let port = variables::count(get, "PORT")?.and_then(|p| u16::try_from(p).ok()).unwrap_or(8000);
        let course_data_root = path("COURSE_DATA_ROOT").unwrap_or_else(bundled_course_root);
        let dataset_registry_path =
            path("DATASET_REGISTRY_PATH").unwrap_or_else(|| course_data_root.join("datasets.json"));

        let store = Self::store_request(&nonempty)?;
        let run_store = Self::run_backend(text("RUN_STORE_BACKEND"), &store)?;
        let downstream = |url: &str, timeout: &str, key: &str| {
            Ok::<_, SettingsError>(Downstream {
                url: text(url).map(|u| u.trim().trim_end_matches('/').to_string()),
                timeout: Duration::from_millis(variables::millis(get, timeout)?.unwrap_or_default()),
                api_key: text(key),
            })
        };
        let log_format = match text("LOG_FORMAT").as_deref().map(str::trim) {
            None | Some("json") => LogFormat::Json,
            Some("pretty") => LogFormat::Pretty,
            Some(other) => return Err(invalid("LOG_FORMAT", other, "expected json or pretty")),
        };
        let require_api_key = variables::flag(get, "REQUIRE_API_KEY")?;
        let api_key = text("API_KEY");
        if require_api_key && api_key.is_none() {
            return Err(invalid("API_KEY", "", "REQUIRE_API_KEY is on, so API_KEY must be set"));
        }
        let count = |k: &str| variables::count(get, k).map(Option::unwrap_or_default);
        Ok(Settings {
            host: text("HOST").unwrap_or_default(),
            port,
            course_data_explicit: nonempty("COURSE_DATA_ROOT").is_some() || nonempty("DATASET_REGISTRY_PATH").is_some(),
            course_data_root,
            dataset_registry_path,
            rules,
            store,
            redis_session_prefix: match text("REDIS_SESSION_PREFIX").unwrap_or_default() {
                p if p.contains(['{', '}']) => {
                    return Err(invalid(
                        "REDIS_SESSION_PREFIX",
                        &p,
                        "no braces: the Redis store adds its own hash tags ({s07}) after the prefix",
                    ));
                }
                p => p,
            },
            run_store,
            run_store_dir: path("RUN_STORE_DIR").unwrap_or_default(),
            putt_solver: downstream("PUTT_SOLVER_URL", "PUTT_SOLVER_TIMEOUT_S", "PUTT_SOLVER_API_KEY")?,
            tee_to_green: downstream("TEE_TO_GREEN_URL", "TEE_TO_GREEN_TIMEOUT_S", "TEE_TO_GREEN_API_KEY")?,
            debug_bundle_enabled: variables::flag(get, "DEBUG_BUNDLE_ENABLED")?,
            debug_bundle_dir: path("DEBUG_BUNDLE_DIR").unwrap_or_default(),
            require_api_key,
            api_key,
            admin_token: text("ADMIN_TOKEN"),
            log_level: text("LOG_LEVEL").unwrap_or_default(),
            log_format,
            test_clock: variables::flag(get, "GREENSIDE_TEST_CLOCK")?,
            sweep_interval: Duration::from_millis(
                variables::millis(get, "SESSION_SWEEP_INTERVAL_S")?.unwrap_or_default(),
            ),
            retention: greenside_core::listing::Retention::from_lookup(get)?,
            runs_retention_interval: Some(count("RUNS_RETENTION_INTERVAL_S")?)
                .filter(|s| *s > 0)
                .map(Duration::from_secs),
            rate_limits: {
                let spec = text("RATE_LIMITS").unwrap_or_default();
                let limits = crate::ratelimit::parse_limits(&spec).map_err(|e| SettingsError::Invalid {
                    variable: "RATE_LIMITS",
                    value: spec.clone(),
                    reason: Box::leak(e.into_boxed_str()),
                })?;
                variables::flag(get, "RATE_LIMIT_ENABLED")?.then_some(limits)
            },
            rate_limit_max_clients: count("RATE_LIMIT_MAX_CLIENTS")? as usize,
            trusted_proxy_header: text("TRUSTED_PROXY_HEADER").map(|h| h.trim().to_ascii_lowercase()),
            web_root: path("WEB_ROOT").unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../web")),
            web_pkg_dir: path("WEB_PKG_DIR")
                .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../wasm/pkg/web")),
            cors: {
                let spec = text("CORS_ALLOWED_ORIGINS").unwrap_or_default();
                greenside_core::cors::Cors::parse(&spec).map_err(|e| SettingsError::Invalid {
                    variable: "CORS_ALLOWED_ORIGINS",
                    value: spec.clone(),
                    reason: Box::leak(e.into_boxed_str()),
                })?
            },
            header_timeout: Duration::from_millis(variables::millis(get, "HTTP_HEADER_TIMEOUT_S")?.unwrap_or_default()),
            max_connections: count("HTTP_MAX_CONNECTIONS")? as usize,
            max_connections_per_client: count("HTTP_MAX_CONNECTIONS_PER_CLIENT")? as usize,
            max_in_flight: count("HTTP_MAX_IN_FLIGHT")? as usize,
            otlp: Self::otlp(get)?,
        })
    }

    /// OpenTelemetry's variables: export when an endpoint is set, unless
    /// `OTEL_SDK_DISABLED` or `OTEL_TRACES_EXPORTER=none`. The traces
    /// endpoint is used as it is; the general one gets `/v1/traces`.
    fn otlp(get: variables::Lookup<'_>) -> Result<Option<Otlp>, SettingsError> {
        let text = |k: &str| variables::text(get, k).map(|v| v.trim().to_string());
        if variables::flag(get, "OTEL_SDK_DISABLED")? {
            return Ok(None);
        }
        match text("OTEL_TRACES_EXPORTER").unwrap_or_default().to_ascii_lowercase().as_str() {
            "otlp" => {}
            "none" => return Ok(None),
            other => return Err(invalid("OTEL_TRACES_EXPORTER", other, "expected otlp or none")),
        }
        for var in ["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"] {
            match text(var).as_deref() {
                None => continue,
                Some("http/protobuf") => break,
                Some(other) => {
                    return Err(invalid(var, other, "only http/protobuf is built in (not grpc or http/json)"));
                }
            }
        }
        let endpoint = match (text("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"), text("OTEL_EXPORTER_OTLP_ENDPOINT")) {
            (Some(full), _) => ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", full),
            (None, Some(base)) => ("OTEL_EXPORTER_OTLP_ENDPOINT", format!("{}/v1/traces", base.trim_end_matches('/'))),
            (None, None) => return Ok(None),
        };
        let (var, url) = endpoint;
        match url::Url::parse(&url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
            _ => return Err(invalid(var, &url, "expected an http:// or https:// URL")),
        }
        let service_name = text("OTEL_SERVICE_NAME").unwrap_or_else(|| "greenside".into());
        Ok(Some(Otlp { endpoint: url, service_name }))
    }

    /// `RUN_STORE_BACKEND`: `memory`, `sqlite` (seed 001's `file`) or
    /// `redis`; unset, it follows the session store.
    fn run_backend(value: Option<String>, store: &StoreRequest) -> Result<RunBackend, SettingsError> {
        let redis_sessions = matches!(store, StoreRequest::Redis { .. });
        match value.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            None if redis_sessions => Ok(RunBackend::Redis),
            None => Ok(RunBackend::Sqlite),
            Some("memory") => Ok(RunBackend::Memory),
            Some("sqlite" | "file") => Ok(RunBackend::Sqlite),
            Some("redis") if redis_sessions => Ok(RunBackend::Redis),
            Some("redis") => Err(invalid(
                "RUN_STORE_BACKEND",
                "redis",
                "runs go to the sessions' Redis: set SESSION_STORE_BACKEND=redis (and REDIS_URL) too",
            )),
            Some(other) => Err(invalid("RUN_STORE_BACKEND", other, "expected memory, sqlite (or file) or redis")),
        }
    }

    /// `SESSION_STORE_BACKEND` + `REDIS_URL`, or seed 004's `USE_REDIS` +
    /// `REDIS_HOST`/`REDIS_PORT`/`REDIS_DB`/`REDIS_PASSWORD`.
    fn store_request(get: &impl Fn(&str) -> Option<String>) -> Result<StoreRequest, SettingsError> {
        let use_redis = variables::opt_flag(get, "USE_REDIS")?;
        let backend = match get("SESSION_STORE_BACKEND").map(|v| v.trim().to_ascii_lowercase()) {
            Some(b) if b == "memory" => "memory",
            Some(b) if b == "redis" => "redis",
            Some(b) => {
                return Err(invalid("SESSION_STORE_BACKEND", &b, "expected memory or redis"));
            }
            None if use_redis == Some(true) => "redis",
            None => "memory",
        };
        if backend == "memory" {
            return Ok(StoreRequest::Memory);
        }
        let cluster = variables::opt_flag(get, "REDIS_CLUSTER")?.unwrap_or(false);
        if let Some(url) = get("REDIS_URL") {
            let urls: Vec<&str> = url.split(',').map(str::trim).filter(|u| !u.is_empty()).collect();
            if urls.len() > 1 && !cluster {
                return Err(invalid(
                    "REDIS_URL",
                    "<several URLs>",
                    "several nodes are for a cluster: set REDIS_CLUSTER=true",
                ));
            }
            for u in &urls {
                let parsed = url::Url::parse(u)
                    .map_err(|_| invalid("REDIS_URL", "<unparsable>", "expected redis://host:port/db"))?;
                if !matches!(parsed.scheme(), "redis" | "rediss" | "redis+unix" | "unix") {
                    return Err(invalid("REDIS_URL", parsed.scheme(), "expected a redis:// URL"));
                }
            }
            if urls.is_empty() {
                return Err(invalid("REDIS_URL", "", "expected redis://host:port/db"));
            }
            return Ok(StoreRequest::Redis { url: urls.join(","), cluster });
        }
        let host = get("REDIS_HOST").unwrap_or_else(|| "127.0.0.1".into());
        // Bounded by the variable table (a port, a u32 database number).
        let port = variables::count(get, "REDIS_PORT")?.and_then(|p| u16::try_from(p).ok()).unwrap_or(6379);
        let db = variables::count(get, "REDIS_DB")?.and_then(|d| u32::try_from(d).ok()).unwrap_or(0);
        let mut url =
            url::Url::parse("redis://127.0.0.1/").map_err(|_| invalid("REDIS_HOST", &host, "cannot build a URL"))?;
        url.set_host(Some(host.trim())).map_err(|_| invalid("REDIS_HOST", &host, "expected a host name or address"))?;
        let _ = url.set_port(Some(port));
        url.set_path(&format!("/{db}"));
        if let Some(pw) = get("REDIS_PASSWORD") {
            let _ = url.set_password(Some(&pw));
        }
        Ok(StoreRequest::Redis { url: url.to_string(), cluster })
    }
}

/// A Redis URL with its userinfo replaced, for logs and `/health` (core's
/// one redaction of URLs).
pub fn redact_url(url: &str) -> String {
    greenside_core::redact::url(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with(pairs: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let m: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_lookup(|k| m.get(k).cloned())
    }

    #[test]
    fn defaults_need_no_configuration() {
        let s = with(&[]).unwrap();
        assert_eq!((s.host.as_str(), s.port), ("127.0.0.1", 8000));
        assert_eq!(s.store, StoreRequest::Memory);
        assert_eq!(s.redis_session_prefix, "aime:hole_session");
        assert_eq!(s.putt_solver.timeout, Duration::from_secs(4));
        assert_eq!(s.tee_to_green.timeout, Duration::from_secs(3));
        assert_eq!((s.rules.commit_on_streak, s.rules.commit_off_streak, s.rules.session_ttl_s), (2, 2, 7200));
        assert!(s.dataset_registry_path.ends_with("datasets.json"));
        assert!(!s.debug_bundle_enabled);
        assert_eq!(s.run_store, RunBackend::Sqlite, "runs last without Redis");
        assert_eq!(s.run_store_dir, PathBuf::from("greenside-data/runs"));
    }

    #[test]
    fn the_run_store_follows_the_session_store_unless_named() {
        let redis = [("SESSION_STORE_BACKEND", "redis"), ("REDIS_URL", "redis://localhost:6390/2")];
        assert_eq!(with(&redis).unwrap().run_store, RunBackend::Redis);
        for (v, want) in [("memory", RunBackend::Memory), ("sqlite", RunBackend::Sqlite), ("FILE", RunBackend::Sqlite)]
        {
            assert_eq!(with(&[("RUN_STORE_BACKEND", v)]).unwrap().run_store, want, "{v}");
            let mut env = redis.to_vec();
            env.push(("RUN_STORE_BACKEND", v));
            assert_eq!(with(&env).unwrap().run_store, want, "{v} beside Redis sessions");
        }
        let mut env = redis.to_vec();
        env.push(("RUN_STORE_BACKEND", "redis"));
        assert_eq!(with(&env).unwrap().run_store, RunBackend::Redis);
        let e = with(&[("RUN_STORE_BACKEND", "redis")]).unwrap_err().to_string();
        assert!(e.contains("RUN_STORE_BACKEND") && e.contains("SESSION_STORE_BACKEND=redis"), "{e}");
        assert_eq!(with(&[("GOLFIQ_RUNS_DIR", "/data/runs")]).unwrap().run_store_dir, PathBuf::from("/data/runs"));
        let both = with(&[("GOLFIQ_RUNS_DIR", "/data/runs"), ("RUN_STORE_DIR", "/srv/runs")]).unwrap();
        assert_eq!(both.run_store_dir, PathBuf::from("/srv/runs"), "the variable's own spelling wins");
    }

    #[test]
    fn trace_export_follows_opentelemetrys_variables() {
        let otlp = |pairs: &[(&str, &str)]| with(pairs).map(|s| s.otlp.map(|o| (o.endpoint, o.service_name)));
        assert_eq!(otlp(&[]).unwrap(), None, "off without an endpoint");
        let base = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/");
        assert_eq!(
            otlp(&[base]).unwrap(),
            Some(("http://collector:4318/v1/traces".into(), "greenside".into())),
            "the general endpoint gets the signal's path"
        );
        let full = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://ingest.example/otlp/spans");
        assert_eq!(
            otlp(&[base, full, ("OTEL_SERVICE_NAME", "gs-eu")]).unwrap(),
            Some(("https://ingest.example/otlp/spans".into(), "gs-eu".into())),
            "the traces endpoint is used as it is, and wins"
        );
        assert_eq!(otlp(&[base, ("OTEL_TRACES_EXPORTER", "none")]).unwrap(), None);
        assert_eq!(otlp(&[base, ("OTEL_SDK_DISABLED", "true")]).unwrap(), None);
        assert!(otlp(&[base, ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")]).unwrap().is_some());
        for (bad, var) in [
            (("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), "OTEL_EXPORTER_OTLP_PROTOCOL"),
            (("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"), "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"),
            (("OTEL_TRACES_EXPORTER", "zipkin"), "OTEL_TRACES_EXPORTER"),
            (("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"), "OTEL_EXPORTER_OTLP_ENDPOINT"),
            (("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "ftp://x/v1/traces"), "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
        ] {
            let e = otlp(&[base, bad]).unwrap_err().to_string();
            assert!(e.starts_with(var), "{e}");
        }
    }

    #[test]
    fn both_redis_spellings() {
        let s = with(&[("SESSION_STORE_BACKEND", "redis"), ("REDIS_URL", "redis://localhost:6390/2")]).unwrap();
        assert_eq!(s.store, StoreRequest::Redis { url: "redis://localhost:6390/2".into(), cluster: false });
        let s = with(&[
            ("USE_REDIS", "true"),
            ("REDIS_HOST", "10.0.0.5"),
            ("REDIS_PORT", "6380"),
            ("REDIS_DB", "3"),
            ("REDIS_PASSWORD", "s3cret"),
        ])
        .unwrap();
        let StoreRequest::Redis { url, .. } = &s.store else { panic!("redis expected") };
        assert_eq!(url, "redis://:s3cret@10.0.0.5:6380/3");
        assert_eq!(redact_url(url), "redis://[REDACTED]@10.0.0.5:6380/3");
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (k, v) in [
            ("PORT", "eighty"),
            ("PORT", "65536"),
            ("SESSION_STORE_BACKEND", "postgres"),
            ("PUTT_SOLVER_TIMEOUT_S", "-1"),
            ("LOG_FORMAT", "xml"),
            ("SURFACE_COMMIT_ON_STREAK", "0"),
            ("HAZARD_CORRIDOR_M", "500"),
            ("SHOT_MIN_DISTANCE_M", "0"),
            ("SHOT_CONFIRM_FIXES", "many"),
            ("USE_REDIS", "maybe"),
            ("RUN_STORE_BACKEND", "postgres"),
        ] {
            let e = with(&[(k, v)]).unwrap_err();
            assert!(e.to_string().contains(k), "{k}: {e}");
        }
        assert!(with(&[("REQUIRE_API_KEY", "1")]).unwrap_err().to_string().contains("API_KEY"));
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let s = with(&[("PUTT_SOLVER_API_KEY", "pk-123"), ("API_KEY", "ak-456"), ("ADMIN_TOKEN", "at-789")]).unwrap();
        let dbg = format!("{s:?} {:?}", s.putt_solver);
        for secret in ["pk-123", "ak-456", "at-789"] {
            assert!(!dbg.contains(secret), "{dbg}");
        }
    }
}
