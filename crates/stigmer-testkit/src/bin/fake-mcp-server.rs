//! A tiny stdio MCP server for tests and local experiments: newline-delimited
//! JSON-RPC on stdin/stdout, written independently of the MCP client crate so
//! the runner's client is checked against a second implementation.
//!
//! Tools: `echo {text}`, `add {a, b}`, `env {name}` (reads its own
//! environment — shows what the runner passed), `sleep {seconds}`.
//! `--pid-file PATH` writes the process id at startup.
#![forbid(unsafe_code)]

use std::io::{BufRead, Write};

use serde_json::{Value, json};

fn tools() -> Value {
    json!([
        {"name": "echo", "description": "Repeats the text",
         "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}},
        {"name": "add", "description": "Adds two numbers",
         "inputSchema": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}, "required": ["a", "b"]}},
        {"name": "env", "description": "Reads an environment variable of the server",
         "inputSchema": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}},
        {"name": "sleep", "description": "Waits some seconds",
         "inputSchema": {"type": "object", "properties": {"seconds": {"type": "number"}}}}
    ])
}

fn call_tool(params: &Value) -> Value {
    let arguments = &params["arguments"];
    let text_result = |text: String, is_error: bool| json!({"content": [{"type": "text", "text": text}], "isError": is_error});
    match params["name"].as_str().unwrap_or_default() {
        "echo" => text_result(
            format!("echo: {}", arguments["text"].as_str().unwrap_or_default()),
            false,
        ),
        "add" => {
            let sum = arguments["a"].as_f64().unwrap_or_default()
                + arguments["b"].as_f64().unwrap_or_default();
            text_result(sum.to_string(), false)
        }
        "env" => {
            let name = arguments["name"].as_str().unwrap_or_default();
            match std::env::var(name) {
                Ok(value) => text_result(value, false),
                Err(_) => text_result(format!("{name} is not set"), true),
            }
        }
        "sleep" => {
            let seconds = arguments["seconds"].as_f64().unwrap_or(1.0);
            std::thread::sleep(std::time::Duration::from_secs_f64(
                seconds.clamp(0.0, 600.0),
            ));
            text_result("slept".to_owned(), false)
        }
        other => text_result(format!("unknown tool {other}"), true),
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--pid-file"
            && let Some(path) = args.next()
        {
            let _ = std::fs::write(path, std::process::id().to_string());
        }
    }
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let Ok(message) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        let Some(id) = message.get("id").cloned() else {
            continue; // a notification
        };
        let params = message.get("params").cloned().unwrap_or(Value::Null);
        let reply = match message["method"].as_str().unwrap_or_default() {
            "initialize" => json!({"jsonrpc": "2.0", "id": id, "result": {
                "protocolVersion": params["protocolVersion"].as_str().unwrap_or("2025-06-18"),
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "fake-mcp-server", "version": "1.0.0"}
            }}),
            "tools/list" => json!({"jsonrpc": "2.0", "id": id, "result": {"tools": tools()}}),
            "tools/call" => json!({"jsonrpc": "2.0", "id": id, "result": call_tool(&params)}),
            "ping" => json!({"jsonrpc": "2.0", "id": id, "result": {}}),
            other => json!({"jsonrpc": "2.0", "id": id,
                "error": {"code": -32601, "message": format!("method not found: {other}")}}),
        };
        if writeln!(stdout, "{reply}")
            .and_then(|()| stdout.flush())
            .is_err()
        {
            break;
        }
    }
}
