//! Each layer has the same observable effect whichever transport a call
//! takes: the network (TCP, HTTP/2) or the in-process channel.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Harness, Via};
use stigmer_api::ApiResourceKind;
use stigmer_grpc::{AuditRecord, Identity, Transport};
use stigmer_grpc_test_service::pb::{WatchRequest, Widget, WidgetId, WidgetMetadata, WidgetSpec};
use tokio_stream::StreamExt;
use tonic::Code;
use tonic::metadata::MetadataValue;
use tonic_types::StatusExt;

fn widget(name: &str, min: i32, max: i32) -> Widget {
    Widget {
        metadata: Some(WidgetMetadata {
            id: String::new(),
            name: name.to_owned(),
        }),
        spec: Some(WidgetSpec {
            min,
            max,
            ..Default::default()
        }),
    }
}

fn id(value: &str) -> WidgetId {
    WidgetId {
        value: value.to_owned(),
    }
}

/// The parts of an audit record that must not depend on the transport.
fn transport_free(
    record: &AuditRecord,
) -> (
    String,
    Option<ApiResourceKind>,
    Option<String>,
    Code,
    Option<String>,
) {
    (
        record.method.clone(),
        record.kind,
        record.resource_id.clone(),
        record.code,
        record.message.clone(),
    )
}

fn expected_caller(via: Via) -> (Identity, &'static str) {
    match via {
        Via::Network => (Identity::LocalUser, "tcp"),
        Via::InProcess => (Identity::System, "in-process"),
    }
}

#[tokio::test]
async fn audit_records_match_across_transports() {
    let harness = Harness::start().await;
    let mut records = Vec::new();
    for via in Via::BOTH {
        let created = harness
            .commands(via)
            .await
            .create(widget("alpha", 1, 2))
            .await
            .unwrap();
        assert_eq!(created.get_ref().metadata.as_ref().unwrap().id, "wdg-alpha");
        let missing = harness
            .queries(via)
            .await
            .get(id("missing"))
            .await
            .unwrap_err();
        assert_eq!(missing.code(), Code::NotFound);

        let taken = harness.audit.take();
        assert_eq!(taken.len(), 2, "{taken:#?}");
        let (identity, transport) = expected_caller(via);
        for record in &taken {
            assert_eq!(record.identity, Some(identity.clone()));
            assert_eq!(record.transport.name(), transport);
        }
        records.push(taken);
    }
    let network: Vec<_> = records[0].iter().map(transport_free).collect();
    let in_process: Vec<_> = records[1].iter().map(transport_free).collect();
    assert_eq!(network, in_process);
    assert_eq!(
        network,
        vec![
            (
                "/stigmer.grpctest.v1.WidgetCommandController/create".to_owned(),
                Some(ApiResourceKind::Agent),
                // A create learns its id from the response.
                Some("wdg-alpha".to_owned()),
                Code::Ok,
                None,
            ),
            (
                "/stigmer.grpctest.v1.WidgetQueryController/get".to_owned(),
                Some(ApiResourceKind::Session),
                // A failed get still names the resource it asked for.
                Some("missing".to_owned()),
                Code::NotFound,
                Some("Widget not found: missing".to_owned()),
            ),
        ]
    );
}

#[tokio::test]
async fn validation_errors_match_across_transports() {
    let harness = Harness::start().await;
    let mut seen = Vec::new();
    for via in Via::BOTH {
        let status = harness
            .commands(via)
            .await
            .create(widget("", 5, 1))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        let details = status.get_details_bad_request().unwrap();
        let violations: Vec<_> = details
            .field_violations
            .iter()
            .map(|v| (v.field.clone(), v.reason.clone(), v.description.clone()))
            .collect();
        seen.push((status.message().to_owned(), violations));
    }
    assert_eq!(seen[0], seen[1]);
    let (message, mut violations) = seen.remove(0);
    // The upstream text: each field path with its message and rule id.
    assert!(message.starts_with("validation error:"), "{message}");
    assert!(
        message
            .contains("metadata.name: value length must be at least 1 characters [string.min_len]"),
        "{message}"
    );
    assert!(
        message.contains("spec: min must not exceed max [widget.spec.range]"),
        "{message}"
    );
    violations.sort();
    assert_eq!(
        violations,
        vec![
            (
                "metadata.name".to_owned(),
                "string.min_len".to_owned(),
                "value length must be at least 1 characters".to_owned()
            ),
            (
                "spec".to_owned(),
                "widget.spec.range".to_owned(),
                "min must not exceed max".to_owned()
            ),
        ]
    );
    // The handler never ran, but the rejected calls were audited.
    let records = harness.audit.take();
    assert_eq!(records.len(), 2);
    assert!(records.iter().all(|r| r.code == Code::InvalidArgument));
}

