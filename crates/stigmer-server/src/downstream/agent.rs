use stigmer_api::agentic::agent::v1::agent_command_controller_client::AgentCommandControllerClient;
use stigmer_api::agentic::agent::v1::agent_query_controller_client::AgentQueryControllerClient;
use stigmer_api::agentic::agent::v1::{Agent, AgentId};
use tonic::Status;

use super::Channel;

/// The Agent service as other kinds see it.
#[derive(Clone)]
pub struct AgentClient<C = super::Local> {
    query: AgentQueryControllerClient<C>,
    command: AgentCommandControllerClient<C>,
}

impl<C: Channel> AgentClient<C> {
    pub fn new(channel: C) -> Self {
        AgentClient {
            query: AgentQueryControllerClient::new(channel.clone()),
            command: AgentCommandControllerClient::new(channel),
        }
    }

    pub async fn get(&self, id: &str) -> Result<Agent, Status> {
        tracing::debug!(id, "downstream Agent.get");
        Ok(self
            .query
            .clone()
            .get(AgentId {
                value: id.to_owned(),
            })
            .await?
            .into_inner())
    }

    /// Updates an agent. Called by the server itself (system identity), the
    /// Agent service also takes `status.default_instance_id` from it when the
    /// agent has none yet.
    pub async fn update(&self, agent: Agent) -> Result<Agent, Status> {
        tracing::debug!(
            id = agent.metadata.as_ref().map_or("", |m| m.id.as_str()),
            "downstream Agent.update"
        );
        Ok(self.command.clone().update(agent).await?.into_inner())
    }
}
