use stigmer_api::agentic::workflowexecution::v1::workflow_execution_command_controller_client::WorkflowExecutionCommandControllerClient;
use stigmer_api::agentic::workflowexecution::v1::workflow_execution_query_controller_client::WorkflowExecutionQueryControllerClient;
use stigmer_api::agentic::workflowexecution::v1::{
    WorkflowExecution, WorkflowExecutionId, WorkflowExecutionStatus,
    WorkflowExecutionUpdateStatusInput,
};
use tonic::Status;

use super::Channel;

/// The WorkflowExecution service as the execution engine and workflow
/// runners see it: reads, and status through `updateStatus` so every write
/// is merged, checked and broadcast in one place.
#[derive(Clone)]
pub struct WorkflowExecutionClient<C = super::Local> {
    command: WorkflowExecutionCommandControllerClient<C>,
    query: WorkflowExecutionQueryControllerClient<C>,
}

impl<C: Channel> WorkflowExecutionClient<C> {
    pub fn new(channel: C) -> Self {
        WorkflowExecutionClient {
            command: WorkflowExecutionCommandControllerClient::new(channel.clone()),
            query: WorkflowExecutionQueryControllerClient::new(channel),
        }
    }

    pub async fn get(&self, id: &str) -> Result<WorkflowExecution, Status> {
        tracing::debug!(id, "downstream WorkflowExecution.get");
        Ok(self
            .query
            .clone()
            .get(WorkflowExecutionId {
                value: id.to_owned(),
            })
            .await?
            .into_inner())
    }

    pub async fn update_status(
        &self,
        id: &str,
        status: WorkflowExecutionStatus,
    ) -> Result<WorkflowExecution, Status> {
        tracing::debug!(id, "downstream WorkflowExecution.updateStatus");
        Ok(self
            .command
            .clone()
            .update_status(WorkflowExecutionUpdateStatusInput {
                execution_id: id.to_owned(),
                status: Some(status),
            })
            .await?
            .into_inner())
    }
}
