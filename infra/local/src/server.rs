//! The HTTP/1.1 listener in front of the gateway: a bounded number of connections, a deadline
//! for each request's headers, and a graceful stop. Slow or idle clients are cut off, and a
//! connection beyond the limit is answered 503 and closed at once, so a few thousand slowloris
//! connections cannot starve everyone else.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body as AxumBody;
use axum::response::Response as AxumResponse;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::config::Limits;

/// How long open requests may finish after a stop is asked for.
const DRAIN: Duration = Duration::from_secs(10);

/// Serve `listener` until `stopped` resolves, handing each request and its peer to `handle`.
pub async fn run<H, F>(
    listener: TcpListener,
    limits: Limits,
    handle: H,
    stopped: impl Future<Output = ()>,
) -> std::io::Result<()>
where
    H: Fn(SocketAddr, http::Request<AxumBody>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = AxumResponse> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    tokio::pin!(stopped);
    loop {
        let (mut stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stopped => break,
        };
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            tracing::warn!(%peer, limit = limits.max_connections, "connection refused: at the limit");
            tokio::spawn(async move {
                let busy = b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
                let _ = stream.write_all(busy).await;
                let _ = stream.shutdown().await;
            });
            continue;
        };
        let handle = handle.clone();
        let service = hyper::service::service_fn(move |request: http::Request<Incoming>| {
            let response = handle(peer, request.map(AxumBody::new));
            async move { Ok::<_, Infallible>(response.await) }
        });
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _permit = permit;
            if let Err(error) = connection.await {
                tracing::debug!(%peer, %error, "connection ended");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("some requests did not finish within the drain time");
    }
    Ok(())
}
