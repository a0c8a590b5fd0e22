//! The edge worker in the real workerd runtime: `wrangler dev` (from this
//! checkout's node_modules) on free ports, course data seeded into its local
//! KV, its state in a directory of its own. Settings go through an env file
//! (wrangler shows those as hidden, so no secret reaches its output); every
//! output line is kept and scanned for the secrets when the worker stops.
//! Stopped (its whole process group) by the test that started it.

use super::{free_port, secrets_of};
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn tmp_dir(name: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("greenside-worker-{}-{name}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A local state directory with the course data in KV (seeded once per test process).
fn seeded_template() -> &'static Path {
    static T: OnceLock<PathBuf> = OnceLock::new();
    T.get_or_init(|| {
        let root = repo_root();
        assert!(
            root.join("worker/build/index.js").exists(),
            "the worker is not built: run `npm run build:worker` (scripts/build-worker) first"
        );
        assert!(root.join("node_modules/.bin/wrangler").exists(), "wrangler is not installed: run `npm ci` first");
        let dir = tmp_dir("template");
        let out = Command::new("python3")
            .arg(root.join("scripts/seed-kv"))
            .args(["--local", "--persist-to"])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "seed-kv failed: {}", String::from_utf8_lossy(&out.stderr));
        dir
    })
}

fn copy_dir(from: &Path, to: &Path) {
    let st = Command::new("cp").arg("-a").arg(format!("{}/.", from.display())).arg(to).status().unwrap();
    assert!(st.success());
}

pub struct Worker {
    pub base: String,
    child: Option<Child>,
    logs: Arc<Mutex<Vec<String>>>,
    secrets: Vec<String>,
    env_file: PathBuf,
    pub state_dir: PathBuf,
    port: u16,
}

impl Worker {
    /// A worker on fresh state (course data seeded).
    pub fn start(env: &[(&str, &str)]) -> Worker {
        let dir = tmp_dir("state");
        copy_dir(seeded_template(), &dir);
        Self::start_on(env, &dir)
    }

    /// A worker on an existing state directory (a restart keeps its sessions).
    pub fn start_on(env: &[(&str, &str)], state_dir: &Path) -> Worker {
        let mut all: Vec<(String, String)> = Vec::new();
        // Load tests hammer from one address: limits stay off unless a test sets them.
        if !env.iter().any(|(k, _)| k.starts_with("RATE_LIMIT")) {
            all.push(("RATE_LIMIT_ENABLED".into(), "false".into()));
        }
        all.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let env_file = tmp_dir("env").join("worker.env");
        let text: String = all.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        std::fs::write(&env_file, text).unwrap();
        let mut w = Worker {
            base: String::new(),
            child: None,
            logs: Arc::default(),
            secrets: secrets_of(env),
            env_file,
            state_dir: state_dir.to_path_buf(),
            port: free_port(),
        };
        w.spawn();
        w
    }

    /// Starts wrangler dev; when a port it was given (or one workerd picked)
    /// was taken between choosing and binding it, again on fresh ports.
    fn spawn(&mut self) {
        for attempt in 1..=3 {
            match self.spawn_once() {
                Ok(()) => return,
                Err(logs) if attempt < 3 && logs.contains("Address already in use") => {
                    self.logs.lock().unwrap().clear();
                    self.port = free_port();
                }
                Err(logs) => panic!("wrangler dev exited:\n{logs}"),
            }
        }
    }

    fn spawn_once(&mut self) -> Result<(), String> {
        let root = repo_root();
        let port = self.port.to_string();
        let inspector = free_port().to_string();
        let mut cmd = Command::new(root.join("node_modules/.bin/wrangler"));
        cmd.arg("dev")
            .arg("--config")
            .arg(root.join("wrangler.toml"))
            .args(["--ip", "127.0.0.1", "--port", &port, "--inspector-port", &inspector])
            .arg("--persist-to")
            .arg(&self.state_dir)
            .arg("--env-file")
            .arg(&self.env_file)
            .args(["--show-interactive-dev-session=false", "--log-level", "log"])
            .current_dir(&root)
            // The tools never reach the network (EDGE.md).
            .env("WRANGLER_SEND_METRICS", "false")
            .env("WRANGLER_HIDE_BANNER", "true")
            .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
            .env("XDG_CONFIG_HOME", self.env_file.parent().unwrap())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        let mut child = cmd.spawn().expect("cannot run wrangler");
        for pipe in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let sink = self.logs.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    if std::env::var_os("GREENSIDE_TEST_LOGS").is_some() {
                        eprintln!("[worker] {line}");
                    }
                    sink.lock().unwrap().push(line);
                }
            });
        }
        self.child = Some(child);
        self.base = format!("http://127.0.0.1:{}", self.port);
        let t0 = Instant::now();
        loop {
            if let Ok(r) = probe::blocking_get(&format!("{}/live", self.base)) {
                if r == 200 {
                    return Ok(());
                }
            }
            if let Some(c) = self.child.as_mut() {
                if let Ok(Some(st)) = c.try_wait() {
                    self.child = None;
                    // Its output threads may still be draining the pipes.
                    std::thread::sleep(Duration::from_millis(200));
                    return Err(format!("({st})\n{}", self.logs.lock().unwrap().join("\n")));
                }
            }
            assert!(
                t0.elapsed() < Duration::from_secs(60),
                "the worker did not answer /live within 60 s:\n{}",
                self.logs.lock().unwrap().join("\n")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn logs(&self) -> Vec<String> {
        self.logs.lock().unwrap().clone()
    }

    /// Stops the runtime and starts it again on the same state and port.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    pub fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        let Some(mut c) = self.child.take() else { return };
        let pgid = format!("-{}", c.id());
        let _ = Command::new("kill").args(["-TERM", "--", &pgid]).status();
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = c.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = Command::new("kill").args(["-KILL", "--", &pgid]).status();
        let _ = c.wait();
        std::thread::sleep(Duration::from_millis(50));
        if !std::thread::panicking() {
            let logs = self.logs.lock().unwrap();
            for secret in &self.secrets {
                if let Some(line) = logs.iter().find(|l| l.contains(secret.as_str())) {
                    panic!("a secret appeared in the worker's output: {line}");
                }
            }
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Tiny blocking GET for the readiness poll (status only).
mod probe {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::Duration;

    pub fn blocking_get(url: &str) -> Result<u16, ()> {
        let rest = url.strip_prefix("http://").ok_or(())?;
        let (host, path) = rest.split_once('/').map(|(h, p)| (h, format!("/{p}"))).unwrap_or((rest, "/".into()));
        let mut s = TcpStream::connect(host).map_err(|_| ())?;
        s.set_read_timeout(Some(Duration::from_secs(2))).map_err(|_| ())?;
        write!(s, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").map_err(|_| ())?;
        let mut buf = [0u8; 32];
        let n = s.read(&mut buf).map_err(|_| ())?;
        let head = std::str::from_utf8(&buf[..n]).map_err(|_| ())?;
        head.split(' ').nth(1).and_then(|c| c.parse().ok()).ok_or(())
    }
}
