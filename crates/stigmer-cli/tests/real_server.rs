//! The CLI against the real `stigmer-server` of this workspace: lifecycle,
//! apply, get, list and delete over the kinds the server serves. Runs when
//! the workspace build produced the server binary (`cargo test
//! --workspace`), and says so when it did not.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on setup failures

mod common;

use common::{Sandbox, real_server_bin, stderr_of, stdout_of};
use predicates::prelude::*;

fn sandbox() -> Option<Sandbox> {
    match real_server_bin() {
        Some(bin) => Some(Sandbox::with_server(bin)),
        None => {
            eprintln!(
                "real_server: no stigmer-server binary in the target dir; run `cargo test --workspace`"
            );
            None
        }
    }
}

#[test]
fn status_reports_what_the_real_server_says_about_itself() {
    let Some(sandbox) = sandbox() else { return };
    sandbox.output_ok(&["server", "start"]);
    let pid = sandbox.server_pid().unwrap();

    let output = sandbox.output_ok(&["server", "status", "-o", "json"]);
    let status: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(status["state"], "running");
    assert_eq!(status["health"], "SERVING");
    assert_eq!(status["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(status["data_dir"], sandbox.data_dir().display().to_string());
    assert_eq!(
        status["pid"], pid,
        "the pid the server reports is the one started"
    );
    let started_at = status["started_at"].as_u64().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(started_at <= now && now - started_at < 120, "{status}");
    assert!(status["uptime_seconds"].as_u64().unwrap() < 120, "{status}");

    let output = sandbox
        .stigmer()
        .args(["server", "status"])
        .output()
        .unwrap();
    let table = stdout_of(&output);
    for expected in [
        "running",
        env!("CARGO_PKG_VERSION"),
        &sandbox.data_dir().display().to_string(),
        "uptime",
    ] {
        assert!(
            table.contains(expected),
            "{expected:?} missing from:\n{table}"
        );
    }
    sandbox.succeeds(&["server", "stop"]);
}

/// Kinds upstream cannot list go through our list extension: all three
/// formats, `--page`, and only the org of `--org`.
#[test]
fn list_agents_pages_through_the_real_server_within_the_org() {
    let Some(sandbox) = sandbox() else { return };
    sandbox.output_ok(&["server", "start"]);
    let dir = sandbox.home.path().join("manifests");
    std::fs::create_dir_all(dir.join("more")).unwrap();
    let agent = |name: &str| {
        format!(
            "kind: Agent\nmetadata: {{name: {name}}}\nspec: {{instructions: You help with {name} questions.}}\n"
        )
    };
    std::fs::write(
        dir.join("agents.yaml"),
        format!("{}---\n{}", agent("Alpha"), agent("Bravo")),
    )
    .unwrap();
    std::fs::write(dir.join("more/charlie.yaml"), agent("Charlie")).unwrap();
    sandbox.apply_ok(&dir);
    let output = sandbox
        .stigmer()
        .args(["--org", "acme", "apply", "-f"])
        .arg(dir.join("more/charlie.yaml"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));

    let output = sandbox.output_ok(&["list", "agents"]);
    let table = stdout_of(&output);
    for name in ["Alpha", "Bravo", "Charlie"] {
        assert!(table.contains(name), "{name} missing from:\n{table}");
    }
    assert_eq!(
        table.lines().count(),
        4,
        "header and three agents:\n{table}"
    );

    let output = sandbox
        .stigmer()
        .args(["list", "ag", "-o", "json"])
        .output()
        .unwrap();
    let listed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Alpha", "Bravo", "Charlie"]);
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["metadata"]["org"] == "local")
    );

    let output = sandbox
        .stigmer()
        .args(["list", "agents", "-o", "yaml"])
        .output()
        .unwrap();
    assert_eq!(stdout_of(&output).matches("kind: Agent").count(), 3);

    // Page 2 of 2, and a hint on page 1 (on stderr, away from the data).
    let output = sandbox
        .stigmer()
        .args([
            "list",
            "agents",
            "--page-size",
            "2",
            "--page",
            "2",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    let page: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(page.as_array().unwrap().len(), 1);
    assert_eq!(page[0]["metadata"]["name"], "Charlie");
    sandbox
        .succeeds(&["list", "agents", "--page-size", "2"])
        .stderr(predicate::str::contains("--page 2"));

    let output = sandbox
        .stigmer()
        .args(["--org", "acme", "list", "agents", "-o", "json"])
        .output()
        .unwrap();
    let acme: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(acme.as_array().unwrap().len(), 1);
    assert_eq!(acme[0]["metadata"]["org"], "acme");

    // Instances without --agent: every default instance of the org.
    sandbox
        .succeeds(&["list", "agent-instances"])
        .stdout(predicate::str::contains("Alpha-default"));
    sandbox.succeeds(&["server", "stop"]);
}

#[test]
fn lifecycle_and_resources_against_the_real_server() {
    let Some(sandbox) = sandbox() else { return };
    sandbox.output_ok(&["server", "start"]);
    sandbox
        .succeeds(&["server", "status"])
        .stdout(predicate::str::contains("SERVING"));

    let file = sandbox.home.path().join("agents.yaml");
    std::fs::write(
        &file,
        "kind: AgentInstance\nmetadata: {name: support-prod}\nspec: {agentId: Support Bot}\n---\n\
         kind: Agent\nmetadata: {name: Support Bot}\nspec: {instructions: You answer customer questions politely.}\n",
    )
    .unwrap();
    let apply = |expected: &str| {
        let output = sandbox.apply_ok(&file);
        let out = stdout_of(&output);
        let lines: Vec<&str> = out.lines().skip(1).collect();
        assert_eq!(lines.len(), 2, "{out}");
        assert!(
            lines[0].starts_with("Agent ") && lines[1].starts_with("AgentInstance "),
            "{out}"
        );
        assert!(lines.iter().all(|l| l.ends_with(expected)), "{out}");
    };
    apply("created");
    apply("unchanged");

    for format in ["table", "yaml", "json"] {
        sandbox
            .succeeds(&["get", "agent", "support-bot", "-o", format])
            .stdout(predicate::str::contains("agt-"));
        sandbox
            .stigmer()
            .args([
                "list",
                "agent-instances",
                "--agent",
                "Support Bot",
                "-o",
                format,
            ])
            .assert()
            .success()
            .stdout(predicate::str::contains("support-prod"));
    }
    sandbox.succeeds(&["delete", "agent", "support-bot", "--yes"]);
    sandbox
        .stigmer()
        .args(["get", "agent", "support-bot"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("not found"));

    let pid = sandbox.server_pid().unwrap();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    sandbox
        .stigmer()
        .args(["server", "status"])
        .assert()
        .code(3);
    sandbox.succeeds(&["server", "start"]);
    sandbox.succeeds(&["server", "stop"]);
}
