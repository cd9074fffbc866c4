//! Typed clients through which one kind calls another. They speak gRPC over
//! any channel: the in-process channel at start-up (so validation, kind
//! injection, identity and audit run as for a network call), or a network
//! channel if a kind moves to another process — a one-line change.

mod agent;
mod agentexecution;
mod agentinstance;
mod session;
mod session_reader;
mod workflow;
mod workflowexecution;
mod workflowinstance;

use stigmer_grpc::InProcessChannel;
use stigmer_pipeline::CommittedByCaller;
use tonic::body::Body;
use tonic::client::GrpcService;

pub use agent::AgentClient;
pub use agentexecution::AgentExecutionClient;
pub use agentinstance::AgentInstanceClient;
pub use session::SessionClient;
pub use session_reader::SessionReader;
pub use workflow::WorkflowClient;
pub use workflowexecution::WorkflowExecutionClient;
pub use workflowinstance::WorkflowInstanceClient;

/// Any channel a downstream client can use: the in-process channel, a
/// `tonic::transport::Channel`, or anything else that speaks gRPC.
pub trait Channel:
    GrpcService<
        Body,
        ResponseBody = Body,
        Error: Into<tonic::codegen::StdError> + Send,
        Future: Send,
    > + Clone
    + Send
    + Sync
    + 'static
{
}

impl<T> Channel for T where
    T: GrpcService<
            Body,
            ResponseBody = Body,
            Error: Into<tonic::codegen::StdError> + Send,
            Future: Send,
        > + Clone
        + Send
        + Sync
        + 'static
{
}

/// The channel the server's own kinds use to reach each other.
pub type Local = InProcessChannel;

/// A request whose writes the calling pipeline's own synced commit makes
/// durable (see [`CommittedByCaller`]): for a create the caller follows
/// with its commit and undoes on failure. Over a network channel the
/// marker is not sent and the callee syncs as usual.
fn committed_by_caller<T>(message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.extensions_mut().insert(CommittedByCaller);
    request
}
