//! The accept loop of `greenside serve`: hyper's HTTP/1 with a header
//! timeout, a connection budget the process's descriptors can hold, a cap
//! per client, and timeouts that shrink under pressure.
//!
//! A client has `HTTP_HEADER_TIMEOUT_S` to send a request's headers, counted
//! from when its connection opens and again from when the previous answer
//! went out (hyper starts the timer on an idle kept-alive connection too).
//! At most [`Budget::connections`] are served at once ([`budget`]: under the
//! descriptor limit, never above `HTTP_MAX_CONNECTIONS`). From 80 % of that,
//! the header and idle timeouts shrink towards 1 s, and a client arriving
//! at the cap gets the place of the connection quiet the longest
//! ([`conns`]), so a flood of half-sent heads cannot lock new clients out.
//! A client (its address) holding `HTTP_MAX_CONNECTIONS_PER_CLIENT` has
//! further connections closed at once. A shutdown stops accepting, closes
//! idle connections and lets the requests in flight finish.

pub mod budget;
pub mod conns;
pub mod in_flight;

pub use budget::Budget;
pub use in_flight::InFlight;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use conns::Conns;
use http_body_util::BodyExt;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, mpsc, watch};

/// The limits of the accept loop.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// `HTTP_HEADER_TIMEOUT_S`: also the idle keep-alive timeout.
    pub header_timeout: Duration,
    /// Connections at once (the budget's).
    pub max_connections: usize,
    /// Connections one client address may hold (0: no cap of its own).
    pub per_client: usize,
}

/// Serves `app` on `listener` until `shutdown` resolves, then waits for the
/// connections in flight. `conns` is the registry `/metrics` reads.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    conns: Arc<Conns>,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (stop_tx, stop_rx) = watch::channel(false);
    // Every connection task holds a sender: when all are gone, all are done.
    let (done_tx, mut done_rx) = mpsc::channel::<()>(1);
    let sweeper = tokio::spawn({
        let conns = conns.clone();
        async move {
            let mut tick = tokio::time::interval(conns::SWEEP_EVERY);
            loop {
                tick.tick().await;
                conns.sweep();
            }
        }
    });
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
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
        if limits.per_client > 0 && conns.of(peer.ip()) >= limits.per_client {
            // Closed at once: one client cannot hold the whole budget.
            tracing::debug!(%peer, "connection refused: the client holds its share");
            conns.refused.inc();
            drop(stream);
            continue;
        }
        let permit = match slots.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                // At the cap with a client waiting: the connection quiet the
                // longest makes room (when every one is busy, wait for one).
                conns.evict_oldest_quiet();
                tokio::select! {
                    p = slots.clone().acquire_owned() => match p {
                        Ok(p) => p,
                        Err(_) => break,
                    },
                    () = &mut shutdown => break,
                }
            }
        };
        let registered = conns.open(peer.ip());
        let busy_of = Arc::new(registered);
        let svc = {
            let (app, reg) = (app.clone(), busy_of.clone());
            tower::service_fn(move |mut req: axum::http::Request<hyper::body::Incoming>| {
                let busy = reg.busy();
                req.extensions_mut().insert(ConnectInfo(peer));
                let app = app.clone();
                async move {
                    let resp = tower::ServiceExt::oneshot(app, req.map(Body::new)).await?;
                    // Busy until the answer's last byte is handed over.
                    Ok::<_, std::convert::Infallible>(resp.map(|b| {
                        Body::new(b.map_frame(move |f| {
                            let _ = &busy;
                            f
                        }))
                    }))
                }
            })
        };
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
            loop {
                tokio::select! {
                    r = conn.as_mut() => {
                        if let Err(e) = r {
                            tracing::debug!(%peer, error = %e, "connection closed");
                        }
                        break;
                    }
                    // Closed only while no request is in progress (a request
                    // that began since it was picked keeps it open).
                    () = busy_of.conn.close.notified() => if busy_of.conn.is_quiet() {
                        tracing::debug!(%peer, "connection closed under pressure");
                        break;
                    },
                    _ = stop.changed() => {
                        conn.as_mut().graceful_shutdown();
                        let _ = conn.await;
                        break;
                    }
                }
            }
            drop(busy_of);
        });
    }
    sweeper.abort();
    let _ = stop_tx.send(true);
    drop(done_tx);
    let _ = done_rx.recv().await;
}
