use stigmer_api::agentic::workflow::v1::workflow_query_controller_client::WorkflowQueryControllerClient;
use stigmer_api::agentic::workflow::v1::{Workflow, WorkflowId};
use tonic::Status;

use super::Channel;

/// The Workflow service as other kinds see it.
#[derive(Clone)]
pub struct WorkflowClient<C = super::Local> {
    query: WorkflowQueryControllerClient<C>,
}

impl<C: Channel> WorkflowClient<C> {
    pub fn new(channel: C) -> Self {
        WorkflowClient {
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
}
