//! Compiles the test proto with protox, like stigmer-api does: the Stigmer
//! protos provide the `api_resource_kind` option, prost-protovalidate-types
//! provides `buf/validate/validate.proto`. The raw descriptor bytes are kept
//! so reflection and protovalidate see every option.

use std::error::Error;
use std::path::PathBuf;

use prost::Message;
use protox::file::{
    ChainFileResolver, DescriptorSetFileResolver, GoogleFileResolver, IncludeFileResolver,
};

const TEST_PROTO: &str = "stigmer/grpctest/v1/widget.proto";

fn main() -> Result<(), Box<dyn Error>> {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let own_protos = manifest_dir.join("proto");
    let stigmer_protos = manifest_dir.join("../../../proto").canonicalize()?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    println!("cargo:rerun-if-changed={}", own_protos.display());

    let mut resolver = ChainFileResolver::new();
    resolver.add(IncludeFileResolver::new(own_protos));
    resolver.add(IncludeFileResolver::new(stigmer_protos));
    let validate_set = prost_protovalidate_types::DESCRIPTOR_POOL.encode_to_vec();
    resolver.add(DescriptorSetFileResolver::decode(validate_set.as_slice())?);
    resolver.add(GoogleFileResolver::new());

    let mut compiler = protox::Compiler::with_file_resolver(resolver);
    compiler.include_imports(true).include_source_info(false);
    compiler.open_files([TEST_PROTO])?;
    let descriptor_bytes = compiler.encode_file_descriptor_set();
    std::fs::write(out_dir.join("widget_descriptor.bin"), &descriptor_bytes)?;

    // Generate code for the test file only; its imports contribute options,
    // not types.
    let mut fds = prost_types::FileDescriptorSet::decode(descriptor_bytes.as_slice())?;
    fds.file.retain(|file| file.name() == TEST_PROTO);
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(fds)?;
    Ok(())
}
