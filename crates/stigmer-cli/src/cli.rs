//! The command tree: every command, flag and help text of `stigmer`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const ABOUT: &str = "Run and manage AI agents and workflows on a Stigmer server";

const LONG_ABOUT: &str = "\
Run and manage AI agents and workflows on a Stigmer server.

Without --server, stigmer talks to the local server on 127.0.0.1:7234 and
starts it when a command needs it. Results go to stdout (choose the format with
-o table|yaml|json); progress and diagnostics go to stderr.";

const AFTER_HELP: &str = "\
Examples:
  stigmer server start                 start the local server
  stigmer apply -f ./manifests         create or update everything in a folder
  stigmer list sessions                list sessions as a table
  stigmer get agent support -o yaml    one agent as YAML
  stigmer run support -m \"hello\"       run an agent and stream its answer
  stigmer execution show aex-01j…      the transcript of an execution";

#[derive(Debug, Parser)]
#[command(
    name = "stigmer",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = AFTER_HELP,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command understands.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Server address (host:port). Default: `server.address` from the config
    /// file, else the local server 127.0.0.1:7234
    #[arg(long, global = true, env = "STIGMER_SERVER_ADDR", value_name = "ADDR")]
    pub server: Option<String>,

    /// Bearer token sent with every request
    #[arg(
        long,
        global = true,
        env = "STIGMER_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<String>,

    /// Organization that owns the resources you read and write [default: local]
    #[arg(long, global = true, env = "STIGMER_ORG", value_name = "ORG")]
    pub org: Option<String>,

    /// Directory of the config file, server log, pid file and server data
    /// [default: ~/.stigmer]
    #[arg(long, global = true, env = "STIGMER_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// No colours in the output (also: NO_COLOR=1)
    #[arg(long, global = true)]
    pub no_color: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start, stop and inspect the local Stigmer server
    #[command(subcommand_required = false, args_conflicts_with_subcommands = true)]
    Server(ServerArgs),

    /// Create or update resources from YAML/JSON manifests or SDK output
    #[command(long_about = APPLY_LONG)]
    Apply(ApplyArgs),

    /// Show one resource, or all of a kind when no name is given
    #[command(after_help = KINDS_HELP)]
    Get(GetArgs),

    /// List the resources of a kind
    #[command(visible_alias = "ls", after_help = KINDS_HELP)]
    List(ListArgs),

    /// Delete a resource by name or id
    #[command(visible_alias = "rm", after_help = KINDS_HELP)]
    Delete(DeleteArgs),

    /// Run an agent and stream its answer live
    #[command(long_about = RUN_LONG)]
    Run(RunArgs),

    /// List agent executions, newest first
    Executions(ExecutionsArgs),

    /// Inspect one agent execution
    #[command(subcommand)]
    Execution(ExecutionCommand),

    /// Publish skills
    #[command(subcommand)]
    Skill(SkillCommand),

    /// Read and change the CLI configuration file
    #[command(subcommand)]
    Config(ConfigCommand),

    /// Print the CLI version (and the server's, when it is running)
    Version(VersionArgs),

    /// Print a shell completion script
    #[command(long_about = COMPLETIONS_LONG)]
    Completions(CompletionsArgs),
}

const KINDS_HELP: &str = "\
Kinds: agent (ag), agent-instance (agi), session (se), agent-execution (ex),
environment (env), execution-context (ctx), skill (sk), workflow (wf),
workflow-instance (wfi), workflow-execution (wfx), mcp-server (mcp).
Plural forms and id prefixes (agt, ain, ses, aex, ...) work too.";

const APPLY_LONG: &str = "\
Create or update resources from manifests.

A manifest is a YAML or JSON document in the resource envelope:

  apiVersion: agentic.stigmer.ai/v1
  kind: Agent
  metadata:
    name: support
  spec:
    instructions: You answer customer questions politely.

Field names follow the protobuf JSON mapping, camelCase or snake_case. A file
may hold several documents (YAML `---`, or a JSON array). Directories are read
recursively (*.yaml, *.yml, *.json); a directory with a dependencies.json is
read as SDK synthesis output (agent-N.pb, workflow-N.pb, skill-N.pb).

Documents are applied in dependency order: environments and skills, then
agents, agent instances and sessions, then workflows and workflow instances.
In an instance, spec.agentId / spec.workflowId may name the parent instead of
giving its id. Every document is validated first; a file with an invalid
document is not applied at all.

The result table shows, per resource, whether it was created, updated or left
unchanged.";

const RUN_LONG: &str = "\
Run an agent and stream its answer live.

AGENT is the agent's name (slug) or id. The message comes from -m, else from
stdin when it is not a terminal, else from a prompt. The answer streams to
stdout as it grows; tool calls, the phase and a spinner go to stderr.

Exit codes: 0 completed, 1 failed (the error is printed), 130 interrupted with
Ctrl-C (the execution is cancelled first).";

const COMPLETIONS_LONG: &str = "\
Print a shell completion script to stdout.

  bash: stigmer completions bash > ~/.local/share/bash-completion/completions/stigmer
  zsh:  stigmer completions zsh > \"${fpath[1]}/_stigmer\"
  fish: stigmer completions fish > ~/.config/fish/completions/stigmer.fish";

