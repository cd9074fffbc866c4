//! Resources on stdout: a table with the columns that matter per kind, or
//! the whole resource as YAML documents / JSON.

use std::io::Write;

use prost_reflect::DynamicMessage;

use super::{fields, proto_json, table};
use crate::cli::OutputFormat;
use crate::kind::ResourceKind;
use crate::server::lifecycle::unix_now;

/// Kind-specific columns between ID and AGE: (header, field path).
fn extra_columns(kind: ResourceKind) -> &'static [(&'static str, &'static str)] {
    match kind {
        ResourceKind::Agent => &[("description", "spec.description")],
        ResourceKind::AgentInstance => &[("agent", "spec.agent_id")],
        ResourceKind::Session => &[
            ("instance", "spec.agent_instance_id"),
            ("subject", "spec.subject"),
        ],
        ResourceKind::AgentExecution => &[
            ("phase", "status.phase"),
            ("agent", "spec.agent_id"),
            ("session", "spec.session_id"),
        ],
        ResourceKind::Environment => &[("variables", "spec.data")],
        ResourceKind::ExecutionContext => &[("values", "spec.data")],
        ResourceKind::Skill => &[("tag", "spec.tag"), ("version", "status.version_hash")],
        ResourceKind::Workflow => &[
            ("namespace", "spec.document.namespace"),
            ("version", "spec.document.version"),
        ],
        ResourceKind::WorkflowInstance => &[("workflow", "spec.workflow_id")],
        ResourceKind::WorkflowExecution => {
            &[("phase", "status.phase"), ("workflow", "spec.workflow_id")]
        }
        ResourceKind::McpServer => &[("description", "spec.description")],
    }
}

/// A cell as people read it: phases without their enum prefix, hashes cut.
fn cell(message: &DynamicMessage, header: &str, path: &str) -> String {
    let raw = fields::text(message, path);
    match header {
        "phase" => phase_word(&raw),
        "version" if raw.len() == 64 => raw[..12].to_owned(),
        "description" | "subject" if raw.chars().count() > 60 => {
            let cut: String = raw.chars().take(57).collect();
            format!("{cut}...")
        }
        _ => raw,
    }
}

/// `EXECUTION_COMPLETED` → `completed`.
pub fn phase_word(raw: &str) -> String {
    let word = raw
        .strip_prefix("EXECUTION_")
        .unwrap_or(raw)
        .to_ascii_lowercase()
        .replace('_', " ");
    if word == "phase unspecified" {
        String::new()
    } else {
        word
    }
}

/// "5m", "3h", "2d": time since the resource was created.
fn age(message: &DynamicMessage) -> String {
    let Some(created) = fields::timestamp_seconds(message, "status.audit.spec_audit.created_at")
    else {
        return String::new();
    };
    let seconds = u64::try_from(created).map_or(0, |c| unix_now().saturating_sub(c));
    match seconds {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s if s < 172_800 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

pub fn render_table(kind: ResourceKind, items: &[DynamicMessage]) -> String {
    let extra = extra_columns(kind);
    let mut header = vec!["name", "id"];
    header.extend(extra.iter().map(|(h, _)| *h));
    header.push("age");
    let rows = items
        .iter()
        .map(|item| {
            let mut row = vec![
                fields::display_name(item),
                fields::text(item, "metadata.id"),
            ];
            row.extend(extra.iter().map(|(h, p)| cell(item, h, p)));
            row.push(age(item));
            row
        })
        .collect();
    table::render(&header, rows)
}

/// One resource (`get KIND NAME`): a JSON object or one YAML document.
pub fn print_one(
    kind: ResourceKind,
    item: &DynamicMessage,
    format: OutputFormat,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        OutputFormat::Table => {
            out.write_all(render_table(kind, std::slice::from_ref(item)).as_bytes())?
        }
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &proto_json::to_json(item)?)?;
            writeln!(out)?;
        }
        OutputFormat::Yaml => out.write_all(yaml_document(item)?.as_bytes())?,
    }
    Ok(())
}

/// Several resources: a JSON array, or YAML documents separated by `---`
/// (re-appliable as they are).
pub fn print_many(
    kind: ResourceKind,
    items: &[DynamicMessage],
    format: OutputFormat,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        OutputFormat::Table => {
            if items.is_empty() {
                crate::ui::note(format!("No {} found.", kind.plural()));
            } else {
                out.write_all(render_table(kind, items).as_bytes())?;
            }
        }
        OutputFormat::Json => {
            let values = items
                .iter()
                .map(proto_json::to_json)
                .collect::<anyhow::Result<Vec<_>>>()?;
            serde_json::to_writer_pretty(&mut out, &values)?;
            writeln!(out)?;
        }
        OutputFormat::Yaml => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.write_all(b"---\n")?;
                }
                out.write_all(yaml_document(item)?.as_bytes())?;
            }
        }
    }
    Ok(())
}

fn yaml_document(item: &DynamicMessage) -> anyhow::Result<String> {
    Ok(serde_yaml_ng::to_string(&proto_json::to_json(item)?)?)
}
