//! From a parsed document (or SDK-written bytes) to a checked resource:
//! envelope, proto-JSON decoding with the failing field's path, the
//! defaults `apply` fills in, and protovalidate.

use std::path::Path;

use prost_reflect::{DeserializeOptions, DynamicMessage};
use serde_json::Value;
use stigmer_api::commons::apiresource::ApiResourceOwnerScope;
use stigmer_api::validation::{ValidateError, validator};
use stigmer_pipeline::slug::slugify;

use super::{Document, Problem};
use crate::kind::ResourceKind;
use crate::output::fields;

/// Decodes one document of `file`. `org` fills `metadata.org` when unset.
pub fn from_json(
    file: &Path,
    index: usize,
    mut value: Value,
    org: &str,
) -> Result<Document, Vec<Problem>> {
    let problem = |field: &str, message: String| {
        vec![Problem::in_document(file, index, message).at_field(field)]
    };
    let Some(object) = value.as_object_mut() else {
        return Err(problem(
            "",
            "a document must be a mapping with apiVersion, kind, metadata and spec".to_owned(),
        ));
    };
    let kind = match object.get("kind") {
        Some(Value::String(name)) => {
            ResourceKind::parse(name).map_err(|e| problem("kind", e.to_string()))?
        }
        Some(_) => return Err(problem("kind", "must be a string such as Agent".to_owned())),
        None => {
            let names: Vec<&str> = ResourceKind::ALL.iter().map(|k| k.name()).collect();
            return Err(problem(
                "kind",
                format!("missing; one of {}", names.join(", ")),
            ));
        }
    };
    if !kind.is_appliable() {
        return Err(problem(
            "kind",
            format!(
                "{} cannot be applied; start executions with `stigmer run`",
                kind.name()
            ),
        ));
    }
    let label = match object
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
    {
        Some(name) => format!("{} {name}", kind.name()),
        None => kind.name().to_owned(),
    };
    let api_version = object
        .remove("apiVersion")
        .or_else(|| object.remove("api_version"));
    match api_version {
        None => {}
        Some(Value::String(v)) if v == kind.api_version() => {}
        Some(other) => {
            let shown = other
                .as_str()
                .map_or_else(|| other.to_string(), str::to_owned);
            return Err(vec![
                Problem::in_document(
                    file,
                    index,
                    format!(
                        "'{shown}' is not the api version of {}; use {}",
                        kind.name(),
                        kind.api_version()
                    ),
                )
                .at_field("apiVersion")
                .labelled(label),
            ]);
        }
    }
    // The envelope's own fields are filled in below; status is server-owned.
    object.remove("kind");
    object.remove("status");

    let mut track = serde_path_to_error::Track::new();
    let deserializer = serde_path_to_error::Deserializer::new(value, &mut track);
    let resource = DynamicMessage::deserialize_with_options(
        kind.descriptor(),
        deserializer,
        &DeserializeOptions::new(),
    )
    .map_err(|e| {
        let path = track.path().to_string();
        let field = if path == "?" || path == "." {
            String::new()
        } else {
            path
        };
        vec![{
            let (field, message) = pin_unknown_field(field, e.to_string());
            Problem::in_document(file, index, message)
                .at_field(field)
                .labelled(label.clone())
        }]
    })?;
    finish(file, index, kind, resource, org)
}

/// Decodes a binary resource written by the SDK (`agent-0.pb`).
pub fn from_bytes(
    file: &Path,
    kind: ResourceKind,
    bytes: &[u8],
    org: &str,
) -> Result<Document, Vec<Problem>> {
    let resource = DynamicMessage::decode(kind.descriptor(), bytes).map_err(|e| {
        vec![Problem::in_document(
            file,
            1,
            format!("not a binary {} message: {e}", kind.name()),
        )]
    })?;
    let mut resource = resource;
    resource.clear_field_by_name("status");
    finish(file, 1, kind, resource, org)
}

