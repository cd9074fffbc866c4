//! Pipeline semantics: order, first error stops, step name carried,
//! compensations newest first and only on failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use stigmer_pipeline::{Actor, ApiError, Pipeline, RequestContext, Step};

type Log = Arc<Mutex<Vec<String>>>;

struct Record {
    name: &'static str,
    log: Log,
    fail: bool,
    compensate: bool,
}

#[async_trait]
impl Step<String, String> for Record {
    fn name(&self) -> &'static str {
        self.name
    }
    async fn run(&self, ctx: &mut RequestContext<String, String>) -> Result<(), ApiError> {
        self.log.lock().unwrap().push(format!("run {}", self.name));
        ctx.new_state.push_str(self.name);
        if self.compensate {
            let log = self.log.clone();
            let name = self.name;
            ctx.on_failure(name, move || async move {
                log.lock().unwrap().push(format!("undo {name}"));
                Ok(())
            });
        }
        if self.fail {
            return Err(ApiError::NotFound(format!("{} missing", self.name)));
        }
        Ok(())
    }
}

fn step(name: &'static str, log: &Log, fail: bool, compensate: bool) -> Record {
    Record {
        name,
        log: log.clone(),
        fail,
        compensate,
    }
}

#[tokio::test]
async fn steps_run_in_order_and_share_state() {
    let log = Log::default();
    let pipeline = Pipeline::new("p")
        .step(step("a", &log, false, true))
        .step(step("b", &log, false, false));
    let mut ctx = RequestContext::new(String::new(), Actor::system());
    pipeline.run(&mut ctx).await.unwrap();
    assert_eq!(ctx.new_state, "ab");
    assert_eq!(ctx.input, "");
    assert_eq!(
        *log.lock().unwrap(),
        ["run a", "run b"],
        "no compensation on success"
    );
    assert_eq!(pipeline.step_names(), ["a", "b"]);
}

#[tokio::test]
async fn first_error_stops_and_compensations_run_newest_first() {
    let log = Log::default();
    let pipeline = Pipeline::new("create")
        .step(step("first", &log, false, true))
        .step(step("second", &log, false, true))
        .step(step("third", &log, true, false))
        .step(step("never", &log, false, false));
    let mut ctx = RequestContext::new(String::new(), Actor::system());
    let err = pipeline.run(&mut ctx).await.unwrap_err();
    assert_eq!(err.step, "third");
    assert_eq!(err.pipeline, "create");
    assert_eq!(
        *log.lock().unwrap(),
        [
            "run first",
            "run second",
            "run third",
            "undo second",
            "undo first"
        ]
    );
    let status: tonic::Status = err.into();
    assert_eq!(status.code(), tonic::Code::NotFound);
    assert_eq!(status.message(), "third missing");
    assert_eq!(
        status.metadata().get("x-stigmer-failed-step").unwrap(),
        "third"
    );
}

#[tokio::test]
async fn a_failing_step_own_compensation_runs_too() {
    let log = Log::default();
    let pipeline = Pipeline::new("p").step(step("only", &log, true, true));
    let mut ctx = RequestContext::new(String::new(), Actor::system());
    pipeline.run(&mut ctx).await.unwrap_err();
    assert_eq!(*log.lock().unwrap(), ["run only", "undo only"]);
}

#[tokio::test]
async fn typed_bag_and_require() {
    #[derive(Clone, Debug, PartialEq)]
    struct DefaultInstanceId(String);
    let mut ctx = RequestContext::new(0u8, Actor::system());
    let missing = ctx.require::<DefaultInstanceId>().unwrap_err();
    assert!(matches!(missing, ApiError::Internal(ref m) if m.contains("DefaultInstanceId")));
    ctx.put(DefaultInstanceId("ain-1".into()));
    assert_eq!(
        ctx.get::<DefaultInstanceId>(),
        Some(&DefaultInstanceId("ain-1".into()))
    );
    assert_eq!(ctx.take::<DefaultInstanceId>().unwrap().0, "ain-1");
    assert!(ctx.get::<DefaultInstanceId>().is_none());
}

#[tokio::test]
async fn empty_pipeline_succeeds() {
    let pipeline: Pipeline<u8> = Pipeline::new("empty");
    let mut ctx = RequestContext::new(1u8, Actor::system());
    pipeline.run(&mut ctx).await.unwrap();
}
