//! The accept loop of `greenside serve`: hyper's HTTP/1 with a header
//! timeout and a bound on the connections served at once.
//!
//! A client has `HTTP_HEADER_TIMEOUT_S` to send a request's headers, counted
//! from when its connection opens and again from when the previous answer
//! went out (hyper starts the timer on an idle kept-alive connection too):
//! a client that stops in the middle of its headers, or keeps a connection
//! open without using it, is closed. At most `HTTP_MAX_CONNECTIONS` are
//! served at once; more wait in the listen backlog until one closes, so
//! the process never runs out of file descriptors for its store, its logs
//! and its bundles. A shutdown stops accepting, closes idle connections and
//! lets the requests in flight finish.

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, mpsc, watch};

/// The limits of the accept loop (settings `HTTP_HEADER_TIMEOUT_S`, `HTTP_MAX_CONNECTIONS`).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_timeout: Duration,
    pub max_connections: usize,
}

/// Serves `app` on `listener` until `shutdown` resolves, then waits for the
/// connections in flight.
pub async fn serve(listener: TcpListener, app: Router, limits: Limits, shutdown: impl Future<Output = ()>) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (stop_tx, stop_rx) = watch::channel(false);
    // Every connection task holds a sender: when all are gone, all are done.
    let (done_tx, mut done_rx) = mpsc::channel::<()>(1);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // Out of descriptors, or a connection reset before accept: go on.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let svc = tower::ServiceExt::map_request(app.clone(), move |mut req: axum::http::Request<_>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            req
        });
        let svc = hyper_util::service::TowerToHyperService::new(svc);
        let (mut stop, done) = (stop_rx.clone(), done_tx.clone());
        tokio::spawn(async move {
            let _held = (permit, done);
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .serve_connection(TokioIo::new(stream), svc)
                .with_upgrades();
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!(%peer, error = %e, "connection closed");
                    }
                }
                _ = stop.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
    let _ = stop_tx.send(true);
    drop(done_tx);
    let _ = done_rx.recv().await;
}
