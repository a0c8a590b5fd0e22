//! Cross-origin calls from browser pages: which origins may call the API
//! (`CORS_ALLOWED_ORIGINS`, exact origins, none by default), and the headers
//! both servers answer with. Credentials are never allowed, so no answer
//! carries `*` with credentials; an origin not on the list gets no
//! `Access-Control-Allow-Origin` and the browser keeps the answer from it.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// The methods a page may use.
pub const METHODS: &[&str] = &["GET", "POST", "DELETE"];
/// The request headers a page may send.
pub const ALLOWED_HEADERS: &[&str] = &["content-type", "x-api-key", "x-admin-token", "x-request-id"];
/// The answer headers a page may read.
pub const EXPOSED_HEADERS: &[&str] = &["x-request-id", "retry-after", "ratelimit", "ratelimit-policy"];
/// How long a browser may keep a preflight's answer, in seconds.
pub const MAX_AGE_S: u64 = 600;

/// The origins allowed to call from a browser page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cors {
    origins: Vec<String>,
}

impl Cors {
    /// Parses `CORS_ALLOWED_ORIGINS`: comma-separated exact origins
    /// (`https://app.example.com`, `http://127.0.0.1:5173`). `*`, paths and
    /// anything that is not `http(s)://host[:port]` are refused.
    pub fn parse(spec: &str) -> Result<Cors, String> {
        let mut origins = Vec::new();
        for raw in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let o = raw.to_ascii_lowercase();
            let rest = o.strip_prefix("https://").or_else(|| o.strip_prefix("http://"));
            let ok = rest.is_some_and(|host| {
                !host.is_empty()
                    && host.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
                    && !host.starts_with(':')
            });
            if raw == "*" {
                return Err(String::from(
                    "`*` is not an origin: list the exact origins (credentials never go with `*`)",
                ));
            }
            if !ok {
                return Err(format!("`{raw}` is not an origin (scheme://host[:port], no path)"));
            }
            if !origins.contains(&o) {
                origins.push(o);
            }
        }
        Ok(Cors { origins })
    }

    /// The allowed origins, lowercase.
    pub fn origins(&self) -> &[String] {
        &self.origins
    }

    pub fn is_empty(&self) -> bool {
        self.origins.is_empty()
    }

    /// Whether a page of `origin` may read the answers.
    pub fn allows(&self, origin: &str) -> bool {
        self.origins.iter().any(|o| o.eq_ignore_ascii_case(origin))
    }

    /// The headers of an answer to a request from `origin` (none when it is
    /// not allowed; `Vary: Origin` whenever CORS is on, for caches).
    pub fn answer_headers(&self, origin: Option<&str>) -> Vec<(&'static str, String)> {
        if self.is_empty() {
            return Vec::new();
        }
        let mut h = alloc::vec![("vary", String::from("origin"))];
        if let Some(o) = origin.filter(|o| self.allows(o)) {
            h.push(("access-control-allow-origin", o.to_string()));
            h.push(("access-control-expose-headers", EXPOSED_HEADERS.join(", ")));
        }
        h
    }

    /// The headers of a preflight's answer (`OPTIONS` with
    /// `Access-Control-Request-Method`), 200 either way (as tower-http's layer
    /// answers natively); the browser goes
    /// on only when they allow it.
    pub fn preflight_headers(&self, origin: Option<&str>) -> Vec<(&'static str, String)> {
        let mut h = alloc::vec![(
            "vary",
            String::from("origin, access-control-request-method, access-control-request-headers")
        )];
        if let Some(o) = origin.filter(|o| self.allows(o)) {
            h.push(("access-control-allow-origin", o.to_string()));
            h.push(("access-control-allow-methods", METHODS.join(", ")));
            h.push(("access-control-allow-headers", ALLOWED_HEADERS.join(", ")));
            h.push(("access-control-max-age", MAX_AGE_S.to_string()));
        }
        h
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn exact_origins_only() {
        let c = Cors::parse(" https://App.example.com , http://127.0.0.1:5173,").unwrap();
        assert_eq!(c.origins(), ["https://app.example.com", "http://127.0.0.1:5173"]);
        assert!(c.allows("https://app.example.com") && !c.allows("https://evil.example.com"));
        for bad in ["*", "app.example.com", "https://a.example.com/path", "ftp://x", "https://", "https://:80"] {
            assert!(Cors::parse(bad).is_err(), "{bad}");
        }
        assert!(Cors::parse("").unwrap().is_empty());
        let h = c.answer_headers(Some("https://evil.example.com"));
        assert!(!h.iter().any(|(k, _)| *k == "access-control-allow-origin"));
        let h = c.preflight_headers(Some("http://127.0.0.1:5173"));
        assert!(h.iter().any(|(k, v)| *k == "access-control-allow-origin" && v == "http://127.0.0.1:5173"));
        assert!(!h.iter().any(|(_, v)| v == "*"));
    }
}
