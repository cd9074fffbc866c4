//! Compares the cost of one call through each way of reaching a handler:
//! calling it directly (no layers), the in-process channel (every layer, no
//! socket), an in-memory HTTP/2 duplex (every layer, HTTP/2 framing, the
//! equivalent of grpc-go's bufconn), and TCP loopback.
//!
//! `cargo run --release -p stigmer-grpc --example transport-bench`
//!
//! Runs a unary `get` (id wrapper, one string rule) and a `create` (resource
//! with a CEL rule) on the stigmer-grpc test service: sequential latency
//! (p50, p99) and 32-way concurrent throughput. No tracing subscriber is
//! installed, so log and audit lines cost only their disabled-callsite
//! check.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::time::{Duration, Instant};

use hyper::server::conn::http2;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use stigmer_grpc::{NetworkServer, Runtime};
use stigmer_grpc_test_service::WidgetHandlers;
use stigmer_grpc_test_service::pb::widget_command_controller_client::WidgetCommandControllerClient;
use stigmer_grpc_test_service::pb::widget_command_controller_server::WidgetCommandController;
use stigmer_grpc_test_service::pb::widget_query_controller_client::WidgetQueryControllerClient;
use stigmer_grpc_test_service::pb::widget_query_controller_server::WidgetQueryController;
use stigmer_grpc_test_service::pb::{Widget, WidgetId, WidgetMetadata, WidgetSpec};
use tonic::Request;
use tonic::body::Body;
use tonic::transport::{Channel, Endpoint};
use tower::ServiceExt;

const WARMUP: usize = 2_000;
const SEQUENTIAL: usize = 20_000;
const CONCURRENCY: usize = 32;
const CONCURRENT_PER_TASK: usize = 1_000;

fn get_request() -> WidgetId {
    WidgetId {
        value: "wdg-bench".into(),
    }
}

fn create_request() -> Widget {
    Widget {
        metadata: Some(WidgetMetadata {
            id: String::new(),
            name: "bench".into(),
        }),
        spec: Some(WidgetSpec {
            min: 1,
            max: 2,
            ..Default::default()
        }),
    }
}

/// One way of making the two calls.
#[derive(Clone)]
#[allow(clippy::large_enum_variant)] // four values, cloned once per task
enum Caller {
    Direct(WidgetHandlers),
    Client(
        WidgetQueryControllerClient<Transport>,
        WidgetCommandControllerClient<Transport>,
    ),
}

/// The channel types behind the generated clients.
#[derive(Clone)]
enum Transport {
    InProcess(stigmer_grpc::InProcessChannel),
    Http2(Channel),
}

impl tower::Service<http::Request<Body>> for Transport {
    type Response = http::Response<Body>;
    type Error = Box<dyn std::error::Error + Send + Sync>;
    type Future = futures::future::Either<
        futures::future::MapErr<
            <stigmer_grpc::InProcessChannel as tower::Service<http::Request<Body>>>::Future,
            fn(std::convert::Infallible) -> Self::Error,
        >,
        futures::future::MapErr<
            <Channel as tower::Service<http::Request<Body>>>::Future,
            fn(tonic::transport::Error) -> Self::Error,
        >,
    >;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        match self {
            Transport::InProcess(channel) => channel.poll_ready(cx).map_err(Into::into),
            Transport::Http2(channel) => channel.poll_ready(cx).map_err(Into::into),
        }
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        use futures::TryFutureExt;
        match self {
            Transport::InProcess(channel) => futures::future::Either::Left(
                channel.call(request).map_err(Into::into as fn(_) -> _),
            ),
            Transport::Http2(channel) => futures::future::Either::Right(
                channel.call(request).map_err(Into::into as fn(_) -> _),
            ),
        }
    }
}

impl Caller {
    fn clients(transport: Transport) -> Self {
        Caller::Client(
            WidgetQueryControllerClient::new(transport.clone()),
            WidgetCommandControllerClient::new(transport),
        )
    }

    async fn get(&mut self) {
        let widget = match self {
            Caller::Direct(handlers) => {
                WidgetQueryController::get(handlers, Request::new(get_request())).await
            }
            Caller::Client(queries, _) => queries.get(get_request()).await,
        };
        assert_eq!(
            widget.unwrap().get_ref().metadata.as_ref().unwrap().id,
            "wdg-bench"
        );
    }

    async fn create(&mut self) {
        let widget = match self {
            Caller::Direct(handlers) => {
                WidgetCommandController::create(handlers, Request::new(create_request())).await
            }
            Caller::Client(_, commands) => commands.create(create_request()).await,
        };
        assert_eq!(
            widget.unwrap().get_ref().metadata.as_ref().unwrap().id,
            "wdg-bench"
        );
    }
}

#[derive(Clone, Copy)]
enum Rpc {
    Get,
    Create,
}

