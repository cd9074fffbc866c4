//! `delete` takes an `ApiResourceDeleteInput` and answers with the deleted
//! resource.

use stigmer_api::agentic::environment::v1::Environment;
use stigmer_api::commons::apiresource::ApiResourceDeleteInput;
use tonic::{Request, Response, Status};

use super::EnvironmentController;
use crate::domain::sealed;

impl EnvironmentController {
    pub(super) async fn delete(
        &self,
        request: Request<ApiResourceDeleteInput>,
    ) -> Result<Response<Environment>, Status> {
        sealed::delete(&self.store, &self.cipher, "environment.delete", request).await
    }
}
