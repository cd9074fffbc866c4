use stigmer_api::agentic::executioncontext::v1::{ExecutionContext, ExecutionContextId};
use tonic::{Request, Response, Status};

use super::ExecutionContextController;
use crate::domain::sealed;

impl ExecutionContextController {
    pub(super) async fn get(
        &self,
        request: Request<ExecutionContextId>,
    ) -> Result<Response<ExecutionContext>, Status> {
        sealed::get(&self.store, &self.cipher, "execution_context.get", request).await
    }
}
