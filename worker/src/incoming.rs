//! An incoming request, read without workers-rs's `Request` conversion.
//!
//! `worker::Request::from(web_sys::Request)` reads `request.cf` on every
//! request: a getter that builds the Cloudflare properties object, which
//! nothing here uses and which was the largest single item of a request's
//! CPU profile in workerd (`worker/bench/profile.mjs`, docs/performance.md).
//! The front takes the runtime's request as it is and reads only what it
//! needs: the method, the path, headers, the body and, for queries, the URL.

use wasm_bindgen_futures::JsFuture;
use worker::Headers;
use worker::worker_sys::web_sys;

pub struct Incoming {
    raw: web_sys::Request,
    /// As the client sent it (workers-rs's `Method` reads any method it
    /// does not know, `QUERY` say, as `GET`).
    method: String,
    path: String,
    headers: Headers,
}

/// The path of an already-serialized WHATWG URL (the runtime's `request.url`):
/// from the first `/` after the host up to `?` or `#`.
fn path_of(url: &str) -> String {
    let Some(host_start) = url.find("://").map(|i| i + 3) else {
        return if url.starts_with('/') { url.to_string() } else { format!("/{url}") };
    };
    match url[host_start..].find('/') {
        Some(i) => {
            let path = &url[host_start + i..];
            path[..path.find(['?', '#']).unwrap_or(path.len())].to_string()
        }
        None => "/".to_string(),
    }
}

/// The query of a serialized URL: after the first `?`, up to `#`.
fn query_of(url: &str) -> Option<&str> {
    let q = &url[url.find('?')? + 1..];
    Some(&q[..q.find('#').unwrap_or(q.len())])
}

impl Incoming {
    pub fn new(raw: web_sys::Request) -> Incoming {
        let method = raw.method();
        let path = path_of(&raw.url());
        let headers = Headers(raw.headers());
        Incoming { raw, method, path, headers }
    }

    pub fn method(&self) -> String {
        self.method.clone()
    }

    pub fn path(&self) -> String {
        self.path.clone()
    }

    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The query's pairs, decoded as `url`'s `query_pairs` decodes them
    /// (`application/x-www-form-urlencoded`), without parsing the whole URL:
    /// the `url` crate and its host parsing stay out of the wasm.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        query_of(&self.raw.url())
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default()
    }

    /// The body's bytes (once).
    pub async fn bytes(&mut self) -> Result<Vec<u8>, String> {
        let promise = self.raw.array_buffer().map_err(|e| format!("{e:?}"))?;
        let buf =
            JsFuture::from(promise).await.map_err(|e| e.as_string().unwrap_or_else(|| "unreadable body".into()))?;
        Ok(js_sys::Uint8Array::new(&buf).to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::{path_of, query_of};

    #[test]
    fn the_query_is_between_the_mark_and_the_fragment() {
        assert_eq!(query_of("https://h/x?a=1&b=%20+#frag"), Some("a=1&b=%20+"));
        assert_eq!(query_of("https://h/x"), None);
        assert_eq!(query_of("https://h/x?"), Some(""));
    }

    #[test]
    fn the_path_stops_at_the_query() {
        assert_eq!(path_of("https://h.example/api/session/x?y=1#z"), "/api/session/x");
        assert_eq!(path_of("https://h.example"), "/");
        assert_eq!(path_of("http://localhost/a%20b"), "/a%20b");
    }
}
