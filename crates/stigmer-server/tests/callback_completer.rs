//! The token handshake inside the crate: an execution carrying a callback
//! token is run by the embedded engine, and the completer receives the
//! execution as it ended — not the PENDING snapshot upstream returned — or
//! the error when it failed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use stigmer_api::ApiResourceKind;
use stigmer_api::agentic::agentexecution::v1::{
    AgentExecution, AgentExecutionSpec, AgentExecutionStatus, ExecutionPhase,
};
use stigmer_api::agentic::workflowexecution::v1::{
    WorkflowExecution, WorkflowExecutionSpec, WorkflowExecutionStatus,
};
use stigmer_api::commons::apiresource::ApiResourceMetadata;
use stigmer_grpc::Runtime;
use stigmer_pipeline::index::{INDEX_VERSION, Indexed, index_stored, record_of};
use stigmer_pipeline::steps::SharedStore;
use stigmer_server::engine::{
    CallbackCompleter, CallbackFailure, EngineSettings, ExecutionSettings, Executions,
    FinalExecution, NO_RUNNER_ERROR, RunnerChoice,
};
use stigmer_store::{NewJob, SqliteOptions, SqliteStore, WriteBatch};
use tokio::sync::mpsc;

type Completion = (Vec<u8>, Result<FinalExecution, CallbackFailure>);

/// Records every completion it is given.
struct Recording(Mutex<Option<mpsc::UnboundedSender<Completion>>>);

#[async_trait]
impl CallbackCompleter for Recording {
    async fn complete(&self, token: Vec<u8>, result: Result<FinalExecution, CallbackFailure>) {
        if let Some(sender) = self.0.lock().unwrap().as_ref() {
            let _ = sender.send((token, result));
        }
    }
}

struct Engine {
    store: SharedStore,
    executions: Executions,
    completions: mpsc::UnboundedReceiver<Completion>,
    _runtime: Runtime,
    _dir: tempfile::TempDir,
}

async fn engine(settings: ExecutionSettings) -> Engine {
    let dir = tempfile::tempdir().unwrap();
    let store: SharedStore = Arc::new(
        SqliteStore::open(
            SqliteOptions::new(dir.path().join("stigmer.db")).indexer(INDEX_VERSION, index_stored),
        )
        .await
        .unwrap(),
    );
    let (sender, completions) = mpsc::unbounded_channel();
    let builder = Runtime::builder().descriptors(
        stigmer_api::DESCRIPTOR_POOL.clone(),
        stigmer_api::FILE_DESCRIPTOR_SET,
    );
    let channel = builder.in_process_channel();
    let executions = Executions::with_completer(
        &store,
        &channel,
        settings,
        Arc::new(Recording(Mutex::new(Some(sender)))),
    );
    let runtime = executions.register(builder).build().unwrap();
    executions.start();
    Engine {
        store,
        executions,
        completions,
        _runtime: runtime,
        _dir: dir,
    }
}

fn settings(agent: RunnerChoice, workflow: Option<Duration>) -> ExecutionSettings {
    ExecutionSettings {
        engine: EngineSettings {
            workers: 1,
            poll_interval: Duration::from_millis(50),
            ..EngineSettings::default()
        },
        runner: agent,
        fake_workflow_runner: workflow,
        fail_after_session: false,
    }
}

/// Stores an execution with its dispatch job, as create's outbox does.
async fn dispatch<R: Indexed>(store: &SharedStore, execution: &R, queue: &str) {
    let mut batch = WriteBatch::new();
    batch.create(record_of(execution));
    batch.enqueue_job(NewJob::new(queue, execution.id().as_bytes().to_vec()));
    store.write(batch).await.unwrap();
}

fn metadata(id: &str) -> Option<ApiResourceMetadata> {
    Some(ApiResourceMetadata {
        id: id.into(),
        name: id.into(),
        ..Default::default()
    })
}

