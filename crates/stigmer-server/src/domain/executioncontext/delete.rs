use stigmer_api::agentic::executioncontext::v1::ExecutionContext;
use stigmer_api::commons::apiresource::ApiResourceDeleteInput;
use tonic::{Request, Response, Status};

use super::ExecutionContextController;
use crate::domain::sealed;

impl ExecutionContextController {
    pub(super) async fn delete(
        &self,
        request: Request<ApiResourceDeleteInput>,
    ) -> Result<Response<ExecutionContext>, Status> {
        sealed::delete(
            &self.store,
            &self.cipher,
            "execution_context.delete",
            request,
        )
        .await
    }
}
