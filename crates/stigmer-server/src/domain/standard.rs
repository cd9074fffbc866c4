//! The standard rpcs every kind shares, as upstream's pipelines define them
//! (with our fixes in the steps). A kind's file per rpc calls one of these,
//! or lists its own steps when it needs more.

use stigmer_api::Resource;
use stigmer_api::commons::apiresource::ApiResourceReference;
use stigmer_pipeline::index::Indexed;
use stigmer_pipeline::inputs::IdInput;
use stigmer_pipeline::steps::{
    BuildNewState, BuildUpdateState, CheckDuplicate, DeleteResource, LoadByReference, LoadExisting,
    LoadForApply, LoadTarget, Persist, ResolveSlug, SharedStore, ShouldCreate,
};
use stigmer_pipeline::{Pipeline, RequestContext};
use tonic::{Request, Response, Status};

use super::{actor_of, durability_of, respond};

/// Runs a pipeline whose input and state are the request's resource.
pub async fn run<R: Resource>(
    pipeline: Pipeline<R>,
    request: Request<R>,
) -> Result<Response<R>, Status> {
    let (actor, durability) = (actor_of(&request), durability_of(&request));
    let mut ctx = RequestContext::new(request.into_inner(), actor);
    ctx.durability = durability;
    let outcome = pipeline.run(&mut ctx).await;
    respond(outcome, ctx.new_state)
}

/// Runs a pipeline that answers a request of another type with a resource.
pub async fn run_for<I: Send, R: Resource>(
    pipeline: Pipeline<I, R>,
    request: Request<I>,
) -> Result<Response<R>, Status> {
    let (actor, durability) = (actor_of(&request), durability_of(&request));
    let mut ctx = RequestContext::with_state(request.into_inner(), R::default(), actor);
    ctx.durability = durability;
    let outcome = pipeline.run(&mut ctx).await;
    respond(outcome, ctx.new_state)
}

/// Slug → duplicate check → new state → persist.
pub fn create_pipeline<R: Indexed>(store: &SharedStore, name: &'static str) -> Pipeline<R> {
    Pipeline::new(name)
        .step(ResolveSlug::<R>::new())
        .step(CheckDuplicate::new(store.clone()))
        .step(BuildNewState::<R>::new())
        .step(Persist::new(store.clone()))
}

pub async fn create<R: Indexed>(
    store: &SharedStore,
    name: &'static str,
    request: Request<R>,
) -> Result<Response<R>, Status> {
    run(create_pipeline(store, name), request).await
}

/// Slug → load (by id, else by slug) → merged state → persist over the
/// revision read.
pub fn update_pipeline<R: Indexed>(store: &SharedStore, name: &'static str) -> Pipeline<R> {
    Pipeline::new(name)
        .step(ResolveSlug::<R>::new())
        .step(LoadExisting::new(store.clone()))
        .step(BuildUpdateState::<R>::new())
        .step(Persist::new(store.clone()))
}

pub async fn update<R: Indexed>(
    store: &SharedStore,
    name: &'static str,
    request: Request<R>,
) -> Result<Response<R>, Status> {
    run(update_pipeline(store, name), request).await
}

/// Whether an `apply` of this request creates (true) or updates.
pub async fn apply_creates<R: Indexed>(
    store: &SharedStore,
    name: &'static str,
    request: &Request<R>,
) -> Result<bool, Status> {
    let pipeline = Pipeline::new(name)
        .step(ResolveSlug::<R>::new())
        .step(LoadForApply::new(store.clone()));
    let mut ctx = RequestContext::new(request.get_ref().clone(), actor_of(request));
    pipeline.run(&mut ctx).await?;
    Ok(ctx.get::<ShouldCreate>().is_some_and(|create| create.0))
}

pub async fn get<I: IdInput, R: Resource>(
    store: &SharedStore,
    name: &'static str,
    request: Request<I>,
) -> Result<Response<R>, Status> {
    run_for(
        Pipeline::new(name).step(LoadTarget::<R>::new(store.clone())),
        request,
    )
    .await
}

pub async fn get_by_reference<R: Resource>(
    store: &SharedStore,
    name: &'static str,
    request: Request<ApiResourceReference>,
) -> Result<Response<R>, Status> {
    run_for(
        Pipeline::new(name).step(LoadByReference::<R>::new(store.clone())),
        request,
    )
    .await
}

/// Deletes and answers with the deleted resource.
pub async fn delete<I: IdInput, R: Resource>(
    store: &SharedStore,
    name: &'static str,
    request: Request<I>,
) -> Result<Response<R>, Status> {
    run_for(
        Pipeline::new(name).step(DeleteResource::<R>::new(store.clone())),
        request,
    )
    .await
}
