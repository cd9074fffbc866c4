//! Manifests: YAML/JSON documents in the resource envelope and the SDK's
//! synthesis output, decoded into resources, checked, and put in apply order.

pub mod decode;
pub mod document;
pub mod load;
pub mod order;
pub mod parse;
pub mod synthesis;

pub use document::{Document, LoadedFile, Problem};
