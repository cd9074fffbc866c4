use stigmer_api::agentic::workflow::v1::workflow_command_controller_client::WorkflowCommandControllerClient;
use stigmer_api::agentic::workflow::v1::workflow_query_controller_client::WorkflowQueryControllerClient;
use stigmer_api::agentic::workflow::v1::{Workflow, WorkflowId};
use tonic::Status;

use super::Channel;

/// The Workflow service as other kinds see it.
#[derive(Clone)]
pub struct WorkflowClient<C = super::Local> {
    command: WorkflowCommandControllerClient<C>,
    query: WorkflowQueryControllerClient<C>,
}

impl<C: Channel> WorkflowClient<C> {
    pub fn new(channel: C) -> Self {
        WorkflowClient {
            command: WorkflowCommandControllerClient::new(channel.clone()),
            query: WorkflowQueryControllerClient::new(channel),
        }
    }

    pub async fn get(&self, id: &str) -> Result<Workflow, Status> {
        tracing::debug!(id, "downstream Workflow.get");
        Ok(self
            .query
            .clone()
            .get(WorkflowId {
                value: id.to_owned(),
            })
            .await?
            .into_inner())
    }

    /// As the system, an update may record a default instance the workflow
    /// lacks (see the Workflow service's update).
    pub async fn update(&self, workflow: Workflow) -> Result<Workflow, Status> {
        tracing::debug!("downstream Workflow.update");
        Ok(self.command.clone().update(workflow).await?.into_inner())
    }
}
