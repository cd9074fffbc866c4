//! `stigmer run AGENT [-m MESSAGE] [--session ID] [--no-follow] [-o json]`
//!
//! Creates an agent execution and follows `subscribe` until a terminal
//! phase: the answer streams to stdout as it grows, tool calls show with
//! their status, a spinner with the elapsed time waits on stderr. Ctrl-C
//! cancels the execution (updateStatus with phase CANCELLED) and exits 130.

use std::io::{Read as _, Write as _};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, bail};
use indicatif::ProgressBar;
use prost_reflect::ReflectMessage as _;
use stigmer_api::agentic::agentexecution::v1::{
    AgentExecution, AgentExecutionId, AgentExecutionSpec, AgentExecutionStatus,
    AgentExecutionUpdateStatusInput, ExecutionPhase,
    agent_execution_command_controller_client::AgentExecutionCommandControllerClient,
    agent_execution_query_controller_client::AgentExecutionQueryControllerClient,
};
use stigmer_api::commons::apiresource::ApiResourceMetadata;

use crate::cli::{OutputFormat, RunArgs};
use crate::client::resources::client;
use crate::client::{ClientError, Connection, Resources};
use crate::context::Context;
use crate::kind::ResourceKind;
use crate::output::fields;
use crate::output::resources::print_one;
use crate::output::transcript::{self, LiveTranscript};
use crate::server::lifecycle::{connect_or_start, human_duration};
use crate::ui;

use super::exit;

/// How often a stream that ended early is re-opened before giving up.
const RESUBSCRIBE_ATTEMPTS: u32 = 3;

pub async fn run(ctx: &Context, args: RunArgs) -> anyhow::Result<u8> {
    let message = read_message(args.message.as_deref())?;
    let connection = connect_or_start(ctx).await?;
    let api = Resources::new(connection.clone());
    let agent = api
        .resolve(ResourceKind::Agent, &ctx.org, &args.agent)
        .await?;
    let agent_id = fields::text(&agent, "metadata.id");

    let execution = AgentExecution {
        api_version: ResourceKind::AgentExecution.api_version().to_owned(),
        kind: ResourceKind::AgentExecution.name().to_owned(),
        metadata: Some(ApiResourceMetadata {
            name: format!("execution-{}", unix_micros()),
            org: ctx.org.clone(),
            ..Default::default()
        }),
        spec: Some(AgentExecutionSpec {
            agent_id,
            session_id: args.session.clone().unwrap_or_default(),
            message,
            ..Default::default()
        }),
        status: None,
    };
    let created = client!(connection, AgentExecutionCommandControllerClient)
        .create(execution)
        .await
        .map_err(|s| ClientError::from_status(s, connection.address()))?
        .into_inner();
    let id = created
        .metadata
        .as_ref()
        .map(|m| m.id.clone())
        .unwrap_or_default();
    if id.is_empty() {
        bail!("the server created the execution but returned no id");
    }
    let session = created
        .spec
        .as_ref()
        .map(|s| s.session_id.clone())
        .unwrap_or_default();
    let session_note = if session.is_empty() {
        String::new()
    } else {
        format!(", session {session}")
    };
    ui::note(format!("Execution {id}{session_note}"));

    if args.no_follow {
        match args.output.output {
            OutputFormat::Table => println!("{id}"),
            format => print_one(
                ResourceKind::AgentExecution,
                &created.transcode_to_dynamic(),
                format,
            )?,
        }
        return Ok(exit::SUCCESS);
    }
    follow(&connection, &id, args.output.output).await
}

/// The message: `-m`, else stdin when piped, else a prompt.
fn read_message(given: Option<&str>) -> anyhow::Result<String> {
    let message = match given {
        Some(m) => m.to_owned(),
        None if !ui::stdin_is_terminal() => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("cannot read the message from stdin")?;
            text
        }
        None => {
            eprint!("Message: ");
            std::io::stderr().flush()?;
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            line
        }
    };
    let message = message.trim().to_owned();
    if message.is_empty() {
        bail!("no message: pass -m MESSAGE, pipe it on stdin, or type it at the prompt");
    }
    Ok(message)
}

