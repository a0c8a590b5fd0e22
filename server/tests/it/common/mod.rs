//! Real components for the server's tests: a `redis-server` on a free port
//! and the `greenside` binary, each stopped by the test that started it.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod cluster;
pub mod solver;
pub mod worker;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A session record as core starts one: number `n`, started at `now`.
pub fn session_record(n: u64, now: u64, ttl_s: u64) -> greenside_core::session::SessionRecord {
    let course = greenside_core::course::Course::from_json(greenside_core::example::RIVERSIDE_COURSE_JSON).unwrap();
    let hole = course.prepare_hole(1).unwrap();
    let cfg = greenside_core::rules::Rules { session_ttl_s: ttl_s, ..greenside_core::rules::Rules::default() };
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&n.to_be_bytes());
    b[8] = 0x5a;
    greenside_core::session::start(
        &greenside_core::api::StartRequest { course_id: "riverside".into(), hole_id: 1, units: Default::default() },
        greenside_core::validate::session_id_from_random(b),
        n,
        &hole,
        &cfg,
        now,
    )
    .unwrap()
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub(crate) fn redis_ping(port: u16) -> bool {
    let Ok(mut s) =
        TcpStream::connect_timeout(&format!("127.0.0.1:{port}").parse().unwrap(), Duration::from_millis(200))
    else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    if s.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut buf = [0u8; 7];
    s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
}

/// A `redis-server` of our own on a free port, nothing persisted.
pub struct RedisServer {
    pub port: u16,
    child: Option<Child>,
    /// With a directory, every write is fsynced to an append-only file there,
    /// so a killed server restarts with everything it acknowledged.
    dir: Option<std::path::PathBuf>,
}

impl RedisServer {
    pub fn start() -> RedisServer {
        let mut r = RedisServer { port: free_port(), child: None, dir: None };
        r.spawn();
        r
    }

