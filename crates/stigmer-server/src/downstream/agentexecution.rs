use stigmer_api::agentic::agentexecution::v1::agent_execution_command_controller_client::AgentExecutionCommandControllerClient;
use stigmer_api::agentic::agentexecution::v1::agent_execution_query_controller_client::AgentExecutionQueryControllerClient;
use stigmer_api::agentic::agentexecution::v1::{
    AgentExecution, AgentExecutionId, AgentExecutionStatus, AgentExecutionUpdateStatusInput,
};
use tonic::Status;

use super::Channel;

/// The AgentExecution service as the execution engine and runners see it:
/// they read executions and report status through `updateStatus`, so every
/// write is merged, checked and broadcast in one place.
#[derive(Clone)]
pub struct AgentExecutionClient<C = super::Local> {
    command: AgentExecutionCommandControllerClient<C>,
    query: AgentExecutionQueryControllerClient<C>,
}

impl<C: Channel> AgentExecutionClient<C> {
    pub fn new(channel: C) -> Self {
        AgentExecutionClient {
            command: AgentExecutionCommandControllerClient::new(channel.clone()),
            query: AgentExecutionQueryControllerClient::new(channel),
        }
    }

    pub async fn get(&self, id: &str) -> Result<AgentExecution, Status> {
        tracing::debug!(id, "downstream AgentExecution.get");
        Ok(self
            .query
            .clone()
            .get(AgentExecutionId {
                value: id.to_owned(),
            })
            .await?
            .into_inner())
    }

    pub async fn update_status(
        &self,
        id: &str,
        status: AgentExecutionStatus,
    ) -> Result<AgentExecution, Status> {
        tracing::debug!(id, "downstream AgentExecution.updateStatus");
        Ok(self
            .command
            .clone()
            .update_status(AgentExecutionUpdateStatusInput {
                execution_id: id.to_owned(),
                status: Some(status),
            })
            .await?
            .into_inner())
    }
}
