//! One controller per resource kind, a file per rpc. Controllers never call
//! each other: a kind that needs another goes through its downstream client.

pub mod agent;
pub mod agentexecution;
pub mod agentinstance;
mod call;
mod default_instance;
pub mod environment;
pub mod executioncontext;
pub mod mcpserver;
pub mod resources;
mod sealed;
pub mod session;
pub mod skill;
pub mod standard;
pub mod workflow;
pub mod workflowexecution;
pub mod workflowinstance;

pub use call::{actor_of, durability_of, from_system, nested_failure, respond};
