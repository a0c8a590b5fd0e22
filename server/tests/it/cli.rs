//! The operational commands: `greenside smoke` and `greenside doctor`.

#![allow(clippy::unwrap_used)]

use crate::common;

use std::process::Command;

fn greenside(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_greenside")).args(args).env_clear().output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
    )
}

#[test]
fn smoke_passes_on_a_fresh_build() {
    let (code, out) = greenside(&["smoke"]);
    assert_eq!(code, 0, "{out}");
    for line in [
        "hysteresis switching         PASS",
        "putt solver with X-API-Key   PASS",
        "debug bundle written         PASS",
        "0 failed",
    ] {
        assert!(out.contains(line), "{line}\n{out}");
    }
}

#[test]
fn doctor_checks_a_running_server_and_fails_loudly_on_a_dead_one() {
    let s = common::Server::start(&[]);
    let (code, out) = greenside(&["doctor", "--url", &s.base]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("advice") && out.contains("TEE_TO_GREEN via fallback (tee_to_green_not_configured)"), "{out}");
    let (code, out) = greenside(&["doctor", "--url", &format!("http://127.0.0.1:{}", common::free_port())]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("live                         FAIL"), "{out}");
    let (code, out) = greenside(&["doctor", "--url", &s.base, "--fix", "95,0"]);
    assert_eq!(code, 2, "a bad fix is a usage error: {out}");
}
