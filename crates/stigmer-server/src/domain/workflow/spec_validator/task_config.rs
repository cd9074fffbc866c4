//! A task's `task_config` Struct read as its typed schema: the Struct's
//! proto-JSON form is parsed into the kind's message from
//! `workflow.v1.tasks` (unknown fields are errors, so a misspelled key is
//! reported instead of silently ignored), then protovalidate checks it.

use prost_reflect::{DeserializeOptions, DynamicMessage, MessageDescriptor, ReflectMessage};
use prost_types::value::Kind as ValueKind;
use stigmer_api::agentic::workflow::v1::tasks::{
    AgentCallTaskConfig, CallActivityTaskConfig, ForTaskConfig, ForkTaskConfig, GrpcCallTaskConfig,
    HttpCallTaskConfig, ListenTaskConfig, RaiseTaskConfig, RunTaskConfig, SetTaskConfig,
    SwitchTaskConfig, TryTaskConfig, WaitTaskConfig,
};
use stigmer_api::commons::apiresource::WorkflowTaskKind;

/// Why a config is not a valid instance of its schema; `field` is relative
/// to the config (empty = the config itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub field: String,
    pub message: String,
}

/// The schema message of a task kind; `None` for UNSPECIFIED and unknown
/// numbers (protovalidate on the task reports those).
pub fn schema_of(kind: WorkflowTaskKind) -> Option<MessageDescriptor> {
    Some(match kind {
        WorkflowTaskKind::Unspecified => return None,
        WorkflowTaskKind::Set => SetTaskConfig::default().descriptor(),
        WorkflowTaskKind::HttpCall => HttpCallTaskConfig::default().descriptor(),
        WorkflowTaskKind::GrpcCall => GrpcCallTaskConfig::default().descriptor(),
        WorkflowTaskKind::CallActivity => CallActivityTaskConfig::default().descriptor(),
        WorkflowTaskKind::Switch => SwitchTaskConfig::default().descriptor(),
        WorkflowTaskKind::For => ForTaskConfig::default().descriptor(),
        WorkflowTaskKind::Fork => ForkTaskConfig::default().descriptor(),
        WorkflowTaskKind::Try => TryTaskConfig::default().descriptor(),
        WorkflowTaskKind::Listen => ListenTaskConfig::default().descriptor(),
        WorkflowTaskKind::Wait => WaitTaskConfig::default().descriptor(),
        WorkflowTaskKind::Raise => RaiseTaskConfig::default().descriptor(),
        WorkflowTaskKind::Run => RunTaskConfig::default().descriptor(),
        WorkflowTaskKind::AgentCall => AgentCallTaskConfig::default().descriptor(),
    })
}

/// Parses `config` as `schema` and validates it: the typed message, or
/// every problem found.
pub fn decode_config(
    config: &prost_types::Struct,
    schema: MessageDescriptor,
) -> Result<DynamicMessage, Vec<ConfigProblem>> {
    let json = struct_to_json(config);
    let mut track = serde_path_to_error::Track::new();
    let deserializer = serde_path_to_error::Deserializer::new(json, &mut track);
    let message =
        DynamicMessage::deserialize_with_options(schema, deserializer, &DeserializeOptions::new())
            .map_err(|e| vec![parse_problem(track.path().to_string(), e.to_string())])?;
    match stigmer_api::validation::validator().validate(&message) {
        Ok(()) => Ok(message),
        Err(stigmer_api::validation::ValidateError::Validation(failed)) => Err(failed
            .violations()
            .iter()
            .map(|v| ConfigProblem {
                field: v.field_path(),
                message: format!("{} [{}]", v.message(), v.rule_id()),
            })
            .collect()),
        Err(other) => Err(vec![ConfigProblem {
            field: String::new(),
            message: format!("cannot check the config: {other}"),
        }]),
    }
}

/// A parse error at the path serde reached; an unknown key is pinned to
/// the key itself rather than its parent object.
fn parse_problem(path: String, message: String) -> ConfigProblem {
    let parent = if path == "." || path == "?" {
        String::new()
    } else {
        path
    };
    const UNKNOWN: &str = "unrecognized field name '";
    if let Some(name) = message
        .strip_prefix(UNKNOWN)
        .and_then(|rest| rest.split('\'').next())
    {
        let field = if parent.is_empty() {
            name.to_owned()
        } else {
            format!("{parent}.{name}")
        };
        return ConfigProblem {
            field,
            message: "unknown field (check its spelling; camelCase or snake_case)".to_owned(),
        };
    }
    ConfigProblem {
        field: parent,
        message: message.trim().to_owned(),
    }
}

/// The proto-JSON form of a Struct. Struct numbers are doubles; whole
/// numbers become JSON integers because proto-JSON accepts enum numbers
/// (e.g. `scope: 2`) only as integers. Non-finite numbers have no JSON
/// form and become null, which the schema then rejects where it matters.
pub fn struct_to_json(config: &prost_types::Struct) -> serde_json::Value {
    serde_json::Value::Object(
        config
            .fields
            .iter()
            .map(|(key, value)| (key.clone(), value_to_json(value)))
            .collect(),
    )
}

fn value_to_json(value: &prost_types::Value) -> serde_json::Value {
    use serde_json::Value as Json;
    match &value.kind {
        None | Some(ValueKind::NullValue(_)) => Json::Null,
        Some(ValueKind::BoolValue(b)) => Json::Bool(*b),
        Some(ValueKind::StringValue(s)) => Json::String(s.clone()),
        Some(ValueKind::NumberValue(n)) => number_to_json(*n),
        Some(ValueKind::StructValue(s)) => struct_to_json(s),
        Some(ValueKind::ListValue(list)) => {
            Json::Array(list.values.iter().map(value_to_json).collect())
        }
    }
}

fn number_to_json(n: f64) -> serde_json::Value {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53: doubles are exact integers below
    if n.fract() == 0.0 && n.abs() <= EXACT {
        #[allow(clippy::cast_possible_truncation)]
        return serde_json::Value::from(n as i64);
    }
    serde_json::Number::from_f64(n).map_or(serde_json::Value::Null, serde_json::Value::Number)
}
