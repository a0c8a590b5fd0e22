//! The web page's files under content-hashed names: the page and its
//! service worker name them, they are cached for a year, and a changed file
//! gets a new name at once.

#![allow(clippy::unwrap_used)]

use crate::common;

use common::{Server, client};
use std::path::Path;

/// A page directory and a package directory like the real ones, small.
fn write_page(web: &Path, pkg: &Path) {
    std::fs::create_dir_all(web).unwrap();
    std::fs::create_dir_all(pkg).unwrap();
    std::fs::write(
        web.join("index.html"),
        "<!doctype html><link rel=\"stylesheet\" href=\"/app/style.css\"><script type=\"module\" src=\"/app/app.js\"></script>",
    )
    .unwrap();
    std::fs::write(web.join("style.css"), "body { color: #111; }").unwrap();
    std::fs::write(web.join("app.js"), "import init from '/pkg/greenside.js';\nawait init();\n").unwrap();
    std::fs::write(
        web.join("sw.js"),
        "const CACHE = 'greenside-v1';\nconst SHELL = ['/', '/app/app.js', '/app/style.css', '/pkg/greenside.js', '/pkg/greenside_bg.wasm', '/api/courses'];\n",
    )
    .unwrap();
    std::fs::write(
        pkg.join("greenside.js"),
        "export default async function init() { return new URL('greenside_bg.wasm', import.meta.url); }\n",
    )
    .unwrap();
    std::fs::write(pkg.join("greenside_bg.wasm"), b"\0asm\x01\0\0\0 raw wasm bytes").unwrap();
    std::fs::write(pkg.join("greenside_bg.wasm.br"), b"brotli copy").unwrap();
    std::fs::write(pkg.join("greenside_bg.wasm.gz"), b"gzip copy").unwrap();
}

/// The one name in `text` that starts with `prefix` and ends with `ext`.
fn hashed(text: &str, prefix: &str, ext: &str) -> String {
    let at = text.find(prefix).unwrap_or_else(|| panic!("{prefix} in {text}"));
    let rest = &text[at..];
    let end = rest.find(ext).unwrap() + ext.len();
    let name = &rest[..end];
    let hash = &name[prefix.len()..name.len() - ext.len()];
    assert!(hash.len() == 12 && hash.bytes().all(|b| b.is_ascii_hexdigit()), "{name}");
    name.to_string()
}

async fn fetch(
    c: &reqwest::Client,
    s: &Server,
    path: &str,
    accept: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut r = c.get(s.url(path));
    if let Some(a) = accept {
        r = r.header("accept-encoding", a);
    }
    let r = r.send().await.unwrap();
    let (status, headers) = (r.status().as_u16(), r.headers().clone());
    (status, headers, r.bytes().await.unwrap().to_vec())
}

fn header<'a>(h: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    h.get(name).map(|v| v.to_str().unwrap()).unwrap_or("")
}

