//! `stigmer apply -f FILE|DIR [--dry-run]`
//!
//! Load → validate every document (a file with an invalid document is not
//! applied at all) → order by dependencies → per document: resolve parents
//! named by slug, compare with what the server has (getByReference), and
//! apply only what changed.

use std::collections::HashSet;

use prost_reflect::DynamicMessage;
use serde::Serialize;
use stigmer_api::agentic::skill::v1::PushSkillRequest;
use stigmer_api::commons::apiresource::ApiResourceOwnerScope;

use crate::archive;
use crate::cli::{ApplyArgs, OutputFormat};
use crate::client::{ClientError, Resources};
use crate::context::Context;
use crate::kind::ResourceKind;
use crate::manifest::{Document, load, order};
use crate::output::{fields, print_data, proto_json, table};
use crate::server::health::{self, Health};
use crate::server::lifecycle::connect_or_start;
use crate::ui;

use super::exit;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
enum Outcome {
    Created,
    Updated,
    Unchanged,
    Failed,
    WouldCreate,
    WouldUpdate,
    /// Dry run without a server: validated only.
    Valid,
}

impl Outcome {
    fn word(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Updated => "updated",
            Outcome::Unchanged => "unchanged",
            Outcome::Failed => "failed",
            Outcome::WouldCreate => "would create",
            Outcome::WouldUpdate => "would update",
            Outcome::Valid => "valid",
        }
    }
}

#[derive(Debug, Serialize)]
struct Row {
    kind: String,
    name: String,
    id: String,
    result: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    source: String,
}

pub async fn run(ctx: &Context, args: ApplyArgs) -> anyhow::Result<u8> {
    let mut failed = false;
    let mut documents: Vec<Document> = Vec::new();
    for file in load::load(&args.files, &ctx.org) {
        if file.problems.is_empty() {
            documents.extend(file.documents);
            continue;
        }
        failed = true;
        for problem in &file.problems {
            ui::error(problem);
        }
        if !file.documents.is_empty() {
            ui::note(format!(
                "Nothing from {} is applied: fix the document(s) above first.",
                file.path.display()
            ));
        }
    }
    drop_duplicates(&mut documents, &mut failed);
    let order = order::apply_order(&documents).map_err(anyhow::Error::msg)?;
    if documents.is_empty() {
        if !failed {
            ui::note("Nothing to apply.");
        }
        return Ok(if failed { exit::FAILURE } else { exit::SUCCESS });
    }

    let api = if args.dry_run {
        // A dry run never starts a server; it compares when one answers.
        match health::probe(&ctx.address, ctx.token.as_deref()).await {
            Health::Serving(_) => Some(Resources::new(connect_or_start(ctx).await?)),
            _ => {
                ui::note(format!(
                    "No server answers at {}: checking the manifests only.",
                    ctx.address
                ));
                None
            }
        }
    } else {
        Some(Resources::new(connect_or_start(ctx).await?))
    };

    let in_this_apply: HashSet<(ResourceKind, String)> =
        documents.iter().map(Document::key).collect();
    let spinner = (!args.dry_run).then(|| ui::spinner("Applying"));
    let mut rows = Vec::new();
    for index in order {
        let doc = &documents[index];
        if let Some(s) = &spinner {
            s.set_message(format!("Applying {} {}", doc.kind, doc.name()));
        }
        let (result, id, error) = match &api {
            None => (Outcome::Valid, String::new(), None),
            Some(api) => match apply_one(ctx, api, doc, args.dry_run, &in_this_apply).await {
                Ok((outcome, id)) => (outcome, id, None),
                Err(e) => {
                    failed = true;
                    (Outcome::Failed, String::new(), Some(e.to_string()))
                }
            },
        };
        if let Some(error) = &error {
            let line = format!(
                "{} ({} {}): {error}",
                doc.location(),
                doc.kind.name(),
                doc.name()
            );
            match &spinner {
                Some(s) => s.suspend(|| ui::error(&line)),
                None => ui::error(&line),
            }
        }
        rows.push(Row {
            kind: doc.kind.name().to_owned(),
            name: doc.name(),
            id,
            result,
            error,
            source: doc.location(),
        });
    }
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    match args.output.output {
        OutputFormat::Table => {
            let body = rows
                .iter()
                .map(|r| {
                    vec![
                        r.kind.clone(),
                        r.name.clone(),
                        r.id.clone(),
                        r.result.word().to_owned(),
                    ]
                })
                .collect();
            print!("{}", table::render(&["kind", "name", "id", "result"], body));
        }
        format => print_data(&rows, format)?,
    }
    Ok(if failed { exit::FAILURE } else { exit::SUCCESS })
}

/// Two documents for the same resource would fight; the later one is dropped.
fn drop_duplicates(documents: &mut Vec<Document>, failed: &mut bool) {
    let mut seen: Vec<((ResourceKind, String), String)> = Vec::new();
    documents.retain(|doc| {
        let key = doc.key();
        if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
            ui::error(format!(
                "{}: {} '{}' is also defined in {first}; skipped",
                doc.location(),
                doc.kind.name(),
                key.1
            ));
            *failed = true;
            return false;
        }
        seen.push((key, doc.location()));
        true
    });
}

