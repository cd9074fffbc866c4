use stigmer_api::agentic::environment::v1::Environment;
use stigmer_api::commons::apiresource::ApiResourceId;
use tonic::{Request, Response, Status};

use super::EnvironmentController;
use crate::domain::sealed;

impl EnvironmentController {
    pub(super) async fn get(
        &self,
        request: Request<ApiResourceId>,
    ) -> Result<Response<Environment>, Status> {
        sealed::get(&self.store, &self.cipher, "environment.get", request).await
    }
}
