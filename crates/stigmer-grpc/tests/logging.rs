//! One log line per call, with the call's span fields, on both transports;
//! the default audit sink writes structured lines too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{Harness, Via};
use stigmer_grpc_test_service::pb::WidgetId;
use stigmer_grpc_test_service::pb::widget_query_controller_client::WidgetQueryControllerClient;
use tracing_subscriber::fmt::MakeWriter;

/// Collects formatted log output.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn lines(&self) -> Vec<String> {
        let bytes = self.0.lock().unwrap();
        String::from_utf8_lossy(&bytes)
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

/// Logs of this (current-thread) test only.
fn capture() -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_ansi(false)
        .without_time()
        .with_max_level(tracing::Level::INFO)
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    (captured, guard)
}

#[tokio::test]
async fn each_call_writes_one_line_with_method_kind_identity_transport_code_and_duration() {
    let harness = Harness::start().await;
    let (captured, _guard) = capture();
    for via in Via::BOTH {
        harness
            .queries(via)
            .await
            .echo(WidgetId { value: "w".into() })
            .await
            .unwrap();
    }
    let finished: Vec<_> = captured
        .lines()
        .into_iter()
        .filter(|line| line.contains("rpc finished"))
        .collect();
    assert_eq!(finished.len(), 2, "{finished:#?}");
    for (line, (identity, transport)) in finished.iter().zip([
        ("local-user", "transport=tcp:127.0.0.1:"),
        ("system", "transport=in-process"),
    ]) {
        for expected in [
            "INFO rpc{method=/stigmer.grpctest.v1.WidgetQueryController/echo",
            transport,
            "kind=session",
            &format!("identity={identity}"),
            "code=OK",
            "duration_us=",
            "request_id=",
        ] {
            assert!(line.contains(expected), "{expected:?} missing in {line}");
        }
    }
}

#[tokio::test]
async fn the_default_audit_sink_writes_structured_lines() {
    let (runtime, _gate) = stigmer_grpc_test_service::runtime(|builder| builder).unwrap();
    let (captured, _guard) = capture();
    WidgetQueryControllerClient::new(runtime.in_process_channel())
        .get(WidgetId {
            value: "wdg-logged".into(),
        })
        .await
        .unwrap();
    let audit: Vec<_> = captured
        .lines()
        .into_iter()
        .filter(|line| line.contains("stigmer::audit"))
        .collect();
    assert_eq!(audit.len(), 1, "{audit:#?}");
    for expected in [
        "identity=system",
        "transport=in-process",
        "method=/stigmer.grpctest.v1.WidgetQueryController/get",
        "kind=session",
        "resource_id=\"wdg-logged\"",
        "code=OK",
    ] {
        assert!(
            audit[0].contains(expected),
            "{expected:?} missing in {}",
            audit[0]
        );
    }
}
