//! The network server: HTTP/2 (h2c) over an already-bound TCP listener or
//! Unix socket, serving the runtime's layered router until a shutdown
//! future resolves.

use std::convert::Infallible;
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::http2;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
#[cfg(unix)]
use tokio::net::UnixListener;
use tokio::task::JoinSet;
use tonic::body::Body;
use tower::ServiceExt;
use tower::util::Oneshot;

use crate::context::{Origin, Transport};
use crate::error::Error;
use crate::layers::{HttpRequest, RpcService};
use crate::runtime::Runtime;

/// Where the server listens unless told otherwise: loopback only.
pub const DEFAULT_TCP_ADDR: SocketAddr =
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 7234));

/// An already-bound listener; binding is the caller's business (and its
/// error to report), as in mini-redis.
#[derive(Debug)]
pub enum Listener {
    Tcp(TcpListener),
    #[cfg(unix)]
    Unix(UnixListener),
}

impl From<TcpListener> for Listener {
    fn from(listener: TcpListener) -> Self {
        Listener::Tcp(listener)
    }
}

#[cfg(unix)]
impl From<UnixListener> for Listener {
    fn from(listener: UnixListener) -> Self {
        Listener::Unix(listener)
    }
}

/// Serves a [`Runtime`] on the network.
#[derive(Debug, Clone)]
pub struct NetworkServer {
    runtime: Runtime,
    keepalive_interval: Duration,
    keepalive_timeout: Duration,
    shutdown_grace: Duration,
}

impl NetworkServer {
    pub fn new(runtime: Runtime) -> Self {
        Self {
            runtime,
            keepalive_interval: Duration::from_secs(30),
            keepalive_timeout: Duration::from_secs(20),
            shutdown_grace: Duration::from_secs(30),
        }
    }

    /// HTTP/2 PING every `interval`; a connection whose peer does not
    /// answer within `timeout` is closed. Defaults: 30 s and 20 s.
    pub fn keepalive(mut self, interval: Duration, timeout: Duration) -> Self {
        self.keepalive_interval = interval;
        self.keepalive_timeout = timeout;
        self
    }

    /// How long in-flight calls may take to finish after shutdown began
    /// before their connections are closed. Default: 30 s.
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// Accepts connections until `shutdown` resolves, then stops accepting,
    /// reports NOT_SERVING, ends open streams (`UNAVAILABLE`), sends GOAWAY
    /// and waits (up to the grace period) for in-flight calls to finish.
    pub async fn serve(
        self,
        listener: impl Into<Listener>,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), Error> {
        let listener = listener.into();
        let mut http2 = http2::Builder::new(TokioExecutor::new());
        http2
            .timer(TokioTimer::new())
            .keep_alive_interval(Some(self.keepalive_interval))
            .keep_alive_timeout(self.keepalive_timeout);
        let graceful = GracefulShutdown::new();
        let mut connections = JoinSet::new();

        self.runtime.set_serving(true).await;
        tracing::info!(listener = ?local_addr(&listener), "gRPC server listening");
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                Some(_) = connections.join_next() => {}
                accepted = accept(&listener) => match accepted {
                    Ok(Accepted::Tcp(stream, peer)) => {
                        if let Err(error) = stream.set_nodelay(true) {
                            tracing::debug!(%error, %peer, "TCP_NODELAY could not be set");
                        }
                        let service = self.connection_service(Transport::Tcp { peer });
                        let connection = http2.serve_connection(TokioIo::new(stream), service);
                        connections.spawn(log_connection_end(graceful.watch(connection)));
                    }
                    #[cfg(unix)]
                    Ok(Accepted::Unix(stream)) => {
                        let service = self.connection_service(Transport::Unix);
                        let connection = http2.serve_connection(TokioIo::new(stream), service);
                        connections.spawn(log_connection_end(graceful.watch(connection)));
                    }
                    Err(error) => {
                        // Out of file descriptors and the like: back off
                        // instead of spinning.
                        tracing::warn!(%error, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
            }
        }

        drop(listener);
        tracing::info!("gRPC server shutting down");
        self.runtime.set_serving(false).await;
        self.runtime.end_streams();
        if tokio::time::timeout(self.shutdown_grace, graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!(grace = ?self.shutdown_grace, "calls still running after the grace period; closing their connections");
        }
        connections.shutdown().await;
        Ok(())
    }

    fn connection_service(&self, transport: Transport) -> ConnectionService {
        ConnectionService {
            stack: self.runtime.service(),
            origin: Origin(transport),
        }
    }
}

enum Accepted {
    Tcp(tokio::net::TcpStream, SocketAddr),
    #[cfg(unix)]
    Unix(tokio::net::UnixStream),
}

async fn accept(listener: &Listener) -> std::io::Result<Accepted> {
    match listener {
        Listener::Tcp(listener) => {
            let (stream, peer) = listener.accept().await?;
            Ok(Accepted::Tcp(stream, peer))
        }
        #[cfg(unix)]
        Listener::Unix(listener) => {
            let (stream, _) = listener.accept().await?;
            Ok(Accepted::Unix(stream))
        }
    }
}

fn local_addr(listener: &Listener) -> Option<String> {
    match listener {
        Listener::Tcp(listener) => listener.local_addr().ok().map(|a| a.to_string()),
        #[cfg(unix)]
        Listener::Unix(listener) => listener
            .local_addr()
            .ok()
            .and_then(|a| a.as_pathname().map(|p| p.display().to_string())),
    }
}

async fn log_connection_end<E: std::fmt::Display>(connection: impl Future<Output = Result<(), E>>) {
    if let Err(error) = connection.await {
        tracing::debug!(%error, "connection ended with an error");
    }
}

/// Hands each request of one connection to the layer stack, marked with
/// the connection's transport.
#[derive(Clone)]
struct ConnectionService {
    stack: RpcService,
    origin: Origin,
}

impl hyper::service::Service<http::Request<Incoming>> for ConnectionService {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Oneshot<RpcService, HttpRequest>;

    fn call(&self, request: http::Request<Incoming>) -> Self::Future {
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(self.origin.clone());
        self.stack.clone().oneshot(request)
    }
}
