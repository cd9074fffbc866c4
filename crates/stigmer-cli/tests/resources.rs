//! apply, get, list, delete, run, executions and skill push against the
//! fake server's in-memory stubs. The same flows run against the real
//! server once it exists (point STIGMER_SERVER_BIN at it).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on setup failures

mod common;

use common::{Sandbox, stderr_of, stdout_of};
use predicates::prelude::*;

const MANIFESTS: &[(&str, &str)] = &[
    (
        "agents.yaml",
        "apiVersion: agentic.stigmer.ai/v1\nkind: Agent\nmetadata:\n  name: Support Bot\n\
         spec:\n  instructions: You answer customer questions politely.\n  skillRefs:\n  - {kind: skill, slug: faq}\n",
    ),
    (
        "instances/prod.yaml",
        "kind: AgentInstance\nmetadata: {name: support-prod}\nspec:\n  agent_id: Support Bot\n  environmentRefs:\n  - {kind: environment, slug: prod-env}\n",
    ),
    (
        "env.json",
        r#"{"kind": "Environment", "metadata": {"name": "prod-env"}, "spec": {"data": {"API_URL": {"value": "https://example.test"}}}}"#,
    ),
    (
        "skills.yaml",
        "kind: Skill\nmetadata: {name: faq}\nspec: {skillMd: \"# FAQ\\nAnswer from the FAQ.\", tag: v1}\n",
    ),
];

