//! The Stigmer API: generated protobuf messages with tonic clients and servers
//! for every service, the encoded descriptor set (custom options intact) and
//! the kind registry read from it.
//!
//! Module paths follow the protobuf packages:
//! `stigmer_api::ai::stigmer::agentic::agent::v1::Agent`; the shortcuts
//! [`agentic`], [`commons`] and [`iam`] save typing.
#![forbid(unsafe_code)]

use std::sync::LazyLock;

use prost_reflect::DescriptorPool;

mod registry;
pub mod resource;
pub mod validation;

pub use registry::{KindInfo, KindRegistry, RegistryError};
pub use resource::Resource;

/// Generated code, one module per protobuf package (`ai::stigmer::…`).
#[allow(
    clippy::all,
    clippy::pedantic,
    missing_docs,
    non_camel_case_types,
    rustdoc::all
)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/stigmer_api.rs"));
}

pub use generated::ai;

pub use ai::stigmer::{agentic, commons, iam};
pub use commons::apiresource::apiresourcekind::ApiResourceKind;

/// The encoded `FileDescriptorSet` of every file under `proto/` and its
/// imports, as the compiler wrote it (custom options and source info kept).
/// Served by gRPC reflection and read by the kind registry and validator.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/stigmer_descriptor.bin"));

/// The descriptor pool decoded from [`FILE_DESCRIPTOR_SET`].
///
/// The bytes are produced by our own build script from files it just
/// compiled, so failing to decode them is a build defect, not a runtime
/// condition; the panic message says so.
pub static DESCRIPTOR_POOL: LazyLock<DescriptorPool> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    DescriptorPool::decode(FILE_DESCRIPTOR_SET)
        .expect("the embedded descriptor set written by build.rs decodes")
});
