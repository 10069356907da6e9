//! Flink metric presets for autoscaling.
//!
//! Each preset names a series of Flink's Prometheus reporter and how a job's series are folded
//! into one number. With the hpa engine the HPA asks for an External metric `flinkform_<preset>`
//! selected by the job's `job_name` label, and `deploy/platform/prometheus-adapter-rules.yaml`
//! holds the prometheus-adapter `externalRules` that serve those names. With the keda engine
//! the same PromQL goes straight into a `prometheus` trigger.

use std::collections::BTreeSet;

use serde_json::{Value as Json, json};

use crate::yaml::write;

/// A Flink metric preset.
#[derive(Clone, Copy, Debug)]
pub struct Preset {
    pub name: &'static str,
    pub series: &'static str,
    pub fold: Fold,
}

/// How a job's series of a preset are folded into the one number an autoscaler compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fold {
    /// The job's total (records waiting): grows with the work, so a per-TaskManager target
    /// (`averageValue`) makes sense.
    Sum,
    /// The worst series (a lag).
    Max,
    /// The busiest task: the average over each task's subtasks, then the maximum over the
    /// tasks. A job is as fast as its slowest stage; an average over every subtask of every
    /// task would read a saturated source beside an idle sink as half busy.
    MaxOfTaskAverages,
}

impl Fold {
    /// The PromQL around a series selector.
    fn wrap(self, selector: &str) -> String {
        match self {
            Fold::Sum => format!("sum({selector})"),
            Fold::Max => format!("max({selector})"),
            Fold::MaxOfTaskAverages => format!("max(avg by (task_id) ({selector}))"),
        }
    }

    /// What the folded number is, for diagnostics.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Fold::Sum => "sum over the job's tasks",
            Fold::Max => "maximum over the job's tasks",
            Fold::MaxOfTaskAverages => "maximum over the job's tasks of each task's average",
        }
    }
}

pub const PRESETS: &[Preset] = &[
    Preset {
        name: "backlog",
        series: "flink_taskmanager_job_task_operator_pendingRecords",
        fold: Fold::Sum,
    },
    Preset {
        name: "busyTime",
        series: "flink_taskmanager_job_task_busyTimeMsPerSecond",
        fold: Fold::MaxOfTaskAverages,
    },
    Preset {
        name: "latency",
        series: "flink_taskmanager_job_task_operator_currentEmitEventTimeLag",
        fold: Fold::Max,
    },
    Preset {
        name: "watermarkLag",
        series: "flink_taskmanager_job_task_operator_watermarkLag",
        fold: Fold::Max,
    },
    Preset {
        name: "kafkaLag",
        series: "flink_taskmanager_job_task_operator_KafkaSourceReader_KafkaConsumer_records_lag_max",
        fold: Fold::Max,
    },
];

/// The path of the adapter rules in the output tree, below `platform/`.
pub const ADAPTER_RULES_FILE: &str = "prometheus-adapter-rules.yaml";

#[must_use]
pub fn preset(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

/// The operator autoscaler's `job.autoscaler.utilization.target` for a busyTime rule: its
/// target in milliseconds busy per second, as a fraction of the second (`700` → `0.7`).
#[must_use]
pub fn busy_time_utilization(a: &crate::model::Autoscaling) -> Option<String> {
    a.flink_metrics
        .iter()
        .filter(|r| r.metric.as_deref() == Some("busyTime"))
        .find_map(target_number)
        .map(|ms| format!("{}", ms / 1000.0))
}

/// A rule's target (`value`, else `averageValue`) as a number.
#[must_use]
pub fn target_number(rule: &crate::model::FlinkMetricRule) -> Option<f64> {
    rule.target
        .value
        .as_deref()
        .or(rule.target.average_value.as_deref())
        .and_then(crate::model::parse_quantity)
}

impl Preset {
    /// The External metric name the HPA asks for: `flinkform_<preset>` in snake case.
    #[must_use]
    pub fn external_name(&self) -> String {
        let mut out = String::from("flinkform_");
        for c in self.name.chars() {
            if c.is_ascii_uppercase() {
                out.push('_');
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        out
    }

    /// The PromQL for one job, as a KEDA `prometheus` trigger runs it.
    #[must_use]
    pub fn query(&self, job_name: &str, namespace: &str) -> String {
        self.fold.wrap(&format!(
            "{}{{job_name=\"{}\",namespace=\"{}\"}}",
            self.series,
            escape_label_value(job_name),
            escape_label_value(namespace)
        ))
    }

    /// The prometheus-adapter external rule that serves [`Preset::external_name`]: the HPA's
    /// selector (`job_name`) and namespace become the label matchers.
    #[must_use]
    pub fn adapter_rule(&self) -> Json {
        json!({
            "seriesQuery": format!("{}{{job_name!=\"\",namespace!=\"\"}}", self.series),
            "resources": {"overrides": {"namespace": {"resource": "namespace"}}},
            "name": {"as": self.external_name()},
            "metricsQuery": self.fold.wrap("<<.Series>>{<<.LabelMatchers>>}"),
        })
    }
}

fn escape_label_value(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The adapter configuration for the presets a project uses, each once; `None` when none is.
#[must_use]
pub fn adapter_rules(used: &BTreeSet<&'static str>) -> Option<String> {
    if used.is_empty() {
        return None;
    }
    let rules: Vec<Json> = PRESETS
        .iter()
        .filter(|p| used.contains(p.name))
        .map(Preset::adapter_rule)
        .collect();
    let header = "# prometheus-adapter rules for the Flink metrics this project's HPAs use, written by\n\
                  # flinkform. Merge `externalRules` into the adapter's configuration (the chart's\n\
                  # `rules.external`). Series need a `namespace` label (a PodMonitor, or the usual\n\
                  # pod-annotation scrape config, adds it).\n";
    Some(format!(
        "{header}{}",
        write::to_yaml(&json!({"externalRules": rules}))
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_queries() {
        let backlog = preset("backlog").unwrap();
        assert_eq!(backlog.external_name(), "flinkform_backlog");
        assert_eq!(
            preset("watermarkLag").unwrap().external_name(),
            "flinkform_watermark_lag"
        );
        assert_eq!(
            backlog.query("orders", "ns"),
            "sum(flink_taskmanager_job_task_operator_pendingRecords{job_name=\"orders\",namespace=\"ns\"})"
        );
        assert_eq!(
            preset("busyTime").unwrap().query("orders", "ns"),
            "max(avg by (task_id) (flink_taskmanager_job_task_busyTimeMsPerSecond{job_name=\"orders\",namespace=\"ns\"}))"
        );
    }
}
