use stigmer_api::agentic::workflowinstance::v1::workflow_instance_command_controller_client::WorkflowInstanceCommandControllerClient;
use stigmer_api::agentic::workflowinstance::v1::{WorkflowInstance, WorkflowInstanceId};
use tonic::Status;

use super::Channel;

/// The WorkflowInstance service as other kinds see it.
#[derive(Clone)]
pub struct WorkflowInstanceClient<C = super::Local> {
    command: WorkflowInstanceCommandControllerClient<C>,
}

impl<C: Channel> WorkflowInstanceClient<C> {
    pub fn new(channel: C) -> Self {
        WorkflowInstanceClient {
            command: WorkflowInstanceCommandControllerClient::new(channel),
        }
    }

    pub async fn create(&self, instance: WorkflowInstance) -> Result<WorkflowInstance, Status> {
        tracing::debug!("downstream WorkflowInstance.create");
        Ok(self.command.clone().create(instance).await?.into_inner())
    }

    pub async fn delete(&self, id: &str) -> Result<WorkflowInstance, Status> {
        tracing::debug!(id, "downstream WorkflowInstance.delete");
        Ok(self
            .command
            .clone()
            .delete(WorkflowInstanceId {
                value: id.to_owned(),
            })
            .await?
            .into_inner())
    }
}