    pub fn start_persistent() -> RedisServer {
        let dir = std::env::temp_dir().join(format!("greenside-redis-{}-{}", std::process::id(), free_port()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut r = RedisServer { port: free_port(), child: None, dir: Some(dir) };
        r.spawn();
        r
    }

    fn spawn(&mut self) {
        let port = self.port.to_string();
        let mut args = vec!["--port", &port, "--bind", "127.0.0.1", "--save", ""];
        let dir;
        match &self.dir {
            Some(d) => {
                dir = d.display().to_string();
                args.extend(["--appendonly", "yes", "--appendfsync", "always", "--dir", &dir]);
            }
            None => args.extend(["--appendonly", "no"]),
        }
        let child = Command::new("redis-server")
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be installed (scripts/test installs it)");
        self.child = Some(child);
        let t0 = Instant::now();
        while !redis_ping(self.port) {
            assert!(t0.elapsed() < Duration::from_secs(10), "redis-server on {} did not answer", self.port);
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Kills the server (data is lost: nothing is persisted).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it again on the same port.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    /// Runs one command through redis-cli-free RESP and returns the raw reply.
    pub fn command(&self, args: &[&str]) -> String {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let mut req = format!("*{}\r\n", args.len());
        for a in args {
            req.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        s.write_all(req.as_bytes()).unwrap();
        s.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match s.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    out.extend_from_slice(&buf[..n]);
                    if out.ends_with(b"\r\n") {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        if let Some(d) = &self.dir {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

/// A running `greenside serve` on a port it chose itself. Its log lines are
/// kept; when it stops, none may contain a secret it was given.
pub struct Server {
    pub base: String,
    child: Child,
    logs: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    secrets: Vec<String>,
    /// The run store's directory the harness made (removed when the server stops).
    runs_dir: Option<std::path::PathBuf>,
    reaped: bool,
}

/// A fresh directory under the system's temporary one.
pub fn temp_dir(what: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("greenside-{what}-{}-{}", std::process::id(), free_port()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Values of these variables are secrets (and so is a password in REDIS_URL).
pub fn secrets_of(env: &[(&str, &str)]) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in env {
        if (k.ends_with("_KEY") || k.ends_with("_TOKEN") || k.ends_with("PASSWORD"))
            && *k != "REQUIRE_API_KEY"
            && v.len() >= 4
        {
            out.push(v.to_string());
        }
        if *k == "REDIS_URL" {
            if let Some(pw) = v
                .split_once("://")
                .and_then(|(_, rest)| rest.split_once('@'))
                .and_then(|(auth, _)| auth.rsplit_once(':'))
                .map(|(_, p)| p)
            {
                if pw.len() >= 4 {
                    out.push(pw.to_string());
                }
            }
        }
    }
    out
}

impl Server {
    /// Starts the binary with exactly `env` (plus PATH), `--port 0`, and
    /// waits until it listens. Without `RUN_STORE_DIR` in `env`, runs go to
    /// a temporary directory of this server's (never into the repository).
    pub fn start(env: &[(&str, &str)]) -> Server {
        Self::spawn(env, None, None)
    }

    /// Starts it under `ulimit -n nofile` (the shell lowers the limit, then
    /// becomes the server).
    pub fn start_with_nofile(nofile: u64, env: &[(&str, &str)]) -> Server {
        Self::start_under(&format!("ulimit -n {nofile}"), env)
    }

    /// Starts it after `shell` (`ulimit`, `trap`) has set up the process
    /// it becomes.
    pub fn start_under(shell: &str, env: &[(&str, &str)]) -> Server {
        Self::spawn(env, None, Some(shell))
    }

    /// SIGKILL, as a crash: no shutdown, nothing flushed, nothing removed.
    pub fn crash(mut self) {
        self.reaped = true;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts it in `cwd` with exactly `env`: the run store is wherever
    /// `env` (or the default, relative to `cwd`) puts it.
    pub fn start_in(cwd: &std::path::Path, env: &[(&str, &str)]) -> Server {
        Self::spawn(env, Some(cwd), None)
    }

    fn spawn(env: &[(&str, &str)], cwd: Option<&std::path::Path>, shell: Option<&str>) -> Server {
        let bin = env!("CARGO_BIN_EXE_greenside");
        let mut cmd = match shell {
            None => Command::new(bin),
            Some(setup) => {
                let mut sh = Command::new("/bin/sh");
                sh.args(["-c", &format!("{setup} && exec \"$0\" \"$@\""), bin]);
                sh
            }
        };
        if let Some(d) = cwd {
            cmd.current_dir(d);
        }
        cmd.args(["serve", "--host", "127.0.0.1", "--port", "0"])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("LOG_LEVEL", "greenside_server=debug,info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        // Load tests hammer from one address: limits stay off unless a test sets them.
        if !env.iter().any(|(k, _)| k.starts_with("RATE_LIMIT")) {
            cmd.env("RATE_LIMIT_ENABLED", "false");
        }
        // Nothing a test server writes lands in the checkout: the run store
        // and debug bundles go to a temporary folder unless the test names one.
        let given = |name: &str| env.iter().any(|(k, _)| *k == name);
        let runs_dir =
            (cwd.is_none() && !(given("RUN_STORE_DIR") && given("DEBUG_BUNDLE_DIR"))).then(|| temp_dir("runs"));
        if let Some(d) = &runs_dir {
            if !given("RUN_STORE_DIR") {
                cmd.env("RUN_STORE_DIR", d);
            }
            if !given("DEBUG_BUNDLE_DIR") {
                cmd.env("DEBUG_BUNDLE_DIR", d.join("bundles"));
            }
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let logs = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = logs.clone();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line.clone());
                if std::env::var_os("GREENSIDE_TEST_LOGS").is_some() {
                    eprintln!("[server] {line}");
                }
                if !sent && line.contains("greenside listening on http://") {
                    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
                    let _ = tx.send(v["addr"].as_str().unwrap().to_string());
                    sent = true;
                }
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(addr) => addr,
            Err(e) => {
                // Not left running behind the failed test.
                let _ = child.kill();
                let _ = child.wait();
                panic!("greenside did not start listening: {e}");
            }
        };
        Server { base: format!("http://{addr}"), child, logs, secrets: secrets_of(env), runs_dir, reaped: false }
    }

    /// Every log line so far.
    pub fn logs(&self) -> Vec<String> {
        self.logs.lock().unwrap().clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The server's process id (for its /proc entries).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        // `stop` and then `drop` both come here: once the child is reaped its
        // pid may belong to another process, which must never get the signal.
        if self.reaped {
            return;
        }
        self.reaped = true;
        // SIGTERM first: the server writes its log in batches and a clean
        // shutdown writes out the rest, so the secret scan below sees every line.
        let _ = std::process::Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let t0 = std::time::Instant::now();
        while matches!(self.child.try_wait(), Ok(None)) && t0.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Let the reader thread take the last lines.
        std::thread::sleep(Duration::from_millis(20));
        if let Some(d) = self.runs_dir.take() {
            let _ = std::fs::remove_dir_all(d);
        }
        if !std::thread::panicking() {
            let logs = self.logs.lock().unwrap();
            for secret in &self.secrets {
                if let Some(line) = logs.iter().find(|l| l.contains(secret.as_str())) {
                    panic!("a secret appeared in the server's log: {line}");
                }
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap()
}

/// POSTs JSON and returns (status, body as JSON).
pub async fn post(c: &reqwest::Client, url: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
    let r = c.post(url).header("content-type", "application/json").body(body.to_string()).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

pub async fn get(c: &reqwest::Client, url: &str) -> (u16, serde_json::Value) {
    let r = c.get(url).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

pub const START: &str = r#"{"contract_version":"0.5.0","course_id":"riverside","hole_id":1}"#;
pub const ON_GREEN: (f64, f64) = (40.268240, -111.659520);

pub fn ball(sid: &str, p: (f64, f64)) -> serde_json::Value {
    serde_json::json!({"contract_version": "0.5.0", "session_id": sid, "ball_wgs84": {"lat": p.0, "lon": p.1}})
}

pub async fn start_session(c: &reqwest::Client, s: &Server) -> String {
    let (status, body) = post(c, &s.url("/api/session/start"), &serde_json::from_str(START).unwrap()).await;
    assert_eq!(status, 200, "{body}");
    body["session_id"].as_str().unwrap().to_string()
}

/// Where a scenario runs: the native server or the edge worker in workerd.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Native,
    Worker,
}

/// A running target of either platform.
pub enum Target {
    Native(Server),
    Worker(worker::Worker),
}

impl Platform {
    pub fn start(self, env: &[(&str, &str)]) -> Target {
        match self {
            Platform::Native => Target::Native(Server::start(env)),
            Platform::Worker => Target::Worker(worker::Worker::start(env)),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Platform::Native => "native",
            Platform::Worker => "worker",
        }
    }
}

impl Target {
    pub fn url(&self, path: &str) -> String {
        match self {
            Target::Native(s) => s.url(path),
            Target::Worker(w) => w.url(path),
        }
    }

    /// Every log line so far.
    pub fn logs(&self) -> Vec<String> {
        match self {
            Target::Native(s) => s.logs(),
            Target::Worker(w) => w.logs(),
        }
    }

    pub fn stop(self) {
        match self {
            Target::Native(s) => s.stop(),
            Target::Worker(w) => w.stop(),
        }
    }
}