fn write_manifests(sandbox: &Sandbox) -> std::path::PathBuf {
    let dir = sandbox.home.path().join("manifests");
    for (name, text) in MANIFESTS {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn apply_rows(sandbox: &Sandbox, dir: &std::path::Path) -> Vec<(String, String, String)> {
    let output = sandbox
        .stigmer()
        .args(["apply", "-o", "json", "-f"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let rows: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap().to_owned(),
                r["name"].as_str().unwrap().to_owned(),
                r["result"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn row(kind: &str, name: &str, result: &str) -> (String, String, String) {
    (kind.to_owned(), name.to_owned(), result.to_owned())
}

#[test]
fn apply_get_list_delete() {
    let sandbox = Sandbox::new();
    sandbox.start_server();
    let dir = write_manifests(&sandbox);

    assert_eq!(
        apply_rows(&sandbox, &dir),
        [
            row("Environment", "prod-env", "created"),
            row("Skill", "faq", "created"),
            row("Agent", "Support Bot", "created"),
            row("AgentInstance", "support-prod", "created"),
        ]
    );
    // Applying the same manifests again changes nothing.
    assert!(
        apply_rows(&sandbox, &dir)
            .iter()
            .all(|(_, _, r)| r == "unchanged")
    );
    // A changed spec is an update; the rest stays.
    std::fs::write(
        dir.join("env.json"),
        MANIFESTS[2].1.replace("example.test", "example.org"),
    )
    .unwrap();
    let rows = apply_rows(&sandbox, &dir);
    assert_eq!(rows[0], row("Environment", "prod-env", "updated"));
    assert_eq!(rows[2], row("Agent", "Support Bot", "unchanged"));

    // The table of an apply.
    sandbox
        .stigmer()
        .args(["apply", "-f"])
        .arg(&dir)
        .assert()
        .success()
        .stdout(predicate::str::starts_with("KIND").and(predicate::str::contains("unchanged")));

    // get in all three formats, by name (any spelling of the kind) and by id.
    let output = sandbox.output_ok(&["get", "ag", "Support Bot", "-o", "json"]);
    let agent: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(agent["metadata"]["slug"], "support-bot");
    assert_eq!(
        agent["spec"]["instructions"],
        "You answer customer questions politely."
    );
    let id = agent["metadata"]["id"].as_str().unwrap().to_owned();
    let yaml = stdout_of(
        &sandbox
            .stigmer()
            .args(["get", "agent", &id, "-o", "yaml"])
            .output()
            .unwrap(),
    );
    let from_yaml: serde_json::Value = serde_yaml_ng::from_str(&yaml).unwrap();
    assert_eq!(from_yaml["metadata"]["id"], id.as_str());
    sandbox
        .succeeds(&["get", "agents", "support-bot"])
        .stdout(predicate::str::contains("NAME").and(predicate::str::contains(id.as_str())));

    // The YAML from get applies back unchanged.
    let roundtrip = sandbox.home.path().join("roundtrip.yaml");
    std::fs::write(&roundtrip, &yaml).unwrap();
    let output = sandbox
        .stigmer()
        .args(["apply", "-o", "json", "-f"])
        .arg(&roundtrip)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(
        stdout_of(&output).contains("\"unchanged\""),
        "{}",
        stdout_of(&output)
    );

    // list: instances of an agent, in every format.
    sandbox
        .succeeds(&["list", "agent-instances", "--agent", "Support Bot"])
        .stdout(
            predicate::str::contains("support-prod")
                .and(predicate::str::contains("Support Bot-default")),
        );
    let output = sandbox
        .stigmer()
        .args(["list", "agi", "--agent", &id, "-o", "json"])
        .output()
        .unwrap();
    let instances: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(instances.as_array().unwrap().len(), 2);
    let output = sandbox
        .stigmer()
        .args(["list", "agi", "--agent", &id, "-o", "yaml"])
        .output()
        .unwrap();
    assert_eq!(stdout_of(&output).matches("kind: AgentInstance").count(), 2);

    // Kinds without a list rpc say so and what to do instead.
    sandbox
        .stigmer()
        .args(["list", "agents"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("stigmer get agent NAME"));

    // Not found names kind, name and org.
    sandbox
        .stigmer()
        .args(["get", "agent", "nobody"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "agent 'nobody' not found in org 'local'",
        ));

    // delete: refuses without confirmation off a terminal, then deletes.
    sandbox
        .stigmer()
        .args(["delete", "environment", "prod-env"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--yes"));
    sandbox
        .succeeds(&["delete", "env", "prod-env", "--yes"])
        .stdout(predicate::str::contains("deleted environment prod-env"));
    sandbox
        .stigmer()
        .args(["get", "env", "prod-env"])
        .assert()
        .failure();
}

#[test]
fn an_instance_whose_agent_is_missing_fails_with_the_field() {
    let sandbox = Sandbox::new();
    sandbox.start_server();
    let file = sandbox.home.path().join("orphan.yaml");
    std::fs::write(
        &file,
        "kind: AgentInstance\nmetadata: {name: orphan}\nspec: {agentId: ghost}\n",
    )
    .unwrap();
    sandbox
        .stigmer()
        .args(["apply", "-f"])
        .arg(&file)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("failed"))
        .stderr(predicate::str::contains(
            "spec.agent_id: agent 'ghost' not found",
        ));
}

fn apply_agent(sandbox: &Sandbox) {
    let file = sandbox.home.path().join("agent.yaml");
    std::fs::write(
        &file,
        MANIFESTS[0]
            .1
            .replace("  skillRefs:\n  - {kind: skill, slug: faq}\n", ""),
    )
    .unwrap();
    sandbox.apply_ok(&file);
}

#[test]
fn run_streams_the_answer_and_exits_by_phase() {
    let sandbox = Sandbox::new();
    sandbox.start_server();
    apply_agent(&sandbox);

    let output = sandbox
        .stigmer()
        .args(["run", "support-bot", "-m", "hello"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let out = stdout_of(&output);
    assert!(out.starts_with("Hello, world."), "{out}");
    assert!(
        out.contains("⚙ search") && out.contains("✓ search") && out.contains("Done."),
        "{out}"
    );
    assert!(
        stderr_of(&output).contains("completed"),
        "{}",
        stderr_of(&output)
    );

    // Failure: exit 1 with the error.
    sandbox
        .stigmer()
        .args(["run", "Support Bot", "-m", "please fail"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("failed: the fake model refused"));

    // The message from stdin, and JSON only on stdout.
    let output = sandbox
        .stigmer()
        .args(["run", "support-bot", "-o", "json"])
        .write_stdin("hello from stdin\n")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let execution: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(execution["spec"]["message"], "hello from stdin");
    assert_eq!(execution["status"]["phase"], "EXECUTION_COMPLETED");
    assert!(
        stderr_of(&output).contains("Hello, world."),
        "the live view goes to stderr"
    );

    // --no-follow prints the id and returns.
    let output = sandbox
        .stigmer()
        .args(["run", "support-bot", "-m", "hi", "--no-follow"])
        .output()
        .unwrap();
    let id = stdout_of(&output).trim().to_owned();
    assert!(id.starts_with("aex-"), "{id}");

    // Executions can be found again by id, with their transcript.
    sandbox
        .succeeds(&["executions"])
        .stdout(predicate::str::contains(id.as_str()).and(predicate::str::contains("PHASE")));
    let show = stdout_of(
        &sandbox
            .stigmer()
            .args(["execution", "show", &id])
            .output()
            .unwrap(),
    );
    assert!(show.contains(&format!("execution  {id}")), "{show}");
    assert!(show.contains("You:\nhi"), "{show}");

    sandbox
        .stigmer()
        .args(["run", "nobody", "-m", "hi"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("agent 'nobody' not found"));
}

#[test]
fn ctrl_c_cancels_the_execution_and_exits_130() {
    let sandbox = Sandbox::new();
    sandbox.start_server();
    apply_agent(&sandbox);

    let running = sandbox.spawn(&["run", "support-bot", "-m", "hang on"]);
    running.wait_for("Working on it");
    running.interrupt();
    let (code, _out, err) = running.finish();
    assert_eq!(code, 130, "{err}");
    assert!(err.contains("cancelled"), "{err}");
    let id = err
        .split_whitespace()
        .find(|w| w.starts_with("aex-"))
        .map(|w| w.trim_end_matches([',', '…', '.']).to_owned())
        .unwrap();

    let output = sandbox
        .stigmer()
        .args(["execution", "show", &id, "-o", "json"])
        .output()
        .unwrap();
    let execution: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(execution["status"]["phase"], "EXECUTION_CANCELLED");
}

#[test]
fn skill_push_zips_the_folder() {
    let sandbox = Sandbox::new();
    sandbox.start_server();
    let dir = sandbox.home.path().join("faq-skill");
    std::fs::create_dir_all(&dir).unwrap();
    sandbox
        .stigmer()
        .args(["skill", "push"])
        .arg(&dir)
        .assert()
        .failure()
        .stderr(predicate::str::contains("SKILL.md"));
    std::fs::write(dir.join("SKILL.md"), "# FAQ\n").unwrap();
    let output = sandbox
        .stigmer()
        .args(["skill", "push", "--tag", "v2", "-o", "json"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let skill: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(skill["metadata"]["name"], "faq-skill");
    assert_eq!(skill["spec"]["tag"], "v2");
    assert_eq!(skill["spec"]["skillMd"], "# FAQ\n");
}
