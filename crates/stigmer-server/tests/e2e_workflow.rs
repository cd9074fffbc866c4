//! Workflow and WorkflowInstance over the network against the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use serde_json::json;
use stigmer_api::Resource;
use stigmer_api::agentic::workflow::v1::serverless::ValidationState;
use stigmer_api::agentic::workflow::v1::workflow_command_controller_client::WorkflowCommandControllerClient;
use stigmer_api::agentic::workflow::v1::workflow_query_controller_client::WorkflowQueryControllerClient;
use stigmer_api::agentic::workflow::v1::{
    FlowControl, Workflow, WorkflowDocument, WorkflowId, WorkflowSpec, WorkflowStatus, WorkflowTask,
};
use stigmer_api::agentic::workflowinstance::v1::workflow_instance_command_controller_client::WorkflowInstanceCommandControllerClient;
use stigmer_api::agentic::workflowinstance::v1::workflow_instance_query_controller_client::WorkflowInstanceQueryControllerClient;
use stigmer_api::agentic::workflowinstance::v1::{
    GetWorkflowInstancesByWorkflowRequest, WorkflowInstance, WorkflowInstanceId,
    WorkflowInstanceSpec,
};
use stigmer_api::commons::apiresource::{
    ApiResourceMetadata, ApiResourceReference, WorkflowTaskKind as Kind,
};
use stigmer_api::commons::rpc::PageInfo;
use tonic::Code;

fn to_struct(value: serde_json::Value) -> prost_types::Struct {
    fn to_value(value: serde_json::Value) -> prost_types::Value {
        use prost_types::value::Kind as V;
        let kind = match value {
            serde_json::Value::Null => V::NullValue(0),
            serde_json::Value::Bool(b) => V::BoolValue(b),
            serde_json::Value::Number(n) => V::NumberValue(n.as_f64().unwrap()),
            serde_json::Value::String(s) => V::StringValue(s),
            serde_json::Value::Array(items) => V::ListValue(prost_types::ListValue {
                values: items.into_iter().map(to_value).collect(),
            }),
            object @ serde_json::Value::Object(_) => V::StructValue(to_struct(object)),
        };
        prost_types::Value { kind: Some(kind) }
    }
    let serde_json::Value::Object(map) = value else {
        panic!("not an object")
    };
    prost_types::Struct {
        fields: map.into_iter().map(|(k, v)| (k, to_value(v))).collect(),
    }
}

fn task(name: &str, kind: Kind, config: serde_json::Value) -> WorkflowTask {
    WorkflowTask {
        name: name.into(),
        kind: kind as i32,
        task_config: Some(to_struct(config)),
        export: None,
        flow: None,
    }
}

fn workflow(name: &str, org: &str, tasks: Vec<WorkflowTask>) -> Workflow {
    Workflow {
        api_version: "agentic.stigmer.ai/v1".into(),
        kind: "Workflow".into(),
        metadata: Some(ApiResourceMetadata {
            name: name.into(),
            org: org.into(),
            owner_scope: 2,
            ..Default::default()
        }),
        spec: Some(WorkflowSpec {
            document: Some(WorkflowDocument {
                dsl: "1.0.0".into(),
                namespace: "acme".into(),
                name: "triage".into(),
                version: "1.0.0".into(),
                description: String::new(),
            }),
            tasks,
            ..Default::default()
        }),
        status: None,
    }
}

/// SET, HTTP_CALL, SWITCH jumping to a FOR with a nested body, AGENT_CALL.
fn valid_tasks() -> Vec<WorkflowTask> {
    let mut fetch = task(
        "fetch",
        Kind::HttpCall,
        json!({"method": "GET", "endpoint": {"uri": "https://example.com/${.id}"}, "timeoutSeconds": 30}),
    );
    fetch.flow = Some(FlowControl {
        then: "route".into(),
    });
    vec![
        task("init", Kind::Set, json!({"variables": {"id": "42"}})),
        fetch,
        task(
            "route",
            Kind::Switch,
            json!({"cases": [
                {"name": "many", "when": "${.items | length > 0}", "then": "each-item"},
                {"name": "none", "then": "end"}
            ]}),
        ),
        task(
            "each-item",
            Kind::For,
            json!({"each": "item", "in": "${.items}", "do": [
                {"name": "mark", "kind": "WORKFLOW_TASK_KIND_SET", "taskConfig": {"variables": {"seen": "${.item}"}}}
            ]}),
        ),
        task(
            "ask",
            Kind::AgentCall,
            json!({"agent": "reviewer", "message": "Summarise ${.items}", "config": {"timeout": 120, "temperature": 0.2}}),
        ),
    ]
}

