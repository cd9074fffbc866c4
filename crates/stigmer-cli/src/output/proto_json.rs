//! Resources as proto-JSON (camelCase field names, defaults left out), the
//! form `stigmer apply` reads back.

use prost_reflect::{DynamicMessage, SerializeOptions};

pub fn to_json(message: &DynamicMessage) -> anyhow::Result<serde_json::Value> {
    let options = SerializeOptions::new()
        .skip_default_fields(true)
        .use_proto_field_name(false);
    Ok(message.serialize_with_options(serde_json::value::Serializer, &options)?)
}
