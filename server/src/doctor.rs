//! `greenside doctor --url URL`: checks a running deployment end to end and
//! prints a pass/fail table. `greenside smoke`: starts a local putt solver
//! that requires `X-API-Key` and a server wired to it (memory store, debug
//! bundles in a temporary folder), then runs the doctor's checks plus
//! hysteresis switching and bundle writing against it.

use greenside_core::contract::API_CONTRACT_VERSION;
use greenside_core::routes::{self, RouteId};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// One line of the table.
#[derive(Debug, Clone)]
pub struct CheckResult {
    pub name: String,
    pub ok: bool,
    pub detail: String,
    pub ms: u128,
}

/// What the doctor needs to reach a deployment.
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub url: String,
    pub api_key: Option<String>,
    pub admin_token: Option<String>,
    pub course_id: String,
    pub hole_id: u32,
}

struct Doctor {
    http: reqwest::Client,
    t: Target,
    results: Vec<CheckResult>,
}

impl Doctor {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<(u16, Value), String> {
        let mut req = self.http.request(method, format!("{}{path}", self.t.url));
        if let Some(k) = &self.t.api_key {
            req = req.header("x-api-key", k);
        }
        if let Some(k) = &self.t.admin_token {
            req = req.header("x-admin-token", k);
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b.to_string());
        }
        // The error names the URL, which may carry credentials: not shown.
        let r = req.send().await.map_err(|e| format!("request failed: {}", e.without_url()))?;
        let status = r.status().as_u16();
        let v = r.json::<Value>().await.unwrap_or(Value::Null);
        Ok((status, v))
    }

    fn record(&mut self, name: &str, t0: Instant, r: Result<String, String>) -> bool {
        let ok = r.is_ok();
        let detail = r.unwrap_or_else(|e| e);
        self.results.push(CheckResult { name: name.into(), ok, detail, ms: t0.elapsed().as_millis() });
        ok
    }

    /// Calls the route `id` of core's table (its method, its path with
    /// `param`) and checks the status.
    async fn check(
        &mut self,
        name: &str,
        id: RouteId,
        param: &str,
        body: Option<Value>,
        expect: &[u16],
    ) -> Option<Value> {
        let t0 = Instant::now();
        let route = routes::by_id(id);
        let method = reqwest::Method::from_bytes(route.method.as_str().as_bytes()).unwrap_or(reqwest::Method::GET);
        let r = self.call(method, &route.path_with(param), body).await;
        let (ok, out, detail) = match r {
            Ok((s, v)) if expect.contains(&s) => (true, Some(v.clone()), format!("{s}")),
            Ok((s, v)) => (false, None, format!("{s}: {}", v["error"]["code"].as_str().unwrap_or("unexpected answer"))),
            Err(e) => (false, None, e),
        };
        self.record(name, t0, if ok { Ok(detail) } else { Err(detail) });
        out
    }
}

const POINT_ON: (f64, f64) = (40.268240, -111.659520);

/// Runs the checks; `fixes` are positions to stream (the defaults suit the example course).
pub async fn run(t: Target, fixes: &[(f64, f64)], expect_plan: bool) -> Vec<CheckResult> {
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default();
    let mut d = Doctor { http, t, results: Vec::new() };
    d.check("live", RouteId::Live, "", None, &[200]).await;
    d.check("ready", RouteId::Ready, "", None, &[200]).await;
    if let Some(h) = d.check("health", RouteId::Health, "", None, &[200]).await {
        let t0 = Instant::now();
        let status = h["status"].as_str().unwrap_or("?").to_string();
        d.record("health status", t0, if status == "healthy" { Ok(status) } else { Err(status) });
    }
    let start = json!({"contract_version": API_CONTRACT_VERSION, "course_id": d.t.course_id, "hole_id": d.t.hole_id});
    let Some(started) = d.check("start session", RouteId::Start, "", Some(start), &[200]).await else {
        return d.results;
    };
    let sid = started["session_id"].as_str().unwrap_or_default().to_string();
    for (i, p) in fixes.iter().enumerate() {
        let body = json!({"contract_version": API_CONTRACT_VERSION, "session_id": sid, "ball_wgs84": {"lat": p.0, "lon": p.1}, "accuracy_m": 3.0});
        if let Some(v) = d.check(&format!("ball fix {}", i + 1), RouteId::SetBallLocation, "", Some(body), &[200]).await
        {
            let hs = &v["hole_state"];
            let last = d.results.len() - 1;
            d.results[last].detail = format!(
                "{} {} streak {}",
                hs["surface"].as_str().unwrap_or("?"),
                hs["surface_state"].as_str().unwrap_or("?"),
                hs["candidate_streak"]
            );
        }
    }
    d.check("read session", RouteId::GetSession, &sid, None, &[200]).await;
    let advice = json!({"contract_version": API_CONTRACT_VERSION, "session_id": sid, "want_plot": true});
    let expect: &[u16] = if expect_plan { &[200] } else { &[200, 502, 503, 504] };
    if let Some(v) = d.check("advice", RouteId::GetHoleAdvice, "", Some(advice), expect).await {
        let last = d.results.len() - 1;
        d.results[last].detail = match v["error"]["code"].as_str() {
            Some(code) => format!("{} via fallback ({code})", v["plan_type"].as_str().unwrap_or("?")),
            None => format!(
                "{} from {}",
                v["plan_type"].as_str().unwrap_or("?"),
                v["downstream"]["service"].as_str().unwrap_or("?")
            ),
        };
    }
    d.check("delete session", RouteId::DeleteSession, &sid, None, &[200]).await;
    d.check("deleted session is gone", RouteId::GetSession, &sid, None, &[404]).await;
    d.results
}

