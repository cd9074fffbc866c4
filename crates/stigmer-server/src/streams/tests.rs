use std::sync::Arc;

use prost::Message;
use stigmer_api::ApiResourceKind;
use stigmer_api::agentic::agentexecution::v1::{
    AgentExecution, AgentExecutionStatus, ExecutionPhase,
};
use stigmer_store::{NewRecord, SqliteOptions, SqliteStore, Store};
use tokio_stream::StreamExt;

use super::{ExecutionStreams, subscribe};

const ID: &str = "aex-streams-test";

fn execution(phase: ExecutionPhase) -> NewRecord {
    let execution = AgentExecution {
        status: Some(AgentExecutionStatus {
            phase: phase as i32,
            ..Default::default()
        }),
        ..Default::default()
    };
    NewRecord::new(
        ApiResourceKind::AgentExecution,
        ID,
        execution.encode_to_vec(),
    )
}

fn phase(execution: &AgentExecution) -> i32 {
    execution.status.as_ref().map_or(0, |s| s.phase)
}

fn ended(execution: &AgentExecution) -> bool {
    phase(execution) == ExecutionPhase::ExecutionCompleted as i32
}

async fn streams_with_execution() -> (ExecutionStreams, Arc<SqliteStore>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        SqliteStore::open(SqliteOptions::new(dir.path().join("stigmer.db")))
            .await
            .unwrap(),
    );
    store
        .create(execution(ExecutionPhase::ExecutionInProgress))
        .await
        .unwrap();
    (ExecutionStreams::new(store.clone()), store, dir)
}

#[tokio::test]
async fn a_stream_sends_the_snapshot_then_each_change_and_ends_after_a_terminal_one() {
    let (streams, store, _dir) = streams_with_execution().await;
    let mut stream = subscribe::<AgentExecution>(&streams, ID, ended)
        .await
        .unwrap();
    let first = stream.next().await.unwrap().unwrap();
    assert_eq!(phase(&first), ExecutionPhase::ExecutionInProgress as i32);

    store
        .upsert(execution(ExecutionPhase::ExecutionCompleted))
        .await
        .unwrap();
    let last = stream.next().await.unwrap().unwrap();
    assert_eq!(phase(&last), ExecutionPhase::ExecutionCompleted as i32);
    assert!(stream.next().await.is_none(), "the stream ends after it");
}

#[tokio::test]
async fn a_subscriber_that_goes_away_leaves_no_registration() {
    let (streams, _store, _dir) = streams_with_execution().await;
    let mut stream = subscribe::<AgentExecution>(&streams, ID, ended)
        .await
        .unwrap();
    stream.next().await.unwrap().unwrap();
    assert_eq!(streams.lock().len(), 1);
    drop(stream);
    assert!(streams.lock().is_empty());
}

#[tokio::test]
async fn an_unknown_execution_is_not_found_and_leaves_no_registration() {
    let (streams, _store, _dir) = streams_with_execution().await;
    let error = subscribe::<AgentExecution>(&streams, "aex-missing", ended)
        .await
        .err()
        .unwrap();
    assert_eq!(error.code(), tonic::Code::NotFound);
    assert!(streams.lock().is_empty());
}
