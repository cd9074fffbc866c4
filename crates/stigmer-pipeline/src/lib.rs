//! Request pipelines: every rpc handler is a named, ordered list of steps over
//! a typed [`RequestContext`].
//!
//! Each step runs in its own `tracing` span; the first error stops the
//! pipeline and carries the step's name. A step whose side effect lives
//! outside its own record (a nested create through a downstream client)
//! registers a compensation with [`RequestContext::on_failure`]; when a later
//! step fails, the compensations run newest first, so a failed request leaves
//! nothing behind.
#![forbid(unsafe_code)]

mod context;
mod error;
pub mod ids;
pub mod index;
pub mod inputs;
mod pipeline;
pub mod slug;
pub mod steps;
mod store_error;

pub use context::{Actor, CommittedByCaller, RequestContext};
pub use error::{ApiError, PipelineError};
pub use pipeline::{Pipeline, Step};
pub use store_error::kind_label;
