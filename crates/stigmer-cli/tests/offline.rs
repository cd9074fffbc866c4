//! What works without any server: help, version, completions, config,
//! manifest checks and the errors people see.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on setup failures

mod common;

use common::{Sandbox, stderr_of, stdout_of};
use predicates::prelude::*;

const AGENT: &str = "\
apiVersion: agentic.stigmer.ai/v1
kind: Agent
metadata:
  name: Support Bot
spec:
  instructions: You answer customer questions politely.
";

#[test]
fn every_command_has_help() {
    let sandbox = Sandbox::new();
    let commands: &[&[&str]] = &[
        &[],
        &["server"],
        &["server", "start"],
        &["server", "stop"],
        &["server", "restart"],
        &["server", "status"],
        &["server", "logs"],
        &["server", "run"],
        &["apply"],
        &["get"],
        &["list"],
        &["delete"],
        &["run"],
        &["executions"],
        &["execution", "show"],
        &["skill", "push"],
        &["config", "get"],
        &["config", "set"],
        &["config", "list"],
        &["config", "path"],
        &["version"],
        &["completions"],
    ];
    for command in commands {
        let output = sandbox
            .stigmer()
            .args(*command)
            .arg("--help")
            .output()
            .unwrap();
        assert!(output.status.success(), "{command:?} --help failed");
        let text = stdout_of(&output);
        assert!(text.contains("Usage: stigmer"), "{command:?}: {text}");
        assert!(
            text.contains("--server <ADDR>"),
            "{command:?} lacks the global flags"
        );
    }
}

#[test]
fn top_level_help_lists_the_commands() {
    Sandbox::new()
        .stigmer()
        .arg("--help")
        .assert()
        .success()
        .stdout(
            predicate::str::contains("apply")
                .and(predicate::str::contains("completions"))
                .and(predicate::str::contains("--org <ORG>"))
                .and(predicate::str::contains("--data-dir <DIR>"))
                .and(predicate::str::contains("--no-color")),
        );
}

#[test]
fn version_works_without_a_server() {
    let sandbox = Sandbox::new();
    sandbox
        .stigmer()
        .arg("version")
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "stigmer {}",
            env!("CARGO_PKG_VERSION")
        )))
        .stdout(predicate::str::contains("not running"));
    let output = sandbox
        .stigmer()
        .args(["version", "-o", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["cli"], env!("CARGO_PKG_VERSION"));
    assert_eq!(json["server_state"], "not running");
    sandbox.stigmer().arg("--version").assert().success();
}

#[test]
fn completions_are_generated_for_each_shell() {
    let sandbox = Sandbox::new();
    for (shell, marker) in [
        ("bash", "_stigmer()"),
        ("zsh", "#compdef stigmer"),
        ("fish", "complete -c stigmer"),
    ] {
        sandbox
            .succeeds(&["completions", shell])
            .stdout(predicate::str::contains(marker));
    }
    sandbox
        .stigmer()
        .args(["completions", "tcsh"])
        .assert()
        .code(2);
}

#[test]
fn config_set_get_list_path_in_the_data_dir() {
    let sandbox = Sandbox::new();
    let path = sandbox.data_dir().join("config.yaml");
    sandbox
        .succeeds(&["config", "path"])
        .stdout(format!("{}\n", path.display()));
    sandbox.succeeds(&["config", "set", "org", "acme"]);
    sandbox
        .succeeds(&["config", "set", "llm.model", "qwen"])
        .stderr(predicate::str::contains("kept in the file for the server"));
    sandbox.succeeds(&["config", "get", "org"]).stdout("acme\n");
    // Flags beat the file.
    sandbox
        .succeeds(&["--org", "other", "config", "get", "org"])
        .stdout("other\n");
    let output = sandbox
        .stigmer()
        .args(["config", "list", "-o", "json"])
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let entry = |key: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|e| e["key"] == key)
            .unwrap()
            .clone()
    };
    assert_eq!(entry("org")["source"], "file");
    assert_eq!(entry("server.address")["source"], "env");
    assert_eq!(entry("server.auto_start")["source"], "default");
    assert_eq!(entry("llm.model")["value"], "qwen");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("org: acme") && text.contains("model: qwen"),
        "{text}"
    );
    sandbox
        .stigmer()
        .args(["config", "set", "server.auto_start", "perhaps"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("true or false"));
    sandbox.succeeds(&["config", "unset", "org"]);
    sandbox
        .succeeds(&["config", "get", "org"])
        .stdout("local\n");
}

