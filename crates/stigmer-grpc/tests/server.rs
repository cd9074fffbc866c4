//! The network server: reflection, health, graceful shutdown, Unix sockets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::{Harness, Via};
use stigmer_grpc::{MemoryAuditSink, NetworkServer};
use stigmer_grpc_test_service::pb::widget_query_controller_client::WidgetQueryControllerClient;
use stigmer_grpc_test_service::pb::{WatchRequest, WidgetId};
use stigmer_grpc_test_service::{COMMAND_SERVICE, QUERY_SERVICE, TROUBLE_SERVICE};
use tokio_stream::StreamExt;
use tonic::Code;
use tonic::transport::Endpoint;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::{self, ServingStatus};
use tonic_health::pb::health_client::HealthClient;
use tonic_reflection::pb::{v1, v1alpha};

fn watch_forever() -> WatchRequest {
    WatchRequest {
        value: "w".into(),
        count: 0,
    }
}

async fn health_of(
    channel: common::TestChannel,
    service: &str,
) -> health_check_response::ServingStatus {
    let response = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: service.to_owned(),
        })
        .await
        .unwrap();
    response.into_inner().status()
}

#[tokio::test]
async fn reflection_lists_the_services_in_both_versions() {
    let harness = Harness::start().await;
    let channel = harness.network_channel().await;
    // Each reflection version lists itself next to everything else.
    let expected = |reflection: &str| {
        let mut names = vec![
            "grpc.health.v1.Health".to_owned(),
            reflection.to_owned(),
            COMMAND_SERVICE.to_owned(),
            QUERY_SERVICE.to_owned(),
            TROUBLE_SERVICE.to_owned(),
        ];
        names.sort();
        names
    };

    let request = v1::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(v1::server_reflection_request::MessageRequest::ListServices(
            String::new(),
        )),
    };
    let mut responses = v1::server_reflection_client::ServerReflectionClient::new(channel.clone())
        .server_reflection_info(tokio_stream::once(request))
        .await
        .unwrap()
        .into_inner();
    let Some(v1::server_reflection_response::MessageResponse::ListServicesResponse(list)) =
        responses.next().await.unwrap().unwrap().message_response
    else {
        panic!("not a service list");
    };
    let mut names: Vec<_> = list.service.into_iter().map(|s| s.name).collect();
    names.sort();
    assert_eq!(names, expected("grpc.reflection.v1.ServerReflection"));

    let request = v1alpha::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(
            v1alpha::server_reflection_request::MessageRequest::ListServices(String::new()),
        ),
    };
    let mut responses = v1alpha::server_reflection_client::ServerReflectionClient::new(channel)
        .server_reflection_info(tokio_stream::once(request))
        .await
        .unwrap()
        .into_inner();
    let Some(v1alpha::server_reflection_response::MessageResponse::ListServicesResponse(list)) =
        responses.next().await.unwrap().unwrap().message_response
    else {
        panic!("not a service list");
    };
    let mut names: Vec<_> = list.service.into_iter().map(|s| s.name).collect();
    names.sort();
    assert_eq!(names, expected("grpc.reflection.v1alpha.ServerReflection"));
}

#[tokio::test]
async fn health_reports_serving_for_the_server_and_each_service() {
    let harness = Harness::start().await;
    for service in ["", COMMAND_SERVICE, QUERY_SERVICE] {
        let status = health_of(harness.channel(Via::Network).await, service).await;
        assert_eq!(status, ServingStatus::Serving, "{service:?}");
    }
}

#[tokio::test]
async fn health_answers_carry_the_configured_headers_on_both_transports() {
    let harness = Harness::start_with(|builder| {
        builder
            .health_header("stigmer-version", "9.9.9")
            .health_header("stigmer-pid", "42")
    })
    .await;
    for via in Via::BOTH {
        let response = HealthClient::new(harness.channel(via).await)
            .check(HealthCheckRequest::default())
            .await
            .unwrap();
        let header = |name: &str| response.metadata().get(name).unwrap().to_str().unwrap();
        assert_eq!(header("stigmer-version"), "9.9.9", "{via:?}");
        assert_eq!(header("stigmer-pid"), "42", "{via:?}");
    }
}

#[test]
fn unreadable_health_headers_are_refused_at_build_time() {
    let built = stigmer_grpc_test_service::runtime(|builder| {
        builder.health_header("stigmer-data-dir", "/home/zo\u{eb}")
    });
    assert!(built.is_err());
}

#[tokio::test]
async fn shutdown_lets_calls_finish_and_ends_open_streams() {
    let mut harness = Harness::start().await;
    let mut trouble = harness.trouble(Via::Network).await;
    let in_flight = tokio::spawn(async move { trouble.wait(WidgetId { value: "w".into() }).await });
    harness.gate.entered().await;
    let mut streams = Vec::new();
    for via in Via::BOTH {
        let mut stream = harness
            .queries(via)
            .await
            .watch(watch_forever())
            .await
            .unwrap()
            .into_inner();
        stream.next().await.unwrap().unwrap();
        streams.push(stream);
    }

    harness.begin_shutdown();
    for mut stream in streams {
        let status = stream.next().await.unwrap().unwrap_err();
        assert_eq!(status.code(), Code::Unavailable);
        assert_eq!(status.message(), "the server is shutting down");
    }
    // No new connections, no new streams; in-process unary calls still work.
    let endpoint = Endpoint::from_shared(format!("http://{}", harness.addr)).unwrap();
    assert!(endpoint.connect().await.is_err());
    let mut queries = harness.queries(Via::InProcess).await;
    let refused = queries.watch(watch_forever()).await.unwrap_err();
    assert_eq!(refused.code(), Code::Unavailable);
    assert_eq!(
        health_of(harness.channel(Via::InProcess).await, QUERY_SERVICE).await,
        ServingStatus::NotServing
    );

    // The call that was in flight finishes normally.
    harness.gate.open();
    let finished = in_flight.await.unwrap().unwrap().into_inner();
    assert_eq!(finished.metadata.unwrap().name, "waited");
    harness.server_finished().await;
}

#[tokio::test]
async fn serves_a_unix_socket() {
    let path = std::env::temp_dir().join(format!("stigmer-grpc-test-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let listener = tokio::net::UnixListener::bind(&path).unwrap();
    let (runtime, _gate) = stigmer_grpc_test_service::runtime(|builder| {
        builder.audit_sink(Arc::new(MemoryAuditSink::new()))
    })
    .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(NetworkServer::new(runtime).serve(listener, async {
        let _ = stopped.await;
    }));

    let socket = path.clone();
    let channel = Endpoint::from_static("http://localhost")
        .connect_with_connector(tower::service_fn(move |_: http::Uri| {
            let socket = socket.clone();
            async move {
                let stream = tokio::net::UnixStream::connect(socket).await?;
                Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(stream))
            }
        }))
        .await
        .unwrap();
    let echo = WidgetQueryControllerClient::new(channel)
        .echo(WidgetId { value: "w".into() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(echo.transport, "unix");
    assert_eq!(echo.identity, "local-user");

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    std::fs::remove_file(&path).unwrap();
}
