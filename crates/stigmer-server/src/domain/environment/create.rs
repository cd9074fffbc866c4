use stigmer_api::agentic::environment::v1::Environment;
use tonic::{Request, Response, Status};

use super::EnvironmentController;
use crate::domain::sealed;

impl EnvironmentController {
    pub(super) async fn create(
        &self,
        request: Request<Environment>,
    ) -> Result<Response<Environment>, Status> {
        sealed::create(&self.store, &self.cipher, "environment.create", request).await
    }
}
