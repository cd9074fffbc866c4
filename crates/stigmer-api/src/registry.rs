//! The kind registry: names, id prefixes, groups and tiers of every
//! `ApiResourceKind`, read from the `kind_meta` / `group_meta` enum-value
//! options and the `api_resource_kind` service option of the embedded
//! descriptors — never from a hand-written table.

use std::collections::HashMap;
use std::sync::LazyLock;

use prost_reflect::{DescriptorPool, DynamicMessage, ExtensionDescriptor, Value};

use crate::commons::apiresource::apiresourcekind::{
    ApiResourceGroup, ApiResourceGroupMeta, ApiResourceKindMeta, ResourceTier,
};
use crate::{ApiResourceKind, DESCRIPTOR_POOL};

const KIND_ENUM: &str = "ai.stigmer.commons.apiresource.apiresourcekind.ApiResourceKind";
const GROUP_ENUM: &str = "ai.stigmer.commons.apiresource.apiresourcekind.ApiResourceGroup";
const KIND_META: &str = "ai.stigmer.commons.apiresource.apiresourcekind.kind_meta";
const GROUP_META: &str = "ai.stigmer.commons.apiresource.apiresourcekind.group_meta";
const SERVICE_KIND: &str = "ai.stigmer.commons.apiresource.api_resource_kind";

/// Why a registry could not be built from a descriptor pool.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("descriptor pool lacks {0}")]
    Missing(&'static str),
    #[error("option {option} on {element} cannot be read: {reason}")]
    BadOption {
        option: &'static str,
        element: String,
        reason: String,
    },
}

/// Everything known about one resource kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindInfo {
    pub kind: ApiResourceKind,
    /// The enum value name (`agent_instance`), which is also how upstream
    /// databases spell the kind.
    pub value_name: String,
    /// PascalCase kind name (`AgentInstance`), the resource's `kind` field.
    pub name: String,
    pub display_name: String,
    /// Prefix of generated ids (`ain` in `ain-01j…`).
    pub id_prefix: String,
    pub group: ApiResourceGroup,
    /// The group's domain (`agentic.stigmer.ai`).
    pub group_domain: String,
    /// The resource's `api_version` field (`agentic.stigmer.ai/v1`).
    pub api_version: String,
    pub tier: ResourceTier,
    pub is_versioned: bool,
    pub not_search_indexed: bool,
}

/// Lookups over [`KindInfo`] by kind, name, id prefix and serving service.
#[derive(Debug, Clone)]
pub struct KindRegistry {
    kinds: Vec<KindInfo>,
    by_kind: HashMap<i32, usize>,
    by_name: HashMap<String, usize>,
    by_prefix: HashMap<String, usize>,
    by_service: HashMap<String, ApiResourceKind>,
}

static GLOBAL: LazyLock<KindRegistry> = LazyLock::new(|| {
    // The embedded descriptors are compiled from our own files at build time;
    // a registry that cannot be read from them is a build defect.
    #[allow(clippy::expect_used)]
    KindRegistry::from_pool(&DESCRIPTOR_POOL)
        .expect("the embedded descriptors carry readable kind metadata")
});

