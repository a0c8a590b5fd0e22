//! `greenside`: the native server's command line.
//!
//! ```sh
//! greenside serve [--host 127.0.0.1] [--port 8000]
//! ```

#![allow(clippy::print_stdout)]

use clap::{Parser, Subcommand};
use greenside_server::settings::Settings;
use greenside_server::{build_state, http, spawn_retention, spawn_sweeper};
use std::process::ExitCode;

// mimalloc: per-thread heaps with no lock on the request path (glibc's
// allocator showed arena-lock contention between the runtime's threads
// under load, see docs/performance.md).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "greenside", version, about = "greenside hole-session service")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (memory store and the bundled course by default).
    Serve {
        /// Address to bind (overrides HOST).
        #[arg(long)]
        host: Option<String>,
        /// Port to bind (overrides PORT; 0 picks a free one).
        #[arg(long)]
        port: Option<u16>,
    },
    /// Check a running deployment end to end and print a pass/fail table
    /// (exit 0 when every check passes).
    Doctor {
        /// Base URL, e.g. http://127.0.0.1:8000
        #[arg(long)]
        url: String,
        /// Sent as x-api-key (or set API_KEY).
        #[arg(long, env = "API_KEY", hide_env_values = true)]
        api_key: Option<String>,
        #[arg(long, default_value = "riverside")]
        course_id: String,
        #[arg(long, default_value_t = 1)]
        hole_id: u32,
        /// Positions to stream, as lat,lon (defaults suit the example course).
        #[arg(long = "fix", value_parser = parse_fix)]
        fixes: Vec<(f64, f64)>,
    },
    /// Start a local putt solver that requires X-API-Key and a server wired to
    /// it, and check sessions, hysteresis switching, advice and debug bundles.
    Smoke,
    /// Print the OpenAPI 3.1 document of the HTTP API (what /openapi.json
    /// serves; docs/openapi.json is a committed copy).
    Openapi,
    /// Benchmark baseline (scripts/bench): an axum server whose only handler
    /// parses the JSON body and echoes it, on every POST path.
    #[command(hide = true)]
    BenchEcho {
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// Recompute a debug bundle's decision and say whether it matches
    /// (exit 0 when every check matches, 1 when one differs, 2 when it cannot run).
    Replay {
        /// A bundle written with DEBUG_BUNDLE_ENABLED=true.
        bundle: std::path::PathBuf,
    },
    /// Course data tools.
    Course {
        #[command(subcommand)]
        command: CourseCommand,
    },
}

#[derive(Debug, Subcommand)]
enum CourseCommand {
    /// Import OpenStreetMap golf data (OSM XML, or GeoJSON as osmtogeojson
    /// exports it) into a course file and add it to a registry. Prints what
    /// could not be assigned; exit 0 when a course was written, 1 when not.
    ImportOsm {
        /// The .osm (XML) or .geojson/.json file, either of them gzipped or not.
        file: std::path::PathBuf,
        /// The new course's id (a-z, 0-9, `_`, `-`).
        #[arg(long)]
        course_id: String,
        /// Its display name (default: the course id).
        #[arg(long)]
        name: Option<String>,
        /// The registry to add it to; the course goes beside it in <course_id>/course.json.
        #[arg(long, default_value = "data/courses/datasets.json")]
        registry: std::path::PathBuf,
        /// The dataset version recorded in the registry.
        #[arg(long, default_value = "1")]
        dataset_version: String,
        /// No progress bar (there is none when stderr is not a terminal either).
        #[arg(long)]
        quiet: bool,
    },
    /// Classify a track against one hole of a course file: `lat,lon` or
    /// `lat,lon,accuracy_m` lines on stdin, one JSON line per position on
    /// stdout (surface, on_green, confidence, distance to the green's edge,
    /// the position in the hole's frame). Exit 2 on the first bad line.
    Classify {
        /// The course file (course.json).
        file: std::path::PathBuf,
        #[arg(long)]
        hole: u32,
    },
}

