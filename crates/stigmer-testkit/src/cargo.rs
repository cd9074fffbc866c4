//! Paths of workspace binaries for tests of other packages. Cargo only
//! offers `CARGO_BIN_EXE_<name>` for the binaries of a test's own package,
//! so other binaries are built here with `cargo build`, into the target
//! directory (and profile) of the running test, which keeps them current.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Mutex, PoisonError};

use serde_json::Value;

/// The stdio fake MCP server of this crate (see `src/bin/fake-mcp-server.rs`).
pub fn fake_mcp_server() -> PathBuf {
    cargo_bin("stigmer-testkit", "fake-mcp-server")
}

/// Builds binary `bin` of workspace package `package` (once per test
/// process) and returns its path. Panics with cargo's output if the build
/// fails.
pub fn cargo_bin(package: &str, bin: &str) -> PathBuf {
    static BUILT: Mutex<Option<HashMap<(String, String), PathBuf>>> = Mutex::new(None);
    // Held across the build: concurrent tests wait for one build.
    let mut built = BUILT.lock().unwrap_or_else(PoisonError::into_inner);
    let built = built.get_or_insert_with(HashMap::new);
    let key = (package.to_owned(), bin.to_owned());
    if let Some(path) = built.get(&key) {
        return path.clone();
    }
    let path = build(package, bin);
    built.insert(key, path.clone());
    path
}

fn build(package: &str, bin: &str) -> PathBuf {
    let cargo = std::env::var_os("CARGO")
        .or_else(|| option_env!("CARGO").map(Into::into))
        .unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.current_dir(env!("CARGO_MANIFEST_DIR")).args([
        "build",
        "--quiet",
        "--message-format=json",
        "-p",
        package,
        "--bin",
        bin,
    ]);
    if let Some((target_dir, profile)) = running_target_dir() {
        command.arg("--target-dir").arg(target_dir);
        if let Some(profile) = profile {
            command.arg("--profile").arg(profile);
        }
    }
    let output = command
        .output()
        .expect("running cargo to build a test binary");
    assert!(
        output.status.success(),
        "cargo build -p {package} --bin {bin} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|message| {
            message["reason"] == "compiler-artifact" && message["target"]["name"] == bin
        })
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .unwrap_or_else(|| panic!("cargo built no executable named {bin} in package {package}"))
}

/// `<target>/<profile>/deps/<test>`: the target directory and the profile
/// (`None` for `debug`, the dev/test profile), so the binary is built
/// alongside the test itself.
fn running_target_dir() -> Option<(PathBuf, Option<OsString>)> {
    let exe = std::env::current_exe().ok()?;
    let deps = exe.parent()?;
    if deps.file_name()? != "deps" {
        return None;
    }
    let profile = deps.parent()?;
    let target = profile.parent()?;
    let profile = profile.file_name()?;
    let profile = (profile != "debug").then(|| profile.to_os_string());
    Some((target.to_path_buf(), profile))
}