/// Follows the execution to its end; returns the exit code.
async fn follow(connection: &Connection, id: &str, format: OutputFormat) -> anyhow::Result<u8> {
    let started = Instant::now();
    let mut query = client!(connection, AgentExecutionQueryControllerClient);
    let mut transcript = LiveTranscript::new();
    // The live text goes to stdout, unless stdout is reserved for data.
    let mut text_out: Box<dyn std::io::Write> = match format {
        OutputFormat::Table => Box::new(std::io::stdout()),
        _ => Box::new(std::io::stderr()),
    };
    let mut spinner = Some(waiting_spinner(started, "waiting for the agent"));
    let mut attempts = 0;

    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);

    let mut stream = subscribe(&mut query, id, connection).await?;
    let final_execution = loop {
        let next = tokio::select! {
            _ = &mut ctrl_c => {
                if let Some(s) = spinner.take() {
                    s.finish_and_clear();
                }
                transcript.end_line(&mut text_out)?;
                return cancel(connection, id).await;
            }
            next = stream.message() => next,
        };
        match next {
            Ok(Some(execution)) => {
                let phase = execution
                    .status
                    .as_ref()
                    .map_or(ExecutionPhase::Unspecified, |s| s.phase());
                if let Some(s) = spinner.take() {
                    s.finish_and_clear();
                }
                transcript.update(&execution, &mut text_out)?;
                let done = transcript::is_terminal(phase);
                if !done && !transcript.line_open() {
                    spinner = Some(waiting_spinner(started, transcript::phase_word(phase)));
                }
                if done {
                    break Some(execution);
                }
            }
            Ok(None) | Err(_) if attempts < RESUBSCRIBE_ATTEMPTS => {
                // The stream ended before a terminal phase (server restart,
                // dropped connection): look, then listen again.
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(500 * u64::from(attempts))).await;
                if let Ok(current) = get(connection, id).await {
                    let phase = current
                        .status
                        .as_ref()
                        .map_or(ExecutionPhase::Unspecified, |s| s.phase());
                    if transcript::is_terminal(phase) {
                        transcript.update(&current, &mut text_out)?;
                        break Some(current);
                    }
                }
                if let Ok(s) = subscribe(&mut query, id, connection).await {
                    stream = s;
                }
            }
            Ok(None) | Err(_) => {
                if let Some(s) = spinner.take() {
                    s.finish_and_clear();
                }
                transcript.end_line(&mut text_out)?;
                bail!(
                    "lost the stream of execution {id}; it goes on on the server. \
                     Follow up with `stigmer execution show {id}`"
                );
            }
        }
    };
    if let Some(s) = spinner.take() {
        s.finish_and_clear();
    }
    transcript.end_line(&mut text_out)?;
    drop(text_out);
    let Some(execution) = final_execution else {
        bail!("the stream of execution {id} ended without a result");
    };
    finish(&execution, id, started.elapsed(), format)
}

fn finish(
    execution: &AgentExecution,
    id: &str,
    elapsed: Duration,
    format: OutputFormat,
) -> anyhow::Result<u8> {
    if format != OutputFormat::Table {
        print_one(
            ResourceKind::AgentExecution,
            &execution.transcode_to_dynamic(),
            format,
        )?;
    }
    let status = execution.status.clone().unwrap_or_default();
    let took = human_duration(elapsed.as_secs());
    match status.phase() {
        ExecutionPhase::ExecutionCompleted => {
            let tools = status.tool_calls.len();
            let tools = if tools > 0 {
                format!(", {tools} tool call(s)")
            } else {
                String::new()
            };
            ui::success(format!("completed in {took}{tools} ({id})"));
            Ok(exit::SUCCESS)
        }
        ExecutionPhase::ExecutionFailed => {
            ui::error(format!(
                "execution {id} failed: {}",
                transcript::failure_reason(execution)
            ));
            Ok(exit::FAILURE)
        }
        ExecutionPhase::ExecutionCancelled => {
            ui::warning(format!("execution {id} was cancelled"));
            Ok(exit::FAILURE)
        }
        other => bail!(
            "execution {id} ended in phase {}",
            transcript::phase_word(other)
        ),
    }
}

/// Ctrl-C: ask the server to cancel, then exit 130. A second Ctrl-C stops
/// waiting for the server.
async fn cancel(connection: &Connection, id: &str) -> anyhow::Result<u8> {
    ui::note(format!("Cancelling execution {id}…"));
    let request = AgentExecutionUpdateStatusInput {
        execution_id: id.to_owned(),
        status: Some(AgentExecutionStatus {
            phase: ExecutionPhase::ExecutionCancelled as i32,
            ..Default::default()
        }),
    };
    let mut command = client!(connection, AgentExecutionCommandControllerClient);
    tokio::select! {
        result = tokio::time::timeout(Duration::from_secs(10), command.update_status(request)) => match result {
            Ok(Ok(_)) => ui::note(format!("Execution {id} cancelled.")),
            Ok(Err(status)) => ui::error(format!(
                "could not cancel execution {id}: {}",
                ClientError::from_status(status, connection.address())
            )),
            Err(_) => ui::error(format!("the server did not confirm the cancellation of {id}")),
        },
        _ = tokio::signal::ctrl_c() => ui::warning(format!("stopped waiting; execution {id} may still run")),
    }
    Ok(exit::INTERRUPTED)
}

async fn subscribe(
    query: &mut AgentExecutionQueryControllerClient<crate::client::connection::Transport>,
    id: &str,
    connection: &Connection,
) -> Result<tonic::Streaming<AgentExecution>, ClientError> {
    query
        .subscribe(AgentExecutionId {
            value: id.to_owned(),
        })
        .await
        .map(tonic::Response::into_inner)
        .map_err(|s| ClientError::from_status(s, connection.address()))
}

async fn get(connection: &Connection, id: &str) -> Result<AgentExecution, ClientError> {
    client!(connection, AgentExecutionQueryControllerClient)
        .get(AgentExecutionId {
            value: id.to_owned(),
        })
        .await
        .map(tonic::Response::into_inner)
        .map_err(|s| ClientError::from_status(s, connection.address()))
}

fn waiting_spinner(started: Instant, what: &str) -> ProgressBar {
    ui::spinner(what.to_owned()).with_elapsed(started.elapsed())
}

fn unix_micros() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros())
}
