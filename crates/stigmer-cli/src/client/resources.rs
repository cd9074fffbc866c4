//! Kind-generic operations (get, get by name, apply, delete, list) over the
//! generated clients of every kind. Resources travel as
//! [`DynamicMessage`]s so that commands handle all kinds with one code path;
//! each arm below converts to and from the generated message types.

use prost_reflect::{DynamicMessage, ReflectMessage};
use stigmer_api::agentic::{
    agent, agentexecution, agentinstance, environment, executioncontext, mcpserver, session, skill,
    workflow, workflowexecution, workflowinstance,
};
use stigmer_api::commons::apiresource::{
    ApiResourceDeleteInput, ApiResourceId, ApiResourceOwnerScope, ApiResourceReference,
};
use stigmer_api::commons::rpc::PageInfo;
use stigmer_pipeline::slug::slugify;

use super::connection::Connection;
use super::error::ClientError;
use crate::kind::ResourceKind;

/// Builds a generated client on the connection with our message limits.
macro_rules! client {
    ($conn:expr, $client:path) => {{
        use $client as Client;
        Client::new($conn.transport())
            .max_decoding_message_size($crate::client::connection::MAX_MESSAGE_BYTES)
            .max_encoding_message_size($crate::client::connection::MAX_MESSAGE_BYTES)
    }};
}
pub(crate) use client;

/// One page of a list.
#[derive(Debug, Default)]
pub struct Page {
    pub items: Vec<DynamicMessage>,
    /// Total number of pages, when the server says.
    pub total_pages: Option<u32>,
}

/// Which slice of a list to fetch, and of which parent.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub page: u32,
    pub page_size: u32,
    /// The parent's id: agent for agent instances and sessions, workflow for
    /// workflow instances and executions, session for agent executions.
    pub parent_id: Option<String>,
    /// Only this organization's resources, for kinds listed through the
    /// list extension; empty means every organization.
    pub org: String,
}

impl ListQuery {
    pub(super) fn page_token(&self) -> String {
        if self.page <= 1 {
            String::new()
        } else {
            self.page.to_string()
        }
    }
    fn page_info(&self) -> Option<PageInfo> {
        Some(PageInfo {
            num: i32::try_from(self.page.max(1)).unwrap_or(i32::MAX),
            size: self.page_size_i32(),
        })
    }
    fn page_size_i32(&self) -> i32 {
        i32::try_from(self.page_size).unwrap_or(i32::MAX)
    }
}

fn dynamic<M: ReflectMessage>(response: tonic::Response<M>) -> DynamicMessage {
    response.into_inner().transcode_to_dynamic()
}

fn typed<M: ReflectMessage + Default>(message: &DynamicMessage) -> Result<M, ClientError> {
    message.transcode_to::<M>().map_err(|e| {
        ClientError::Invalid(format!(
            "cannot encode {}: {e}",
            message.descriptor().name()
        ))
    })
}

/// Kind-generic resource operations on one connection.
#[derive(Clone, Debug)]
pub struct Resources {
    conn: Connection,
}

impl Resources {
    pub fn new(conn: Connection) -> Self {
        Self { conn }
    }

    fn status(&self, status: tonic::Status) -> ClientError {
        ClientError::from_status(status, self.conn.address())
    }

