//! The web page's files under content-hashed names, cached for a year.
//!
//! The page (`/`), its service worker (`/sw.js`), its script and style
//! (`/app/…`) and the npm package's web build (`/pkg/…`) are read from disk
//! and stamped: each file that another names gets a name with its content's
//! hash (`/app/app.3f9a0c1d2e4b.js`), and the names are rewritten where they
//! appear (the page's links, the script's import of the package, the
//! package's URL of its wasm, the service worker's list). A hashed name
//! never changes content, so it is sent with `max-age` one year and
//! `immutable`; the page and the service worker that name them revalidate
//! on every load (`no-cache`, with an ETag), so a new build is seen at once.
//!
//! The plain names still answer from disk (an older service worker may ask
//! for them). The files are stamped again when one changes on disk (a size
//! or time check on each load of the page); the previous stamping's names
//! keep answering, so a page loaded just before keeps its files.

use axum::body::Body;
use axum::body::Bytes;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// `Cache-Control` of a hashed name.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Where the page's files are: the page's own directory and the package's.
pub struct PageFiles {
    web_root: PathBuf,
    pkg_dir: PathBuf,
    current: Mutex<Arc<Stamping>>,
}

/// One file sent from memory: its bytes and, for the wasm, its precompressed copies.
struct Held {
    content_type: &'static str,
    raw: Bytes,
    br: Option<Bytes>,
    gzip: Option<Bytes>,
    etag: HeaderValue,
}

/// The files as read at one moment, by the path they answer at.
#[derive(Default)]
struct Stamping {
    /// Size and modification time of every source file, to see a change.
    seen: Vec<(u64, Option<SystemTime>)>,
    /// `/` and `/sw.js` (revalidated) and every hashed name (immutable).
    pages: HashMap<String, Arc<Held>>,
    hashed: HashMap<String, Arc<Held>>,
    /// The hashed names this stamping made, and those of the stampings
    /// before it that still answer (newest first).
    own: Vec<String>,
    older: Vec<Vec<String>>,
}

/// How many earlier sets of names keep answering after a change.
const KEPT: usize = 4;

/// The files stamped, in the order a name must be known before the file that
/// names it: the package's two entries (the classification one the page
/// loads first, the full one it loads for tracking), the glue both import,
/// then the page's own files.
const SOURCES: [&str; 15] = [
    "pkg:greenside_bg.wasm",
    "pkg:greenside_bg.wasm.br",
    "pkg:greenside_bg.wasm.gz",
    "pkg:greenside_classify_bg.wasm",
    "pkg:greenside_classify_bg.wasm.br",
    "pkg:greenside_classify_bg.wasm.gz",
    "pkg:snippets/greenside-classify/glue.js",
    "pkg:greenside.js",
    "pkg:greenside_classify.js",
    "web:style.css",
    "web:app.js",
    "web:index.html",
    "web:sw.js",
    "pkg:snippets/greenside-classify/glue.js.br",
    "pkg:snippets/greenside-classify/glue.js.gz",
];

fn short_hash(bytes: &[u8]) -> String {
    format!("{:016x}", greenside_core::shard::fnv1a(bytes))[..12].to_string()
}

/// `name.ext` → `name.{hash}.ext`.
fn hashed_name(name: &str, hash: &str) -> String {
    match name.split_once('.') {
        Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
        None => format!("{name}.{hash}"),
    }
}

fn etag_of(bytes: &[u8]) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{:016x}\"", greenside_core::shard::fnv1a(bytes)))
        .unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

fn held(content_type: &'static str, raw: Vec<u8>) -> Held {
    let etag = etag_of(&raw);
    Held { content_type, raw: Bytes::from(raw), br: None, gzip: None, etag }
}

/// Replaces each quoted plain name by its hashed name (`'/app/app.js'` or
/// `"/app/app.js"`): only whole quoted names, never a prefix of another.
fn rename(text: &str, names: &[(String, String)]) -> String {
    let mut out = text.to_string();
    for (plain, hashed) in names {
        for q in ['\'', '"'] {
            out = out.replace(&format!("{q}{plain}{q}"), &format!("{q}{hashed}{q}"));
        }
    }
    out
}

