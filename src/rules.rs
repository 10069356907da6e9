//! The semantic rules a merged job is held to, after the schema: what the schema cannot say
//! because it depends on several fields, on the Flink version, or on what Flink and
//! Kubernetes do with the result. Each rule reports through one [`Diagnostic`] code with a
//! help line, at the line of the layer that supplied the value. The rules are grouped by
//! topic, one module each:
//!
//! - [`job`]: the jar, parallelism against slots and maximum parallelism;
//! - [`configuration`]: the Flink configuration the user may and may not set;
//! - [`flink_options`]: keys and values against Flink's own option table for the version;
//! - [`resources`]: CPU and memory a Flink process can run with;
//! - [`memory`]: Flink's memory model of each process, and the network buffers at scale;
//! - [`image`]: image tags and values Flux would rewrite;
//! - [`pods`]: the pods' own settings, in Kubernetes' shape;
//! - [`ingress`]: the Ingress to the web UI;
//! - [`scaling`]: autoscaling bounds, rules and what each engine can do with them;
//! - [`state`]: where the job's state lives and whether a JobManager restart keeps it;
//! - [`operator`]: what the Flink Kubernetes Operator target can express, and which engine
//!   belongs to which target;
//! - [`labels`]: Kubernetes label syntax, shared by the rules that check selectors.

pub(crate) mod configuration;
pub(crate) mod flink_options;
pub(crate) mod image;
pub(crate) mod ingress;
pub(crate) mod job;
pub mod labels;
pub(crate) mod memory;
pub(crate) mod operator;
pub(crate) mod pods;
mod resources;
pub(crate) mod scaling;
pub(crate) mod state;

pub use configuration::OWNED_CONFIG_KEYS;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::ProjectSpec;
use crate::resolved::ResolvedJob;
use crate::source::Span;
use crate::yaml::Node;

/// A job while its semantics are checked: the resolved job and the merged tree that says
/// where each of its values came from. The tree goes once the checks are done: later phases
/// report no positions, and a tree per job and environment was most of the memory.
pub struct Located<'a> {
    pub resolved: &'a ResolvedJob,
    pub tree: &'a Node,
}

impl std::ops::Deref for Located<'_> {
    type Target = ResolvedJob;

    fn deref(&self) -> &ResolvedJob {
        self.resolved
    }
}

impl Located<'_> {
    /// The span of the value at a path of the merged job, or the job's origin.
    fn span(&self, path: &[&str]) -> Span {
        let (node, key, depth) = self.tree.walk(path);
        let span = if depth == path.len() {
            node.span
        } else {
            key.unwrap_or(self.origin)
        };
        // A value flinkform supplied itself has no line: report at the job instead.
        if span.is_builtin() { self.origin } else { span }
    }

    /// The span of the key at a path (where a whole block is meant), or the job's origin.
    fn key_span(&self, path: &[&str]) -> Span {
        self.tree.walk(path).1.unwrap_or(self.origin)
    }
}

/// Every rule, for one job in one environment.
/// The pods' Kubernetes-type problems of a job that failed its schema check (see
/// `pods::types_beside`).
#[must_use]
pub fn pod_types_beside(tree: &crate::yaml::Node, reported: &[Diagnostic]) -> Vec<Diagnostic> {
    pods::types_beside(tree, reported)
}

pub fn check(r: &Located, settings: &ProjectSpec, diags: &mut Diagnostics) {
    job::check(r, diags);
    configuration::check(r, diags);
    flink_options::check(r, diags);
    resources::check(r, diags);
    memory::check(r, diags);
    image::check(r, diags);
    pods::check(r, diags);
    ingress::check(r, diags);
    labels::check(r, diags);
    scaling::check(r, settings, diags);
    state::check(r, diags);
    operator::check(r, diags);
}

/// Whether the job takes checkpoints (what a restart resumes from).
fn has_checkpointing(r: &ResolvedJob) -> bool {
    [
        "execution.checkpointing.interval",
        "execution.checkpointing.interval-during-backlog",
    ]
    .iter()
    .any(|k| r.job.spec.flink_configuration.contains_key(*k))
}
