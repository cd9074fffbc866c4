//! Listing the kinds upstream gives no list rpc through our extension
//! service `ai.stigmer.extensions.v1.ResourceQueryController/list`. Items
//! arrive as `Any`s naming their message; they are decoded against the
//! embedded descriptors, so every kind shares one code path.

use prost_reflect::DynamicMessage;
use stigmer_api::DESCRIPTOR_POOL;
use stigmer_api::ai::stigmer::extensions::v1::ListResourcesRequest;
use stigmer_api::ai::stigmer::extensions::v1::resource_query_controller_client::ResourceQueryControllerClient;

use super::connection::Connection;
use super::error::ClientError;
use super::resources::{ListQuery, Page, client};
use crate::kind::ResourceKind;

const TYPE_URL_PREFIX: &str = "type.googleapis.com/";

/// One page of `kind` in `query.org` (every org when empty).
pub async fn list(
    conn: &Connection,
    kind: ResourceKind,
    query: &ListQuery,
) -> Result<Page, ClientError> {
    let request = ListResourcesRequest {
        kind: kind.api_kind().into(),
        org: query.org.clone(),
        page_size: i32::try_from(query.page_size).unwrap_or(i32::MAX),
        page_token: query.page_token(),
    };
    let response = client!(conn, ResourceQueryControllerClient)
        .list(request)
        .await
        .map_err(
            |status| match ClientError::from_status(status, conn.address()) {
                // A server without our extension (an upstream one): say what
                // still works instead of "does not offer".
                ClientError::Unimplemented(_) => ClientError::Unsupported {
                    operation: "listing",
                    kind: kind.cli_name(),
                    hint: format!(
                        " on this server (it lacks the list extension); get one by name with \
                     `stigmer get {} NAME`",
                        kind.cli_name()
                    ),
                },
                other => other,
            },
        )?
        .into_inner();
    let items = response
        .items
        .iter()
        .map(|any| decode(kind, any))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page {
        items,
        total_pages: u32::try_from(response.total_pages).ok().filter(|n| *n > 0),
    })
}

fn decode(kind: ResourceKind, any: &prost_types::Any) -> Result<DynamicMessage, ClientError> {
    let name = any
        .type_url
        .strip_prefix(TYPE_URL_PREFIX)
        .unwrap_or(&any.type_url);
    let descriptor = DESCRIPTOR_POOL
        .get_message_by_name(name)
        .filter(|d| d.name() == kind.name())
        .ok_or_else(|| {
            ClientError::Invalid(format!(
                "the server listed a {name} among {}",
                kind.plural()
            ))
        })?;
    DynamicMessage::decode(descriptor, any.value.as_slice())
        .map_err(|e| ClientError::Invalid(format!("cannot decode a listed {name}: {e}")))
}
