//! `stigmer server …` against the fake server binary: start, status, stop,
//! logs, crash recovery, and the server started on demand.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on setup failures

mod common;

use common::{Sandbox, stderr_of, stdout_of};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use predicates::prelude::*;

#[test]
fn start_status_stop() {
    let sandbox = Sandbox::new();
    let output = sandbox.output_ok(&["server", "start"]);
    assert_eq!(stdout_of(&output), format!("{}\n", sandbox.address()));
    assert!(
        stderr_of(&output).contains("started"),
        "{}",
        stderr_of(&output)
    );
    let pid = sandbox.server_pid().expect("a pid file");

    // Starting again does nothing.
    sandbox
        .succeeds(&["server", "start"])
        .stderr(predicate::str::contains("already running"));
    assert_eq!(sandbox.server_pid(), Some(pid));

    // Status comes from the server: its version, data dir and pid.
    let output = sandbox
        .stigmer()
        .args(["server", "status", "-o", "json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let status: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(status["state"], "running");
    assert_eq!(status["health"], "SERVING");
    assert_eq!(status["version"], "0.0.0-fake");
    assert_eq!(status["data_dir"], sandbox.data_dir().display().to_string());
    assert_eq!(status["pid"], pid);
    sandbox.succeeds(&["server", "status"]).stdout(
        predicate::str::contains("state      running").and(predicate::str::contains("uptime")),
    );

    sandbox
        .succeeds(&["server", "stop"])
        .stderr(predicate::str::contains(format!("stopped (pid {pid})")));
    assert!(!sandbox.pid_file().exists());
    sandbox
        .stigmer()
        .args(["server", "status"])
        .assert()
        .code(3)
        .stdout(predicate::str::contains("not running"))
        .stderr(predicate::str::contains("stigmer server start"));
    // Stopping a stopped server is fine.
    sandbox
        .succeeds(&["server", "stop"])
        .stderr(predicate::str::contains("not running"));
}

#[test]
fn a_killed_server_is_reported_not_running_and_start_recovers() {
    let sandbox = Sandbox::new();
    sandbox.start_server();
    let pid = sandbox.server_pid().unwrap();
    kill(Pid::from_raw(pid), Signal::SIGKILL).unwrap();

    let output = sandbox
        .stigmer()
        .args(["server", "status", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let status: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(status["state"], "not running");
    assert!(
        !sandbox.pid_file().exists(),
        "the stale pid file is cleaned up"
    );

    sandbox
        .succeeds(&["server", "start"])
        .stderr(predicate::str::contains("started"));
    let new_pid = sandbox.server_pid().unwrap();
    assert_ne!(new_pid, pid);
    sandbox.succeeds(&["server", "status"]);
    sandbox.succeeds(&["server", "stop"]);
}

#[test]
fn a_server_that_dies_while_starting_shows_its_log() {
    let sandbox = Sandbox::new();
    sandbox
        .stigmer()
        .env("FAKE_SERVER_CRASH_ON_START", "1")
        .args(["server", "start"])
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("exited").and(predicate::str::contains(
                "cannot open the database (crash requested)",
            )),
        );
    assert!(!sandbox.pid_file().exists());
}

#[test]
fn start_waits_for_serving() {
    let sandbox = Sandbox::new();
    sandbox
        .stigmer()
        .env("FAKE_SERVER_NOT_SERVING_MS", "700")
        .args(["server", "start"])
        .assert()
        .success();
    // Once start returns, the server serves.
    sandbox.succeeds(&["server", "status"]);
}

#[test]
fn a_server_ignoring_sigterm_is_killed_after_the_timeout() {
    let sandbox = Sandbox::new();
    sandbox
        .stigmer()
        .env("FAKE_SERVER_IGNORE_SIGTERM", "1")
        .args(["server", "start"])
        .assert()
        .success();
    sandbox
        .succeeds(&["server", "stop", "--timeout", "1"])
        .stderr(predicate::str::contains("was killed"));
    sandbox
        .stigmer()
        .args(["server", "status"])
        .assert()
        .code(3);
}

#[test]
fn logs_show_the_server_output() {
    let sandbox = Sandbox::new();
    sandbox
        .stigmer()
        .args(["server", "logs"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no server log"));
    sandbox.start_server();
    sandbox.succeeds(&["server", "stop"]);
    sandbox
        .succeeds(&["server", "logs", "--tail", "2"])
        .stdout(
            predicate::str::contains("SIGTERM, stopping").and(predicate::str::contains("stopped")),
        )
        .stdout(predicate::str::contains("listening").not());
}

#[test]
fn commands_start_the_local_server_on_demand() {
    let sandbox = Sandbox::new();
    sandbox
        .succeeds(&["list", "sessions"])
        .stderr(predicate::str::contains("starting the local server"));
    assert!(sandbox.server_pid().is_some());
    sandbox.succeeds(&["server", "stop"]);
}

#[test]
fn a_missing_server_binary_is_explained() {
    let sandbox = Sandbox::new();
    sandbox
        .stigmer()
        .env("STIGMER_SERVER_BIN", sandbox.home.path().join("nope"))
        .args(["get", "agent", "bot"])
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("cannot reach the stigmer server")
                .and(predicate::str::contains("STIGMER_SERVER_BIN points at")),
        );
}

#[test]
fn restart_replaces_the_process() {
    let sandbox = Sandbox::new();
    sandbox.start_server();
    let pid = sandbox.server_pid().unwrap();
    sandbox.succeeds(&["server", "restart"]);
    let new_pid = sandbox.server_pid().unwrap();
    assert_ne!(pid, new_pid);
    sandbox.succeeds(&["server", "stop"]);
}

#[test]
fn server_run_stays_in_the_foreground_until_interrupted() {
    let sandbox = Sandbox::new();
    let running = sandbox.spawn(&["server", "run"]);
    running.wait_for("fake-stigmer-server: listening");
    sandbox.succeeds(&["server", "status"]);
    running.interrupt();
    let (code, out, _) = running.finish();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("stopped"), "{out}");
    assert!(!sandbox.pid_file().exists());
}