/// A reader that counts the bytes it has read (the import's progress).
struct Counted<R> {
    inner: R,
    read: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: std::io::Read> std::io::Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

fn import_osm(
    file: &std::path::Path,
    course_id: &str,
    name: Option<&str>,
    registry: &std::path::Path,
    version: &str,
    quiet: bool,
) -> ExitCode {
    use greenside_server::import_osm as imp;
    use std::io::IsTerminal;
    if let Err(e) = greenside_core::validate::course_id(course_id) {
        eprintln!("greenside course import-osm: --course-id: {}", e.message);
        return ExitCode::from(2);
    }
    let f = match std::fs::File::open(file) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("greenside course import-osm: cannot read {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    let size = f.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = if !quiet && std::io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new(size);
        b.set_style(
            indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes} ({eta})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        b.set_message("reading");
        Some(b)
    } else {
        None
    };
    // A gzip file (`.osm.gz`, as extracts are often kept) is read through
    // a decoder; the bar follows the bytes read from the file either way.
    let read = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut input = std::io::BufReader::new(Counted { inner: f, read: read.clone() });
    let gzip = std::io::BufRead::fill_buf(&mut input).is_ok_and(|head| head.starts_with(&[0x1f, 0x8b]));
    let input: Box<dyn std::io::BufRead> = if gzip {
        Box::new(std::io::BufReader::new(flate2::bufread::MultiGzDecoder::new(input)))
    } else {
        Box::new(input)
    };
    let inner_name = file.file_stem().filter(|_| gzip).map(std::path::Path::new).unwrap_or(file);
    let is_json = matches!(inner_name.extension().and_then(|e| e.to_str()), Some("geojson" | "json"));
    let data = if is_json {
        std::io::read_to_string(input).map_err(|e| e.to_string()).and_then(|t| imp::read_geojson(&t))
    } else {
        imp::read_osm_xml(input, |_| {
            if let Some(b) = &bar {
                b.set_position(read.load(std::sync::atomic::Ordering::Relaxed));
            }
        })
    };
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let data = match data {
        Ok(d) => d,
        Err(e) => {
            eprintln!("greenside course import-osm: {}: {e}", file.display());
            return ExitCode::from(1);
        }
    };
    let (course, report) = match imp::build_course(&data, course_id, name.unwrap_or(course_id)) {
        Ok(x) => x,
        Err(e) => {
            for p in &data.problems {
                println!("not imported: {} — {}", p.osm_id, p.what);
            }
            eprintln!("greenside course import-osm: {e}");
            return ExitCode::from(1);
        }
    };
    let path = match imp::write_course(&course, registry, version) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("greenside course import-osm: {e}");
            return ExitCode::from(1);
        }
    };
    let assigned: Vec<String> = report.assigned.iter().map(|(k, n)| format!("{n} {k:?}").to_lowercase()).collect();
    println!("imported {} holes into {} ({})", report.holes, path.display(), assigned.join(", "));
    println!("registry {}: `{}` version {version}", registry.display(), course.course_id);
    for p in &report.unassigned {
        println!("not assigned: {} — {}", p.osm_id, p.what);
    }
    println!("{} element(s) not assigned; attribution: {}", report.unassigned.len(), imp::OSM_ATTRIBUTION);
    ExitCode::SUCCESS
}

/// Logs go to stderr in batches from a background thread (see `logging`),
/// so a request never waits on the terminal or a pipe.
fn init_logging(s: &Settings) -> Option<greenside_server::logging::LogGuard> {
    match greenside_server::logging::install(&s.log_level, s.log_format, std::io::stderr()) {
        Ok(guard) => Some(guard),
        Err(e) => {
            eprintln!("greenside: cannot start the log writer thread: {e}");
            None
        }
    }
}

/// A variable that looks like one of greenside's but is not (a typo,
/// another version's spelling) would otherwise be ignored without a word.
fn warn_unknown_variables() {
    let names: Vec<String> = std::env::vars_os().filter_map(|(k, _)| k.into_string().ok()).collect();
    for variable in greenside_core::variables::unknown(names.iter().map(String::as_str)) {
        tracing::warn!(variable, "not a greenside setting; ignored (check its spelling)");
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

async fn bench_echo(port: u16) -> ExitCode {
    let app = http::echo_router();
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("greenside bench-echo: {e}");
            return ExitCode::from(1);
        }
    };
    if let Ok(a) = listener.local_addr() {
        eprintln!("bench-echo listening on http://{a}");
    }
    match axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(1),
    }
}

fn parse_fix(s: &str) -> Result<(f64, f64), String> {
    let (a, b) = s.split_once(',').ok_or("expected lat,lon")?;
    let p = (a.trim().parse::<f64>().map_err(|e| e.to_string())?, b.trim().parse::<f64>().map_err(|e| e.to_string())?);
    greenside_core::validate::lat_lon("fix", greenside_core::geometry::LatLon::new(p.0, p.1)).map_err(|e| e.message)?;
    Ok(p)
}

fn classify_track(file: &std::path::Path, hole: u32) -> ExitCode {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("greenside course classify: cannot read {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    let out = std::io::BufWriter::new(std::io::stdout().lock());
    match greenside_server::track::classify_lines(&text, hole, std::io::stdin().lock(), out) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("greenside course classify: {e}");
            ExitCode::from(2)
        }
    }
}

