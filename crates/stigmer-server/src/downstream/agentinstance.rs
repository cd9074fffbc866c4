use stigmer_api::agentic::agentinstance::v1::agent_instance_command_controller_client::AgentInstanceCommandControllerClient;
use stigmer_api::agentic::agentinstance::v1::agent_instance_query_controller_client::AgentInstanceQueryControllerClient;
use stigmer_api::agentic::agentinstance::v1::{AgentInstance, AgentInstanceId};
use tonic::Status;

use super::Channel;

/// The AgentInstance service as other kinds see it.
#[derive(Clone)]
pub struct AgentInstanceClient<C = super::Local> {
    command: AgentInstanceCommandControllerClient<C>,
    query: AgentInstanceQueryControllerClient<C>,
}

impl<C: Channel> AgentInstanceClient<C> {
    pub fn new(channel: C) -> Self {
        AgentInstanceClient {
            command: AgentInstanceCommandControllerClient::new(channel.clone()),
            query: AgentInstanceQueryControllerClient::new(channel),
        }
    }

    pub async fn create(&self, instance: AgentInstance) -> Result<AgentInstance, Status> {
        tracing::debug!("downstream AgentInstance.create");
        Ok(self.command.clone().create(instance).await?.into_inner())
    }

    /// `create` for a caller that commits right after it and deletes the
    /// AgentInstance again if that fails: the caller's commit syncs both.
    pub async fn create_committed_by_caller(
        &self,
        instance: AgentInstance,
    ) -> Result<AgentInstance, Status> {
        tracing::debug!("downstream AgentInstance.create (committed by the caller)");
        Ok(self
            .command
            .clone()
            .create(super::committed_by_caller(instance))
            .await?
            .into_inner())
    }

    pub async fn delete(&self, id: &str) -> Result<AgentInstance, Status> {
        tracing::debug!(id, "downstream AgentInstance.delete");
        Ok(self
            .command
            .clone()
            .delete(AgentInstanceId {
                value: id.to_owned(),
            })
            .await?
            .into_inner())
    }

    pub async fn get(&self, id: &str) -> Result<AgentInstance, Status> {
        tracing::debug!(id, "downstream AgentInstance.get");
        Ok(self
            .query
            .clone()
            .get(AgentInstanceId {
                value: id.to_owned(),
            })
            .await?
            .into_inner())
    }
}
