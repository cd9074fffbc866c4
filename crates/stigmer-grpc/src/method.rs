//! Everything the layers need to know about a method, resolved once when
//! the runtime is built: input descriptor for validation, streaming shape,
//! the service's resource kind and where resource ids sit in its messages.

use std::collections::HashMap;
use std::sync::Arc;

use prost_reflect::{DescriptorPool, Kind, MessageDescriptor};
use stigmer_api::{ApiResourceKind, KindRegistry};

/// Finds the resource kind a service serves (its `api_resource_kind`
/// option). [`KindRegistry`] is the implementation for the Stigmer API; a
/// test or another API can bring its own.
pub trait KindResolver: Send + Sync {
    /// The kind of the service with this full name
    /// (`ai.stigmer.agentic.agent.v1.AgentQueryController`).
    fn kind_of_service(&self, service: &str) -> Option<ApiResourceKind>;
}

impl KindResolver for KindRegistry {
    fn kind_of_service(&self, service: &str) -> Option<ApiResourceKind> {
        KindRegistry::kind_of_service(self, service)
    }
}

impl<T: KindResolver + ?Sized> KindResolver for &T {
    fn kind_of_service(&self, service: &str) -> Option<ApiResourceKind> {
        (**self).kind_of_service(service)
    }
}

/// One rpc, as the layers see it.
#[derive(Debug)]
pub(crate) struct MethodInfo {
    pub(crate) input: MessageDescriptor,
    pub(crate) kind: Option<ApiResourceKind>,
    pub(crate) client_streaming: bool,
    pub(crate) server_streaming: bool,
    /// Field numbers leading to the resource id in the request, if any.
    pub(crate) request_id_path: Option<Box<[u32]>>,
    /// Field numbers leading to `metadata.id` in the response, if any.
    pub(crate) response_id_path: Option<Box<[u32]>>,
}

/// The method a request calls, put into its extensions by the outermost
/// layer so inner layers do not look it up again.
#[derive(Debug, Clone)]
pub(crate) struct CallMethod(pub(crate) Arc<MethodInfo>);

/// Every method of every registered descriptor pool, by `:path`.
#[derive(Debug, Default)]
pub(crate) struct MethodTable {
    by_path: HashMap<String, Arc<MethodInfo>>,
}

impl MethodTable {
    pub(crate) fn new(pools: &[DescriptorPool], kinds: &dyn KindResolver) -> Self {
        let mut by_path = HashMap::new();
        for pool in pools {
            for service in pool.services() {
                let kind = kinds.kind_of_service(service.full_name());
                for method in service.methods() {
                    let input = method.input();
                    let info = MethodInfo {
                        request_id_path: request_id_path(&input),
                        response_id_path: metadata_id_path(&method.output()),
                        input,
                        kind,
                        client_streaming: method.is_client_streaming(),
                        server_streaming: method.is_server_streaming(),
                    };
                    let path = format!("/{}/{}", service.full_name(), method.name());
                    by_path.insert(path, Arc::new(info));
                }
            }
        }
        Self { by_path }
    }

    pub(crate) fn get(&self, path: &str) -> Option<&Arc<MethodInfo>> {
        self.by_path.get(path)
    }

    pub(crate) fn has_service(&self, service: &str) -> bool {
        self.by_path.keys().any(|path| {
            path.strip_prefix('/')
                .and_then(|rest| rest.split_once('/'))
                .is_some_and(|(name, _)| name == service)
        })
    }
}

/// Where a request names the resource it is about: a resource's
/// `metadata.id`, a delete input's `resource_id`, an id wrapper's `value`,
/// or a plain `id`.
fn request_id_path(message: &MessageDescriptor) -> Option<Box<[u32]>> {
    if let Some(path) = metadata_id_path(message) {
        return Some(path);
    }
    let is_id_wrapper = message.name().ends_with("Id");
    ["resource_id", "value", "id"]
        .into_iter()
        .filter(|name| *name != "value" || is_id_wrapper)
        .find_map(|name| string_field(message, name))
        .map(|number| Box::from([number]))
}

fn metadata_id_path(message: &MessageDescriptor) -> Option<Box<[u32]>> {
    let metadata = message.get_field_by_name("metadata")?;
    let Kind::Message(metadata_type) = metadata.kind() else {
        return None;
    };
    let id = string_field(&metadata_type, "id")?;
    Some(Box::from([metadata.number(), id]))
}

fn string_field(message: &MessageDescriptor, name: &str) -> Option<u32> {
    let field = message.get_field_by_name(name)?;
    (field.kind() == Kind::String && !field.is_list() && !field.is_map()).then(|| field.number())
}

#[cfg(test)]
mod tests {
    use super::*;
    use stigmer_api::DESCRIPTOR_POOL;

    fn table() -> MethodTable {
        MethodTable::new(
            std::slice::from_ref(&DESCRIPTOR_POOL),
            KindRegistry::global(),
        )
    }

    #[test]
    fn methods_carry_kind_shape_and_id_paths() {
        let table = table();
        let get = table
            .get("/ai.stigmer.agentic.agent.v1.AgentQueryController/get")
            .unwrap();
        assert_eq!(get.kind, Some(ApiResourceKind::Agent));
        assert!(!get.server_streaming);
        assert_eq!(get.request_id_path.as_deref(), Some(&[1][..]));
        assert_eq!(get.response_id_path.as_deref(), Some(&[3, 3][..]));

        let subscribe = table
            .get("/ai.stigmer.agentic.agentexecution.v1.AgentExecutionQueryController/subscribe")
            .unwrap();
        assert!(subscribe.server_streaming);
        assert_eq!(subscribe.kind, Some(ApiResourceKind::AgentExecution));

        let create = table
            .get("/ai.stigmer.agentic.agent.v1.AgentCommandController/create")
            .unwrap();
        assert_eq!(create.request_id_path.as_deref(), Some(&[3, 3][..]));
        assert!(table.get("/nope.Service/get").is_none());
    }
}
