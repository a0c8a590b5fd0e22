//! The variable table (`greenside_core::variables`) is what the examples
//! say: `.env.example` lists every variable the native server reads (a
//! default as `NAME=default`, anything without one, a secret or a test-only
//! switch as a commented `# NAME=` line), `wrangler.toml`'s `[vars]` lists
//! every edge variable, commented, with its default (the worker has them
//! built in; secrets go through `wrangler secret put`), and the rules' own
//! parser agrees with the table's defaults.

#![allow(clippy::unwrap_used)]

use greenside_core::rules::Rules;
use greenside_core::variables::{VARIABLES, variable};
use std::collections::BTreeMap;

fn repo(path: &str) -> String {
    std::fs::read_to_string(format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// `NAME=value` lines (value without a trailing comment) and `# NAME=` lines.
fn env_example() -> (BTreeMap<String, String>, Vec<String>) {
    let (mut set, mut commented) = (BTreeMap::new(), Vec::new());
    for line in repo(".env.example").lines() {
        let (is_comment, rest) = match line.strip_prefix('#') {
            Some(r) => (true, r.trim_start()),
            None => (false, line),
        };
        let Some((name, value)) = rest.split_once('=') else { continue };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_') {
            continue;
        }
        if is_comment {
            commented.push(name.to_string());
        } else {
            set.insert(name.to_string(), value.split("  ").next().unwrap().trim().to_string());
        }
    }
    (set, commented)
}

#[test]
fn env_example_lists_every_native_variable_with_its_default() {
    let (set, commented) = env_example();
    for name in set.keys().chain(&commented) {
        assert!(VARIABLES.iter().any(|v| v.name == name && v.platforms.native()), "{name} is not a native variable");
    }
    for v in VARIABLES.iter().filter(|v| v.platforms.native()) {
        match (v.default, v.secret || v.test_only) {
            (Some(d), false) => assert_eq!(set.get(v.name).map(String::as_str), Some(d), "{} in .env.example", v.name),
            _ => assert!(commented.iter().any(|c| c == v.name), "{} is not listed (commented) in .env.example", v.name),
        }
    }
}

#[test]
fn wrangler_vars_list_every_edge_variable_with_its_default() {
    let toml = repo("wrangler.toml");
    let vars = toml.split("[vars]").nth(1).unwrap().split("\n[").next().unwrap();
    let (mut set, mut listed) = (BTreeMap::new(), BTreeMap::new());
    for line in vars.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (commented, rest) = match line.strip_prefix('#') {
            Some(r) => (true, r.trim()),
            None => (false, line),
        };
        let Some((k, v)) = rest.split_once(" = ") else { continue };
        if !k.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_') {
            continue;
        }
        let v = v.trim().trim_matches('"').to_string();
        if !commented {
            set.insert(k.to_string(), v.clone());
        }
        listed.insert(k.to_string(), v);
    }
    for (k, v) in &listed {
        let var = variable(k);
        assert!(var.name == k && var.platforms.edge() && !var.secret, "{k} is not an edge variable (or a secret)");
        if let Some(d) = var.default {
            assert_eq!(v, d, "{k}: the table's default");
        }
    }
    for v in VARIABLES.iter().filter(|v| v.platforms.edge() && !v.secret && !v.test_only) {
        assert!(listed.contains_key(v.name), "{} is not listed in wrangler.toml [vars]", v.name);
    }
    assert!(set.is_empty(), "the defaults are built in; set only what a deployment changes: {set:?}");
}

#[test]
fn the_rules_defaults_are_the_tables() {
    let from_table = Rules::from_lookup(|k| variable(k).default.map(String::from)).unwrap();
    assert_eq!(from_table, Rules::default());
    for name in [
        "SESSION_TTL_S",
        "SURFACE_HYSTERESIS_MODE",
        "SURFACE_COMMIT_ON_STREAK",
        "SURFACE_COMMIT_OFF_STREAK",
        "SURFACE_EVIDENCE_FALSE_SWITCH_RATE",
        "SURFACE_EVIDENCE_MAX_WAIT_FIXES",
        "DEFAULT_ACCURACY_M",
        "DEFAULT_ACCURACY_KIND",
    ] {
        assert_eq!(variable(name).name, name, "{name} is in the table");
    }
}
