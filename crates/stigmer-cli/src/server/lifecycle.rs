//! Starting, stopping and checking the local server.
//!
//! Whether a server runs is always asked of the server (its health
//! service); the pid file only tells `stop` which process to signal, and a
//! pid file whose process is gone is removed wherever it is met.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, bail};

use super::address::ServerAddress;
use super::health::{self, Health, ServerInfo};
use super::paths::ServerPaths;
use super::pidfile::{self, PidRecord};
use super::process;
use crate::client::connection::Connection;
use crate::client::error::ClientError;
use crate::context::Context;
use crate::ui;

/// Logs larger than this are moved aside (to `.log.1`) at start.
const LOG_ROTATE_BYTES: u64 = 10 * 1024 * 1024;
const POLL: Duration = Duration::from_millis(100);

/// Environment variables the CLI sets for the server it starts, on top of
/// its own environment. The server must listen on `STIGMER_LISTEN`
/// (`GRPC_PORT` carries the same port for upstream-style configuration) and
/// keep its data under `STIGMER_DATA_DIR`.
pub const LISTEN_ADDR_ENV: &str = "STIGMER_LISTEN";
pub const DATA_DIR_ENV: &str = "STIGMER_DATA_DIR";
pub const GRPC_PORT_ENV: &str = "GRPC_PORT";

#[derive(Debug)]
pub enum StartOutcome {
    AlreadyRunning(ServerInfo),
    Started { pid: u32, info: ServerInfo },
}

#[derive(Debug)]
pub enum StopOutcome {
    Stopped { pid: u32, forced: bool },
    NotRunning { removed_stale_pid_file: bool },
}

/// What `server status` reports.
#[derive(Debug, serde::Serialize)]
pub struct StatusReport {
    pub state: &'static str,
    pub address: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health: Option<String>,
    #[serde(flatten)]
    pub info: ServerInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uptime_seconds: Option<u64>,
    pub log: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The local server of one data dir at one address.
pub struct LocalServer<'a> {
    ctx: &'a Context,
    paths: ServerPaths,
}

impl<'a> LocalServer<'a> {
    pub fn new(ctx: &'a Context) -> Self {
        Self {
            ctx,
            paths: ServerPaths::new(&ctx.data_dir),
        }
    }

    pub fn paths(&self) -> &ServerPaths {
        &self.paths
    }

    fn address(&self) -> &ServerAddress {
        &self.ctx.address
    }

    fn token(&self) -> Option<&str> {
        self.ctx.token.as_deref()
    }

    fn require_local(&self) -> anyhow::Result<std::net::SocketAddr> {
        self.address().bind_address().with_context(|| {
            format!(
                "{} is not a local address; `stigmer server` only manages a server on this \
                 machine (use --server 127.0.0.1:PORT)",
                self.address()
            )
        })
    }

    /// The pid record, with a stale one (process gone) removed.
    fn live_record(&self) -> anyhow::Result<(Option<PidRecord>, bool)> {
        let path = self.paths.pid_file();
        match pidfile::read(&path)? {
            Some(record) if process::is_running(record.pid, &record.binary) => {
                Ok((Some(record), false))
            }
            Some(_) => {
                pidfile::remove(&path)?;
                Ok((None, true))
            }
            None => Ok((None, false)),
        }
    }

    /// Starts the server in the background unless one already serves.
    pub async fn start(&self, timeout: Duration) -> anyhow::Result<StartOutcome> {
        let bind = self.require_local()?;
        match health::probe(self.address(), self.token()).await {
            Health::Serving(info) => return Ok(StartOutcome::AlreadyRunning(info)),
            Health::NotServing { status, .. } => {
                let (record, _) = self.live_record()?;
                if let Some(record) = record {
                    // Ours, still starting up: wait for it like a fresh start.
                    let info = self.wait_until_serving(record.pid, None, timeout).await?;
                    return Ok(StartOutcome::Started {
                        pid: record.pid,
                        info,
                    });
                }
                bail!(
                    "something answers at {} but is not serving ({status}); \
                     choose another address with --server",
                    self.address()
                );
            }
            Health::Unreachable(_) => {}
        }
        let (record, stale) = self.live_record()?;
        if stale {
            ui::note(format!(
                "Removed a stale pid file ({}): its server is gone.",
                self.paths.pid_file().display()
            ));
        }
        if let Some(record) = record {
            bail!(
                "a stigmer-server process (pid {}) from this data dir exists but does not \
                 answer at {}. See `stigmer server logs`, or stop it with `stigmer server stop`",
                record.pid,
                self.address()
            );
        }

        let binary = process::find_server_binary()?;
        std::fs::create_dir_all(self.paths.log_dir())
            .with_context(|| format!("cannot create {}", self.paths.log_dir().display()))?;
        rotate_log(&self.paths.log_file())?;
        let env = self.server_env(bind);
        let mut child = process::spawn_detached(&binary, &env, &self.paths.log_file())?;
        let pid = child.id();
        pidfile::write(
            &self.paths.pid_file(),
            &PidRecord {
                pid,
                address: self.address().to_string(),
                binary: binary.clone(),
                started_at: unix_now(),
            },
        )?;
        let info = self
            .wait_until_serving(pid, Some(&mut child), timeout)
            .await?;
        Ok(StartOutcome::Started { pid, info })
    }