impl KindRegistry {
    /// The registry of the embedded descriptor set.
    pub fn global() -> &'static KindRegistry {
        &GLOBAL
    }

    /// Reads every kind and service option of `pool`.
    pub fn from_pool(pool: &DescriptorPool) -> Result<Self, RegistryError> {
        let kind_meta = extension(pool, KIND_META)?;
        let group_meta = extension(pool, GROUP_META)?;
        let service_kind = extension(pool, SERVICE_KIND)?;

        let mut groups = HashMap::new();
        let group_enum = pool
            .get_enum_by_name(GROUP_ENUM)
            .ok_or(RegistryError::Missing(GROUP_ENUM))?;
        for value in group_enum.values() {
            if let Some(meta) = option_message(&value.options(), &group_meta) {
                let meta: ApiResourceGroupMeta = transcode(meta, GROUP_META, value.full_name())?;
                groups.insert(value.number(), meta);
            }
        }

        let mut registry = KindRegistry {
            kinds: Vec::new(),
            by_kind: HashMap::new(),
            by_name: HashMap::new(),
            by_prefix: HashMap::new(),
            by_service: HashMap::new(),
        };
        let kind_enum = pool
            .get_enum_by_name(KIND_ENUM)
            .ok_or(RegistryError::Missing(KIND_ENUM))?;
        for value in kind_enum.values() {
            let Some(meta) = option_message(&value.options(), &kind_meta) else {
                continue;
            };
            let meta: ApiResourceKindMeta = transcode(meta, KIND_META, value.full_name())?;
            let bad = |reason: &str| RegistryError::BadOption {
                option: KIND_META,
                element: value.full_name().to_owned(),
                reason: reason.to_owned(),
            };
            let kind = ApiResourceKind::try_from(value.number())
                .map_err(|_| bad("unknown enum number"))?;
            let group = ApiResourceGroup::try_from(meta.group).map_err(|_| bad("unknown group"))?;
            let group_domain = groups
                .get(&meta.group)
                .map(|g| g.domain.clone())
                .ok_or_else(|| bad("group without group_meta"))?;
            let info = KindInfo {
                kind,
                value_name: value.name().to_owned(),
                api_version: format!("{group_domain}/v1"),
                group_domain,
                name: meta.name,
                display_name: meta.display_name,
                id_prefix: meta.id_prefix,
                group,
                tier: ResourceTier::try_from(meta.tier).unwrap_or(ResourceTier::TierUnspecified),
                is_versioned: meta.is_versioned,
                not_search_indexed: meta.not_search_indexed,
            };
            let index = registry.kinds.len();
            registry.by_kind.insert(value.number(), index);
            registry.by_name.insert(info.name.clone(), index);
            registry.by_name.insert(info.value_name.clone(), index);
            registry.by_prefix.insert(info.id_prefix.clone(), index);
            registry.kinds.push(info);
        }

        for service in pool.services() {
            let options = service.options();
            if !options.has_extension(&service_kind) {
                continue;
            }
            let number = match options.get_extension(&service_kind).as_ref() {
                Value::EnumNumber(n) => *n,
                other => {
                    return Err(RegistryError::BadOption {
                        option: SERVICE_KIND,
                        element: service.full_name().to_owned(),
                        reason: format!("expected an enum number, found {other:?}"),
                    });
                }
            };
            let kind = ApiResourceKind::try_from(number).map_err(|_| RegistryError::BadOption {
                option: SERVICE_KIND,
                element: service.full_name().to_owned(),
                reason: format!("unknown kind {number}"),
            })?;
            registry
                .by_service
                .insert(service.full_name().to_owned(), kind);
        }
        Ok(registry)
    }

    /// Every kind that carries metadata, in enum order.
    pub fn kinds(&self) -> impl Iterator<Item = &KindInfo> {
        self.kinds.iter()
    }

    /// Metadata of `kind`, `None` for `api_resource_kind_unknown`.
    pub fn get(&self, kind: ApiResourceKind) -> Option<&KindInfo> {
        self.by_kind.get(&(kind as i32)).map(|&i| &self.kinds[i])
    }

    /// Looks a kind up by its PascalCase name (`AgentInstance`) or its enum
    /// value name (`agent_instance`).
    pub fn by_name(&self, name: &str) -> Option<&KindInfo> {
        self.by_name.get(name).map(|&i| &self.kinds[i])
    }

    /// Looks a kind up by id prefix (`ain`).
    pub fn by_id_prefix(&self, prefix: &str) -> Option<&KindInfo> {
        self.by_prefix.get(prefix).map(|&i| &self.kinds[i])
    }

    /// The kind a resource id denotes, from its `<prefix>-` part.
    pub fn kind_of_id(&self, id: &str) -> Option<&KindInfo> {
        let (prefix, rest) = id.split_once('-')?;
        if rest.is_empty() {
            return None;
        }
        self.by_id_prefix(prefix)
    }

    /// The `api_resource_kind` option of a service, by full name
    /// (`ai.stigmer.agentic.agent.v1.AgentQueryController`).
    pub fn kind_of_service(&self, service: &str) -> Option<ApiResourceKind> {
        self.by_service.get(service).copied()
    }

    /// The kind of the service a gRPC path (`/pkg.Service/method`) calls.
    pub fn kind_of_path(&self, path: &str) -> Option<ApiResourceKind> {
        let service = path.strip_prefix('/')?.split_once('/')?.0;
        self.kind_of_service(service)
    }

    /// Every service that declares a kind, with that kind.
    pub fn services(&self) -> impl Iterator<Item = (&str, ApiResourceKind)> {
        self.by_service
            .iter()
            .map(|(name, kind)| (name.as_str(), *kind))
    }
}

fn extension(
    pool: &DescriptorPool,
    name: &'static str,
) -> Result<ExtensionDescriptor, RegistryError> {
    pool.get_extension_by_name(name)
        .ok_or(RegistryError::Missing(name))
}

fn option_message(options: &DynamicMessage, ext: &ExtensionDescriptor) -> Option<DynamicMessage> {
    if !options.has_extension(ext) {
        return None;
    }
    options.get_extension(ext).as_message().cloned()
}

fn transcode<T: prost::Message + Default>(
    message: DynamicMessage,
    option: &'static str,
    element: &str,
) -> Result<T, RegistryError> {
    message
        .transcode_to::<T>()
        .map_err(|e| RegistryError::BadOption {
            option,
            element: element.to_owned(),
            reason: e.to_string(),
        })
}
