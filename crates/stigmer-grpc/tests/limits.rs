//! Limits: concurrent network calls, the caller's deadline and message
//! sizes, the same way on both transports where they apply to both.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{Harness, Via};
use stigmer_grpc::MAX_MESSAGE_SIZE;
use stigmer_grpc_test_service::pb::trouble_controller_client::TroubleControllerClient;
use stigmer_grpc_test_service::pb::{WatchRequest, Widget, WidgetId, WidgetMetadata, WidgetSpec};
use tokio_stream::StreamExt;
use tonic::{Code, Request};

fn id(value: &str) -> WidgetId {
    WidgetId {
        value: value.to_owned(),
    }
}

fn widget_with(payload: usize, response_payload: usize) -> Widget {
    Widget {
        metadata: Some(WidgetMetadata {
            id: String::new(),
            name: "big".into(),
        }),
        spec: Some(WidgetSpec {
            payload: vec![1; payload],
            response_payload_size: response_payload as u32,
            ..Default::default()
        }),
    }
}

#[tokio::test]
async fn network_calls_beyond_the_concurrency_limit_are_refused() {
    let harness = Harness::start_with(|builder| builder.max_concurrent_calls(1)).await;
    let mut trouble = harness.trouble(Via::Network).await;
    let in_flight = tokio::spawn(async move { trouble.wait(id("first")).await });
    harness.gate.entered().await;

    let refused = harness
        .queries(Via::Network)
        .await
        .get(id("second"))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::ResourceExhausted);
    assert!(
        refused.message().contains("1 calls already in flight"),
        "{}",
        refused.message()
    );

    // In-process calls are part of admitted work and are not refused.
    harness
        .queries(Via::InProcess)
        .await
        .get(id("nested"))
        .await
        .unwrap();

    harness.gate.open();
    in_flight.await.unwrap().unwrap();
    harness
        .queries(Via::Network)
        .await
        .get(id("third"))
        .await
        .unwrap();
}

#[tokio::test]
async fn the_callers_deadline_ends_the_call() {
    let harness = Harness::start().await;
    let (bare, origin) = harness.bare_http2().await;
    let unary_clients = [
        TroubleControllerClient::with_origin(bare, origin),
        harness.trouble(Via::InProcess).await,
    ];
    for mut trouble in unary_clients {
        let mut request = Request::new(id("slow"));
        request.set_timeout(Duration::from_millis(50));
        let status = trouble.wait(request).await.unwrap_err();
        assert_eq!(status.code(), Code::DeadlineExceeded);
    }
    for via in Via::BOTH {
        // A stream is ended at the deadline too, after what it already sent.
        let mut request = Request::new(WatchRequest {
            value: "w".into(),
            count: 0,
        });
        request.set_timeout(Duration::from_millis(50));
        let mut stream = harness
            .queries(via)
            .await
            .watch(request)
            .await
            .unwrap()
            .into_inner();
        stream.next().await.unwrap().unwrap();
        let status = stream.next().await.unwrap().unwrap_err();
        assert_eq!(status.code(), Code::DeadlineExceeded, "{via:?}");
    }
    let codes: Vec<_> = harness.audit.take().iter().map(|r| r.code).collect();
    assert_eq!(codes, [Code::DeadlineExceeded; 4]);
}

#[tokio::test]
async fn messages_up_to_ten_mebibytes_pass_and_larger_ones_are_refused() {
    let harness = Harness::start().await;
    for via in Via::BOTH {
        let mut commands = harness.commands(via).await;
        // Above tonic's own 4 MiB default, within ours, both ways.
        let big = 5 << 20;
        let created = commands.create(widget_with(big, big)).await.unwrap();
        assert_eq!(created.into_inner().spec.unwrap().payload.len(), big);

        let status = commands
            .create(widget_with(MAX_MESSAGE_SIZE + 1, 0))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::ResourceExhausted, "{via:?}");
        assert!(
            status.message().starts_with("request message of"),
            "{}",
            status.message()
        );

        let status = commands
            .create(widget_with(0, MAX_MESSAGE_SIZE + 1))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::ResourceExhausted, "{via:?}");
        assert!(
            status.message().starts_with("response message of"),
            "{}",
            status.message()
        );
    }
}
