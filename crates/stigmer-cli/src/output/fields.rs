//! Reading fields of resources by dotted path, as text for tables.

use prost_reflect::{DynamicMessage, Kind, ReflectMessage, Value};

/// The value at `path` (`spec.description`), `None` when a message on the
/// way is unset or the path does not exist.
pub fn get(message: &DynamicMessage, path: &str) -> Option<(Value, Kind)> {
    let mut current = message.clone();
    let parts: Vec<&str> = path.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let field = current.descriptor().get_field_by_name(part)?;
        if i + 1 == parts.len() {
            let value = current.get_field(&field).into_owned();
            return Some((value, field.kind()));
        }
        if !current.has_field(&field) {
            return None;
        }
        current = current.get_field(&field).as_message()?.clone();
    }
    None
}

/// The field as text: strings as they are, enums by name, lists and maps by
/// their size; empty when unset.
pub fn text(message: &DynamicMessage, path: &str) -> String {
    let Some((value, kind)) = get(message, path) else {
        return String::new();
    };
    match value {
        Value::String(s) => s,
        Value::EnumNumber(n) => match kind {
            Kind::Enum(e) => e
                .get_value(n)
                .map_or_else(|| n.to_string(), |v| v.name().to_owned()),
            _ => n.to_string(),
        },
        Value::Bool(b) => b.to_string(),
        Value::I32(n) => n.to_string(),
        Value::I64(n) => n.to_string(),
        Value::U32(n) => n.to_string(),
        Value::U64(n) => n.to_string(),
        Value::List(items) => items.len().to_string(),
        Value::Map(items) => items.len().to_string(),
        _ => String::new(),
    }
}

/// Seconds of a `google.protobuf.Timestamp` field.
pub fn timestamp_seconds(message: &DynamicMessage, path: &str) -> Option<i64> {
    let (value, _) = get(message, path)?;
    let ts = value
        .as_message()?
        .transcode_to::<prost_types::Timestamp>()
        .ok()?;
    (ts.seconds > 0).then_some(ts.seconds)
}

/// Writes `value` into the string field at `path`, creating messages on
/// the way. Returns false when the path is not a string field.
pub fn set_text(message: &mut DynamicMessage, path: &str, value: &str) -> bool {
    let parts: Vec<&str> = path.split('.').collect();
    set_rec(message, &parts, Value::String(value.to_owned()))
}

/// Writes an enum number into the field at `path`.
pub fn set_enum(message: &mut DynamicMessage, path: &str, number: i32) -> bool {
    let parts: Vec<&str> = path.split('.').collect();
    set_rec(message, &parts, Value::EnumNumber(number))
}

fn set_rec(message: &mut DynamicMessage, parts: &[&str], value: Value) -> bool {
    let Some((first, rest)) = parts.split_first() else {
        return false;
    };
    let Some(field) = message.descriptor().get_field_by_name(first) else {
        return false;
    };
    if rest.is_empty() {
        if !value.is_valid_for_field(&field) {
            return false;
        }
        message.set_field(&field, value);
        return true;
    }
    match message.get_field_mut(&field) {
        Value::Message(child) => set_rec(child, rest, value),
        _ => false,
    }
}

/// `metadata.name`, else the slug, else the id.
pub fn display_name(message: &DynamicMessage) -> String {
    ["metadata.name", "metadata.slug", "metadata.id"]
        .iter()
        .map(|p| text(message, p))
        .find(|s| !s.is_empty())
        .unwrap_or_default()
}
