//! Every route of core's table is guarded as its `Route.access` says, on
//! both platforms: without credentials, with the API key only, and with the
//! key and the admin token. The guards are core's (`guard`); this is what
//! each platform's front makes of them.

#![allow(clippy::unwrap_used)]

use crate::common;

use common::{Platform, client};
use greenside_core::routes::{Access, ROUTES};

const KEY: &str = "k3y-guards";
const ADMIN: &str = "adm1n-guards";

/// A path of the template with its one parameter filled in (well formed,
/// so what answers is the guard or the handler, never the id's syntax).
fn path_of(template: &str) -> String {
    template
        .replace("{session_id}", &format!("gs_{}", "0".repeat(32)))
        .replace("{run_id}", &format!("run_{}", "0".repeat(32)))
        .replace("{course_id}", "riverside")
}

async fn send(
    c: &reqwest::Client,
    t: &common::Target,
    method: &str,
    path: &str,
    creds: &[(&str, &str)],
) -> (u16, String) {
    let mut req = c.request(method.parse().unwrap(), t.url(path));
    if method == "POST" {
        req = req.header("content-type", "application/json").body("{}");
    }
    for (h, v) in creds {
        req = req.header(*h, *v);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let body: serde_json::Value = resp.json().await.unwrap_or(serde_json::Value::Null);
    (status, body["error"]["code"].as_str().unwrap_or("").to_string())
}

fn headers(creds: &[(&str, &str)]) -> reqwest::header::HeaderMap {
    let mut h = reqwest::header::HeaderMap::new();
    for (k, v) in creds {
        h.insert(reqwest::header::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
    }
    h
}

/// What the guards answer: `Some(code)` for a refusal, `None` when the
/// request reaches its handler (whatever that then answers).
fn refusal(status: u16, code: &str) -> Option<String> {
    match (status, code) {
        (401, "unauthorized") | (403, "forbidden") => Some(code.to_string()),
        _ => None,
    }
}

async fn every_route_on(platform: Platform) {
    let t = platform.start(&[("REQUIRE_API_KEY", "true"), ("API_KEY", KEY), ("ADMIN_TOKEN", ADMIN)]);
    let c = client();
    let key = [("x-api-key", KEY)];
    let both = [("x-api-key", KEY), ("x-admin-token", ADMIN)];
    let admin_only = [("x-admin-token", ADMIN)];
    let mut checked = 0;
    for r in ROUTES {
        let (method, path) = (r.method.as_str(), path_of(r.path));
        let label = format!("{}: {method} {path} ({:?})", platform.name(), r.access);
        let mut outcome = Vec::new();
        for creds in [&[][..], &key[..], &admin_only[..], &both[..]] {
            let (status, code) = send(&c, &t, method, &path, creds).await;
            outcome.push(refusal(status, &code));
        }
        let [none, with_key, with_admin, with_both] = <[Option<String>; 4]>::try_from(outcome).unwrap();
        let s = |c: &str| Some(c.to_string());
        let expected = match r.access {
            Access::Open => [None, None, None, None],
            Access::Api => [s("unauthorized"), None, s("unauthorized"), None],
            Access::Admin => [s("forbidden"), s("forbidden"), None, None],
            Access::ApiAdmin => [s("unauthorized"), s("forbidden"), s("unauthorized"), None],
        };
        assert_eq!([none, with_key, with_admin, with_both], expected, "{label}");
        checked += 1;
    }
    assert_eq!(checked, ROUTES.len());

    // A path under /api/ that names no route is guarded as an API route: a
    // caller without the key cannot tell it from one that exists.
    assert_eq!(send(&c, &t, "GET", "/api/nothing-here", &[]).await, (401, "unauthorized".into()));
    assert_eq!(send(&c, &t, "GET", "/api/nothing-here", &key).await, (404, "route_not_found".into()));
    // A known path with another method is guarded as its route: the 405 is
    // only for those allowed to know.
    assert_eq!(send(&c, &t, "DELETE", "/runs/v1", &[]).await, (403, "forbidden".into()));
    assert_eq!(send(&c, &t, "DELETE", "/runs/v1", &admin_only).await, (405, "method_not_allowed".into()));
    // A 405 says what is allowed (RFC 9110), the same on both platforms; HEAD is GET.
    for (method, path, allow) in [
        ("DELETE", "/runs/v1", "GET,HEAD"),
        ("PUT", "/api/session/gs_00000000000000000000000000000000", "GET,HEAD,DELETE"),
        ("QUERY", "/live", "GET,HEAD"),
    ] {
        let r = c.request(method.parse().unwrap(), t.url(path)).headers(headers(&both)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 405, "{method} {path}");
        assert_eq!(r.headers().get("allow").and_then(|v| v.to_str().ok()), Some(allow), "{method} {path}");
    }
    let head = c.head(t.url("/live")).send().await.unwrap();
    assert_eq!(head.status().as_u16(), 200);
    // Elsewhere, nothing is guarded.
    assert_eq!(send(&c, &t, "GET", "/nothing-here", &[]).await, (404, "route_not_found".into()));
    t.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn every_route_is_guarded_as_the_table_says_natively() {
    every_route_on(Platform::Native).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_route_is_guarded_as_the_table_says_on_the_edge() {
    every_route_on(Platform::Worker).await;
}
