//! Pipeline steps that seal secret values before a write and open them in
//! the state answered to the caller.

use std::collections::HashMap;
use std::marker::PhantomData;

use async_trait::async_trait;
use stigmer_api::Resource;
use stigmer_api::agentic::environment::v1::{Environment, EnvironmentValue};
use stigmer_api::agentic::executioncontext::v1::{ExecutionContext, ExecutionValue};
use stigmer_api::agentic::mcpserver::v1::McpServer;
use stigmer_pipeline::{ApiError, RequestContext, Step};

use super::{SecretCipher, SecretError};

/// One entry of a data map that may be secret.
pub trait SecretValue {
    fn is_secret(&self) -> bool;
    fn value_mut(&mut self) -> &mut String;
}

impl SecretValue for EnvironmentValue {
    fn is_secret(&self) -> bool {
        self.is_secret
    }
    fn value_mut(&mut self) -> &mut String {
        &mut self.value
    }
}

impl SecretValue for ExecutionValue {
    fn is_secret(&self) -> bool {
        self.is_secret
    }
    fn value_mut(&mut self) -> &mut String {
        &mut self.value
    }
}

/// A resource with secret entries, reached through one closure per map so
/// both map value types share the code.
pub trait HasSecrets: Resource {
    fn for_each_secret(
        &mut self,
        visit: &mut dyn FnMut(&str, &mut String) -> Result<(), SecretError>,
    ) -> Result<(), SecretError>;
}

fn visit_map<V: SecretValue>(
    data: &mut HashMap<String, V>,
    visit: &mut dyn FnMut(&str, &mut String) -> Result<(), SecretError>,
) -> Result<(), SecretError> {
    for (key, value) in data.iter_mut() {
        if value.is_secret() {
            visit(key, value.value_mut())?;
        }
    }
    Ok(())
}

impl HasSecrets for Environment {
    fn for_each_secret(
        &mut self,
        visit: &mut dyn FnMut(&str, &mut String) -> Result<(), SecretError>,
    ) -> Result<(), SecretError> {
        match self.spec.as_mut() {
            Some(spec) => visit_map(&mut spec.data, visit),
            None => Ok(()),
        }
    }
}

impl HasSecrets for ExecutionContext {
    fn for_each_secret(
        &mut self,
        visit: &mut dyn FnMut(&str, &mut String) -> Result<(), SecretError>,
    ) -> Result<(), SecretError> {
        match self.spec.as_mut() {
            Some(spec) => visit_map(&mut spec.data, visit),
            None => Ok(()),
        }
    }
}

impl HasSecrets for McpServer {
    fn for_each_secret(
        &mut self,
        visit: &mut dyn FnMut(&str, &mut String) -> Result<(), SecretError>,
    ) -> Result<(), SecretError> {
        match self.spec.as_mut().and_then(|spec| spec.env_spec.as_mut()) {
            Some(env) => visit_map(&mut env.data, visit),
            None => Ok(()),
        }
    }
}

/// What a sealed value is bound to: its resource and entry.
fn context_of(resource_id: &str, key: &str) -> String {
    format!("{resource_id}/{key}")
}

/// Encrypts the new state's secret values; runs after the id is known and
/// right before `Persist`.
pub struct SealSecrets<R> {
    cipher: SecretCipher,
    kind: PhantomData<fn() -> R>,
}

impl<R> SealSecrets<R> {
    pub fn new(cipher: SecretCipher) -> Self {
        SealSecrets {
            cipher,
            kind: PhantomData,
        }
    }
}

#[async_trait]
impl<I: Send + Sync, R: HasSecrets> Step<I, R> for SealSecrets<R> {
    fn name(&self) -> &'static str {
        "seal_secrets"
    }

    async fn run(&self, ctx: &mut RequestContext<I, R>) -> Result<(), ApiError> {
        let id = ctx.new_state.id().to_owned();
        ctx.new_state
            .for_each_secret(&mut |key, value| {
                *value = self.cipher.seal(value, &context_of(&id, key))?;
                Ok(())
            })
            .map_err(|e| ApiError::Internal(e.to_string()))
    }
}

/// Decrypts the state's secret values for the answer; runs after a load or
/// after `Persist`.
pub struct OpenSecrets<R> {
    cipher: SecretCipher,
    kind: PhantomData<fn() -> R>,
}

impl<R> OpenSecrets<R> {
    pub fn new(cipher: SecretCipher) -> Self {
        OpenSecrets {
            cipher,
            kind: PhantomData,
        }
    }
}

#[async_trait]
impl<I: Send + Sync, R: HasSecrets> Step<I, R> for OpenSecrets<R> {
    fn name(&self) -> &'static str {
        "open_secrets"
    }

    async fn run(&self, ctx: &mut RequestContext<I, R>) -> Result<(), ApiError> {
        let id = ctx.new_state.id().to_owned();
        ctx.new_state
            .for_each_secret(&mut |key, value| {
                *value = self
                    .cipher
                    .open(value, &context_of(&id, key))
                    .inspect_err(|_| {
                        tracing::error!(resource = %id, entry = key, "stored secret cannot be decrypted");
                    })?;
                Ok(())
            })
            .map_err(|e| ApiError::Internal(e.to_string()))
    }
}
