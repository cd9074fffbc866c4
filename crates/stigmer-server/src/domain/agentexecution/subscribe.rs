use stigmer_api::agentic::agentexecution::v1::{AgentExecution, AgentExecutionId};
use tonic::{Request, Response, Status};

use super::AgentExecutionController;
use crate::engine::is_terminal;
use crate::streams::{SnapshotStream, subscribe};

impl AgentExecutionController {
    pub(super) async fn subscribe(
        &self,
        request: Request<AgentExecutionId>,
    ) -> Result<Response<SnapshotStream<AgentExecution>>, Status> {
        let stream = subscribe(
            &self.streams,
            &request.get_ref().value,
            |execution: &AgentExecution| {
                is_terminal(execution.status.as_ref().map_or(0, |s| s.phase))
            },
        )
        .await?;
        Ok(Response::new(stream))
    }
}
