//! How an environment's layers (`overrides`, then `jobs.<name>`) apply to one job's
//! `autoscaling`.
//!
//! Whether a job autoscales is the job's own decision (built-in defaults, project `defaults`,
//! job file). An environment layer that only tunes `autoscaling` (bounds, rules, `behavior`)
//! therefore tunes the jobs that autoscale and leaves a fixed-replica job fixed; only an
//! explicit `autoscaling.enabled: true` switches autoscaling on in that environment. Otherwise
//! one environment-wide tuning, like the one `init` scaffolds, would turn every fixed job into
//! an autoscaled one with no scaling rule.

use crate::yaml::{Node, Value};

/// `spec` (the job's own merged layers) with the environment's layers merged over it in order.
pub(super) fn apply(mut spec: Node, layers: &[Option<&Node>]) -> Node {
    for layer in layers.iter().flatten() {
        if autoscales(&spec) || switches_on(layer) {
            spec.merge(layer);
        } else {
            spec.merge(&without_autoscaling(layer));
        }
    }
    spec
}

/// An `autoscaling` map whose `enabled` is not `false` (it defaults to true).
fn autoscales(spec: &Node) -> bool {
    spec.get("autoscaling").is_some_and(|a| {
        matches!(a.value, Value::Map(_))
            && !matches!(a.get("enabled").map(|e| &e.value), Some(Value::Bool(false)))
    })
}

fn switches_on(layer: &Node) -> bool {
    matches!(
        layer
            .get("autoscaling")
            .and_then(|a| a.get("enabled"))
            .map(|e| &e.value),
        Some(Value::Bool(true))
    )
}

/// The layer less its `autoscaling`; an `enabled: false` there goes too, as turning off what
/// is already off changes nothing.
fn without_autoscaling(layer: &Node) -> Node {
    let mut kept = layer.clone();
    if let Value::Map(entries) = &mut kept.value {
        entries.retain(|e| e.key != "autoscaling");
    }
    kept
}