fn instance(name: &str, org: &str, scope: i32, workflow_id: &str) -> WorkflowInstance {
    WorkflowInstance {
        api_version: "agentic.stigmer.ai/v1".into(),
        kind: "WorkflowInstance".into(),
        metadata: Some(ApiResourceMetadata {
            name: name.into(),
            org: org.into(),
            owner_scope: scope,
            ..Default::default()
        }),
        spec: Some(WorkflowInstanceSpec {
            workflow_id: workflow_id.into(),
            ..Default::default()
        }),
        status: None,
    }
}

fn reference(org: &str, slug: &str) -> ApiResourceReference {
    ApiResourceReference {
        org: org.into(),
        slug: slug.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn valid_workflow_is_stored_validated_with_its_default_instance() {
    let server = common::Server::start().await;
    let channel = server.channel().await;
    let mut workflows = WorkflowCommandControllerClient::new(channel.clone());
    let mut workflow_query = WorkflowQueryControllerClient::new(channel.clone());
    let mut instances = WorkflowInstanceCommandControllerClient::new(channel.clone());
    let mut instance_query = WorkflowInstanceQueryControllerClient::new(channel.clone());

    let created = workflows
        .create(workflow("Nightly Triage", "acme", valid_tasks()))
        .await
        .unwrap()
        .into_inner();
    assert!(created.id().starts_with("wfl-"), "{created:?}");
    assert_eq!(created.slug(), "nightly-triage");
    let status = created.status.clone().unwrap();
    let validation = status.serverless_workflow_validation.clone().unwrap();
    assert_eq!(
        validation.state,
        ValidationState::Valid as i32,
        "{validation:?}"
    );
    assert!(validation.errors.is_empty());
    assert!(validation.validated_at.is_some());
    assert!(status.default_instance_id.starts_with("win-"), "{status:?}");

    // What was returned is what is stored.
    let stored = workflow_query
        .get_by_reference(reference("acme", "nightly-triage"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stored, created);

    let default = instance_query
        .get(WorkflowInstanceId {
            value: status.default_instance_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(default.slug(), "nightly-triage-default");
    assert_eq!(default.org(), "acme");
    assert_eq!(default.spec.as_ref().unwrap().workflow_id, created.id());

    // A second instance in the same org; a user-scoped one elsewhere is fine.
    instances
        .create(instance("Staging", "acme", 2, created.id()))
        .await
        .unwrap();
    instances
        .create(instance("Mine", "someone", 3, created.id()))
        .await
        .unwrap();

    let first_page = instance_query
        .get_by_workflow(GetWorkflowInstancesByWorkflowRequest {
            workflow_id: created.id().into(),
            page_info: Some(PageInfo { num: 1, size: 2 }),
        })
        .await
        .unwrap();
    assert!(first_page.metadata().get("x-next-page-token").is_some());
    let first_page = first_page.into_inner();
    assert_eq!(first_page.total_pages, 2);
    assert_eq!(first_page.entries.len(), 2);
    let second_page = instance_query
        .get_by_workflow(GetWorkflowInstancesByWorkflowRequest {
            workflow_id: created.id().into(),
            page_info: Some(PageInfo { num: 2, size: 2 }),
        })
        .await
        .unwrap()
        .into_inner();
    let mut slugs: Vec<String> = first_page
        .entries
        .iter()
        .chain(&second_page.entries)
        .map(|i| i.slug().to_owned())
        .collect();
    slugs.sort();
    assert_eq!(slugs, ["mine", "nightly-triage-default", "staging"]);

    // Update re-validates: a broken spec is refused and the stored one stays.
    let mut broken = workflow("Nightly Triage", "acme", valid_tasks());
    broken.spec.as_mut().unwrap().tasks[0].task_config = Some(to_struct(json!({"variables": {}})));
    let err = workflows.update(broken).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument, "{}", err.message());
    assert!(
        err.message()
            .contains("spec.tasks[0].task_config.variables"),
        "{}",
        err.message()
    );

    let mut changed = workflow("Nightly Triage", "acme", valid_tasks());
    changed.spec.as_mut().unwrap().description = "now described".into();
    let updated = workflows.apply(changed).await.unwrap().into_inner();
    assert_eq!(updated.id(), created.id());
    let updated_status = updated.status.unwrap();
    assert_eq!(
        updated_status.default_instance_id,
        status.default_instance_id
    );
    assert_eq!(
        updated_status.serverless_workflow_validation.unwrap().state,
        ValidationState::Valid as i32
    );

    // Status is the server's: a client cannot point the workflow at another
    // default instance (only the server itself records one it had to make).
    let mut forged = workflow("Nightly Triage", "acme", valid_tasks());
    forged.status = Some(WorkflowStatus {
        default_instance_id: "win-forged".into(),
        ..Default::default()
    });
    let kept = workflows.update(forged).await.unwrap().into_inner();
    assert_eq!(
        kept.status.unwrap().default_instance_id,
        status.default_instance_id
    );

    let deleted = workflows
        .delete(WorkflowId {
            value: created.id().into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(deleted.id(), created.id());
    let err = workflow_query
        .get(WorkflowId {
            value: created.id().into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
}

#[tokio::test]
async fn invalid_workflow_is_refused_with_every_problem_and_nothing_stored() {
    let server = common::Server::start().await;
    let channel = server.channel().await;
    let mut workflows = WorkflowCommandControllerClient::new(channel.clone());
    let mut workflow_query = WorkflowQueryControllerClient::new(channel.clone());

    let mut jump = task("jump", Kind::Set, json!({"variables": {"a": "b"}}));
    jump.flow = Some(FlowControl {
        then: "nowhere".into(),
    });
    let tasks = vec![
        task(
            "init",
            Kind::Set,
            json!({"variables": {"a": "b"}, "colour": "blue"}),
        ),
        task(
            "fetch",
            Kind::HttpCall,
            json!({"method": "FETCH", "endpoint": {"uri": "https://example.com"}, "timeoutSeconds": 30}),
        ),
        task("init", Kind::Wait, json!({"seconds": 1})),
        jump,
    ];
    let err = workflows
        .create(workflow("Broken", "acme", tasks))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument, "{}", err.message());
    let message = err.message();
    for expected in [
        "4 problems",
        "task \"init\": spec.tasks[0].task_config.colour: unknown field",
        "task \"fetch\": spec.tasks[1].task_config.method",
        "task \"init\": spec.tasks[2].name: duplicate task name \"init\"",
        "task \"jump\": spec.tasks[3].flow.then: flow target \"nowhere\"",
    ] {
        assert!(
            message.contains(expected),
            "missing {expected:?} in:\n{message}"
        );
    }
    assert_eq!(
        workflow_query
            .get_by_reference(reference("acme", "broken"))
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
}

#[tokio::test]
async fn instance_rules_other_org_and_missing_parent() {
    let server = common::Server::start().await;
    let channel = server.channel().await;
    let mut workflows = WorkflowCommandControllerClient::new(channel.clone());
    let mut instances = WorkflowInstanceCommandControllerClient::new(channel.clone());

    let created = workflows
        .create(workflow("Shared", "acme", valid_tasks()))
        .await
        .unwrap()
        .into_inner();

    let err = instances
        .create(instance("Elsewhere", "globex", 2, created.id()))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument, "{}", err.message());
    assert!(
        err.message().contains("\"acme\"") && err.message().contains("\"globex\""),
        "{}",
        err.message()
    );

    let err = instances
        .create(instance("Orphan", "acme", 2, "wfl-missing"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition, "{}", err.message());
    assert_eq!(
        err.message(),
        "spec.workflow_id: workflow wfl-missing does not exist"
    );
}

#[tokio::test]
async fn failed_default_instance_leaves_no_workflow_behind() {
    let server = common::Server::start().await;
    let channel = server.channel().await;
    let mut workflows = WorkflowCommandControllerClient::new(channel.clone());
    let mut workflow_query = WorkflowQueryControllerClient::new(channel.clone());
    let first = workflows
        .create(workflow("Stale", "acme", valid_tasks()))
        .await
        .unwrap()
        .into_inner();
    // Free the workflow's slug but keep its `stale-default` instance: the
    // next create of "Stale" must fail on the instance and leave nothing.
    workflows
        .delete(WorkflowId {
            value: first.id().into(),
        })
        .await
        .unwrap();
    let err = workflows
        .create(workflow("Stale", "acme", valid_tasks()))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::AlreadyExists, "{}", err.message());
    assert!(
        err.message().contains("default instance"),
        "{}",
        err.message()
    );
    assert_eq!(
        workflow_query
            .get_by_reference(reference("acme", "stale"))
            .await
            .unwrap_err()
            .code(),
        Code::NotFound,
        "no half-made workflow"
    );
}
