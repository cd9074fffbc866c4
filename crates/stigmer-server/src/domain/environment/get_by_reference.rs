use stigmer_api::agentic::environment::v1::Environment;
use stigmer_api::commons::apiresource::ApiResourceReference;
use tonic::{Request, Response, Status};

use super::EnvironmentController;
use crate::domain::sealed;

impl EnvironmentController {
    pub(super) async fn get_by_reference(
        &self,
        request: Request<ApiResourceReference>,
    ) -> Result<Response<Environment>, Status> {
        sealed::get_by_reference(
            &self.store,
            &self.cipher,
            "environment.get_by_reference",
            request,
        )
        .await
    }
}
