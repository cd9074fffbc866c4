//! What every rpc handler does around its pipeline: who is calling, and
//! turning the outcome into a response.

use stigmer_grpc::Identity;
use stigmer_pipeline::{Actor, ApiError, CommittedByCaller, PipelineError};
use stigmer_store::Durability;
use tonic::{Request, Response, Status};

/// The actor a request acts for, from the identity the RPC layer
/// established (the system for nested in-process calls).
pub fn actor_of<T>(request: &Request<T>) -> Actor {
    match request.extensions().get::<Identity>() {
        Some(Identity::Principal(name)) => Actor {
            id: name.to_string(),
        },
        Some(Identity::LocalUser) => Actor {
            id: "local-user".to_owned(),
        },
        Some(Identity::System) | None => Actor::system(),
    }
}

/// Whether the server itself made the request (system identity, which only
/// the in-process channel carries).
pub fn from_system<T>(request: &Request<T>) -> bool {
    matches!(
        request.extensions().get::<Identity>(),
        Some(Identity::System)
    )
}

/// Whether the request's writes must be synced before it answers: not when
/// an in-process caller commits after it ([`CommittedByCaller`]).
pub fn durability_of<T>(request: &Request<T>) -> Durability {
    if request.extensions().get::<CommittedByCaller>().is_some() {
        Durability::WithNextSyncedCommit
    } else {
        Durability::Synced
    }
}

/// A nested call's failure with its code kept and what failed said first:
/// "failed to create session: <the Session service's message>".
pub fn nested_failure(what: &str, status: &Status) -> ApiError {
    ApiError::Status(Status::new(
        status.code(),
        format!("{what}: {}", status.message()),
    ))
}

/// The response of a pipeline run: its final state, or its error.
pub fn respond<S>(outcome: Result<(), PipelineError>, state: S) -> Result<Response<S>, Status> {
    outcome.map_err(Status::from)?;
    Ok(Response::new(state))
}