/// Fills the envelope and defaults, checks the name and validates.
fn finish(
    file: &Path,
    index: usize,
    kind: ResourceKind,
    mut resource: DynamicMessage,
    org: &str,
) -> Result<Document, Vec<Problem>> {
    fields::set_text(&mut resource, "api_version", kind.api_version());
    fields::set_text(&mut resource, "kind", kind.name());
    let scoped_by_org = !matches!(kind, ResourceKind::ExecutionContext);
    if scoped_by_org {
        if fields::text(&resource, "metadata.org").is_empty() {
            fields::set_text(&mut resource, "metadata.org", org);
        }
        if fields::text(&resource, "metadata.owner_scope")
            == ApiResourceOwnerScope::Unspecified.as_str_name()
        {
            fields::set_enum(
                &mut resource,
                "metadata.owner_scope",
                ApiResourceOwnerScope::Organization as i32,
            );
        }
    }
    let label = {
        let name = fields::display_name(&resource);
        if name.is_empty() {
            kind.name().to_owned()
        } else {
            format!("{} {name}", kind.name())
        }
    };
    let name = fields::text(&resource, "metadata.name");
    let slug = fields::text(&resource, "metadata.slug");
    if slugify(&name).is_empty() && slug.is_empty() {
        return Err(vec![
            Problem::in_document(
                file,
                index,
                "required: a name with at least one letter or digit (or a slug)",
            )
            .at_field("metadata.name")
            .labelled(label),
        ]);
    }
    if let Err(error) = validator().validate(&resource) {
        return Err(validation_problems(file, index, &label, error));
    }
    let depends_on = dependencies(kind, &resource);
    Ok(Document {
        file: file.to_owned(),
        index,
        kind,
        resource,
        depends_on,
    })
}

fn validation_problems(
    file: &Path,
    index: usize,
    label: &str,
    error: ValidateError,
) -> Vec<Problem> {
    match error {
        ValidateError::Validation(violations) => violations
            .violations()
            .iter()
            .map(|v| {
                Problem::in_document(file, index, format!("{} [{}]", v.message(), v.rule_id()))
                    .at_field(v.field_path())
                    .labelled(label)
            })
            .collect(),
        other => vec![
            Problem::in_document(file, index, format!("cannot be validated: {other}"))
                .labelled(label),
        ],
    }
}

/// An unknown field is reported at its parent; point at the field itself.
fn pin_unknown_field(parent: String, message: String) -> (String, String) {
    const UNKNOWN: &str = "unrecognized field name '";
    let Some(name) = message
        .strip_prefix(UNKNOWN)
        .and_then(|rest| rest.split('\'').next())
    else {
        return (parent, message.trim().to_owned());
    };
    let field = if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    };
    (
        field,
        "unknown field (check its spelling; camelCase or snake_case)".to_owned(),
    )
}

/// What must be applied before `resource`: referenced skills, environments,
/// parents named by slug, agents called by workflow tasks.
fn dependencies(kind: ResourceKind, resource: &DynamicMessage) -> Vec<(ResourceKind, String)> {
    let mut deps = Vec::new();
    let mut parent = |path: &str, parent_kind: ResourceKind| {
        let value = fields::text(resource, path);
        if !value.is_empty() && !parent_kind.is_id(&value) {
            deps.push((parent_kind, slugify(&value)));
        }
    };
    match kind {
        ResourceKind::AgentInstance => parent("spec.agent_id", ResourceKind::Agent),
        ResourceKind::WorkflowInstance => parent("spec.workflow_id", ResourceKind::Workflow),
        ResourceKind::Session => parent("spec.agent_instance_id", ResourceKind::AgentInstance),
        _ => {}
    }
    for (path, ref_kind) in [
        ("spec.skill_refs", ResourceKind::Skill),
        ("spec.environment_refs", ResourceKind::Environment),
        ("spec.env_refs", ResourceKind::Environment),
    ] {
        deps.extend(
            reference_slugs(resource, path)
                .into_iter()
                .map(|s| (ref_kind, s)),
        );
    }
    if kind == ResourceKind::Workflow {
        deps.extend(
            agent_calls(resource)
                .into_iter()
                .map(|s| (ResourceKind::Agent, s)),
        );
    }
    deps.sort();
    deps.dedup();
    deps
}

fn reference_slugs(resource: &DynamicMessage, path: &str) -> Vec<String> {
    let Some((value, _)) = fields::get(resource, path) else {
        return Vec::new();
    };
    value
        .as_list()
        .unwrap_or_default()
        .iter()
        .filter_map(|r| r.as_message())
        .map(|r| fields::text(r, "slug"))
        .filter(|s| !s.is_empty())
        .collect()
}

