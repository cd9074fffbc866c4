//! A stdio MCP server process: started in its own process group so the
//! whole tree can be stopped, and always reaped.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// Variables of the runner's own environment a server may see; everything
/// else (API keys, the server's secrets) stays out of the child.
const INHERITED_VARIABLES: &[&str] = &[
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LC_ALL", "LC_CTYPE", "TERM", "TMPDIR",
    "TZ",
];

/// How long a server gets to exit after its stdin closes, and after SIGTERM.
const EXIT_GRACE: Duration = Duration::from_millis(300);

/// A running server process.
pub(crate) struct ServerProcess {
    name: String,
    child: Child,
    process_group: Option<Pid>,
}

impl ServerProcess {
    /// Starts `command args…` in `working_dir` with `variables` (plus the
    /// harmless basics of the runner's environment) and returns the pipes to
    /// speak MCP over.
    pub(crate) fn spawn(
        name: &str,
        command: &str,
        args: &[String],
        variables: &BTreeMap<String, String>,
        working_dir: &Path,
    ) -> std::io::Result<(Self, ChildStdout, ChildStdin)> {
        std::fs::create_dir_all(working_dir)?;
        let mut builder = Command::new(command);
        builder
            .args(args)
            .current_dir(working_dir)
            .env_clear()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for name in INHERITED_VARIABLES {
            if let Ok(value) = std::env::var(name) {
                builder.env(name, value);
            }
        }
        builder.envs(variables);
        #[cfg(unix)]
        builder.process_group(0);
        let mut child = builder.spawn()?;
        let process_group = child
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .map(Pid::from_raw);
        let missing_pipe = || std::io::Error::other("child pipes missing");
        let stdout = child.stdout.take().ok_or_else(missing_pipe)?;
        let stdin = child.stdin.take().ok_or_else(missing_pipe)?;
        if let Some(stderr) = child.stderr.take() {
            let server = name.to_owned();
            // Servers log to stderr; keep it at debug level (it can be chatty
            // and is the server's own business, not the execution's).
            tokio::spawn(async move {
                let mut lines = BufReader::new(stderr).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    tracing::debug!(mcp_server = server, "{line}");
                }
            });
        }
        Ok((
            Self {
                name: name.to_owned(),
                child,
                process_group,
            },
            stdout,
            stdin,
        ))
    }

    /// The process id, while it runs.
    pub(crate) fn id(&self) -> Option<u32> {
        self.child.id()
    }

    /// Stops the server: the caller has closed stdin already, so wait a
    /// moment for a clean exit, then SIGTERM, then SIGKILL the whole group,
    /// and reap the child. Takes at most about a second.
    pub(crate) async fn stop(mut self) {
        if tokio::time::timeout(EXIT_GRACE, self.child.wait())
            .await
            .is_err()
        {
            self.signal_group(Signal::SIGTERM);
            if tokio::time::timeout(EXIT_GRACE, self.child.wait())
                .await
                .is_err()
            {
                self.signal_group(Signal::SIGKILL);
                if let Err(error) = self.child.kill().await {
                    tracing::warn!(mcp_server = self.name, %error, "could not kill MCP server");
                }
            }
        }
        // Whatever the leader did, leave no stragglers in its group.
        self.signal_group(Signal::SIGKILL);
    }

    fn signal_group(&self, signal: Signal) {
        if let Some(group) = self.process_group {
            // ESRCH (already gone) is the expected case.
            let _ = killpg(group, signal);
        }
    }
}
