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
fn lifecycle_and_resources_against_the_real_server() {
    let Some(sandbox) = sandbox() else { return };
    let output = sandbox
        .stigmer()
        .args(["server", "start"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    sandbox
        .stigmer()
        .args(["server", "status"])
        .assert()
        .success()
        .stdout(predicate::str::contains("SERVING"));

    let file = sandbox.home.path().join("agents.yaml");
    std::fs::write(
        &file,
        "kind: AgentInstance\nmetadata: {name: support-prod}\nspec: {agentId: Support Bot}\n---\n\
         kind: Agent\nmetadata: {name: Support Bot}\nspec: {instructions: You answer customer questions politely.}\n",
    )
    .unwrap();
    let apply = |expected: &str| {
        let output = sandbox
            .stigmer()
            .args(["apply", "-f"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr_of(&output));
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
            .stigmer()
            .args(["get", "agent", "support-bot", "-o", format])
            .assert()
            .success()
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
    sandbox
        .stigmer()
        .args(["delete", "agent", "support-bot", "--yes"])
        .assert()
        .success();
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
    sandbox
        .stigmer()
        .args(["server", "start"])
        .assert()
        .success();
    sandbox
        .stigmer()
        .args(["server", "stop"])
        .assert()
        .success();
}