impl PageFiles {
    pub fn new(web_root: &Path, pkg_dir: &Path) -> PageFiles {
        let files = PageFiles {
            web_root: web_root.to_path_buf(),
            pkg_dir: pkg_dir.to_path_buf(),
            current: Mutex::new(Arc::new(Stamping::default())),
        };
        files.fresh();
        files
    }

    fn path_of(&self, source: &str) -> PathBuf {
        match source.split_once(':') {
            Some(("pkg", name)) => self.pkg_dir.join(name),
            Some((_, name)) => self.web_root.join(name),
            None => self.web_root.join(source),
        }
    }

    fn seen_now(&self) -> Vec<(u64, Option<SystemTime>)> {
        SOURCES
            .iter()
            .map(|s| match std::fs::metadata(self.path_of(s)) {
                Ok(m) => (m.len(), m.modified().ok()),
                Err(_) => (u64::MAX, None),
            })
            .collect()
    }

    /// The current stamping, made again when a source file changed since.
    /// Sizes and times are read under the lock, so two loads of the page at
    /// the moment of a change stamp once.
    fn fresh(&self) -> Arc<Stamping> {
        let mut current = self.current.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let seen = self.seen_now();
        if current.seen != seen {
            let mut next = self.stamp(seen);
            // Earlier stampings' names keep answering (a page loaded before
            // a change, or during a deploy that writes file after file), up
            // to KEPT distinct sets, so memory is bounded. A stamping that
            // names the same files (a file touched, rewritten the same)
            // keeps the current history as it is.
            next.older = if next.own == current.own {
                current.older.clone()
            } else {
                let mut older = vec![current.own.clone()];
                older.extend(current.older.iter().take(KEPT - 1).cloned());
                older.retain(|names| !names.is_empty());
                older
            };
            for k in next.older.iter().flatten() {
                if let Some(v) = current.hashed.get(k) {
                    next.hashed.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            *current = Arc::new(next);
        }
        current.clone()
    }

    /// Reads the files and names them. A missing file is left out (the
    /// package may not be built): what names it keeps the plain name.
    fn stamp(&self, seen: Vec<(u64, Option<SystemTime>)>) -> Stamping {
        let read = |s: &str| std::fs::read(self.path_of(s)).ok();
        let mut st = Stamping { seen, ..Stamping::default() };
        // Plain name → hashed name, as absolute paths (and the wasm as the
        // glue names it, relative to itself).
        let mut names: Vec<(String, String)> = Vec::new();
        let add = |st: &mut Stamping, dir: &str, name: &str, file: Held| -> String {
            // The name covers every copy sent under it (the wasm's brotli and
            // gzip ones too), so none can change under an immutable name.
            let all: Vec<u8> = [Some(&file.raw), file.br.as_ref(), file.gzip.as_ref()]
                .into_iter()
                .flatten()
                .flat_map(|b| b.iter().copied())
                .collect();
            let hashed = hashed_name(name, &short_hash(&all));
            let path = format!("/{dir}/{hashed}");
            st.own.push(path.clone());
            st.hashed.insert(path, Arc::new(file));
            hashed
        };
        // What each entry's glue names relative to itself: its wasm and the
        // shared glue module.
        let mut glue_names: Vec<(String, String)> = Vec::new();
        for (wasm, name) in [(0, "greenside_bg.wasm"), (3, "greenside_classify_bg.wasm")] {
            if let Some(bytes) = read(SOURCES[wasm]) {
                let mut file = held("application/wasm", bytes);
                file.br = read(SOURCES[wasm + 1]).map(Bytes::from);
                file.gzip = read(SOURCES[wasm + 2]).map(Bytes::from);
                let h = add(&mut st, "pkg", name, file);
                glue_names.push((format!("./{name}"), format!("./{h}")));
                glue_names.push((name.into(), h.clone()));
                names.push((format!("/pkg/{name}"), format!("/pkg/{h}")));
            }
        }
        if let Some(bytes) = read(SOURCES[6]) {
            let mut file = held("text/javascript", bytes);
            file.br = read(SOURCES[13]).map(Bytes::from);
            file.gzip = read(SOURCES[14]).map(Bytes::from);
            let h = add(&mut st, "pkg/snippets/greenside-classify", "glue.js", file);
            glue_names
                .push(("./snippets/greenside-classify/glue.js".into(), format!("./snippets/greenside-classify/{h}")));
            names.push((
                "/pkg/snippets/greenside-classify/glue.js".into(),
                format!("/pkg/snippets/greenside-classify/{h}"),
            ));
        }
        // The glue names the wasm and the shared glue relative to itself;
        // the script names the glue by its path (the style names nothing).
        for (source, dir, name, content_type) in [
            (SOURCES[7], "pkg", "greenside.js", "text/javascript"),
            (SOURCES[8], "pkg", "greenside_classify.js", "text/javascript"),
            (SOURCES[9], "app", "style.css", "text/css"),
            (SOURCES[10], "app", "app.js", "text/javascript"),
        ] {
            let Some(bytes) = read(source) else { continue };
            let text = rename(&String::from_utf8_lossy(&bytes), if dir == "pkg" { &glue_names } else { &names });
            let h = add(&mut st, dir, name, held(content_type, text.into_bytes()));
            names.push((format!("/{dir}/{name}"), format!("/{dir}/{h}")));
        }
        if let Some(html) = read(SOURCES[11]) {
            let text = rename(&String::from_utf8_lossy(&html), &names);
            st.pages.insert("/".into(), Arc::new(held("text/html", text.into_bytes())));
        }
        if let Some(sw) = read(SOURCES[12]) {
            // The worker's cache is named after this stamping, so a new build
            // installs into a new cache and the old one is dropped.
            let stamp = short_hash(names.iter().map(|(_, h)| h.as_str()).collect::<String>().as_bytes());
            let text = rename(&String::from_utf8_lossy(&sw), &names)
                .replace("'greenside-v1'", &format!("'greenside-{stamp}'"));
            st.pages.insert("/sw.js".into(), Arc::new(held("text/javascript", text.into_bytes())));
        }
        st
    }
}

/// Whether the client takes `coding` (`Accept-Encoding`, a `q=0` refuses).
fn accepts(headers: &HeaderMap, coding: &str) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(
        |item| {
            let mut parts = item.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let refused = parts
                .any(|p| p.strip_prefix("q=").is_some_and(|q| q.parse::<f32>().map(|q| q <= 0.0).unwrap_or(false)));
            name.eq_ignore_ascii_case(coding) && !refused
        },
    )
}

fn send(file: &Held, req_headers: &HeaderMap, cache: &'static str, head: bool) -> Response {
    let fresh = super::wire::etag_matches(req_headers, file.etag.to_str().unwrap_or_default());
    let mut b = Response::builder().header(header::CACHE_CONTROL, cache).header(header::ETAG, file.etag.clone());
    if file.br.is_some() || file.gzip.is_some() {
        // (compression() adds its own to what it compresses.)
        b = b.header(header::VARY, "accept-encoding");
    }
    if fresh {
        return b.status(StatusCode::NOT_MODIFIED).body(Body::empty()).unwrap_or_default();
    }
    b = b.header(header::CONTENT_TYPE, file.content_type);
    let (coding, bytes) = match (&file.br, &file.gzip) {
        (Some(br), _) if accepts(req_headers, "br") => (Some("br"), br.clone()),
        (_, Some(gz)) if accepts(req_headers, "gzip") => (Some("gzip"), gz.clone()),
        _ => (None, file.raw.clone()),
    };
    if let Some(c) = coding {
        b = b.header(header::CONTENT_ENCODING, c);
    }
    b = b.header(header::CONTENT_LENGTH, bytes.len());
    b.body(if head { Body::empty() } else { Body::from(bytes) }).unwrap_or_default()
}

/// The middleware in front of the page's routes: `/`, `/sw.js` and every
/// hashed name answer from the stamping; anything else goes on to the files
/// on disk.
pub async fn serve(files: Arc<PageFiles>, req: Request, next: Next) -> Response {
    let head = req.method() == Method::HEAD;
    if req.method() != Method::GET && !head {
        return next.run(req).await;
    }
    let path = req.uri().path();
    let stamping = if path == "/" || path == "/sw.js" {
        files.fresh()
    } else {
        files.current.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    };
    if let Some(page) = stamping.pages.get(path) {
        return send(page, req.headers(), "no-cache", head).into_response();
    }
    if let Some(file) = stamping.hashed.get(path) {
        return send(file, req.headers(), IMMUTABLE, head).into_response();
    }
    next.run(req).await
}