#[test]
fn data_dir_flag_moves_the_config_file() {
    let sandbox = Sandbox::new();
    let elsewhere = sandbox.home.path().join("elsewhere");
    sandbox
        .stigmer()
        .arg("--data-dir")
        .arg(&elsewhere)
        .args(["config", "set", "org", "acme"])
        .assert()
        .success();
    assert!(elsewhere.join("config.yaml").is_file());
    assert!(!sandbox.data_dir().join("config.yaml").exists());
}

#[test]
fn unknown_kinds_list_the_valid_ones() {
    Sandbox::new()
        .stigmer()
        .args(["get", "agnet", "x"])
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("unknown kind 'agnet'")
                .and(predicate::str::contains("agent (agents, agt, ag)"))
                .and(predicate::str::contains("workflow-instance")),
        );
}

#[test]
fn an_unreachable_server_says_how_to_start_it() {
    let sandbox = Sandbox::new();
    sandbox
        .stigmer()
        .env("STIGMER_AUTO_START", "false")
        .args(["get", "agent", "bot"])
        .assert()
        .failure()
        .stderr(
            predicate::str::contains(format!(
                "cannot reach the stigmer server at {}",
                sandbox.address()
            ))
            .and(predicate::str::contains("stigmer server start")),
        );
}

#[test]
fn a_remote_server_is_never_started() {
    let sandbox = Sandbox::new();
    sandbox
        .stigmer()
        .args(["--server", "192.0.2.1:1", "server", "start"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("not a local address"));
}

#[test]
fn an_invalid_manifest_names_file_document_and_field() {
    let sandbox = Sandbox::new();
    let dir = sandbox.home.path().join("m");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("agents.yaml");
    std::fs::write(
        &file,
        format!(
            "{AGENT}---\nkind: Agent\nmetadata: {{name: terse}}\nspec: {{instructions: short}}\n"
        ),
    )
    .unwrap();
    let output = sandbox
        .stigmer()
        .args(["apply", "--dry-run", "-f"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr_of(&output);
    assert!(
        err.contains(&format!(
            "{}, document 2 (Agent terse): spec.instructions:",
            file.display()
        )),
        "{err}"
    );
    assert!(err.contains("string.min_len"), "{err}");
    assert!(err.contains("Nothing from"), "{err}");
    // The valid first document of that file is not applied either.
    assert!(
        !stdout_of(&output).contains("Support Bot"),
        "{}",
        stdout_of(&output)
    );
}

#[test]
fn a_misspelt_field_is_pinned_to_its_path() {
    let sandbox = Sandbox::new();
    let file = sandbox.home.path().join("agent.yaml");
    std::fs::write(&file, AGENT.replace("instructions", "instrucions")).unwrap();
    sandbox
        .stigmer()
        .args(["apply", "--dry-run", "-f"])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "document 1 (Agent Support Bot): spec.instrucions: unknown field",
        ));
}

#[test]
fn dry_run_lists_a_directory_in_dependency_order_without_a_server() {
    let sandbox = Sandbox::new();
    let dir = sandbox.home.path().join("m");
    std::fs::create_dir_all(dir.join("nested")).unwrap();
    std::fs::write(
        dir.join("a-instances.yaml"),
        "kind: AgentInstance\nmetadata: {name: support-prod}\nspec: {agentId: Support Bot}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("b-agent.json"),
        serde_json::to_string(&serde_yaml_ng::from_str::<serde_json::Value>(AGENT).unwrap())
            .unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.join("nested/env.yml"),
        "kind: Environment\nmetadata: {name: prod-env}\nspec:\n  data:\n    API_URL: {value: https://example.test}\n",
    )
    .unwrap();
    let output = sandbox
        .stigmer()
        .env("STIGMER_AUTO_START", "false")
        .args(["apply", "--dry-run", "-o", "json", "-f"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let rows: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let order: Vec<(&str, &str)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["kind"].as_str().unwrap(), r["result"].as_str().unwrap()))
        .collect();
    assert_eq!(
        order,
        [
            ("Environment", "valid"),
            ("Agent", "valid"),
            ("AgentInstance", "valid")
        ]
    );
    assert!(stderr_of(&output).contains("checking the manifests only"));
    // Nothing was started for a dry run.
    assert!(!sandbox.pid_file().exists());
}

#[test]
fn executions_cannot_be_applied() {
    let sandbox = Sandbox::new();
    let file = sandbox.home.path().join("run.yaml");
    std::fs::write(
        &file,
        "kind: AgentExecution\nmetadata: {name: x}\nspec: {agentId: agt-1, message: hi}\n",
    )
    .unwrap();
    sandbox
        .stigmer()
        .args(["apply", "--dry-run", "-f"])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "kind: AgentExecution cannot be applied",
        ));
}
