//! The standard rpcs for kinds with secret values: the same steps as
//! [`super::standard`], with the values sealed before each write and opened
//! in every answer.

use stigmer_api::commons::apiresource::ApiResourceReference;
use stigmer_pipeline::index::Indexed;
use stigmer_pipeline::inputs::IdInput;
use stigmer_pipeline::steps::{
    BuildNewState, BuildUpdateState, CheckDuplicate, DeleteResource, LoadByReference, LoadExisting,
    LoadTarget, Persist, ResolveSlug, SharedStore,
};
use stigmer_pipeline::{Pipeline, Step};
use tonic::{Request, Response, Status};

use super::standard;
use crate::secrets::{HasSecrets, OpenSecrets, SealSecrets, SecretCipher};

/// Slug → duplicate check → new state → seal → persist → open.
pub async fn create<R: Indexed + HasSecrets>(
    store: &SharedStore,
    cipher: &SecretCipher,
    name: &'static str,
    request: Request<R>,
) -> Result<Response<R>, Status> {
    let prepare = Pipeline::new(name)
        .step(ResolveSlug::<R>::new())
        .step(CheckDuplicate::new(store.clone()))
        .step(BuildNewState::<R>::new());
    standard::run(sealed_write(prepare, store, cipher), request).await
}

/// Slug → load → merged state → seal → persist → open.
pub async fn update<R: Indexed + HasSecrets>(
    store: &SharedStore,
    cipher: &SecretCipher,
    name: &'static str,
    request: Request<R>,
) -> Result<Response<R>, Status> {
    let prepare = Pipeline::new(name)
        .step(ResolveSlug::<R>::new())
        .step(LoadExisting::new(store.clone()))
        .step(BuildUpdateState::<R>::new());
    standard::run(sealed_write(prepare, store, cipher), request).await
}

/// The steps that prepared the new state, then the write: values sealed
/// just before it and opened again for the answer.
fn sealed_write<R: Indexed + HasSecrets>(
    prepare: Pipeline<R>,
    store: &SharedStore,
    cipher: &SecretCipher,
) -> Pipeline<R> {
    prepare
        .step(SealSecrets::<R>::new(cipher.clone()))
        .step(Persist::new(store.clone()))
        .step(OpenSecrets::<R>::new(cipher.clone()))
}

pub async fn get<I: IdInput, R: HasSecrets>(
    store: &SharedStore,
    cipher: &SecretCipher,
    name: &'static str,
    request: Request<I>,
) -> Result<Response<R>, Status> {
    opened(name, LoadTarget::<R>::new(store.clone()), cipher, request).await
}

pub async fn get_by_reference<R: HasSecrets>(
    store: &SharedStore,
    cipher: &SecretCipher,
    name: &'static str,
    request: Request<ApiResourceReference>,
) -> Result<Response<R>, Status> {
    opened(
        name,
        LoadByReference::<R>::new(store.clone()),
        cipher,
        request,
    )
    .await
}

/// Deletes and answers with the deleted resource, secrets opened.
pub async fn delete<I: IdInput, R: HasSecrets>(
    store: &SharedStore,
    cipher: &SecretCipher,
    name: &'static str,
    request: Request<I>,
) -> Result<Response<R>, Status> {
    opened(
        name,
        DeleteResource::<R>::new(store.clone()),
        cipher,
        request,
    )
    .await
}

/// Answers with the resource `load` put in the new state, secrets opened.
async fn opened<I: Send + Sync, R: HasSecrets>(
    name: &'static str,
    load: impl Step<I, R> + 'static,
    cipher: &SecretCipher,
    request: Request<I>,
) -> Result<Response<R>, Status> {
    let pipeline = Pipeline::new(name)
        .step(load)
        .step(OpenSecrets::<R>::new(cipher.clone()));
    standard::run_for(pipeline, request).await
}