impl Rpc {
    fn name(self) -> &'static str {
        match self {
            Rpc::Get => "get",
            Rpc::Create => "create",
        }
    }

    async fn call(self, caller: &mut Caller) {
        match self {
            Rpc::Get => caller.get().await,
            Rpc::Create => caller.create().await,
        }
    }
}

struct Measurement {
    p50: Duration,
    p99: Duration,
    calls_per_second: f64,
}

async fn measure(caller: &Caller, rpc: Rpc) -> Measurement {
    let mut sequential = caller.clone();
    for _ in 0..WARMUP {
        rpc.call(&mut sequential).await;
    }
    let mut latencies = Vec::with_capacity(SEQUENTIAL);
    for _ in 0..SEQUENTIAL {
        let started = Instant::now();
        rpc.call(&mut sequential).await;
        latencies.push(started.elapsed());
    }
    latencies.sort_unstable();

    let started = Instant::now();
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let mut caller = caller.clone();
            tokio::spawn(async move {
                for _ in 0..CONCURRENT_PER_TASK {
                    rpc.call(&mut caller).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = started.elapsed();

    Measurement {
        p50: latencies[SEQUENTIAL / 2],
        p99: latencies[SEQUENTIAL * 99 / 100],
        calls_per_second: (CONCURRENCY * CONCURRENT_PER_TASK) as f64 / elapsed.as_secs_f64(),
    }
}

/// An HTTP/2 connection over an in-memory pipe to the layered router, per
/// connect: what grpc-go's bufconn gives upstream.
async fn duplex_channel(runtime: &Runtime) -> Channel {
    let service = runtime.service();
    Endpoint::from_static("http://in-memory")
        .connect_with_connector(tower::service_fn(move |_: http::Uri| {
            let (client, server) = tokio::io::duplex(1 << 20);
            let service = service.clone();
            tokio::spawn(async move {
                let connection = http2::Builder::new(TokioExecutor::new())
                    .timer(TokioTimer::new())
                    .serve_connection(
                        TokioIo::new(server),
                        hyper::service::service_fn(
                            move |request: http::Request<hyper::body::Incoming>| {
                                service.clone().oneshot(request.map(Body::new))
                            },
                        ),
                    );
                let _ = connection.await;
            });
            std::future::ready(Ok::<_, std::io::Error>(TokioIo::new(client)))
        }))
        .await
        .unwrap()
}

async fn tcp_channel(runtime: &Runtime) -> Channel {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(NetworkServer::new(runtime.clone()).serve(listener, std::future::pending()));
    Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .tcp_nodelay(true)
        .connect()
        .await
        .unwrap()
}

fn us(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

fn run<F: Future<Output = ()>>(future: F) {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future);
}

fn main() {
    run(async {
        let (runtime, gate) = stigmer_grpc_test_service::runtime(|builder| builder).unwrap();
        let callers = [
            (
                "direct",
                Caller::Direct(WidgetHandlers::new(runtime.in_process_channel(), gate)),
            ),
            (
                "in-process",
                Caller::clients(Transport::InProcess(runtime.in_process_channel())),
            ),
            (
                "duplex",
                Caller::clients(Transport::Http2(duplex_channel(&runtime).await)),
            ),
            (
                "tcp",
                Caller::clients(Transport::Http2(tcp_channel(&runtime).await)),
            ),
        ];

        println!(
            "transport-bench: {} sequential calls after {} warm-up (p50/p99), then {} tasks x {} calls; {} worker threads",
            SEQUENTIAL,
            WARMUP,
            CONCURRENCY,
            CONCURRENT_PER_TASK,
            std::thread::available_parallelism().map_or(0, usize::from),
        );
        println!(
            "{:<7} {:<11} {:>9} {:>9} {:>16}",
            "rpc", "transport", "p50 us", "p99 us", "32-way calls/s"
        );
        let mut p50_get = Vec::new();
        for rpc in [Rpc::Get, Rpc::Create] {
            for (name, caller) in &callers {
                let m = measure(caller, rpc).await;
                println!(
                    "{:<7} {:<11} {:>9.1} {:>9.1} {:>16.0}",
                    rpc.name(),
                    name,
                    us(m.p50),
                    us(m.p99),
                    m.calls_per_second
                );
                if matches!(rpc, Rpc::Get) {
                    p50_get.push(us(m.p50));
                }
            }
        }
        let [direct, in_process, duplex, tcp] = p50_get[..] else {
            unreachable!("four transports")
        };
        println!(
            "in-process vs duplex: {:.1}x faster, vs tcp: {:.1}x faster, over direct: +{:.1} us (p50 get)",
            duplex / in_process,
            tcp / in_process,
            in_process - direct
        );
        println!(
            "transport-bench: direct {direct:.1} us, in-process {in_process:.1} us, duplex {duplex:.1} us, tcp {tcp:.1} us (p50 get)"
        );
    });
}
