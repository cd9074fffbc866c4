//! The test service of the stigmer-grpc tests and transport bench: no
//! domain code, just enough behaviour to observe every layer.
#![forbid(unsafe_code)]

use std::sync::{Arc, LazyLock};

use prost_reflect::DescriptorPool;
use stigmer_api::KindRegistry;
use stigmer_grpc::{Runtime, RuntimeBuilder};

mod handlers;

pub use handlers::{Gate, WidgetHandlers};

/// Generated messages, clients and servers of `stigmer.grpctest.v1`.
#[allow(clippy::all, clippy::pedantic, missing_docs, non_camel_case_types)]
pub mod pb {
    include!(concat!(env!("OUT_DIR"), "/stigmer.grpctest.v1.rs"));
}

/// The encoded descriptor set of the test proto and its imports.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/widget_descriptor.bin"));

/// [`FILE_DESCRIPTOR_SET`], decoded.
pub static DESCRIPTOR_POOL: LazyLock<DescriptorPool> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    DescriptorPool::decode(FILE_DESCRIPTOR_SET).expect("build.rs wrote a valid descriptor set")
});

pub const COMMAND_SERVICE: &str = "stigmer.grpctest.v1.WidgetCommandController";
pub const QUERY_SERVICE: &str = "stigmer.grpctest.v1.WidgetQueryController";
pub const TROUBLE_SERVICE: &str = "stigmer.grpctest.v1.TroubleController";

/// A runtime serving the three test services; `configure` adds tokens,
/// sinks or limits. Returns the gate that holds `wait` calls.
pub fn runtime(
    configure: impl FnOnce(RuntimeBuilder) -> RuntimeBuilder,
) -> Result<(Runtime, Arc<Gate>), stigmer_grpc::Error> {
    #[allow(clippy::expect_used)]
    let kinds = KindRegistry::from_pool(&DESCRIPTOR_POOL)
        .expect("the test descriptors import the kind metadata");
    let builder = Runtime::builder()
        .descriptors(DESCRIPTOR_POOL.clone(), FILE_DESCRIPTOR_SET)
        .kind_resolver(kinds);
    let gate = Arc::new(Gate::default());
    let handlers = WidgetHandlers::new(builder.in_process_channel(), gate.clone());
    let builder = builder
        .add_service(stigmer_grpc::message_limits!(
            pb::widget_command_controller_server::WidgetCommandControllerServer::new(
                handlers.clone()
            )
        ))
        .add_service(stigmer_grpc::message_limits!(
            pb::widget_query_controller_server::WidgetQueryControllerServer::new(handlers.clone())
        ))
        .add_service(stigmer_grpc::message_limits!(
            pb::trouble_controller_server::TroubleControllerServer::new(handlers)
        ));
    Ok((configure(builder).build()?, gate))
}