fn replay(path: &std::path::Path) -> ExitCode {
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("greenside: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    let bundle: greenside_server::bundle::Bundle = match std::fs::read_to_string(path)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(b) => b,
        Err(e) => {
            eprintln!("greenside replay: cannot read {}: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    let catalog =
        greenside_server::courses::CourseData::load(&settings.course_data_root, &settings.dataset_registry_path);
    let checks = match greenside_server::bundle::replay(&bundle, &catalog) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("greenside replay: {e}");
            return ExitCode::from(2);
        }
    };
    println!(
        "run {} ({}), course {} hole {}",
        bundle.run.run_id,
        bundle.run.status.as_str(),
        bundle.course.course_id,
        bundle.course.hole_id
    );
    for c in &checks {
        println!("  {:<45} {}", c.what, if c.matches { "MATCH" } else { "DIFFERS" });
        if !c.matches {
            println!("    recorded:   {}", c.recorded);
            println!("    recomputed: {}", c.recomputed);
        }
    }
    if checks.iter().all(|c| c.matches) {
        println!("replay: MATCH");
        ExitCode::SUCCESS
    } else {
        println!("replay: DIFFERS");
        ExitCode::from(1)
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let (host, port) = match cli.command {
        Command::Serve { host, port } => (host, port),
        Command::Replay { bundle } => return replay(&bundle),
        Command::Course {
            command: CourseCommand::ImportOsm { file, course_id, name, registry, dataset_version, quiet },
        } => return import_osm(&file, &course_id, name.as_deref(), &registry, &dataset_version, quiet),
        Command::Course { command: CourseCommand::Classify { file, hole } } => return classify_track(&file, hole),
        Command::Doctor { url, api_key, course_id, hole_id, fixes } => {
            let fixes = if fixes.is_empty() { greenside_server::doctor::example_fixes() } else { fixes };
            let target = greenside_server::doctor::Target {
                url: url.trim_end_matches('/').to_string(),
                api_key,
                admin_token: None,
                course_id,
                hole_id,
            };
            let (table, ok) =
                greenside_server::doctor::table(&greenside_server::doctor::run(target, &fixes, false).await);
            print!("{table}");
            return if ok { ExitCode::SUCCESS } else { ExitCode::from(1) };
        }
        Command::BenchEcho { port } => return bench_echo(port).await,
        Command::Openapi => {
            print!("{}", greenside_core::openapi::document());
            return ExitCode::SUCCESS;
        }
        Command::Smoke => {
            return match greenside_server::doctor::smoke().await {
                Ok((table, ok)) => {
                    print!("{table}");
                    if ok { ExitCode::SUCCESS } else { ExitCode::from(1) }
                }
                Err(e) => {
                    eprintln!("greenside smoke: {e}");
                    ExitCode::from(2)
                }
            };
        }
    };
    let mut settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("greenside: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(h) = host {
        settings.host = h;
    }
    if let Some(p) = port {
        settings.port = p;
    }
    let Some(_log_guard) = init_logging(&settings) else { return ExitCode::from(1) };
    warn_unknown_variables();
    let addr = format!("{}:{}", settings.host, settings.port);
    let state = match build_state(settings).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot start");
            eprintln!("greenside: {e}");
            return ExitCode::from(1);
        }
    };
    spawn_sweeper(&state);
    spawn_retention(&state);
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(%addr, error = %e, "cannot bind");
            eprintln!("greenside: cannot bind {addr}: {e}");
            return ExitCode::from(1);
        }
    };
    let local = listener.local_addr().map(|a| a.to_string()).unwrap_or(addr);
    // What the server uses, as /health says it: a Redis that refused us at
    // start-up leaves the memory store, and the line must not say redis.
    {
        use greenside_server::store::SessionStore;
        let (store, requested) = (state.store.backend(), state.store_status.requested);
        tracing::info!(
            addr = %local,
            store,
            store_requested = requested,
            runs = state.runs.backend(),
            courses = state.catalog.counts().0,
            "greenside listening on http://{local}"
        );
    }
    let limits = greenside_server::listen::Limits {
        header_timeout: state.settings.header_timeout,
        max_connections: state.budget.connections,
        // Behind a trusted proxy every connection is the proxy's: the share is of requests (http::front).
        per_client: if state.settings.trusted_proxy_header.is_some() { 0 } else { state.budget.per_client },
    };
    let (tracing, conns) = (std::sync::Arc::clone(&state), state.conns.clone());
    greenside_server::listen::serve(listener, http::router(state), limits, conns, shutdown_signal()).await;
    // The spans of the last requests go out before the process ends.
    tracing.tracing.shutdown();
    ExitCode::SUCCESS
}
