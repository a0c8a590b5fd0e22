//! What stands in for a secret wherever greenside shows something: keys and
//! tokens never appear, and a URL loses its userinfo and its query values
//! (`http://user:password@host/x?key=k` → `http://[REDACTED]@host/x?key=[REDACTED]`).
//! `/health`, logs, debug bundles, error messages, `doctor` and `smoke` show
//! URLs only through [`url`].

use alloc::string::String;

/// What replaces a secret.
pub const REDACTED: &str = "[REDACTED]";

/// `url` with its userinfo and every query value replaced by [`REDACTED`]
/// (which query parameter holds a secret is the service's business, so
/// none is shown). Scheme, host, port and path stay.
pub fn url(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(i) => (&url[..i + 3], &url[i + 3..]),
        None => ("", url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let mut out = String::from(scheme);
    match authority.rfind('@') {
        Some(at) => {
            out.push_str(REDACTED);
            out.push_str(&authority[at..]);
        }
        None => out.push_str(authority),
    }
    let (before_fragment, fragment) = match tail.find('#') {
        Some(i) => tail.split_at(i),
        None => (tail, ""),
    };
    match before_fragment.split_once('?') {
        None => out.push_str(before_fragment),
        Some((path, query)) => {
            out.push_str(path);
            out.push('?');
            for (i, pair) in query.split('&').enumerate() {
                if i > 0 {
                    out.push('&');
                }
                match pair.split_once('=') {
                    Some((k, _)) => {
                        out.push_str(k);
                        out.push('=');
                        out.push_str(REDACTED);
                    }
                    None => out.push_str(pair),
                }
            }
        }
    }
    out.push_str(fragment);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_and_query_values_go_the_rest_stays() {
        let cases = [
            (
                "http://user:password@host:9000/solve?key=k&v=2#f",
                "http://[REDACTED]@host:9000/solve?key=[REDACTED]&v=[REDACTED]#f",
            ),
            ("http://host:9000", "http://host:9000"),
            ("https://a@b.example/x", "https://[REDACTED]@b.example/x"),
            ("redis://:hunter2@127.0.0.1:6379/0", "redis://[REDACTED]@127.0.0.1:6379/0"),
            ("http://host/p?flag", "http://host/p?flag"),
            ("http://u:p@w@host/", "http://[REDACTED]@host/"),
        ];
        for (given, want) in cases {
            assert_eq!(url(given), want, "{given}");
        }
    }
}
