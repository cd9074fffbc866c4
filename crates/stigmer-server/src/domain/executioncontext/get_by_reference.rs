use stigmer_api::agentic::executioncontext::v1::ExecutionContext;
use stigmer_api::commons::apiresource::ApiResourceReference;
use tonic::{Request, Response, Status};

use super::ExecutionContextController;
use crate::domain::sealed;

impl ExecutionContextController {
    pub(super) async fn get_by_reference(
        &self,
        request: Request<ApiResourceReference>,
    ) -> Result<Response<ExecutionContext>, Status> {
        sealed::get_by_reference(
            &self.store,
            &self.cipher,
            "execution_context.get_by_reference",
            request,
        )
        .await
    }
}
