//! The typed request context a pipeline's steps share.

use std::future::Future;
use std::pin::Pin;

use http::Extensions;
use stigmer_store::Durability;

use crate::ApiError;

/// Request extension set by a caller that commits (synced) after this
/// nested request and undoes it if that fails, so this request's writes
/// need not wait for the disk: the caller's commit syncs them too. Only
/// in-process callers can set it: extensions never cross the network.
#[derive(Debug, Clone, Copy)]
pub struct CommittedByCaller;

/// Who a request acts for, as recorded in audit blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: String,
}

impl Actor {
    /// The actor of calls the server makes to itself.
    pub fn system() -> Self {
        Actor {
            id: "system".to_owned(),
        }
    }
}

type CompensationFuture = Pin<Box<dyn Future<Output = Result<(), ApiError>> + Send>>;

/// An undo action registered by a step with effects outside its own record.
pub(crate) struct Compensation {
    pub(crate) name: &'static str,
    pub(crate) run: Box<dyn FnOnce() -> CompensationFuture + Send>,
}

/// State shared by the steps of one request: the untouched input, the state
/// being built, the caller, a typed bag for values steps hand to each other,
/// and the compensations registered so far.
pub struct RequestContext<I, S = I> {
    /// The request as it arrived.
    pub input: I,
    /// What the request will store or return; steps edit it freely.
    pub new_state: S,
    /// Who the request acts for.
    pub actor: Actor,
    /// When this request's writes must be on disk: synced, unless it is a
    /// nested request whose caller commits after it ([`CommittedByCaller`]).
    pub durability: Durability,
    bag: Extensions,
    pub(crate) compensations: Vec<Compensation>,
}

impl<I: Clone> RequestContext<I, I> {
    /// A context whose new state starts as a copy of the input.
    pub fn new(input: I, actor: Actor) -> Self {
        let new_state = input.clone();
        Self::with_state(input, new_state, actor)
    }
}

impl<I, S> RequestContext<I, S> {
    /// A context with an explicitly chosen starting state.
    pub fn with_state(input: I, new_state: S, actor: Actor) -> Self {
        RequestContext {
            input,
            new_state,
            actor,
            durability: Durability::Synced,
            bag: Extensions::new(),
            compensations: Vec::new(),
        }
    }

    /// Stores a value for later steps; one value per type (use newtypes).
    pub fn put<T: Clone + Send + Sync + 'static>(&mut self, value: T) {
        self.bag.insert(value);
    }

    pub fn get<T: Clone + Send + Sync + 'static>(&self) -> Option<&T> {
        self.bag.get::<T>()
    }

    pub fn take<T: Clone + Send + Sync + 'static>(&mut self) -> Option<T> {
        self.bag.remove::<T>()
    }

    /// A value an earlier step must have stored; its absence is a wiring bug
    /// in the pipeline, reported as INTERNAL naming the missing value.
    pub fn require<T: Clone + Send + Sync + 'static>(&self) -> Result<&T, ApiError> {
        self.bag.get::<T>().ok_or_else(|| {
            ApiError::Internal(format!(
                "pipeline wiring: {} was not set by an earlier step",
                std::any::type_name::<T>()
            ))
        })
    }

    /// Registers an undo action that runs if a later step fails.
    pub fn on_failure<F, Fut>(&mut self, name: &'static str, undo: F)
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<(), ApiError>> + Send + 'static,
    {
        self.compensations.push(Compensation {
            name,
            run: Box::new(move || Box::pin(undo())),
        });
    }
}
