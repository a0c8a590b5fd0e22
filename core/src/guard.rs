//! Who may call a route: the one guard both platforms enforce, read from
//! the route table's [`Access`].
//!
//! ```text
//! access_of(method, path) ─► api_key(…)      before the rate limit (401 unauthorized)
//!                         └► admin_token(…)  after it, before the handler (403 forbidden)
//! ```
//!
//! `/api/` is the API's namespace: a path there that names no route is
//! guarded as an `Api` route, so a caller without the key cannot tell a
//! route that exists from one that does not. Secrets are compared in
//! constant time in their content (`subtle`).

use crate::error::{ApiError, ErrorCode};
use crate::routes::{Access, Found};
use subtle::ConstantTimeEq;

/// What the deployment asks of callers (the settings of either platform).
#[derive(Debug, Clone, Copy, Default)]
pub struct Keys<'a> {
    /// `REQUIRE_API_KEY`: the API routes need `x-api-key` equal to `api_key`
    /// (an empty or missing `API_KEY` then refuses every call).
    pub require_api_key: bool,
    pub api_key: Option<&'a str>,
    /// `ADMIN_TOKEN`; without it the admin routes are disabled.
    pub admin_token: Option<&'a str>,
}

/// The access rule of a request whose route lookup gave `found`: its
/// route's (the route of its path with another method counts: the answer
/// is a 405 only for those allowed to know), `Api` for an unknown path
/// under `/api/`, else `Open`.
pub fn access_of(found: &Found<'_>, path: &str) -> Access {
    match found {
        Found::Route(r, _) | Found::MethodNotAllowed(r) => r.access,
        Found::NotFound if path.starts_with("/api/") => Access::Api,
        Found::NotFound => Access::Open,
    }
}

/// Whether `access` asks for the API key when it is required.
pub const fn wants_api_key(access: Access) -> bool {
    matches!(access, Access::Api | Access::ApiAdmin)
}

/// Whether `access` asks for the admin token.
pub const fn wants_admin_token(access: Access) -> bool {
    matches!(access, Access::Admin | Access::ApiAdmin)
}

fn same(given: &[u8], secret: &str) -> bool {
    bool::from(given.ct_eq(secret.as_bytes()))
}

/// Seconds a shed request is told to wait (`Retry-After`): requests in
/// flight finish in milliseconds, or within a downstream timeout.
pub const OVERLOADED_RETRY_AFTER_S: u64 = 1;

/// The answer to a request beyond the bound in flight (503 `overloaded`,
/// `Retry-After: 1`): nothing was done.
pub fn overloaded() -> ApiError {
    ApiError::new(
        ErrorCode::Overloaded,
        "the server is at its limit of requests in flight; nothing was done, retry shortly",
    )
    .with("retry_after_s", OVERLOADED_RETRY_AFTER_S)
}

/// The API key guard: `given` is the request's `x-api-key`.
pub fn api_key(access: Access, keys: &Keys<'_>, given: Option<&[u8]>) -> Result<(), ApiError> {
    if !(keys.require_api_key && wants_api_key(access)) {
        return Ok(());
    }
    let expected = keys.api_key.unwrap_or("");
    if expected.is_empty() || !same(given.unwrap_or(b""), expected) {
        return Err(ApiError::new(ErrorCode::Unauthorized, "missing or wrong x-api-key"));
    }
    Ok(())
}

/// The admin guard: `given` is the request's `x-admin-token`.
pub fn admin_token(access: Access, keys: &Keys<'_>, given: Option<&[u8]>) -> Result<(), ApiError> {
    if !wants_admin_token(access) {
        return Ok(());
    }
    is_admin(keys, given)
}

/// Whether `given` is the admin token (`/health` shows more to an admin).
pub fn is_admin(keys: &Keys<'_>, given: Option<&[u8]>) -> Result<(), ApiError> {
    let Some(token) = keys.admin_token.filter(|t| !t.is_empty()) else {
        return Err(ApiError::new(ErrorCode::Forbidden, "admin routes are disabled; set ADMIN_TOKEN to enable them"));
    };
    if same(given.unwrap_or(b""), token) {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::Forbidden, "missing or wrong x-admin-token"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::{self, ROUTES};

    #[test]
    fn every_route_is_guarded_as_the_table_says() {
        let keys = Keys { require_api_key: true, api_key: Some("k3y"), admin_token: Some("adm1n") };
        for r in ROUTES {
            let path = r.path.replace("{session_id}", "gs_0").replace("{run_id}", "run_0").replace("{course_id}", "c");
            let access = access_of(&routes::find(r.method.as_str(), &path), &path);
            assert_eq!(access, r.access, "{} {}", r.method.as_str(), r.path);
            let none = (api_key(access, &keys, None), admin_token(access, &keys, None));
            match r.access {
                Access::Api => assert!(none.0.is_err() && none.1.is_ok(), "{}", r.path),
                Access::Admin => assert!(none.0.is_ok() && none.1.is_err(), "{}", r.path),
                Access::ApiAdmin => assert!(none.0.is_err() && none.1.is_err(), "{}", r.path),
                Access::Open => assert!(none.0.is_ok() && none.1.is_ok(), "{}", r.path),
            }
            assert!(api_key(access, &keys, Some(b"k3y")).is_ok() && admin_token(access, &keys, Some(b"adm1n")).is_ok());
        }
        let of = |m: &str, p: &str| access_of(&routes::find(m, p), p);
        assert_eq!(of("GET", "/api/nothing-here"), Access::Api);
        assert_eq!(of("GET", "/nothing-here"), Access::Open);
        assert_eq!(of("PUT", "/runs/v1"), Access::Admin, "a 405 only for the admin");
        let off = Keys::default();
        assert!(api_key(Access::Api, &off, None).is_ok());
        assert_eq!(admin_token(Access::Admin, &off, Some(b"")).unwrap_err().code, ErrorCode::Forbidden);
        let unset = Keys { require_api_key: true, api_key: Some(""), admin_token: None };
        assert_eq!(api_key(Access::Api, &unset, Some(b"")).unwrap_err().code, ErrorCode::Unauthorized);
    }
}
