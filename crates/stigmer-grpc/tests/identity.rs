//! Identity: bearer tokens on the network, the system identity in-process,
//! and no way to claim the latter from the network.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Harness, Via};
use stigmer_grpc::{BearerTokens, Identity};
use stigmer_grpc_test_service::pb::WidgetId;
use tonic::metadata::MetadataValue;
use tonic::{Code, Request};

fn echo_request(authorization: Option<&'static str>) -> Request<WidgetId> {
    let mut request = Request::new(WidgetId { value: "w".into() });
    if let Some(value) = authorization {
        request
            .metadata_mut()
            .insert("authorization", MetadataValue::from_static(value));
    }
    request
}

async fn with_tokens() -> Harness {
    Harness::start_with(|builder| {
        builder.bearer_tokens(BearerTokens::new().with_token("s3cret", "ci").unwrap())
    })
    .await
}

#[tokio::test]
async fn network_calls_need_a_configured_token() {
    let harness = with_tokens().await;
    let mut queries = harness.queries(Via::Network).await;

    let missing = queries.echo(echo_request(None)).await.unwrap_err();
    assert_eq!(missing.code(), Code::Unauthenticated);
    let wrong = queries
        .echo(echo_request(Some("Bearer guess")))
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), Code::Unauthenticated);

    let echo = queries
        .echo(echo_request(Some("Bearer s3cret")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(echo.identity, "ci");

    // Refused calls are audited without an identity.
    let records: Vec<_> = harness
        .audit
        .take()
        .into_iter()
        .map(|r| (r.identity, r.code))
        .collect();
    assert_eq!(
        records,
        [
            (None, Code::Unauthenticated),
            (None, Code::Unauthenticated),
            (Some(Identity::Principal("ci".into())), Code::Ok),
        ]
    );
}

#[tokio::test]
async fn in_process_calls_are_the_system_and_need_no_token() {
    let harness = with_tokens().await;
    let echo = harness
        .queries(Via::InProcess)
        .await
        .echo(echo_request(None))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(echo.identity, "system");
    assert_eq!(echo.transport, "in-process");

    // A token-authenticated network call whose handler calls in-process:
    // the nested call is the system, the outer one the principal.
    let mut request = Request::new(WidgetId {
        value: "wdg-n".into(),
    });
    request
        .metadata_mut()
        .insert("authorization", MetadataValue::from_static("Bearer s3cret"));
    harness
        .commands(Via::Network)
        .await
        .copy(request)
        .await
        .unwrap();
    let identities: Vec<_> = harness
        .audit
        .take()
        .into_iter()
        .map(|r| r.identity)
        .collect();
    assert_eq!(
        identities,
        [
            Some(Identity::System),
            Some(Identity::System),
            Some(Identity::Principal("ci".into()))
        ]
    );
}

#[tokio::test]
async fn the_system_identity_cannot_be_claimed_from_the_network() {
    for harness in [Harness::start().await, with_tokens().await] {
        let mut request = echo_request(Some("Bearer s3cret"));
        request
            .metadata_mut()
            .insert("x-stigmer-identity", MetadataValue::from_static("system"));
        let status = harness
            .queries(Via::Network)
            .await
            .echo(request)
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::Unauthenticated);
        assert!(status.message().contains("x-stigmer-identity"));
        let records = harness.audit.take();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].identity, None);
        assert_eq!(records[0].code, Code::Unauthenticated);
    }
}

#[tokio::test]
async fn without_tokens_network_callers_are_the_local_user() {
    let harness = Harness::start().await;
    for via in Via::BOTH {
        let echo = harness
            .queries(via)
            .await
            .echo(echo_request(Some("Bearer anything")))
            .await
            .unwrap()
            .into_inner();
        let expected = match via {
            Via::Network => "local-user",
            Via::InProcess => "system",
        };
        assert_eq!(echo.identity, expected);
    }
}
