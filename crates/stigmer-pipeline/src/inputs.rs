//! Request messages that name one resource by id. The wire has a dozen
//! `{ string value = 1 }` wrappers (plus `ApiResourceDeleteInput` and the
//! workflow-execution subscribe request); steps read them through one trait.

use stigmer_api::agentic::{
    agent, agentexecution, agentinstance, environment, executioncontext, mcpserver, session, skill,
    workflow, workflowexecution, workflowinstance,
};
use stigmer_api::commons::apiresource::{ApiResourceDeleteInput, ApiResourceId};

/// A request that carries the id of the resource it is about.
pub trait IdInput: Send + Sync + 'static {
    fn resource_id(&self) -> &str;
}

macro_rules! id_input {
    ($field:ident: $($ty:ty),+ $(,)?) => {
        $(impl IdInput for $ty {
            fn resource_id(&self) -> &str {
                &self.$field
            }
        })+
    };
}

id_input!(value:
    ApiResourceId,
    agent::v1::AgentId,
    agentinstance::v1::AgentInstanceId,
    session::v1::SessionId,
    session::v1::AgentId,
    agentexecution::v1::AgentExecutionId,
    agentexecution::v1::SessionId,
    environment::v1::EnvironmentId,
    executioncontext::v1::ExecutionContextId,
    mcpserver::v1::McpServerId,
    skill::v1::SkillId,
    workflow::v1::WorkflowId,
    workflowinstance::v1::WorkflowInstanceId,
    workflowexecution::v1::WorkflowExecutionId,
    workflowexecution::v1::WorkflowId,
);
id_input!(resource_id: ApiResourceDeleteInput);
id_input!(execution_id: workflowexecution::v1::SubscribeWorkflowExecutionRequest);
