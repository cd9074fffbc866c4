//! A named, ordered list of steps with compensation on failure.

use std::time::Instant;

use async_trait::async_trait;
use tracing::{Instrument, info_span};

use crate::{ApiError, PipelineError, RequestContext};

/// One step of a pipeline.
#[async_trait]
pub trait Step<I, S>: Send + Sync {
    /// The step's name, used for its span, logs and errors.
    fn name(&self) -> &'static str;
    async fn run(&self, ctx: &mut RequestContext<I, S>) -> Result<(), ApiError>;
}

/// A named list of steps, run in order.
pub struct Pipeline<I, S = I> {
    name: &'static str,
    steps: Vec<Box<dyn Step<I, S>>>,
}

impl<I: Send, S: Send> Pipeline<I, S> {
    pub fn new(name: &'static str) -> Self {
        Pipeline {
            name,
            steps: Vec::new(),
        }
    }

    /// Appends a step.
    #[must_use]
    pub fn step(mut self, step: impl Step<I, S> + 'static) -> Self {
        self.steps.push(Box::new(step));
        self
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Names of the steps in order.
    pub fn step_names(&self) -> Vec<&'static str> {
        self.steps.iter().map(|s| s.name()).collect()
    }

    /// Runs every step in order. On the first error the compensations
    /// registered so far run newest first, then the error is returned.
    pub async fn run(&self, ctx: &mut RequestContext<I, S>) -> Result<(), PipelineError> {
        let span = info_span!("pipeline", name = self.name);
        async {
            for step in &self.steps {
                let started = Instant::now();
                let result = step
                    .run(ctx)
                    .instrument(info_span!("step", name = step.name()))
                    .await;
                let elapsed_us = started.elapsed().as_micros() as u64;
                match result {
                    Ok(()) => tracing::debug!(step = step.name(), elapsed_us, "step done"),
                    Err(error) => {
                        tracing::info!(step = step.name(), elapsed_us, code = ?error.code(), %error, "step failed");
                        compensate(self.name, ctx).await;
                        return Err(PipelineError {
                            pipeline: self.name,
                            step: step.name(),
                            error,
                        });
                    }
                }
            }
            Ok(())
        }
        .instrument(span)
        .await
    }
}

/// Runs and drains the registered compensations, newest first. A failing
/// compensation is logged loudly and the others still run: leaving less
/// behind is better than stopping at the first problem.
async fn compensate<I, S>(pipeline: &'static str, ctx: &mut RequestContext<I, S>) {
    while let Some(compensation) = ctx.compensations.pop() {
        match (compensation.run)().await {
            Ok(()) => tracing::info!(pipeline, compensation = compensation.name, "compensated"),
            Err(error) => tracing::error!(
                pipeline,
                compensation = compensation.name,
                %error,
                "compensation failed; a partial result may remain"
            ),
        }
    }
}
