#![allow(clippy::unwrap_used)]

use serde_json::json;
use stigmer_api::agentic::workflow::v1::serverless::ValidationState;
use stigmer_api::agentic::workflow::v1::{
    FlowControl, WorkflowDocument, WorkflowSpec, WorkflowTask,
};
use stigmer_api::commons::apiresource::WorkflowTaskKind as Kind;

use super::validate_spec;

fn to_struct(value: serde_json::Value) -> prost_types::Struct {
    fn to_value(value: serde_json::Value) -> prost_types::Value {
        use prost_types::value::Kind as V;
        let kind = match value {
            serde_json::Value::Null => V::NullValue(0),
            serde_json::Value::Bool(b) => V::BoolValue(b),
            serde_json::Value::Number(n) => V::NumberValue(n.as_f64().unwrap()),
            serde_json::Value::String(s) => V::StringValue(s),
            serde_json::Value::Array(items) => V::ListValue(prost_types::ListValue {
                values: items.into_iter().map(to_value).collect(),
            }),
            object @ serde_json::Value::Object(_) => V::StructValue(to_struct(object)),
        };
        prost_types::Value { kind: Some(kind) }
    }
    let serde_json::Value::Object(map) = value else {
        panic!("not an object")
    };
    prost_types::Struct {
        fields: map.into_iter().map(|(k, v)| (k, to_value(v))).collect(),
    }
}

fn task(name: &str, kind: Kind, config: serde_json::Value) -> WorkflowTask {
    WorkflowTask {
        name: name.into(),
        kind: kind as i32,
        task_config: Some(to_struct(config)),
        export: None,
        flow: None,
    }
}

fn spec(tasks: Vec<WorkflowTask>) -> WorkflowSpec {
    WorkflowSpec {
        document: Some(WorkflowDocument {
            dsl: "1.0.0".into(),
            namespace: "acme".into(),
            name: "triage".into(),
            version: "1.0.0".into(),
            description: String::new(),
        }),
        tasks,
        ..Default::default()
    }
}

fn messages(spec: &WorkflowSpec) -> Vec<String> {
    validate_spec(spec)
        .errors
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn a_workflow_using_every_common_kind_is_valid() {
    let mut fetch = task(
        "fetch",
        Kind::HttpCall,
        json!({"method": "GET", "endpoint": {"uri": "https://example.com/${.id}"}, "timeoutSeconds": 30}),
    );
    fetch.flow = Some(FlowControl {
        then: "route".into(),
    });
    let spec = spec(vec![
        task("init", Kind::Set, json!({"variables": {"id": "42"}})),
        fetch,
        task(
            "route",
            Kind::Switch,
            json!({"cases": [
                {"name": "big", "when": "${.size > 10}", "then": "loop"},
                {"name": "other", "then": "end"}
            ]}),
        ),
        task(
            "loop",
            Kind::For,
            json!({"each": "item", "in": "${.items}", "do": [
                {"name": "mark", "kind": "WORKFLOW_TASK_KIND_SET", "taskConfig": {"variables": {"seen": "yes"}}}
            ]}),
        ),
        task(
            "ask",
            Kind::AgentCall,
            json!({"agent": "reviewer", "scope": 2, "message": "Review ${.id}", "config": {"timeout": 60, "temperature": 0.5}}),
        ),
        task("pause", Kind::Wait, json!({"seconds": 5})),
    ]);
    let report = validate_spec(&spec);
    assert_eq!(report.errors, vec![], "{report:?}");
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let status = report.to_status(std::time::SystemTime::now());
    assert_eq!(status.state, ValidationState::Valid as i32);
    assert!(status.validated_at.is_some());
}

#[test]
fn unknown_config_field_is_pinned_to_the_key() {
    let found = messages(&spec(vec![task(
        "init",
        Kind::Set,
        json!({"variables": {"a": "b"}, "varaibles": {}}),
    )]));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("task \"init\": spec.tasks[0].task_config.varaibles: unknown field"),
        "{found:?}"
    );
}

#[test]
fn schema_rules_of_the_config_are_enforced_with_their_paths() {
    let found = messages(&spec(vec![
        task(
            "fetch",
            Kind::HttpCall,
            json!({"method": "FETCH", "endpoint": {"uri": "x"}, "timeoutSeconds": 30}),
        ),
        task("pause", Kind::Wait, json!({"seconds": 0})),
    ]));
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].contains("task \"fetch\": spec.tasks[0].task_config.method"),
        "{found:?}"
    );
    assert!(
        found[1].contains("task \"pause\": spec.tasks[1].task_config.seconds"),
        "{found:?}"
    );
}

#[test]
fn wrong_value_types_are_reported() {
    let found = messages(&spec(vec![task(
        "pause",
        Kind::Wait,
        json!({"seconds": "soon"}),
    )]));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("spec.tasks[0].task_config.seconds"),
        "{found:?}"
    );
}

