use stigmer_api::agentic::agent::v1::agent_query_controller_client::AgentQueryControllerClient;
use stigmer_api::agentic::agent::v1::{Agent, AgentId};
use tonic::Status;

use super::Channel;

/// The Agent service as other kinds see it.
#[derive(Clone)]
pub struct AgentClient<C = super::Local> {
    query: AgentQueryControllerClient<C>,
}

impl<C: Channel> AgentClient<C> {
    pub fn new(channel: C) -> Self {
        AgentClient {
            query: AgentQueryControllerClient::new(channel),
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
}
