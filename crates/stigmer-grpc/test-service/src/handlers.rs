//! Handlers that report what the runtime told them and misbehave on demand.

use std::pin::Pin;
use std::sync::Arc;

use stigmer_api::ApiResourceKind;
use stigmer_grpc::{Identity, InProcessChannel, RequestId, Transport};
use tokio::sync::{Semaphore, watch};
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status};

use crate::pb::trouble_controller_server::TroubleController;
use crate::pb::widget_command_controller_server::WidgetCommandController;
use crate::pb::widget_query_controller_client::WidgetQueryControllerClient;
use crate::pb::widget_query_controller_server::WidgetQueryController;
use crate::pb::{CallEcho, WatchRequest, Widget, WidgetId, WidgetMetadata};

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

/// Holds `wait` calls until opened.
#[derive(Debug)]
pub struct Gate {
    entered: Semaphore,
    open: watch::Sender<bool>,
}

impl Default for Gate {
    fn default() -> Self {
        Self {
            entered: Semaphore::new(0),
            open: watch::channel(false).0,
        }
    }
}

impl Gate {
    /// Returns once a `wait` call has entered its handler.
    pub async fn entered(&self) {
        if let Ok(permit) = self.entered.acquire().await {
            permit.forget();
        }
    }

    /// Lets every current and future `wait` call finish.
    pub fn open(&self) {
        self.open.send_replace(true);
    }

    async fn pass(&self) {
        self.entered.add_permits(1);
        let mut open = self.open.subscribe();
        let _ = open.wait_for(|open| *open).await;
    }
}

#[derive(Debug, Clone)]
pub struct WidgetHandlers {
    channel: InProcessChannel,
    gate: Arc<Gate>,
}

impl WidgetHandlers {
    pub fn new(channel: InProcessChannel, gate: Arc<Gate>) -> Self {
        Self { channel, gate }
    }
}

fn widget(id: &str, name: &str) -> Widget {
    Widget {
        metadata: Some(WidgetMetadata {
            id: id.to_owned(),
            name: name.to_owned(),
        }),
        spec: None,
    }
}

fn echo<T>(request: &Request<T>) -> CallEcho {
    let extensions = request.extensions();
    CallEcho {
        identity: extensions
            .get::<Identity>()
            .map(ToString::to_string)
            .unwrap_or_default(),
        transport: extensions
            .get::<Transport>()
            .map(|t| t.name().to_owned())
            .unwrap_or_default(),
        kind: extensions
            .get::<ApiResourceKind>()
            .map(|k| k.as_str_name().to_owned())
            .unwrap_or_default(),
        request_id: extensions
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default(),
    }
}

#[tonic::async_trait]
impl WidgetCommandController for WidgetHandlers {
    async fn create(&self, request: Request<Widget>) -> Result<Response<Widget>, Status> {
        let mut widget = request.into_inner();
        let metadata = widget.metadata.get_or_insert_default();
        metadata.id = format!("wdg-{}", metadata.name);
        if let Some(spec) = widget.spec.as_mut() {
            spec.payload = vec![7; spec.response_payload_size as usize];
        }
        Ok(Response::new(widget))
    }

    async fn copy(&self, request: Request<WidgetId>) -> Result<Response<Widget>, Status> {
        let mut query = WidgetQueryControllerClient::new(self.channel.clone());
        let original = query.get(request.into_inner()).await?;
        Ok(original)
    }
}

#[tonic::async_trait]
impl WidgetQueryController for WidgetHandlers {
    async fn get(&self, request: Request<WidgetId>) -> Result<Response<Widget>, Status> {
        let id = request.into_inner().value;
        if id == "missing" {
            return Err(Status::not_found(format!("Widget not found: {id}")));
        }
        Ok(Response::new(widget(&id, "widget")))
    }

    async fn echo(&self, request: Request<WidgetId>) -> Result<Response<CallEcho>, Status> {
        Ok(Response::new(echo(&request)))
    }

    type watchStream = BoxStream<CallEcho>;

    async fn watch(
        &self,
        request: Request<WatchRequest>,
    ) -> Result<Response<Self::watchStream>, Status> {
        let seen = echo(&request);
        let count = request.get_ref().count;
        let stream: Self::watchStream = if count == 0 {
            // One message, then stay open until the runtime ends the stream.
            Box::pin(tokio_stream::once(Ok(seen)).chain(tokio_stream::pending()))
        } else {
            Box::pin(tokio_stream::iter(
                (0..count).map(move |_| Ok(seen.clone())),
            ))
        };
        Ok(Response::new(stream))
    }
}

#[tonic::async_trait]
impl TroubleController for WidgetHandlers {
    async fn panic(&self, _request: Request<WidgetId>) -> Result<Response<Widget>, Status> {
        panic!("test handler panics on purpose");
    }

    type panicStreamStream = BoxStream<Widget>;

    async fn panic_stream(
        &self,
        request: Request<WidgetId>,
    ) -> Result<Response<Self::panicStreamStream>, Status> {
        let first = widget(&request.into_inner().value, "before the panic");
        // The panic comes after a pending poll, so the first message has
        // been flushed by then (tonic batches what is ready at once).
        let stream = futures::stream::unfold(Some(first), |first| async move {
            match first {
                Some(first) => Some((Ok(first), None)),
                None => {
                    tokio::task::yield_now().await;
                    panic!("test stream panics on purpose")
                }
            }
        });
        Ok(Response::new(Box::pin(stream)))
    }

    async fn wait(&self, request: Request<WidgetId>) -> Result<Response<Widget>, Status> {
        self.gate.pass().await;
        Ok(Response::new(widget(&request.into_inner().value, "waited")))
    }
}
