//! WorkflowExecution over the network against the real binary: the default
//! instance through the WorkflowInstance service, named instances, error
//! paths, the engine with the test workflow runner, no runner, and lists.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use stigmer_api::Resource;
use stigmer_api::agentic::workflow::v1::workflow_command_controller_client::WorkflowCommandControllerClient;
use stigmer_api::agentic::workflow::v1::workflow_query_controller_client::WorkflowQueryControllerClient;
use stigmer_api::agentic::workflow::v1::{
    Workflow, WorkflowDocument, WorkflowId, WorkflowSpec, WorkflowTask,
};
use stigmer_api::agentic::workflowexecution::v1::workflow_execution_command_controller_client::WorkflowExecutionCommandControllerClient;
use stigmer_api::agentic::workflowexecution::v1::workflow_execution_query_controller_client::WorkflowExecutionQueryControllerClient;
use stigmer_api::agentic::workflowexecution::v1::{
    ExecutionPhase, ListWorkflowExecutionsByWorkflowRequest, ListWorkflowExecutionsRequest,
    SubscribeWorkflowExecutionRequest, WorkflowExecution, WorkflowExecutionSpec,
    WorkflowExecutionStatus, WorkflowExecutionUpdateStatusInput,
};
use stigmer_api::agentic::workflowinstance::v1::workflow_instance_command_controller_client::WorkflowInstanceCommandControllerClient;
use stigmer_api::agentic::workflowinstance::v1::workflow_instance_query_controller_client::WorkflowInstanceQueryControllerClient;
use stigmer_api::agentic::workflowinstance::v1::{
    WorkflowInstance, WorkflowInstanceId, WorkflowInstanceSpec,
};
use stigmer_api::commons::apiresource::{ApiResourceMetadata, WorkflowTaskKind};
use tonic::Code;
use tonic::transport::Channel;

use common::fixtures;

async fn create_workflow(channel: &Channel, name: &str) -> Workflow {
    let mut variables = prost_types::Struct::default();
    variables.fields.insert(
        "variables".into(),
        prost_types::Value {
            kind: Some(prost_types::value::Kind::StructValue(prost_types::Struct {
                fields: [(
                    "greeting".to_owned(),
                    prost_types::Value {
                        kind: Some(prost_types::value::Kind::StringValue("hello".into())),
                    },
                )]
                .into(),
            })),
        },
    );
    WorkflowCommandControllerClient::new(channel.clone())
        .create(Workflow {
            api_version: "agentic.stigmer.ai/v1".into(),
            kind: "Workflow".into(),
            metadata: Some(ApiResourceMetadata {
                name: name.into(),
                org: "local".into(),
                owner_scope: 2,
                ..Default::default()
            }),
            spec: Some(WorkflowSpec {
                document: Some(WorkflowDocument {
                    dsl: "1.0.0".into(),
                    namespace: "acme".into(),
                    name: "greet".into(),
                    version: "1.0.0".into(),
                    description: String::new(),
                }),
                tasks: vec![WorkflowTask {
                    name: "init".into(),
                    kind: WorkflowTaskKind::Set as i32,
                    task_config: Some(variables),
                    export: None,
                    flow: None,
                }],
                ..Default::default()
            }),
            status: None,
        })
        .await
        .unwrap()
        .into_inner()
}

fn execution(workflow_id: &str, instance_id: &str) -> WorkflowExecution {
    WorkflowExecution {
        api_version: "agentic.stigmer.ai/v1".into(),
        kind: "WorkflowExecution".into(),
        metadata: Some(ApiResourceMetadata {
            name: "run-1".into(),
            org: "local".into(),
            owner_scope: 2,
            ..Default::default()
        }),
        spec: Some(WorkflowExecutionSpec {
            workflow_id: workflow_id.into(),
            workflow_instance_id: instance_id.into(),
            trigger_message: "start please".into(),
            ..Default::default()
        }),
        status: None,
    }
}

fn commands(channel: &Channel) -> WorkflowExecutionCommandControllerClient<Channel> {
    WorkflowExecutionCommandControllerClient::new(channel.clone())
}

fn queries(channel: &Channel) -> WorkflowExecutionQueryControllerClient<Channel> {
    WorkflowExecutionQueryControllerClient::new(channel.clone())
}

fn phase(execution: &WorkflowExecution) -> ExecutionPhase {
    ExecutionPhase::try_from(execution.status.as_ref().map_or(0, |s| s.phase)).unwrap()
}

