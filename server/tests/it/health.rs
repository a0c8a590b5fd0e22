//! Health, probes and broken course data: the server stays up and says what is wrong.

#![allow(clippy::unwrap_used)]

use crate::common;

use common::{Server, client, get, post};
use serde_json::Value;
use std::path::PathBuf;

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("greenside-{name}-{}-{}", std::process::id(), common::free_port()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_registry_leaves_the_server_up_and_reporting() {
    let dir = temp_dir("badreg");
    std::fs::write(dir.join("datasets.json"), "{ not json").unwrap();
    let s = Server::start(&[("COURSE_DATA_ROOT", dir.to_str().unwrap())]);
    let c = client();
    assert_eq!(get(&c, &s.url("/live")).await.0, 200);
    let (status, h) = get(&c, &s.url("/health")).await;
    assert_eq!(status, 503);
    assert_eq!(h["dataset_registry"]["loaded"], false);
    assert_eq!(h["dataset_registry"]["error"]["code"], "course_json_invalid");
    assert_eq!(h["dataset_registry"]["status"], "unhealthy");
    let (status, body) = get(&c, &s.url("/startup")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (503, Some("course_data_unavailable")));
    let (status, body) = get(&c, &s.url("/ready")).await;
    assert_eq!(
        (status, body["status"].as_str(), body["checks"]["dataset_registry"]["ok"].as_bool()),
        (503, Some("not_ready"), Some(false))
    );
    let (status, body) = post(&c, &s.url("/api/session/start"), &serde_json::from_str(common::START).unwrap()).await;
    assert_eq!((status, body["error"]["code"].as_str()), (503, Some("course_data_unavailable")));
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_course_file_is_reported_and_its_routes_answer_503() {
    let dir = temp_dir("badcourse");
    std::fs::write(
        dir.join("datasets.json"),
        r#"{"manifest_contract_version":"0.1.0","datasets":[
            {"course_id":"riverside","name":"R","path":"riverside.json","version":"1"},
            {"course_id":"broken","name":"B","path":"broken.json","version":"1"},
            {"course_id":"missing","name":"M","path":"missing.json","version":"1"}]}"#,
    )
    .unwrap();
    std::fs::write(dir.join("riverside.json"), greenside_core::example::RIVERSIDE_COURSE_JSON).unwrap();
    let mut broken: Value = serde_json::from_str(greenside_core::example::RIVERSIDE_COURSE_JSON).unwrap();
    broken["course_id"] = "broken".into();
    broken["holes"][0]["green"]["coordinates"][0].as_array_mut().unwrap().pop();
    std::fs::write(dir.join("broken.json"), broken.to_string()).unwrap();
    let s = Server::start(&[("COURSE_DATA_ROOT", dir.to_str().unwrap())]);
    let c = client();
    let (status, h) = get(&c, &s.url("/health")).await;
    assert_eq!((status, h["status"].as_str()), (200, Some("degraded")));
    let reg = &h["dataset_registry"];
    assert_eq!(
        (reg["loaded"].as_bool(), reg["courses"].as_u64(), reg["failed_courses"].as_u64()),
        (Some(true), Some(1), Some(2))
    );
    let codes: Vec<&str> =
        reg["course_errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"ring_not_closed") && codes.contains(&"file_unreadable"), "{codes:?}");
    assert_eq!(get(&c, &s.url("/startup")).await.0, 200);
    assert_eq!(get(&c, &s.url("/ready")).await.0, 200);
    let start = |id: &str| serde_json::json!({"contract_version": "0.5.0", "course_id": id, "hole_id": 1});
    let (status, body) = post(&c, &s.url("/api/session/start"), &start("broken")).await;
    assert_eq!((status, body["error"]["details"]["reason"].as_str()), (503, Some("ring_not_closed")));
    assert_eq!(post(&c, &s.url("/api/session/start"), &start("riverside")).await.0, 200);
    let (_, courses) = get(&c, &s.url("/api/courses")).await;
    assert_eq!(courses["courses"].as_array().unwrap().len(), 3);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn health_reports_components_and_never_secrets() {
    let s = Server::start(&[
        ("PUTT_SOLVER_URL", "http://127.0.0.1:9/"),
        ("PUTT_SOLVER_API_KEY", "putt-secret-1"),
        ("TEE_TO_GREEN_API_KEY", "ttg-secret-2"),
        ("ADMIN_TOKEN", "admin-secret-3"),
        ("REQUIRE_API_KEY", "0"),
        ("API_KEY", "api-secret-4"),
    ]);
    let c = client();
    let (status, h) = get(&c, &s.url("/health")).await;
    assert_eq!((status, h["status"].as_str()), (200, Some("healthy")));
    for component in ["dataset_registry", "session_store"] {
        assert!(["healthy", "degraded", "unhealthy", "unknown"].contains(&h[component]["status"].as_str().unwrap()));
        assert!(h[component]["response_time_ms"].is_number(), "{component}");
    }
    assert_eq!(h["session_store"]["backend"], "memory");
    assert_eq!(h["debug_bundles"]["enabled"], false);
    let putt = &h["downstream"]["putt_solver"];
    assert_eq!(
        (putt["configured"].as_bool(), putt["api_key_configured"].as_bool(), putt["timeout_s"].as_f64()),
        (Some(true), Some(true), Some(4.0))
    );
    assert_eq!(h["downstream"]["tee_to_green"]["configured"], false);
    let text = h.to_string();
    for secret in ["putt-secret-1", "ttg-secret-2", "admin-secret-3", "api-secret-4"] {
        assert!(!text.contains(secret), "{secret} leaked into /health");
    }

    // application/health+json when asked for.
    let r = c.get(s.url("/health")).header("accept", "application/health+json").send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/health+json");
    let hj: Value = r.json().await.unwrap();
    assert_eq!(hj["status"], "pass");
    assert_eq!(hj["checks"]["session_store:responseTime"][0]["status"], "pass");

    // Probes.
    assert_eq!(get(&c, &s.url("/live")).await, (200, serde_json::json!({"status": "alive"})));
    assert_eq!(get(&c, &s.url("/ready")).await.1["status"], "ready");
    assert_eq!(get(&c, &s.url("/startup")).await.1["status"], "started");

    // Request ids: echoed when sane, made up otherwise.
    let r = c.get(s.url("/live")).header("x-request-id", "req-123").send().await.unwrap();
    assert_eq!(r.headers()["x-request-id"], "req-123");
    let r = c.get(s.url("/live")).send().await.unwrap();
    assert_eq!(r.headers()["x-request-id"].len(), 16);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_configuration_stops_the_server_with_a_clear_message() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_greenside"))
        .args(["serve", "--port", "0"])
        .env_clear()
        .env("SURFACE_COMMIT_ON_STREAK", "zero")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("SURFACE_COMMIT_ON_STREAK"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_listing_pages_through_live_sessions() {
    let s = Server::start(&[("ADMIN_TOKEN", "adm1n")]);
    let c = client();
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(common::start_session(&c, &s).await);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(cur) => s.url(&format!("/api/sessions?limit=2&cursor={cur}")),
            None => s.url("/api/sessions?limit=2"),
        };
        let body: Value = c.get(url).header("x-admin-token", "adm1n").send().await.unwrap().json().await.unwrap();
        let page = body["sessions"].as_array().unwrap();
        assert!(page.len() <= 2);
        seen.extend(page.iter().map(|r| r["session_id"].as_str().unwrap().to_string()));
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, ids);
}

#[tokio::test(flavor = "multi_thread")]
async fn require_api_key_guards_the_api_routes_only() {
    let s = Server::start(&[("REQUIRE_API_KEY", "1"), ("API_KEY", "k3y")]);
    let c = client();
    let start = || c.post(s.url("/api/session/start")).header("content-type", "application/json").body(common::START);
    let r = start().send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "unauthorized");
    assert_eq!(start().header("x-api-key", "k3").send().await.unwrap().status().as_u16(), 401);
    assert_eq!(start().header("x-api-key", "k3y").send().await.unwrap().status().as_u16(), 200);
    // Probes are never guarded.
    assert_eq!(get(&c, &s.url("/health")).await.0, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_burst_beyond_the_limit_gets_429_and_other_clients_are_unaffected() {
    let s = Server::start(&[("RATE_LIMITS", "start=3/60:3"), ("TRUSTED_PROXY_HEADER", "x-forwarded-for")]);
    let c = client();
    let start = |ip: &'static str| {
        c.post(s.url("/api/session/start"))
            .header("content-type", "application/json")
            .header("x-forwarded-for", ip)
            .body(common::START)
    };
    for _ in 0..3 {
        let r = start("203.0.113.7").send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        assert!(r.headers()["ratelimit"].to_str().unwrap().starts_with("limit=3"));
    }
    let r = start("203.0.113.7").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 429);
    let retry: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=20).contains(&retry), "{retry}");
    assert_eq!(r.headers()["ratelimit-policy"], "3;w=60");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    // Another client, and another route group, are unaffected.
    assert_eq!(start("198.51.100.1").send().await.unwrap().status().as_u16(), 200);
    assert_eq!(get(&c, &s.url("/api/courses")).await.0, 200);
    // Probes are never limited.
    for _ in 0..10 {
        assert_eq!(get(&c, &s.url("/live")).await.0, 200);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_requests_transitions_and_flickers() {
    let s = Server::start(&[]);
    let c = client();
    let sid = common::start_session(&c, &s).await;
    let off = (40.267728069, -111.659682572);
    for p in [common::ON_GREEN, off, common::ON_GREEN, off, off] {
        assert_eq!(post(&c, &s.url("/api/session/set_ball_location"), &common::ball(&sid, p)).await.0, 200);
    }
    let r = c.get(s.url("/metrics")).send().await.unwrap();
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/openmetrics-text"));
    let text = r.text().await.unwrap();
    let value = |needle: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with(needle))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {needle} in\n{text}"))
    };
    assert_eq!(value("greenside_ball_fixes_total"), 5.0);
    assert_eq!(value("greenside_surface_transitions_total{to=\"ON_GREEN\"}"), 1.0);
    assert_eq!(value("greenside_surface_transitions_total{to=\"OFF_GREEN\"}"), 1.0);
    assert_eq!(value("greenside_suppressed_flickers_total"), 1.0);
    assert_eq!(value("greenside_active_sessions"), 1.0);
    assert_eq!(
        value("greenside_http_requests_total{route=\"/api/session/set_ball_location\",method=\"POST\",status=\"200\"}"),
        5.0
    );
    assert!(text.contains("greenside_store_duration_seconds_count{op=\"save\"} 5"));
    assert!(text.contains("greenside_http_request_duration_seconds_bucket"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_binary_away_from_its_checkout_serves_the_embedded_example_course() {
    // The server picks the embedded catalogue only when no course path is set
    // and the compiled-in data folder is gone; here the catalogue itself is
    // checked, and an explicit missing path must stay an error.
    let cat = greenside_server::courses::CourseData::embedded();
    assert!(cat.loaded());
    assert_eq!(cat.source, "embedded");
    assert!(cat.hole("riverside", 1).is_ok());
    // An explicit path that does not exist is an error, not a silent fallback.
    let s = Server::start(&[("COURSE_DATA_ROOT", "/nonexistent/greenside")]);
    let (status, h) = get(&client(), &s.url("/health")).await;
    assert_eq!(
        (status, h["dataset_registry"]["loaded"].as_bool(), h["dataset_registry"]["source"].as_str()),
        (503, Some(false), Some("files"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn access_logs_are_json_with_request_session_route_status_and_latency() {
    let s = Server::start(&[]);
    let c = client();
    let sid = common::start_session(&c, &s).await;
    assert_eq!(post(&c, &s.url("/api/session/set_ball_location"), &common::ball(&sid, common::ON_GREEN)).await.0, 200);
    // Lines are written in batches (at most 20 ms apart): wait for it.
    let t0 = std::time::Instant::now();
    let line = loop {
        let found = s
            .logs()
            .into_iter()
            .filter_map(|l| serde_json::from_str::<Value>(&l).ok())
            .find(|v| v["message"] == "request" && v["route"] == "/api/session/set_ball_location");
        if let Some(line) = found {
            break line;
        }
        assert!(t0.elapsed() < std::time::Duration::from_secs(5), "an access line for the fix");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    };
    assert!(line["timestamp"].as_str().unwrap().ends_with('Z'), "ISO-8601 UTC: {line}");
    assert_eq!(
        (line["level"].as_str(), line["status"].as_u64(), line["method"].as_str()),
        (Some("INFO"), Some(200), Some("POST"))
    );
    assert!(line["latency_ms"].is_number() && line["request_id"].as_str().is_some_and(|r| r.len() == 16));
    assert_eq!(line["span"]["session_id"], sid.as_str());
}

/// Seed 003's `SESSION_TTL` and seed 004's `REDIS_SESSION_TTL` set the TTL
/// (they were ignored: 7,200 s); a variable that looks like greenside's but
/// is not is named in a warning at start-up.
#[tokio::test(flavor = "multi_thread")]
async fn seed_spellings_set_the_ttl_and_unknown_variables_are_named() {
    for (alias, ttl_s) in [("SESSION_TTL", "60"), ("REDIS_SESSION_TTL", "90")] {
        let s = Server::start(&[(alias, ttl_s), ("SURFACE_COMMIT_ONSTREAK", "3")]);
        let c = client();
        let (status, body) =
            post(&c, &s.url("/api/session/start"), &serde_json::from_str(common::START).unwrap()).await;
        assert_eq!(status, 200, "{body}");
        let h = &body["hole_state"];
        let ttl_ms = h["expires_at_ms"].as_u64().unwrap() - h["updated_at_ms"].as_u64().unwrap();
        assert_eq!(ttl_ms, ttl_s.parse::<u64>().unwrap() * 1000, "{alias}");
        let logs = s.logs();
        assert!(
            logs.iter().any(|l| l.contains("not a greenside setting") && l.contains("SURFACE_COMMIT_ONSTREAK")),
            "{logs:?}"
        );
        assert!(!logs.iter().any(|l| l.contains("not a greenside setting") && l.contains(alias)), "{alias} is known");
        s.stop();
    }
}

/// A downstream URL's userinfo and query values never show (`/health`, the
/// log); where the data lives on disk shows only with the admin token.
#[tokio::test(flavor = "multi_thread")]
async fn health_redacts_urls_and_shows_paths_to_the_admin_only() {
    let url = "http://solver-user:pw-in-url-1234@127.0.0.1:9/base?token=tok-in-query-5678";
    let s = Server::start(&[("PUTT_SOLVER_URL", url), ("ADMIN_TOKEN", "admin-token-for-paths-9")]);
    let c = client();
    let (_, h) = get(&c, &s.url("/health")).await;
    let text = h.to_string();
    for secret in ["solver-user", "pw-in-url-1234", "tok-in-query-5678"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    assert_eq!(h["downstream"]["putt_solver"]["url"], "http://[REDACTED]@127.0.0.1:9/base?token=[REDACTED]");
    let hidden = |v: &Value| v.as_str().unwrap().starts_with("[hidden");
    assert!(hidden(&h["dataset_registry"]["root"]) && hidden(&h["dataset_registry"]["path"]), "{h}");
    assert!(hidden(&h["debug_bundles"]["dir"]), "{h}");
    assert!(!text.contains(env!("CARGO_MANIFEST_DIR")), "no absolute path: {text}");
    let r = c.get(s.url("/health")).header("x-admin-token", "admin-token-for-paths-9").send().await.unwrap();
    let admin: Value = r.json().await.unwrap();
    assert!(!hidden(&admin["dataset_registry"]["root"]), "{admin}");
    assert!(!s.logs().iter().any(|l| l.contains("pw-in-url-1234")), "the URL's password is never logged");
    s.stop();
}

/// The native web page carries its policy: the CSP (scripts and wasm from
/// itself only, no framing) and `nosniff`, on the page and on its files.
#[tokio::test(flavor = "multi_thread")]
async fn the_native_page_has_its_csp_and_nosniff() {
    let s = Server::start(&[]);
    let c = client();
    for path in ["/", "/app/app.js", "/sw.js"] {
        let r = c.get(s.url(path)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
        let h = r.headers();
        let csp = h.get("content-security-policy").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        assert!(
            csp.contains("default-src 'self'")
                && csp.contains("script-src 'self' 'wasm-unsafe-eval'")
                && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert_eq!(h.get("x-content-type-options").map(|v| v.to_str().unwrap()), Some("nosniff"), "{path}");
    }
    s.stop();
}