#[test]
fn every_problem_is_listed_not_just_the_first() {
    let mut jump = task("jump", Kind::Set, json!({"variables": {"a": "b"}}));
    jump.flow = Some(FlowControl {
        then: "nowhere".into(),
    });
    let found = messages(&spec(vec![
        task("dup", Kind::Set, json!({"variables": {"a": "b"}})),
        task("dup", Kind::Set, json!({"variables": {"a": "b"}})),
        jump,
        task(
            "switch",
            Kind::Switch,
            json!({"cases": [{"name": "c", "then": "ghost"}]}),
        ),
        task("pause", Kind::Wait, json!({"seconds": 1, "extra": true})),
    ]));
    assert_eq!(found.len(), 4, "{found:?}");
    assert!(
        found[0].contains("spec.tasks[1].name: duplicate task name \"dup\" (also spec.tasks[0])")
    );
    assert!(found[1].contains("spec.tasks[2].flow.then: flow target \"nowhere\""));
    assert!(found[2].contains("spec.tasks[3].task_config.cases[0].then: flow target \"ghost\""));
    assert!(found[3].contains("spec.tasks[4].task_config.extra: unknown field"));
}

#[test]
fn flow_directives_are_valid_targets() {
    let tasks = ["end", "continue", "exit"]
        .iter()
        .enumerate()
        .map(|(i, directive)| {
            let mut t = task(
                &format!("t{i}"),
                Kind::Set,
                json!({"variables": {"a": "b"}}),
            );
            t.flow = Some(FlowControl {
                then: (*directive).into(),
            });
            t
        })
        .collect();
    assert_eq!(messages(&spec(tasks)), Vec::<String>::new());
}

#[test]
fn nested_lists_are_checked_in_their_own_scope() {
    let found = messages(&spec(vec![
        task("outer", Kind::Set, json!({"variables": {"a": "b"}})),
        task(
            "loop",
            Kind::For,
            json!({"each": "item", "in": "${.items}", "do": [
                {"name": "inner", "kind": "WORKFLOW_TASK_KIND_WAIT", "taskConfig": {"seconds": 0}},
                {"name": "inner", "kind": "WORKFLOW_TASK_KIND_SET", "taskConfig": {"variables": {"x": "y"}},
                 "flow": {"then": "outer"}}
            ]}),
        ),
        task(
            "guard",
            Kind::Try,
            json!({"try": [
                {"name": "risky", "kind": "WORKFLOW_TASK_KIND_RAISE", "taskConfig": {"error": "boom"}}
            ], "catch": {"as": "err", "do": [
                {"name": "log", "kind": "WORKFLOW_TASK_KIND_SET", "taskConfig": {"variables": {}}}
            ]}}),
        ),
    ]));
    let expected = [
        "task \"loop/inner\": spec.tasks[1].task_config.do[1].name: duplicate",
        "task \"loop/inner\": spec.tasks[1].task_config.do[0].task_config.seconds",
        // `outer` lives in the enclosing list, not the loop body.
        "task \"loop/inner\": spec.tasks[1].task_config.do[1].flow.then: flow target \"outer\"",
        "task \"guard/risky\": spec.tasks[2].task_config.try[0].task_config.message",
        "task \"guard/log\": spec.tasks[2].task_config.catch.do[0].task_config.variables",
    ];
    assert_eq!(found.len(), expected.len(), "{found:#?}");
    for (found, expected) in found.iter().zip(expected) {
        assert!(
            found.starts_with(expected),
            "{found} should start with {expected}"
        );
    }
}

#[test]
fn nested_task_rules_are_reported_once_at_the_enclosing_task() {
    let found = messages(&spec(vec![task(
        "loop",
        Kind::For,
        json!({"each": "item", "in": "${.items}", "do": [
            {"name": "", "kind": "WORKFLOW_TASK_KIND_UNSPECIFIED", "taskConfig": {}}
        ]}),
    )]));
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found[0].starts_with("task \"loop\": spec.tasks[0].task_config.do[0].name"));
    assert!(found[1].starts_with("task \"loop\": spec.tasks[0].task_config.do[0].kind"));
}

#[test]
fn document_rules_and_missing_configs_are_reported() {
    let mut bad = spec(vec![WorkflowTask {
        name: "nothing".into(),
        kind: Kind::Set as i32,
        ..Default::default()
    }]);
    bad.document.as_mut().unwrap().dsl = "0.9".into();
    bad.document.as_mut().unwrap().version = "one".into();
    let report = validate_spec(&bad);
    let found: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(
        found.iter().any(|m| m.starts_with("spec.document.dsl:")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|m| m.starts_with("task \"nothing\": spec.tasks[0].task_config:")),
        "{found:#?}"
    );
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert!(report.warnings[0].contains("not a semantic version"));
    let status = report.to_status(std::time::SystemTime::now());
    assert_eq!(status.state, ValidationState::Invalid as i32);
    assert_eq!(status.errors.len(), 2);
}

#[test]
fn switch_without_default_case_warns() {
    let report = validate_spec(&spec(vec![
        task(
            "route",
            Kind::Switch,
            json!({"cases": [{"name": "a", "when": "${.x}", "then": "done"}]}),
        ),
        task("done", Kind::Set, json!({"variables": {"a": "b"}})),
    ]));
    assert!(report.is_valid(), "{report:?}");
    assert_eq!(report.warnings.len(), 1);
    assert!(report.warnings[0].contains("no default case"));
}
