//! The embedded descriptors rendered in the spec's words.

use prost_reflect::{
    DynamicMessage, EnumValueDescriptor, ExtensionDescriptor, FieldDescriptor, FileDescriptor,
    Kind, MethodDescriptor, ReflectMessage, ServiceDescriptor, Value,
};
use stigmer_api::DESCRIPTOR_POOL;

/// How the spec writes "nothing set".
pub const NONE: &str = "—";

/// Packages under `proto/ai/stigmer/` that are our declared additions to
/// the upstream API, not part of it: the spec does not list them, so they
/// are left out of every comparison (their paths are pinned in
/// `contract.rs`). Explicit, so an accidental new package still fails.
pub const EXTENSION_PACKAGES: [&str; 1] = ["ai.stigmer.extensions.v1"];

pub fn is_extension(package: &str) -> bool {
    EXTENSION_PACKAGES.contains(&package)
}

/// The files of the upstream API (extensions left out).
pub fn own_files() -> impl Iterator<Item = FileDescriptor> {
    DESCRIPTOR_POOL
        .files()
        .filter(|file| file.name().starts_with("ai/stigmer/") && !is_extension(file.package_name()))
}

pub fn kind_name(kind: &Kind) -> String {
    let scalar = match kind {
        Kind::Message(message) => return message.full_name().to_owned(),
        Kind::Enum(enumeration) => return enumeration.full_name().to_owned(),
        Kind::Double => "double",
        Kind::Float => "float",
        Kind::Int32 => "int32",
        Kind::Int64 => "int64",
        Kind::Uint32 => "uint32",
        Kind::Uint64 => "uint64",
        Kind::Sint32 => "sint32",
        Kind::Sint64 => "sint64",
        Kind::Fixed32 => "fixed32",
        Kind::Fixed64 => "fixed64",
        Kind::Sfixed32 => "sfixed32",
        Kind::Sfixed64 => "sfixed64",
        Kind::Bool => "bool",
        Kind::String => "string",
        Kind::Bytes => "bytes",
    };
    scalar.to_owned()
}

pub fn field_type(field: &FieldDescriptor) -> String {
    match field.kind() {
        Kind::Message(entry) if field.is_map() => format!(
            "map<{}, {}>",
            kind_name(&entry.map_entry_key_field().kind()),
            kind_name(&entry.map_entry_value_field().kind())
        ),
        kind => kind_name(&kind),
    }
}

/// The spec's label vocabulary (§3 "Presence").
pub fn field_label(field: &FieldDescriptor) -> String {
    if field.is_map() {
        "map".to_owned()
    } else if field.is_list() {
        "repeated".to_owned()
    } else if let Some(oneof) = field.containing_oneof().filter(|o| !o.is_synthetic()) {
        format!("oneof {}", oneof.name())
    } else if matches!(field.kind(), Kind::Message(_)) {
        "singular (msg)".to_owned()
    } else {
        "singular".to_owned()
    }
}

pub fn extension(name: &str) -> ExtensionDescriptor {
    DESCRIPTOR_POOL
        .get_extension_by_name(name)
        .unwrap_or_else(|| panic!("the descriptors declare {name}"))
}

/// The message-typed option `name` of `options`, when set.
pub fn option<T: prost::Message + Default>(options: &DynamicMessage, name: &str) -> Option<T> {
    let extension = extension(name);
    options.has_extension(&extension).then(|| {
        options
            .get_extension(&extension)
            .as_message()
            .unwrap()
            .transcode_to()
            .unwrap()
    })
}

pub fn flag(options: &DynamicMessage, name: &str) -> bool {
    let extension = extension(name);
    options.has_extension(&extension) && options.get_extension(&extension).as_bool() == Some(true)
}

pub fn enum_value_name(kind: &Kind, number: i32) -> String {
    kind.as_enum()
        .and_then(|enumeration| enumeration.get_value(number))
        .map_or_else(|| number.to_string(), |value| value.name().to_owned())
}

pub fn render(value: &Value, field: &FieldDescriptor) -> String {
    match value {
        Value::EnumNumber(number) => enum_value_name(&field.kind(), *number),
        Value::Bool(flag) => flag.to_string(),
        Value::String(text) => text.clone(),
        other => format!("{other:?}"),
    }
}

/// Field `column` of the message-typed option set on `value` (`kind_meta`,
/// `group_meta`), or "—" when the value carries no such option.
pub fn option_payload_field(value: &EnumValueDescriptor, column: &str) -> String {
    let options = value.options();
    options
        .extensions()
        .find_map(|(_, payload)| {
            let payload = payload.as_message()?;
            let field = payload.descriptor().get_field_by_name(column)?;
            Some(render(&payload.get_field(&field), &field))
        })
        .unwrap_or_else(|| NONE.to_owned())
}

pub fn streaming(method: &MethodDescriptor) -> &'static str {
    match (method.is_client_streaming(), method.is_server_streaming()) {
        (false, false) => "unary",
        (false, true) => "server-stream",
        (true, false) => "client-stream",
        (true, true) => "bidi-stream",
    }
}

pub fn service_kind(service: &ServiceDescriptor) -> String {
    let option = extension("ai.stigmer.commons.apiresource.api_resource_kind");
    let options = service.options();
    if !options.has_extension(&option) {
        return "(not set)".to_owned();
    }
    let number = options
        .get_extension(&option)
        .as_enum_number()
        .unwrap_or(-1);
    enum_value_name(&option.kind(), number)
}
