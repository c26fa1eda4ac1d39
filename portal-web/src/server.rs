//! The HTTP/1.1 server loop: accepts connections up to a cap, gives each a header read timeout,
//! tells the app each client's address, and shuts down gracefully.
//!
//! Written on hyper directly instead of `axum::serve`, which sets no timer and so no header
//! timeout: a client that opened a connection and never finished its headers held it (and a slot
//! of the process's file descriptors) for as long as it liked. The body deadline is the app's own
//! (`app::HttpOptions::body_timeout`), because only the app can answer it with a JSON error.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tower::ServiceExt;

use crate::telemetry::Metrics;

/// Limits of the connection layer (`server.*` in the config).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeLimits {
    /// From the moment a connection waits for a request until its headers are complete; also how
    /// long an idle keep-alive connection is kept.
    pub header_timeout: Duration,
    /// Connections served at once. Beyond it the server stops accepting until one closes; the
    /// operating system queues the rest (its listen backlog), so the process never runs out of
    /// file descriptors or memory for sockets.
    pub max_connections: usize,
}

impl Default for ServeLimits {
    fn default() -> Self {
        Self { header_timeout: Duration::from_secs(10), max_connections: 1024 }
    }
}

/// Serves `router` on `listener` with the default limits until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, router, ServeLimits::default(), None, shutdown).await
}

/// Serves `router` on `listener` under `limits`; connection counts go to `metrics` when given.
/// After `shutdown` resolves it stops accepting, lets requests in flight finish and closes idle
/// connections, then returns.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    router: Router,
    limits: ServeLimits,
    metrics: Option<Arc<Metrics>>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let permits = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // A permit first: at the cap the loop waits here and accepts nothing.
        let permit = tokio::select! {
            biased;
            () = &mut shutdown => break,
            permit = permits.clone().acquire_owned() => permit.map_err(std::io::Error::other)?,
        };
        let (stream, peer) = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Per-connection failures (reset before accept, out of descriptors) are not
                    // the listener's end: wait a moment and go on, as axum::serve does.
                    tracing::debug!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        while connections.try_join_next().is_some() {}
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            let router = router.clone();
            async move { router.oneshot(req.map(axum::body::Body::new)).await }
        });
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let mut stop = stop_rx.clone();
        let metrics = metrics.clone();
        connections.spawn(async move {
            let _permit = permit;
            if let Some(m) = &metrics {
                m.connections_open.fetch_add(1, Ordering::Relaxed);
                m.connections_total.fetch_add(1, Ordering::Relaxed);
            }
            let mut connection = std::pin::pin!(connection);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                // The watch's guard is dropped inside, before the connection is awaited again.
                () = async { drop(stop.wait_for(|stop| *stop).await) } => {
                    connection.as_mut().graceful_shutdown();
                    connection.as_mut().await
                }
            };
            if let Err(e) = result {
                // Header timeouts, resets and malformed requests end here; none is the server's fault.
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
            if let Some(m) = &metrics {
                m.connections_open.fetch_sub(1, Ordering::Relaxed);
            }
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// What the router enforces besides the routes (`server.*` and `metrics.*` in the config).
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Largest request body (413 beyond it).
    pub max_body_bytes: usize,
    /// From the end of the headers until the whole body must have arrived (408 after it).
    pub body_timeout: Duration,
    /// When set, `/metrics` is also served on the public router to requests that bear it
    /// (`Authorization: Bearer …`); otherwise only on the metrics listener.
    pub metrics_token: Option<String>,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self { max_body_bytes: 1024 * 1024, body_timeout: Duration::from_secs(30), metrics_token: None }
    }
}
