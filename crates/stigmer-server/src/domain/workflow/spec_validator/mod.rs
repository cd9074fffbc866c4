//! The local workflow spec validator (upstream ran a Temporal workflow for
//! this; we check the same things in-process, so a create needs no runner):
//! the document rules and every task rule protovalidate knows, each
//! `task_config` against its kind's typed schema (nested `do`/`try` lists
//! too), task names unique within their list, and flow targets (`flow.then`,
//! switch `cases[].then`) naming a task of the same list or a DSL directive.

mod task_config;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fmt;
use std::time::SystemTime;

use stigmer_api::agentic::workflow::v1::serverless::{
    ServerlessWorkflowValidation, ValidationState,
};
use stigmer_api::agentic::workflow::v1::tasks::{
    ForTaskConfig, ForkTaskConfig, SwitchTaskConfig, TryTaskConfig,
};
use stigmer_api::agentic::workflow::v1::{WorkflowSpec, WorkflowTask};
use stigmer_api::commons::apiresource::WorkflowTaskKind;

use task_config::{decode_config, schema_of};

/// Flow directives of the Serverless Workflow DSL 1.0 that `then` may name
/// instead of a task.
pub const FLOW_DIRECTIVES: [&str; 3] = ["continue", "exit", "end"];

/// One thing wrong with a spec: the task it is in (names of enclosing
/// tasks joined by `/`, empty for document-level problems), the field path
/// from the resource root, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub task: String,
    pub field: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.task.is_empty() {
            write!(f, "{}: {}", self.field, self.message)
        } else {
            write!(
                f,
                "task \"{}\": {}: {}",
                self.task, self.field, self.message
            )
        }
    }
}

/// What the validator found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpecReport {
    pub errors: Vec<Problem>,
    pub warnings: Vec<String>,
}

impl SpecReport {
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    /// The report as stored in `status.serverless_workflow_validation`.
    pub fn to_status(&self, at: SystemTime) -> ServerlessWorkflowValidation {
        ServerlessWorkflowValidation {
            state: if self.is_valid() {
                ValidationState::Valid
            } else {
                ValidationState::Invalid
            } as i32,
            errors: self.errors.iter().map(ToString::to_string).collect(),
            warnings: self.warnings.clone(),
            validated_at: Some(prost_types::Timestamp::from(at)),
            ..Default::default()
        }
    }

    /// Every error on its own line, for an INVALID_ARGUMENT message.
    pub fn error_summary(&self) -> String {
        let lines: Vec<String> = self.errors.iter().map(|p| format!("- {p}")).collect();
        format!(
            "workflow spec is invalid ({} problem{}):\n{}",
            self.errors.len(),
            if self.errors.len() == 1 { "" } else { "s" },
            lines.join("\n")
        )
    }
}

/// Validates a workflow spec; never stops at the first problem.
pub fn validate_spec(spec: &WorkflowSpec) -> SpecReport {
    let mut report = SpecReport::default();
    check_proto_rules(spec, &mut report);
    if let Some(document) = &spec.document
        && !document.version.is_empty()
        && semver::Version::parse(&document.version).is_err()
    {
        report.warnings.push(format!(
            "spec.document.version: \"{}\" is not a semantic version (e.g. 1.0.0)",
            document.version
        ));
    }
    check_task_list(&spec.tasks, "spec.tasks", "", &mut report);
    report
}

/// Document rules and the rules of the top-level tasks themselves
/// (name, kind, config present, export) — the same rules the RPC layer
/// enforces, repeated so the validator stands on its own.
fn check_proto_rules(spec: &WorkflowSpec, report: &mut SpecReport) {
    let violations = match stigmer_api::validation::validate(spec) {
        Ok(()) => return,
        Err(stigmer_api::validation::ValidateError::Validation(failed)) => failed,
        Err(other) => {
            report.errors.push(Problem {
                task: String::new(),
                field: "spec".into(),
                message: format!("cannot check the spec: {other}"),
            });
            return;
        }
    };
    for violation in violations.violations() {
        let field = violation.field_path();
        report.errors.push(Problem {
            task: top_level_task_name(spec, &field),
            field: format!("spec.{field}"),
            message: format!("{} [{}]", violation.message(), violation.rule_id()),
        });
    }
}

