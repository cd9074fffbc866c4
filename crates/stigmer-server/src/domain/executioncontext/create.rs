use stigmer_api::agentic::executioncontext::v1::ExecutionContext;
use tonic::{Request, Response, Status};

use super::ExecutionContextController;
use crate::domain::sealed;

impl ExecutionContextController {
    pub(super) async fn create(
        &self,
        request: Request<ExecutionContext>,
    ) -> Result<Response<ExecutionContext>, Status> {
        sealed::create(
            &self.store,
            &self.cipher,
            "execution_context.create",
            request,
        )
        .await
    }
}
