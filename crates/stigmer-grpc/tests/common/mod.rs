//! A running test runtime — network server on a loopback port plus the
//! in-process channel — and a channel type that is either, so each test
//! sends the same request through both transports.
#![allow(dead_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use hyper::client::conn::http2::SendRequest;
use stigmer_grpc::{InProcessChannel, MemoryAuditSink, NetworkServer, Runtime, RuntimeBuilder};
use stigmer_grpc_test_service::Gate;
use stigmer_grpc_test_service::pb::trouble_controller_client::TroubleControllerClient;
use stigmer_grpc_test_service::pb::widget_command_controller_client::WidgetCommandControllerClient;
use stigmer_grpc_test_service::pb::widget_query_controller_client::WidgetQueryControllerClient;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::body::Body;
use tonic::transport::{Channel, Endpoint};
use tower::Service;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Which transport a test call takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Network,
    InProcess,
}

impl Via {
    pub const BOTH: [Via; 2] = [Via::Network, Via::InProcess];
}

/// Either transport, behind one type, so clients are the same type too.
#[derive(Clone)]
pub enum TestChannel {
    Network(Channel),
    InProcess(InProcessChannel),
    /// A bare hyper HTTP/2 connection: unlike tonic's `Channel` it does not
    /// enforce `grpc-timeout` itself, so the server's deadline is observable.
    BareHttp2(SendRequest<Body>),
}

impl Service<http::Request<Body>> for TestChannel {
    type Response = http::Response<Body>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        match self {
            TestChannel::Network(channel) => channel.poll_ready(cx).map_err(Into::into),
            TestChannel::InProcess(channel) => channel.poll_ready(cx).map_err(Into::into),
            TestChannel::BareHttp2(sender) => sender.poll_ready(cx).map_err(Into::into),
        }
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        match self {
            TestChannel::Network(channel) => {
                let future = channel.call(request);
                Box::pin(async move { future.await.map_err(Into::into) })
            }
            TestChannel::InProcess(channel) => {
                let future = channel.call(request);
                Box::pin(async move { future.await.map_err(Into::into) })
            }
            TestChannel::BareHttp2(sender) => {
                let future = sender.send_request(request);
                Box::pin(async move { Ok(future.await?.map(Body::new)) })
            }
        }
    }
}

pub struct Harness {
    pub runtime: Runtime,
    pub gate: Arc<Gate>,
    pub audit: Arc<MemoryAuditSink>,
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<Result<(), stigmer_grpc::Error>>>,
}

impl Harness {
    pub async fn start() -> Self {
        Self::start_with(|builder| builder).await
    }

    pub async fn start_with(configure: impl FnOnce(RuntimeBuilder) -> RuntimeBuilder) -> Self {
        let audit = Arc::new(MemoryAuditSink::new());
        let sink = audit.clone();
        let (runtime, gate) =
            stigmer_grpc_test_service::runtime(|builder| configure(builder.audit_sink(sink)))
                .unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (shutdown, shutdown_signal) = oneshot::channel::<()>();
        let server = tokio::spawn(NetworkServer::new(runtime.clone()).serve(listener, async {
            let _ = shutdown_signal.await;
        }));
        Self {
            runtime,
            gate,
            audit,
            addr,
            shutdown: Some(shutdown),
            server: Some(server),
        }
    }

    pub async fn network_channel(&self) -> Channel {
        Endpoint::from_shared(format!("http://{}", self.addr))
            .unwrap()
            .connect()
            .await
            .unwrap()
    }

    /// A bare HTTP/2 connection to the server and the origin to use with it.
    pub async fn bare_http2(&self) -> (TestChannel, http::Uri) {
        let stream = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        let (sender, connection) = hyper::client::conn::http2::handshake(
            hyper_util::rt::TokioExecutor::new(),
            hyper_util::rt::TokioIo::new(stream),
        )
        .await
        .unwrap();
        tokio::spawn(connection);
        let origin = format!("http://{}", self.addr).parse().unwrap();
        (TestChannel::BareHttp2(sender), origin)
    }

    pub async fn channel(&self, via: Via) -> TestChannel {
        match via {
            Via::Network => TestChannel::Network(self.network_channel().await),
            Via::InProcess => TestChannel::InProcess(self.runtime.in_process_channel()),
        }
    }

    pub async fn commands(&self, via: Via) -> WidgetCommandControllerClient<TestChannel> {
        WidgetCommandControllerClient::new(self.channel(via).await)
            .max_decoding_message_size(64 << 20)
    }

    pub async fn queries(&self, via: Via) -> WidgetQueryControllerClient<TestChannel> {
        WidgetQueryControllerClient::new(self.channel(via).await)
    }

    pub async fn trouble(&self, via: Via) -> TroubleControllerClient<TestChannel> {
        TroubleControllerClient::new(self.channel(via).await)
    }

    /// Signals shutdown without waiting for the server to finish.
    pub fn begin_shutdown(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }

    /// Waits for the server to finish after [`Harness::begin_shutdown`].
    pub async fn server_finished(&mut self) {
        if let Some(server) = self.server.take() {
            server.await.unwrap().unwrap();
        }
    }
}