    /// Gets a resource by id.
    pub async fn get(&self, kind: ResourceKind, id: &str) -> Result<DynamicMessage, ClientError> {
        let value = id.to_owned();
        let c = &self.conn;
        let result = match kind {
            ResourceKind::Agent => client!(c, agent::v1::agent_query_controller_client::AgentQueryControllerClient)
                .get(agent::v1::AgentId { value })
                .await
                .map(dynamic),
            ResourceKind::AgentInstance => client!(c, agentinstance::v1::agent_instance_query_controller_client::AgentInstanceQueryControllerClient)
                .get(agentinstance::v1::AgentInstanceId { value })
                .await
                .map(dynamic),
            ResourceKind::Session => client!(c, session::v1::session_query_controller_client::SessionQueryControllerClient)
                .get(session::v1::SessionId { value })
                .await
                .map(dynamic),
            ResourceKind::AgentExecution => client!(c, agentexecution::v1::agent_execution_query_controller_client::AgentExecutionQueryControllerClient)
                .get(agentexecution::v1::AgentExecutionId { value })
                .await
                .map(dynamic),
            ResourceKind::Environment => client!(c, environment::v1::environment_query_controller_client::EnvironmentQueryControllerClient)
                .get(ApiResourceId { value })
                .await
                .map(dynamic),
            ResourceKind::ExecutionContext => client!(c, executioncontext::v1::execution_context_query_controller_client::ExecutionContextQueryControllerClient)
                .get(executioncontext::v1::ExecutionContextId { value })
                .await
                .map(dynamic),
            ResourceKind::Skill => client!(c, skill::v1::skill_query_controller_client::SkillQueryControllerClient)
                .get(skill::v1::SkillId { value })
                .await
                .map(dynamic),
            ResourceKind::Workflow => client!(c, workflow::v1::workflow_query_controller_client::WorkflowQueryControllerClient)
                .get(workflow::v1::WorkflowId { value })
                .await
                .map(dynamic),
            ResourceKind::WorkflowInstance => client!(c, workflowinstance::v1::workflow_instance_query_controller_client::WorkflowInstanceQueryControllerClient)
                .get(workflowinstance::v1::WorkflowInstanceId { value })
                .await
                .map(dynamic),
            ResourceKind::WorkflowExecution => client!(c, workflowexecution::v1::workflow_execution_query_controller_client::WorkflowExecutionQueryControllerClient)
                .get(workflowexecution::v1::WorkflowExecutionId { value })
                .await
                .map(dynamic),
            ResourceKind::McpServer => client!(c, mcpserver::v1::mcp_server_query_controller_client::McpServerQueryControllerClient)
                .get(ApiResourceId { value })
                .await
                .map(dynamic),
        };
        result.map_err(|s| self.status(s))
    }

    /// Gets a resource by its slug within `org`.
    pub async fn get_by_slug(
        &self,
        kind: ResourceKind,
        org: &str,
        slug: &str,
    ) -> Result<DynamicMessage, ClientError> {
        let reference = ApiResourceReference {
            scope: ApiResourceOwnerScope::Organization as i32,
            org: org.to_owned(),
            kind: kind.api_kind() as i32,
            slug: slug.to_owned(),
            version: String::new(),
        };
        let c = &self.conn;
        let result = match kind {
            ResourceKind::Agent => client!(c, agent::v1::agent_query_controller_client::AgentQueryControllerClient)
                .get_by_reference(reference)
                .await
                .map(dynamic),
            ResourceKind::AgentInstance => client!(c, agentinstance::v1::agent_instance_query_controller_client::AgentInstanceQueryControllerClient)
                .get_by_reference(reference)
                .await
                .map(dynamic),
            ResourceKind::Environment => client!(c, environment::v1::environment_query_controller_client::EnvironmentQueryControllerClient)
                .get_by_reference(reference)
                .await
                .map(dynamic),
            ResourceKind::ExecutionContext => client!(c, executioncontext::v1::execution_context_query_controller_client::ExecutionContextQueryControllerClient)
                .get_by_reference(reference)
                .await
                .map(dynamic),
            ResourceKind::Skill => client!(c, skill::v1::skill_query_controller_client::SkillQueryControllerClient)
                .get_by_reference(reference)
                .await
                .map(dynamic),
            ResourceKind::Workflow => client!(c, workflow::v1::workflow_query_controller_client::WorkflowQueryControllerClient)
                .get_by_reference(reference)
                .await
                .map(dynamic),
            ResourceKind::WorkflowInstance => client!(c, workflowinstance::v1::workflow_instance_query_controller_client::WorkflowInstanceQueryControllerClient)
                .get_by_reference(reference)
                .await
                .map(dynamic),
            ResourceKind::McpServer => client!(c, mcpserver::v1::mcp_server_query_controller_client::McpServerQueryControllerClient)
                .get_by_reference(reference)
                .await
                .map(dynamic),
            ResourceKind::Session | ResourceKind::AgentExecution | ResourceKind::WorkflowExecution => {
                return Err(ClientError::Unsupported {
                    operation: "lookup by name",
                    kind: kind.cli_name(),
                    hint: format!("; use the id ({}-…)", kind.id_prefix()),
                });
            }
        };
        result.map_err(|s| self.status(s))
    }

