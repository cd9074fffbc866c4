//! `stigmer run` end to end: the CLI starts the real `stigmer-server` (with
//! the embedded agent runner) in a private HOME, and the runner talks to a
//! scripted fake OpenAI-compatible model (`stigmer_testkit::FakeLlm`). What
//! a user sees: the streamed answer, the exit code, JSON for scripts, the
//! provider's failure, and Ctrl-C cancelling the execution on the server.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on setup failures

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::{Sandbox, stderr_of, stdout_of};
use stigmer_testkit::{FakeLlm, Reply, unreachable_base_url};
use tokio::runtime::Runtime;

/// `STIGMER_TEST_SERVER_BIN`, else the workspace's server built on demand
/// into this test's target dir (so this test never skips silently).
fn server_bin() -> PathBuf {
    std::env::var_os("STIGMER_TEST_SERVER_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| stigmer_testkit::cargo_bin("stigmer-server", "stigmer-server"))
}

/// Runs `stigmer ARGS`, which must exit with `code`; its stdout and stderr.
fn run_exits(sandbox: &Sandbox, args: &[&str], code: i32) -> (String, String) {
    let output = sandbox.stigmer().args(args).output().unwrap();
    let (out, err) = (stdout_of(&output), stderr_of(&output));
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout: {out}\nstderr: {err}"
    );
    (out, err)
}

/// A sandbox whose real server runs agents in-process against the model at
/// `llm_base_url`, with one agent, `helper`, applied from a directory.
fn sandbox_with_agent(llm_base_url: &str) -> Sandbox {
    let sandbox = Sandbox::with_server(server_bin());
    // The server inherits the environment of the `stigmer` that starts it.
    let output = sandbox
        .stigmer()
        .env("STIGMER_AGENT_RUNNER", "embedded")
        .env("STIGMER_LLM_PROVIDER", "openai")
        .env("STIGMER_LLM_BASE_URL", llm_base_url)
        .env("STIGMER_LLM_MODEL", "fake-model")
        .env("OPENAI_API_KEY", "x")
        .args(["server", "start"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));

    let dir = sandbox.home.path().join("manifests");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("helper.yaml"),
        "kind: Agent\nmetadata: {name: helper}\nspec: {instructions: You answer briefly.}\n",
    )
    .unwrap();
    sandbox.apply_ok(&dir);
    sandbox
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Did any request carry the user's message?
fn received_user_message(llm: &FakeLlm, text: &str) -> bool {
    llm.requests().iter().any(|body| {
        body["messages"].as_array().is_some_and(|messages| {
            messages
                .iter()
                .any(|m| m["role"] == "user" && m["content"].to_string().contains(text))
        })
    })
}

/// The `aex-…` id of the "Execution <id>" note on stderr.
fn execution_id(stderr: &str) -> String {
    stderr
        .split_whitespace()
        .map(|word| word.trim_end_matches(','))
        .find(|word| word.starts_with("aex-"))
        .unwrap_or_else(|| panic!("no execution id in:\n{stderr}"))
        .to_owned()
}

#[test]
fn run_prints_the_streamed_answer_and_exits_zero() {
    let rt = runtime();
    let llm = rt.block_on(FakeLlm::openai([Reply::text("Forty-two is the answer.")]));
    let sandbox = sandbox_with_agent(&llm.base_url());

    let (out, err) = run_exits(
        &sandbox,
        &["run", "helper", "-m", "what is the question?"],
        0,
    );
    assert!(
        out.contains("Forty-two is the answer."),
        "stdout: {out}\nstderr: {err}"
    );
    assert!(err.contains("completed"), "stderr: {err}");
    assert!(
        received_user_message(&llm, "what is the question?"),
        "{:#?}",
        llm.requests()
    );
}

#[test]
fn run_with_json_output_prints_only_json_on_stdout() {
    let rt = runtime();
    let llm = rt.block_on(FakeLlm::openai([Reply::text("Structured hello.")]));
    let sandbox = sandbox_with_agent(&llm.base_url());

    let (out, err) = run_exits(&sandbox, &["run", "helper", "-m", "hi", "-o", "json"], 0);
    let execution: serde_json::Value = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{out}"));
    assert_eq!(execution["kind"], "AgentExecution", "{execution:#}");
    assert_eq!(
        execution["status"]["phase"], "EXECUTION_COMPLETED",
        "{execution:#}"
    );
    assert!(
        execution.to_string().contains("Structured hello."),
        "the answer is in the JSON: {execution:#}"
    );
    // Progress (the execution id, the live text, the verdict) stays on stderr.
    let id = execution["metadata"]["id"].as_str().unwrap();
    assert!(err.contains(id), "stderr: {err}");
    assert!(err.contains("completed"), "stderr: {err}");
    assert!(received_user_message(&llm, "hi"));
}

#[test]
fn run_against_an_unreachable_provider_fails_with_the_reason() {
    let sandbox = sandbox_with_agent(&unreachable_base_url());

    let (_, err) = run_exits(&sandbox, &["run", "helper", "-m", "hi"], 1);
    assert!(err.contains("failed"), "stderr: {err}");
    assert!(
        err.contains("STIGMER_LLM_BASE_URL"),
        "the error says what to check: {err}"
    );
}

#[test]
fn ctrl_c_cancels_the_execution_on_the_server_and_exits_130() {
    let rt = runtime();
    let llm = rt.block_on(FakeLlm::openai([Reply::Hang]));
    let sandbox = sandbox_with_agent(&llm.base_url());

    let running = sandbox.spawn(&["run", "helper", "-m", "take your time"]);
    rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(60), llm.wait_until_hanging())
            .await
            .expect("the model was never asked")
    });
    // The first streamed chunk on screen: the CLI is following the run.
    running.wait_for("thinking");
    running.interrupt();
    let (code, out, err) = running.finish();
    assert_eq!(code, 130, "stdout: {out}\nstderr: {err}");
    assert!(err.contains("cancelled"), "stderr: {err}");

    let id = execution_id(&err);
    let output = sandbox.output_ok(&["execution", "show", &id, "-o", "json"]);
    let execution: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        execution["status"]["phase"], "EXECUTION_CANCELLED",
        "{execution:#}"
    );
    // The server stopped the runner: it hung up on the model.
    rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(30), llm.wait_until_stream_dropped())
            .await
            .expect("the model stream stayed open after the cancel")
    });
}
