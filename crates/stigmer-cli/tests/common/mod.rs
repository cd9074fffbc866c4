//! A sandbox per test: a temp HOME (so ~/.stigmer is private), a free port
//! for the server, and the fake server binary of `examples/`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command as StdCommand, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use tempfile::TempDir;

pub struct Sandbox {
    pub home: TempDir,
    pub port: u16,
    pub server_bin: PathBuf,
}

/// `target/<profile>/examples/fake-stigmer-server`, built by `cargo test`
/// (which builds examples) or `cargo build --examples`.
pub fn fake_server_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap();
    let bin = profile_dir.join("examples/fake-stigmer-server");
    assert!(
        bin.is_file(),
        "{} is missing: run `cargo test -p stigmer-cli` (it builds the examples)",
        bin.display()
    );
    bin
}

/// The real `stigmer-server` of this target dir, when the workspace build
/// made it (`cargo test --workspace` does); `STIGMER_TEST_SERVER_BIN`
/// overrides.
pub fn real_server_bin() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("STIGMER_TEST_SERVER_BIN") {
        return Some(PathBuf::from(path));
    }
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent()?.parent()?.join("stigmer-server");
    bin.is_file().then_some(bin)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Sandbox {
    /// A sandbox whose server is the fake one.
    pub fn new() -> Self {
        Self::with_server(fake_server_bin())
    }

    pub fn with_server(server_bin: PathBuf) -> Self {
        Self {
            home: tempfile::tempdir().unwrap(),
            port: free_port(),
            server_bin,
        }
    }

    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn data_dir(&self) -> PathBuf {
        self.home.path().join(".stigmer")
    }

    pub fn pid_file(&self) -> PathBuf {
        self.data_dir().join("stigmer-server.pid")
    }

    /// The pid written by `server start`.
    pub fn server_pid(&self) -> Option<i32> {
        let text = std::fs::read_to_string(self.pid_file()).ok()?;
        let record: serde_json::Value = serde_json::from_str(&text).ok()?;
        record["pid"].as_i64().map(|p| p as i32)
    }

    fn configure(&self, cmd: &mut StdCommand) {
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("STIGMER_SERVER_ADDR", self.address())
            .env("STIGMER_SERVER_BIN", &self.server_bin)
            .env("NO_COLOR", "1");
    }

    /// `stigmer` in this sandbox.
    pub fn stigmer(&self) -> Command {
        let mut std_cmd = StdCommand::new(env!("CARGO_BIN_EXE_stigmer"));
        self.configure(&mut std_cmd);
        let mut cmd = Command::from_std(std_cmd);
        cmd.timeout(Duration::from_secs(60));
        cmd
    }

    /// `stigmer ARGS` in this sandbox, asserted to succeed; further checks
    /// chain on the result.
    pub fn succeeds(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        self.stigmer().args(args).assert().success()
    }

    /// The output of `stigmer ARGS`, asserted to succeed (its stderr shown
    /// when it did not).
    pub fn output_ok(&self, args: &[&str]) -> std::process::Output {
        let output = self.stigmer().args(args).output().unwrap();
        assert!(output.status.success(), "{}", stderr_of(&output));
        output
    }

    /// The output of `stigmer apply -f PATH`, asserted to succeed.
    pub fn apply_ok(&self, path: &std::path::Path) -> std::process::Output {
        let output = self
            .stigmer()
            .args(["apply", "-f"])
            .arg(path)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr_of(&output));
        output
    }

    /// `stigmer` as a child whose output is collected while it runs.
    pub fn spawn(&self, args: &[&str]) -> Running {
        let mut cmd = StdCommand::new(env!("CARGO_BIN_EXE_stigmer"));
        self.configure(&mut cmd);
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let stdout = collect(child.stdout.take().unwrap());
        let stderr = collect(child.stderr.take().unwrap());
        Running {
            child,
            stdout,
            stderr,
        }
    }

    /// Starts the (fake) server through the CLI.
    pub fn start_server(&self) {
        self.stigmer().args(["server", "start"]).assert().success();
    }
}

impl Drop for Sandbox {
    /// Never leave a server behind, whatever the test did.
    fn drop(&mut self) {
        if let Some(pid) = self.server_pid() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

fn collect(mut pipe: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = text.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    text
}

/// A `stigmer` process in flight.
pub struct Running {
    pub child: Child,
    pub stdout: Arc<Mutex<String>>,
    pub stderr: Arc<Mutex<String>>,
}

impl Running {
    /// Waits (bounded) until `needle` shows on stdout or stderr.
    pub fn wait_for(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let out = self.stdout.lock().unwrap().clone();
            let err = self.stderr.lock().unwrap().clone();
            if out.contains(needle) || err.contains(needle) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "'{needle}' never showed.\nstdout: {out}\nstderr: {err}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn interrupt(&self) {
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.child.id() as i32),
            nix::sys::signal::Signal::SIGINT,
        )
        .unwrap();
    }

    /// Exit code, stdout, stderr.
    pub fn finish(mut self) -> (i32, String, String) {
        let status = self.child.wait().unwrap();
        // Let the reader threads drain the pipes.
        std::thread::sleep(Duration::from_millis(50));
        let out = self.stdout.lock().unwrap().clone();
        let err = self.stderr.lock().unwrap().clone();
        (status.code().unwrap_or(-1), out, err)
    }
}

pub fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