#[tokio::test(flavor = "multi_thread")]
async fn page_files_go_by_content_hashed_names_cached_for_a_year() {
    let dir = common::temp_dir("page");
    let (web, pkg) = (dir.join("web"), dir.join("pkg"));
    write_page(&web, &pkg);
    let s = Server::start(&[("WEB_ROOT", web.to_str().unwrap()), ("WEB_PKG_DIR", pkg.to_str().unwrap())]);
    let c = client();

    // The page names its script and style by hash, and revalidates.
    let (status, h, body) = fetch(&c, &s, "/", None).await;
    assert_eq!(status, 200);
    assert_eq!(header(&h, "cache-control"), "no-cache");
    let page = String::from_utf8(body).unwrap();
    let css = hashed(&page, "/app/style.", ".css");
    let app = hashed(&page, "/app/app.", ".js");
    assert!(!page.contains("\"/app/app.js\"") && !page.contains("\"/app/style.css\""), "{page}");
    let etag = header(&h, "etag").to_string();
    let again = c.get(s.url("/")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(again.status().as_u16(), 304, "an unchanged page is not sent again");

    // A hashed file: its content, for a year, immutable.
    let (status, h, body) = fetch(&c, &s, &css, None).await;
    assert_eq!(status, 200, "{css}");
    assert_eq!(header(&h, "cache-control"), "public, max-age=31536000, immutable");
    assert!(header(&h, "content-type").starts_with("text/css"));
    assert_eq!(body, std::fs::read(web.join("style.css")).unwrap());

    // The script imports the package by its hashed name; the package's glue
    // fetches the wasm by its hashed name.
    let (_, h, body) = fetch(&c, &s, &app, None).await;
    assert_eq!(header(&h, "cache-control"), "public, max-age=31536000, immutable");
    let script = String::from_utf8(body).unwrap();
    let glue = hashed(&script, "/pkg/greenside.", ".js");
    let (status, _, body) = fetch(&c, &s, &glue, None).await;
    assert_eq!(status, 200, "{glue}");
    let glue_text = String::from_utf8(body).unwrap();
    let wasm = format!("/pkg/{}", hashed(&glue_text, "greenside_bg.", ".wasm"));
    assert!(!glue_text.contains("'greenside_bg.wasm'"), "{glue_text}");

    // The wasm goes precompressed, as the client takes it.
    let (status, h, body) = fetch(&c, &s, &wasm, Some("gzip, deflate, br")).await;
    assert_eq!(status, 200, "{wasm}");
    assert_eq!((header(&h, "content-encoding"), body.as_slice()), ("br", b"brotli copy".as_slice()));
    assert_eq!(header(&h, "cache-control"), "public, max-age=31536000, immutable");
    assert_eq!(header(&h, "content-type"), "application/wasm");
    let (_, h, body) = fetch(&c, &s, &wasm, Some("br;q=0, gzip")).await;
    assert_eq!((header(&h, "content-encoding"), body.as_slice()), ("gzip", b"gzip copy".as_slice()));
    let (_, h, body) = fetch(&c, &s, &wasm, Some("identity")).await;
    assert_eq!(header(&h, "content-encoding"), "");
    assert_eq!(body, std::fs::read(pkg.join("greenside_bg.wasm")).unwrap());

    // The service worker caches exactly these names, in a cache of this build.
    let (_, h, body) = fetch(&c, &s, "/sw.js", None).await;
    assert_eq!(header(&h, "cache-control"), "no-cache");
    let sw = String::from_utf8(body).unwrap();
    for name in [&app, &css, &glue, &wasm] {
        assert!(sw.contains(&format!("'{name}'")), "{name} in {sw}");
    }
    assert!(!sw.contains("'greenside-v1'"), "{sw}");

    // The plain names still answer (from disk, revalidated); a wrong hash does not.
    let (status, h, _) = fetch(&c, &s, "/app/style.css", None).await;
    assert_eq!((status, header(&h, "cache-control")), (200, "no-cache"));
    let (status, _, body) = fetch(&c, &s, "/app/style.000000000000.css", None).await;
    assert_eq!(status, 404);
    assert!(String::from_utf8_lossy(&body).contains("route_not_found"));

    // A changed file gets a new name at once, and the page that names it
    // changes; the old name still answers the page loaded before.
    std::fs::write(web.join("style.css"), "body { color: #000; background: #fff; }").unwrap();
    let (_, _, body) = fetch(&c, &s, "/", None).await;
    let page2 = String::from_utf8(body).unwrap();
    let css2 = hashed(&page2, "/app/style.", ".css");
    assert_ne!(css, css2);
    assert_eq!(hashed(&page2, "/app/app.", ".js"), app, "an unchanged file keeps its name");
    let (_, _, body) = fetch(&c, &s, &css2, None).await;
    assert_eq!(body, b"body { color: #000; background: #fff; }");
    let (status, _, body) = fetch(&c, &s, &css, None).await;
    assert_eq!((status, body.as_slice()), (200, b"body { color: #111; }".as_slice()));
    let (_, _, body) = fetch(&c, &s, "/sw.js", None).await;
    let sw2 = String::from_utf8(body).unwrap();
    assert!(sw2.contains(&format!("'{css2}'")) && sw2 != sw, "a new build, a new worker and cache: {sw2}");

    // A file rewritten the same (a deploy that copies every file again)
    // names nothing new: the names from before the change still answer.
    std::fs::write(web.join("style.css"), "body { color: #000; background: #fff; }").unwrap();
    std::fs::write(web.join("app.js"), std::fs::read(web.join("app.js")).unwrap()).unwrap();
    let (_, _, body) = fetch(&c, &s, "/", None).await;
    assert_eq!(hashed(&String::from_utf8(body).unwrap(), "/app/style.", ".css"), css2);
    for name in [&css, &css2] {
        assert_eq!(fetch(&c, &s, name, None).await.0, 200, "{name} still answers");
    }

    // Revalidation takes a list and a weak tag; HEAD answers the headers alone.
    let tag = header(&fetch(&c, &s, &css2, None).await.1, "etag").to_string();
    let weak = c.get(s.url(&css2)).header("if-none-match", format!("\"x\", W/{tag}")).send().await.unwrap();
    assert_eq!(weak.status().as_u16(), 304);
    let head = c.head(s.url(&css2)).send().await.unwrap();
    assert_eq!(head.status().as_u16(), 200);
    assert_eq!(header(head.headers(), "cache-control"), "public, max-age=31536000, immutable");
    assert!(head.bytes().await.unwrap().is_empty());

    s.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