#[tokio::test]
async fn the_kind_reaches_unary_and_streaming_handlers() {
    let harness = Harness::start().await;
    for via in Via::BOTH {
        let mut queries = harness.queries(via).await;
        let unary = queries.echo(id("w")).await.unwrap().into_inner();
        assert_eq!(unary.kind, "session", "{via:?}");

        let mut stream = queries
            .watch(WatchRequest {
                value: "w".into(),
                count: 2,
            })
            .await
            .unwrap()
            .into_inner();
        let mut kinds = Vec::new();
        while let Some(echo) = stream.next().await {
            kinds.push(echo.unwrap().kind);
        }
        assert_eq!(kinds, ["session", "session"], "{via:?}");
    }
}

#[tokio::test]
async fn panics_become_internal_on_both_transports() {
    let harness = Harness::start().await;
    for via in Via::BOTH {
        let mut trouble = harness.trouble(via).await;
        let status = trouble.panic(id("w")).await.unwrap_err();
        assert_eq!(status.code(), Code::Internal, "{via:?}");
        assert_eq!(status.message(), "the handler panicked");

        let mut stream = trouble.panic_stream(id("w")).await.unwrap().into_inner();
        let first = stream.next().await.unwrap().unwrap();
        assert_eq!(first.metadata.unwrap().name, "before the panic");
        let status = stream.next().await.unwrap().unwrap_err();
        assert_eq!(status.code(), Code::Internal, "{via:?}");

        // The server, and the calling task, are still there.
        harness.queries(via).await.get(id("after")).await.unwrap();
    }
    let codes: Vec<_> = harness.audit.take().iter().map(|r| r.code).collect();
    assert_eq!(
        codes,
        [
            Code::Internal,
            Code::Internal,
            Code::Ok,
            Code::Internal,
            Code::Internal,
            Code::Ok
        ]
    );
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let harness = Harness::start().await;
    for via in Via::BOTH {
        let mut queries = harness.queries(via).await;
        let mut request = tonic::Request::new(id("w"));
        request
            .metadata_mut()
            .insert("x-request-id", MetadataValue::from_static("req-42"));
        let response = queries.echo(request).await.unwrap();
        assert_eq!(response.metadata().get("x-request-id").unwrap(), "req-42");
        assert_eq!(response.get_ref().request_id, "req-42");

        let response = queries.echo(id("w")).await.unwrap();
        let generated = response
            .metadata()
            .get("x-request-id")
            .unwrap()
            .to_str()
            .unwrap();
        assert_eq!(generated.len(), 32);
        assert_eq!(response.get_ref().request_id, generated);

        // Errors carry the id too.
        let status = queries.get(id("missing")).await.unwrap_err();
        assert!(status.metadata().get("x-request-id").is_some());
    }
    let ids: Vec<_> = harness
        .audit
        .take()
        .into_iter()
        .map(|r| r.request_id)
        .collect();
    assert_eq!(ids[0], "req-42");
    assert_eq!(ids[3], "req-42");
    assert_ne!(ids[1], ids[4]);
}

#[tokio::test]
async fn a_nested_call_passes_every_layer_as_the_system() {
    let harness = Harness::start().await;
    for via in Via::BOTH {
        let copied = harness
            .commands(via)
            .await
            .copy(id("wdg-beta"))
            .await
            .unwrap();
        assert_eq!(copied.into_inner().metadata.unwrap().id, "wdg-beta");

        let records = harness.audit.take();
        assert_eq!(records.len(), 2, "{records:#?}");
        // The nested call ends first.
        let (nested, outer) = (&records[0], &records[1]);
        assert_eq!(
            nested.method,
            "/stigmer.grpctest.v1.WidgetQueryController/get"
        );
        assert_eq!(nested.identity, Some(Identity::System));
        assert_eq!(nested.transport, Transport::InProcess);
        assert_eq!(nested.kind, Some(ApiResourceKind::Session));
        assert_eq!(nested.resource_id.as_deref(), Some("wdg-beta"));
        assert_ne!(nested.request_id, outer.request_id);

        assert_eq!(
            outer.method,
            "/stigmer.grpctest.v1.WidgetCommandController/copy"
        );
        assert_eq!(outer.identity, Some(expected_caller(via).0));
        assert_eq!(outer.kind, Some(ApiResourceKind::Agent));
        assert_eq!(outer.code, Code::Ok);
    }
}
