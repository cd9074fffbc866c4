//! An agent whose MCP server is reached over streamable HTTP (the rmcp
//! server implementation on loopback): headers and query parameters with
//! placeholders, tool allow-lists, and the tool call itself.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, InitializeResult,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, Tool,
};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::json;
use stigmer_api::agentic::agent::v1::mcp_server_definition::ServerType;
use stigmer_api::agentic::agent::v1::{HttpServer, McpServerDefinition};
use stigmer_api::agentic::agentexecution::v1::{ExecutionPhase, ToolCallStatus};
use stigmer_api::agentic::environment::v1::{EnvironmentSpec, EnvironmentValue};

use common::{Dialect, FakeLlm, Fixture, Reply, agent_spec};

#[derive(Clone)]
struct Shouter;

impl ServerHandler for Shouter {
    fn get_info(&self) -> InitializeResult {
        InitializeResult::new(ServerCapabilities::builder().enable_tools().build())
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let schema = json!({"type": "object", "properties": {"text": {"type": "string"}}});
        let schema = schema.as_object().unwrap().clone();
        Ok(ListToolsResult::with_all_items(vec![
            Tool::new("shout", "Upper-cases text", schema.clone()),
            Tool::new("whisper", "Lower-cases text", schema),
        ]))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let text = request
            .arguments
            .as_ref()
            .and_then(|arguments| arguments.get("text"))
            .and_then(|text| text.as_str())
            .unwrap_or_default()
            .to_owned();
        let result = match request.name.as_ref() {
            "shout" => text.to_uppercase(),
            _ => text.to_lowercase(),
        };
        Ok(CallToolResult::success(vec![ContentBlock::text(result)]).into())
    }
}

/// Starts the server; returns its URL and the requests' (api key, query) seen.
async fn start_http_mcp() -> (String, Arc<Mutex<Vec<(String, String)>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let service = StreamableHttpService::new(
        || Ok(Shouter),
        Arc::new(LocalSessionManager::default()),
        StreamableHttpServerConfig::default(),
    );
    let recorder = seen.clone();
    let app = Router::new()
        .nest_service("/mcp", service)
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            let recorder = recorder.clone();
            async move {
                let key = request
                    .headers()
                    .get("x-api-key")
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                let query = request.uri().query().unwrap_or_default().to_owned();
                recorder.lock().unwrap().push((key, query));
                next.run(request).await
            }
        }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/mcp"), seen)
}

#[tokio::test]
async fn http_mcp_tools_are_called_with_placeholders_filled_and_allow_list_honoured() {
    let (url, seen) = start_http_mcp().await;
    let llm = FakeLlm::start(
        Dialect::OpenAi,
        vec![
            Reply::tool("loud__shout", json!({"text": "hello"})),
            Reply::text("It said HELLO."),
        ],
    )
    .await;
    let mut spec = agent_spec("You are a careful test assistant.");
    spec.mcp_servers = vec![McpServerDefinition {
        name: "loud".into(),
        server_type: Some(ServerType::Http(HttpServer {
            url,
            headers: HashMap::from([("x-api-key".to_owned(), "key-${TEAM}".to_owned())]),
            query_params: HashMap::from([("team".to_owned(), "${TEAM}".to_owned())]),
            timeout_seconds: 0,
        })),
        enabled_tools: vec!["shout".into()],
    }];
    spec.env_spec = Some(EnvironmentSpec {
        description: String::new(),
        data: HashMap::from([(
            "TEAM".to_owned(),
            EnvironmentValue {
                value: "blue".into(),
                is_secret: false,
                description: String::new(),
            },
        )]),
    });
    let mut fixture = Fixture::new(&llm, spec);
    let execution = fixture.create_execution("Shout hello.");

    let outcome = fixture.run(&execution).await;

    assert_eq!(
        outcome.phase,
        ExecutionPhase::ExecutionCompleted,
        "{:?}",
        outcome.error
    );
    let status = fixture.stored(&execution);
    assert_eq!(
        status.tool_calls[0].status,
        ToolCallStatus::ToolCallCompleted as i32
    );
    assert_eq!(status.tool_calls[0].result, "HELLO");
    let offered: Vec<String> = llm.requests()[0]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tool| tool["function"]["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(offered.contains(&"loud__shout".to_owned()));
    assert!(
        !offered.contains(&"loud__whisper".to_owned()),
        "allow-list: {offered:?}"
    );
    let seen = seen.lock().unwrap().clone();
    assert!(!seen.is_empty());
    assert!(
        seen.iter()
            .all(|(key, query)| key == "key-blue" && query == "team=blue"),
        "{seen:?}"
    );
}
