//! `subscribe`: the same mechanics as agent executions (snapshot first,
//! coalesced changes, ends after a terminal phase or at shutdown).

use stigmer_api::agentic::workflowexecution::v1::{
    SubscribeWorkflowExecutionRequest, WorkflowExecution,
};
use tonic::{Request, Response, Status};

use super::WorkflowExecutionController;
use crate::engine::is_terminal;
use crate::streams::{SnapshotStream, subscribe};

impl WorkflowExecutionController {
    pub(super) async fn subscribe(
        &self,
        request: Request<SubscribeWorkflowExecutionRequest>,
    ) -> Result<Response<SnapshotStream<WorkflowExecution>>, Status> {
        let stream = subscribe(
            &self.streams,
            &request.get_ref().execution_id,
            |execution: &WorkflowExecution| {
                is_terminal(execution.status.as_ref().map_or(0, |s| s.phase))
            },
        )
        .await?;
        Ok(Response::new(stream))
    }
}