fn agent_execution(id: &str, token: &[u8]) -> AgentExecution {
    AgentExecution {
        api_version: "agentic.stigmer.ai/v1".into(),
        kind: "AgentExecution".into(),
        metadata: metadata(id),
        spec: Some(AgentExecutionSpec {
            agent_id: "agt-caller".into(),
            message: "What is 2+2?".into(),
            callback_token: token.to_vec(),
            ..Default::default()
        }),
        status: Some(AgentExecutionStatus {
            phase: ExecutionPhase::ExecutionPending as i32,
            callback_token: token.to_vec(),
            ..Default::default()
        }),
    }
}

async fn next(engine: &mut Engine) -> Completion {
    tokio::time::timeout(Duration::from_secs(20), engine.completions.recv())
        .await
        .expect("the completer is called when the execution ends")
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_completer_gets_the_final_agent_and_workflow_executions() {
    let mut engine = engine(settings(
        RunnerChoice::Fake(Duration::from_millis(20)),
        Some(Duration::from_millis(20)),
    ))
    .await;
    dispatch(
        &engine.store,
        &agent_execution("aex-with-token", b"task-token-1"),
        "agent-execution",
    )
    .await;
    let (token, result) = next(&mut engine).await;
    assert_eq!(token, b"task-token-1");
    let Ok(FinalExecution::Agent(execution)) = result else {
        panic!("completed with the execution: {result:?}");
    };
    let status = execution.status.unwrap();
    assert_eq!(status.phase, ExecutionPhase::ExecutionCompleted as i32);
    assert_eq!(
        status.messages.last().unwrap().content,
        "fake answer to: What is 2+2?",
        "the final answer, not the PENDING snapshot"
    );

    let workflow = WorkflowExecution {
        api_version: "agentic.stigmer.ai/v1".into(),
        kind: "WorkflowExecution".into(),
        metadata: metadata("wex-with-token"),
        spec: Some(WorkflowExecutionSpec {
            workflow_instance_id: "win-1".into(),
            trigger_message: "go".into(),
            callback_token: b"task-token-2".to_vec(),
            ..Default::default()
        }),
        status: Some(WorkflowExecutionStatus {
            phase: ExecutionPhase::ExecutionPending as i32,
            ..Default::default()
        }),
    };
    dispatch(&engine.store, &workflow, "workflow-execution").await;
    let (token, result) = next(&mut engine).await;
    assert_eq!(token, b"task-token-2");
    let Ok(FinalExecution::Workflow(execution)) = result else {
        panic!("completed with the execution: {result:?}");
    };
    let status = execution.status.unwrap();
    assert_eq!(status.phase, ExecutionPhase::ExecutionCompleted as i32);
    assert!(status.output.is_some(), "{status:?}");

    // Without a token nobody waits: no completion.
    dispatch(
        &engine.store,
        &agent_execution("aex-no-token", b""),
        "agent-execution",
    )
    .await;
    let quiet = tokio::time::timeout(Duration::from_secs(1), engine.completions.recv()).await;
    assert!(quiet.is_err(), "no completion without a token: {quiet:?}");
    assert_eq!(
        engine
            .store
            .get(ApiResourceKind::AgentExecution, "aex-no-token")
            .await
            .unwrap()
            .map(|record| record.revision > 1),
        Some(true),
        "the execution without a token still ran"
    );
    engine.executions.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_execution_fails_the_waiting_caller_with_its_error() {
    let mut engine = engine(settings(RunnerChoice::None, None)).await;
    dispatch(
        &engine.store,
        &agent_execution("aex-no-runner", b"task-token-3"),
        "agent-execution",
    )
    .await;
    let (token, result) = next(&mut engine).await;
    assert_eq!(token, b"task-token-3");
    let failure = result.unwrap_err();
    assert_eq!(failure.error, NO_RUNNER_ERROR);
    let Some(FinalExecution::Agent(execution)) = failure.execution else {
        panic!("the failed execution comes along: {failure:?}");
    };
    assert_eq!(
        execution.status.unwrap().phase,
        ExecutionPhase::ExecutionFailed as i32
    );
    engine.executions.shutdown().await;
}
