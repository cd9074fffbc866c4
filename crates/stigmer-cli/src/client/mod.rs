//! Talking to a Stigmer server over gRPC with the generated clients.

pub mod connection;
pub mod error;
pub mod resource_list;
pub mod resources;

pub use connection::Connection;
pub use error::ClientError;
pub use resources::{ListQuery, Resources};
