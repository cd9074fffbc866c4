//! Our extension service `ai.stigmer.extensions.v1.ResourceQueryController`:
//! one `list` for every stored kind, since upstream has no list rpc for most
//! kinds. Additive: upstream clients never call it.
//!
//! The service serves many kinds, so it carries no `api_resource_kind`
//! option and the kind layer injects none; the kind comes from the request
//! body and is recorded on the call's span by the handler instead.

mod list;
mod paging;

use stigmer_api::ai::stigmer::extensions::v1::resource_query_controller_server::{
    ResourceQueryController, ResourceQueryControllerServer,
};
use stigmer_api::ai::stigmer::extensions::v1::{ListResourcesRequest, ListResourcesResponse};
use stigmer_grpc::RuntimeBuilder;
use stigmer_pipeline::steps::SharedStore;
use tonic::{Request, Response, Status};

use crate::secrets::SecretCipher;

#[derive(Clone)]
pub struct ResourceController {
    store: SharedStore,
    cipher: SecretCipher,
}

impl ResourceController {
    /// `cipher` opens the secret values of environments, execution
    /// contexts and MCP servers, as their own `get` does.
    pub fn new(store: SharedStore, cipher: SecretCipher) -> Self {
        ResourceController { store, cipher }
    }

    pub fn register(self, builder: RuntimeBuilder) -> RuntimeBuilder {
        builder.add_service(stigmer_grpc::message_limits!(
            ResourceQueryControllerServer::new(self)
        ))
    }
}

#[tonic::async_trait]
impl ResourceQueryController for ResourceController {
    async fn list(
        &self,
        request: Request<ListResourcesRequest>,
    ) -> Result<Response<ListResourcesResponse>, Status> {
        self.list(request).await
    }
}