/// The name of the top-level task a `tasks[i]…` path points into.
fn top_level_task_name(spec: &WorkflowSpec, field: &str) -> String {
    field
        .strip_prefix("tasks[")
        .and_then(|rest| rest.split(']').next())
        .and_then(|index| index.parse::<usize>().ok())
        .and_then(|index| spec.tasks.get(index))
        .map(|task| task.name.clone())
        .unwrap_or_default()
}

/// Checks one task list: unique names, flow targets within the list, and
/// each task's config (recursing into nested lists).
fn check_task_list(tasks: &[WorkflowTask], path: &str, parent: &str, report: &mut SpecReport) {
    let mut first_index: HashMap<&str, usize> = HashMap::new();
    for (index, task) in tasks.iter().enumerate() {
        if task.name.is_empty() {
            continue;
        }
        if let Some(first) = first_index.get(task.name.as_str()) {
            report.errors.push(Problem {
                task: qualified(parent, &task.name),
                field: format!("{path}[{index}].name"),
                message: format!(
                    "duplicate task name \"{}\" (also {path}[{first}])",
                    task.name
                ),
            });
        } else {
            first_index.insert(&task.name, index);
        }
    }
    let targets =
        |target: &str| first_index.contains_key(target) || FLOW_DIRECTIVES.contains(&target);

    for (index, task) in tasks.iter().enumerate() {
        let task_path = format!("{path}[{index}]");
        let name = qualified(parent, &task.name);
        if let Some(flow) = &task.flow
            && !flow.then.is_empty()
            && !targets(&flow.then)
        {
            report.errors.push(dangling(
                &name,
                format!("{task_path}.flow.then"),
                &flow.then,
            ));
        }
        let (Some(config), Ok(kind)) = (&task.task_config, WorkflowTaskKind::try_from(task.kind))
        else {
            continue; // reported by the proto rules of the task itself
        };
        let Some(schema) = schema_of(kind) else {
            continue;
        };
        let config_path = format!("{task_path}.task_config");
        let decoded = match decode_config(config, schema) {
            Ok(decoded) => decoded,
            Err(problems) => {
                report.errors.extend(problems.into_iter().map(|p| Problem {
                    task: name.clone(),
                    field: join_field(&config_path, &p.field),
                    message: p.message,
                }));
                continue;
            }
        };
        match kind {
            WorkflowTaskKind::Switch => {
                if let Ok(switch) = decoded.transcode_to::<SwitchTaskConfig>() {
                    for (case_index, case) in switch.cases.iter().enumerate() {
                        if !case.then.is_empty() && !targets(&case.then) {
                            report.errors.push(dangling(
                                &name,
                                format!("{config_path}.cases[{case_index}].then"),
                                &case.then,
                            ));
                        }
                    }
                    if !switch.cases.iter().any(|case| case.when.is_empty()) {
                        report.warnings.push(format!(
                            "task \"{name}\": {config_path}.cases: no default case (empty `when`); \
                             when no case matches, the next task runs"
                        ));
                    }
                }
            }
            WorkflowTaskKind::For => {
                if let Ok(for_each) = decoded.transcode_to::<ForTaskConfig>() {
                    check_task_list(&for_each.r#do, &format!("{config_path}.do"), &name, report);
                }
            }
            WorkflowTaskKind::Fork => {
                if let Ok(fork) = decoded.transcode_to::<ForkTaskConfig>() {
                    for (branch_index, branch) in fork.branches.iter().enumerate() {
                        check_task_list(
                            &branch.r#do,
                            &format!("{config_path}.branches[{branch_index}].do"),
                            &name,
                            report,
                        );
                    }
                }
            }
            WorkflowTaskKind::Try => {
                if let Ok(guarded) = decoded.transcode_to::<TryTaskConfig>() {
                    check_task_list(&guarded.r#try, &format!("{config_path}.try"), &name, report);
                    if let Some(catch) = &guarded.catch {
                        check_task_list(
                            &catch.r#do,
                            &format!("{config_path}.catch.do"),
                            &name,
                            report,
                        );
                    }
                }
            }
            _ => {}
        }
    }
}

fn dangling(task: &str, field: String, target: &str) -> Problem {
    Problem {
        task: task.to_owned(),
        field,
        message: format!(
            "flow target \"{target}\" is neither a task of this list nor one of {}",
            FLOW_DIRECTIVES.join(", ")
        ),
    }
}

fn qualified(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}/{name}")
    }
}

fn join_field(base: &str, relative: &str) -> String {
    if relative.is_empty() {
        base.to_owned()
    } else {
        format!("{base}.{relative}")
    }
}