/// How results are written to stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum OutputFormat {
    /// Aligned columns for people
    #[default]
    Table,
    /// YAML documents (proto-JSON field names); re-appliable with `stigmer apply`
    Yaml,
    /// JSON (proto-JSON field names)
    Json,
}

#[derive(Debug, Args, Clone, Copy)]
pub struct OutputArgs {
    /// Output format
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct ServerArgs {
    #[command(subcommand)]
    pub command: Option<ServerCommand>,
}

#[derive(Debug, Subcommand)]
pub enum ServerCommand {
    /// Start the local server in the background (the default of `stigmer server`)
    #[command(long_about = "\
Start the local server in the background.

Launches stigmer-server (next to this binary, else on PATH; STIGMER_SERVER_BIN
overrides) with this shell's environment, its log in <data-dir>/logs and its
pid in <data-dir>/stigmer-server.pid, waits until its health service reports
SERVING and prints the address. Does nothing when a server already answers.")]
    Start(StartArgs),
    /// Stop the local server (SIGTERM, then SIGKILL after --timeout)
    Stop(StopArgs),
    /// Stop, then start the local server
    Restart(StartArgs),
    /// Ask the server whether it is running; exit code 3 when it is not
    Status(OutputArgs),
    /// Print the server log
    Logs(LogsArgs),
    /// Run the server in the foreground (Ctrl-C stops it)
    Run,
}

#[derive(Debug, Args, Clone, Copy)]
pub struct StartArgs {
    /// Seconds to wait for the server to report SERVING
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub timeout: u64,
}

#[derive(Debug, Args, Clone, Copy)]
pub struct StopArgs {
    /// Seconds to wait for a graceful stop before killing the server
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    pub timeout: u64,
}

#[derive(Debug, Args, Clone, Copy)]
pub struct LogsArgs {
    /// Keep printing new lines as they are written (Ctrl-C ends)
    #[arg(short, long)]
    pub follow: bool,
    /// Print only the last N lines first (0: the whole log)
    #[arg(short = 'n', long, default_value_t = 50, value_name = "N")]
    pub tail: usize,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Manifest file or directory (repeatable); `-` reads stdin
    #[arg(short = 'f', long = "file", value_name = "FILE|DIR", required = true)]
    pub files: Vec<PathBuf>,
    /// Validate and show what would be applied, without changing anything
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct GetArgs {
    /// Resource kind, e.g. agent, agents, ag
    pub kind: String,
    /// Name (slug) or id; without it, all resources of the kind are listed
    pub name: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Resource kind, e.g. agents, sessions, agent-executions
    pub kind: String,
    /// Page number, from 1
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub page: u32,
    /// Resources per page
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub page_size: u32,
    #[command(flatten)]
    pub filter: ListFilter,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Parent filters: which parent a list is about.
#[derive(Debug, Args, Default, Clone)]
pub struct ListFilter {
    /// Only resources of this agent (name or id): agent instances, sessions
    #[arg(long, value_name = "AGENT")]
    pub agent: Option<String>,
    /// Only resources of this workflow (name or id): workflow instances and executions
    #[arg(long, value_name = "WORKFLOW")]
    pub workflow: Option<String>,
    /// Only executions of this session (id)
    #[arg(long, value_name = "SESSION")]
    pub session: Option<String>,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// Resource kind
    pub kind: String,
    /// Name (slug) or id
    pub name: String,
    /// Do not ask for confirmation
    #[arg(short, long)]
    pub yes: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Agent name (slug) or id
    pub agent: String,
    /// The message to send; without it, stdin or a prompt
    #[arg(short, long)]
    pub message: Option<String>,
    /// Continue this session (id) instead of starting a new one
    #[arg(long, value_name = "SESSION")]
    pub session: Option<String>,
    /// Create the execution, print its id and return without streaming
    #[arg(long)]
    pub no_follow: bool,
    /// `table` streams text; `json`/`yaml` print the final execution
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct ExecutionsArgs {
    /// Only executions of this session (id)
    #[arg(long, value_name = "SESSION")]
    pub session: Option<String>,
    /// Page number, from 1
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub page: u32,
    /// Executions per page
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub page_size: u32,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Subcommand)]
pub enum ExecutionCommand {
    /// The transcript of an execution: messages, tool calls, phase, error
    Show {
        /// Execution id (aex-…)
        id: String,
        #[command(flatten)]
        output: OutputArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum SkillCommand {
    /// Zip a folder that holds SKILL.md and push it as a new skill version
    Push(SkillPushArgs),
}

#[derive(Debug, Args)]
pub struct SkillPushArgs {
    /// Folder with SKILL.md at its root
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Version tag, e.g. v1 [default: latest]
    #[arg(long, value_name = "TAG")]
    pub tag: Option<String>,
    /// Skill name [default: the folder's name]
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the effective value of a key
    Get {
        /// Dotted key, e.g. server.address
        key: String,
    },
    /// Write a key to the config file
    Set {
        /// Dotted key, e.g. server.address
        key: String,
        value: String,
    },
    /// Remove a key from the config file
    Unset { key: String },
    /// Every key with its effective value and where it comes from
    List(OutputArgs),
    /// Print the path of the config file
    Path,
}

#[derive(Debug, Args)]
pub struct VersionArgs {
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// Shell to generate completions for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    #[test]
    fn the_command_tree_is_consistent() {
        Cli::command().debug_assert();
    }
}