    /// Finds a resource from what a person typed: an id of the kind, else a
    /// name or slug within `org`. Not found becomes a sentence naming both.
    pub async fn resolve(
        &self,
        kind: ResourceKind,
        org: &str,
        name_or_id: &str,
    ) -> Result<DynamicMessage, ClientError> {
        let result = if kind.is_id(name_or_id) || !kind.has_get_by_reference() {
            self.get(kind, name_or_id).await
        } else {
            let slug = slugify(name_or_id);
            if slug.is_empty() {
                return Err(ClientError::Invalid(format!(
                    "'{name_or_id}' is neither a {kind} id nor a name"
                )));
            }
            self.get_by_slug(kind, org, &slug).await
        };
        result.map_err(|e| match e {
            ClientError::NotFound { .. }
                if kind.has_get_by_reference() && !kind.is_id(name_or_id) =>
            {
                ClientError::NotFound {
                    message: format!("{kind} '{name_or_id}' not found in org '{org}'"),
                }
            }
            ClientError::NotFound { .. } => ClientError::NotFound {
                message: format!("{kind} '{name_or_id}' not found"),
            },
            other => other,
        })
    }

    /// Creates or updates a resource (the kind's `apply` rpc).
    pub async fn apply(&self, resource: &DynamicMessage) -> Result<DynamicMessage, ClientError> {
        let kind = kind_of(resource)?;
        let c = &self.conn;
        let result = match kind {
            ResourceKind::Agent => client!(c, agent::v1::agent_command_controller_client::AgentCommandControllerClient)
                .apply(typed::<agent::v1::Agent>(resource)?)
                .await
                .map(dynamic),
            ResourceKind::AgentInstance => client!(c, agentinstance::v1::agent_instance_command_controller_client::AgentInstanceCommandControllerClient)
                .apply(typed::<agentinstance::v1::AgentInstance>(resource)?)
                .await
                .map(dynamic),
            ResourceKind::Session => client!(c, session::v1::session_command_controller_client::SessionCommandControllerClient)
                .apply(typed::<session::v1::Session>(resource)?)
                .await
                .map(dynamic),
            ResourceKind::Environment => client!(c, environment::v1::environment_command_controller_client::EnvironmentCommandControllerClient)
                .apply(typed::<environment::v1::Environment>(resource)?)
                .await
                .map(dynamic),
            ResourceKind::ExecutionContext => client!(c, executioncontext::v1::execution_context_command_controller_client::ExecutionContextCommandControllerClient)
                .apply(typed::<executioncontext::v1::ExecutionContext>(resource)?)
                .await
                .map(dynamic),
            ResourceKind::Workflow => client!(c, workflow::v1::workflow_command_controller_client::WorkflowCommandControllerClient)
                .apply(typed::<workflow::v1::Workflow>(resource)?)
                .await
                .map(dynamic),
            ResourceKind::WorkflowInstance => client!(c, workflowinstance::v1::workflow_instance_command_controller_client::WorkflowInstanceCommandControllerClient)
                .apply(typed::<workflowinstance::v1::WorkflowInstance>(resource)?)
                .await
                .map(dynamic),
            ResourceKind::McpServer => client!(c, mcpserver::v1::mcp_server_command_controller_client::McpServerCommandControllerClient)
                .apply(typed::<mcpserver::v1::McpServer>(resource)?)
                .await
                .map(dynamic),
            ResourceKind::Skill => {
                return Err(ClientError::Unsupported {
                    operation: "apply",
                    kind: kind.cli_name(),
                    hint: "; skills are pushed (`stigmer skill push`)".to_owned(),
                });
            }
            ResourceKind::AgentExecution | ResourceKind::WorkflowExecution => {
                return Err(ClientError::Unsupported {
                    operation: "apply",
                    kind: kind.cli_name(),
                    hint: "; start one with `stigmer run`".to_owned(),
                });
            }
        };
        result.map_err(|s| self.status(s))
    }

    /// Pushes a skill version (a zip holding SKILL.md).
    pub async fn push_skill(
        &self,
        request: skill::v1::PushSkillRequest,
    ) -> Result<DynamicMessage, ClientError> {
        client!(
            self.conn,
            skill::v1::skill_command_controller_client::SkillCommandControllerClient
        )
        .push(request)
        .await
        .map(dynamic)
        .map_err(|s| self.status(s))
    }