async fn apply_one(
    ctx: &Context,
    api: &Resources,
    doc: &Document,
    dry_run: bool,
    in_this_apply: &HashSet<(ResourceKind, String)>,
) -> Result<(Outcome, String), ClientError> {
    let mut desired = doc.resource.clone();
    let parents_pending =
        resolve_parents(ctx, api, doc, &mut desired, dry_run, in_this_apply).await?;
    let existing = find_existing(ctx, api, doc).await?;
    let existing_id = existing
        .as_ref()
        .map(|e| fields::text(e, "metadata.id"))
        .unwrap_or_default();
    if let Some(existing) = &existing
        && !parents_pending
        && same_desired_state(&desired, existing)
    {
        return Ok((Outcome::Unchanged, existing_id));
    }
    if dry_run {
        let outcome = if existing.is_some() {
            Outcome::WouldUpdate
        } else {
            Outcome::WouldCreate
        };
        return Ok((outcome, existing_id));
    }
    let applied = if doc.kind == ResourceKind::Skill {
        push_skill(ctx, api, &desired).await?
    } else {
        api.apply(&desired).await?
    };
    let outcome = match &existing {
        Some(_) => Outcome::Updated,
        None if doc.kind.has_get_by_reference() => Outcome::Created,
        // No lookup by name (sessions): the audit trail says what happened.
        None => match fields::text(&applied, "status.audit.spec_audit.event").as_str() {
            "updated" => Outcome::Updated,
            _ => Outcome::Created,
        },
    };
    Ok((outcome, fields::text(&applied, "metadata.id")))
}

/// Replaces parents named by slug (`spec.agentId: support`) with their ids.
/// Returns whether a parent is still to be created by this dry run.
async fn resolve_parents(
    ctx: &Context,
    api: &Resources,
    doc: &Document,
    desired: &mut DynamicMessage,
    dry_run: bool,
    in_this_apply: &HashSet<(ResourceKind, String)>,
) -> Result<bool, ClientError> {
    let (path, parent_kind) = match doc.kind {
        ResourceKind::AgentInstance => ("spec.agent_id", ResourceKind::Agent),
        ResourceKind::WorkflowInstance => ("spec.workflow_id", ResourceKind::Workflow),
        ResourceKind::Session => ("spec.agent_instance_id", ResourceKind::AgentInstance),
        _ => return Ok(false),
    };
    let value = fields::text(desired, path);
    if value.is_empty() || parent_kind.is_id(&value) {
        return Ok(false);
    }
    match api.resolve(parent_kind, &ctx.org, &value).await {
        Ok(parent) => {
            fields::set_text(desired, path, &fields::text(&parent, "metadata.id"));
            Ok(false)
        }
        Err(e)
            if e.is_not_found()
                && dry_run
                && in_this_apply
                    .contains(&(parent_kind, stigmer_pipeline::slug::slugify(&value))) =>
        {
            Ok(true)
        }
        Err(e) if e.is_not_found() => Err(ClientError::NotFound {
            message: format!("{path}: {e}; apply the {parent_kind} first or give its id"),
        }),
        Err(e) => Err(e),
    }
}

/// What the server has for this document: by id when the manifest gives
/// one, else by slug; `None` when there is nothing (or no way to look).
async fn find_existing(
    ctx: &Context,
    api: &Resources,
    doc: &Document,
) -> Result<Option<DynamicMessage>, ClientError> {
    let id = fields::text(&doc.resource, "metadata.id");
    let found = if !id.is_empty() {
        api.get(doc.kind, &id).await
    } else if doc.kind.has_get_by_reference() {
        let org = fields::text(&doc.resource, "metadata.org");
        let org = if org.is_empty() { ctx.org.clone() } else { org };
        api.get_by_slug(doc.kind, &org, &doc.slug()).await
    } else {
        return Ok(None);
    };
    match found {
        Ok(resource) => Ok(Some(resource)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// The parts a manifest owns: spec and the descriptive metadata. Compared
/// as proto-JSON, which is canonical (defaults dropped, keys sorted).
fn same_desired_state(desired: &DynamicMessage, existing: &DynamicMessage) -> bool {
    let owned = |m: &DynamicMessage| {
        let json = proto_json::to_json(m).ok()?;
        let metadata = &json["metadata"];
        Some(serde_json::json!({
            "spec": json.get("spec"),
            "name": metadata.get("name"),
            "labels": metadata.get("labels"),
            "annotations": metadata.get("annotations"),
            "tags": metadata.get("tags"),
        }))
    };
    match (owned(desired), owned(existing)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// Skills have no apply rpc: a manifest's SKILL.md is pushed as a zip.
async fn push_skill(
    ctx: &Context,
    api: &Resources,
    skill: &DynamicMessage,
) -> Result<DynamicMessage, ClientError> {
    let artifact = archive::zip_skill_md(&fields::text(skill, "spec.skill_md"))
        .map_err(|e| ClientError::Invalid(format!("cannot zip SKILL.md: {e}")))?;
    let org = fields::text(skill, "metadata.org");
    api.push_skill(PushSkillRequest {
        name: fields::text(skill, "metadata.name"),
        scope: ApiResourceOwnerScope::Organization as i32,
        org: if org.is_empty() { ctx.org.clone() } else { org },
        artifact,
        tag: fields::text(skill, "spec.tag"),
    })
    .await
}
