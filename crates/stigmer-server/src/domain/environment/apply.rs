use stigmer_api::agentic::environment::v1::Environment;
use tonic::{Request, Response, Status};

use super::EnvironmentController;
use crate::domain::standard;

impl EnvironmentController {
    pub(super) async fn apply(
        &self,
        request: Request<Environment>,
    ) -> Result<Response<Environment>, Status> {
        if standard::apply_creates(&self.store, "environment.apply", &request).await? {
            self.create(request).await
        } else {
            self.update(request).await
        }
    }
}