    /// Deletes a resource by id and returns what was deleted.
    pub async fn delete(
        &self,
        kind: ResourceKind,
        id: &str,
    ) -> Result<DynamicMessage, ClientError> {
        let value = id.to_owned();
        let delete_input = || ApiResourceDeleteInput {
            resource_id: id.to_owned(),
            ..Default::default()
        };
        let c = &self.conn;
        let result = match kind {
            ResourceKind::Agent => client!(c, agent::v1::agent_command_controller_client::AgentCommandControllerClient)
                .delete(agent::v1::AgentId { value })
                .await
                .map(dynamic),
            ResourceKind::AgentInstance => client!(c, agentinstance::v1::agent_instance_command_controller_client::AgentInstanceCommandControllerClient)
                .delete(agentinstance::v1::AgentInstanceId { value })
                .await
                .map(dynamic),
            ResourceKind::Session => client!(c, session::v1::session_command_controller_client::SessionCommandControllerClient)
                .delete(session::v1::SessionId { value })
                .await
                .map(dynamic),
            ResourceKind::AgentExecution => client!(c, agentexecution::v1::agent_execution_command_controller_client::AgentExecutionCommandControllerClient)
                .delete(ApiResourceId { value })
                .await
                .map(dynamic),
            ResourceKind::Environment => client!(c, environment::v1::environment_command_controller_client::EnvironmentCommandControllerClient)
                .delete(delete_input())
                .await
                .map(dynamic),
            ResourceKind::ExecutionContext => client!(c, executioncontext::v1::execution_context_command_controller_client::ExecutionContextCommandControllerClient)
                .delete(delete_input())
                .await
                .map(dynamic),
            ResourceKind::Skill => client!(c, skill::v1::skill_command_controller_client::SkillCommandControllerClient)
                .delete(skill::v1::SkillId { value })
                .await
                .map(dynamic),
            ResourceKind::Workflow => client!(c, workflow::v1::workflow_command_controller_client::WorkflowCommandControllerClient)
                .delete(workflow::v1::WorkflowId { value })
                .await
                .map(dynamic),
            ResourceKind::WorkflowInstance => client!(c, workflowinstance::v1::workflow_instance_command_controller_client::WorkflowInstanceCommandControllerClient)
                .delete(workflowinstance::v1::WorkflowInstanceId { value })
                .await
                .map(dynamic),
            ResourceKind::WorkflowExecution => client!(c, workflowexecution::v1::workflow_execution_command_controller_client::WorkflowExecutionCommandControllerClient)
                .delete(ApiResourceId { value })
                .await
                .map(dynamic),
            ResourceKind::McpServer => client!(c, mcpserver::v1::mcp_server_command_controller_client::McpServerCommandControllerClient)
                .delete(delete_input())
                .await
                .map(dynamic),
        };
        result.map_err(|s| self.status(s))
    }

