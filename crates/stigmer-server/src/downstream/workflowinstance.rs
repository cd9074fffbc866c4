use stigmer_api::agentic::workflowinstance::v1::workflow_instance_command_controller_client::WorkflowInstanceCommandControllerClient;
use stigmer_api::agentic::workflowinstance::v1::workflow_instance_query_controller_client::WorkflowInstanceQueryControllerClient;
use stigmer_api::agentic::workflowinstance::v1::{WorkflowInstance, WorkflowInstanceId};
use stigmer_api::commons::apiresource::ApiResourceReference;
use tonic::Status;

use super::Channel;

/// The WorkflowInstance service as other kinds see it.
#[derive(Clone)]
pub struct WorkflowInstanceClient<C = super::Local> {
    command: WorkflowInstanceCommandControllerClient<C>,
    query: WorkflowInstanceQueryControllerClient<C>,
}

impl<C: Channel> WorkflowInstanceClient<C> {
    pub fn new(channel: C) -> Self {
        WorkflowInstanceClient {
            command: WorkflowInstanceCommandControllerClient::new(channel.clone()),
            query: WorkflowInstanceQueryControllerClient::new(channel),
        }
    }

    pub async fn create(&self, instance: WorkflowInstance) -> Result<WorkflowInstance, Status> {
        tracing::debug!("downstream WorkflowInstance.create");
        Ok(self.command.clone().create(instance).await?.into_inner())
    }

    /// `create` for a caller that commits right after it and deletes the
    /// WorkflowInstance again if that fails: the caller's commit syncs both.
    pub async fn create_committed_by_caller(
        &self,
        instance: WorkflowInstance,
    ) -> Result<WorkflowInstance, Status> {
        tracing::debug!("downstream WorkflowInstance.create (committed by the caller)");
        Ok(self
            .command
            .clone()
            .create(super::committed_by_caller(instance))
            .await?
            .into_inner())
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

    pub async fn get(&self, id: &str) -> Result<WorkflowInstance, Status> {
        tracing::debug!(id, "downstream WorkflowInstance.get");
        Ok(self
            .query
            .clone()
            .get(WorkflowInstanceId {
                value: id.to_owned(),
            })
            .await?
            .into_inner())
    }

    pub async fn get_by_reference(
        &self,
        reference: ApiResourceReference,
    ) -> Result<WorkflowInstance, Status> {
        tracing::debug!(slug = %reference.slug, "downstream WorkflowInstance.getByReference");
        Ok(self
            .query
            .clone()
            .get_by_reference(reference)
            .await?
            .into_inner())
    }
}
