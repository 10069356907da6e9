//! The context's `autoscaling` block: the HPA's metrics or KEDA's triggers, and a complete
//! scaling behavior (a partial one would be filled in by the API server and show as drift).

use serde_json::{Value as Json, json};

use crate::flink_config;
use crate::metrics;
use crate::model::{ScalingPolicy, ScalingRules};

use super::fields::{Autoscaling, Behavior};
use crate::resolved::ResolvedJob;

pub(super) fn autoscaling(
    job: &ResolvedJob,
    a: &crate::model::Autoscaling,
    prometheus_url: Option<&str>,
) -> Autoscaling {
    // The HPA's metrics and, for the keda engine, the ScaledObject's triggers.
    let mut metrics = Vec::new();
    let mut triggers = Vec::new();
    for (name, rule) in [("cpu", &a.cpu), ("memory", &a.memory)] {
        if let Some(u) = rule {
            metrics.push(json!({
                "type": "Resource",
                "resource": {"name": name, "target": {"type": "Utilization", "averageUtilization": u.average_utilization}},
            }));
            triggers.push(json!({
                "type": name,
                "metricType": "Utilization",
                "metadata": {"value": u.average_utilization.to_string()},
            }));
        }
    }
    let job_name = flink_config::prometheus_job_name(job);
    for rule in &a.flink_metrics {
        let (target_type, target_key, target) =
            match (&rule.target.value, &rule.target.average_value) {
                (Some(v), _) => ("Value", "value", v),
                (None, Some(v)) => ("AverageValue", "averageValue", v),
                (None, None) => continue,
            };
        let metric = match (
            rule.metric.as_deref().and_then(metrics::preset),
            &rule.external,
        ) {
            (Some(preset), _) => {
                triggers.push(json!({
                    "type": "prometheus",
                    "name": preset.name.to_lowercase(),
                    "metricType": target_type,
                    "metadata": {
                        "serverAddress": prometheus_url.unwrap_or_default(),
                        "query": preset.query(&job_name, &job.names.namespace),
                        "threshold": target,
                    },
                }));
                json!({"name": preset.external_name(), "selector": {"matchLabels": {"job_name": job_name}}})
            }
            (None, Some(ext)) => {
                let mut metric = json!({"name": ext.name});
                if let Some(selector) = &ext.selector {
                    metric["selector"] = json!({"matchLabels": selector.match_labels});
                }
                metric
            }
            (None, None) => continue,
        };
        metrics.push(json!({
            "type": "External",
            "external": {"metric": metric, "target": {"type": target_type, target_key: target}},
        }));
    }
    Autoscaling {
        engine: a.engine,
        scale_target_ref: if job.on_operator() {
            // The FlinkDeployment's scale subresource: its `spec.taskManager.replicas`.
            json!({"apiVersion": "flink.apache.org/v1beta1", "kind": "FlinkDeployment", "name": job.name()})
        } else {
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": job.names.task_manager})
        },
        min_replicas: a.min_replicas,
        max_replicas: a.max_replicas,
        metrics,
        triggers,
        behavior: Behavior {
            scale_up: complete_rules(a.behavior.scale_up.as_ref(), &default_scale_up()),
            scale_down: complete_rules(a.behavior.scale_down.as_ref(), &default_scale_down()),
        },
    }
}

/// The default behavior, written out in full: the API server fills in the whole block once
/// any part is set, and a partial block is drift in Argo CD. Kubernetes' own defaults but for
/// a 60 s scale-up window: the catch-up after every restart burns CPU that looks like load,
/// and without the window that catch-up alone adds a TaskManager, which is another restart
/// (docs/simulate.md has the simulations).
pub(super) fn default_scale_up() -> ScalingRules {
    ScalingRules {
        stabilization_window_seconds: Some(60),
        select_policy: Some("Max".into()),
        policies: Some(vec![
            ScalingPolicy {
                kind: "Pods".into(),
                value: 4,
                period_seconds: 15,
            },
            ScalingPolicy {
                kind: "Percent".into(),
                value: 100,
                period_seconds: 15,
            },
        ]),
    }
}

pub(super) fn default_scale_down() -> ScalingRules {
    ScalingRules {
        stabilization_window_seconds: Some(300),
        select_policy: Some("Max".into()),
        policies: Some(vec![ScalingPolicy {
            kind: "Percent".into(),
            value: 100,
            period_seconds: 15,
        }]),
    }
}

pub(super) fn complete_rules(given: Option<&ScalingRules>, default: &ScalingRules) -> Json {
    let pick = |f: fn(&ScalingRules) -> Json| {
        given
            .map(f)
            .filter(|v| !v.is_null())
            .unwrap_or_else(|| f(default))
    };
    json!({
        "stabilizationWindowSeconds": pick(|r| json!(r.stabilization_window_seconds)),
        "selectPolicy": pick(|r| json!(r.select_policy)),
        "policies": pick(|r| json!(r.policies)),
    })
}