    fn server_env(&self, bind: std::net::SocketAddr) -> Vec<(&'static str, String)> {
        vec![
            (LISTEN_ADDR_ENV, bind.to_string()),
            (GRPC_PORT_ENV, bind.port().to_string()),
            (DATA_DIR_ENV, self.ctx.data_dir.display().to_string()),
        ]
    }

    /// Polls health until SERVING; fails early when the process exits.
    async fn wait_until_serving(
        &self,
        pid: u32,
        mut child: Option<&mut std::process::Child>,
        timeout: Duration,
    ) -> anyhow::Result<ServerInfo> {
        let spinner = ui::spinner(format!("Starting stigmer server on {}", self.address()));
        let deadline = Instant::now() + timeout;
        let result = loop {
            if let Health::Serving(info) = health::probe(self.address(), self.token()).await {
                break Ok(info);
            }
            let exited = match child.as_deref_mut() {
                Some(child) => child.try_wait().ok().flatten().map(|s| s.to_string()),
                None => None,
            };
            let exited = exited.or_else(|| {
                let gone = pidfile::read(&self.paths.pid_file())
                    .ok()
                    .flatten()
                    .is_some_and(|r| r.pid == pid && !process::is_running(pid, &r.binary));
                gone.then(|| "process gone".to_owned())
            });
            if let Some(how) = exited {
                pidfile::remove(&self.paths.pid_file())?;
                break Err(anyhow::anyhow!(
                    "stigmer-server exited while starting ({how}).{}",
                    last_lines_note(&self.paths.log_file(), 10)
                ));
            }
            if Instant::now() >= deadline {
                break Err(anyhow::anyhow!(
                    "stigmer-server (pid {pid}) did not report SERVING within {}s; it is left \
                     running. See `stigmer server logs`, or stop it with `stigmer server stop`",
                    timeout.as_secs()
                ));
            }
            tokio::time::sleep(POLL).await;
        };
        spinner.finish_and_clear();
        result
    }

    /// Stops the server this data dir started: SIGTERM, then SIGKILL after
    /// `timeout`. Removes the pid file in every case.
    pub async fn stop(&self, timeout: Duration) -> anyhow::Result<StopOutcome> {
        let (record, stale) = self.live_record()?;
        let Some(record) = record else {
            if !stale
                && let Health::Serving(info) = health::probe(self.address(), self.token()).await
            {
                let pid = info.pid.map(|p| format!(" (pid {p})")).unwrap_or_default();
                bail!(
                    "a server{pid} answers at {} but this data dir ({}) did not start it; \
                     stop it where it was started",
                    self.address(),
                    self.ctx.data_dir.display()
                );
            }
            return Ok(StopOutcome::NotRunning {
                removed_stale_pid_file: stale,
            });
        };
        let spinner = ui::spinner(format!("Stopping stigmer server (pid {})", record.pid));
        process::terminate(record.pid)?;
        let mut forced = false;
        if !wait_for_exit(&record, timeout).await {
            forced = true;
            process::kill(record.pid)?;
            wait_for_exit(&record, Duration::from_secs(5)).await;
        }
        spinner.finish_and_clear();
        pidfile::remove(&self.paths.pid_file())?;
        Ok(StopOutcome::Stopped {
            pid: record.pid,
            forced,
        })
    }

    /// Asks the server; never concludes "running" from the process table.
    pub async fn status(&self) -> anyhow::Result<StatusReport> {
        let health = health::probe(self.address(), self.token()).await;
        let (record, stale) = self.live_record()?;
        let mut report = StatusReport {
            state: "not running",
            address: self.address().to_string(),
            health: None,
            info: ServerInfo::default(),
            uptime_seconds: None,
            log: self.paths.log_file().display().to_string(),
            note: stale.then(|| "removed a stale pid file: its server is gone".to_owned()),
        };
        match health {
            Health::Serving(info) => {
                report.state = "running";
                report.health = Some("SERVING".to_owned());
                report.info = info;
            }
            Health::NotServing { status, info } => {
                report.state = "not serving";
                report.health = Some(status);
                report.info = info;
            }
            Health::Unreachable(reason) => {
                if let Some(record) = &record {
                    report.state = "not responding";
                    report.note = Some(format!(
                        "process {} from this data dir exists but nothing answers at {} ({reason}); \
                         see `stigmer server logs` or run `stigmer server stop`",
                        record.pid,
                        self.address()
                    ));
                }
            }
        }
        if report.state != "not running" {
            if report.info.pid.is_none() {
                report.info.pid = record.as_ref().map(|r| r.pid);
            }
            let started = report
                .info
                .started_at
                .or_else(|| record.as_ref().map(|r| r.started_at));
            report.uptime_seconds = started.map(|s| unix_now().saturating_sub(s));
        }
        Ok(report)
    }