    /// One page of the resources of a kind. The wire contract has list rpcs
    /// for sessions and executions only, and instances per parent; every
    /// other unfiltered list goes through our list extension.
    pub async fn list(&self, kind: ResourceKind, query: &ListQuery) -> Result<Page, ClientError> {
        let c = &self.conn;
        if query.parent_id.is_none()
            && !matches!(
                kind,
                ResourceKind::Session
                    | ResourceKind::AgentExecution
                    | ResourceKind::WorkflowExecution
            )
        {
            return super::resource_list::list(c, kind, query).await;
        }
        let page_size = query.page_size_i32();
        let page_token = query.page_token();
        let pages = |n: i32| u32::try_from(n).ok().filter(|n| *n > 0);
        let result = match (kind, query.parent_id.clone()) {
            (ResourceKind::Session, None) => client!(c, session::v1::session_query_controller_client::SessionQueryControllerClient)
                .list(session::v1::ListSessionsRequest { page_size, page_token, tags: vec![] })
                .await
                .map(|r| {
                    let list = r.into_inner();
                    Page {
                        total_pages: pages(list.total_pages),
                        items: list.entries.into_iter().map(|m| m.transcode_to_dynamic()).collect(),
                    }
                }),
            (ResourceKind::Session, Some(agent_id)) => client!(c, session::v1::session_query_controller_client::SessionQueryControllerClient)
                .list_by_agent(session::v1::ListSessionsByAgentRequest { agent_id, page_size, page_token })
                .await
                .map(|r| {
                    let list = r.into_inner();
                    Page {
                        total_pages: pages(list.total_pages),
                        items: list.entries.into_iter().map(|m| m.transcode_to_dynamic()).collect(),
                    }
                }),
            (ResourceKind::AgentExecution, None) => client!(c, agentexecution::v1::agent_execution_query_controller_client::AgentExecutionQueryControllerClient)
                .list(agentexecution::v1::ListAgentExecutionsRequest { page_size, page_token, ..Default::default() })
                .await
                .map(|r| {
                    let list = r.into_inner();
                    Page {
                        total_pages: pages(list.total_pages),
                        items: list.entries.into_iter().map(|m| m.transcode_to_dynamic()).collect(),
                    }
                }),
            (ResourceKind::AgentExecution, Some(session_id)) => client!(c, agentexecution::v1::agent_execution_query_controller_client::AgentExecutionQueryControllerClient)
                .list_by_session(agentexecution::v1::ListAgentExecutionsBySessionRequest { session_id, page_size, page_token })
                .await
                .map(|r| {
                    let list = r.into_inner();
                    Page {
                        total_pages: pages(list.total_pages),
                        items: list.entries.into_iter().map(|m| m.transcode_to_dynamic()).collect(),
                    }
                }),
            (ResourceKind::WorkflowExecution, None) => client!(c, workflowexecution::v1::workflow_execution_query_controller_client::WorkflowExecutionQueryControllerClient)
                .list(workflowexecution::v1::ListWorkflowExecutionsRequest { page_size, page_token, ..Default::default() })
                .await
                .map(|r| {
                    let list = r.into_inner();
                    Page {
                        total_pages: pages(list.total_pages),
                        items: list.entries.into_iter().map(|m| m.transcode_to_dynamic()).collect(),
                    }
                }),
            (ResourceKind::WorkflowExecution, Some(workflow_id)) => client!(c, workflowexecution::v1::workflow_execution_query_controller_client::WorkflowExecutionQueryControllerClient)
                .list_by_workflow(workflowexecution::v1::ListWorkflowExecutionsByWorkflowRequest { workflow_id, page_size, page_token })
                .await
                .map(|r| {
                    let list = r.into_inner();
                    Page {
                        total_pages: pages(list.total_pages),
                        items: list.entries.into_iter().map(|m| m.transcode_to_dynamic()).collect(),
                    }
                }),
            (ResourceKind::AgentInstance, Some(agent_id)) => client!(c, agentinstance::v1::agent_instance_query_controller_client::AgentInstanceQueryControllerClient)
                .get_by_agent(agentinstance::v1::GetAgentInstancesByAgentRequest { agent_id, page_info: query.page_info() })
                .await
                .map(|r| {
                    let list = r.into_inner();
                    Page {
                        total_pages: None,
                        items: list.items.into_iter().map(|m| m.transcode_to_dynamic()).collect(),
                    }
                }),
            (ResourceKind::WorkflowInstance, Some(workflow_id)) => client!(c, workflowinstance::v1::workflow_instance_query_controller_client::WorkflowInstanceQueryControllerClient)
                .get_by_workflow(workflowinstance::v1::GetWorkflowInstancesByWorkflowRequest { workflow_id, page_info: query.page_info() })
                .await
                .map(|r| {
                    let list = r.into_inner();
                    Page {
                        total_pages: pages(list.total_pages),
                        items: list.entries.into_iter().map(|m| m.transcode_to_dynamic()).collect(),
                    }
                }),
            (kind, Some(_)) if !matches!(kind, ResourceKind::Session | ResourceKind::AgentExecution | ResourceKind::WorkflowExecution | ResourceKind::AgentInstance | ResourceKind::WorkflowInstance) => {
                return Err(ClientError::Invalid(format!("{kind}s have no parent to filter by")));
            }
            (kind, _) => {
                return super::resource_list::list(c, kind, query).await;
            }
        };
        result.map_err(|s| self.status(s))
    }
}

/// The kind of a resource message, from its descriptor.
pub fn kind_of(resource: &DynamicMessage) -> Result<ResourceKind, ClientError> {
    let name = resource.descriptor().name().to_owned();
    ResourceKind::ALL
        .into_iter()
        .find(|k| k.name() == name)
        .ok_or_else(|| ClientError::Invalid(format!("{name} is not a resource")))
}
