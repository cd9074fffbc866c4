//! Finding, launching and signalling the `stigmer-server` process.

use std::ffi::OsString;
use std::fs::File;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{Context as _, bail};
use nix::sys::signal::{self, Signal};
use nix::unistd::Pid;

/// Environment variable naming the server executable (tests, development).
pub const SERVER_BIN_ENV: &str = "STIGMER_SERVER_BIN";
const SERVER_BIN_NAME: &str = "stigmer-server";

/// The server executable: `STIGMER_SERVER_BIN`, else next to this `stigmer`
/// binary, else on `PATH`.
pub fn find_server_binary() -> anyhow::Result<PathBuf> {
    if let Some(path) = std::env::var_os(SERVER_BIN_ENV).filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        if path.is_file() {
            return Ok(path);
        }
        bail!(
            "{SERVER_BIN_ENV} points at {}, which is not a file",
            path.display()
        );
    }
    let mut looked = Vec::new();
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_owned))
    {
        let candidate = dir.join(SERVER_BIN_NAME);
        if candidate.is_file() {
            return Ok(candidate);
        }
        looked.push(dir.display().to_string());
    }
    if let Some(found) = search_path(std::env::var_os("PATH")) {
        return Ok(found);
    }
    looked.push("PATH".to_owned());
    bail!(
        "{SERVER_BIN_NAME} was not found (looked in {}). Install it next to stigmer, \
         or set {SERVER_BIN_ENV} to its path",
        looked.join(" and ")
    )
}

fn search_path(path: Option<OsString>) -> Option<PathBuf> {
    std::env::split_paths(&path?)
        .map(|dir| dir.join(SERVER_BIN_NAME))
        .find(|candidate| candidate.is_file())
}

/// Starts the server in its own process group (so Ctrl-C in this terminal
/// does not reach it) with stdout and stderr appended to `log`. The
/// environment of this process is inherited, plus `extra_env`.
pub fn spawn_detached(
    binary: &Path,
    extra_env: &[(&str, String)],
    log: &Path,
) -> anyhow::Result<Child> {
    let log_out = File::options()
        .create(true)
        .append(true)
        .open(log)
        .with_context(|| format!("cannot open the server log {}", log.display()))?;
    let log_err = log_out.try_clone()?;
    Command::new(binary)
        .envs(extra_env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::null())
        .stdout(log_out)
        .stderr(log_err)
        .process_group(0)
        .spawn()
        .with_context(|| format!("cannot start {}", binary.display()))
}

/// Whether `pid` is a live process running `binary`. Zombies count as gone;
/// a pid reused by another program is not ours.
pub fn is_running(pid: u32, binary: &Path) -> bool {
    let Ok(raw) = i32::try_from(pid) else {
        return false;
    };
    if signal::kill(Pid::from_raw(raw), None).is_err() {
        return false;
    }
    let proc_dir = PathBuf::from(format!("/proc/{pid}"));
    if !Path::new("/proc/self").exists() {
        return true; // no procfs: the signal probe is all we have
    }
    if is_zombie(&proc_dir) {
        return false;
    }
    match std::fs::read_link(proc_dir.join("exe")) {
        Ok(exe) => same_executable(&exe, binary),
        // Not allowed to look (another user's process): trust the pid.
        Err(_) => true,
    }
}

fn is_zombie(proc_dir: &Path) -> bool {
    let Ok(stat) = std::fs::read_to_string(proc_dir.join("stat")) else {
        return true;
    };
    // "pid (comm) S …": the state follows the last ')'.
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .is_some_and(|state| state == "Z" || state == "X")
}

fn same_executable(exe: &Path, binary: &Path) -> bool {
    let exe_text = exe.to_string_lossy();
    let exe = Path::new(exe_text.trim_end_matches(" (deleted)"));
    let binary = binary.canonicalize().unwrap_or_else(|_| binary.to_owned());
    exe == binary || exe.file_name() == binary.file_name()
}

pub fn terminate(pid: u32) -> anyhow::Result<()> {
    send(pid, Signal::SIGTERM)
}

pub fn kill(pid: u32) -> anyhow::Result<()> {
    send(pid, Signal::SIGKILL)
}

fn send(pid: u32, sig: Signal) -> anyhow::Result<()> {
    let raw = i32::try_from(pid).context("pid out of range")?;
    match signal::kill(Pid::from_raw(raw), sig) {
        Ok(()) | Err(nix::errno::Errno::ESRCH) => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot send {sig} to process {pid}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_running_and_a_dead_one_is_not() {
        let me = std::process::id();
        let exe = std::env::current_exe().unwrap();
        assert!(is_running(me, &exe));
        assert!(!is_running(me, Path::new("/usr/bin/definitely-not-this")));

        let mut child = Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        assert!(!is_running(pid, Path::new("/usr/bin/true")));
    }

    #[test]
    fn an_unreaped_child_counts_as_gone() {
        let mut child = Command::new("true").spawn().unwrap();
        let pid = child.id();
        // Let it exit without reaping it.
        while !is_zombie(&PathBuf::from(format!("/proc/{pid}"))) {
            std::thread::yield_now();
        }
        assert!(!is_running(pid, Path::new("/usr/bin/true")));
        child.wait().unwrap();
    }

    #[test]
    fn path_search_skips_directories_without_the_server() {
        let found = search_path(Some(OsString::from("/nonexistent-dir")));
        assert!(found.is_none());
    }
}
