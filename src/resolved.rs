//! What resolving a project yields and every later phase reads: each job, merged and checked,
//! in each environment, with its Kubernetes names. It sits below the phases so that they all
//! depend on it and none on another phase for its data.

use crate::model::{Engine, FlinkJob, RunTarget};
use crate::source::Span;

#[derive(Debug)]
pub struct Environment {
    pub name: String,
    pub jobs: Vec<ResolvedJob>,
}

/// One job in one environment.
#[derive(Debug)]
pub struct ResolvedJob {
    pub env: String,
    pub job: FlinkJob,
    pub names: Names,
    /// `metadata.name` in the job file: where problems of the job as a whole are reported.
    pub origin: Span,
}

impl ResolvedJob {
    #[must_use]
    pub fn name(&self) -> &str {
        &self.job.metadata.name
    }

    #[must_use]
    pub fn autoscaling_enabled(&self) -> bool {
        self.scaling_engine().is_some()
    }

    /// The engine that scales the job, when autoscaling is on.
    #[must_use]
    pub fn scaling_engine(&self) -> Option<Engine> {
        self.job
            .spec
            .autoscaling
            .as_ref()
            .filter(|a| a.enabled)
            .map(|a| a.engine)
    }

    /// Whether the Flink Kubernetes Operator runs the job.
    #[must_use]
    pub fn on_operator(&self) -> bool {
        self.job.spec.target == RunTarget::Operator
    }

    /// How the operator carries the job's state across an upgrade of its spec.
    #[must_use]
    pub fn upgrade_mode(&self) -> &'static str {
        let state = &self.job.spec.state;
        if state.ha().is_some() {
            "last-state"
        } else if state.savepoints.is_some() && state.checkpoints.is_some() {
            "savepoint"
        } else {
            "stateless"
        }
    }
}

/// The Kubernetes names of a job's objects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Names {
    pub namespace: String,
    pub job_manager: String,
    pub task_manager: String,
    pub job_manager_service: String,
    pub task_manager_service: String,
    pub config_map: String,
    pub service_account: String,
}
