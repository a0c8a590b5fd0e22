//! `greenside`: the native server's command line.
//!
//! ```sh
//! greenside serve [--host 127.0.0.1] [--port 8000]
//! ```

use clap::{Parser, Subcommand};
use greenside_server::settings::{LogFormat, Settings};
use greenside_server::{build_state, http, spawn_sweeper};
use std::process::ExitCode;

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
}

fn init_logging(s: &Settings) {
    let filter = tracing_subscriber::EnvFilter::try_new(&s.log_level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match s.log_format {
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(false).init(),
        LogFormat::Pretty => builder.init(),
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

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let Command::Serve { host, port } = cli.command;
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
    init_logging(&settings);
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
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(%addr, error = %e, "cannot bind");
            eprintln!("greenside: cannot bind {addr}: {e}");
            return ExitCode::from(1);
        }
    };
    let local = listener.local_addr().map(|a| a.to_string()).unwrap_or(addr);
    tracing::info!(
        addr = %local,
        store = state.store_status.requested,
        courses = state.catalog.counts().0,
        "greenside listening on http://{local}"
    );
    let app = http::router(state);
    if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await {
        tracing::error!(error = %e, "server failed");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
