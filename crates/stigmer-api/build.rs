//! Compiles `proto/` without a system `protoc`: protox parses the files
//! (`buf/validate/validate.proto` comes from the prost-protovalidate-types
//! crate's own descriptor set), the raw descriptor bytes are embedded as they
//! are — re-encoding through `prost_types` would drop custom options — and
//! tonic-prost-build generates messages, clients and servers from them.

use std::error::Error;
use std::path::{Path, PathBuf};

use prost::Message;
use protox::file::{
    ChainFileResolver, DescriptorSetFileResolver, GoogleFileResolver, IncludeFileResolver,
};

/// Packages we generate Rust code for; everything else is only imported.
const OWN_PREFIX: &str = "ai/stigmer/";

fn main() -> Result<(), Box<dyn Error>> {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let proto_dir = manifest_dir.join("../../proto").canonicalize()?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    println!("cargo:rerun-if-changed={}", proto_dir.display());

    let mut files = Vec::new();
    collect_protos(&proto_dir, &proto_dir, &mut files)?;
    files.sort();
    for file in &files {
        println!("cargo:rerun-if-changed={}", proto_dir.join(file).display());
    }

    let mut resolver = ChainFileResolver::new();
    resolver.add(IncludeFileResolver::new(proto_dir.clone()));
    let validate_set = prost_protovalidate_types::DESCRIPTOR_POOL.encode_to_vec();
    resolver.add(DescriptorSetFileResolver::decode(validate_set.as_slice())?);
    resolver.add(GoogleFileResolver::new());

    let mut compiler = protox::Compiler::with_file_resolver(resolver);
    compiler.include_imports(true).include_source_info(true);
    compiler.open_files(&files)?;

    // The raw bytes keep every custom option (kind_meta, api_resource_kind,
    // buf.validate rules) for reflection at run time.
    let descriptor_bytes = compiler.encode_file_descriptor_set();
    std::fs::write(out_dir.join("stigmer_descriptor.bin"), &descriptor_bytes)?;

    let pool = compiler.descriptor_pool();
    let fds = prost_types::FileDescriptorSet::decode(descriptor_bytes.as_slice())?;

    let mut config = prost_build::Config::new();
    for message in pool.all_messages() {
        if !message.parent_file().name().starts_with(OWN_PREFIX) {
            continue;
        }
        let full_name = message.full_name();
        config.type_attribute(
            format!(".{full_name}"),
            format!(
                "#[derive(::prost_reflect::ReflectMessage)]\n\
                 #[prost_reflect(descriptor_pool = \"crate::DESCRIPTOR_POOL\", message_name = \"{full_name}\")]"
            ),
        );
    }

    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .include_file("stigmer_api.rs")
        // Imported rule types are not ours to generate.
        .extern_path(".buf.validate", "::prost_protovalidate::types")
        .compile_fds_with_config(fds, config)?;
    Ok(())
}

fn collect_protos(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Box<dyn Error>> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_protos(root, &path, out)?;
        } else if path.extension().is_some_and(|ext| ext == "proto") {
            out.push(path.strip_prefix(root)?.to_path_buf());
        }
    }
    Ok(())
}