fn spec(execution: &WorkflowExecution) -> &WorkflowExecutionSpec {
    execution.spec.as_ref().unwrap()
}

/// Every snapshot of a subscription until the server ends it.
async fn snapshots(channel: &Channel, id: &str) -> Vec<WorkflowExecution> {
    let stream = queries(channel)
        .subscribe(SubscribeWorkflowExecutionRequest {
            execution_id: id.into(),
        })
        .await
        .unwrap()
        .into_inner();
    fixtures::until_end(stream, Duration::from_secs(30)).await
}

async fn by_workflow(channel: &Channel, id: &str) -> Vec<String> {
    queries(channel)
        .list_by_workflow(ListWorkflowExecutionsByWorkflowRequest {
            workflow_id: id.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .entries
        .iter()
        .map(|e| e.id().to_owned())
        .collect()
}

#[tokio::test]
async fn workflow_only_create_runs_on_the_default_instance_to_completion() {
    let server = common::Server::start_with(&[("STIGMER_TEST_FAKE_WORKFLOW_RUNNER", "300")]).await;
    let channel = server.channel().await;
    let workflow = create_workflow(&channel, "greeter").await;
    let default_instance = workflow
        .status
        .as_ref()
        .unwrap()
        .default_instance_id
        .clone();

    let created = commands(&channel)
        .create(execution(workflow.id(), ""))
        .await
        .unwrap()
        .into_inner();
    assert!(created.id().starts_with("wex-"), "{created:?}");
    assert_eq!(spec(&created).workflow_instance_id, default_instance);
    assert_eq!(spec(&created).workflow_id, workflow.id());
    assert_eq!(phase(&created), ExecutionPhase::ExecutionPending);

    // The fake runner reports IN_PROGRESS, then COMPLETED; the stream ends.
    let seen = snapshots(&channel, created.id()).await;
    let phases: Vec<_> = seen.iter().map(phase).collect();
    assert_eq!(
        phases.last(),
        Some(&ExecutionPhase::ExecutionCompleted),
        "{phases:?}"
    );
    let last = seen.last().unwrap().status.as_ref().unwrap();
    let echo = &last.output.as_ref().unwrap().fields["echo"];
    assert_eq!(
        echo.kind,
        Some(prost_types::value::Kind::StringValue("start please".into()))
    );
    assert_eq!(last.tasks.len(), 1, "{last:?}");
    assert!(!last.completed_at.is_empty());

    // Terminal stays terminal.
    let late = commands(&channel)
        .update_status(WorkflowExecutionUpdateStatusInput {
            execution_id: created.id().into(),
            status: Some(WorkflowExecutionStatus {
                phase: ExecutionPhase::ExecutionInProgress as i32,
                ..Default::default()
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(late.code(), Code::FailedPrecondition, "{late:?}");

    // Lists: by workflow, by instance, by phase.
    assert_eq!(
        by_workflow(&channel, workflow.id()).await,
        [created.id()],
        "listed under its workflow"
    );
    assert_eq!(
        by_workflow(&channel, &default_instance).await,
        [created.id()]
    );
    let completed = queries(&channel)
        .list(ListWorkflowExecutionsRequest {
            phase: ExecutionPhase::ExecutionCompleted as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(completed.entries.len(), 1);
    assert_eq!(completed.total_pages, 1);
    let pending = queries(&channel)
        .list(ListWorkflowExecutionsRequest {
            phase: ExecutionPhase::ExecutionPending as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(pending.entries.is_empty(), "{pending:?}");
}

#[tokio::test]
async fn a_missing_default_instance_is_made_through_the_workflow_instance_service() {
    let server = common::Server::start().await;
    let channel = server.channel().await;
    let workflow = create_workflow(&channel, "rebuilder").await;
    let old_default = workflow
        .status
        .as_ref()
        .unwrap()
        .default_instance_id
        .clone();
    WorkflowInstanceCommandControllerClient::new(channel.clone())
        .delete(WorkflowInstanceId {
            value: old_default.clone(),
        })
        .await
        .unwrap();

    let created = commands(&channel)
        .create(execution(workflow.id(), ""))
        .await
        .unwrap()
        .into_inner();
    let instance_id = spec(&created).workflow_instance_id.clone();
    assert!(instance_id.starts_with("win-"), "{created:?}");
    assert_ne!(instance_id, old_default);
    let instance = WorkflowInstanceQueryControllerClient::new(channel.clone())
        .get(WorkflowInstanceId {
            value: instance_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(instance.spec.as_ref().unwrap().workflow_id, workflow.id());
    assert_eq!(
        instance.metadata.as_ref().unwrap().name,
        "rebuilder-default"
    );
    let log = server.log();
    assert!(
        log.lines().any(|line| line.contains(
            "/ai.stigmer.agentic.workflowinstance.v1.WorkflowInstanceCommandController/create"
        ) && line.contains("system")),
        "nested WorkflowInstance create logged with the system identity:\n{log}"
    );

    // The Workflow service recorded it on the workflow (the log shows the
    // nested update), and the next create uses it instead of making another.
    let stored = WorkflowQueryControllerClient::new(channel.clone())
        .get(WorkflowId {
            value: workflow.id().to_owned(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        stored.status.as_ref().unwrap().default_instance_id,
        instance_id
    );
    assert!(
        server.log().lines().any(|line| line
            .contains("/ai.stigmer.agentic.workflow.v1.WorkflowCommandController/update")
            && line.contains("system")),
        "nested Workflow update logged with the system identity"
    );
    let again = commands(&channel)
        .create(execution(workflow.id(), ""))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(spec(&again).workflow_instance_id, instance_id);

    // No runner is configured: the execution fails at once, naming it.
    let seen = snapshots(&channel, created.id()).await;
    let last = seen.last().unwrap();
    assert_eq!(phase(last), ExecutionPhase::ExecutionFailed, "{seen:?}");
    let error = &last.status.as_ref().unwrap().error;
    assert!(
        error.contains("no workflow runner is configured"),
        "{error}"
    );
    assert!(error.contains("STIGMER_WORKFLOW_RUNNER"), "{error}");
    let again = snapshots(&channel, created.id()).await;
    assert_eq!(
        again.len(),
        1,
        "already terminal: one snapshot, then the end"
    );
}

#[tokio::test]
async fn named_instances_and_the_error_paths() {
    let server = common::Server::start().await;
    let channel = server.channel().await;
    let workflow = create_workflow(&channel, "named").await;
    let other = create_workflow(&channel, "other").await;
    let instance = WorkflowInstanceCommandControllerClient::new(channel.clone())
        .create(WorkflowInstance {
            api_version: "agentic.stigmer.ai/v1".into(),
            kind: "WorkflowInstance".into(),
            metadata: Some(ApiResourceMetadata {
                name: "staging".into(),
                org: "local".into(),
                owner_scope: 2,
                ..Default::default()
            }),
            spec: Some(WorkflowInstanceSpec {
                workflow_id: workflow.id().into(),
                ..Default::default()
            }),
            status: None,
        })
        .await
        .unwrap()
        .into_inner();

    // An instance alone: the execution records the instance's workflow.
    let created = commands(&channel)
        .create(execution("", instance.id()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(spec(&created).workflow_instance_id, instance.id());
    assert_eq!(spec(&created).workflow_id, workflow.id());
    assert_eq!(by_workflow(&channel, instance.id()).await, [created.id()]);
    assert_eq!(by_workflow(&channel, workflow.id()).await, [created.id()]);
    assert!(by_workflow(&channel, other.id()).await.is_empty());

    let error = commands(&channel)
        .create(execution("", ""))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::InvalidArgument);
    assert!(
        error
            .message()
            .contains("either workflow_id or workflow_instance_id must be provided"),
        "{error:?}"
    );
    let error = commands(&channel)
        .create(execution("wfl-missing", ""))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::NotFound, "{error:?}");
    let error = commands(&channel)
        .create(execution("", "win-missing"))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::NotFound, "{error:?}");
    assert!(error.message().contains("win-missing"), "{error:?}");
    let error = commands(&channel)
        .create(execution(other.id(), instance.id()))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::InvalidArgument, "{error:?}");
    assert!(error.message().contains(other.id()), "{error:?}");

    let error = queries(&channel)
        .list_by_workflow(ListWorkflowExecutionsByWorkflowRequest::default())
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::InvalidArgument);
    let error = queries(&channel)
        .subscribe(SubscribeWorkflowExecutionRequest {
            execution_id: "wex-missing".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::NotFound);

    // Failed creates left nothing behind.
    let all = queries(&channel)
        .list(ListWorkflowExecutionsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(all.entries.len(), 1, "{all:?}");
}