/// The table, and whether every check passed.
pub fn table(results: &[CheckResult]) -> (String, bool) {
    let mut out = format!("{:<28} {:<6} {:>7}  {}\n", "check", "result", "ms", "detail");
    for r in results {
        out.push_str(&format!("{:<28} {:<6} {:>7}  {}\n", r.name, if r.ok { "PASS" } else { "FAIL" }, r.ms, r.detail));
    }
    let passed = results.iter().filter(|r| r.ok).count();
    let all = !results.is_empty() && passed == results.len();
    out.push_str(&format!("{passed} passed, {} failed\n", results.len() - passed));
    (out, all)
}

/// Positions for the example course: on the green, then two in the fairway (the second switches).
pub fn example_fixes() -> Vec<(f64, f64)> {
    vec![POINT_ON, (40.267728069, -111.659682572), (40.267728069, -111.659682572)]
}

/// `greenside smoke`: a local solver requiring a key, a server wired to it, the checks.
pub async fn smoke() -> Result<(String, bool), String> {
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::IntoResponse;
    let key = crate::random_token();
    let expected = key.clone();
    let solver = axum::Router::new().route(
        greenside_core::plan::PlanType::Putt.path(),
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let expected = expected.clone();
            async move {
                if headers.get("x-api-key").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
                    return (StatusCode::UNAUTHORIZED, "key required").into_response();
                }
                let b: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                axum::Json(json!({"solver": "smoke", "distance_m": b["distance_to_cup_m"]})).into_response()
            }
        }),
    );
    let sl = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let solver_url = format!("http://{}", sl.local_addr().map_err(|e| e.to_string())?);
    tokio::spawn(async move {
        let _ = axum::serve(sl, solver).await;
    });
    let dir = std::env::temp_dir().join(format!("greenside-smoke-{}", crate::random_token()));
    let dir_s = dir.display().to_string();
    // The default run store, in a directory of the smoke's own (never the working one).
    let runs_dir = std::env::temp_dir().join(format!("greenside-smoke-runs-{}", crate::random_token()));
    let runs_s = runs_dir.display().to_string();
    let env = [
        ("RUN_STORE_DIR", runs_s.as_str()),
        ("PUTT_SOLVER_URL", solver_url.as_str()),
        ("PUTT_SOLVER_API_KEY", key.as_str()),
        ("DEBUG_BUNDLE_ENABLED", "true"),
        ("DEBUG_BUNDLE_DIR", dir_s.as_str()),
        ("RATE_LIMIT_ENABLED", "false"),
    ];
    let settings =
        crate::settings::Settings::from_lookup(|k| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string()))
            .map_err(|e| e.to_string())?;
    let state = crate::build_state(settings).await?;
    let app = crate::http::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let url = format!("http://{}", l.local_addr().map_err(|e| e.to_string())?);
    tokio::spawn(async move {
        let _ = axum::serve(l, app).await;
    });
    let mut results = run(
        Target { url, course_id: "riverside".into(), hole_id: 1, ..Target::default() },
        &[
            POINT_ON,
            (40.267728069, -111.659682572),
            POINT_ON,
            (40.267728069, -111.659682572),
            (40.267728069, -111.659682572),
            POINT_ON,
            POINT_ON,
        ],
        false,
    )
    .await;
    // Hysteresis: ON commits, OFF holds, ON resets, OFF OFF switch, ON ON switch back.
    let states: Vec<String> =
        results.iter().filter(|r| r.name.starts_with("ball fix")).map(|r| r.detail.clone()).collect();
    let want = [
        "GREEN ON_GREEN",
        "FAIRWAY ON_GREEN",
        "GREEN ON_GREEN",
        "FAIRWAY ON_GREEN",
        "FAIRWAY OFF_GREEN",
        "GREEN OFF_GREEN",
        "GREEN ON_GREEN",
    ];
    let ok = states.len() == want.len() && states.iter().zip(want).all(|(s, w)| s.starts_with(w));
    results.push(CheckResult {
        name: "hysteresis switching".into(),
        ok,
        detail: if ok { "hold, reset, switch, switch back".into() } else { format!("{states:?}") },
        ms: 0,
    });
    let advice_ok = results.iter().any(|r| r.name == "advice" && r.ok && r.detail.contains("PUTT from putt_solver"));
    results.push(CheckResult {
        name: "putt solver with X-API-Key".into(),
        ok: advice_ok,
        detail: String::new(),
        ms: 0,
    });
    let bundles = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
    let leaked = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok()).any(|e| std::fs::read_to_string(e.path()).is_ok_and(|t| t.contains(&key))))
        .unwrap_or(false);
    results.push(CheckResult {
        name: "debug bundle written".into(),
        ok: bundles == 1 && !leaked,
        detail: format!("{bundles} bundle(s), key redacted: {}", !leaked),
        ms: 0,
    });
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&runs_dir);
    Ok(table(&results))
}