/// Slugs of agents called by `AGENT_CALL` tasks (`task_config.agent`).
fn agent_calls(resource: &DynamicMessage) -> Vec<String> {
    let Ok(json) = crate::output::proto_json::to_json(resource) else {
        return Vec::new();
    };
    json["spec"]["tasks"]
        .as_array()
        .map(|tasks| {
            tasks
                .iter()
                .filter(|t| t["kind"] == "WORKFLOW_TASK_KIND_AGENT_CALL")
                .filter_map(|t| t["taskConfig"]["agent"].as_str())
                .map(slugify)
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(yaml: &str) -> Result<Document, Vec<Problem>> {
        let value: Value = serde_yaml_ng::from_str(yaml).unwrap();
        from_json(Path::new("m.yaml"), 2, value, "local")
    }

    #[test]
    fn camel_and_snake_case_field_names_both_decode() {
        let doc = decode(
            "apiVersion: agentic.stigmer.ai/v1\nkind: Agent\nmetadata: {name: Support Bot}\n\
             spec:\n  instructions: Answer questions politely.\n  iconUrl: https://x/i.png\n",
        )
        .unwrap();
        assert_eq!(
            fields::text(&doc.resource, "spec.icon_url"),
            "https://x/i.png"
        );
        let doc = decode(
            "kind: agent\nmetadata: {name: bot}\nspec:\n  instructions: Answer questions politely.\n  icon_url: https://x/i.png\n",
        )
        .unwrap();
        assert_eq!(
            fields::text(&doc.resource, "spec.icon_url"),
            "https://x/i.png"
        );
        assert_eq!(doc.slug(), "bot");
    }

    #[test]
    fn defaults_fill_the_envelope_org_and_scope() {
        let doc = decode("kind: Agent\nmetadata: {name: Support Bot}\nspec: {instructions: Answer questions politely.}\n").unwrap();
        assert_eq!(
            fields::text(&doc.resource, "api_version"),
            "agentic.stigmer.ai/v1"
        );
        assert_eq!(fields::text(&doc.resource, "kind"), "Agent");
        assert_eq!(fields::text(&doc.resource, "metadata.org"), "local");
        assert_eq!(
            fields::text(&doc.resource, "metadata.owner_scope"),
            "organization"
        );
        assert_eq!(doc.slug(), "support-bot");
    }

    #[test]
    fn a_rule_violation_names_document_and_field() {
        let problems = decode("kind: Agent\nmetadata: {name: bot}\nspec: {instructions: short}\n")
            .unwrap_err();
        let text = problems[0].to_string();
        assert!(
            text.starts_with("m.yaml, document 2 (Agent bot): spec.instructions: "),
            "{text}"
        );
        assert!(text.contains("string.min_len"), "{text}");
    }

    #[test]
    fn an_unknown_field_names_its_path() {
        let problems = decode(
            "kind: Agent\nmetadata: {name: bot}\nspec: {instrucions: Answer questions politely.}\n",
        )
        .unwrap_err();
        assert_eq!(problems[0].field.as_deref(), Some("spec.instrucions"));
        assert_eq!(problems[0].label.as_deref(), Some("Agent bot"));
    }

    #[test]
    fn a_wrong_type_names_its_path() {
        let problems = decode("kind: Agent\nmetadata: {name: bot, labels: [a]}\nspec: {instructions: Answer questions politely.}\n").unwrap_err();
        assert_eq!(
            problems[0].field.as_deref(),
            Some("metadata.labels"),
            "{}",
            problems[0]
        );
    }

    #[test]
    fn unknown_kinds_and_api_versions_are_refused() {
        let problems = decode("kind: Agnet\nmetadata: {name: bot}\n").unwrap_err();
        assert_eq!(problems[0].field.as_deref(), Some("kind"));
        assert!(problems[0].message.contains("Valid kinds"));
        let problems = decode("apiVersion: v2\nkind: Agent\nmetadata: {name: bot}\n").unwrap_err();
        assert_eq!(problems[0].field.as_deref(), Some("apiVersion"));
    }

    #[test]
    fn a_nameless_resource_is_refused() {
        let problems =
            decode("kind: Agent\nspec: {instructions: Answer questions politely.}\n").unwrap_err();
        assert_eq!(problems[0].field.as_deref(), Some("metadata.name"));
    }

    #[test]
    fn instances_depend_on_the_parent_they_name() {
        let doc = decode(
            "kind: AgentInstance\nmetadata: {name: bot-prod}\nspec: {agentId: Support Bot}\n",
        )
        .unwrap();
        assert_eq!(
            doc.depends_on,
            vec![(ResourceKind::Agent, "support-bot".to_owned())]
        );
        let doc =
            decode("kind: AgentInstance\nmetadata: {name: bot-prod}\nspec: {agentId: agt-01abc}\n")
                .unwrap();
        assert!(doc.depends_on.is_empty());
    }

    #[test]
    fn agents_depend_on_their_skills() {
        let doc = decode(
            "kind: Agent\nmetadata: {name: bot}\nspec:\n  instructions: Answer questions politely.\n  skillRefs: [{kind: skill, slug: search}]\n",
        )
        .unwrap();
        assert_eq!(
            doc.depends_on,
            vec![(ResourceKind::Skill, "search".to_owned())]
        );
    }
}