    /// Runs the server in the foreground with inherited stdio until it
    /// exits; Ctrl-C stops it.
    pub async fn run_foreground(&self) -> anyhow::Result<i32> {
        let bind = self.require_local()?;
        if health::probe(self.address(), self.token())
            .await
            .is_serving()
        {
            bail!(
                "a server already answers at {}; stop it first (`stigmer server stop`)",
                self.address()
            );
        }
        let binary = process::find_server_binary()?;
        std::fs::create_dir_all(&self.ctx.data_dir)?;
        let mut child = tokio::process::Command::new(&binary)
            .envs(self.server_env(bind))
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let pid = child.id().context("the server exited at once")?;
        pidfile::write(
            &self.paths.pid_file(),
            &PidRecord {
                pid,
                address: self.address().to_string(),
                binary,
                started_at: unix_now(),
            },
        )?;
        let status = loop {
            tokio::select! {
                status = child.wait() => break status?,
                // A terminal's Ctrl-C reaches the server too; a signal sent
                // to this process alone is passed on as a graceful stop.
                _ = tokio::signal::ctrl_c() => process::terminate(pid)?,
            }
        };
        pidfile::remove(&self.paths.pid_file())?;
        Ok(status.code().unwrap_or(130))
    }
}

/// Connects for a command that needs the server, starting the local one
/// when nothing answers and auto-start is on.
pub async fn connect_or_start(ctx: &Context) -> anyhow::Result<Connection> {
    let token = ctx.token.as_deref();
    match Connection::open(&ctx.address, token).await {
        Ok(connection) => {
            wait_while_starting(&connection).await;
            Ok(connection)
        }
        Err(err @ ClientError::Unreachable { .. }) if ctx.address.is_local() && ctx.auto_start => {
            ui::note(format!(
                "No server answers at {}; starting the local server…",
                ctx.address
            ));
            let server = LocalServer::new(ctx);
            server
                .start(Duration::from_secs(30))
                .await
                .with_context(|| format!("{err}\nStarting it failed"))?;
            Ok(Connection::open(&ctx.address, token).await?)
        }
        Err(err) => Err(err.into()),
    }
}

/// A server that accepts connections but reports NOT_SERVING is starting:
/// give it a moment rather than failing the command on a half-ready server.
async fn wait_while_starting(connection: &Connection) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut spinner = None;
    loop {
        match health::check(connection).await {
            Health::NotServing { status, .. }
                if status == "NOT_SERVING" && Instant::now() < deadline =>
            {
                spinner.get_or_insert_with(|| ui::spinner("Waiting for the server to be ready"));
                tokio::time::sleep(POLL * 2).await;
            }
            _ => break,
        }
    }
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
}

async fn wait_for_exit(record: &PidRecord, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while process::is_running(record.pid, &record.binary) {
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(POLL).await;
    }
    true
}

fn rotate_log(log: &Path) -> anyhow::Result<()> {
    if std::fs::metadata(log).is_ok_and(|m| m.len() > LOG_ROTATE_BYTES) {
        let old = log.with_extension("log.1");
        std::fs::rename(log, &old).with_context(|| format!("cannot rotate {}", log.display()))?;
    }
    Ok(())
}

fn last_lines_note(log: &Path, n: usize) -> String {
    let Ok(text) = std::fs::read_to_string(log) else {
        return String::new();
    };
    let lines: Vec<&str> = text.lines().collect();
    let tail = &lines[lines.len().saturating_sub(n)..];
    if tail.is_empty() {
        return format!(" Its log ({}) is empty.", log.display());
    }
    format!(" Last lines of {}:\n  {}", log.display(), tail.join("\n  "))
}

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// "3h 4m 5s" for people.
pub fn human_duration(seconds: u64) -> String {
    let (d, h, m, s) = (
        seconds / 86_400,
        seconds / 3600 % 24,
        seconds / 60 % 60,
        seconds % 60,
    );
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m {s}s"),
        (0, _, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(human_duration(5), "5s");
        assert_eq!(human_duration(65), "1m 5s");
        assert_eq!(human_duration(3 * 3600 + 4 * 60 + 5), "3h 4m");
        assert_eq!(human_duration(2 * 86_400 + 3600), "2d 1h");
    }
}
